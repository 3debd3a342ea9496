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
  const diff = !!json.diff && Array.isArray(nodes.base_total);
  return assemble({
    strings: json.strings || [],
    name: Int32Array.from(nodes.name || []),
    parent: Int32Array.from(nodes.parent || []),
    self: Float64Array.from(nodes.self || []),
    total: Float64Array.from(nodes.total || []),
    inline: Uint8Array.from(nodes.inline || []),
    diff,
    baseSelf: diff ? Float64Array.from(nodes.base_self) : null,
    baseTotal: diff ? Float64Array.from(nodes.base_total) : null,
    err: Array.isArray(nodes.err) && nodes.err.length === n ? Float64Array.from(nodes.err, v => (Number.isFinite(v) ? v : 0)) : null,
    grandTotal: Number(json.total) || 0,
    sample: json.sample || { type: '', unit: '' },
    trimmed: Number(json.trimmed) || 0,
    noise: json.noise && typeof json.noise === 'object' ? json.noise : null,
  });
}

/**
 * A flame graph from its pre-order arrays (a parent precedes its children,
 * whose subtrees follow one another): adds the layout (depth, subtree end,
 * horizontal extent).
 * @param {Omit<FlameData, 'n'|'depth'|'end'|'x0'|'width'|'maxDepth'>} a
 * @returns {FlameData}
 */
export function assemble(a) {
  const { parent, total, baseTotal } = a;
  const n = a.name.length;
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

  return { ...a, n, depth, end, x0, width, maxDepth };
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

/* ---- orders and the reversed (bottom-up) graph ---- */

/**
 * The same tree with its frames in another pre-order.
 * @param {FlameData} fd @param {Int32Array} order old index of each new position
 * @returns {FlameData}
 */
function permute(fd, order) {
  const n = fd.n;
  const at = new Int32Array(n);
  for (let k = 0; k < n; k++) at[order[k]] = k;
  const pick = (/** @type {any} */ src) => {
    if (!src) return null;
    const out = new src.constructor(n);
    for (let k = 0; k < n; k++) out[k] = src[order[k]];
    return out;
  };
  const parent = new Int32Array(n);
  for (let k = 0; k < n; k++) { const p = fd.parent[order[k]]; parent[k] = p >= 0 ? at[p] : -1; }
  return assemble({
    strings: fd.strings, name: pick(fd.name), parent, self: pick(fd.self), total: pick(fd.total), inline: pick(fd.inline),
    diff: fd.diff, baseSelf: pick(fd.baseSelf), baseTotal: pick(fd.baseTotal), err: pick(fd.err),
    grandTotal: fd.grandTotal, sample: fd.sample, trimmed: fd.trimmed, noise: fd.noise,
  });
}

/**
 * "Left heavy": every frame's children ordered by weight (width: in a diff
 * base + new), heaviest first; equal weights keep the server's order (by
 * name). The tree itself is already merged (one frame per call path).
 * @param {FlameData} fd
 * @returns {FlameData}
 */
export function leftHeavy(fd) {
  if (fd.n < 2) return fd;
  const order = new Int32Array(fd.n);
  let k = 0;
  /** @type {number[]} */
  const stack = [0];
  while (stack.length) {
    const i = /** @type {number} */ (stack.pop());
    order[k++] = i;
    const kids = childrenOf(fd, i);
    if (kids.length > 1) kids.sort((a, b) => fd.width[b] - fd.width[a] || a - b);
    for (let c = kids.length - 1; c >= 0; c--) stack.push(kids[c]);
  }
  return permute(fd, order);
}

/**
 * The reversed (bottom-up) flame graph: under the root the functions where
 * samples end (their self values), under each of them its callers, and so
 * on out to the outermost frame. A frame's total here is the value of the
 * call paths that end in that chain of callees; the root's total is the
 * whole graph's. Built from the same tree: each frame's self value walks up
 * its path. Siblings are ordered by name (as the server orders them). Errors
 * (sampling noise) are per forward frame and are not carried over.
 * Frames the server trimmed were added to their caller's self, so they show
 * here under their caller's name.
 * @param {FlameData} fd
 * @returns {FlameData}
 */
export function reverseFlame(fd) {
  const n = fd.n;
  if (n < 1) return fd;
  const S = fd.strings.length, str = fd.strings;
  const diff = !!(fd.diff && fd.baseSelf && fd.baseTotal);
  const fBase = diff ? /** @type {Float64Array} */ (fd.baseSelf) : null;
  const fName = fd.name, fParent = fd.parent, fInline = fd.inline;
  const keyOf = (/** @type {number} */ j) => fName[j] * 2 + fInline[j];

  // cursors: one per frame with a self value, walking from it up to the root
  // every step of a cursor makes at most one frame: that bounds the output
  let c = 0, most = 1;
  for (let i = 1; i < n; i++) if (fd.self[i] !== 0 || (fBase && fBase[i] !== 0)) { c++; most += fd.depth[i]; }
  const cur = new Int32Array(c), val = new Float64Array(c), bas = new Float64Array(c);
  const tCur = new Int32Array(c), tVal = new Float64Array(c), tBas = new Float64Array(c);
  c = 0;
  for (let i = 1; i < n; i++) {
    if (fd.self[i] === 0 && !(fBase && fBase[i] !== 0)) continue;
    cur[c] = i; val[c] = fd.self[i]; bas[c] = fBase ? fBase[i] : 0; c++;
  }
  const count = new Int32Array(2 * S + 2), start = new Int32Array(2 * S + 2);
  const oName = new Int32Array(most), oParent = new Int32Array(most), oInline = new Uint8Array(most);
  const oSelf = new Float64Array(most), oTotal = new Float64Array(most);
  const oBSelf = diff ? new Float64Array(most) : null, oBTotal = diff ? new Float64Array(most) : null;
  let m = 0;
  /** @type {number[]} */
  const touched = [];

  /**
   * Group the cursors in [a, b) by the frame they point at (name, inline),
   * in sibling order; push one entry per group for the stack, last first.
   * @param {number} a @param {number} b @param {number} parent @param {number[]} stack
   */
  const group = (a, b, parent, stack) => {
    touched.length = 0;
    for (let k = a; k < b; k++) { const key = keyOf(cur[k]); if (count[key]++ === 0) touched.push(key); }
    if (touched.length > 1) {
      // siblings by name (as the server orders them), inlined last
      touched.sort((x, y) => { const p = str[x >> 1] ?? '', q = str[y >> 1] ?? ''; return p < q ? -1 : p > q ? 1 : (x & 1) - (y & 1); });
      let off = a;
      for (const key of touched) { start[key] = off; off += count[key]; }
      for (let k = a; k < b; k++) {
        const t = start[keyOf(cur[k])]++;
        tCur[t] = cur[k]; tVal[t] = val[k]; tBas[t] = bas[k];
      }
      for (let k = a; k < b; k++) { cur[k] = tCur[k]; val[k] = tVal[k]; bas[k] = tBas[k]; }
    }
    // entries (a, b, parent) for the stack, so the first sibling pops first
    let hi = b;
    for (let t = touched.length - 1; t >= 0; t--) {
      const key = touched[t], lo = hi - count[key];
      stack.push(lo, hi, parent);
      count[key] = 0;
      hi = lo;
    }
  };

  // the root: every self value, its own self included
  let rootTotal = fd.self[0], rootBase = fBase ? fBase[0] : 0;
  for (let k = 0; k < c; k++) { rootTotal += val[k]; rootBase += bas[k]; }
  oName[0] = fName[0]; oParent[0] = -1; oSelf[0] = fd.self[0]; oTotal[0] = rootTotal;
  if (oBSelf && oBTotal && fBase) { oBSelf[0] = fBase[0]; oBTotal[0] = rootBase; }
  m = 1;
  /** @type {number[]} */
  const stack = [];
  group(0, c, 0, stack);
  while (stack.length) {
    const parent = /** @type {number} */ (stack.pop()), b = /** @type {number} */ (stack.pop()), a = /** @type {number} */ (stack.pop());
    const me = m++, f = cur[a];
    let tot = 0, tb = 0, self = 0, sb = 0;
    // step every cursor to its caller; those that reach the root end here
    let live = a;
    for (let k = a; k < b; k++) {
      tot += val[k]; tb += bas[k];
      const p = fParent[cur[k]];
      if (p <= 0) { self += val[k]; sb += bas[k]; continue; }
      cur[live] = p; val[live] = val[k]; bas[live] = bas[k]; live++;
    }
    oName[me] = fName[f]; oParent[me] = parent; oInline[me] = fInline[f] ? 1 : 0;
    oSelf[me] = self; oTotal[me] = tot;
    if (oBSelf && oBTotal) { oBSelf[me] = sb; oBTotal[me] = tb; }
    if (live > a) group(a, live, me, stack);
  }
  // in a diff self and total are deltas (new - base), as in the forward arrays
  return assemble({
    strings: fd.strings, name: oName.slice(0, m), parent: oParent.slice(0, m), self: oSelf.slice(0, m),
    total: oTotal.slice(0, m), inline: oInline.slice(0, m), diff: fd.diff && diff,
    baseSelf: oBSelf ? oBSelf.slice(0, m) : null, baseTotal: oBTotal ? oBTotal.slice(0, m) : null, err: null,
    grandTotal: fd.grandTotal, sample: fd.sample, trimmed: fd.trimmed, noise: null,
  });
}

/**
 * The graph as the options ask: reversed (bottom-up) and/or left heavy.
 * @param {FlameData} fd @param {{reversed?: boolean, heavy?: boolean}} o
 */
export function flameVariant(fd, o) {
  let out = fd;
  if (o.reversed) out = reverseFlame(out);
  if (o.heavy) out = leftHeavy(out);
  return out;
}

/* ---- keyboard navigation ---- */

/**
 * The frame a key press moves to from frame i (i itself when there is none):
 * up: the caller (parent); down: the heaviest callee; left/right: the
 * previous/next frame on the same row (siblings first, then the
 * neighbouring subtrees' frames), skipping frames of zero width.
 * @param {FlameData} fd @param {number} i @param {'up'|'down'|'left'|'right'} dir
 */
export function neighbour(fd, i, dir) {
  if (!fd.n || i < 0 || i >= fd.n) return 0;
  const d = fd.depth[i];
  if (dir === 'up') return i > 0 ? fd.parent[i] : i;
  if (dir === 'down') {
    let best = -1;
    for (let j = i + 1; j < fd.end[i]; j = fd.end[j]) if (fd.width[j] > 0 && (best < 0 || fd.width[j] > fd.width[best])) best = j;
    return best < 0 ? i : best;
  }
  if (dir === 'right') {
    for (let j = fd.end[i]; j < fd.n; j++) if (fd.depth[j] === d && fd.width[j] > 0) return j;
    return i;
  }
  for (let j = i - 1; j > 0; j--) if (fd.depth[j] === d && fd.width[j] > 0) return j;
  return i;
}

/**
 * Visit the frames drawn in a window: [vx0, vx0 + vw) in value units over
 * W pixels, rows firstRow..lastRow. Frames narrower than a third of a pixel
 * (and their subtrees) are skipped. f gets the frame, its clipped left edge
 * and width in pixels.
 * @param {FlameData} fd
 * @param {{vx0: number, vw: number, W: number, firstRow: number, lastRow: number}} win
 * @param {(i: number, x: number, w: number) => void} f
 */
export function forEachDrawn(fd, win, f) {
  const scale = win.W / win.vw, { vx0, W, firstRow, lastRow } = win;
  const { x0, width, depth, end, n } = fd;
  for (let i = 0; i < n;) {
    const w = width[i] * scale;
    if (w < 0.3) { i = end[i]; continue; }
    const x = (x0[i] - vx0) * scale;
    if (x >= W || x + w <= 0) { i = end[i]; continue; }
    const d = depth[i];
    if (d > lastRow) { i = end[i]; continue; }
    if (d >= firstRow) {
      const rx = Math.max(0, x);
      f(i, rx, Math.min(W, x + w) - rx);
    }
    i++;
  }
}

/**
 * The deepest row with a frame drawn in a window (-1: none).
 * @param {FlameData} fd @param {{vx0: number, vw: number, W: number}} win
 */
export function deepestDrawn(fd, win) {
  let d = -1;
  forEachDrawn(fd, { ...win, firstRow: 0, lastRow: Infinity }, i => { if (fd.depth[i] > d) d = fd.depth[i]; });
  return d;
}

/**
 * A new window after zooming by `factor` (< 1 zooms in) around the point at
 * fraction `at` (0..1) of the width: the value under that point stays there
 * (unless the window hits the graph's edges). The window stays inside
 * [0, whole] and no narrower than `minW`.
 * @param {{vx0: number, vw: number}} win @param {number} factor @param {number} at
 * @param {number} whole @param {number} minW
 */
export function zoomWindow(win, factor, at, whole, minW) {
  const vw = Math.min(whole, Math.max(minW, win.vw * factor));
  const v = win.vx0 + at * win.vw;
  return { vx0: clampStart(v - at * vw, vw, whole), vw };
}

/**
 * A window start kept inside [0, whole].
 * @param {number} vx0 @param {number} vw @param {number} whole
 */
export function clampStart(vx0, vw, whole) {
  return Math.max(0, Math.min(whole - vw, vx0));
}
