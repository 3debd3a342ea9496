// @ts-check
// The labels panel's pure parts: the tags answer as rows, and the tag focus
// / tag ignore expressions the clicks build. A value's filter comes from the
// server ("key=^value$" for string labels, "key=N[unit]" or a range for
// numeric ones); pprof reads "key=re1,re2" as "any of these values of key",
// so string filters of one key combine into one expression, other filters
// replace the expression.

/**
 * @typedef {object} LabelValue
 * @property {string} value as pprof -tags prints it
 * @property {number} count summed sample value
 * @property {number} share count / the key's total
 * @property {string|null} filter the tf/ti expression selecting exactly these samples
 */
/**
 * @typedef {object} LabelKey
 * @property {string} key
 * @property {boolean} numeric
 * @property {string} unit numeric labels' unit ('' for string labels)
 * @property {number} total
 * @property {LabelValue[]} values
 */

/**
 * The tags endpoint's answer, checked.
 * @param {any} json
 * @returns {{type: string, unit: string, total: number, keys: LabelKey[]}}
 */
export function labelKeys(json) {
  const keys = Array.isArray(json?.keys) ? json.keys : [];
  return {
    type: String(json?.sample?.type || ''),
    unit: String(json?.sample?.unit || ''),
    total: Number(json?.total) || 0,
    keys: keys.map((/** @type {any} */ k) => ({
      key: String(k.key ?? ''),
      numeric: !!k.numeric,
      unit: String(k.unit || ''),
      total: Number(k.total) || 0,
      values: (Array.isArray(k.values) ? k.values : []).map((/** @type {any} */ v) => ({
        value: String(v.value ?? ''),
        count: Number(v.count) || 0,
        share: Number(v.share) || 0,
        filter: typeof v.filter === 'string' && v.filter ? v.filter : null,
      })),
    })),
  };
}

/**
 * A "key=^...$,^...$" expression as its key and anchored regexes, or null
 * for any other shape (a numeric range, a list without key, free text).
 * @param {string} expr
 */
function regexList(expr) {
  const eq = expr.indexOf('=');
  if (eq <= 0) return null;
  const parts = expr.slice(eq + 1).split(',');
  if (!parts.every(p => /^\^.*\$$/.test(p))) return null;
  return { key: expr.slice(0, eq), parts };
}

/**
 * Is a value's filter part of an expression (the whole of it, or one of
 * its key's alternatives)?
 * @param {string} expr the URL's tf or ti @param {string} filter
 */
export function hasTagFilter(expr, filter) {
  if (!expr || !filter) return false;
  if (expr === filter) return true;
  const a = regexList(expr), b = regexList(filter);
  return !!a && !!b && a.key === b.key && b.parts.length === 1 && a.parts.includes(b.parts[0]);
}

/**
 * The expression with a value's filter added as one more alternative of
 * the same key, else the filter alone.
 * @param {string} expr @param {string} filter
 */
export function addTagFilter(expr, filter) {
  if (!expr || hasTagFilter(expr, filter)) return expr || filter;
  const a = regexList(expr), b = regexList(filter);
  if (a && b && a.key === b.key) return `${a.key}=${[...a.parts, ...b.parts].join(',')}`;
  return filter;
}

/**
 * The expression without a value's filter ('' when nothing is left).
 * @param {string} expr @param {string} filter
 */
export function removeTagFilter(expr, filter) {
  if (!expr || expr === filter) return '';
  const a = regexList(expr), b = regexList(filter);
  if (!a || !b || a.key !== b.key) return expr;
  const left = a.parts.filter(p => !b.parts.includes(p));
  return left.length ? `${a.key}=${left.join(',')}` : '';
}

/**
 * A comma-separated key list (tagroot, tagleaf) with a key toggled.
 * @param {string} list @param {string} key
 */
export function toggleKey(list, key) {
  const keys = (list || '').split(',').filter(Boolean);
  const i = keys.indexOf(key);
  if (i >= 0) keys.splice(i, 1);
  else keys.push(key);
  return keys.join(',');
}

/**
 * Is key in a comma-separated key list?
 * @param {string} list @param {string} key
 */
export function listHas(list, key) {
  return (list || '').split(',').includes(key);
}
