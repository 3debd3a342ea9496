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

/**
 * Confirm an action that needs a token, and run it in the dialog: when this
 * browser holds no token (askToken) the user pastes one. A refusal (a wrong
 * token: the server's message) shows in the dialog, which stays open for
 * another try; nothing is done until the server accepts.
 * @param {{title: string, text: (string|Node)[], yes: string, askToken: boolean,
 *   tokenLabel?: string, run: (token: string) => Promise<unknown>}} o
 * @returns {Promise<boolean>} whether the action ran
 */
export function actionDialog(o) {
  return new Promise(resolve => {
    let done = false;
    const input = o.askToken ? el('input', {
      type: 'password', name: 'token', class: 'token-input', autocomplete: 'off', spellcheck: 'false',
      'aria-label': o.tokenLabel || 'Delete token', placeholder: 'the delete token shown when it was stored',
    }) : null;
    const err = el('p', { class: 'error dialog-error', role: 'alert' });
    const yes = el('button', { type: 'submit', class: 'danger', value: 'yes', text: o.yes });
    const form = el('form', { class: 'action-form' },
      ...o.text.map(t => (typeof t === 'string' ? el('p', { text: t }) : t)),
      input ? el('label', { class: 'token-field' }, el('span', { text: o.tokenLabel || 'Delete token' }), input) : null,
      err,
      el('div', { class: 'dialog-actions' },
        el('button', { type: 'button', value: 'no', text: 'Cancel', onclick: () => d.close('no') }),
        yes));
    const d = el('dialog', { class: 'dialog action-dialog' }, el('h2', { text: o.title }), form);
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const token = input ? input.value.trim() : '';
      if (input && !token) {
        err.textContent = 'Paste the token first.';
        input.focus();
        return;
      }
      yes.disabled = true;
      err.textContent = '';
      try {
        await o.run(token);
        done = true;
        d.close('yes');
      } catch (x) {
        err.textContent = x instanceof Error ? x.message : String(x);
        input?.select();
      } finally {
        yes.disabled = false;
      }
    });
    d.addEventListener('close', () => { d.remove(); resolve(done); });
    document.body.append(d);
    d.showModal();
    input?.focus();
  });
}
