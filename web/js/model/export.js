// @ts-check
// Exported files (pure: no DOM): the top table as CSV and the flame graph
// as SVG. Names from a profile are data: in CSV a name that a spreadsheet
// would run as a formula is prefixed with "'", in SVG every name is XML
// text (escaped), never markup or an attribute that runs.

import { sortRows, filterRows, parseSort, runningSums, retainedOf } from './top.js';

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or
 * LF, quotes doubled. Text fields (`text`) that begin with = + - @ (or a
 * tab or CR) get a leading "'" so a spreadsheet shows them instead of
 * evaluating them; numbers are written as they are.
 * @param {string|number} v @param {boolean} [text]
 */
export function csvField(v, text = false) {
  let s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : String(v);
  if (text && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * CSV text: a header line and rows, CRLF line ends (RFC 4180).
 * @param {string[]} header @param {(string|number)[][]} rows
 * @param {boolean[]} textCols which columns hold text (names)
 */
export function toCsv(header, rows, textCols) {
  const lines = [header.map(h => csvField(h, true)).join(',')];
  for (const r of rows) lines.push(r.map((v, k) => csvField(v, !!textCols[k])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** @param {number} v @param {number} total a percentage with two decimals, as pprof prints */
const pc = (v, total) => (total ? Math.round((v / total) * 10000) / 100 : 0);

/**
 * The top table as shown (its sort and search filter), every row (not just
 * the page on screen), values in the sample unit, percentages as numbers;
 * standard errors (sampling noise) after the name when the server sent them.
 * @param {{rows: import('./top.js').TopRow[], diff: boolean, unit: string, total: number,
 *   sort: string, filter: RegExp|null, retention?: {type: string, unit: string}|null}} p
 */
export function topCsv(p) {
  const { col, desc } = parseSort(p.sort || '');
  const shown = sortRows(filterRows(p.rows, p.filter), col, desc);
  const sums = runningSums(shown);
  const u = p.unit ? ` (${p.unit})` : '';
  const ret = !p.diff && p.retention ? p.retention : null;
  const header = p.diff
    ? [`flat delta${u}`, 'flat%', 'sum%', `cum delta${u}`, 'cum%', `base cum${u}`, `new cum${u}`, 'name']
    : [`flat${u}`, 'flat%', 'sum%', `cum${u}`, 'cum%', ...(ret ? ['retained'] : []), 'name'];
  // sampling noise, when the server estimated it: standard errors after the name
  const errs = shown.some(r => r.flatErr !== null || r.cumErr !== null);
  if (errs) header.push(`flat stderr${u}`, `cum stderr${u}`);
  const rows = shown.map((r, k) => {
    const head = [r.flat, pc(r.flat, p.total), pc(sums[k], p.total), r.cum, pc(r.cum, p.total)];
    /** @type {(string|number)[]} */
    let row;
    if (p.diff) row = [...head, r.baseCum, r.newCum, r.name];
    else if (ret) { const f = retainedOf(r); row = [...head, f < 0 ? '' : Math.round(f * 10000) / 10000, r.name]; }
    else row = [...head, r.name];
    if (errs) row.push(r.flatErr ?? '', r.cumErr ?? '');
    return row;
  });
  return toCsv(header, rows, header.map(h => h === 'name'));
}

/**
 * Text for XML character data and attribute values: & < > " ' escaped, and
 * the characters XML 1.0 cannot hold (controls, lone surrogates, U+FFFE/F)
 * replaced by U+FFFD, so any name makes a well-formed file.
 * @param {string} s
 */
export function xmlText(s) {
  return String(s)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd')
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * @typedef {object} SvgFrame
 * @property {number} x @property {number} y @property {number} w pixels
 * @property {string} fill a colour
 * @property {string} name the frame's full name (the tooltip)
 * @property {string} tip the rest of the tooltip (values)
 * @property {string} label the text drawn in the frame ('' for none)
 * @property {boolean} [italic] inlined
 * @property {boolean} [faded] not a search match
 * @property {number} [alpha] opacity (the zoomed frame's dimmed callers)
 */

/**
 * The flame graph as an SVG document: a title line, then one rect per frame
 * (class "frame", its name and values in a <title>) and its label.
 * @param {{width: number, height: number, rowH: number, titleH: number, title: string,
 *   bg: string, fg: string, fgFaded: string, font: string, frames: SvgFrame[]}} o
 */
export function flameSvg(o) {
  const n = (/** @type {number} */ v) => String(Math.round(v * 100) / 100);
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>\n',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${n(o.width)}" height="${n(o.height)}" viewBox="0 0 ${n(o.width)} ${n(o.height)}"`,
    ` font-family="${xmlText(o.font)}" font-size="12">\n`,
    `<rect class="bg" x="0" y="0" width="${n(o.width)}" height="${n(o.height)}" fill="${xmlText(o.bg)}"/>\n`,
    `<text class="title" x="4" y="${n(o.titleH / 2)}" dominant-baseline="central" font-weight="bold" fill="${xmlText(o.fg)}">${xmlText(o.title)}</text>\n`,
    `<g transform="translate(0 ${n(o.titleH)})">\n`,
  ];
  for (const f of o.frames) {
    const op = f.alpha !== undefined && f.alpha < 1 ? ` fill-opacity="${n(f.alpha)}"` : '';
    out.push(`<g><title>${xmlText(f.tip ? `${f.name}\n${f.tip}` : f.name)}</title>`,
      `<rect class="frame" x="${n(f.x)}" y="${n(f.y)}" width="${n(Math.max(0.3, f.w > 2 ? f.w - 1 : f.w))}" height="${n(o.rowH - 1)}" fill="${xmlText(f.fill)}"${op}/>`);
    if (f.label) {
      out.push(`<text x="${n(f.x + 3)}" y="${n(f.y + o.rowH / 2 + 0.5)}" dominant-baseline="central"`,
        `${f.italic ? ' font-style="italic"' : ''} fill="${xmlText(f.faded ? o.fgFaded : o.fg)}">${xmlText(f.label)}</text>`);
    }
    out.push('</g>\n');
  }
  out.push('</g>\n</svg>\n');
  return out.join('');
}

/**
 * A file name made of a profile's name and what the file holds.
 * @param {string} name @param {string} what @param {string} ext
 */
export function exportName(name, what, ext) {
  const safe = (name || '').replace(/[^\w.-]+/g, '_').replace(/^[.-]+/, '').slice(0, 80);
  const base = /[A-Za-z0-9]/.test(safe) ? safe : 'profile';
  return `${base}-${what}.${ext}`;
}
