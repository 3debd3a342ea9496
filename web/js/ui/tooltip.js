// @ts-check
// One floating tooltip, positioned next to the pointer and kept inside the window.
import { el, replace } from './dom.js';

/** @type {HTMLDivElement|null} */
let tip = null;

function node() {
  if (!tip) {
    tip = el('div', { class: 'tooltip', role: 'tooltip', hidden: true });
    document.body.append(tip);
  }
  return tip;
}

/**
 * Show content near (x, y) in client coordinates.
 * @param {number} x @param {number} y @param {...(Node|string)} content
 */
export function showTip(x, y, ...content) {
  const t = node();
  replace(t, ...content);
  t.hidden = false;
  const pad = 14;
  const r = t.getBoundingClientRect();
  let left = x + pad, top = y + pad;
  if (left + r.width > innerWidth - 4) left = Math.max(4, x - pad - r.width);
  if (top + r.height > innerHeight - 4) top = Math.max(4, y - pad - r.height);
  t.style.left = `${left}px`;
  t.style.top = `${top}px`;
}

export function hideTip() {
  if (tip) tip.hidden = true;
}
