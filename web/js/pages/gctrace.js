// @ts-check
// GC trace page (/g/<id>): a GODEBUG=gctrace=1 log as charts, one block per
// traced process ("track"; several processes writing to one stderr come
// back as several tracks): heap before/after/live and the goal, GC CPU,
// stop-the-world pauses, and a summary (panes/gc.js).

import * as api from '../api.js';
import { el, replace, errorBox, notFoundCard } from '../ui/dom.js';
import { mountChart } from '../ui/chart.js';
import { copyLink } from '../ui/toast.js';
import { formatTime, formatSize, groupDigits } from '../model/format.js';
import { formatSeconds } from '../model/series.js';
import { latest, isAbort } from '../loader.js';
import { heapChart, summaryBox, ms, cpu } from '../panes/gc.js';

/**
 * @param {HTMLElement} app
 * @param {string} id
 * @returns {() => void} unmount
 */
export function mountGctrace(app, id) {
  /** @type {{destroy: () => void}[]} */
  const charts = [];
  const load = latest();
  const title = el('h1', { class: 'title', text: '…' });
  const facts = el('dl', { class: 'facts' });
  const actions = el('div', { class: 'actions' },
    el('button', { type: 'button', text: 'Copy link', onclick: () => copyLink() }));
  const body = el('div', { class: 'gc-body' }, el('p', { class: 'muted loading', text: 'Loading the GC trace…' }));
  replace(app, el('section', { class: 'page gctrace-page' },
    el('section', { class: 'card page-head' }, el('div', { class: 'head-main' }, title, facts), actions),
    body));

  load.run(signal => api.getGctrace(id, signal)).then(g => {
    const trace = g.trace || {};
    const tracks = Array.isArray(trace.tracks) ? trace.tracks : [];
    document.title = `${g.name || id} · GC trace · Hearth`;
    title.textContent = g.name || id;
    title.title = g.name || id;
    const f = (/** @type {string} */ k, /** @type {string} */ label, /** @type {string} */ v) =>
      v ? el('div', { class: 'fact' }, el('dt', { text: label }), el('dd', { 'data-k': k, text: v })) : null;
    const gcs = tracks.reduce((/** @type {number} */ a, /** @type {any} */ t) => a + (Number(t.gcs) || 0), 0);
    replace(facts,
      f('kind', 'Kind', 'GC trace (GODEBUG=gctrace=1)'),
      f('created', 'Uploaded', formatTime(g.created)),
      f('gcs', 'GC lines', groupDigits(gcs)),
      f('lines', 'Lines', trace.lines != null ? groupDigits(trace.lines) : ''),
      f('skipped', 'Other lines skipped', trace.skipped ? groupDigits(trace.skipped) : ''),
      f('size', 'File', formatSize(g.size)),
      f('source', 'Source', g.source_url || ''));

    const blocks = [];
    if (trace.interleaved && tracks.length > 1) {
      blocks.push(el('div', { class: 'banner', role: 'status', 'data-k': 'interleaved' },
        el('strong', { text: `${tracks.length} processes were interleaved in this log; shown as ${tracks.length} tracks.` }),
        el('span', { class: 'muted', text: ' Each GC line was assigned to the process whose GC numbers and times it continues.' })));
    }
    if (!tracks.length) blocks.push(el('p', { class: 'notice', text: 'No GC lines in this log.' }));
    tracks.forEach((/** @type {any} */ tr, /** @type {number} */ k) => {
      const heap = el('div', { class: 'chart-box', 'data-chart': 'heap' });
      const cpuBox = el('div', { class: 'chart-box', 'data-chart': 'cpu' });
      const stw = el('div', { class: 'chart-box', 'data-chart': 'stw' });
      const procs = Array.isArray(tr.procs) && tr.procs.length ? tr.procs[tr.procs.length - 1] : 0;
      // a labelled track ("[name] gc 1 @..." lines) is named after its label
      const head = (tracks.length > 1 ? `Process ${k + 1}` : 'Process') + (tr.label ? ` [${tr.label}]` : '');
      blocks.push(el('section', { class: 'card track', 'data-track': String(k) },
        el('div', { class: 'track-head' },
          el('h2', { text: head }),
          el('span', { class: 'muted small', text: [
            `GC ${tr.gc?.[0] ?? '?'}–${tr.gc?.[tr.gc.length - 1] ?? '?'}`,
            tr.t?.length ? `${formatSeconds(tr.t[0])} – ${formatSeconds(tr.t[tr.t.length - 1])}` : '',
            procs ? `${procs} P` : '',
          ].filter(Boolean).join(' · ') })),
        summaryBox(tr),
        el('h3', { text: 'Heap (MB)' }), heap,
        el('div', { class: 'chart-pair' },
          el('div', {}, el('h3', { text: 'GC CPU (% since start)' }), cpuBox),
          el('div', {}, el('h3', { text: 'Stop-the-world pause (ms)' }), stw))));
      const sync = `gctrace-${k}`; // a track's three charts zoom together
      charts.push(heapChart(heap, tr, { label: `${head}: heap size at each GC (MB)`, sync }));
      charts.push(mountChart(cpuBox, {
        label: `${head}: GC CPU %`, x: tr.t || [], xLabel: 'time', fmtX: formatSeconds, fmtY: cpu, height: 180, sync,
        series: [{ label: 'GC CPU', values: tr.cpu_pct || [], color: '--chart-5', fill: true }],
      }));
      charts.push(mountChart(stw, {
        label: `${head}: stop-the-world pauses (ms)`, x: tr.t || [], xLabel: 'time', fmtX: formatSeconds, fmtY: ms, height: 180, sync,
        series: [{ label: 'STW pause', values: tr.stw_ms || [], color: '--chart-6' }],
      }));
    });
    replace(body, ...blocks);
    body.dataset.tracks = String(tracks.length);
  }).catch(e => {
    if (isAbort(e)) return;
    const gone = notFoundCard(e, 'GC trace');
    if (gone) { replace(app, gone); return; }
    title.textContent = 'GC trace not available';
    replace(body, errorBox(e), el('p', {}, el('a', { href: './', text: 'Home' })));
  });

  return () => {
    load.abort();
    for (const c of charts) c.destroy();
  };
}
