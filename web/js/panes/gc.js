// @ts-check
// GC trace charts and facts, shared by the GC trace page and the series
// page (which marks its snapshots' times on the heap chart).

import { el } from '../ui/dom.js';
import { mountChart } from '../ui/chart.js';
import { groupDigits } from '../model/format.js';
import { gcSummary, formatSeconds, pct } from '../model/series.js';

/** @param {number} v */
export const mb = v => `${+v.toFixed(v >= 100 ? 0 : v >= 10 ? 1 : 2)} MB`;
/** @param {number} v */
export const ms = v => `${+v.toFixed(v >= 10 ? 1 : v >= 1 ? 2 : 3)} ms`;
/** @param {number} v */
export const cpu = v => `${+v.toFixed(v >= 10 ? 0 : 1)}%`;

/**
 * The heap chart of one track: before / after / live heap and the goal, in MB.
 * @param {HTMLElement} host @param {any} tr a track of GET /api/gctraces/<id>
 * @param {{markers?: number[]|null, markerLabels?: string[], height?: number, label?: string, sync?: string}} [o]
 */
export function heapChart(host, tr, o = {}) {
  return mountChart(host, {
    label: o.label || 'Heap size at each GC (MB)',
    x: tr.t || [],
    xLabel: 'time',
    fmtX: formatSeconds,
    fmtY: mb,
    height: o.height || 240,
    markers: o.markers || null,
    markerLabels: o.markerLabels,
    sync: o.sync,
    series: [
      { label: 'heap before GC', values: tr.heap_before || [], color: '--chart-1' },
      { label: 'heap after GC', values: tr.heap_after || [], color: '--chart-2' },
      { label: 'live heap', values: tr.heap_live || [], color: '--chart-3', fill: true },
      { label: 'goal', values: tr.goal || [], color: '--chart-4', dash: true },
    ],
  });
}

/**
 * Summary facts of a track.
 * @param {any} tr
 */
export function summaryBox(tr) {
  const s = gcSummary(tr);
  const fact = (/** @type {string} */ k, /** @type {string} */ label, /** @type {string} */ v, /** @type {string} */ hint = '') =>
    el('div', { class: 'stat', title: hint || undefined }, el('dt', { text: label }), el('dd', { 'data-k': k, text: v }));
  return el('dl', { class: 'stats' },
    fact('gcs', 'GCs', groupDigits(s.gcs), s.span ? `over ${formatSeconds(s.span)}` : ''),
    fact('forced', 'Forced', groupDigits(s.forced), 'GCs started by runtime.GC() or debug.FreeOSMemory()'),
    fact('peak', 'Peak heap', mb(s.peakMb)),
    fact('garbage', 'Avg. garbage share', pct(s.avgGarbage), 'Share of the heap each GC found dead: (before − live) / before'),
    fact('cpu', 'Avg. GC CPU', s.avgCpu === null ? '—' : cpu(s.avgCpu), 'CPU the GC used since the program started, averaged over GCs'),
    s.maxStwMs !== null ? fact('stw', 'Longest pause', ms(s.maxStwMs), 'Stop-the-world time: sweep termination + mark termination') : null);
}
