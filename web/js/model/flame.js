// @ts-check
// Flame graph model (pure: no DOM): the server's pre-order struct-of-arrays
// JSON turned into typed arrays plus the layout every view needs:
// depth, subtree end (so a whole subtree can be skipped in O(1)), and each
// frame's horizontal extent [x0, x0 + width) in value units.
//
// Widths: a frame is as wide as its total. In a diff it is as wide as
// base + new, so both shrinking and growing frames stay visible and
// children still nest inside their parent (both sides are additive).

import { hash32 } from './colors.js';

/** Row height in CSS pixels (the view and the tests share it). */
export const ROW_H = 18;

/**
 * @typedef {object} FlameData
 * @property {number} n frames
 * @property {string[]} strings interned names
 * @property {Int32Array} name string index per frame
 * @property {Int32Array} parent parent frame (-1 for the root)
 * @property {Float64Array} self
 * @property {Float64Array} total in a diff: new minus base
 * @property {Uint8Array} inline 1 for inlined frames
 * @property {boolean} diff
 * @property {Float64Array|null} baseSelf diff only
 * @property {Float64Array|null} baseTotal diff only
 * @property {Int32Array} depth
 * @property {Int32Array} end index just past the frame's subtree
 * @property {Float64Array} x0 left edge in value units
 * @property {Float64Array} width width in value units
 * @property {number} maxDepth
 * @property {number} grandTotal the profile total the server reports (percentages are of this)
 * @property {{type:string, unit:string}} sample
 * @property {number} trimmed frames the server trimmed away
 * @property {Float64Array|null} err standard error of each frame's total (in a diff: of the delta), when the server knows it
 * @property {{model?: string, period?: number}|null} noise how the server estimated the errors
 */

/**
 * @param {any} json the flamegraph endpoint's answer
 * @returns {FlameData}
 */
export function buildFlame(json) {
  const nodes = json.nodes || {};
  const n = (nodes.name || []).length;
  const name = Int32Array.from(nodes.name || []);
  const parent = Int32Array.from(nodes.parent || []);
  const self = Float64Array.from(nodes.self || []);
  const total = Float64Array.from(nodes.total || []);
  const inline = Uint8Array.from(nodes.inline || []);
  const diff = !!json.diff && Array.isArray(nodes.base_total);
  const baseSelf = diff ? Float64Array.from(nodes.base_self) : null;
  const baseTotal = diff ? Float64Array.from(nodes.base_total) : null;
  const err = Array.isArray(nodes.err) && nodes.err.length === n ? Float64Array.from(nodes.err, v => (Number.isFinite(v) ? v : 0)) : null;
  const depth = new Int32Array(n);
  const end = new Int32Array(n);
  const x0 = new Float64Array(n);
  const width = new Float64Array(n);
  const cursor = new Float64Array(n);
  let maxDepth = 0;

  for (let i = 0; i < n; i++) {
    const w = baseTotal ? Math.max(0, baseTotal[i]) + Math.max(0, total[i] + baseTotal[i]) : Math.max(0, total[i]);
    width[i] = w;
    const p = parent[i];
    if (p >= 0 && p < i) {
      depth[i] = depth[p] + 1;
      x0[i] = cursor[p];
      cursor[p] += w;
    } else {
      depth[i] = 0;
      x0[i] = 0;
    }
    cursor[i] = x0[i];
    if (depth[i] > maxDepth) maxDepth = depth[i];
  }
  // Subtree ends: in pre-order, a frame's subtree ends where the next frame
  // at the same or a lower depth begins.
  /** @type {number[]} */
  const stack = [];
  for (let i = 0; i < n; i++) {
    while (stack.length && depth[stack[stack.length - 1]] >= depth[i]) end[/** @type {number} */ (stack.pop())] = i;
    stack.push(i);
  }
  while (stack.length) end[/** @type {number} */ (stack.pop())] = n;

  return {
    n, strings: json.strings || [], name, parent, self, total, inline, diff, baseSelf, baseTotal,
    depth, end, x0, width, maxDepth,
    grandTotal: Number(json.total) || 0,
    sample: json.sample || { type: '', unit: '' },
    trimmed: Number(json.trimmed) || 0,
    err,
    noise: json.noise && typeof json.noise === 'object' ? json.noise : null,
  };
}

/**
 * The values shown for a frame: in a diff, base/new/delta of total and self.
 * @param {FlameData} fd @param {number} i
 */
export function frameValues(fd, i) {
  if (fd.diff && fd.baseTotal && fd.baseSelf) {
    const bt = fd.baseTotal[i], bs = fd.baseSelf[i];
    return {
      total: fd.total[i] + bt, self: fd.self[i] + bs,
      baseTotal: bt, baseSelf: bs,
      deltaTotal: fd.total[i], deltaSelf: fd.self[i],
    };
  }
  return { total: fd.total[i], self: fd.self[i], baseTotal: 0, baseSelf: 0, deltaTotal: 0, deltaSelf: 0 };
}

/** @param {FlameData} fd @param {number} i */
export function nameOf(fd, i) {
  return fd.strings[fd.name[i]] ?? '';
}

/**
 * Children of frame i, in order.
 * @param {FlameData} fd @param {number} i
 */
export function childrenOf(fd, i) {
  const out = [];
  for (let j = i + 1; j < fd.end[i]; j = fd.end[j]) out.push(j);
  return out;
}

/**
 * Frames from the root down to i (inclusive).
 * @param {FlameData} fd @param {number} i
 */
export function pathTo(fd, i) {
  const out = [];
  for (let j = i; j >= 0; j = fd.parent[j]) out.push(j);
  return out.reverse();
}

/**
 * A frame's key for URLs: the names along its path (root excluded), each as
 * a base-36 32-bit hash, joined by "."; "" is the root. Independent of
 * trimming and frame order, so it survives refetching at another resolution.
 * @param {FlameData} fd @param {number} i
 */
export function frameKey(fd, i) {
  return pathTo(fd, i).slice(1).map(j => hash32(nameOf(fd, j)).toString(36)).join('.');
}

/**
 * The frame a key names, or the deepest frame of its path that exists
 * (trimmed away or filtered out frames end the walk early).
 * @param {FlameData} fd @param {string} key
 * @returns {{node:number, exact:boolean}}
 */
export function findFrame(fd, key) {
  if (!fd.n || !key) return { node: 0, exact: true };
  const parts = key.split('.');
  let cur = 0;
  const cache = new Map();
  const h = (/** @type {number} */ s) => {
    let v = cache.get(s);
    if (v === undefined) { v = hash32(fd.strings[s] ?? '').toString(36); cache.set(s, v); }
    return v;
  };
  for (let k = 0; k < parts.length; k++) {
    let found = -1, best = -1;
    for (let j = cur + 1; j < fd.end[cur]; j = fd.end[j]) {
      if (h(fd.name[j]) === parts[k] && (found < 0 || fd.width[j] > best)) { found = j; best = fd.width[j]; }
    }
    if (found < 0) return { node: cur, exact: false };
    cur = found;
  }
  return { node: cur, exact: true };
}

/**
 * The frame under a point: depth row d, horizontal position vx in value units.
 * Returns -1 when nothing is there.
 * @param {FlameData} fd @param {number} vx @param {number} d
 */
export function hitTest(fd, vx, d) {
  if (!fd.n || d < 0) return -1;
  let cur = 0;
  if (vx < fd.x0[0] || vx >= fd.x0[0] + fd.width[0]) return -1;
  for (let k = 0; k < d; k++) {
    let next = -1;
    for (let j = cur + 1; j < fd.end[cur]; j = fd.end[j]) {
      if (fd.width[j] > 0 && vx >= fd.x0[j] && vx < fd.x0[j] + fd.width[j]) { next = j; break; }
    }
    if (next < 0) return -1;
    cur = next;
  }
  return cur;
}

/**
 * Which interned names match a search regex.
 * @param {FlameData} fd @param {RegExp} re
 */
export function matchNames(fd, re) {
  const m = new Uint8Array(fd.strings.length);
  for (let s = 0; s < fd.strings.length; s++) {
    re.lastIndex = 0;
    m[s] = re.test(fd.strings[s]) ? 1 : 0;
  }
  return m;
}

/**
 * Share of the profile held by frames whose names match: the outermost
 * matching frames' totals (nested matches are not counted twice).
 * In a diff, the new side's values.
 * @param {FlameData} fd @param {Uint8Array} nameMatch from matchNames
 * @returns {{frames:number, value:number, whole:number}}
 */
export function matchTotals(fd, nameMatch) {
  let value = 0, frames = 0, skipUntil = 0;
  for (let i = 1; i < fd.n; i++) {
    if (!nameMatch[fd.name[i]]) continue;
    frames++;
    if (i < skipUntil) continue;
    value += frameValues(fd, i).total;
    skipUntil = fd.end[i];
  }
  const whole = fd.diff ? frameValues(fd, 0).total : fd.grandTotal || fd.total[0];
  return { frames, value, whole };
}

/**
 * The min_fraction to ask the server for so that frames down to half a
 * pixel survive trimming, when the view spans `fraction` of the root over
 * `px` CSS pixels. Rounded down to a power of two so nearby widths share
 * one cached answer; 0 (no trimming) once it gets tiny.
 * @param {number} fraction @param {number} px
 */
export function minFractionFor(fraction, px) {
  const want = Math.max(0, fraction) / (2 * Math.max(100, px));
  if (!(want > 1e-7)) return 0;
  return 2 ** Math.floor(Math.log2(want));
}

/**
 * Label that fits `maxChars` characters: the full name, else without its
 * import path ("github.com/a/b.F" -> "b.F"), else cut with an ellipsis.
 * @param {string} name @param {number} maxChars
 */
export function fitLabel(name, maxChars) {
  if (maxChars < 2) return '';
  if (name.length <= maxChars) return name;
  const paren = name.indexOf('(');
  const slash = name.lastIndexOf('/', paren > 0 ? paren : name.length);
  const short = slash >= 0 ? name.slice(slash + 1) : name;
  if (short.length <= maxChars) return short;
  return short.slice(0, maxChars - 1) + '…';
}
