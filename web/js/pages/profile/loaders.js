// @ts-check
// The profile page's three views and their data: each loader fetches its
// view for the URL's state (server query) through a latest() slot, so an
// answer that a newer state superseded never shows, and keeps the last
// answer for its key, so switching tabs back costs nothing. The Top table's
// and the call graph's panes load when first shown (js/early.js preloads
// the one a link opens).

import * as api from '../../api.js';
import { serverQuery, SERVER_KEYS } from '../../url-state.js';
import { buildFlame, minFractionFor, flameVariant, nameOf } from '../../model/flame.js';
import { topRows, keptLine, parseSort, sortValue } from '../../model/top.js';
import { topCsv, exportName } from '../../model/export.js';
import { saveBlob } from '../../ui/download.js';
import { toast } from '../../ui/toast.js';
import { compileSearch, exactRegex, filterFor, addAlternative } from '../../model/search.js';
import { groupDigits } from '../../model/format.js';
import { el, replace, errorBox } from '../../ui/dom.js';
import { latest, isAbort } from '../../loader.js';
import { FlameView } from '../../panes/flame.js';

/** @type {Promise<typeof import('../../panes/top.js')>|null} */
let topPane = null;
/** @type {Promise<typeof import('../../panes/graph.js')>|null} */
let graphPane = null;
/** The Top table's module, loaded once (a failure is retried on the next call). */
export function loadTopPane() {
  return topPane ||= import('../../panes/top.js').catch(e => { topPane = null; throw e; });
}
/** The call graph's module, loaded once (a failure is retried on the next call). */
export function loadGraphPane() {
  return graphPane ||= import('../../panes/graph.js').catch(e => { graphPane = null; throw e; });
}

/** @typedef {import('./header.js').Page} Page */
/** @typedef {import('../../model/flame.js').FlameData} FlameData */
/** @typedef {import('../../model/top.js').TopRow} TopRow */

/**
 * What the loaders tell the rest of the page.
 * @typedef {object} Hooks
 * @property {(total: number|null, fd: FlameData|null, unit?: string) => void} setTotal
 * @property {(v: boolean) => void} noiseSeen the data carries sampling errors
 * @property {() => void} applySearch the view changed: mark the search's matches again
 */

/**
 * A diff's totals from its top rows (every node is listed, so the flats sum
 * to the totals): the base's and the change, in the shape the header takes
 * from a diff flame graph.
 * @param {TopRow[]} rows @param {string} unit
 */
export function diffTotals(rows, unit) {
  let base = 0, delta = 0;
  for (const r of rows) { base += r.baseFlat; delta += r.flat; }
  return /** @type {any} */ ({ diff: true, baseTotal: [base], total: [delta], sample: { unit } });
}

/**
 * The top endpoint's answer as the table uses it.
 * @param {any} json
 */
function topModel(json) {
  return {
    rows: topRows(json), total: Number(json.total) || 0, unit: json.sample?.unit || '',
    outUnit: typeof json.unit === 'string' ? json.unit : '', kept: keptLine(json.labels),
    retention: json.retention && typeof json.retention === 'object' ? json.retention : null,
    noise: json.noise && typeof json.noise === 'object' ? json.noise : null,
  };
}

/**
 * Run fn after the next frame is painted (or after half a second, when no
 * frame comes: a hidden tab).
 * @param {() => void} fn
 */
function afterPaint(fn) {
  let done = false;
  const run = () => { if (!done) { done = true; fn(); } };
  requestAnimationFrame(() => setTimeout(run));
  setTimeout(run, 500);
}

/** Rows of Top's first page: more than a tall screen shows (js/early.js asks for the same). */
export const TOP_PAGE = 100;

/**
 * The top table: first a page of rows the server sorted (what the screen
 * shows, fast), then every row in the background (scrolling on, sorting,
 * the search and the CSV work on those). A search waits for every row.
 * @param {Page} page @param {HTMLElement} pane @param {Hooks} hooks
 */
export function topLoader(page, pane, hooks, profileName = () => page.id) {
  /** @typedef {{rows: TopRow[], count: number, offset: number, sumBefore: number, sort: string}} TopPage */
  /** @type {{key: string, rows: TopRow[]|null, page: TopPage|null, total: number, unit: string, outUnit: string, kept: string, diff: boolean, error: unknown, retention: any, noise: any}} */
  const data = { key: '\u0000', rows: null, page: null, total: 0, unit: '', outUnit: '', kept: '', diff: false, error: null, retention: null, noise: null };
  const slot = latest();
  const allSlot = latest();
  /** @type {Promise<void>|null} every row of data.key, loading */
  let all = null;

  /** the URL's sort as the server takes it ('' for pprof's order) */
  const sortOf = (/** @type {any} */ st) => { const { col, desc } = parseSort(st.sort || ''); return sortValue(col, desc); };

  /** Every row of the current key, once (a newer key aborts it). */
  function loadAll() {
    if (data.rows) return Promise.resolve();
    if (all) return all;
    const key = data.key, base = !!page.state().base;
    all = allSlot.run(signal => api.getTop(page.id, key, signal)).then(json => {
      if (data.key !== key) return;
      const t = topModel(json);
      Object.assign(data, t, { error: null });
      if (t.rows.some(r => r.flatErr || r.cumErr)) hooks.noiseSeen(true);
      if (base) hooks.setTotal(null, diffTotals(t.rows, t.unit));
      performance.mark('hearth:top-all');
      draw(true);
    }).catch(e => {
      if (isAbort(e) || data.key !== key) return;
      all = null;
      Object.assign(data, { rows: null, error: e });
      draw();
    });
    return all;
  }

  async function load() {
    const st = page.state();
    const key = serverQuery(st);
    const sort = sortOf(st);
    // the table's module loads while the rows travel
    const mod = topMod ? null : loadTopPane();
    mod?.catch(() => {});
    if (data.key === key && !data.error && (data.rows || (data.page && data.page.sort === sort && !st.q))) {
      draw();
      loadAll();
      return;
    }
    if (data.key !== key || data.error) {
      allSlot.abort();
      all = null;
      Object.assign(data, { key, rows: null, page: null, error: null, diff: !!st.base });
      replace(pane, el('p', { class: 'muted loading', text: 'Loading…' }));
    }
    pane.dataset.query = key;
    try {
      if (st.q) await loadAll();
      else {
        // in a diff the rows carry the base's values too: one request
        const json = await slot.run(signal => api.getTopPage(page.id, key, TOP_PAGE, 0, sort, signal));
        if (data.key !== key) return;
        performance.mark('hearth:top-data');
        const t = topModel(json);
        const count = Number(json.count) || 0;
        if (!sort && count <= t.rows.length) Object.assign(data, t); // that was every row
        else if (!data.rows) Object.assign(data, { ...t, rows: null, page: { rows: t.rows, count, offset: Number(json.offset) || 0, sumBefore: Number(json.sum_before) || 0, sort } });
        if (t.rows.some(r => r.flatErr || r.cumErr)) hooks.noiseSeen(true);
        if (!st.base) hooks.setTotal(data.total, null, data.unit);
        else if (data.rows) hooks.setTotal(null, diffTotals(data.rows, data.unit));
      }
      // the first page drawn before every row is asked for
      if (mod) topMod = await mod;
      if (data.key !== key) return;
    } catch (e) {
      if (isAbort(e)) return;
      Object.assign(data, { key, rows: null, page: null, error: e });
    }
    draw();
    // every row (megabytes of JSON for a large profile, read on this thread) once the
    // first page is on screen, not in the frame that would show it
    if (!data.error) afterPaint(() => { if (data.key === key) loadAll(); });
  }

  /** @type {typeof import('../../panes/top.js')|null} */
  let topMod = null;
  let drawLater = false;
  /** @param {boolean} [keepScroll] */
  function draw(keepScroll = false) {
    if (data.error || !(data.rows || data.page)) { replace(pane, errorBox(data.error || 'No data')); return; }
    const st = page.state();
    const { re } = compileSearch(st.q || '');
    if (!data.rows && re) { loadAll(); return; }
    if (!topMod) {
      // the table's module, the first time: then the newest data
      if (drawLater) return;
      drawLater = true;
      loadTopPane().then(m => { topMod = m; drawLater = false; draw(keepScroll); }, e => {
        drawLater = false;
        data.error = e; // the next load asks again
        replace(pane, errorBox(e));
      });
      return;
    }
    topMod.renderTop(pane, {
      rows: data.rows, page: data.page, diff: data.diff, unit: data.unit, total: data.total, outUnit: data.outUnit, kept: data.kept,
      retention: data.retention, noise: data.noise, keepScroll,
      sort: st.sort || '', filter: re,
      needAll: () => { loadAll(); },
      onSort: sort => page.change({ sort }),
      onFocus: name => page.change({ f: filterFor(name, page.state().g), view: 'flame', zoom: '' }),
      onSandwich: name => page.change({ view: 'sandwich', fn: name }),
    });
    performance.mark('hearth:top-rendered');
    // the table as shown, every row, as CSV
    const csv = el('button', {
      type: 'button', class: 'download csv', text: 'Download CSV', title: 'The rows as shown (sort, search), all of them',
      onclick: async () => {
        await loadAll();
        const rows = /** @type {TopRow[]} */ (data.rows);
        if (!rows) return;
        const text = topCsv({ rows, diff: data.diff, unit: data.unit, total: data.total, sort: st.sort || '', filter: re, retention: data.retention });
        saveBlob(new Blob([text], { type: 'text/csv;charset=utf-8' }), exportName(profileName(), 'top', 'csv'));
      },
    });
    pane.prepend(el('div', { class: 'view-tools' }, csv));
  }

  return {
    load,
    /** The sample unit of the last answer. */
    unit: () => data.unit,
    /** The rows and retention for a server query, if loaded. @param {string} key */
    cached: key => (data.key === key && data.rows ? { rows: data.rows, retention: data.retention } : null),
    destroy: () => { slot.abort(); allSlot.abort(); },
  };
}

/**
 * The flame graph: fetched at a resolution (min_fraction) that the width
 * needs, refined when a zoom makes the trimming show; for heap in-use views
 * also each function's retention for the tooltips.
 * @param {Page} page @param {HTMLElement} pane @param {Hooks} hooks
 * @param {ReturnType<typeof topLoader>} top whose answer the retention reuses
 */
export function flameLoader(page, pane, hooks, top, profileName = () => page.id) {
  const msg = el('div', { class: 'pane-msg' });
  const host = el('div', { class: 'flame-host' });
  const legend = el('div', { class: 'flame-legend muted small' });
  pane.append(msg, host, legend);
  const view = new FlameView(host, {
    onZoom: key => page.change({ zoom: key }),
    onAction: (action, name) => {
      const st = page.state();
      const re = filterFor(name, st.g);
      if (action === 'search') page.change({ q: exactRegex(name) });
      else if (action === 'sandwich') page.change({ view: 'sandwich', fn: name });
      else if (!re) return; // "<unknown>": no function, file or binary to match
      else if (action === 'focus') page.change({ f: re });
      else if (action === 'ignore') page.change({ i: addAlternative(st.i || '', re) });
      else if (action === 'hide') page.change({ h: addAlternative(st.h || '', re) });
      else if (action === 'show_from') page.change({ sf: re, zoom: '' });
    },
  });
  /** @type {{key: string, mf: number, fd: FlameData|null, shown: FlameData|null, variant: string}} */
  const data = { key: '\u0000', mf: 1, fd: null, shown: null, variant: '' };
  const slot = latest();

  /* options (in the URL: heavy=1, rev=1) and export, in the bar above the graph */
  /** @param {string} k @param {string} label @param {string} title */
  const toggle = (k, label, title) => {
    const b = el('button', { type: 'button', class: 'toggle', 'data-opt': k, 'aria-pressed': 'false', text: label, title });
    b.addEventListener('click', () => {
      const on = page.state()[k] === '1';
      // a reversed graph has other frames: its zoom starts over
      page.change(k === 'rev' ? { rev: on ? '' : '1', zoom: '' } : { [k]: on ? '' : '1' });
    });
    return b;
  };
  const heavyBtn = toggle('heavy', 'Left heavy', 'Order callees heaviest first (else by name, as pprof)');
  const revBtn = toggle('rev', 'Reversed', 'Bottom-up: the functions where samples end at the top, their callers below');
  /** @param {string} what @param {() => Promise<Blob>|Blob} make @param {string} ext */
  const exporter = (what, make, ext) => el('button', {
    type: 'button', class: `download ${ext}`, text: what, title: `Download the view shown as ${what}`,
    onclick: async () => {
      if (!data.shown || !data.shown.n) return;
      try {
        saveBlob(await make(), exportName(profileName(), 'flame', ext));
      } catch (e) {
        toast(`Export failed: ${e instanceof Error ? e.message : e}`, 'error');
      }
    },
  });
  const help = el('details', { class: 'flame-help' },
    el('summary', { text: 'Keys' }),
    el('dl', {},
      ...[['Click', 'zoom to a frame (again: its caller)'], ['Ctrl+wheel, pinch', 'zoom at the pointer'],
        ['Drag, Shift+wheel', 'pan'], ['Wheel', 'scroll the rows'], ['Overview strip', 'click or drag to move the view'],
        ['Tab', 'focus the graph'], ['← →', 'frames on the same row'], ['↑ ↓', 'caller, heaviest callee'],
        ['Enter', 'zoom to the selected frame'], ['+ −', 'zoom in, out at the selection'], ['Esc', 'undo the wheel zoom, else up one level'],
        ['Shift+F10, Menu', 'the selected frame\'s menu'], ['/', 'search']]
        .flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })])));
  view.tools.append(heavyBtn, revBtn,
    exporter('PNG', () => view.exportPng(title()), 'png'),
    exporter('SVG', () => new Blob([view.exportSvg(title())], { type: 'image/svg+xml' }), 'svg'),
    help);

  /** The exported files' title line: profile, sample type, filters, zoom and options. */
  function title() {
    const st = page.state();
    const fd = /** @type {FlameData} */ (data.shown);
    const parts = [profileName(), `${fd.sample.type || 'samples'} (${fd.sample.unit || 'count'})`];
    const opts = SERVER_KEYS.filter(k => k !== 'si' && st[k]).map(k => (st[k] === '1' && (k === 'noinlines' || k === 'norm' || k === 'rel') ? k : `${k}=${st[k]}`));
    if (opts.length) parts.push(opts.join(' '));
    const z = view.zoomNode();
    if (z > 0) parts.push(`zoom: ${nameOf(fd, z)}`);
    if (st.rev) parts.push('reversed');
    if (st.heavy) parts.push('left heavy');
    return parts.join(' · ');
  }

  /** @param {import('../../url-state.js').State} st */
  const variantOf = st => `${st.rev ? 'rev' : ''}|${st.heavy ? 'heavy' : ''}`;
  /**
   * Show the answer with the URL's options.
   * @param {FlameData} fd @param {boolean} keepWindow the same graph, more detail
   */
  function present(fd, keepWindow) {
    const st = page.state();
    data.variant = variantOf(st);
    const t0 = performance.now();
    data.shown = st.rev || st.heavy ? flameVariant(fd, { reversed: !!st.rev, heavy: !!st.heavy }) : fd;
    view.canvas.dataset.variant = data.variant;
    view.canvas.dataset.variantMs = (performance.now() - t0).toFixed(1);
    heavyBtn.setAttribute('aria-pressed', String(!!st.heavy));
    revBtn.setAttribute('aria-pressed', String(!!st.rev));
    view.setData(data.shown, st.zoom || '', keepWindow);
  }

  /**
   * Fetch the flame graph at a resolution (min_fraction).
   * @param {number} mf @param {boolean} keepShowing keep the current drawing meanwhile
   */
  async function load(mf, keepShowing) {
    const st = page.state();
    const key = serverQuery(st);
    const want = `${key}|${mf}`;
    if (slot.pending() === want) return;
    if (!keepShowing) { pane.classList.add('loading'); replace(msg); }
    const query = serverQuery(st, { mf: String(mf) });
    try {
      const fd = await slot.run(signal => api.getFlameModel(page.id, query, signal), want);
      view.canvas.dataset.query = query;
      const same = data.key === key && !!data.fd;
      data.key = key;
      data.mf = mf;
      data.fd = fd;
      view.canvas.dataset.mf = String(mf);
      present(fd, same && keepShowing);
      if (fd.n <= 1 || !(fd.width[0] > 0)) {
        replace(msg, el('p', { class: 'notice', text: 'No samples match these options: loosen the filters (focus, ignore, tag focus, …).' }));
      } else {
        replace(msg);
      }
      hooks.applySearch();
      hooks.setTotal(fd.diff ? null : fd.grandTotal, fd);
      if (fd.err) hooks.noiseSeen(true);
      loadRetention(fd, key);
      updateLegend();
      refine();
      // zooming in may fetch much larger answers: have their worker ready
      if (fd.trimmed) setTimeout(() => api.flameWorkerReady(), 500);
    } catch (e) {
      if (isAbort(e)) return;
      data.key = key;
      data.fd = null;
      data.shown = null;
      replace(msg, errorBox(e));
      view.setData(buildFlame({ nodes: {} }), '');
    }
    pane.classList.remove('loading');
  }

  /** @type {{key: string, map: Map<string, {inuse: number, alloc: number}>|null, unit: string}} */
  const retention = { key: '\u0000', map: null, unit: '' };
  const retentionSlot = latest();
  /**
   * For heap in-use views, each function's retention (in use / allocated,
   * from the top table's allocation columns) for the tooltips.
   * @param {FlameData} fd @param {string} key
   */
  async function loadRetention(fd, key) {
    if (fd.diff || !/^inuse_/.test(fd.sample.type || '')) { view.setRetention(null, ''); return; }
    if (retention.key === key) { view.setRetention(retention.map, retention.unit); return; }
    retention.key = key;
    retention.map = null;
    retentionSlot.abort();
    try {
      const t = top.cached(key) || topModel(await retentionSlot.run(signal => api.getTop(page.id, key, signal)));
      if (!t.retention) { view.setRetention(null, ''); return; }
      const map = new Map();
      for (const r of t.rows) if (r.allocFlat !== null && !map.has(r.name)) map.set(r.name, { inuse: r.flat, alloc: r.allocFlat });
      retention.map = map;
      retention.unit = t.retention.unit || fd.sample.unit;
      if (data.key === key) view.setRetention(map, retention.unit);
    } catch {
      // superseded, or the tooltips just go without it
    }
  }

  /** Ask for more detail when the zoomed frame is narrow enough that trimming shows. */
  function refine() {
    const fd = data.fd;
    if (!fd || !fd.trimmed || !fd.n) return;
    const mf = minFractionFor(view.windowFraction(), view.width());
    if (mf < data.mf) load(mf, true);
  }
  host.addEventListener('flame:window', () => {
    if (data.fd && data.key === serverQuery(page.state())) refine();
  });
  host.addEventListener('flame:resize', () => {
    const st = page.state();
    if (st.view && st.view !== 'flame') return;
    if (data.fd && data.key === serverQuery(st)) refine();
  });

  function updateLegend() {
    const fd = data.fd;
    const parts = [];
    if (fd && fd.trimmed) parts.push(`${groupDigits(fd.trimmed)} frames narrower than half a pixel are folded into their callers`);
    if (page.state().rev) parts.push(`reversed: functions where samples end at the top, their callers below${fd?.trimmed ? ' (folded frames count as their caller\'s own)' : ''}`);
    parts.push('◤ marks inlined frames (names in italics)');
    parts.push('colours: one per package');
    if (fd?.diff) parts.pop();
    if (data.shown?.err) parts.push(fd?.diff ? 'grey: within sampling noise (|Δ| < 2 × standard error)' : 'tooltips show ± standard error from sampling');
    legend.textContent = parts.join(' · ');
  }

  /**
   * Show the URL's state: fetch if its query changed, else follow the zoom.
   * @param {boolean} zoomed the state's zoom changed
   */
  function show(zoomed) {
    const st = page.state();
    if (data.key !== serverQuery(st)) {
      load(minFractionFor(1, view.width()), false);
      return;
    }
    if (data.fd && data.variant !== variantOf(st)) {
      present(data.fd, false);
      updateLegend();
      refine();
    } else if (zoomed || view.zoomKey !== (st.zoom || '')) {
      view.setZoom(st.zoom || '');
      refine();
    }
    hooks.applySearch();
    view.resize();
  }

  return {
    view, show,
    /** The flame graph shown (null before the first answer or after an error). */
    data: () => data.shown,
    destroy() {
      view.destroy();
      slot.abort();
      retentionSlot.abort();
    },
  };
}

/**
 * The call graph: laid out by the server (one request: the JSON nodes, the
 * DOT and its SVG), or, when the server does not (more nodes than its
 * max_render_nodes, its renderer busy or missing), the DOT laid out in the
 * browser.
 * @param {Page} page @param {HTMLElement} pane @param {Hooks} hooks
 * @param {() => string} fileName for downloads
 */
export function graphLoader(page, pane, hooks, fileName) {
  let key = '\u0000';
  /** @type {typeof import('../../panes/graph.js')|null} the pane's module, once loaded */
  let graphShown = null;
  const slot = latest();

  async function load() {
    const st = page.state();
    const q = serverQuery(st);
    if (key === q) { hooks.applySearch(); return; }
    key = q;
    pane.dataset.state = 'loading';
    replace(pane, el('p', { class: 'muted loading', text: 'Loading the call graph…' }));
    // the pane's module loads while the answer travels
    const graphMod = loadGraphPane();
    graphMod.catch(() => {});
    try {
      const { dot, json, svg } = await slot.run(async signal => {
        try {
          const r = await api.getGraphLayout(page.id, q, signal);
          // svg is null for more nodes than the server draws: the browser lays the DOT out
          return { dot: String(r.dot), json: r.graph, svg: r.svg ? String(r.svg) : '' };
        } catch (e) {
          // the server's renderer busy or without Graphviz's plugins: the browser lays the DOT out
          if (isAbort(e) || !(e instanceof api.ApiError) || !['busy', 'unsupported'].includes(e.code)) throw e;
        }
        const [d, j] = await Promise.all([api.getDot(page.id, q, signal), api.getGraph(page.id, q, signal)]);
        return { dot: d, json: j, svg: '' };
      });
      pane.dataset.query = q;
      performance.mark('hearth:graph-data');
      if (!st.base) hooks.setTotal(Number(json.total) || 0, null, json.sample?.unit);
      else {
        // the graph is trimmed: a diff's totals come from its top rows (a cached view)
        api.getTop(page.id, q).then(t => { if (key === q) hooks.setTotal(null, diffTotals(topRows(t), t.sample?.unit || '')); }).catch(() => {});
      }
      const gm = await graphMod;
      const { renderGraph } = gm;
      graphShown = gm;
      if (key !== q) return; // superseded
      await renderGraph(pane, {
        dot, json, svg, search: compileSearch(page.state().q || '').re,
        onFocus: name => { const re = filterFor(name, page.state().g); if (re) page.change({ f: re }); },
        onSandwich: name => page.change({ view: 'sandwich', fn: name }),
        fileName: fileName(),
        pngUrl: api.graphImageUrl(page.id, q, 'png'),
      });
      hooks.applySearch();
    } catch (e) {
      if (isAbort(e) || key !== q) return; // superseded
      key = '\u0000';
      pane.dataset.state = 'error';
      replace(pane, errorBox(e));
    }
  }

  return {
    load,
    /**
     * Mark the search's matches in the graph shown (none before it is).
     * @param {RegExp|null} re @returns {number} matching nodes
     */
    markSearch: re => (graphShown ? graphShown.markSearch(pane, re) : 0),
    destroy: () => slot.abort(),
  };
}
