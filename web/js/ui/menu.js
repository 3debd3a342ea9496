// @ts-check
// A context menu: a list of buttons at the pointer; Esc, a click elsewhere,
// scrolling or choosing an item closes it.
import { el } from './dom.js';

/** @type {HTMLElement|null} */
let open = null;
/** @type {(() => void)|null} */
let cleanup = null;
/** @type {HTMLElement|null} what had the focus when the menu opened (it gets it back) */
let opener = null;

/**
 * @typedef {{label: string, hint?: string, action?: () => void, disabled?: boolean}|'-'} MenuItem
 */

/**
 * @param {number} x @param {number} y client coordinates
 * @param {string} title shown at the top (as text)
 * @param {MenuItem[]} items
 */
export function showMenu(x, y, title, items) {
  closeMenu();
  opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : null;
  const list = el('div', { class: 'menu', role: 'menu' });
  if (title) list.append(el('div', { class: 'menu-title', text: title, title }));
  for (const it of items) {
    if (it === '-') { list.append(el('hr')); continue; }
    const b = el('button', { type: 'button', role: 'menuitem', disabled: !!it.disabled },
      el('span', { text: it.label }), it.hint ? el('span', { class: 'hint', text: it.hint }) : null);
    b.addEventListener('click', () => { closeMenu(); it.action?.(); });
    list.append(b);
  }
  document.body.append(list);
  const r = list.getBoundingClientRect();
  list.style.left = `${Math.max(4, Math.min(x, innerWidth - r.width - 4))}px`;
  list.style.top = `${Math.max(4, Math.min(y, innerHeight - r.height - 4))}px`;
  open = list;
  const away = (/** @type {Event} */ e) => { if (!(e.target instanceof Node) || !list.contains(e.target)) closeMenu(); };
  const key = (/** @type {KeyboardEvent} */ e) => {
    if (e.key === 'Escape') { e.stopPropagation(); e.preventDefault(); closeMenu(); }
    else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      const bs = [...list.querySelectorAll('button:not([disabled])')];
      const i = bs.indexOf(/** @type {Element} */ (document.activeElement));
      const n = e.key === 'ArrowDown' ? (i + 1) % bs.length : (i - 1 + bs.length) % bs.length;
      /** @type {HTMLElement} */ (bs[n])?.focus();
      e.preventDefault();
    }
  };
  setTimeout(() => {
    addEventListener('mousedown', away, true);
    addEventListener('wheel', closeMenu, { passive: true, once: true });
  });
  addEventListener('keydown', key, true);
  addEventListener('blur', closeMenu);
  cleanup = () => {
    removeEventListener('mousedown', away, true);
    removeEventListener('keydown', key, true);
    removeEventListener('blur', closeMenu);
  };
  /** @type {HTMLElement|null} */ (list.querySelector('button:not([disabled])'))?.focus();
}

export function closeMenu() {
  if (!open) return;
  // closed from the keyboard or by a choice: the focus goes back where it was
  const back = open.contains(document.activeElement) && opener?.isConnected ? opener : null;
  opener = null;
  open.remove();
  back?.focus();
  open = null;
  cleanup?.();
  cleanup = null;
}

export function menuOpen() {
  return !!open;
}
