// @ts-check
// Capture group page (/c/<id>): several processes (targets) captured on one
// schedule, side by side. One chart of every target's total on the shared
// time axis (step k of every target is taken at the same moment), then one
// column per target: its capture's progress, its runtime memory breakdown
// and hints (the series' "memory" and "hints", embedded in the group's
// answer; the bars on the same time axis as the totals chart), its growth
// ranking (the series' own, GET /api/series/<id>/growth) and the heap chart
// of the gctrace track matched to it. A shared gctrace log (one stderr, lines
// prefixed "[name] ") is split into tracks by its labels; the user matches
// tracks to targets (the server matches equal names by default).
// View state: si (the sample type) in the URL, as on the series page.

import * as api from '../api.js';
import { go, onChange, withChanges, current } from '../url-state.js';
import { el, replace, errorBox, notFoundCard } from '../ui/dom.js';
import { mountChart, BINARY_INCRS } from '../ui/chart.js';
import { toast, copyLink } from '../ui/toast.js';
import { actionDialog } from '../ui/dialog.js';
import { formatValue, formatDelta, groupDigits } from '../model/format.js';
import { sparkPath, withinNoise, pct, snapshotMarkers, formatSeconds, diffHref, focusFor } from '../model/series.js';
import { latest, isAbort } from '../loader.js';
import { heapChart } from '../panes/gc.js';
import { alignTotals, stepOf } from '../model/group.js';
import { memoryCard } from '../panes/memory.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const REFRESH_MS = 2000;
const GROWTH_ROWS = 8;
// the lines of the targets, in order (the column swatches: .target-c0 ... in app.css)
const COLORS = ['--chart-1', '--chart-3', '--chart-6', '--chart-2', '--chart-5', '--chart-4', '#b45309', '#15803d'];

/**
 * @param {HTMLElement} app
 * @param {string} id
 * @returns {() => void} unmount
 */
export function mountGroup(app, id) {
  const path = `c/${id}`;
  let st = current();
  /** @type {any} */
  let group = null;
  /** @type {(any|null)[]} */
  let growths = [];
  let growthKey = '\u0000';
  let dead = false;
  let timer = 0;
  /** @type {{update: (s: any) => void, destroy: () => void}|null} */
  let totalChart = null;
  /** @type {{destroy: () => void}[]} */
  let gcCharts = [];
  let gcKey = '';
  /** @type {any} */
  let trace = null;
  const groupLoad = latest(), growthLoad = latest(), gcLoad = latest();

  /* ---- skeleton ---- */
  const title = el('h1', { class: 'title', text: '…' });
  const facts = el('dl', { class: 'facts' });
  const actions = el('div', { class: 'actions' });
  const head = el('section', { class: 'card page-head' }, el('div', { class: 'head-main' }, title, facts), actions);
  const siSel = el('select', { id: 'si', 'aria-label': 'Sample type' });
  const toolbar = el('div', { class: 'toolbar' }, el('label', { class: 'field' }, el('span', { text: 'Sample' }), siSel));
  const chartTitle = el('h2', { text: 'Total per target' });
  const chartHost = el('div', { class: 'chart-box', 'data-chart': 'group-total' });
  const totals = el('section', { class: 'card' }, chartTitle,
    el('p', { class: 'muted small', text: 'Every target’s total at each step of the shared schedule (step k of every target is taken at the same moment).' }),
    chartHost);
  const grid = el('div', { class: 'targets-grid' });
  const gcHost = el('section', { class: 'card gc-card group-gc' });
  replace(app, el('section', { class: 'page group-page' }, head, toolbar, totals, grid, gcHost));

  siSel.addEventListener('change', () => go(path, withChanges(st, { si: siSel.value })));

  /* ---- data ---- */
  async function loadGroup() {
    try {
      const g = await groupLoad.run(signal => api.getCaptureGroup(id, signal));
      // what the columns show: the snapshots, and each one's runtime statistics (recorded just after it)
      const counts = (/** @type {any} */ x) => (x?.targets || []).map((/** @type {any} */ t) =>
        `${t.series?.count ?? -1}:${(t.series?.memory || []).map((/** @type {any} */ m) => (typeof m.sys === 'number' ? 's' : m.error ? 'e' : 'n')).join('')}:${(t.series?.hints || []).length}`).join(',');
      const grew = !group || counts(group) !== counts(g);
      const gcChanged = !group || group.gctrace !== g.gctrace ||
        (group.targets || []).map((/** @type {any} */ t) => `${t.track}|${t.series?.gctrace_offset_s}`).join() !==
        (g.targets || []).map((/** @type {any} */ t) => `${t.track}|${t.series?.gctrace_offset_s}`).join();
      group = g;
      renderHead();
      syncControls();
      if (grew) { growthKey = '\u0000'; renderColumns(); loadGrowth(); }
      if (grew || gcChanged) renderGc();
      schedule();
    } catch (e) {
      if (isAbort(e)) return;
      if (!group) {
        replace(app, notFoundCard(e, 'capture group') || el('section', { class: 'card' }, el('h1', { text: 'Capture group not available' }), errorBox(e), el('p', {}, el('a', { href: './', text: 'Home' }))));
        dead = true;
        return;
      }
      schedule();
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (dead || group?.state !== 'running') return;
    timer = window.setTimeout(loadGroup, REFRESH_MS);
  }

  function sampleType() {
    const first = (group?.targets || []).find((/** @type {any} */ t) => t.series)?.series;
    const types = (first?.sample_types || []).map((/** @type {any} */ t) => t.type);
    return st.si && types.includes(st.si) ? st.si : first?.kind || types[types.length - 1] || '';
  }

  function syncControls() {
    const first = (group?.targets || []).find((/** @type {any} */ t) => t.series)?.series;
    const types = first?.sample_types || [];
    if (siSel.options.length !== types.length) {
      replace(siSel, ...types.map((/** @type {any} */ t) => el('option', { value: t.type, text: `${t.type} (${t.unit})` })));
    }
    siSel.value = sampleType();
  }

  async function loadGrowth() {
    const si = sampleType();
    const targets = group?.targets || [];
    const q = `?si=${encodeURIComponent(si)}&n=${GROWTH_ROWS}`;
    const key = `${q}|${targets.map((/** @type {any} */ t) => `${t.series_id}:${t.series?.count}`).join()}`;
    if (key === growthKey) return;
    growthKey = key;
    try {
      growths = await growthLoad.run(signal => Promise.all(targets.map((/** @type {any} */ t) =>
        t.series && t.series.count ? api.getGrowth(t.series_id, q, signal).catch(e => { if (isAbort(e)) throw e; return { error: e }; }) : Promise.resolve(null))));
      renderChart();
      renderColumns();
    } catch (e) {
      if (isAbort(e)) return;
      growthKey = '\u0000';
      replace(chartHost, errorBox(e));
    }
  }

  /* ---- header ---- */
  function renderHead() {
    const g = group;
    const targets = g.targets || [];
    document.title = `${g.name || id} · capture group · Hearth`;
    title.textContent = g.name || id;
    const steps = Math.max(0, ...targets.map((/** @type {any} */ t) => Number(t.series?.capture?.taken || 0) + Number(t.series?.capture?.failed || 0)));
    const f = (/** @type {string} */ k, /** @type {string} */ label, /** @type {string} */ v) =>
      el('div', { class: 'fact' }, el('dt', { text: label }), el('dd', { 'data-k': k, text: v }));
    replace(facts,
      f('state', 'State', String(g.state)),
      f('targets', 'Targets', targets.map((/** @type {any} */ t) => t.name).join(', ')),
      f('steps', 'Steps', `${groupDigits(steps)} of ${groupDigits(Number(g.count) || 0)}`),
      f('interval', 'Every', formatSeconds(Number(g.interval_s) || 0)),
      g.gc ? f('gc', 'GC', 'before each heap snapshot') : null);
    const token = api.deleteToken(id);
    replace(actions,
      g.state === 'running' ? el('button', {
        type: 'button', class: 'danger stop-btn', text: token ? 'Stop all targets' : 'Stop all targets…', onclick: stop,
        title: 'Stop every target’s capture (the snapshots taken stay)',
      }) : null,
      el('button', { type: 'button', text: 'Copy link', onclick: () => copyLink() }));
  }

  async function stop() {
    const token = api.deleteToken(id);
    const ok = await actionDialog({
      title: 'Stop every target of this group?',
      text: ['The snapshots taken so far stay in each target’s series.',
        ...(token ? [] : ['This browser does not hold the group’s delete token: paste the token given when the group started.'])],
      yes: 'Stop',
      askToken: !token,
      run: async t => {
        await api.stopCaptureGroup(id, t || token);
        if (t) api.rememberToken(id, t);
      },
    });
    if (ok) toast('Capture group stopped');
    loadGroup();
  }

  /* ---- the shared totals chart ---- */
  function renderChart() {
    const targets = group?.targets || [];
    const type = sampleType();
    const first = growths.find(g => g && !g.error);
    const unit = first?.sample?.unit || '';
    chartTitle.textContent = type ? `Total ${type} per target` : 'Total per target';
    const { x, values } = alignTotals(targets, growths.map(g => (g && !g.error ? g.totals?.[type] || null : null)), Number(group?.interval_s) || 1);
    if (!x.length) {
      totalChart?.destroy();
      totalChart = null;
      replace(chartHost, el('p', { class: 'muted', text: 'No totals yet.' }));
      return;
    }
    const spec = {
      label: `Total ${type} of each target per step`, x, xLabel: 'time since the first step',
      fmtX: formatSeconds, fmtY: (/** @type {number} */ v) => formatValue(v, unit), height: 260,
      yIncrs: /^(b|bytes?)$/i.test(unit) ? BINARY_INCRS : undefined,
      series: targets.map((/** @type {any} */ t, /** @type {number} */ i) => ({ label: t.name, values: values[i], color: COLORS[i % COLORS.length], points: true })),
    };
    if (totalChart) totalChart.update(spec);
    else totalChart = mountChart(chartHost, spec);
  }

  /* ---- one column per target ---- */
  function renderColumns() {
    const targets = group?.targets || [];
    grid.className = `targets-grid cols-${Math.min(targets.length, 4)}`;
    replace(grid, ...targets.map((/** @type {any} */ t, /** @type {number} */ i) => column(t, i)));
    gcKey = '';
    drawGc();
  }

  /** @param {any} t @param {number} i */
  function column(t, i) {
    const s = t.series;
    const g = growths[i];
    const head = el('div', { class: 'card-head' },
      el('h2', { class: 'target-name' }, el('span', { class: `swatch target-c${i % COLORS.length}` }), t.name),
      s ? el('a', { class: 'small', href: `s/${encodeURIComponent(t.series_id)}`, text: 'Open its series' }) : null);
    if (!s) {
      return el('section', { class: 'card target-col', 'data-target': t.name }, head, el('p', { class: 'notice', text: 'This target’s series was deleted.' }));
    }
    const c = s.capture || {};
    const state = String(c.state || '');
    const unit = g?.sample?.unit || '';
    const tot = g && !g.error ? g.totals?.[g.sample?.type] : null;
    const last = Array.isArray(tot) && tot.length ? Number(tot[tot.length - 1]) : null;
    const status = el('p', { class: 'target-status small' },
      el('span', { class: `state state-${state.replace(/[^a-z]/g, '')}`, 'data-state': state, text: state }),
      ` ${groupDigits(Number(c.taken) || 0)} taken`,
      Number(c.failed) ? el('span', { class: 'error', text: ` · ${groupDigits(Number(c.failed))} failed` }) : null,
      last !== null ? el('span', { class: 'target-total', 'data-v': String(last) }, ` · now ${formatValue(last, unit)}`) : null);
    const err = c.last_error ? el('p', { class: 'error small capture-error', text: `Last error: ${c.last_error}` }) : null;
    const gc = el('div', { class: 'target-gc', 'data-target': t.name });
    return el('section', { class: 'card target-col', 'data-target': t.name }, head, status, err,
      memory(s), el('h3', { text: 'Growth' }), growthTable(g, s), gc);
  }

  /** The time axis of the totals chart: the first and the last step of any target, in seconds. */
  function sharedAxis() {
    const interval = Number(group?.interval_s) || 1;
    const steps = (group?.targets || []).flatMap((/** @type {any} */ t) =>
      (t.series?.profiles || []).map((/** @type {any} */ p, /** @type {number} */ k) => stepOf(p, k)));
    return steps.length ? /** @type {[number, number]} */ ([(Math.min(...steps) - 1) * interval, (Math.max(...steps) - 1) * interval]) : undefined;
  }

  /** A target's runtime memory (its series' breakdown and hints), its bars on the shared axis. */
  function memory(/** @type {any} */ s) {
    const ps = s.profiles || [];
    const interval = Number(group?.interval_s) || 1;
    const card = memoryCard(s, {
      inline: true, width: 480, what: 'Step', domain: sharedAxis(),
      tOf: k => (stepOf(ps[k], k) - 1) * interval,
      labelOf: k => `#${stepOf(ps[k], k)}`,
    });
    return card || el('div', { class: 'memory-card memory-inline', 'data-pane': 'memory' },
      el('h3', { text: 'Runtime memory' }),
      el('p', { class: 'muted small memory-missing', text: ps.length ? 'No runtime statistics for this target’s snapshots (not a Go heap profile).' : 'No snapshot yet.' }));
  }

  /** @param {any} g @param {any} s */
  function growthTable(g, s) {
    if (!g) return el('p', { class: 'muted loading', text: 'Loading…' });
    if (g.error) return errorBox(g.error);
    const unit = g.sample?.unit || '';
    const rows = Array.isArray(g.rows) ? g.rows : [];
    if (!rows.length) return el('p', { class: 'notice', text: 'Nothing grew or shrank.' });
    const ps = s.profiles || [];
    const first = ps[0], last = ps[ps.length - 1];
    const body = el('tbody');
    for (const r of rows) {
      const delta = Number(r.delta) || 0;
      const noise = r.noise === true || (r.noise === undefined && withinNoise(delta, Number(r.err) || 0));
      const sign = noise ? 'noise' : delta > 0 ? 'grow' : delta < 0 ? 'shrink' : '';
      const name = String(r.name ?? '');
      const href = first && last ? diffHref(last.id, first.id, { si: g.sample?.type || '', f: focusFor(name, g.granularity || 'functions') }) : '';
      body.append(el('tr', { class: noise ? 'noise-row' : undefined },
        el('td', { class: 'name' }, href ? el('a', { class: 'fn', href, text: name, title: name }) : el('span', { text: name })),
        el('td', { class: 'trend' }, spark(r.values || [], sign)),
        el('td', { class: `num delta ${sign}`.trim(), 'data-v': String(delta) }, formatDelta(delta, unit)),
        el('td', { class: 'num', 'data-v': String(r.share) }, pct(Number(r.share)))));
    }
    return el('div', { class: 'table-wrap' }, el('table', { class: 'top-table growth-table' },
      el('thead', {}, el('tr', {}, ...[['name', 'name'], ['trend', 'trend'], ['num', 'Δ'], ['num', 'share']].map(([cls, t]) => el('th', { scope: 'col', class: cls, text: t })))),
      body));
  }

  /** @param {any[]} values @param {string} sign */
  function spark(values, sign) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', '0 0 56 20');
    svg.setAttribute('width', '56');
    svg.setAttribute('height', '20');
    svg.setAttribute('class', `spark ${sign}`.trim());
    svg.setAttribute('aria-hidden', 'true');
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', sparkPath(values, 56, 20, 2.5));
    svg.append(p);
    return svg;
  }

  /* ---- the shared GC trace ---- */
  function renderGc() {
    const g = group;
    gcLoad.abort();
    trace = null;
    if (!g.gctrace) {
      replace(gcHost, el('h2', { text: 'GC trace' }),
        el('p', { class: 'muted small', text: 'Attach the GODEBUG=gctrace=1 log of the targets: one stderr with each line prefixed by its target’s name ("[source] gc 1 @0.01s …") is split into tracks, matched to the targets by name.' }),
        attachForm());
      gcKey = '';
      drawGc();
      return;
    }
    replace(gcHost, el('div', { class: 'card-head' }, el('h2', { text: 'GC trace tracks' }),
      el('a', { class: 'small', href: `g/${encodeURIComponent(g.gctrace)}`, text: 'Open the whole trace' })),
    el('p', { class: 'muted', text: 'Loading the GC trace…' }));
    gcLoad.run(signal => api.getGctrace(g.gctrace, signal)).then(tr => {
      trace = tr.trace || { tracks: [] };
      replace(gcHost, el('div', { class: 'card-head' }, el('h2', { text: 'GC trace tracks' }),
        el('a', { class: 'small', href: `g/${encodeURIComponent(g.gctrace)}`, text: 'Open the whole trace' })),
      matchForm(), el('details', { class: 'attach-other' }, el('summary', { text: 'Attach a different GC trace' }), attachForm()));
      gcKey = '';
      drawGc();
    }).catch(e => {
      if (isAbort(e)) return;
      replace(gcHost, el('h2', { text: 'GC trace tracks' }), errorBox(e));
    });
  }

  /** The labels of the log's tracks, in order, once each. */
  function labels() {
    const out = [];
    for (const t of trace?.tracks || []) if (t.label && !out.includes(t.label)) out.push(t.label);
    return out;
  }

  /** Each target's heap chart, from its matched track, with its snapshots marked. */
  function drawGc() {
    const targets = group?.targets || [];
    const key = `${trace ? group.gctrace : ''}|${targets.map((/** @type {any} */ t) => `${t.track}|${t.series?.gctrace_offset_s}|${t.series?.count}`).join()}|${grid.childElementCount}`;
    if (key === gcKey) return;
    gcKey = key;
    for (const c of gcCharts) c.destroy();
    gcCharts = [];
    targets.forEach((/** @type {any} */ t) => {
      const host = /** @type {HTMLElement|null} */ (grid.querySelector(`.target-gc[data-target="${CSS.escape(t.name)}"]`));
      if (!host) return;
      if (!trace) { replace(host); return; }
      // a label's last track: a process restarted under the same name is its newest one
      const tracks = (trace.tracks || []).filter((/** @type {any} */ x) => t.track && x.label === t.track);
      const tr = tracks[tracks.length - 1];
      if (!tr) {
        replace(host, el('h3', { text: 'GC trace' }), el('p', { class: 'muted small', text: 'No track matched to this target.' }));
        return;
      }
      const markers = snapshotMarkers(t.series?.profiles || [], t.series?.gctrace_offset_s);
      const box = el('div', { class: 'chart-box', 'data-chart': 'gc-heap', 'data-track': t.track });
      replace(host, el('h3', {}, 'GC trace ', el('span', { class: 'muted small', text: `track [${t.track}] · ${groupDigits(Number(tr.gcs) || 0)} GCs` })), box,
        markers ? null : el('p', { class: 'muted small', text: 'The snapshot times could not be aligned with this track.' }));
      gcCharts.push(heapChart(box, tr, {
        markers, markerLabels: markers ? markers.map((_, k) => `#${k + 1}`) : undefined, height: 200,
        label: `Heap of ${t.name} at each GC with its snapshot times`,
      }));
    });
  }

  /** Match the log's tracks to the targets (one select per target). */
  function matchForm() {
    const targets = group?.targets || [];
    const opts = labels();
    const sels = targets.map((/** @type {any} */ t) => el('select', { 'aria-label': `Track of ${t.name}`, 'data-target': t.name },
      el('option', { value: '', text: '— none —' }),
      ...opts.map(l => el('option', { value: l, text: `[${l}]`, selected: l === t.track }))));
    const msg = el('p', { class: 'fetch-status', 'aria-live': 'polite' });
    const form = el('form', { class: 'match-form' },
      el('p', { class: 'muted small', text: opts.length
        ? `${groupDigits((trace?.tracks || []).length)} tracks (${opts.map(l => `[${l}]`).join(', ')}${(trace?.tracks || []).some((/** @type {any} */ x) => !x.label) ? ', and unlabelled ones' : ''}). Match one to each target:`
        : 'The log’s lines carry no "[name] " prefix, so its tracks cannot be told apart by name; open the whole trace to see them.' }),
      el('div', { class: 'row match-row' }, ...targets.map((/** @type {any} */ t, /** @type {number} */ i) => el('label', { class: 'inline' }, el('span', { text: t.name }), sels[i])),
        el('button', { type: 'submit', class: 'primary', text: 'Match' })),
      msg);
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const tracks = sels.map(s => s.value || null);
      const token = api.deleteToken(id);
      const ok = await actionDialog({
        title: 'Match the tracks to the targets?',
        text: ['Each target’s series gets the log, aligned by its own track’s forced GCs.',
          ...(token ? [] : ['Paste the group’s delete token: this browser does not hold it.'])],
        yes: 'Match', askToken: !token,
        run: async t => { await api.attachGroupGctrace(id, group.gctrace, tracks, t || token); if (t) api.rememberToken(id, t); },
      });
      if (ok) { toast('Tracks matched'); loadGroup(); }
    });
    return form;
  }

  /** Paste or upload a shared gctrace log and attach it to the group (tracks matched by name). */
  function attachForm() {
    const text = el('textarea', { name: 'log', rows: '4', spellcheck: 'false', placeholder: '[source] gc 1 @0.011s 2%: 0.010+0.5+0.003 ms clock, … 4->4->0 MB, 5 MB goal, … 8 P', 'aria-label': 'GC trace log' });
    const file = el('input', { type: 'file', id: 'group-gc-file', class: 'visually-hidden', accept: '.log,.txt,text/plain' });
    const fileName = el('span', { class: 'muted small' });
    const msg = el('p', { class: 'fetch-status', 'aria-live': 'polite' });
    const btn = el('button', { type: 'submit', class: 'primary', text: 'Attach' });
    file.addEventListener('change', () => { fileName.textContent = file.files?.[0]?.name || ''; });
    const form = el('form', { class: 'gc-form attach-form' }, text,
      el('div', { class: 'row' }, el('label', { class: 'button', for: 'group-gc-file', text: 'Choose a log file…' }), file, fileName, btn), msg);
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const f = file.files?.[0];
      if (!f && !text.value.trim()) { msg.className = 'fetch-status error'; msg.textContent = 'Paste a log or choose a file.'; return; }
      const token = api.deleteToken(id);
      btn.disabled = true;
      try {
        const ok = await actionDialog({
          title: 'Attach this GC trace to the group?',
          text: ['Its tracks are matched to the targets by their "[name] " prefixes; you can change the matching afterwards.',
            ...(token ? [] : ['Paste the group’s delete token: this browser does not hold it.'])],
          yes: 'Attach', askToken: !token,
          run: async t => {
            const g = await api.uploadGctrace(f || text.value, f?.name || `${group?.name || id} gctrace`);
            await api.attachGroupGctrace(id, g.id, undefined, t || token);
            if (t) api.rememberToken(id, t);
          },
        });
        if (ok) { toast('GC trace attached'); loadGroup(); }
      } catch (err) {
        msg.className = 'fetch-status error';
        msg.textContent = err instanceof Error ? err.message : String(err);
      } finally {
        btn.disabled = false;
      }
    });
    return form;
  }

  const off = onChange(s => { st = s; syncControls(); loadGrowth(); });
  loadGroup();

  return () => {
    dead = true;
    off();
    clearTimeout(timer);
    for (const l of [groupLoad, growthLoad, gcLoad]) l.abort();
    totalChart?.destroy();
    for (const c of gcCharts) c.destroy();
  };
}
