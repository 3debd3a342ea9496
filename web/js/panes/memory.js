// @ts-check
// The series page's runtime memory: per snapshot, where the bytes the Go
// runtime holds (MemStats Sys) are, as a stacked bar chart (SVG, one bar per
// snapshot on the series' time axis) whose tooltip shows each part's bytes
// exactly as the API gives them; the sentence of each snapshot; and the
// hints with the figures that made them fire and a link to read.
// Data: the series answer's "memory" (one entry per snapshot) and "hints".

import { el, replace } from '../ui/dom.js';
import { showTip, hideTip } from '../ui/tooltip.js';
import { formatValue, groupDigits } from '../model/format.js';
import { formatSeconds } from '../model/series.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
/** The parts, bottom to top, as the API names them. */
export const PARTS = [
  ['explained', 'heap the profile explains'],
  ['beyond', 'heap in use beyond the profile'],
  ['idle', 'idle heap, not returned'],
  ['released', 'released to the OS'],
  ['stacks', 'goroutine stacks'],
  ['runtime', 'runtime metadata'],
  ['other', 'other'],
];
const H = 240, PAD_L = 64, PAD_R = 12, PAD_T = 10, PAD_B = 28;

/**
 * @param {SVGElement} parent @param {string} tag @param {Record<string, string|number>} attrs
 */
function svg(parent, tag, attrs) {
  const n = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  parent.append(n);
  return n;
}

/**
 * Where the bars stand and what they are called; by default the series' own
 * time axis (seconds since its first snapshot) and "#k" (its position).
 * @typedef {object} MemoryOpts
 * @property {(k: number) => number} [tOf] the time of snapshot k on the axis (seconds)
 * @property {[number, number]} [domain] the axis' first and last time (default: the snapshots')
 * @property {(k: number) => string} [labelOf] the name of snapshot k ("#3")
 * @property {string} [what] what a bar is, in its tooltip ("Snapshot", "Step")
 * @property {number} [width] the chart's width in its own units (default 800)
 * @property {boolean} [inline] a part of a card (h3, the latest sentence with the others folded), not a card
 */

/**
 * The memory card of a series, or null when it has neither statistics nor hints.
 * @param {any} series the GET /api/series/<id> answer
 * @param {MemoryOpts} [o]
 * @returns {HTMLElement|null}
 */
export function memoryCard(series, o = {}) {
  const mem = Array.isArray(series?.memory) ? series.memory : [];
  const hints = Array.isArray(series?.hints) ? series.hints : [];
  const profiles = series?.profiles || [];
  const tOf = o.tOf || ((/** @type {number} */ k) => Number(profiles[k]?.t) || 0);
  const labelOf = o.labelOf || ((/** @type {number} */ k) => `#${k + 1}`);
  const snaps = mem.map((/** @type {any} */ m, /** @type {number} */ k) => ({ m, k, t: tOf(k), label: labelOf(k) }))
    .filter((/** @type {any} */ s) => typeof s.m.sys === 'number');
  if (!snaps.length && !hints.length) return null;
  const sub = 'all the Go runtime holds (MemStats Sys) at each snapshot, and where it is';
  const card = o.inline
    ? el('div', { class: 'memory-card memory-inline', 'data-pane': 'memory' },
      el('h3', { title: sub, text: 'Runtime memory' }))
    : el('section', { class: 'card memory-card', 'data-pane': 'memory' },
      el('div', { class: 'card-head' }, el('h2', { text: 'Runtime memory' }), el('span', { class: 'muted small', text: sub })));
  // side by side (inline), the charts come first so that they line up; the hints follow
  if (hints.length && !o.inline) card.append(hintList(hints));
  if (snaps.length) {
    card.append(chart(snaps, o), legend());
    const item = (/** @type {any} */ s) => el('li', { 'data-snap': String(s.k + 1) },
      el('span', { class: 'snap-n', text: s.label }), ` ${s.m.sentence}`);
    const list = el('ol', { class: 'memory-sentences' }, ...snaps.map(item));
    if (o.inline) {
      const lastSnap = snaps[snaps.length - 1];
      card.append(el('p', { class: 'memory-sentence-last small', 'data-snap': String(lastSnap.k + 1) },
        el('span', { class: 'snap-n', text: lastSnap.label }), ` ${lastSnap.m.sentence}`));
      if (snaps.length > 1) card.append(el('details', {}, el('summary', { class: 'small', text: `The sentence of each of ${snaps.length} snapshots` }), list));
    } else {
      card.append(snaps.length <= 6 ? list : el('details', {}, el('summary', { text: `The sentence of each of ${snaps.length} snapshots` }), list));
    }
  }
  if (hints.length && o.inline) card.append(hintList(hints));
  const missing = mem.map((/** @type {any} */ m, /** @type {number} */ k) => ({ m, k })).filter((/** @type {any} */ s) => typeof s.m.sys !== 'number');
  if (missing.length) {
    const why = missing.find((/** @type {any} */ s) => s.m.error);
    card.append(el('p', { class: 'muted small memory-missing' },
      `${groupDigits(missing.length)} snapshot${missing.length > 1 ? 's have' : ' has'} no runtime statistics` +
      (why ? ` (${labelOf(why.k)}: ${why.m.error})` : ' (not a Go heap snapshot fetched by the server; attach a ?debug=1 heap file to its profile)') + '.'));
  }
  return card;
}

/** @param {any[]} snaps @param {MemoryOpts} o */
function chart(snaps, o) {
  const W = o.width || 800;
  const root = /** @type {SVGSVGElement} */ (document.createElementNS(SVG_NS, 'svg'));
  root.setAttribute('viewBox', `0 0 ${W} ${H}`);
  root.setAttribute('class', 'memory-chart');
  root.setAttribute('role', 'img');
  root.setAttribute('aria-label', 'Runtime memory per snapshot, stacked by part');
  const max = Math.max(...snaps.map(s => s.m.sys), 1);
  const [t0, t1] = o.domain || [snaps[0].t, snaps[snaps.length - 1].t];
  const plotW = W - PAD_L - PAD_R, plotH = H - PAD_T - PAD_B;
  // as wide as the axis leaves room for: on a shared axis (a domain wider than
  // these snapshots) as many slots as the domain holds of their closest gap
  let slots = snaps.length;
  if (o.domain && t1 > t0) {
    const gaps = snaps.slice(1).map((s, i) => s.t - snaps[i].t).filter(d => d > 0);
    const gap = gaps.length ? Math.min(...gaps) : t1 - t0;
    slots = Math.max(slots, Math.round((t1 - t0) / gap) + 1);
  }
  const bw = Math.max(4, Math.min(48, plotW / slots * 0.6));
  const xOf = (/** @type {number} */ t) => t1 === t0 ? PAD_L + plotW / 2
    : PAD_L + bw / 2 + (t - t0) / (t1 - t0) * (plotW - bw);
  // y grid: 4 lines with their values
  for (let g = 0; g <= 4; g++) {
    const v = max * g / 4, y = PAD_T + plotH - plotH * g / 4;
    svg(root, 'line', { x1: PAD_L, x2: W - PAD_R, y1: y, y2: y, class: 'grid' });
    svg(root, 'text', { x: PAD_L - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }).textContent = formatValue(v, 'bytes');
  }
  for (const s of snaps) {
    const x = xOf(s.t) - bw / 2;
    let acc = 0;
    const bar = svg(root, 'g', { class: 'memory-bar', 'data-snap': s.k + 1, 'data-t': s.t, tabindex: 0 });
    for (const [part] of PARTS) {
      const v = Number(s.m[part]) || 0;
      const h = plotH * v / max, y = PAD_T + plotH - plotH * (acc + v) / max;
      acc += v;
      if (v > 0) svg(bar, 'rect', { x, y, width: bw, height: Math.max(h, 0.5), class: `mem-${part}`, 'data-part': part, 'data-v': v });
    }
    // the whole column answers the pointer (small parts are thin)
    svg(bar, 'rect', { x, y: PAD_T, width: bw, height: plotH, class: 'hit', fill: 'transparent' });
    const show = (/** @type {number} */ cx, /** @type {number} */ cy) => showTip(cx, cy, tipContent(s, o.what || 'Snapshot'));
    bar.addEventListener('pointermove', e => show(/** @type {PointerEvent} */ (e).clientX, /** @type {PointerEvent} */ (e).clientY));
    bar.addEventListener('pointerleave', hideTip);
    bar.addEventListener('focus', () => { const r = bar.getBoundingClientRect(); show(r.right, r.top); });
    bar.addEventListener('blur', hideTip);
    const every = Math.ceil(snaps.length / Math.max(2, Math.floor(plotW / 60)));
    svg(root, 'text', { x: x + bw / 2, y: H - 10, 'text-anchor': 'middle', class: 'axis' }).textContent =
      every <= 1 || s.k % every === 0 ? s.label : '';
  }
  return el('div', { class: 'chart-box memory-chart-box', 'data-chart': 'memory' }, root);
}

/** @param {any} s @param {string} what */
function tipContent(s, what) {
  const m = s.m;
  return el('div', { class: 'memory-tip', 'data-snap': String(s.k + 1) },
    el('div', { class: 'tip-title', text: `${what} ${s.label} · ${formatSeconds(s.t)}` }),
    el('table', {}, el('tbody', {},
      ...[...PARTS].reverse().map(([part, label]) => el('tr', { 'data-part': part },
        el('td', {}, el('span', { class: `swatch mem-${part}` }), ` ${label}`),
        el('td', { class: 'num', 'data-v': String(m[part]) }, formatValue(Number(m[part]) || 0, 'bytes')),
        el('td', { class: 'num muted', text: `${groupDigits(Number(m[part]) || 0)} B` }))),
      el('tr', { class: 'total', 'data-part': 'sys' },
        el('td', { text: 'Sys (all of it)' }),
        el('td', { class: 'num', 'data-v': String(m.sys) }, formatValue(m.sys, 'bytes')),
        el('td', { class: 'num muted', text: `${groupDigits(m.sys)} B` })))),
    el('p', { class: 'small', text: m.sentence }));
}

function legend() {
  return el('div', { class: 'legend memory-legend' },
    ...PARTS.map(([part, label]) => el('span', { class: 'legend-item', 'data-part': part },
      el('span', { class: `swatch mem-${part}` }), ` ${label}`)));
}

/** @param {string} k @param {any} v */
function evidenceValue(k, v) {
  if (typeof v === 'number' && /^(Heap|Sys|Stack|MaxRSS|outside|idle|threshold)/.test(k)) return `${formatValue(v, 'bytes')} (${groupDigits(v)} B)`;
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** @param {any[]} hints */
function hintList(hints) {
  return el('ul', { class: 'hints' }, ...hints.map(h => el('li', { class: 'hint', 'data-rule': String(h.rule) },
    el('strong', { class: 'hint-title', text: h.title }),
    el('p', { class: 'hint-text', text: h.text }),
    el('dl', { class: 'hint-evidence' }, ...Object.entries(h.evidence || {}).map(([k, v]) =>
      el('div', { class: 'fact' }, el('dt', { text: k }), el('dd', { 'data-k': k, 'data-v': String(v), text: evidenceValue(k, v) })))),
    /^https:\/\//.test(String(h.link)) ? el('a', { class: 'hint-link small', href: h.link, target: '_blank', rel: 'noopener noreferrer', text: 'Read more' }) : null)));
}
