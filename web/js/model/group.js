// @ts-check
// The capture group page's model (pages/group.js): its targets' totals put
// on one time axis by the step each snapshot belongs to. Pure functions.

/**
 * The step of a capture snapshot from its name ("<series> #k"), else its position + 1.
 * @param {any} p @param {number} k
 */
export function stepOf(p, k) {
  const m = /#(\d+)$/.exec(String(p?.name || ''));
  return m ? Number(m[1]) : k + 1;
}

/**
 * Every target's totals on one time axis: x = (step - 1) * interval, a gap
 * (null) where a target has no snapshot of that step (a failed fetch).
 * @param {any[]} targets the group's targets @param {(any|null)[]} totals per target, its totals array
 * @param {number} interval seconds between steps
 * @returns {{x: number[], values: (number|null)[][]}}
 */
export function alignTotals(targets, totals, interval) {
  /** @type {Map<number, number>[]} */
  const byStep = targets.map((t, i) => {
    const m = new Map();
    const ps = t.series?.profiles || [];
    const ys = totals[i] || [];
    ps.forEach((/** @type {any} */ p, /** @type {number} */ k) => { if (k < ys.length) m.set(stepOf(p, k), Number(ys[k])); });
    return m;
  });
  const steps = [...new Set(byStep.flatMap(m => [...m.keys()]))].sort((a, b) => a - b);
  return {
    x: steps.map(s => (s - 1) * interval),
    values: byStep.map(m => steps.map(s => (m.has(s) ? /** @type {number} */ (m.get(s)) : null))),
  };
}
