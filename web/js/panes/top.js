// @ts-check
// Top table: flat, flat%, sum%, cum, cum%, name (and base/new in a diff).
// Sorting by any column, filtering by the search box's regex, and a click on
// a name focuses the flame graph on that function. Where the server reports
// sampling noise, values carry "±err" (standard error) and a diff within
// 2·err is grey; heap in-use views with allocation data get a Retained
// column (in use / allocated).
//
// The table is virtual: only the rows in view (and a few around) are in the
// DOM, at one row height, the rest is padding that keeps the scroll bar
// true. Its rows are either every row (sorting and the search work here) or
// a first page the server sorted (p.page); a row not yet known shows as
// pending and asks the loader for every row (p.needAll).

import { formatValue, formatIn, formatPercent, formatChange } from '../model/format.js';
import { sortRows, filterRows, parseSort, sortValue, retainedOf, runningSums } from '../model/top.js';
import { withinNoise, pct } from '../model/series.js';
import { el, replace } from '../ui/dom.js';

/** rows drawn beyond the visible ones, above and below */
const OVER = 12;
/** a row's height until one is measured (px): the last one measured */
let ROW_H = 24;

/** @typedef {import('../model/top.js').TopRow} TopRow */

/**
 * @typedef {object} TopProps
 * @property {TopRow[]|null} rows every row, or null while only `page` is known
 * @property {{rows: TopRow[], count: number, offset: number, sumBefore: number}|null} [page]
 *   rows offset.. of `count` in this sort, as the server cut them; sumBefore: flat summed before them
 * @property {() => void} [needAll] a row beyond the page is in view: load every row
 * @property {boolean} [keepScroll] keep the scroll position of the table this replaces
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
  /** @type {(i: number) => TopRow|undefined} */
  let rowAt;
  /** @type {(i: number) => number} */
  let sumAt;
  let count = 0;
  /** every row known here (for the notes below the table) */
  let known;
  if (p.rows) {
    const shown = sortRows(filterRows(p.rows, p.filter), col, desc);
    const sums = runningSums(shown);
    rowAt = i => shown[i];
    sumAt = i => sums[i];
    count = shown.length;
    known = shown;
  } else {
    const pg = p.page || { rows: [], count: 0, offset: 0, sumBefore: 0 };
    let s = pg.sumBefore;
    const sums = pg.rows.map(r => (s += r.flat));
    rowAt = i => pg.rows[i - pg.offset];
    sumAt = i => sums[i - pg.offset];
    count = pg.count;
    known = pg.rows;
  }
  const total = p.rows ? p.rows.length : count;
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
    const nameCell = el('td', { class: 'name', title: r.name }, pivot, name, r.inline ? el('span', { class: 'badge', text: 'inline' }) : null);
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

  for (const r of known) {
    if (r.flatErr || r.cumErr) anyErr = true;
    if (p.diff && (withinNoise(r.cum, r.cumErr) || withinNoise(r.flat, r.flatErr))) anyNoise = true;
  }
  const foot = el('div', { class: 'top-foot' });
  const table = el('table', { class: 'top-table virtual' }, el('thead', {}, head), body);
  const pad = el('div', { class: 'top-pad', 'aria-hidden': 'true' });
  const scroll = el('div', { class: 'table-scroll' }, table, pad);
  let rowH = ROW_H, first = -1, last = -1, asked = false, remeasured = 0;
  /** a row not loaded yet */
  const pending = () => el('tr', { class: 'pending' }, ...cols.map(() => el('td', { class: 'num muted', text: '…' })));
  /** draw the rows in view (and OVER around them); the rest is padding */
  const update = () => {
    const headH = head.offsetHeight || rowH;
    const view = scroll.clientHeight || 720;
    const f = Math.max(0, Math.min(count, Math.floor((scroll.scrollTop - headH) / rowH) - OVER));
    const l = Math.min(count, f + Math.ceil(view / rowH) + 2 * OVER);
    if (f === first && l === last) return;
    first = f; last = l;
    const frag = document.createDocumentFragment();
    for (let i = f; i < l; i++) {
      const r = rowAt(i);
      if (r) frag.append(rowEl(r, sumAt(i)));
      else {
        frag.append(pending());
        if (!asked && p.needAll) { asked = true; p.needAll(); }
      }
    }
    body.replaceChildren(frag);
    // the space above and below first, then the measure below (which lays the page out): a
    // layout with the new rows but the old space would clamp the scroll position
    table.style.marginTop = `${f * rowH}px`;
    pad.style.height = `${(count - l) * rowH}px`;
    scroll.dataset.first = String(f);
    // the padding above and below counts rowH per row: keep it the drawn rows' mean height
    // (rows not loaded yet are left out: their height is not a real row's), or the bottom
    // of the table moves away as it is scrolled to
    let sum = 0, n = 0;
    for (const tr of body.children) {
      if (tr.classList.contains('pending')) continue;
      sum += tr.getBoundingClientRect().height;
      n++;
    }
    const h = n ? sum / n : 0;
    if (h > 0 && Math.abs(h - rowH) > 0.5 && remeasured < 8) {
      remeasured++;
      rowH = ROW_H = h; first = -1; update(); return;
    }
  };
  let queued = false;
  scroll.addEventListener('scroll', () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; update(); });
  });
  const period = p.noise && typeof p.noise.period === 'number' && p.noise.period > 0 ? `, sampling period ${formatValue(p.noise.period, u)}` : '';
  replace(foot,
    total ? null : el('span', { class: 'notice', text: 'No samples match these options.' }),
    p.kept ? el('span', { class: 'kept', text: p.kept }) : null,
    el('span', {
      class: 'muted rows-count',
      text: p.filter && p.rows ? `${count} of ${total} rows match` : `${total} rows`,
    }),
    anyErr ? el('span', { class: 'muted small noise-note', text: `± standard error from sampling${p.noise?.model ? ` (${p.noise.model}${period})` : period}` }) : null,
    p.diff && anyErr ? el('span', { class: 'legend' }, el('span', { class: 'swatch noise' }), `within sampling noise${anyNoise ? '' : ' (none here)'}`) : null,
    ret ? el('span', { class: 'muted small' }, `retained: in use / allocated (${ret.type})`) : null);
  const old = /** @type {HTMLElement|null} */ (host.querySelector('.table-scroll'));
  const top = p.keepScroll && old ? old.scrollTop : 0;
  pad.style.height = `${count * rowH}px`;
  replace(host, scroll, foot);
  scroll.scrollTop = top;
  update();
}
