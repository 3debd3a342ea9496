// @ts-check
// The profile page's labels panel (the "Labels" button; labels=1 in the
// URL): every label key of the samples shown, with its values, each
// value's summed sample value and share of the key's total, as `go tool
// pprof -tags` (GET .../tags with the view's options: sample type, filters,
// base, merge). A click on a value focuses on its samples (tf, a second
// click lifts it), ⊘ drops them (ti; several values of one key add up as
// pprof's alternatives), the context menu has both; "Root" / "Leaf" put a key's values as pseudo frames at the root
// or the leaf of every stack (tagroot, tagleaf); "% of shown" makes every
// view's percentages relative to the samples left (rel).

import * as api from '../../api.js';
import { serverQuery } from '../../url-state.js';
import { labelKeys, hasTagFilter, addTagFilter, removeTagFilter, toggleKey, listHas } from '../../model/labels.js';
import { formatValue, formatPercent, groupDigits } from '../../model/format.js';
import { el, replace, errorBox } from '../../ui/dom.js';
import { showMenu } from '../../ui/menu.js';
import { latest, isAbort } from '../../loader.js';

/** @typedef {import('./header.js').Page} Page */
/** @typedef {import('../../model/labels.js').LabelKey} LabelKey */
/** @typedef {import('../../model/labels.js').LabelValue} LabelValue */

/** Values listed per key before "Show all". */
const FIRST = 25;

/** @param {Page} page */
export function labelsPanel(page) {
  const button = el('button', {
    type: 'button', class: 'labels-btn', 'aria-expanded': 'false', 'aria-controls': 'labels-panel',
    text: 'Labels', title: 'The samples\' labels: focus on, ignore or group by their values',
  });
  const relBtn = el('button', {
    type: 'button', class: 'toggle rel-btn', 'aria-pressed': 'false', text: '% of shown',
    title: 'Percentages of the samples left by the filters, not of the whole profile (relative_percentages)',
  });
  const closeBtn = el('button', { type: 'button', class: 'icon', 'aria-label': 'Close the labels panel', text: '✕' });
  const sub = el('span', { class: 'muted small labels-sub' });
  const body = el('div', { class: 'labels-body' });
  const panel = el('aside', { class: 'labels-panel', id: 'labels-panel', 'aria-label': 'Labels', hidden: true },
    el('div', { class: 'labels-head' }, el('h2', { text: 'Labels' }), sub, el('span', { class: 'grow' }), relBtn, closeBtn),
    el('p', {
      class: 'muted small labels-hint',
      text: 'Click a value: only its samples (tag focus); ⊘: drop them (tag ignore). Root, Leaf: the key\'s values as frames at the root, below the leaf.',
    }),
    body);
  /** @type {{key: string, data: ReturnType<typeof labelKeys>|null, error: unknown}} */
  const data = { key: '\u0000', data: null, error: null };
  /** keys whose every value is listed */
  const expanded = new Set();
  const slot = latest();

  const open = () => page.state().labels === '1';
  button.addEventListener('click', () => page.change({ labels: open() ? '' : '1' }));
  closeBtn.addEventListener('click', () => { page.change({ labels: '' }); button.focus(); });
  relBtn.addEventListener('click', () => page.change({ rel: page.state().rel ? '' : '1' }));

  /** Bring the button and panel in line with the URL. */
  function sync() {
    const st = page.state();
    button.setAttribute('aria-expanded', String(open()));
    button.classList.toggle('on', open());
    panel.hidden = !open();
    relBtn.setAttribute('aria-pressed', String(!!st.rel));
  }

  /** Fetch the labels for the URL's options if the panel is open. */
  async function load() {
    sync();
    if (!open()) return;
    const key = serverQuery(page.state());
    if (data.key === key) { draw(); return; }
    panel.classList.add('loading');
    try {
      const json = await slot.run(signal => api.getTags(page.id, key, signal));
      Object.assign(data, { key, data: labelKeys(json), error: null });
    } catch (e) {
      if (isAbort(e)) return;
      Object.assign(data, { key, data: null, error: e });
    }
    panel.classList.remove('loading');
    draw();
  }

  /**
   * Change a tag filter for one value: the focus (tf) becomes the value's
   * (or nothing, if it was), the value joins or leaves the ignored (ti).
   * @param {'tf'|'ti'} k @param {string} filter
   */
  function setFilter(k, filter) {
    const cur = page.state()[k] || '';
    const next = k === 'tf'
      ? (hasTagFilter(cur, filter) ? removeTagFilter(cur, filter) : filter)
      : (hasTagFilter(cur, filter) ? removeTagFilter(cur, filter) : addTagFilter(cur, filter));
    // the frames change: a zoom into them starts over
    page.change({ [k]: next, zoom: '' });
  }

  /**
   * The context menu of a value.
   * @param {MouseEvent|KeyboardEvent} e @param {LabelKey} k @param {LabelValue} v
   */
  function menu(e, k, v) {
    const st = page.state();
    const f = v.filter || '';
    const x = e instanceof MouseEvent && e.clientX ? e.clientX : /** @type {HTMLElement} */ (e.currentTarget).getBoundingClientRect().left;
    const y = e instanceof MouseEvent && e.clientY ? e.clientY : /** @type {HTMLElement} */ (e.currentTarget).getBoundingClientRect().bottom;
    const inTf = hasTagFilter(st.tf || '', f), inTi = hasTagFilter(st.ti || '', f);
    showMenu(x, y, `${k.key}: ${v.value}`, [
      { label: inTf ? 'Lift the focus on this value' : 'Focus on this value', hint: 'tf', disabled: !f, action: () => setFilter('tf', f) },
      { label: inTi ? 'Stop ignoring this value' : 'Ignore this value', hint: 'ti', disabled: !f, action: () => setFilter('ti', f) },
      '-',
      { label: listHas(st.tagroot || '', k.key) ? `Stop grouping by ${k.key} at the root` : `Group by ${k.key} at the root`, hint: 'tagroot', disabled: k.key.includes(','), action: () => page.change({ tagroot: toggleKey(st.tagroot || '', k.key), zoom: '' }) },
      { label: listHas(st.tagleaf || '', k.key) ? `Stop grouping by ${k.key} at the leaf` : `Group by ${k.key} at the leaf`, hint: 'tagleaf', disabled: k.key.includes(','), action: () => page.change({ tagleaf: toggleKey(st.tagleaf || '', k.key), zoom: '' }) },
    ]);
  }

  /**
   * One key: its name, unit, total, Root/Leaf and its values.
   * @param {LabelKey} k @param {string} unit the sample unit
   */
  function keySection(k, unit) {
    const st = page.state();
    /** @param {'tagroot'|'tagleaf'} opt @param {string} label @param {string} title */
    const group = (opt, label, title) => {
      const on = listHas(st[opt] || '', k.key);
      return el('button', {
        type: 'button', class: `toggle group-${opt === 'tagroot' ? 'root' : 'leaf'}`, 'aria-pressed': String(on), text: label, title,
        disabled: k.key.includes(','),
        onclick: () => page.change({ [opt]: toggleKey(st[opt] || '', k.key), zoom: '' }),
      });
    };
    const all = expanded.has(k.key) || k.values.length <= FIRST + 5;
    const shown = all ? k.values : k.values.slice(0, FIRST);
    const rows = shown.map(v => valueRow(k, v, unit));
    const more = all ? null : el('button', {
      type: 'button', class: 'plain more-values', text: `Show all ${groupDigits(k.values.length)} values`,
      onclick: () => { expanded.add(k.key); draw(); },
    });
    return el('section', { class: 'lkey', 'data-key': k.key },
      el('div', { class: 'lkey-head' },
        el('h3', { text: k.key, title: k.numeric ? `${k.key}: numeric label${k.unit ? ` in ${k.unit}` : ''}` : `${k.key}: string label` }),
        k.numeric ? el('span', { class: 'badge', title: 'numeric label, its unit', text: k.unit || 'numeric' }) : null,
        el('span', { class: 'lkey-total muted small', 'data-total': String(k.total), text: `Total ${formatValue(k.total, unit)}` }),
        el('span', { class: 'grow' }),
        el('span', { class: 'seg lgroup', role: 'group', 'aria-label': `Group by ${k.key}` },
          group('tagroot', 'Root', `The ${k.key} values as frames at the root of every stack (tagroot)`),
          group('tagleaf', 'Leaf', `The ${k.key} values as frames below the leaf of every stack (tagleaf)`))),
      el('table', { class: 'ltable' }, el('tbody', {}, ...rows)),
      more);
  }

  /**
   * @param {LabelKey} k @param {LabelValue} v @param {string} unit
   */
  function valueRow(k, v, unit) {
    const st = page.state();
    const f = v.filter || '';
    const inTf = !!f && hasTagFilter(st.tf || '', f), inTi = !!f && hasTagFilter(st.ti || '', f);
    const pct = k.total > 0 ? formatPercent(v.count, k.total) : '';
    const val = el('button', {
      type: 'button', class: 'fn lval', text: v.value || '""', disabled: !f,
      title: f ? (inTf ? `Lift the focus (tf=${f})` : `Keep only these samples (tf=${f})`) : 'No tag filter can select this value',
    });
    val.addEventListener('click', () => { if (f) setFilter('tf', f); });
    const ign = el('button', {
      type: 'button', class: 'icon lign', text: '⊘', disabled: !f, 'aria-pressed': String(inTi),
      'aria-label': `${inTi ? 'Stop ignoring' : 'Ignore'} ${k.key}=${v.value}`,
      title: f ? `${inTi ? 'Stop dropping' : 'Drop'} these samples (ti=${f})` : '',
    });
    ign.addEventListener('click', () => { if (f) setFilter('ti', f); });
    const bar = el('span', { class: 'lbar', 'aria-hidden': 'true' });
    bar.style.width = `calc((100% - .6rem) * ${Math.max(0, Math.min(1, k.total > 0 ? v.count / k.total : 0)).toFixed(4)})`;
    const tr = el('tr', {
      class: `lrow${inTf ? ' focused' : ''}${inTi ? ' ignored' : ''}${v.count < 0 ? ' shrink' : ''}`,
      'data-value': v.value, 'data-count': String(v.count), 'data-share': String(v.share), 'data-filter': f,
    },
    el('td', { class: 'lv' }, bar, val),
    el('td', { class: 'num lcount', text: formatValue(v.count, unit) }),
    el('td', { class: 'num lshare', text: pct }),
    el('td', { class: 'lact' }, ign));
    tr.addEventListener('contextmenu', e => { e.preventDefault(); menu(e, k, v); });
    val.addEventListener('keydown', e => {
      if (e.key === 'ContextMenu' || (e.shiftKey && e.key === 'F10')) { e.preventDefault(); menu(e, k, v); }
    });
    return tr;
  }

  function draw() {
    if (!open()) return;
    const d = data.data;
    if (data.error || !d) { replace(body, errorBox(data.error || 'No data')); sub.textContent = ''; return; }
    const st = page.state();
    sub.textContent = `${d.keys.length} ${d.keys.length === 1 ? 'key' : 'keys'}`;
    sub.title = `${d.type} (${d.unit})`;
    body.dataset.query = data.key;
    if (!d.keys.length) {
      const filtered = ['f', 'i', 'tf', 'ti', 'sf', 's', 'h'].some(k => st[k]);
      replace(body, el('p', { class: 'notice', text: filtered ? 'No labels on the samples these options keep.' : 'The samples carry no labels.' }));
      return;
    }
    const scroll = body.scrollTop;
    replace(body, ...d.keys.map(k => keySection(k, d.unit)));
    body.scrollTop = scroll;
  }

  return {
    button, el: panel, sync, load,
    /** The last answer (tests, other parts of the page). */
    data: () => data.data,
    destroy: () => slot.abort(),
  };
}
