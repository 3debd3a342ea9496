// @ts-check
// Top table model (pure: no DOM): percentages, pprof's running sum%,
// sorting and filtering. In a diff the server sends each row's base values
// (base_flat, base_cum) next to the delta, so new = base + delta.

/**
 * @typedef {object} TopRow
 * @property {string} name
 * @property {number} flat in a diff: the delta
 * @property {number} cum in a diff: the delta
 * @property {boolean} inline
 * @property {number} order position in the server's (pprof's) order
 * @property {number} sum running sum of flat in pprof's order
 * @property {number} baseFlat diff only: the base's own flat
 * @property {number} baseCum diff only: the base's own cum
 * @property {number} newFlat diff only: base + delta
 * @property {number} newCum diff only
 * @property {number|null} flatErr standard error of flat (sampling noise), when the server knows it
 * @property {number|null} cumErr standard error of cum
 * @property {number|null} allocFlat what the same frames allocated (heap in-use views), when known
 * @property {number|null} allocCum
 */

/** @param {any} v a number or nothing */
const opt = v => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Rows of the top endpoint, with the running sum pprof shows as sum%. In a
 * diff (top?base=B) flat and cum are the deltas and base_flat/base_cum B's
 * own values (absolute and normalized comparisons alike: the base is never
 * scaled), so new = base + delta.
 * @param {any} json the top endpoint's answer
 * @returns {TopRow[]}
 */
export function topRows(json) {
  let sum = 0;
  return (json.rows || []).map((/** @type {any} */ r, /** @type {number} */ i) => {
    const flat = Number(r.flat) || 0, cum = Number(r.cum) || 0;
    const baseFlat = Number(r.base_flat) || 0, baseCum = Number(r.base_cum) || 0;
    sum += flat;
    return {
      name: String(r.name ?? ''), flat, cum,
      inline: !!r.inline, order: i, sum, baseFlat, baseCum, newFlat: baseFlat + flat, newCum: baseCum + cum,
      flatErr: opt(r.flat_err), cumErr: opt(r.cum_err), allocFlat: opt(r.alloc_flat), allocCum: opt(r.alloc_cum),
    };
  });
}

/**
 * pprof's "Showing nodes accounting for X, P% of T total" line, when the
 * view keeps less than all of the total (a filter is on); else ''.
 * @param {unknown} labels the answer's legend lines
 */
export function keptLine(labels) {
  if (!Array.isArray(labels)) return '';
  const l = labels.find(x => typeof x === 'string' && x.startsWith('Showing nodes accounting for '));
  return l && !/, 100% of /.test(l) ? String(l) : '';
}

/** Sortable columns and whether they sort descending by default. */
export const COLUMNS = /** @type {const} */ ({
  flat: true, flatp: true, sum: false, cum: true, cump: true, name: false,
  base: true, new: true, ret: true,
});

/**
 * The share of a row's allocations still in use (flat / alloc_flat), or -1
 * when unknown (sorts last).
 * @param {TopRow} r
 */
export function retainedOf(r) {
  return r.allocFlat !== null && r.allocFlat > 0 ? r.flat / r.allocFlat : -1;
}

/**
 * Parse the URL's sort value ("cum", "-cum", "name") into a column and direction.
 * Unknown columns fall back to pprof's order (flat, descending).
 * @param {string} s
 * @returns {{col: keyof typeof COLUMNS, desc: boolean}}
 */
export function parseSort(s) {
  const flip = s.startsWith('-');
  const col = /** @type {keyof typeof COLUMNS} */ (flip ? s.slice(1) : s);
  if (!(col in COLUMNS)) return { col: 'flat', desc: true };
  return { col, desc: COLUMNS[col] !== flip };
}

/**
 * The URL value for a column and direction ("" for the default order).
 * @param {keyof typeof COLUMNS} col @param {boolean} desc
 */
export function sortValue(col, desc) {
  if (col === 'flat' && desc) return '';
  return (COLUMNS[col] === desc ? '' : '-') + col;
}

/**
 * Sorted copy. flat and cum sort by magnitude as pprof does (in a diff the
 * biggest shrinkages rank next to the biggest growths); the default order
 * (flat, descending) and sum% (ascending) are pprof's own order as the server sent it.
 * Ties keep pprof's order, so a sort is reproducible.
 * @param {TopRow[]} rows @param {keyof typeof COLUMNS} col @param {boolean} desc
 */
export function sortRows(rows, col, desc) {
  /** @type {(r: TopRow) => number|string} */
  let key;
  switch (col) {
    case 'flat': case 'flatp': key = r => Math.abs(r.flat); break;
    case 'cum': case 'cump': key = r => Math.abs(r.cum); break;
    case 'sum': key = r => r.order; break;
    case 'base': key = r => r.baseCum; break;
    case 'new': key = r => r.newCum; break;
    case 'ret': key = retainedOf; break;
    default: key = r => r.name;
  }
  const dir = desc ? -1 : 1;
  const out = rows.slice();
  if ((col === 'flat' || col === 'flatp') && desc) return out.sort((a, b) => a.order - b.order);
  if ((col === 'flat' || col === 'flatp') && !desc) return out.sort((a, b) => b.order - a.order);
  out.sort((a, b) => {
    const ka = key(a), kb = key(b);
    if (ka < kb) return -dir;
    if (ka > kb) return dir;
    return a.order - b.order;
  });
  return out;
}

/**
 * The running sum of flat over rows in the order shown (pprof's sum% is the
 * running total of the rows above, whatever order the table is in).
 * @param {TopRow[]} rows
 * @returns {number[]}
 */
export function runningSums(rows) {
  let s = 0;
  return rows.map(r => (s += r.flat));
}

/**
 * Rows whose name matches a regex (null: all rows).
 * @param {TopRow[]} rows @param {RegExp|null} re
 */
export function filterRows(rows, re) {
  if (!re) return rows;
  return rows.filter(r => { re.lastIndex = 0; return re.test(r.name); });
}
