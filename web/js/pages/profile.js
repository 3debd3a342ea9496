// @ts-check
// Profile page (/p/<id>): header and actions, the view options (sample
// type, granularity, filters, search), the diff bar, and the three views.
// The URL is the only source of truth: controls call go() with a new state,
// and update() brings the page in line with whatever state the URL holds
// (also after back/forward, and for a link opened elsewhere).

import * as api from '../api.js';
import { go, onChange, withChanges, serverQuery, serverChanged, current } from '../url-state.js';
import { buildFlame, minFractionFor, matchNames, matchTotals } from '../model/flame.js';
import { topRows, joinDiff } from '../model/top.js';
import { compileSearch, exactRegex, addAlternative } from '../model/search.js';
import { formatValue, formatPercent, formatTime, formatDuration, formatSize, profileKind, groupDigits, formatDelta } from '../model/format.js';
import { el, replace, errorBox, typing } from '../ui/dom.js';
import { toast } from '../ui/toast.js';
import { confirmDialog, openDialog } from '../ui/dialog.js';
import { closeMenu, menuOpen } from '../ui/menu.js';
import { hideTip } from '../ui/tooltip.js';
import { FlameView } from './flame.js';
import { renderTop } from './top.js';
import { renderGraph, markSearch } from './graph.js';

const GRANULARITIES = [
  ['functions', 'Functions'], ['filefunctions', 'File:function'], ['files', 'Files'], ['lines', 'Lines'], ['addresses', 'Addresses'],
];
const FILTERS = /** @type {const} */ ([
  ['f', 'Focus', 'Keep only samples with a frame matching'],
  ['i', 'Ignore', 'Drop samples with a frame matching'],
  ['h', 'Hide', 'Remove matching frames from stacks'],
  ['s', 'Show', 'Keep only matching frames in stacks'],
  ['sf', 'Show from', 'Drop frames above the first match'],
  ['tf', 'Tag focus', 'Samples with labels matching: key=value or a range like 1kb:'],
  ['ti', 'Tag ignore', 'Drop samples with labels matching'],
]);
const VIEW_LABELS = /** @type {const} */ ([['flame', 'Flame graph'], ['top', 'Top'], ['graph', 'Call graph']]);

/**
 * @param {HTMLElement} app
 * @param {string} id
 * @returns {() => void} unmount
 */
export function mountProfile(app, id) {
  const path = `p/${id}`;
  /** @type {import('../url-state.js').State} */
  let st = current();
  /** @type {any} */
  let meta = null;
  /** @type {any} */
  let baseMeta = null;

  /* ---- skeleton ---- */
  const title = el('h1', { class: 'title', text: '…' });
  const facts = el('dl', { class: 'facts' });
  const comments = el('ul', { class: 'comments' });
  const actions = el('div', { class: 'actions' });
  const header = el('section', { class: 'profile-head' }, el('div', { class: 'head-main' }, title, facts, comments), actions);

  const siSel = el('select', { 'aria-label': 'Sample type', id: 'si' });
  const gSel = el('select', { 'aria-label': 'Granularity', id: 'g' },
    ...GRANULARITIES.map(([v, l]) => el('option', { value: v, text: l })));
  const searchIn = el('input', {
    type: 'search', id: 'search', placeholder: 'Search (regex)  /', 'aria-label': 'Search functions (regex)',
    autocomplete: 'off', spellcheck: 'false',
  });
  const searchInfo = el('span', { class: 'search-info', 'aria-live': 'polite' });
  const filterBtn = el('button', { type: 'button', class: 'filters-btn', 'aria-expanded': 'false', text: 'Filters' });
  const tabs = el('div', { class: 'tabs', role: 'tablist' },
    ...VIEW_LABELS.map(([v, l]) => el('button', { type: 'button', role: 'tab', 'data-view': v, text: l })));
  const toolbar = el('div', { class: 'toolbar' },
    el('label', { class: 'field' }, el('span', { text: 'Sample' }), siSel),
    el('label', { class: 'field' }, el('span', { text: 'Granularity' }), gSel),
    filterBtn,
    el('div', { class: 'search' }, searchIn, searchInfo),
    tabs);

  // filters panel
  const filterInputs = /** @type {Record<string, HTMLInputElement>} */ ({});
  const noinl = el('input', { type: 'checkbox', id: 'noinlines' });
  const nodeCount = el('input', { type: 'number', id: 'n', min: '1', max: '10000', placeholder: '80', class: 'narrow' });
  const filterForm = el('form', { class: 'filter-panel', hidden: true },
    el('div', { class: 'filter-grid' }, ...FILTERS.map(([k, label, hint]) => {
      const inp = el('input', { type: 'text', name: k, id: `flt-${k}`, spellcheck: 'false', autocomplete: 'off', placeholder: 'regex' });
      filterInputs[k] = inp;
      return el('label', {}, el('span', { class: 'flabel', text: `${label} (${k})` }), inp, el('span', { class: 'muted small', text: hint }));
    })),
    el('div', { class: 'filter-opts' },
      el('label', { class: 'check' }, noinl, el('span', { text: 'Merge inlined frames into their callers (noinlines)' })),
      el('label', {}, el('span', { text: 'Call graph nodes (n)' }), nodeCount),
      el('div', { class: 'grow' }),
      el('button', { type: 'button', class: 'plain', text: 'Clear all', onclick: () => apply(true) }),
      el('button', { type: 'submit', class: 'primary', text: 'Apply' })));
  const chips = el('div', { class: 'chips' });
  const diffBar = el('div', { class: 'diff-bar', hidden: true });

  const panes = {
    flame: el('div', { class: 'pane pane-flame', role: 'tabpanel', 'data-view': 'flame' }),
    top: el('div', { class: 'pane pane-top', role: 'tabpanel', 'data-view': 'top' }),
    graph: el('div', { class: 'pane pane-graph', role: 'tabpanel', 'data-view': 'graph' }),
  };
  const flameMsg = el('div', { class: 'pane-msg' });
  const flameHost = el('div', { class: 'flame-host' });
  panes.flame.append(flameMsg, flameHost);
  const legend = el('div', { class: 'flame-legend muted small' });
  panes.flame.append(legend);
  const content = el('div', { class: 'content' }, panes.flame, panes.top, panes.graph);
  replace(app, el('div', { class: 'profile' }, header, toolbar, filterForm, chips, diffBar, content));
  app.classList.add('fill');

  /* ---- flame graph ---- */
  const flame = new FlameView(flameHost, {
    onZoom: key => go(path, withChanges(st, { zoom: key })),
    onAction: (action, name) => {
      const re = exactRegex(name);
      if (action === 'search') go(path, withChanges(st, { q: re }));
      else if (action === 'focus') go(path, withChanges(st, { f: re }));
      else if (action === 'ignore') go(path, withChanges(st, { i: addAlternative(st.i || '', re) }));
      else if (action === 'hide') go(path, withChanges(st, { h: addAlternative(st.h || '', re) }));
      else if (action === 'show_from') go(path, withChanges(st, { sf: re, zoom: '' }));
    },
  });
  /** @type {{key: string, mf: number, fd: import('../model/flame.js').FlameData|null, pending: string}} */
  const flameData = { key: '\u0000', mf: 1, fd: null, pending: '' };
  /** @type {AbortController|null} */
  let flameAbort = null;

  /**
   * Fetch the flame graph at a resolution (min_fraction); stale answers are dropped.
   * @param {number} mf @param {boolean} keepShowing keep the current drawing meanwhile
   */
  async function loadFlame(mf, keepShowing) {
    const key = serverQuery(st);
    const want = `${key}|${mf}`;
    if (flameData.pending === want) return;
    flameAbort?.abort();
    flameAbort = new AbortController();
    flameData.pending = want;
    if (!keepShowing) { panes.flame.classList.add('loading'); replace(flameMsg); }
    try {
      const query = serverQuery(st, { mf: String(mf) });
      const fd = await api.getFlameModel(id, query, flameAbort.signal);
      if (flameData.pending !== want) return;
      flame.canvas.dataset.query = query;
      flameData.key = key;
      flameData.mf = mf;
      flameData.fd = fd;
      flame.canvas.dataset.mf = String(mf);
      flame.setData(fd, st.zoom || '');
      if (fd.n <= 1 || !(fd.width[0] > 0)) {
        replace(flameMsg, el('p', { class: 'notice', text: 'No samples match these options: loosen the filters (focus, ignore, tag focus, …).' }));
      } else {
        replace(flameMsg);
      }
      applySearch();
      setTotal(fd.diff ? null : fd.grandTotal, fd);
      if (fd.err) noiseSeen(true);
      loadRetention(fd, key);
      updateLegend();
      refine();
      // zooming in may fetch much larger answers: have their worker ready
      if (fd.trimmed) setTimeout(() => api.flameWorkerReady(), 500);
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') return;
      if (flameData.pending !== want) return;
      flameData.key = key;
      flameData.fd = null;
      replace(flameMsg, errorBox(e));
      flame.setData(buildFlame({ nodes: {} }), '');
    } finally {
      if (flameData.pending === want) { flameData.pending = ''; panes.flame.classList.remove('loading'); }
    }
  }

  /** @type {{key: string, map: Map<string, {inuse: number, alloc: number}>|null, unit: string}} */
  const retention = { key: '\u0000', map: null, unit: '' };
  /**
   * For heap in-use views, each function's retention (in use / allocated,
   * from the top table's allocation columns) for the flame graph's tooltips.
   * @param {import('../model/flame.js').FlameData} fd @param {string} key
   */
  async function loadRetention(fd, key) {
    if (fd.diff || !/^inuse_/.test(fd.sample.type || '')) { flame.setRetention(null, ''); return; }
    if (retention.key === key) { flame.setRetention(retention.map, retention.unit); return; }
    retention.key = key;
    retention.map = null;
    try {
      const json = topData.key === key && topData.rows ? null : await api.getTop(id, key);
      const rows = json ? topRows(json) : /** @type {import('../model/top.js').TopRow[]} */ (topData.rows);
      const rt = json ? json.retention : topData.retention;
      if (retention.key !== key) return;
      if (!rt) { flame.setRetention(null, ''); return; }
      const map = new Map();
      for (const r of rows) if (r.allocFlat !== null && !map.has(r.name)) map.set(r.name, { inuse: r.flat, alloc: r.allocFlat });
      retention.map = map;
      retention.unit = rt.unit || fd.sample.unit;
      if (flameData.key === key) flame.setRetention(map, retention.unit);
    } catch {
      // the tooltips just go without it
    }
  }

  /** Ask for more detail when the zoomed frame is narrow enough that trimming shows. */
  function refine() {
    const fd = flameData.fd;
    if (!fd || !fd.trimmed || !fd.n) return;
    const z = flame.zoomNode();
    const frac = fd.width[0] > 0 ? fd.width[z] / fd.width[0] : 1;
    const mf = minFractionFor(frac, flame.width());
    if (mf < flameData.mf) loadFlame(mf, true);
  }
  flameHost.addEventListener('flame:resize', () => {
    if (st.view && st.view !== 'flame') return;
    if (flameData.fd && flameData.key === serverQuery(st)) refine();
  });

  function updateLegend() {
    const fd = flameData.fd;
    const parts = [];
    if (fd && fd.trimmed) parts.push(`${groupDigits(fd.trimmed)} frames narrower than half a pixel are folded into their callers`);
    parts.push('◤ marks inlined frames (names in italics)');
    parts.push('colours: one per package');
    if (fd?.diff) parts.pop();
    if (fd?.err) parts.push(fd.diff ? 'grey: within sampling noise (|Δ| < 2 × standard error)' : 'tooltips show ± standard error from sampling');
    legend.textContent = parts.join(' · ');
  }

  /* ---- search ---- */
  function applySearch() {
    const { re, error } = compileSearch(st.q || '');
    searchIn.classList.toggle('invalid', !!error);
    searchIn.title = error ? `Invalid regex: ${error}` : '';
    const view = st.view || 'flame';
    if (error) { searchInfo.textContent = 'invalid regex'; return; }
    if (view === 'flame') {
      const fd = flameData.fd;
      if (!fd) return;
      if (!re) { flame.setSearch(null); searchInfo.textContent = ''; return; }
      const m = matchNames(fd, re);
      flame.setSearch(m);
      const t = matchTotals(fd, m);
      searchInfo.textContent = t.frames
        ? `${groupDigits(t.frames)} frames, ${formatPercent(t.value, t.whole)} of total`
        : 'no match';
      searchInfo.dataset.share = String(t.whole ? t.value / t.whole : 0);
    } else if (view === 'graph') {
      const n = markSearch(panes.graph, re);
      searchInfo.textContent = re ? (n ? `${n} nodes` : 'no match') : '';
    } else {
      searchInfo.textContent = '';
    }
  }
  let searchTimer = 0;
  searchIn.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => go(path, withChanges(st, { q: searchIn.value }), { replace: true }), 120);
  });
  searchIn.addEventListener('keydown', e => {
    if (e.key === 'Enter') { clearTimeout(searchTimer); go(path, withChanges(st, { q: searchIn.value }), { replace: true }); }
  });

  /* ---- top table ---- */
  /** @type {{key: string, rows: import('../model/top.js').TopRow[]|null, total: number, unit: string, diff: boolean, error: unknown, retention: any, noise: any}} */
  const topData = { key: '\u0000', rows: null, total: 0, unit: '', diff: false, error: null, retention: null, noise: null };
  let topGen = 0;
  async function loadTop() {
    const key = serverQuery(st);
    if (topData.key === key) { drawTop(); return; }
    const gen = ++topGen;
    replace(panes.top, el('p', { class: 'muted loading', text: 'Loading…' }));
    try {
      const [json, baseJson] = await Promise.all([
        api.getTop(id, key),
        st.base ? api.getTop(st.base, serverQuery(st, {}, { noBase: true })) : Promise.resolve(null),
      ]);
      if (gen !== topGen) return;
      let rows = topRows(json);
      if (baseJson) rows = joinDiff(rows, topRows(baseJson));
      Object.assign(topData, {
        key, rows, total: Number(json.total) || 0, unit: json.sample?.unit || '', diff: !!baseJson, error: null,
        retention: json.retention && typeof json.retention === 'object' ? json.retention : null,
        noise: json.noise && typeof json.noise === 'object' ? json.noise : null,
      });
      if (rows.some(r => r.flatErr || r.cumErr)) noiseSeen(true);
      panes.top.dataset.query = key;
      setTotal(baseJson ? null : topData.total, null);
    } catch (e) {
      if (gen !== topGen) return;
      Object.assign(topData, { key, rows: null, error: e });
    }
    drawTop();
  }
  function drawTop() {
    if (topData.error || !topData.rows) { replace(panes.top, errorBox(topData.error || 'No data')); return; }
    const { re } = compileSearch(st.q || '');
    renderTop(panes.top, {
      rows: topData.rows, diff: topData.diff, unit: topData.unit, total: topData.total,
      retention: topData.retention, noise: topData.noise,
      sort: st.sort || '', filter: re,
      onSort: sort => go(path, withChanges(st, { sort })),
      onFocus: name => go(path, withChanges(st, { f: exactRegex(name), view: 'flame', zoom: '' })),
    });
  }

  /* ---- call graph ---- */
  let graphKey = '\u0000';
  let graphGen = 0;
  async function loadGraph() {
    const key = serverQuery(st);
    if (graphKey === key) { applySearch(); return; }
    graphKey = key;
    const gen = ++graphGen;
    panes.graph.dataset.state = 'loading';
    replace(panes.graph, el('p', { class: 'muted loading', text: 'Loading the call graph…' }));
    try {
      const [dot, json] = await Promise.all([api.getDot(id, key), api.getGraph(id, key)]);
      if (gen !== graphGen) return;
      panes.graph.dataset.query = key;
      if (!st.base) setTotal(Number(json.total) || 0, null, json.sample?.unit);
      await renderGraph(panes.graph, {
        dot, json, search: compileSearch(st.q || '').re,
        onFocus: name => go(path, withChanges(st, { f: exactRegex(name) })),
        fileName: `${(meta?.name || id).replace(/[^\w.-]+/g, '_')}-callgraph`,
      });
      applySearch();
    } catch (e) {
      if (gen !== graphGen) return;
      graphKey = '\u0000';
      panes.graph.dataset.state = 'error';
      replace(panes.graph, errorBox(e));
    }
  }

  /* ---- header ---- */
  let totalShown = '';
  /**
   * @param {number|null} total @param {import('../model/flame.js').FlameData|null} fd @param {string} [sampleUnit]
   */
  function setTotal(total, fd, sampleUnit) {
    const unit = fd?.sample.unit || sampleUnit || topData.unit || '';
    let text = '';
    if (fd && fd.diff && fd.baseTotal) {
      const base = fd.baseTotal[0], now = fd.total[0] + base;
      text = `${formatValue(base, unit)} → ${formatValue(now, unit)} (${formatDelta(now - base, unit)})`;
    } else if (total !== null) {
      text = formatValue(total, unit);
    }
    if (!text || text === totalShown) return;
    totalShown = text;
    const dd = facts.querySelector('dd[data-k="total"]');
    if (dd) dd.textContent = text;
  }

  function renderHeader() {
    if (!meta) return;
    const kind = profileKind(meta);
    document.title = `${meta.name || id} · ${kind} · Hearth`;
    title.textContent = meta.name || id;
    title.title = meta.name || id;
    const f = (/** @type {string} */ k, /** @type {string} */ label, /** @type {string} */ v) =>
      v ? [el('div', { class: 'fact' }, el('dt', { text: label }), el('dd', { 'data-k': k, text: v }))] : [];
    replace(facts,
      ...f('kind', 'Kind', kind),
      ...f('types', 'Sample types', (meta.sample_types || []).map((/** @type {any} */ t) => `${t.type} (${t.unit})`).join(', ')),
      ...f('time', 'Time', formatTime(Math.floor((meta.time_nanos || 0) / 1e6))),
      ...f('duration', 'Duration', formatDuration(meta.duration_nanos || 0)),
      ...f('total', 'Total', totalShown || '…'),
      ...f('samples', 'Samples', groupDigits(meta.samples || 0)),
      ...f('size', 'File', formatSize(meta.size)),
      ...f('source', 'Source', meta.source_url || ''));
    replace(comments, ...(meta.comments || []).slice(0, 20).map((/** @type {string} */ c) => el('li', { text: c })));

    const token = api.deleteToken(id);
    replace(actions,
      el('a', { class: 'button', href: api.rawUrl(id), download: `${(meta.name || id).replace(/[^\w.-]+/g, '_')}.pb.gz`, text: 'Download' }),
      el('button', { type: 'button', text: 'Copy link', onclick: copyLink }),
      el('button', { type: 'button', class: 'compare-btn', text: 'Compare…', onclick: chooseBase }),
      token ? el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: del }) : null);

    replace(siSel, ...(meta.sample_types || []).map((/** @type {any} */ t) => el('option', { value: t.type, text: `${t.type} (${t.unit})` })));
    syncControls();
  }

  async function copyLink() {
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      toast('Link copied');
    } catch {
      const inp = el('input', { type: 'text', value: url, readonly: true, class: 'copy-field' });
      openDialog('Copy this link', inp);
      inp.select();
    }
  }

  async function del() {
    if (!(await confirmDialog('Delete this profile?', `“${meta?.name || id}” will be removed for everyone who has the link.`, 'Delete'))) return;
    try {
      await api.deleteProfile(id);
      toast('Profile deleted');
      go('', {});
    } catch (e) {
      toast(e instanceof Error ? e.message : String(e), 'error');
    }
  }

  async function chooseBase() {
    const list = el('tbody');
    const status = el('p', { class: 'muted', text: 'Loading profiles…' });
    const file = el('input', { type: 'file', class: 'visually-hidden', id: 'base-file' });
    const upMsg = el('span', { class: 'muted small' });
    const { close } = openDialog('Compare with a base profile',
      el('p', { class: 'muted small', text: 'The diff shows this profile minus the base: red frames grew, green ones shrank.' }),
      el('div', { class: 'table-wrap dialog-list' }, el('table', { class: 'list' },
        el('thead', {}, el('tr', {}, ...['Name', 'Kind', 'Taken', ''].map(h => el('th', { scope: 'col', text: h })))), list)),
      status,
      el('div', { class: 'dialog-actions' }, el('label', { class: 'button', for: 'base-file', text: 'Upload a base…' }), file, upMsg));
    const pick = (/** @type {string} */ bid) => { close(); go(path, withChanges(st, { base: bid, norm: '' })); };
    file.addEventListener('change', async () => {
      const f = file.files?.[0];
      if (!f) return;
      try {
        const m = await api.upload(f, f.name, (s, t) => { upMsg.textContent = `${Math.round((s / (t || 1)) * 100)}%`; });
        pick(m.id);
      } catch (e) {
        upMsg.className = 'error small';
        upMsg.textContent = e instanceof Error ? e.message : String(e);
      }
    });
    try {
      const r = await api.listProfiles(200);
      const mine = (meta?.sample_types || []).map((/** @type {any} */ t) => t.type).join(',');
      const others = r.profiles.filter(p => p.id !== id);
      // same sample types first: those compare cleanly
      others.sort((a, b) => Number(types(b) === mine) - Number(types(a) === mine));
      for (const p of others) {
        const info = p.info || {};
        list.append(el('tr', { class: types(p) === mine ? '' : 'muted' },
          el('td', { class: 'name', text: p.name || p.id }),
          el('td', { text: profileKind(info) }),
          el('td', { text: formatTime(Math.floor((info.time_nanos || 0) / 1e6)) || formatTime(p.created) }),
          el('td', {}, el('button', { type: 'button', class: 'primary use-base', 'data-id': p.id, text: 'Use as base', onclick: () => pick(p.id) }))));
      }
      status.textContent = others.length ? '' : 'No other profiles stored yet: upload a base.';
    } catch (e) {
      replace(status, errorBox(e));
    }
  }
  /** @param {any} p */
  const types = p => (p.info?.sample_types || []).map((/** @type {any} */ t) => t.type).join(',');

  /** Whether the current data carries sampling errors (the diff legend then explains grey). */
  let hasNoise = false;
  /** @param {boolean} v */
  function noiseSeen(v) {
    if (v === hasNoise) return;
    hasNoise = v;
    if (st.base) renderDiffBar();
  }

  async function renderDiffBar() {
    if (!st.base) { diffBar.hidden = true; replace(diffBar); return; }
    diffBar.hidden = false;
    if (!baseMeta || baseMeta.id !== st.base) {
      baseMeta = { id: st.base, name: st.base };
      api.getMeta(st.base).then(m => { if (st.base === m.id) { baseMeta = m; renderDiffBar(); } }).catch(() => {});
    }
    const mode = (/** @type {string} */ v, /** @type {string} */ label, /** @type {string} */ hint) => el('button', {
      type: 'button', role: 'radio', 'aria-checked': String((st.norm ? '1' : '') === v), title: hint, text: label,
      onclick: () => go(path, withChanges(st, { norm: v })),
    });
    replace(diffBar,
      el('span', { class: 'diff-title' }, 'Diff against base ', el('a', { href: `p/${st.base}`, text: baseMeta.name || st.base })),
      el('span', { class: 'seg', role: 'radiogroup', 'aria-label': 'Comparison' },
        mode('', 'Absolute', 'new minus base, as recorded'),
        mode('1', 'Normalized', 'new scaled to the base total first (pprof -normalize)')),
      el('span', { class: 'legend' },
        el('span', { class: 'swatch grow' }), 'growth',
        el('span', { class: 'swatch shrink' }), 'shrinkage',
        el('span', { class: 'swatch same' }), 'unchanged',
        hasNoise ? el('span', { class: 'swatch noise' }) : null, hasNoise ? 'within sampling noise' : null),
      el('button', { type: 'button', class: 'plain', text: '✕ Stop comparing', onclick: () => go(path, withChanges(st, { base: '', norm: '' })) }));
  }

  /* ---- filters ---- */
  /** @param {boolean} [clearAll] */
  function apply(clearAll = false) {
    /** @type {Record<string, string>} */
    const ch = {};
    for (const [k] of FILTERS) ch[k] = clearAll ? '' : filterInputs[k].value.trim();
    ch.noinlines = !clearAll && noinl.checked ? '1' : '';
    ch.n = !clearAll && nodeCount.value ? String(Math.max(1, Math.floor(Number(nodeCount.value)))) : '';
    if (clearAll || ch.sf !== (st.sf || '')) ch.zoom = '';
    go(path, withChanges(st, ch));
    filterForm.hidden = true;
    filterBtn.setAttribute('aria-expanded', 'false');
  }
  filterForm.addEventListener('submit', e => { e.preventDefault(); apply(); });
  filterBtn.addEventListener('click', () => {
    filterForm.hidden = !filterForm.hidden;
    filterBtn.setAttribute('aria-expanded', String(!filterForm.hidden));
    if (!filterForm.hidden) filterInputs.f.focus();
  });

  function renderChips() {
    const list = [];
    for (const [k, label] of FILTERS) {
      if (!st[k]) continue;
      list.push(el('span', { class: 'chip' }, el('span', { class: 'chip-k', text: `${label}:` }), el('code', { text: st[k] }),
        el('button', { type: 'button', class: 'chip-x', 'aria-label': `Remove ${label}`, text: '✕', onclick: () => go(path, withChanges(st, { [k]: '', zoom: k === 'sf' ? '' : st.zoom })) })));
    }
    if (st.noinlines) list.push(el('span', { class: 'chip' }, el('span', { text: 'inlined frames merged' }),
      el('button', { type: 'button', class: 'chip-x', 'aria-label': 'Show inlined frames', text: '✕', onclick: () => go(path, withChanges(st, { noinlines: '' })) })));
    if (st.n) list.push(el('span', { class: 'chip' }, el('span', { text: `graph: ${st.n} nodes` }),
      el('button', { type: 'button', class: 'chip-x', 'aria-label': 'Default node count', text: '✕', onclick: () => go(path, withChanges(st, { n: '' })) })));
    replace(chips, ...list);
    chips.hidden = !list.length;
    const count = FILTERS.filter(([k]) => st[k]).length + (st.noinlines ? 1 : 0);
    filterBtn.textContent = count ? `Filters (${count})` : 'Filters';
  }

  function syncControls() {
    if (meta) siSel.value = st.si || meta.default_sample_type || siSel.value;
    gSel.value = st.g || 'functions';
    if (document.activeElement !== searchIn) searchIn.value = st.q || '';
    for (const [k] of FILTERS) filterInputs[k].value = st[k] || '';
    noinl.checked = !!st.noinlines;
    nodeCount.value = st.n || '';
    const view = st.view || 'flame';
    for (const b of tabs.querySelectorAll('button')) {
      const on = b.getAttribute('data-view') === view;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
    for (const [k, p] of Object.entries(panes)) p.hidden = k !== view;
    renderChips();
  }

  siSel.addEventListener('change', () => go(path, withChanges(st, { si: siSel.value })));
  gSel.addEventListener('change', () => go(path, withChanges(st, { g: gSel.value === 'functions' ? '' : gSel.value, zoom: '' })));
  tabs.addEventListener('click', e => {
    const b = /** @type {Element} */ (e.target).closest?.('button[data-view]');
    if (b) go(path, withChanges(st, { view: b.getAttribute('data-view') === 'flame' ? '' : b.getAttribute('data-view') || '' }));
  });
  tabs.addEventListener('keydown', e => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const order = VIEW_LABELS.map(v => v[0]);
    const i = order.indexOf(/** @type {any} */ (st.view || 'flame'));
    const next = order[(i + (e.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length];
    go(path, withChanges(st, { view: next === 'flame' ? '' : next }));
    /** @type {HTMLElement|null} */ (tabs.querySelector(`[data-view="${next}"]`))?.focus();
  });

  /* ---- keyboard ---- */
  /** @param {KeyboardEvent} e */
  const onKey = e => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (document.querySelector('dialog[open]')) return;
    if (e.key === '/' && !typing(e.target)) {
      e.preventDefault();
      searchIn.focus();
      searchIn.select();
    } else if (e.key === 'Escape') {
      if (menuOpen()) { closeMenu(); return; }
      hideTip();
      if (e.target === searchIn) {
        e.preventDefault();
        if (searchIn.value) { searchIn.value = ''; go(path, withChanges(st, { q: '' }), { replace: true }); }
        searchIn.blur();
        return;
      }
      if (typing(e.target)) return;
      if (!filterForm.hidden) { filterForm.hidden = true; filterBtn.setAttribute('aria-expanded', 'false'); return; }
      if ((st.view || 'flame') === 'flame' && st.zoom) go(path, withChanges(st, { zoom: '' }));
      else if (st.q) go(path, withChanges(st, { q: '' }));
    }
  };
  addEventListener('keydown', onKey);

  /* ---- state ---- */
  /**
   * Bring the page in line with a state.
   * @param {import('../url-state.js').State} next
   */
  function update(next) {
    const prev = st;
    st = next;
    syncControls();
    const fresh = serverChanged(prev, st);
    if (fresh) hasNoise = false;
    renderDiffBar();
    const view = st.view || 'flame';
    if (fresh) totalShown = '';
    if (view === 'flame') {
      const key = serverQuery(st);
      if (flameData.key !== key) {
        loadFlame(minFractionFor(1, flame.width()), false);
      } else {
        if ((prev.zoom || '') !== (st.zoom || '') || flame.zoomKey !== (st.zoom || '')) {
          flame.setZoom(st.zoom || '');
          refine();
        }
        applySearch();
        flame.resize();
      }
    } else if (view === 'top') {
      loadTop();
    } else {
      loadGraph();
    }
    if (view !== 'flame') applySearch();
  }

  const off = onChange(s => update(s));
  // first render: header once the metadata arrives, data at once
  renderDiffBar();
  syncControls();
  const view0 = st.view || 'flame';
  const start = st;
  st = {};
  update(start);
  void view0;
  api.getMeta(id).then(m => { meta = m; renderHeader(); setTotal(flameData.fd && !flameData.fd.diff ? flameData.fd.grandTotal : null, flameData.fd); })
    .catch(e => {
      replace(app, el('section', { class: 'card' }, el('h1', { text: 'Profile not available' }), errorBox(e), el('p', {}, el('a', { href: './', text: 'All profiles' }))));
    });

  return () => {
    off();
    removeEventListener('keydown', onKey);
    flame.destroy();
    flameAbort?.abort();
    app.classList.remove('fill');
  };
}
