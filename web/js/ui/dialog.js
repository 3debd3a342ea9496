// @ts-check
// Modal dialogs on <dialog>: confirm() without the browser's blocking box.
import { el } from './dom.js';

/**
 * Ask a yes/no question.
 * @param {string} title @param {string} text @param {string} yes label of the confirming button
 * @returns {Promise<boolean>}
 */
export function confirmDialog(title, text, yes) {
  return new Promise(resolve => {
    const d = el('dialog', { class: 'dialog' },
      el('h2', { text: title }),
      el('p', { text }),
      el('div', { class: 'dialog-actions' },
        el('button', { type: 'button', value: 'no', text: 'Cancel', onclick: () => d.close('no') }),
        el('button', { type: 'button', class: 'danger', value: 'yes', text: yes, onclick: () => d.close('yes') })));
    d.addEventListener('close', () => { d.remove(); resolve(d.returnValue === 'yes'); });
    document.body.append(d);
    d.showModal();
  });
}

/**
 * A modal dialog with arbitrary content; returns it and a close function.
 * @param {string} title @param {...Node} content
 */
export function openDialog(title, ...content) {
  const d = el('dialog', { class: 'dialog wide' },
    el('div', { class: 'dialog-head' }, el('h2', { text: title }),
      el('button', { type: 'button', class: 'icon', 'aria-label': 'Close', text: '✕', onclick: () => d.close() })),
    ...content);
  d.addEventListener('close', () => d.remove());
  document.body.append(d);
  d.showModal();
  return { dialog: d, close: () => d.close() };
}
