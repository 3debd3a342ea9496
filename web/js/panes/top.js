// @ts-check
// Top table: flat, flat%, sum%, cum, cum%, name (and base/new in a diff).
// Sorting by any column, filtering by the search box's regex, and a click on
// a name focuses the flame graph on that function. Where the server reports
// sampling noise, values carry "±err" (standard error) and a diff within
// 2·err is grey; heap in-use views with allocation data get a Retained
// column (in use / allocated).

import { formatValue, formatIn, formatPercent, formatChange } from '../model/format.js';
import { sortRows, filterRows, parseSort, sortValue, retainedOf, runningSums } from '../model/top.js';
import { withinNoise, pct } from '../model/series.js';
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
 * @property {(name: string) => void} [onSandwich] open the function's callers and callees
 * @property {{type: string, unit: string}|null} [retention] allocation data of a heap in-use view
 * @property {{model?: string, period?: number}|null} [noise] how the server estimated sampling errors
 * @property {string} [outUnit] the one unit pprof prints every value of this report in ("kB")
 * @property {string} [kept] pprof's "Showing nodes accounting for …" line when the view keeps
 *   less than the whole total (filters on)
 */

/**
 * @param {HTMLElement} host
 * @param {TopProps} p
 */
export function renderTop(host, p) {
  const { col, desc } = parseSort(p.sort || '');
  const shown = sortRows(filterRows(p.rows, p.filter), col, desc);
  const sums = runningSums(shown);
  const ret = !p.diff && p.retention ? p.retention : null;
  const cols = p.diff
    ? [['flat', 'flat Δ'], ['flatp', 'flat%'], ['sum', 'sum%'], ['cum', 'cum Δ'], ['cump', 'cum%'], ['base', 'base cum'], ['new', 'new cum'], ['name', 'name']]
    : [['flat', 'flat'], ['flatp', 'flat%'], ['sum', 'sum%'], ['cum', 'cum'], ['cump', 'cum%'], ...(ret ? [['ret', 'retained']] : []), ['name', 'name']];
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
      title: key === 'ret' && ret ? `In use now, as a share of what was allocated (${ret.type}): flat / allocated flat` : undefined,
      'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none',
    }, b);
  }));
  const body = el('tbody');
  const u = p.unit;
  const fv = (/** @type {number} */ v) => formatIn(v, u, p.outUnit || '');
  const fd = (/** @type {number} */ v) => (v > 0 ? '+' : '') + fv(v);
  const num = (/** @type {number} */ v, /** @type {string} */ text, /** @type {string} */ cls = '') =>
    el('td', { class: `num ${cls}`.trim(), 'data-v': String(v), text });
  const sign = (/** @type {number} */ v) => (v > 0 ? 'grow' : v < 0 ? 'shrink' : '');
  /** a value with its standard error, small and muted */
  const withErr = (/** @type {number} */ v, /** @type {number|null} */ err, /** @type {string} */ text, /** @type {string} */ cls = '', /** @type {boolean} */ diff = false) => {
    const noise = diff && withinNoise(v, err);
    const td = el('td', { class: `num ${noise ? 'noise' : cls}`.trim(), 'data-v': String(v), title: noise ? 'within sampling noise' : undefined }, text,
      err !== null && err > 0 ? el('span', { class: 'err', text: ` ±${formatValue(err, u)}` }) : null);
    if (noise) td.dataset.noise = '1';
    return td;
  };
  let anyErr = false, anyNoise = false;

  /** @param {TopRow} r @param {number} sum the running sum of flat down to this row, in the order shown */
  const rowEl = (r, sum) => {
    const name = el('button', { type: 'button', class: 'fn', title: 'Focus the flame graph on this function', text: r.name || '(unnamed)' });
    name.addEventListener('click', () => p.onFocus(r.name));
    const pivot = p.onSandwich ? el('button', { type: 'button', class: 'pivot', title: 'Callers and callees', 'aria-label': `Callers and callees of ${r.name}` }) : null;
    pivot?.addEventListener('click', () => p.onSandwich?.(r.name));
    const nameCell = el('td', { class: 'name' }, pivot, name, r.inline ? el('span', { class: 'badge', text: 'inline' }) : null);
    if (r.flatErr || r.cumErr) anyErr = true;
    if (p.diff) {
      const noisy = withinNoise(r.cum, r.cumErr);
      if (noisy || withinNoise(r.flat, r.flatErr)) anyNoise = true;
      return el('tr', { class: noisy ? 'noise-row' : undefined },
        withErr(r.flat, r.flatErr, fd(r.flat), sign(r.flat), true),
        num(r.flat, formatPercent(r.flat, p.total)),
        num(sum, formatPercent(sum, p.total)),
        withErr(r.cum, r.cumErr, fd(r.cum), sign(r.cum), true),
        num(r.cum, formatPercent(r.cum, p.total)),
        num(r.baseCum, fv(r.baseCum)),
        el('td', { class: 'num', 'data-v': String(r.newCum) }, fv(r.newCum),
          el('span', { class: `change ${noisy ? 'noise' : sign(r.cum)}`, text: ` ${formatChange(r.baseCum, r.newCum)}` })),
        nameCell);
    }
    return el('tr', {},
      withErr(r.flat, r.flatErr, fv(r.flat)),
      num(r.flat, formatPercent(r.flat, p.total)),
      num(sum, formatPercent(sum, p.total)),
      withErr(r.cum, r.cumErr, fv(r.cum)),
      num(r.cum, formatPercent(r.cum, p.total)),
      ret ? retainedCell(r, /** @type {{type: string, unit: string}} */ (ret)) : null,
      nameCell);
  };
  /**
   * @param {TopRow} r @param {{type: string, unit: string}} rt
   */
  const retainedCell = (r, rt) => {
    const f = retainedOf(r);
    if (f < 0) return el('td', { class: 'num muted', 'data-v': '-1', text: '—' });
    return el('td', { class: 'num retained', 'data-v': String(f), title: `${formatValue(r.flat, u)} in use of ${formatValue(/** @type {number} */ (r.allocFlat), rt.unit || u)} allocated` },
      pct(f), el('span', { class: 'err', text: ` of ${formatValue(/** @type {number} */ (r.allocFlat), rt.unit || u)}` }));
  };

  let count = 0;
  const more = el('button', { type: 'button', class: 'more' });
  const foot = el('div', { class: 'top-foot' });
  const page = () => {
    const frag = document.createDocumentFragment();
    const stop = Math.min(shown.length, count + PAGE);
    for (; count < stop; count++) frag.append(rowEl(shown[count], sums[count]));
    body.append(frag);
    const left = shown.length - count;
    more.textContent = `Show ${Math.min(PAGE, left)} more (${left} not shown)`;
    more.hidden = left <= 0;
  };
  more.addEventListener('click', page);
  page();
  const period = p.noise && typeof p.noise.period === 'number' && p.noise.period > 0 ? `, sampling period ${formatValue(p.noise.period, u)}` : '';
  replace(foot,
    p.rows.length ? null : el('span', { class: 'notice', text: 'No samples match these options.' }),
    p.kept ? el('span', { class: 'kept', text: p.kept }) : null,
    el('span', {
      class: 'muted',
      text: p.filter ? `${shown.length} of ${p.rows.length} rows match` : `${p.rows.length} rows`,
    }),
    anyErr ? el('span', { class: 'muted small noise-note', text: `± standard error from sampling${p.noise?.model ? ` (${p.noise.model}${period})` : period}` }) : null,
    p.diff && anyErr ? el('span', { class: 'legend' }, el('span', { class: 'swatch noise' }), `within sampling noise${anyNoise ? '' : ' (none here)'}`) : null,
    ret ? el('span', { class: 'muted small' }, `retained: in use / allocated (${ret.type})`) : null,
    more);
  const table = el('table', { class: 'top-table' }, el('thead', {}, head), body);
  replace(host, el('div', { class: 'table-scroll' }, table, foot));
}
