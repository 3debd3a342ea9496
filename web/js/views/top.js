// @ts-check
// Top table: flat, flat%, sum%, cum, cum%, name (and base/new in a diff).
// Sorting by any column, filtering by the search box's regex, and a click on
// a name focuses the flame graph on that function.

import { formatValue, formatPercent, formatDelta, formatChange } from '../model/format.js';
import { sortRows, filterRows, parseSort, sortValue } from '../model/top.js';
import { el, replace } from '../ui/dom.js';

const PAGE = 500;

/** @typedef {import('../model/top.js').TopRow} TopRow */

/**
 * @typedef {object} TopProps
 * @property {TopRow[]} rows
 * @property {boolean} diff
 * @property {string} unit the sample unit
 * @property {number} total percentages are of this (pprof's total)
 * @property {string} sort the URL's sort value
 * @property {RegExp|null} filter
 * @property {(sort: string) => void} onSort
 * @property {(name: string) => void} onFocus
 */

/**
 * @param {HTMLElement} host
 * @param {TopProps} p
 */
export function renderTop(host, p) {
  const { col, desc } = parseSort(p.sort || '');
  const shown = sortRows(filterRows(p.rows, p.filter), col, desc);
  const cols = p.diff
    ? [['flat', 'flat Δ'], ['flatp', 'flat%'], ['sum', 'sum%'], ['cum', 'cum Δ'], ['cump', 'cum%'], ['base', 'base cum'], ['new', 'new cum'], ['name', 'name']]
    : [['flat', 'flat'], ['flatp', 'flat%'], ['sum', 'sum%'], ['cum', 'cum'], ['cump', 'cum%'], ['name', 'name']];
  const head = el('tr', {}, ...cols.map(([key, label]) => {
    const active = key === col;
    const b = el('button', { type: 'button', class: 'sort', 'data-col': key, text: label },
      active ? el('span', { class: 'arrow', 'aria-hidden': 'true', text: desc ? ' ▼' : ' ▲' }) : null);
    b.addEventListener('click', () => {
      const k = /** @type {any} */ (key);
      const nextDesc = active ? !desc : parseSort(k).desc;
      p.onSort(sortValue(k, nextDesc));
    });
    return el('th', {
      class: key === 'name' ? 'name' : 'num', scope: 'col',
      'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none',
    }, b);
  }));
  const body = el('tbody');
  const u = p.unit;
  const num = (/** @type {number} */ v, /** @type {string} */ text, /** @type {string} */ cls = '') =>
    el('td', { class: `num ${cls}`.trim(), 'data-v': String(v), text });
  const sign = (/** @type {number} */ v) => (v > 0 ? 'grow' : v < 0 ? 'shrink' : '');

  /** @param {TopRow} r */
  const rowEl = r => {
    const name = el('button', { type: 'button', class: 'fn', title: 'Focus the flame graph on this function', text: r.name || '(unnamed)' });
    name.addEventListener('click', () => p.onFocus(r.name));
    const nameCell = el('td', { class: 'name' }, name, r.inline ? el('span', { class: 'badge', text: 'inline' }) : null);
    if (p.diff) {
      return el('tr', {},
        num(r.flat, formatDelta(r.flat, u), sign(r.flat)),
        num(r.flat, formatPercent(r.flat, p.total)),
        num(r.sum, formatPercent(r.sum, p.total)),
        num(r.cum, formatDelta(r.cum, u), sign(r.cum)),
        num(r.cum, formatPercent(r.cum, p.total)),
        num(r.baseCum, formatValue(r.baseCum, u)),
        el('td', { class: 'num', 'data-v': String(r.newCum) }, formatValue(r.newCum, u),
          el('span', { class: `change ${sign(r.cum)}`, text: ` ${formatChange(r.baseCum, r.newCum)}` })),
        nameCell);
    }
    return el('tr', {},
      num(r.flat, formatValue(r.flat, u)),
      num(r.flat, formatPercent(r.flat, p.total)),
      num(r.sum, formatPercent(r.sum, p.total)),
      num(r.cum, formatValue(r.cum, u)),
      num(r.cum, formatPercent(r.cum, p.total)),
      nameCell);
  };

  let count = 0;
  const more = el('button', { type: 'button', class: 'more' });
  const foot = el('div', { class: 'top-foot' });
  const page = () => {
    const frag = document.createDocumentFragment();
    const stop = Math.min(shown.length, count + PAGE);
    for (; count < stop; count++) frag.append(rowEl(shown[count]));
    body.append(frag);
    const left = shown.length - count;
    more.textContent = `Show ${Math.min(PAGE, left)} more (${left} not shown)`;
    more.hidden = left <= 0;
  };
  more.addEventListener('click', page);
  page();
  replace(foot,
    p.rows.length ? null : el('span', { class: 'notice', text: 'No samples match these options.' }),
    el('span', {
      class: 'muted',
      text: p.filter ? `${shown.length} of ${p.rows.length} rows match` : `${p.rows.length} rows`,
    }), more);
  const table = el('table', { class: 'top-table' }, el('thead', {}, head), body);
  replace(host, el('div', { class: 'table-scroll' }, table, foot));
}
