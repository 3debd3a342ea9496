// @ts-check
// Number, unit, time and percentage formatting (pure: no DOM).
// Units follow pprof's report formatting: bytes scale by 1024 (B, kB, MB,
// GB, TB), durations by their natural steps (ns, us, ms, s, mins, hrs),
// counts are printed with digit grouping (and compactly where space is short).

const MEMORY = [['B', 1], ['kB', 1024], ['MB', 1024 ** 2], ['GB', 1024 ** 3], ['TB', 1024 ** 4], ['PB', 1024 ** 5]];
const TIME = [['ns', 1], ['us', 1e3], ['ms', 1e6], ['s', 1e9], ['mins', 60e9], ['hrs', 3600e9]];

/** Scale of a sample unit in its family's base unit (bytes or nanoseconds). */
const UNIT_ALIASES = /** @type {Record<string, [string, number]>} */ ({
  b: ['memory', 1], byte: ['memory', 1], bytes: ['memory', 1],
  kb: ['memory', 1024], kilobyte: ['memory', 1024], kilobytes: ['memory', 1024],
  mb: ['memory', 1024 ** 2], megabyte: ['memory', 1024 ** 2], megabytes: ['memory', 1024 ** 2],
  gb: ['memory', 1024 ** 3], gigabyte: ['memory', 1024 ** 3], gigabytes: ['memory', 1024 ** 3],
  ns: ['time', 1], nanosecond: ['time', 1], nanoseconds: ['time', 1],
  us: ['time', 1e3], microsecond: ['time', 1e3], microseconds: ['time', 1e3],
  ms: ['time', 1e6], millisecond: ['time', 1e6], milliseconds: ['time', 1e6],
  s: ['time', 1e9], sec: ['time', 1e9], second: ['time', 1e9], seconds: ['time', 1e9],
});

/**
 * Trim a fixed-point number: at most `digits` significant-ish decimals,
 * no trailing zeros ("2.50" -> "2.5", "3.00" -> "3").
 * @param {number} v
 */
function short(v) {
  const a = Math.abs(v);
  const d = a >= 100 ? 1 : a >= 10 ? 2 : 2;
  let s = v.toFixed(d);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s === '-0' ? '0' : s;
}

/**
 * Digit grouping with thin, locale-free separators: 1234567 -> "1,234,567".
 * @param {number} v
 */
export function groupDigits(v) {
  if (!Number.isFinite(v)) return String(v);
  const neg = v < 0;
  const s = String(Math.round(Math.abs(v)));
  const out = s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return neg ? '-' + out : out;
}

/**
 * A value in a sample unit, scaled to a readable unit: (5132288, "bytes") ->
 * "4.89MB", (1.5e9, "nanoseconds") -> "1.50s", (1234, "count") -> "1,234".
 * @param {number} v raw value
 * @param {string} unit the sample type's unit ("bytes", "nanoseconds", "count", ...)
 */
export function formatValue(v, unit) {
  if (!Number.isFinite(v)) return String(v);
  const alias = UNIT_ALIASES[String(unit || '').toLowerCase()];
  if (!alias) {
    const s = groupDigits(v);
    return unit && unit !== 'count' ? `${s} ${unit}` : s;
  }
  const [family, scale] = alias;
  const base = v * scale;
  const table = family === 'memory' ? MEMORY : TIME;
  const a = Math.abs(base);
  let pick = table[0];
  for (const t of table) if (a >= t[1]) pick = t;
  if (a === 0) return '0';
  if (pick[1] === 1 && family === 'memory') return `${groupDigits(base)}B`;
  return `${short(base / pick[1])}${pick[0]}`;
}

/**
 * A value in the one output unit pprof chose for a whole report (its
 * "minimum" unit, the top answer's "unit": kB, ms, ...), printed as pprof
 * prints it: two decimals, ".00" dropped (158.61kB, 12.50kB, 3kB). An unknown
 * or unitless output falls back to formatValue.
 * @param {number} v raw value @param {string} unit the sample unit @param {string} out
 */
export function formatIn(v, unit, out) {
  if (!Number.isFinite(v)) return String(v);
  const alias = UNIT_ALIASES[String(unit || '').toLowerCase()];
  if (!alias || !out) return formatValue(v, unit);
  const table = alias[0] === 'memory' ? MEMORY : TIME;
  const t = table.find(x => x[0].toLowerCase() === out.toLowerCase()) || (out === 'B' ? table[0] : null);
  if (!t) return formatValue(v, unit);
  let s = ((v * alias[1]) / /** @type {number} */ (t[1])).toFixed(2);
  if (s.endsWith('.00')) s = s.slice(0, -3);
  if (s === '0' || s === '-0') return '0';
  return s + t[0];
}

/**
 * A signed value ("+1.2MB", "-3ms", "0").
 * @param {number} v @param {string} unit
 */
export function formatDelta(v, unit) {
  const s = formatValue(v, unit);
  return v > 0 ? '+' + s : s;
}

/**
 * pprof-style percentage: "12.34%", small shares keep two significant digits.
 * @param {number} part @param {number} whole
 */
export function formatPercent(part, whole) {
  if (!whole) return part ? '∞%' : '0%';
  const p = (part / whole) * 100;
  if (p === 0) return '0%';
  const a = Math.abs(p);
  if (a >= 0.01) return `${p.toFixed(2)}%`;
  return `${p.toPrecision(2)}%`;
}

/**
 * Signed relative change: "+35.0%", "-100%", "new".
 * @param {number} base @param {number} now
 */
export function formatChange(base, now) {
  if (base === now) return '0%';
  if (!base) return now > 0 ? 'new' : 'gone';
  const p = ((now - base) / Math.abs(base)) * 100;
  const s = Math.abs(p) >= 100 ? p.toFixed(0) : p.toFixed(1);
  return p > 0 ? `+${s}%` : `${s}%`;
}

/**
 * File size: 1536 -> "1.5 KiB".
 * @param {number} n bytes
 */
export function formatSize(n) {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  const u = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024, i = 0;
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${u[i]}`;
}

/**
 * Duration in nanoseconds: 1500000000 -> "1.5 s", 90e9 -> "1 min 30 s".
 * @param {number} ns
 */
export function formatDuration(ns) {
  if (!Number.isFinite(ns) || ns <= 0) return '';
  const s = ns / 1e9;
  if (s < 1) return `${short(ns / 1e6)} ms`;
  if (s < 60) return `${short(s)} s`;
  const m = Math.floor(s / 60), r = Math.round(s - m * 60);
  if (m < 60) return r ? `${m} min ${r} s` : `${m} min`;
  const h = Math.floor(m / 60), mm = m % 60;
  return mm ? `${h} h ${mm} min` : `${h} h`;
}

/**
 * A wall-clock time as "2026-11-23 00:37:01 UTC" (UTC, so that a shared link
 * reads the same everywhere).
 * @param {number} ms milliseconds since the epoch
 */
export function formatTime(ms) {
  if (!Number.isFinite(ms) || ms <= 0) return '';
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '';
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

/**
 * "3 min ago", "2 h ago", "5 days ago" relative to now (both in ms).
 * @param {number} ms @param {number} now
 */
export function formatAge(ms, now) {
  const s = Math.max(0, (now - ms) / 1000);
  if (s < 60) return 'just now';
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  const d = Math.floor(s / 86400);
  return d === 1 ? '1 day ago' : `${d} days ago`;
}

/**
 * What kind of profile this is, from its sample and period types (the names
 * the Go runtime and other producers use).
 * @param {{sample_types?: {type:string, unit:string}[], period_type?: {type:string, unit:string}, default_sample_type?: string}} info
 */
export function profileKind(info) {
  const types = (info.sample_types || []).map(t => t.type);
  const has = (/** @type {string} */ t) => types.includes(t);
  const period = info.period_type?.type || '';
  if (has('inuse_space') || has('inuse_objects')) return 'heap';
  if (has('alloc_space') || has('alloc_objects')) return 'allocs';
  if (has('contentions') || has('delay')) return 'contention';
  if (has('goroutine') || period === 'goroutine') return 'goroutine';
  if (has('threadcreate')) return 'threadcreate';
  if (has('cpu') || period === 'cpu') return 'CPU';
  if (has('wall')) return 'wall-clock';
  if (has('space') || has('objects')) return 'heap';
  return types.length ? types[types.length - 1] : 'profile';
}
