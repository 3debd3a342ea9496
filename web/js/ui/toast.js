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

/** Copy a link (default: this page) to the clipboard and say so; shows it when copying fails. */
export async function copyLink(url = location.href) {
  try {
    await navigator.clipboard.writeText(url);
    toast('Link copied');
  } catch {
    toast(url);
  }
}
