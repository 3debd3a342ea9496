// @ts-check
// The profile page's filters: the "Filters" button, its panel (pprof's
// focus, ignore, hide, show, show_from, tag focus/ignore as regexes, plus
// noinlines, relative percentages and the call graph's node count) and the
// chips that show the active ones (also the labels panel's tagroot and
// tagleaf), each with its ✕.

import { el, replace } from '../../ui/dom.js';

/** @typedef {import('./header.js').Page} Page */

export const FILTERS = /** @type {const} */ ([
  ['f', 'Focus', 'Keep only samples with a frame matching'],
  ['i', 'Ignore', 'Drop samples with a frame matching'],
  ['h', 'Hide', 'Remove matching frames from stacks'],
  ['s', 'Show', 'Keep only matching frames in stacks'],
  ['sf', 'Show from', 'Drop frames above the first match'],
  ['tf', 'Tag focus', 'Samples with labels matching: key=value or a range like 1kb:'],
  ['ti', 'Tag ignore', 'Drop samples with labels matching'],
]);

/** @param {Page} page */
export function filters(page) {
  const button = el('button', { type: 'button', class: 'filters-btn', 'aria-expanded': 'false', text: 'Filters' });
  const inputs = /** @type {Record<string, HTMLInputElement>} */ ({});
  const noinl = el('input', { type: 'checkbox', id: 'noinlines' });
  const rel = el('input', { type: 'checkbox', id: 'rel' });
  const nodeCount = el('input', { type: 'number', id: 'n', min: '1', max: '10000', placeholder: '80', class: 'narrow' });
  const form = el('form', { class: 'filter-panel', hidden: true },
    el('div', { class: 'filter-grid' }, ...FILTERS.map(([k, label, hint]) => {
      const inp = el('input', { type: 'text', name: k, id: `flt-${k}`, spellcheck: 'false', autocomplete: 'off', placeholder: 'regex' });
      inputs[k] = inp;
      return el('label', {}, el('span', { class: 'flabel', text: `${label} (${k})` }), inp, el('span', { class: 'muted small', text: hint }));
    })),
    el('div', { class: 'filter-opts' },
      el('label', { class: 'check' }, noinl, el('span', { text: 'Merge inlined frames into their callers (noinlines)' })),
      el('label', { class: 'check' }, rel, el('span', { text: 'Percentages of the samples shown (relative_percentages)' })),
      el('label', {}, el('span', { text: 'Call graph nodes (n)' }), nodeCount),
      el('div', { class: 'grow' }),
      el('button', { type: 'button', class: 'plain', text: 'Clear all', onclick: () => apply(true) }),
      el('button', { type: 'submit', class: 'primary', text: 'Apply' })));
  const chips = el('div', { class: 'chips' });

  const close = () => { form.hidden = true; button.setAttribute('aria-expanded', 'false'); };

  /** @param {boolean} [clearAll] */
  function apply(clearAll = false) {
    const st = page.state();
    /** @type {Record<string, string>} */
    const ch = {};
    for (const [k] of FILTERS) ch[k] = clearAll ? '' : inputs[k].value.trim();
    ch.noinlines = !clearAll && noinl.checked ? '1' : '';
    ch.rel = !clearAll && rel.checked ? '1' : '';
    if (clearAll) { ch.tagroot = ''; ch.tagleaf = ''; }
    ch.n = !clearAll && nodeCount.value ? String(Math.max(1, Math.floor(Number(nodeCount.value)))) : '';
    if (clearAll || ch.sf !== (st.sf || '')) ch.zoom = '';
    page.change(ch);
    close();
  }
  form.addEventListener('submit', e => { e.preventDefault(); apply(); });
  button.addEventListener('click', () => {
    form.hidden = !form.hidden;
    button.setAttribute('aria-expanded', String(!form.hidden));
    if (!form.hidden) inputs.f.focus();
  });

  /** @param {string} text @param {string} label @param {Record<string, string>} changes */
  const chip = (text, label, changes) => el('span', { class: 'chip' }, el('span', { text }),
    el('button', { type: 'button', class: 'chip-x', 'aria-label': label, text: '✕', onclick: () => page.change(changes) }));

  /** Bring the inputs and chips in line with the URL's state. */
  function sync() {
    const st = page.state();
    for (const [k] of FILTERS) inputs[k].value = st[k] || '';
    noinl.checked = !!st.noinlines;
    rel.checked = !!st.rel;
    nodeCount.value = st.n || '';
    const list = [];
    for (const [k, label] of FILTERS) {
      if (!st[k]) continue;
      list.push(el('span', { class: 'chip' }, el('span', { class: 'chip-k', text: `${label}:` }), el('code', { text: st[k] }),
        el('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove ${label}`, text: '✕', onclick: () => page.change({ [k]: '', zoom: k === 'sf' ? '' : st.zoom }) })));
    }
    if (st.noinlines) list.push(chip('inlined frames merged', 'Show inlined frames', { noinlines: '' }));
    for (const [k, label] of [['tagroot', 'Labels at the root'], ['tagleaf', 'Labels at the leaf']]) {
      if (!st[k]) continue;
      list.push(el('span', { class: 'chip', 'data-k': k }, el('span', { class: 'chip-k', text: `${label}:` }), el('code', { text: st[k] }),
        el('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove ${label.toLowerCase()}`, text: '✕', onclick: () => page.change({ [k]: '', zoom: '' }) })));
    }
    if (st.rel) list.push(chip('percentages of the samples shown', 'Percentages of the whole profile', { rel: '' }));
    if (st.n) list.push(chip(`graph: ${st.n} nodes`, 'Default node count', { n: '' }));
    replace(chips, ...list);
    chips.hidden = !list.length;
    const count = FILTERS.filter(([k]) => st[k]).length + (st.noinlines ? 1 : 0);
    button.textContent = count ? `Filters (${count})` : 'Filters';
  }

  return {
    button, form, chips, sync,
    /** Close the panel if open (Escape); true if it was. */
    closeIfOpen() {
      if (form.hidden) return false;
      close();
      return true;
    },
  };
}
