// @ts-check
// Series page (/s/<id>): snapshots of one process over time (uploaded
// together, or captured by the server every N seconds) for hunting leaks.
// The total over time, the growth table (what grew, how steadily, how much
// of the growth it explains, with sparklines), links to the diffs between
// snapshots, the capture's progress (refreshed every 2 s while it runs), and
// an attached GC trace with the snapshot times marked on it.
// View state (si, g, by, f, i, n) lives in the URL like the profile page's.

import * as api from '../api.js';
import { go, onChange, withChanges, current, serverQuery } from '../url-state.js';
import { el, replace, errorBox, notFoundCard } from '../ui/dom.js';
import { mountChart, BINARY_INCRS } from '../ui/chart.js';
import { toast, copyLink } from '../ui/toast.js';
import { actionDialog } from '../ui/dialog.js';
import { formatValue, formatDelta, formatTime, profileKind, groupDigits } from '../model/format.js';
import { sparkPath, withinNoise, pct, diffLinks, diffHref, focusFor, snapshotMarkers, formatSeconds, thinningText, thinningBands } from '../model/series.js';
import { latest, isAbort } from '../loader.js';
import { heapChart, summaryBox } from '../panes/gc.js';
import { memoryCard } from '../panes/memory.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const GRANULARITIES = [['functions', 'Functions'], ['files', 'Files'], ['lines', 'Lines'], ['stacks', 'Stacks']];
const REFRESH_MS = 2000;
const SPARK_W = 96, SPARK_H = 22;

/**
 * @param {HTMLElement} app
 * @param {string} id
 * @returns {() => void} unmount
 */
export function mountSeries(app, id) {
  const path = `s/${id}`;
  let st = current();
  /** @type {any} */
  let series = null;
  /** @type {any} */
  let growth = null;
  let dead = false;
  let timer = 0;
  /** @type {{update: (s: any) => void, destroy: () => void}|null} */
  let totalChart = null;
  /** @type {{destroy: () => void}|null} */
  let gcChart = null;
  let gcKey = '';
  let growthKey = '\u0000';
  const seriesLoad = latest(), growthLoad = latest(), gcLoad = latest();
  let gcTrack = 0;
  let gcPicked = false; // the user chose a track (else a group target's own is shown)

  /* ---- skeleton ---- */
  const title = el('h1', { class: 'title', text: '…' });
  const facts = el('dl', { class: 'facts' });
  const capture = el('div', { class: 'capture', hidden: true, 'aria-live': 'polite' });
  // a target of a capture group: the way back to the group's page
  const groupLine = el('p', { class: 'group-link small', hidden: true });
  const actions = el('div', { class: 'actions' });
  const head = el('section', { class: 'card page-head' }, el('div', { class: 'head-main' }, title, groupLine, facts, capture), actions);

  const siSel = el('select', { id: 'si', 'aria-label': 'Sample type' });
  const gSel = el('select', { id: 'g', 'aria-label': 'Granularity' }, ...GRANULARITIES.map(([v, l]) => el('option', { value: v, text: l })));
  const bySeg = el('span', { class: 'seg', role: 'radiogroup', 'aria-label': 'Growth of' });
  const fIn = el('input', { type: 'text', id: 'flt-f', name: 'f', placeholder: 'focus (regex)', 'aria-label': 'Focus (regex)', spellcheck: 'false', autocomplete: 'off' });
  const iIn = el('input', { type: 'text', id: 'flt-i', name: 'i', placeholder: 'ignore (regex)', 'aria-label': 'Ignore (regex)', spellcheck: 'false', autocomplete: 'off' });
  const filterForm = el('form', { class: 'series-filter' }, fIn, iIn,
    el('button', { type: 'submit', class: 'primary', text: 'Apply' }));
  const toolbar = el('div', { class: 'toolbar' },
    el('label', { class: 'field' }, el('span', { text: 'Sample' }), siSel),
    el('label', { class: 'field' }, el('span', { text: 'Granularity' }), gSel),
    el('span', { class: 'field' }, el('span', { text: 'By' }), bySeg),
    filterForm);

  const chartTitle = el('h2', { text: 'Total' });
  const chartHost = el('div', { class: 'chart-box', 'data-chart': 'total' });
  const thinNote = el('p', { class: 'thinned-note muted small', hidden: true, 'aria-live': 'polite' });
  const links = el('div', { class: 'diff-links' });
  const snaps = el('div', { class: 'snapshots' });
  const totals = el('section', { class: 'card' }, chartTitle, chartHost, thinNote, links, snaps);

  const growthHost = el('div', { class: 'growth-host' }, el('p', { class: 'muted loading', text: 'Loading…' }));
  const growthCard = el('section', { class: 'card growth-card' },
    el('div', { class: 'card-head' }, el('h2', { text: 'Growth' }),
      el('span', { class: 'muted small', text: 'first → last snapshot, biggest growth first · click a name for its diff' })),
    growthHost);

  const gcHost = el('section', { class: 'card gc-card', hidden: true });
  // runtime memory per snapshot and the hints (panes/memory.js)
  const memHost = el('div', { class: 'memory-host' });
  let memKey = '';

  replace(app, el('section', { class: 'page series-page' }, head, toolbar, totals, memHost, growthCard, gcHost));

  /* ---- controls ---- */
  siSel.addEventListener('change', () => go(path, withChanges(st, { si: siSel.value })));
  gSel.addEventListener('change', () => go(path, withChanges(st, { g: gSel.value === 'functions' ? '' : gSel.value })));
  filterForm.addEventListener('submit', e => {
    e.preventDefault();
    go(path, withChanges(st, { f: fIn.value.trim(), i: iIn.value.trim() }));
  });

  function syncControls() {
    const unit = growth?.sample?.type;
    if (series) {
      const types = (series.sample_types || []).map((/** @type {any} */ t) => t.type);
      if (siSel.options.length !== types.length) {
        replace(siSel, ...(series.sample_types || []).map((/** @type {any} */ t) => el('option', { value: t.type, text: `${t.type} (${t.unit})` })));
      }
      siSel.value = st.si || unit || series.default_sample_type || types[types.length - 1] || '';
    }
    gSel.value = st.g || 'functions';
    const by = st.by === 'cum' ? 'cum' : 'flat';
    replace(bySeg, ...[['flat', 'flat', 'what each one allocated itself'], ['cum', 'cum', 'including what its callees allocated']].map(([v, label, hint]) =>
      el('button', {
        type: 'button', role: 'radio', 'aria-checked': String(by === v), title: hint, text: label, 'data-by': v,
        onclick: () => go(path, withChanges(st, { by: v === 'flat' ? '' : v })),
      })));
    if (document.activeElement !== fIn) fIn.value = st.f || '';
    if (document.activeElement !== iIn) iIn.value = st.i || '';
  }

  /* ---- data ---- */
  async function loadSeries() {
    try {
      const s = await seriesLoad.run(signal => api.getSeries(id, signal));
      const fresh = !series || (series.profiles || []).length !== (s.profiles || []).length || series.gctrace !== s.gctrace ||
        series.gctrace_offset_s !== s.gctrace_offset_s;
      const grew = series && (series.profiles || []).length !== (s.profiles || []).length;
      series = s;
      renderHead();
      if (fresh && growth) renderChart(); // the thinned span may have come after the totals
      syncControls();
      renderLinks();
      if (grew) { growthKey = '\u0000'; loadGrowth(); } else if (fresh && growth) renderGrowth(); // its links need the snapshots
      renderGc(); // its own key: the trace, the snapshots, a token this browser gained
      renderMemory();
      schedule();
    } catch (e) {
      if (isAbort(e)) return;
      if (!series) {
        replace(app, notFoundCard(e, 'series') || el('section', { class: 'card' }, el('h1', { text: 'Series not available' }), errorBox(e), el('p', {}, el('a', { href: './', text: 'Home' }))));
        dead = true;
        return;
      }
      schedule();
    }
  }

  function schedule() {
    clearTimeout(timer);
    if (dead || series?.capture?.state !== 'running') return;
    timer = window.setTimeout(loadSeries, REFRESH_MS);
  }

  async function loadGrowth() {
    const q = growthQuery();
    if (q === growthKey) return;
    growthKey = q;
    growthHost.classList.add('loading-fade');
    try {
      growth = await growthLoad.run(signal => api.getGrowth(id, q, signal));
      growthHost.dataset.query = q;
      syncControls();
      renderChart();
      renderGrowth();
      renderLinks();
    } catch (e) {
      if (isAbort(e)) return;
      growthKey = '\u0000';
      replace(growthHost, errorBox(e));
    }
    growthHost.classList.remove('loading-fade');
  }

  function growthQuery() {
    const p = new URLSearchParams(serverQuery({ si: st.si || '', g: st.g || '', f: st.f || '', i: st.i || '', h: st.h || '', n: st.n || '' }));
    if (st.by === 'cum') p.set('by', 'cum');
    const s = p.toString();
    return s ? `?${s}` : '';
  }

  /* ---- header and capture ---- */
  function renderHead() {
    const s = series;
    const profiles = s.profiles || [];
    const kind = profileKind({ sample_types: s.sample_types?.length ? s.sample_types : [{ type: s.kind || '', unit: '' }] });
    document.title = `${s.name || id} · series · Hearth`;
    title.textContent = s.name || id;
    title.title = s.name || id;
    const last = profiles[profiles.length - 1];
    const first = profiles[0];
    const f = (/** @type {string} */ k, /** @type {string} */ label, /** @type {string} */ v) =>
      v ? el('div', { class: 'fact' }, el('dt', { text: label }), el('dd', { 'data-k': k, text: v })) : null;
    replace(facts,
      f('kind', 'Kind', `${kind} series`),
      f('count', 'Snapshots', groupDigits(profiles.length)),
      f('span', 'Span', last && Number(last.t) > 0 ? formatSeconds(Number(last.t)) : ''),
      f('first', 'First', first?.time_nanos ? formatTime(Math.floor(first.time_nanos / 1e6)) : ''),
      f('thinned', 'Thinned', s.thinning?.removed ? `${groupDigits(Number(s.thinning.removed))} snapshots` : ''),
      f('created', 'Created', formatTime(s.created)),
      f('source', 'Source', s.source_url || ''));

    const grp = s.group;
    groupLine.hidden = !grp?.id;
    if (grp?.id) {
      replace(groupLine, 'Part of capture group ',
        el('a', { href: `c/${encodeURIComponent(grp.id)}`, text: grp.name || grp.id }),
        grp.target ? ` (target ${grp.target})` : '');
    }

    const token = api.deleteToken(id);
    const c = s.capture;
    capture.hidden = !c;
    if (c) {
      const state = String(c.state || 'unknown');
      const count = Number(c.count) || 0, taken = Number(c.taken) || 0;
      const bar = el('progress', { max: String(Math.max(1, count)), value: String(Math.min(taken, count || taken)) });
      const bits = [
        `${groupDigits(taken)} of ${groupDigits(count)} taken`,
        c.interval_s ? `every ${formatSeconds(Number(c.interval_s))}` : '',
        c.gc ? 'GC before each heap snapshot' : '',
        Number(c.failed) ? `${groupDigits(Number(c.failed))} failed` : '',
        Number(c.restarts) ? `restarted ${groupDigits(Number(c.restarts))}×` : '',
        state === 'running' && c.next_at ? `next ${nextIn(Number(c.next_at))}` : '',
      ].filter(Boolean);
      replace(capture,
        el('span', { class: `state state-${state.replace(/[^a-z]/g, '')}`, 'data-state': state, text: state }),
        bar,
        el('span', { class: 'capture-facts', text: bits.join(' · ') }),
        c.url && c.url !== s.source_url ? el('span', { class: 'muted small capture-url', text: `from ${c.url}` }) : null,
        c.last_error ? el('div', { class: 'error small capture-error', title: 'last error', text: `Last error: ${c.last_error}` }) : null);
      capture.dataset.state = state;
    }
    renderThinning();
    replace(actions,
      c && c.state === 'running' ? el('button', {
        type: 'button', class: 'danger stop-btn', text: token ? 'Stop capture' : 'Stop capture…', onclick: stop,
        title: token ? 'Stop the capture (this browser holds its token)' : 'Stop the capture with the series’ delete token',
      }) : null,
      el('button', { type: 'button', text: 'Copy link', onclick: () => copyLink() }));
  }

  /**
   * The honest account of thinning: how many snapshots went, the policy that
   * removed them and before when; the chart shades the thinned span.
   */
  function renderThinning() {
    const th = series?.thinning;
    const text = thinningText(th);
    thinNote.hidden = !text && !th?.policy;
    if (!th) { replace(thinNote); return; }
    const pol = th.policy;
    replace(thinNote,
      text ? el('span', { class: 'swatch-band', 'aria-hidden': 'true' }) : null,
      text || '',
      pol ? el('span', { class: 'thin-policy', text: `${text ? ' · ' : ''}Thinning on: every snapshot of the last ${formatSeconds(Number(pol.keep_s))} before the newest, one per ${formatSeconds(Number(pol.every_s))} before, the first, the last and the peak always kept.` })
        : el('span', { class: 'thin-policy', text: ' · Thinning is off now.' }));
    thinNote.dataset.removed = String(th.removed || 0);
  }

  /** @param {number} at ms since the epoch */
  function nextIn(at) {
    const s = Math.round((at - Date.now()) / 1000);
    return s > 0 ? `in ${s} s` : 'now';
  }

  async function stop() {
    const token = api.deleteToken(id);
    const ok = await actionDialog({
      title: 'Stop this capture?',
      text: ['The snapshots taken so far stay in the series.',
        ...(token ? [] : ['This browser does not hold the series’ delete token: paste the token given when the capture started.'])],
      yes: 'Stop',
      askToken: !token,
      run: async t => {
        await api.stopCapture(id, t || token);
        if (t) api.rememberToken(id, t); // the server took it: Attach works here now too
      },
    });
    if (ok) toast('Capture stopped');
    loadSeries();
  }


  /* ---- total chart ---- */
  function renderChart() {
    const g = growth;
    const type = g?.sample?.type || st.si || '';
    const unit = g?.sample?.unit || '';
    const ys = g?.totals?.[type];
    chartTitle.textContent = type ? `Total ${type} over time` : 'Total over time';
    const x = Array.isArray(g?.times) ? g.times : (series?.profiles || []).map((/** @type {any} */ p) => Number(p.t) || 0);
    if (!Array.isArray(ys) || !ys.length) {
      totalChart?.destroy();
      totalChart = null;
      replace(chartHost, el('p', { class: 'muted', text: 'No totals for this sample type.' }));
      return;
    }
    const spec = {
      label: `Total ${type} per snapshot`, x, xLabel: 'time',
      bands: thinningBands(series?.thinning),
      fmtX: formatSeconds, fmtY: (/** @type {number} */ v) => formatValue(v, unit), height: 220,
      yIncrs: /^(b|bytes?)$/i.test(unit) ? BINARY_INCRS : undefined,
      series: [{ label: type, values: ys, color: '--chart-1', fill: true, points: true }],
    };
    if (totalChart) totalChart.update(spec);
    else totalChart = mountChart(chartHost, spec);
  }

  /* ---- diff links and snapshots ---- */
  function renderLinks() {
    const profiles = series?.profiles || [];
    const extra = { si: growth?.sample?.type || st.si || '' };
    const all = diffLinks(profiles, extra);
    if (!all.length) { replace(links); replace(snaps); return; }
    const [whole, ...pairs] = all;
    const pairEls = pairs.map(l => el('a', { class: 'diff-link', href: l.href, 'data-from': String(l.from), 'data-to': String(l.to), text: l.label }));
    replace(links,
      el('span', { class: 'muted', text: 'Diffs:' }),
      el('a', { class: 'button diff-link first-last', href: whole.href, 'data-from': String(whole.from), 'data-to': String(whole.to), text: whole.label }),
      pairs.length <= 12 ? el('span', { class: 'pairs' }, ...pairEls)
        : el('details', { class: 'pairs' }, el('summary', { text: `${pairs.length} consecutive pairs` }), ...pairEls));
    const shown = profiles.slice(0, 60);
    replace(snaps,
      el('span', { class: 'muted', text: 'Snapshots:' }),
      ...shown.map((/** @type {any} */ p, /** @type {number} */ k) => el('a', {
        class: 'snap', href: `p/${encodeURIComponent(p.id)}${extra.si ? `?si=${encodeURIComponent(extra.si)}` : ''}`,
        title: [p.name, p.time_nanos ? formatTime(Math.floor(p.time_nanos / 1e6)) : ''].filter(Boolean).join(' · '),
      }, el('span', { class: 'snap-n', text: `#${k + 1}` }), ` ${formatSeconds(Number(p.t) || 0)}`)),
      profiles.length > shown.length ? el('span', { class: 'muted', text: `… ${profiles.length - shown.length} more` }) : null);
  }

  /* ---- growth table ---- */
  function renderGrowth() {
    const g = growth;
    const unit = g?.sample?.unit || '';
    const rows = Array.isArray(g?.rows) ? g.rows : [];
    const profiles = series?.profiles || [];
    const first = profiles[0], last = profiles[profiles.length - 1];
    const gran = g?.granularity || st.g || 'functions';
    const anyErr = rows.some((/** @type {any} */ r) => Number(r.err) > 0);
    const head = el('tr', {}, ...[
      ['name', 'name'], ['trend', 'trend'], ['num', 'first'], ['num', 'last'], ['num', 'Δ'], ['num', 'per min'], ['num', 'steady'], ['num', 'share'],
    ].map(([cls, t]) => el('th', { scope: 'col', class: cls, text: t })));
    const body = el('tbody');
    for (const r of rows) {
      const delta = Number(r.delta) || 0;
      const err = Number(r.err) || 0;
      const noise = r.noise === true || (r.noise === undefined && withinNoise(delta, err));
      const sign = noise ? 'noise' : delta > 0 ? 'grow' : delta < 0 ? 'shrink' : '';
      const name = String(r.name ?? '');
      const href = first && last ? diffHref(last.id, first.id, {
        si: g?.sample?.type || '', g: gran === 'files' || gran === 'lines' ? gran : '', f: focusFor(name, gran),
      }) : '';
      const deltaCell = el('td', { class: `num delta ${sign}`.trim(), 'data-v': String(delta), title: noise ? 'within sampling noise' : undefined },
        formatDelta(delta, unit),
        err > 0 ? el('span', { class: 'err', text: ` ±${formatValue(err, unit)}` }) : null);
      const slope = Number(r.slope);
      body.append(el('tr', { class: noise ? 'noise-row' : undefined },
        el('td', { class: 'name' }, breakable(href ? el('a', { class: 'fn', href, title: 'Open the first → last diff focused on this' }) : el('span'), name || '(unnamed)')),
        el('td', { class: 'trend' }, spark(r.values || [], sign)),
        el('td', { class: 'num', 'data-v': String(r.first) }, formatValue(Number(r.first) || 0, unit)),
        el('td', { class: 'num', 'data-v': String(r.last) }, formatValue(Number(r.last) || 0, unit)),
        deltaCell,
        el('td', { class: 'num', 'data-v': String(slope) }, Number.isFinite(slope) ? `${formatDelta(slope * 60, unit)}/min` : '—'),
        el('td', { class: 'num', 'data-v': String(r.steadiness), title: r.r2 != null ? `R² of a straight line: ${Number(r.r2).toFixed(2)}` : undefined }, pct(Number(r.steadiness))),
        el('td', { class: 'num', 'data-v': String(r.share) }, pct(Number(r.share)))));
    }
    const foot = el('div', { class: 'top-foot' },
      rows.length ? el('span', { class: 'muted', text: `${rows.length} rows` }) : el('span', { class: 'notice', text: 'Nothing grew or shrank with these options.' }),
      g?.total_delta != null ? el('span', { class: 'muted', text: `total change ${formatDelta(Number(g.total_delta), unit)}` }) : null,
      anyErr ? el('span', { class: 'legend' }, el('span', { class: 'swatch noise' }), 'within sampling noise (|Δ| < 2 × standard error)') : null,
      g?.more ? el('button', {
        type: 'button', class: 'more', text: typeof g.more === 'number' ? `Show more (${groupDigits(g.more)} not shown)` : 'Show more',
        onclick: () => go(path, withChanges(st, { n: String(Math.min(10000, (Number(st.n) || 100) * 2)) })),
      }) : null);
    replace(growthHost, el('div', { class: 'table-wrap' }, el('table', { class: 'top-table growth-table' }, el('thead', {}, head), body)), foot);
  }

  /**
   * Put a name into an element as text, with line-break chances after the
   * frame separators of a stack ("a;b;c").
   * @param {HTMLElement} e @param {string} name
   */
  function breakable(e, name) {
    const parts = name.split(';');
    parts.forEach((p, k) => {
      e.append(k < parts.length - 1 ? `${p};` : p);
      if (k < parts.length - 1) e.append(el('wbr'));
    });
    return e;
  }

  /**
   * A sparkline of one row's values.
   * @param {any[]} values @param {string} sign
   */
  function spark(values, sign) {
    const svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('viewBox', `0 0 ${SPARK_W} ${SPARK_H}`);
    svg.setAttribute('width', String(SPARK_W));
    svg.setAttribute('height', String(SPARK_H));
    svg.setAttribute('class', `spark ${sign}`.trim());
    svg.setAttribute('aria-hidden', 'true');
    const p = document.createElementNS(SVG_NS, 'path');
    p.setAttribute('d', sparkPath(values, SPARK_W, SPARK_H, 2.5, Array.isArray(growth?.times) ? growth.times : undefined));
    svg.append(p);
    return svg;
  }

  /* ---- runtime memory ---- */
  function renderMemory() {
    const key = JSON.stringify([series?.memory, series?.hints, (series?.profiles || []).map((/** @type {any} */ p) => p.t)]);
    if (key === memKey) return;
    memKey = key;
    replace(memHost, memoryCard(series));
  }

  /* ---- GC trace ---- */
  function renderGc() {
    const s = series;
    const token = api.deleteToken(id);
    const key = `${s.gctrace || ''}|${s.gctrace_offset_s ?? ''}|${(s.profiles || []).length}|${token ? 1 : 0}`;
    if (key === gcKey) return;
    gcKey = key;
    gcLoad.abort();
    gcChart?.destroy();
    gcChart = null;
    gcHost.hidden = false;
    // without the series' token here, the form asks for it (folded: most viewers only look)
    const form = attachForm(!!s.gctrace || !token, token);
    if (!s.gctrace) {
      replace(gcHost, el('h2', { text: 'GC trace' }),
        el('p', { class: 'muted small', text: 'Attach the GODEBUG=gctrace=1 log of the same process to see its heap next to the snapshots.' }), form);
      return;
    }
    const chartBox = el('div', { class: 'chart-box', 'data-chart': 'gc-heap' });
    const status = el('div', { class: 'gc-status' }, el('p', { class: 'muted', text: 'Loading the GC trace…' }));
    replace(gcHost,
      el('div', { class: 'card-head' }, el('h2', { text: 'GC trace' }),
        el('a', { href: `g/${encodeURIComponent(s.gctrace)}`, class: 'small', text: 'Open the whole trace' })),
      status, chartBox, form);
    gcLoad.run(signal => api.getGctrace(s.gctrace, signal)).then(g => {
      const tracks = g.trace?.tracks || [];
      if (!tracks.length) { replace(status, el('p', { class: 'notice', text: 'The trace holds no GC lines.' })); return; }
      // a target of a capture group: its own track of the group's shared log (a label's last
      // track: a process restarted under the same name is its newest), unless one was picked
      const own = s.group?.track ? tracks.map((/** @type {any} */ t) => t.label).lastIndexOf(s.group.track) : -1;
      if (own >= 0 && !gcPicked) gcTrack = own;
      const markers = snapshotMarkers(s.profiles || [], s.gctrace_offset_s);
      const draw = () => {
        gcChart?.destroy();
        const tr = tracks[Math.min(gcTrack, tracks.length - 1)];
        gcChart = heapChart(chartBox, tr, {
          markers, markerLabels: markers ? markers.map((_, k) => `#${k + 1}`) : undefined, height: 240,
          label: 'Heap size at each GC with the snapshot times',
        });
        sumHost.replaceChildren(summaryBox(tr));
      };
      const sumHost = el('div', {});
      const pick = tracks.length > 1 ? el('label', { class: 'field' }, el('span', { text: 'Process' }),
        el('select', {
          'aria-label': 'Process', onchange: (/** @type {Event} */ e) => { gcTrack = Number(/** @type {HTMLSelectElement} */ (e.target).value) || 0; gcPicked = true; draw(); },
        }, ...tracks.map((/** @type {any} */ t, /** @type {number} */ k) => el('option', { value: String(k), text: `${k + 1} of ${tracks.length}${t.label ? ` [${t.label}]` : ''}${k === own ? ' (this target)' : ''}`, selected: k === gcTrack })))) : null;
      replace(status,
        pick,
        markers ? el('p', { class: 'muted small', text: 'Dashed lines: the snapshots (#1 is the first).' })
          : el('p', { class: 'notice gc-unaligned', text: 'The snapshot times could not be aligned with this GC trace, so they are not marked: times could not be aligned.' }),
        sumHost);
      draw();
    }).catch(e => {
      if (isAbort(e)) return;
      replace(status, errorBox(e));
    });
  }

  /**
   * Paste or upload a gctrace log, store it, and attach it to this series
   * with the series' token: this browser's, else one the user pastes.
   * @param {boolean} folded the form starts folded (one is attached already, or no token here)
   * @param {string} token the series' token this browser holds, or ''
   */
  function attachForm(folded, token) {
    const text = el('textarea', { name: 'log', rows: '5', spellcheck: 'false', placeholder: 'gc 1 @0.011s 2%: 0.010+0.5+0.003 ms clock, … 4->4->0 MB, 5 MB goal, … 8 P', 'aria-label': 'GC trace log' });
    const file = el('input', { type: 'file', id: 'gc-attach-file', class: 'visually-hidden', accept: '.log,.txt,text/plain' });
    const fileName = el('span', { class: 'muted small' });
    const start = el('input', { type: 'text', name: 'start', class: 'start', placeholder: 'YYYY-MM-DD HH:MM:SS', 'aria-label': 'Process start time (UTC), optional' });
    const msg = el('p', { class: 'fetch-status', 'aria-live': 'polite' });
    const btn = el('button', { type: 'submit', class: 'primary', text: 'Attach' });
    const tokenIn = token ? null : el('input', {
      type: 'password', name: 'token', class: 'token-input', autocomplete: 'off', spellcheck: 'false',
      'aria-label': 'The series’ delete token', placeholder: 'given when the series was made',
    });
    file.addEventListener('change', () => { fileName.textContent = file.files?.[0]?.name || ''; });
    const form = el('form', { class: 'gc-form attach-form' },
      text,
      el('div', { class: 'row' },
        el('label', { class: 'button', for: 'gc-attach-file', text: 'Choose a log file…' }), file, fileName,
        el('label', { class: 'inline' }, el('span', { text: 'Process started (UTC, optional)' }), start),
        tokenIn ? el('label', { class: 'inline' }, el('span', { text: 'The series’ delete token' }), tokenIn) : null,
        btn),
      msg);
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const f = file.files?.[0];
      const body = f || text.value;
      if (!f && !text.value.trim()) { msg.className = 'fetch-status error'; msg.textContent = 'Paste a log or choose a file.'; return; }
      const tok = token || tokenIn?.value.trim() || '';
      if (!tok) { msg.className = 'fetch-status error'; msg.textContent = 'Paste the series’ delete token: this browser does not hold it.'; return; }
      let startMs;
      if (start.value.trim()) {
        startMs = Date.parse(start.value.trim().replace(' ', 'T').replace(/(Z| UTC)?$/, 'Z'));
        if (!Number.isFinite(startMs)) { msg.className = 'fetch-status error'; msg.textContent = 'The start time is not a date (YYYY-MM-DD HH:MM:SS, UTC).'; return; }
      }
      btn.disabled = true;
      msg.className = 'fetch-status';
      msg.textContent = 'Storing the log…';
      try {
        const g = await api.uploadGctrace(body, f?.name || `${series?.name || id} gctrace`);
        msg.textContent = 'Attaching…';
        await api.attachGctrace(id, g.id, startMs, tok);
        if (!token) api.rememberToken(id, tok); // the server took it
        toast('GC trace attached');
        gcKey = '';
        await loadSeries();
      } catch (err) {
        msg.className = 'fetch-status error';
        msg.textContent = err instanceof Error ? err.message : String(err);
      } finally {
        btn.disabled = false;
      }
    });
    if (!folded) return form;
    return el('details', { class: 'attach-other' },
      el('summary', { text: series?.gctrace ? 'Attach a different GC trace' : 'Attach a GC trace…' }), form);
  }

  /* ---- state ---- */
  /** @param {import('../url-state.js').State} next */
  function update(next) {
    st = next;
    syncControls();
    loadGrowth();
  }
  const off = onChange(s => update(s));
  syncControls();
  loadSeries();
  loadGrowth();

  return () => {
    dead = true;
    off();
    clearTimeout(timer);
    for (const l of [seriesLoad, growthLoad, gcLoad]) l.abort();
    totalChart?.destroy();
    gcChart?.destroy();
  };
}

