// @ts-check
// Top table model (pure: no DOM): percentages, pprof's running sum%,
// sorting, filtering, and joining a diff with its base.

/**
 * @typedef {object} TopRow
 * @property {string} name
 * @property {number} flat in a diff: the delta
 * @property {number} cum in a diff: the delta
 * @property {boolean} inline
 * @property {number} order position in the server's (pprof's) order
 * @property {number} sum running sum of flat in pprof's order
 * @property {number} baseFlat diff only
 * @property {number} baseCum diff only
 * @property {number} newFlat diff only
 * @property {number} newCum diff only
 * @property {number|null} flatErr standard error of flat (sampling noise), when the server knows it
 * @property {number|null} cumErr standard error of cum
 * @property {number|null} allocFlat what the same frames allocated (heap in-use views), when known
 * @property {number|null} allocCum
 */

/** @param {any} v a number or nothing */
const opt = v => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Rows of the top endpoint, with the running sum pprof shows as sum%.
 * @param {any} json the top endpoint's answer
 * @returns {TopRow[]}
 */
export function topRows(json) {
  let sum = 0;
  return (json.rows || []).map((/** @type {any} */ r, /** @type {number} */ i) => {
    sum += Number(r.flat) || 0;
    return {
      name: String(r.name ?? ''), flat: Number(r.flat) || 0, cum: Number(r.cum) || 0,
      inline: !!r.inline, order: i, sum, baseFlat: 0, baseCum: 0, newFlat: 0, newCum: 0,
      flatErr: opt(r.flat_err), cumErr: opt(r.cum_err), allocFlat: opt(r.alloc_flat), allocCum: opt(r.alloc_cum),
    };
  });
}

/**
 * Join a diff's rows (deltas) with the base profile's own rows (same view
 * options, no base): base comes from the base's table, new = base + delta.
 * This holds for absolute and normalized comparisons alike.
 * @param {TopRow[]} delta rows of top?base=B
 * @param {TopRow[]} base rows of B's top
 * @returns {TopRow[]}
 */
export function joinDiff(delta, base) {
  const byName = new Map();
  for (const r of base) if (!byName.has(r.name)) byName.set(r.name, r);
  return delta.map(r => {
    const b = byName.get(r.name);
    const baseFlat = b ? b.flat : 0, baseCum = b ? b.cum : 0;
    return { ...r, baseFlat, baseCum, newFlat: baseFlat + r.flat, newCum: baseCum + r.cum };
  });
}

/** Sortable columns and whether they sort descending by default. */
export const COLUMNS = /** @type {const} */ ({
  flat: true, flatp: true, sum: true, cum: true, cump: true, name: false,
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
 * Sorted copy. Ties keep pprof's order, so a sort is reproducible.
 * Percent columns sort like their values; sum% sorts by pprof's order.
 * @param {TopRow[]} rows @param {keyof typeof COLUMNS} col @param {boolean} desc
 */
export function sortRows(rows, col, desc) {
  /** @type {(r: TopRow) => number|string} */
  let key;
  switch (col) {
    case 'flat': case 'flatp': key = r => r.flat; break;
    case 'cum': case 'cump': key = r => r.cum; break;
    case 'sum': key = r => r.sum; break;
    case 'base': key = r => r.baseCum; break;
    case 'new': key = r => r.newCum; break;
    case 'ret': key = retainedOf; break;
    default: key = r => r.name;
  }
  const dir = desc ? -1 : 1;
  const out = rows.slice();
  out.sort((a, b) => {
    const ka = key(a), kb = key(b);
    if (ka < kb) return -dir;
    if (ka > kb) return dir;
    return a.order - b.order;
  });
  return out;
}

/**
 * Rows whose name matches a regex (null: all rows).
 * @param {TopRow[]} rows @param {RegExp|null} re
 */
export function filterRows(rows, re) {
  if (!re) return rows;
  return rows.filter(r => { re.lastIndex = 0; return re.test(r.name); });
}
