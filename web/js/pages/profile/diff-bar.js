// @ts-check
// The profile page's diff bar (shown while a base is chosen): the base's
// name, absolute or normalized comparison, the colour legend (with "within
// sampling noise" once the data carries errors) and "Stop comparing".

import * as api from '../../api.js';
import { el, replace } from '../../ui/dom.js';
import { latest } from '../../loader.js';

/** @typedef {import('./header.js').Page} Page */

/** @param {Page} page */
export function diffBar(page) {
  const bar = el('div', { class: 'diff-bar', hidden: true });
  /** @type {any} the base's metadata ({id, name} until it arrives) */
  let baseMeta = null;
  const metaLoad = latest();
  /** Whether the current data carries sampling errors (the legend then explains grey). */
  let hasNoise = false;

  function render() {
    const st = page.state();
    if (!st.base) { bar.hidden = true; replace(bar); return; }
    bar.hidden = false;
    if (!baseMeta || baseMeta.id !== st.base) {
      baseMeta = { id: st.base, name: st.base };
      metaLoad.run(() => api.getMeta(st.base || '')).then(m => { baseMeta = m; render(); }).catch(() => {});
    }
    const mode = (/** @type {string} */ v, /** @type {string} */ label, /** @type {string} */ hint) => el('button', {
      type: 'button', role: 'radio', 'aria-checked': String((st.norm ? '1' : '') === v), title: hint, text: label,
      onclick: () => page.change({ norm: v }),
    });
    replace(bar,
      el('span', { class: 'diff-title' }, 'Diff against base ', el('a', { href: `p/${st.base}`, text: baseMeta.name || st.base })),
      el('span', { class: 'seg', role: 'radiogroup', 'aria-label': 'Comparison' },
        mode('', 'Absolute', 'new minus base, as recorded'),
        mode('1', 'Normalized', 'new scaled to the base total first (pprof -normalize)')),
      el('span', { class: 'legend' },
        el('span', { class: 'swatch grow' }), 'growth',
        el('span', { class: 'swatch shrink' }), 'shrinkage',
        el('span', { class: 'swatch same' }), 'unchanged',
        hasNoise ? el('span', { class: 'swatch noise' }) : null, hasNoise ? 'within sampling noise' : null),
      el('button', { type: 'button', class: 'plain', text: '✕ Stop comparing', onclick: () => page.change({ base: '', norm: '' }) }));
  }

  return {
    el: bar,
    render,
    /** The data shown carries sampling errors (v), or new data came (false). @param {boolean} v */
    noiseSeen(v) {
      if (v === hasNoise) return;
      hasNoise = v;
      if (page.state().base) render();
    },
    /** New data is coming: forget the noise seen so far (no redraw). */
    reset() { hasNoise = false; },
    destroy() { metaLoad.abort(); },
  };
}
