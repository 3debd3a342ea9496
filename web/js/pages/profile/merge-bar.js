// @ts-check
// The profile page's merge bar (shown while merge= names other profiles):
// which profiles this view sums, each removable, and "Stop merging". The
// views themselves come from the server with merge= in their query.

import * as api from '../../api.js';
import { el, replace } from '../../ui/dom.js';

/** @typedef {import('./header.js').Page} Page */

/** The ids in a merge= value (empty ones dropped). @param {string|undefined} v */
export function mergeIds(v) {
  return String(v || '').split(',').filter(Boolean);
}

/** @param {Page} page */
export function mergeBar(page) {
  const bar = el('div', { class: 'merge-bar', hidden: true });
  /** @type {Map<string, string>} names of the merged profiles, as they arrive */
  const names = new Map();

  function render() {
    const ids = mergeIds(page.state().merge);
    if (!ids.length) { bar.hidden = true; replace(bar); return; }
    bar.hidden = false;
    for (const id of ids) {
      if (names.has(id)) continue;
      names.set(id, id);
      api.getMeta(id).then(m => { names.set(id, m.name || id); render(); }).catch(() => {});
    }
    const drop = (/** @type {number} */ k) => page.change({ merge: ids.filter((_, j) => j !== k).join(','), zoom: '' });
    replace(bar,
      el('span', { class: 'merge-title', text: `Merged view of ${ids.length + 1} profiles: this one and` }),
      ...ids.map((id, k) => el('span', { class: 'chip merged' },
        el('a', { href: `p/${id}`, text: names.get(id) || id }),
        el('button', { type: 'button', class: 'plain', 'aria-label': `Remove ${names.get(id) || id} from the merge`, text: '×', onclick: () => drop(k) }))),
      el('button', { type: 'button', class: 'plain', text: '✕ Stop merging', onclick: () => page.change({ merge: '', zoom: '' }) }));
  }

  return { el: bar, render };
}
