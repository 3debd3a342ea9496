// @ts-check
// The profile page's three views and their data: each loader fetches its
// view for the URL's state (server query) through a latest() slot, so an
// answer that a newer state superseded never shows, and keeps the last
// answer for its key, so switching tabs back costs nothing.

import * as api from '../../api.js';
import { serverQuery } from '../../url-state.js';
import { buildFlame, minFractionFor } from '../../model/flame.js';
import { topRows } from '../../model/top.js';
import { compileSearch, exactRegex, addAlternative } from '../../model/search.js';
import { groupDigits } from '../../model/format.js';
import { el, replace, errorBox } from '../../ui/dom.js';
import { latest, isAbort } from '../../loader.js';
import { FlameView } from '../../panes/flame.js';
import { renderTop } from '../../panes/top.js';
import { renderGraph } from '../../panes/graph.js';

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
 * The top endpoint's answer as the table uses it.
 * @param {any} json
 */
function topModel(json) {
  return {
    rows: topRows(json), total: Number(json.total) || 0, unit: json.sample?.unit || '',
    retention: json.retention && typeof json.retention === 'object' ? json.retention : null,
    noise: json.noise && typeof json.noise === 'object' ? json.noise : null,
  };
}

/**
 * The top table.
 * @param {Page} page @param {HTMLElement} pane @param {Hooks} hooks
 */
export function topLoader(page, pane, hooks) {
  /** @type {{key: string, rows: TopRow[]|null, total: number, unit: string, diff: boolean, error: unknown, retention: any, noise: any}} */
  const data = { key: '\u0000', rows: null, total: 0, unit: '', diff: false, error: null, retention: null, noise: null };
  const slot = latest();

  async function load() {
    const st = page.state();
    const key = serverQuery(st);
    if (data.key === key) { draw(); return; }
    replace(pane, el('p', { class: 'muted loading', text: 'Loading…' }));
    try {
      // in a diff the rows carry the base's values too: one request
      const t = topModel(await slot.run(signal => api.getTop(page.id, key, signal)));
      Object.assign(data, { key, ...t, diff: !!st.base, error: null });
      if (t.rows.some(r => r.flatErr || r.cumErr)) hooks.noiseSeen(true);
      pane.dataset.query = key;
      hooks.setTotal(st.base ? null : data.total, null, data.unit);
    } catch (e) {
      if (isAbort(e)) return;
      Object.assign(data, { key, rows: null, error: e });
    }
    draw();
  }

  function draw() {
    if (data.error || !data.rows) { replace(pane, errorBox(data.error || 'No data')); return; }
    const st = page.state();
    const { re } = compileSearch(st.q || '');
    renderTop(pane, {
      rows: data.rows, diff: data.diff, unit: data.unit, total: data.total,
      retention: data.retention, noise: data.noise,
      sort: st.sort || '', filter: re,
      onSort: sort => page.change({ sort }),
      onFocus: name => page.change({ f: exactRegex(name), view: 'flame', zoom: '' }),
    });
  }

  return {
    load,
    /** The sample unit of the last answer. */
    unit: () => data.unit,
    /** The rows and retention for a server query, if loaded. @param {string} key */
    cached: key => (data.key === key && data.rows ? { rows: data.rows, retention: data.retention } : null),
    destroy: () => slot.abort(),
  };
}

/**
 * The flame graph: fetched at a resolution (min_fraction) that the width
 * needs, refined when a zoom makes the trimming show; for heap in-use views
 * also each function's retention for the tooltips.
 * @param {Page} page @param {HTMLElement} pane @param {Hooks} hooks
 * @param {ReturnType<typeof topLoader>} top whose answer the retention reuses
 */
export function flameLoader(page, pane, hooks, top) {
  const msg = el('div', { class: 'pane-msg' });
  const host = el('div', { class: 'flame-host' });
  const legend = el('div', { class: 'flame-legend muted small' });
  pane.append(msg, host, legend);
  const view = new FlameView(host, {
    onZoom: key => page.change({ zoom: key }),
    onAction: (action, name) => {
      const st = page.state();
      const re = exactRegex(name);
      if (action === 'search') page.change({ q: re });
      else if (action === 'focus') page.change({ f: re });
      else if (action === 'ignore') page.change({ i: addAlternative(st.i || '', re) });
      else if (action === 'hide') page.change({ h: addAlternative(st.h || '', re) });
      else if (action === 'show_from') page.change({ sf: re, zoom: '' });
    },
  });
  /** @type {{key: string, mf: number, fd: FlameData|null}} */
  const data = { key: '\u0000', mf: 1, fd: null };
  const slot = latest();

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
      data.key = key;
      data.mf = mf;
      data.fd = fd;
      view.canvas.dataset.mf = String(mf);
      view.setData(fd, st.zoom || '');
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
    const z = view.zoomNode();
    const frac = fd.width[0] > 0 ? fd.width[z] / fd.width[0] : 1;
    const mf = minFractionFor(frac, view.width());
    if (mf < data.mf) load(mf, true);
  }
  host.addEventListener('flame:resize', () => {
    const st = page.state();
    if (st.view && st.view !== 'flame') return;
    if (data.fd && data.key === serverQuery(st)) refine();
  });

  function updateLegend() {
    const fd = data.fd;
    const parts = [];
    if (fd && fd.trimmed) parts.push(`${groupDigits(fd.trimmed)} frames narrower than half a pixel are folded into their callers`);
    parts.push('◤ marks inlined frames (names in italics)');
    parts.push('colours: one per package');
    if (fd?.diff) parts.pop();
    if (fd?.err) parts.push(fd.diff ? 'grey: within sampling noise (|Δ| < 2 × standard error)' : 'tooltips show ± standard error from sampling');
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
    if (zoomed || view.zoomKey !== (st.zoom || '')) {
      view.setZoom(st.zoom || '');
      refine();
    }
    hooks.applySearch();
    view.resize();
  }

  return {
    view, show,
    /** The flame graph shown (null before the first answer or after an error). */
    data: () => data.fd,
    destroy() {
      view.destroy();
      slot.abort();
      retentionSlot.abort();
    },
  };
}

/**
 * The call graph: Graphviz text and the JSON nodes, laid out in the browser.
 * @param {Page} page @param {HTMLElement} pane @param {Hooks} hooks
 * @param {() => string} fileName for downloads
 */
export function graphLoader(page, pane, hooks, fileName) {
  let key = '\u0000';
  const slot = latest();

  async function load() {
    const st = page.state();
    const q = serverQuery(st);
    if (key === q) { hooks.applySearch(); return; }
    key = q;
    pane.dataset.state = 'loading';
    replace(pane, el('p', { class: 'muted loading', text: 'Loading the call graph…' }));
    try {
      const [dot, json] = await slot.run(signal => Promise.all([api.getDot(page.id, q, signal), api.getGraph(page.id, q, signal)]));
      pane.dataset.query = q;
      if (!st.base) hooks.setTotal(Number(json.total) || 0, null, json.sample?.unit);
      await renderGraph(pane, {
        dot, json, search: compileSearch(page.state().q || '').re,
        onFocus: name => page.change({ f: exactRegex(name) }),
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

  return { load, destroy: () => slot.abort() };
}
