// @ts-check
// Series of snapshots and GC traces (pure: no DOM): which uploaded file
// names form a sequence, sparkline geometry, sampling-noise tests, the diff
// links between snapshots, snapshot markers on a GC trace's time axis, and
// a GC trace track's summary.

import { exactRegex } from './search.js';

/**
 * The number in a file name that makes it part of a sequence, with what
 * comes before and after it: "heap.3.pb.gz" -> {head: "heap.", n: 3, tail: ".pb.gz"}.
 * The last run of digits counts (so "heap-2024-01-05.7.pb.gz" numbers by 7).
 * @param {string} name
 * @returns {{head: string, n: number, tail: string}|null}
 */
export function sequenceKey(name) {
  const m = /^(.*?)(\d+)(\D*)$/.exec(name);
  if (!m) return null;
  return { head: m[1], n: Number(m[2]), tail: m[3] };
}

/**
 * Do these file names look like snapshots of one sequence (heap.0, heap.1, …)?
 * At least two names, the same text around one number, all numbers different.
 * @param {string[]} names
 */
export function looksLikeSequence(names) {
  if (names.length < 2) return false;
  const keys = names.map(sequenceKey);
  if (keys.some(k => !k)) return false;
  const k0 = /** @type {{head: string, n: number, tail: string}} */ (keys[0]);
  const nums = new Set();
  for (const k of /** @type {{head: string, n: number, tail: string}[]} */ (keys)) {
    if (k.head !== k0.head || k.tail !== k0.tail) return false;
    nums.add(k.n);
  }
  return nums.size === names.length;
}

/**
 * A name for a series made of these files: their common prefix without
 * trailing separators ("heap.0.pb.gz", "heap.1.pb.gz" -> "heap"), else the first name.
 * @param {string[]} names
 */
export function seriesName(names) {
  if (!names.length) return '';
  let p = names[0];
  for (const n of names) while (p && !n.startsWith(p)) p = p.slice(0, -1);
  p = p.replace(/[\d]+$/, '').replace(/[\s._\-/:]+$/, '');
  return p || names[0];
}

/**
 * SVG path ("M x y L x y …") of a sparkline of values in a w×h box, with
 * `pad` pixels kept free at the top and bottom. Missing values break the line.
 * A flat series is drawn through the middle. With xs (one time per value,
 * ascending) the x axis is time, as on the totals chart (a thinned series'
 * early snapshots are far apart); without, the values are evenly spaced.
 * @param {(number|null|undefined)[]} values @param {number} w @param {number} h @param {number} [pad]
 * @param {number[]} [xs]
 */
export function sparkPath(values, w, h, pad = 1.5, xs) {
  const vs = values.map(v => (typeof v === 'number' && Number.isFinite(v) ? v : null));
  const nums = /** @type {number[]} */ (vs.filter(v => v !== null));
  if (!nums.length) return '';
  let lo = Math.min(...nums), hi = Math.max(...nums);
  const n = vs.length;
  const timed = Array.isArray(xs) && xs.length === n && n > 1 && xs.every(Number.isFinite) && xs[n - 1] > xs[0];
  const xOf = (/** @type {number} */ i) => (n === 1 ? w / 2
    : timed ? ((/** @type {number[]} */ (xs)[i] - /** @type {number[]} */ (xs)[0]) / (/** @type {number[]} */ (xs)[n - 1] - /** @type {number[]} */ (xs)[0])) * w
      : (i / (n - 1)) * w);
  const yOf = (/** @type {number} */ v) => (hi === lo ? h / 2 : pad + (1 - (v - lo) / (hi - lo)) * (h - 2 * pad));
  let d = '', pen = false;
  for (let i = 0; i < n; i++) {
    const v = vs[i];
    if (v === null) { pen = false; continue; }
    d += `${pen ? 'L' : 'M'}${round2(xOf(i))} ${round2(yOf(v))} `;
    pen = true;
  }
  return d.trim();
}

/** @param {number} v */
const round2 = v => Math.round(v * 100) / 100;

/**
 * Is a difference within sampling noise? |delta| < 2·err, when an error is known.
 * @param {number} delta @param {number|null|undefined} err
 */
export function withinNoise(delta, err) {
  return typeof err === 'number' && err > 0 && Number.isFinite(delta) && Math.abs(delta) < 2 * err;
}

/**
 * The share of what was allocated that is still in use: flat / alloc_flat,
 * as a fraction (null when unknown).
 * @param {number} inuse @param {number|null|undefined} alloc
 */
export function retention(inuse, alloc) {
  if (typeof alloc !== 'number' || !Number.isFinite(alloc) || alloc <= 0 || !Number.isFinite(inuse)) return null;
  return Math.max(0, inuse / alloc);
}

/**
 * A fraction as a short percentage: 0.4321 -> "43%", 0.004 -> "0.4%".
 * @param {number|null|undefined} f
 */
export function pct(f) {
  if (typeof f !== 'number' || !Number.isFinite(f)) return '—';
  const p = f * 100;
  if (p === 0) return '0%';
  if (Math.abs(p) < 1) return `${p.toFixed(1)}%`;
  return `${p.toFixed(0)}%`;
}

/**
 * @typedef {object} Snapshot
 * @property {string} id
 * @property {string} [name]
 * @property {number} [t] seconds since the first snapshot
 */

/**
 * Path and query of a profile-page diff: newer minus older, with extra view options.
 * @param {string} newer @param {string} older @param {Record<string, string|undefined>} [extra]
 */
export function diffHref(newer, older, extra = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(extra)) if (v) q.set(k, v);
  q.set('base', older);
  return `p/${encodeURIComponent(newer)}?${q}`;
}

/**
 * The diff links of a series: first → last, then each consecutive pair.
 * @param {Snapshot[]} profiles in series order
 * @param {Record<string, string|undefined>} [extra] view options (si, …)
 * @returns {{label: string, href: string, from: number, to: number}[]}
 */
export function diffLinks(profiles, extra = {}) {
  const n = profiles.length;
  if (n < 2) return [];
  const out = [{ label: 'first → last', href: diffHref(profiles[n - 1].id, profiles[0].id, extra), from: 0, to: n - 1 }];
  for (let i = 0; i + 1 < n; i++) {
    out.push({ label: `${i + 1} → ${i + 2}`, href: diffHref(profiles[i + 1].id, profiles[i].id, extra), from: i, to: i + 1 });
  }
  return out;
}

/**
 * The profile-page focus filter for a row of the growth table, by its granularity:
 * a function name, a file name, the function of "fn file:line", or the
 * leaf function of a stack ("a;b;c" or "a → b → c": the last frame).
 * @param {string} name @param {string} g
 */
export function focusFor(name, g) {
  if (g === 'lines') {
    const sp = name.indexOf(' ');
    return exactRegex(sp > 0 ? name.slice(0, sp) : name);
  }
  if (g === 'stacks') {
    const parts = name.split(/\s*(?:;|→|\n)\s*/).filter(Boolean);
    return exactRegex(parts.length ? parts[parts.length - 1] : name);
  }
  return exactRegex(name);
}

/**
 * Where the snapshots fall on a GC trace's time axis (null when the times
 * could not be aligned).
 * @param {Snapshot[]} profiles @param {number|null|undefined} offset gctrace_offset_s
 */
export function snapshotMarkers(profiles, offset) {
  if (typeof offset !== 'number' || !Number.isFinite(offset)) return null;
  return profiles.map(p => offset + (Number(p.t) || 0));
}

/**
 * @param {number[]|null|undefined} a
 */
function mean(a) {
  if (!Array.isArray(a) || !a.length) return null;
  let s = 0, n = 0;
  for (const v of a) if (typeof v === 'number' && Number.isFinite(v)) { s += v; n++; }
  return n ? s / n : null;
}

/**
 * The summary of one GC trace track, from its arrays and the server's summary.
 * @param {any} tr
 * @returns {{gcs: number, forced: number, peakMb: number, avgGarbage: number|null, avgCpu: number|null, maxStwMs: number|null, span: number}}
 */
export function gcSummary(tr) {
  const s = tr?.summary || {};
  const forced = Array.isArray(tr?.forced) ? tr.forced.reduce((/** @type {number} */ a, /** @type {number} */ v) => a + (v ? 1 : 0), 0) : 0;
  const peaks = [...(tr?.heap_before || []), ...(tr?.heap_after || [])].filter(v => Number.isFinite(v));
  const peakMb = typeof s.peak_heap_mb === 'number' ? s.peak_heap_mb : peaks.length ? Math.max(...peaks) : 0;
  const avgGarbage = Array.isArray(s.garbage_share) ? mean(s.garbage_share) : typeof s.garbage_share === 'number' ? s.garbage_share : null;
  const avgCpu = typeof s.avg_cpu_pct === 'number' ? s.avg_cpu_pct : mean(tr?.cpu_pct);
  const stw = (tr?.stw_ms || []).filter((/** @type {any} */ v) => Number.isFinite(v));
  const t = tr?.t || [];
  return {
    gcs: Number(s.gcs ?? tr?.gcs ?? t.length) || 0,
    forced, peakMb, avgGarbage, avgCpu,
    maxStwMs: stw.length ? Math.max(...stw) : null,
    span: t.length ? t[t.length - 1] - t[0] : 0,
  };
}

/**
 * Seconds as a short axis label: 0.25 -> "0.25s", 90 -> "1m30s", 7200 -> "2h".
 * @param {number} s
 */
export function formatSeconds(s) {
  if (!Number.isFinite(s)) return '';
  const a = Math.abs(s);
  if (a < 60) return `${+s.toFixed(a < 1 ? 3 : a < 10 ? 2 : 1)}s`;
  if (a < 3600) {
    const m = Math.floor(a / 60), r = Math.round(a - m * 60);
    return `${s < 0 ? '-' : ''}${m}m${r ? `${r}s` : ''}`;
  }
  const h = Math.floor(a / 3600), m = Math.round((a - h * 3600) / 60);
  return `${s < 0 ? '-' : ''}${h}h${m ? `${m}m` : ''}`;
}

/**
 * One sentence on what thinning removed from a series, or '' when nothing:
 * "22 snapshots thinned: one per 5 min kept before 2023-11-14 22:42 UTC
 * (and the first, the last and the peak)". Several policies: their counts
 * are summed and the last one's interval and window are told.
 * @param {any} th the series' "thinning" (null when none)
 * @returns {string}
 */
export function thinningText(th) {
  const removed = Number(th?.removed) || 0;
  const ranges = Array.isArray(th?.ranges) ? th.ranges : [];
  if (!removed || !ranges.length) return '';
  const r = ranges[ranges.length - 1];
  const when = new Date(Number(r.window_ms)).toISOString().slice(0, 16).replace('T', ' ');
  return `${removed} snapshot${removed === 1 ? '' : 's'} thinned: one per ${formatSeconds(Number(r.every_s))} kept before ${when} UTC (and the first, the last and the peak).`;
}

/**
 * The chart's shaded spans: from the first to the last removed snapshot of
 * each policy, in the series' seconds (the x axis).
 * @param {any} th
 * @returns {{from: number, to: number, label: string}[]}
 */
export function thinningBands(th) {
  const ranges = Array.isArray(th?.ranges) ? th.ranges : [];
  return ranges.filter((/** @type {any} */ r) => Number(r.removed) > 0).map((/** @type {any} */ r) => ({
    from: Number(r.from_t), to: Number(r.to_t), label: `${r.removed} thinned`,
  }));
}
