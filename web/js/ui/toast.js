// @ts-check
// Short status messages at the bottom of the window ("Link copied").
import { el } from './dom.js';

/** @type {HTMLElement|null} */
let box = null;

/**
 * @param {string} text @param {'info'|'error'} [kind]
 */
export function toast(text, kind = 'info') {
  if (!box) {
    box = el('div', { class: 'toasts', 'aria-live': 'polite' });
    document.body.append(box);
  }
  const t = el('div', { class: `toast ${kind}`, text });
  box.append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 6000 : 2500);
}
