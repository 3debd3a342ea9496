// Browser tests of the UI: Debian's chromium driven by playwright-core,
// against a real `hearth serve` on a free port with a fresh data directory.
//
//   node tests/web/ui.test.mjs            (exit 77 = skipped: no chromium / node_modules / profiles)
//
// Environment: HEARTH_BIN (default build/hearth), HEARTH_GEN_DIR (profiles
// written by tests/gen, default build/gen-profiles), HEARTH_SCREENSHOTS
// (default build/web-screenshots), HEARTH_CHROMIUM (default /usr/bin/chromium).
//
// Every page fails its test on any console error or warning, page error or
// dialog (alert/confirm/prompt), so a name that ran as script would show.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';
import { hostileProfile, HOSTILE } from './lib/pprof.mjs';
import { buildFlame, frameValues, nameOf, childrenOf, matchNames, matchTotals, ROW_H } from '../../web/js/model/flame.js';
import { formatValue, formatIn, formatPercent } from '../../web/js/model/format.js';
import { topRows, runningSums, keptLine } from '../../web/js/model/top.js';
import { exactRegex, filterFor } from '../../web/js/model/search.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const GEN = process.env.HEARTH_GEN_DIR || join(ROOT, 'build/gen-profiles');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');
const P = {
  heap0: join(GEN, 'heap-series.0.pb.gz'),
  heap3: join(GEN, 'heap-series.3.pb.gz'),
  cpu: join(GEN, 'cpu.pb.gz'),
  cpp: join(GEN, 'edge-cpp-names.pb.gz'),
};

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why) for (const f of Object.values(P)) if (!existsSync(f)) why = `${f} is missing (run tests/gen: go run ./cmd/hearthgen -out ${GEN})`;
  if (why) {
    console.log(`# SKIP web.ui: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
const ids = /** @type {Record<string, string>} */ ({});

before(async () => {
  srv = await startServer(BIN);
  browser = await launch();
  for (const k of ['heap0', 'cpu', 'cpp']) ids[k] = (await uploadProfile(srv.url, readFileSync(P[k]), k === 'heap0' ? 'heap-series.0 (yesterday)' : k)).id;
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

/* ---- helpers ---- */

/** @param {import('playwright-core').Page} page @param {string} name */
async function shot(page, name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Screenshots of the current page in the light and the dark theme (the system setting). */
async function shots(page, name) {
  await page.emulateMedia({ colorScheme: 'light' });
  await shot(page, `${name}-light`);
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, `${name}-dark`);
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The page has no horizontal scroll at its size. */
async function noHorizontalScroll(page) {
  const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(sw <= cw, `page scrolls horizontally: ${sw} > ${cw}`);
}

/**
 * Wait until the flame graph has drawn data for a query matching `re`.
 * @returns {Promise<string>} the API query the page used
 */
async function flameReady(page, re = /./) {
  await page.waitForFunction(src => {
    const c = document.querySelector('canvas.flame-canvas');
    const pane = document.querySelector('.pane-flame');
    return c && pane && !pane.classList.contains('loading') && c.dataset.painted === '1' && Number(c.dataset.nodes) > 0 &&
      new RegExp(src).test(c.dataset.query || '');
  }, re.source, { timeout: 20000 });
  return page.$eval('canvas.flame-canvas', c => c.dataset.query || '');
}

/** The same flame graph from the API, through the UI's own model. */
async function apiFlame(id, query) {
  return buildFlame(await getJson(`${srv.url}api/profiles/${id}/flamegraph${query}`));
}

/** Centre of frame i on the page (no zoom, no scroll). */
async function frameCenter(page, fd, i) {
  const box = await page.$eval('canvas.flame-canvas', c => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width }; });
  return { x: box.x + ((fd.x0[i] + fd.width[i] / 2) / fd.width[0]) * box.w, y: box.y + fd.depth[i] * ROW_H + ROW_H / 2 };
}

/** Hover a point and read the tooltip's frame. */
async function hover(page, pt) {
  await page.mouse.move(pt.x - 3, pt.y);
  await page.mouse.move(pt.x, pt.y);
  await page.waitForSelector('.tooltip:not([hidden]) .tip-frame', { timeout: 5000 });
  return page.$eval('.tooltip .tip-frame', e => ({ ...e.dataset, text: e.textContent || '' }));
}

/** The widest frame below the root. */
function widestChild(fd) {
  const kids = childrenOf(fd, 0);
  return kids.reduce((a, b) => (fd.width[b] > fd.width[a] ? b : a), kids[0]);
}

/** Pixel statistics of the flame canvas. */
function canvasStats(page) {
  return page.$eval('canvas.flame-canvas', c => {
    // read a copy, so the page's own canvas is never read back
    const { width: w, height: h } = /** @type {HTMLCanvasElement} */ (c);
    const copy = document.createElement('canvas');
    copy.width = w;
    copy.height = h;
    const ctx = /** @type {CanvasRenderingContext2D} */ (copy.getContext('2d', { willReadFrequently: true }));
    ctx.drawImage(/** @type {HTMLCanvasElement} */ (c), 0, 0);
    const d = ctx.getImageData(0, 0, w, h).data;
    const bg = [d[d.length - 4], d[d.length - 3], d[d.length - 2]];
    let ink = 0, red = 0, green = 0;
    for (let k = 0; k < d.length; k += 4) {
      const r = d[k], g = d[k + 1], b = d[k + 2];
      if (Math.abs(r - bg[0]) + Math.abs(g - bg[1]) + Math.abs(b - bg[2]) > 24) ink++;
      if (r - Math.max(g, b) > 30) red++;
      if (g - Math.max(r, b) > 30) green++;
    }
    return { ink: ink / (w * h), red: red / (w * h), green: green / (w * h), sum: d.reduce((a, v) => a + v, 0) };
  });
}

/** @param {string} url */
const query = url => new URL(url).searchParams;

/* ---- tests ---- */

test('home: upload by file chooser lands on the profile view with a drawn flame graph', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(srv.url);
  await page.waitForSelector('table.list tbody tr');
  assert.ok((await page.textContent('table.list')).includes('heap-series.0 (yesterday)'));
  await noHorizontalScroll(page);
  await shots(page, 'home');

  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('label.drop')]);
  await chooser.setFiles(P.heap3);
  await page.waitForURL(/\/p\/[A-Za-z0-9_-]+$/, { timeout: 20000 });
  ids.heap3 = new URL(page.url()).pathname.split('/').pop() || '';
  await flameReady(page);
  const st = await canvasStats(page);
  assert.ok(st.ink > 0.05, `flame canvas looks blank (${(st.ink * 100).toFixed(1)}% drawn)`);
  await page.waitForSelector('.facts dd[data-k="kind"]');
  assert.equal(await page.textContent('.facts dd[data-k="kind"]'), 'heap');
  assert.equal(await page.textContent('h1.title'), 'heap-series.3.pb.gz');
  // this browser uploaded it, so it holds the delete token
  assert.ok(await page.$('.actions button.danger'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('flame graph: hover shows the API values; click zooms; Esc and Back', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.heap3}`);
  const q = await flameReady(page);
  const fd = await apiFlame(ids.heap3, q);
  const i = widestChild(fd);
  const tip = await hover(page, await frameCenter(page, fd, i));
  assert.equal(tip.name, nameOf(fd, i));
  assert.equal(Number(tip.total), frameValues(fd, i).total);
  assert.equal(Number(tip.self), frameValues(fd, i).self);
  assert.ok(tip.text.includes(formatValue(fd.total[i], fd.sample.unit)), tip.text);
  assert.ok(tip.text.includes(formatPercent(fd.total[i], fd.grandTotal)), tip.text);
  await shots(page, 'flame-hover');
  // inlined frames say so
  const inl = [...fd.inline].findIndex((v, k) => v === 1 && fd.width[k] / fd.width[0] > 0.03);
  if (inl > 0) {
    const t2 = await hover(page, await frameCenter(page, fd, inl));
    assert.equal(t2.name, nameOf(fd, inl));
    assert.match(t2.text, /inlined/);
  }

  // zoom into a frame with siblings: it fills the width, the URL keeps it
  const deep = childrenOf(fd, 0).length > 1 ? i : (() => {
    let k = i;
    while (childrenOf(fd, k).length === 1) k = childrenOf(fd, k)[0];
    return childrenOf(fd, k)[0];
  })();
  await page.mouse.click((await frameCenter(page, fd, deep)).x, (await frameCenter(page, fd, deep)).y);
  await page.waitForFunction(() => new URL(location.href).searchParams.has('zoom'));
  await page.waitForTimeout(400);
  const crumbs = await page.$$eval('.crumbs .crumb', bs => bs.map(b => b.textContent));
  assert.equal(crumbs[crumbs.length - 1], nameOf(fd, deep));
  await shots(page, 'flame-zoomed');
  const zoomedUrl = page.url();

  // Esc zooms out one level per press (a caller as wide as the whole graph is
  // the whole graph): at most the frame's depth in presses gives the whole
  // profile again; Back: zoomed again
  // (a press may first settle a window that more detail moved)
  let presses = 0, steps = 0;
  while (new URL(page.url()).searchParams.has('zoom')) {
    assert.ok(presses++ < fd.depth[deep] + 2, `still zoomed after ${presses - 1} presses of Escape`);
    const before = page.url();
    await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
    if (page.url() !== before) steps++;
  }
  // each level was a step in the history
  for (let k = 0; k < steps; k++) await page.goBack();
  await page.waitForFunction(u => location.href === u, zoomedUrl);
  await page.waitForFunction(() => document.querySelectorAll('.crumbs .crumb').length > 1);

  // a link opened in a fresh browser shows the same zoom
  const fresh = await openPage(browser);
  await fresh.page.goto(zoomedUrl);
  await flameReady(fresh.page);
  const crumbs2 = await fresh.page.$$eval('.crumbs .crumb', bs => bs.map(b => b.textContent));
  assert.deepEqual(crumbs2, crumbs);
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
  assert.deepEqual(problems, []);
  await context.close();
});

test('sample type, granularity and search update the view and the URL', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.heap3}`);
  await flameReady(page);
  assert.equal(await page.$eval('#si', s => /** @type {HTMLSelectElement} */ (s).value), 'inuse_space');
  const before = await canvasStats(page);

  await page.selectOption('#si', 'alloc_space');
  assert.equal(query(page.url()).get('si'), 'alloc_space');
  let q = await flameReady(page, /si=alloc_space/);
  let fd = await apiFlame(ids.heap3, q);
  assert.equal(fd.sample.type, 'alloc_space');
  let i = widestChild(fd);
  let tip = await hover(page, await frameCenter(page, fd, i));
  assert.equal(tip.name, nameOf(fd, i));
  assert.equal(Number(tip.total), fd.total[i]);
  assert.notEqual((await canvasStats(page)).sum, before.sum);
  await page.waitForFunction(t => document.querySelector('.facts dd[data-k="total"]')?.textContent === t, formatValue(fd.grandTotal, 'bytes'));

  await page.selectOption('#g', 'files');
  assert.equal(query(page.url()).get('g'), 'files');
  q = await flameReady(page, /g=files/);
  fd = await apiFlame(ids.heap3, q);
  i = widestChild(fd);
  tip = await hover(page, await frameCenter(page, fd, i));
  assert.equal(tip.name, nameOf(fd, i));
  assert.match(tip.name, /\.go$/);
  assert.equal(Number(tip.total), fd.total[i]);
  await shots(page, 'flame-files');
  // Back undoes the granularity, keeps the sample type
  await page.goBack();
  await flameReady(page, /^(?!.*g=files).*si=alloc_space/);
  assert.equal(await page.$eval('#g', s => /** @type {HTMLSelectElement} */ (s).value), 'functions');
  assert.equal(await page.$eval('#si', s => /** @type {HTMLSelectElement} */ (s).value), 'alloc_space');
  await page.goForward();
  await flameReady(page, /g=files/);

  // search: "/" focuses the box; matches are highlighted and their share reported
  await page.selectOption('#g', 'functions');
  q = await flameReady(page, /^(?!.*g=files)/);
  await page.mouse.move(5, 5);
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search');
  const drawsBefore = Number(await page.$eval('canvas.flame-canvas', c => c.dataset.draws));
  await page.keyboard.type('makeGarbage');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'makeGarbage');
  fd = await apiFlame(ids.heap3, q);
  const t = matchTotals(fd, matchNames(fd, /makeGarbage/i));
  const want = `${t.frames} frames, ${formatPercent(t.value, t.whole)} of total`;
  await page.waitForFunction(w => document.querySelector('.search-info')?.textContent === w, want);
  assert.ok(Number(await page.$eval('canvas.flame-canvas', c => c.dataset.draws)) > drawsBefore);
  await shots(page, 'flame-search');
  // Esc in the box clears the search
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('q'));
  await noHorizontalScroll(page);
  assert.deepEqual(problems, []);
  await context.close();
});

test('top table equals the API; sorting; filtering; a click focuses the flame graph', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.heap3}`);
  await flameReady(page);
  await page.click('.tabs [data-view="top"]');
  assert.equal(query(page.url()).get('view'), 'top');
  await page.waitForSelector('.top-table tbody tr');
  const api = await getJson(`${srv.url}api/profiles/${ids.heap3}/top`);
  const rows = topRows(api);
  const shown = await page.$$eval('.top-table tbody tr', trs => trs.map(tr => {
    const td = tr.querySelectorAll('td');
    return { flat: Number(td[0].dataset.v), sum: Number(td[2].dataset.v), cum: Number(td[3].dataset.v), name: tr.querySelector('button.fn')?.textContent, text: tr.textContent };
  }));
  // a virtual table: the rows in view (and a few around) are in the DOM, the footer counts them all
  assert.ok(shown.length > 10 && shown.length <= rows.length, `${shown.length} of ${rows.length} rows drawn`);
  assert.equal(await page.textContent('.pane-top .rows-count'), `${rows.length} rows`);
  shown.forEach((r, k) => {
    assert.equal(r.name, rows[k].name);
    assert.equal(r.flat, rows[k].flat);
    assert.equal(r.cum, rows[k].cum);
    assert.equal(r.sum, rows[k].sum);
    // every value in the report's one unit, as pprof prints it (158.61kB, 3kB)
    assert.ok(r.text.includes(formatIn(rows[k].flat, 'bytes', api.unit)) && r.text.includes(formatPercent(rows[k].cum, api.total)), r.text);
  });
  const flatTexts = await page.$$eval('.top-table tbody tr', trs => trs.map(tr => tr.querySelectorAll('td')[0].firstChild?.textContent || ''));
  assert.ok(api.unit && flatTexts.every(t => t.endsWith(api.unit) || t === '0'), `one unit ${api.unit}: ${flatTexts.slice(0, 5)}`);
  await noHorizontalScroll(page);
  await shots(page, 'top');

  // sort by cum (descending), then by name (ascending)
  await page.click('.top-table th button[data-col="cum"]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'cum');
  const cums = await page.$$eval('.top-table tbody tr', trs => trs.map(tr => Number(tr.querySelectorAll('td')[3].dataset.v)));
  assert.deepEqual(cums, [...cums].sort((a, b) => b - a));
  // sum% is the running sum of the rows as shown, not of pprof's flat order
  const bycum = await page.$$eval('.top-table tbody tr', trs => trs.map(tr => [Number(tr.querySelectorAll('td')[0].dataset.v), Number(tr.querySelectorAll('td')[2].dataset.v)]));
  assert.deepEqual(bycum.map(r => r[1]), runningSums(bycum.map(r => /** @type {any} */ ({ flat: r[0] }))));
  await page.click('.top-table th button[data-col="name"]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'name');
  const names = await page.$$eval('.top-table tbody button.fn', bs => bs.map(b => b.textContent || ''));
  assert.deepEqual(names, [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  assert.equal(await page.$eval('.top-table th[aria-sort="ascending"] button', b => b.dataset.col), 'name');

  // the search box filters rows
  await page.fill('#search', 'leak');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'leak');
  const filtered = await page.$$eval('.top-table tbody button.fn', bs => bs.map(b => b.textContent || ''));
  assert.ok(filtered.length > 0 && filtered.every(n => /leak/i.test(n)), filtered.join(', '));
  assert.equal(filtered.length, rows.filter(r => /leak/i.test(r.name)).length);
  await page.fill('#search', '');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('q'));

  // click a name: the flame graph focuses on it (pprof's focus, f=)
  const target = rows.find(r => r.name === 'main.leakClosures') || rows[1];
  await page.click(`.top-table tbody button.fn >> text="${target.name}"`);
  await page.waitForFunction(() => new URL(location.href).searchParams.has('f'));
  assert.equal(query(page.url()).get('f'), exactRegex(target.name));
  assert.equal(query(page.url()).get('view'), null);
  const q = await flameReady(page, /f=/);
  const fd = await apiFlame(ids.heap3, q);
  assert.equal(Number(await page.$eval('canvas.flame-canvas', c => c.dataset.nodes)), fd.n);
  // every leaf-most path goes through the focused function
  assert.ok(fd.strings.includes(target.name));
  assert.ok(fd.total[0] <= rows.find(r => r.name === target.name).cum);
  await page.waitForSelector('.chip code');
  assert.equal(await page.textContent('.chip code'), exactRegex(target.name));
  await shots(page, 'flame-focused');
  assert.deepEqual(problems, []);
  await context.close();
});

test('call graph renders nodes and edges; a click on a node focuses it', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.heap3}?view=graph`);
  await page.waitForSelector('.pane-graph[data-state="ready"]', { timeout: 30000 });
  const api = await getJson(`${srv.url}api/profiles/${ids.heap3}/callgraph`);
  const nodes = await page.$$eval('.pane-graph g.node[data-name]', gs => gs.map(g => g.getAttribute('data-name')));
  // call edges (N1->N2); the edges to pprof's tag boxes (N1->N1_0) are not in the JSON
  const edges = await page.$$eval('.pane-graph g.edge', gs => gs.filter(g => /^N\d+->N\d+$/.test(g.querySelector('title')?.textContent || '')).length);
  assert.equal(nodes.length, api.nodes.length);
  assert.deepEqual(new Set(nodes), new Set(api.nodes.map(n => n.name)));
  assert.equal(edges, api.edges.length);
  assert.ok(edges > 0);
  // the layout produced real geometry
  const box = await page.$eval('.pane-graph svg', s => { const b = /** @type {SVGGraphicsElement} */ (s).getBBox(); return { w: b.width, h: b.height }; });
  assert.ok(box.w > 100 && box.h > 100, JSON.stringify(box));
  // laid out by the server (callgraph/layout), the same nodes as the API's
  assert.equal(await page.$eval('.pane-graph', p => /** @type {HTMLElement} */ (p).dataset.layout), 'server');
  await noHorizontalScroll(page);
  await shots(page, 'graph');

  // SVG download
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('.graph-tools button.download >> text="Download SVG"')]);
  const file = join(tmpdir(), `hearth-graph-${process.pid}.svg`);
  await dl.saveAs(file);
  const svgText = readFileSync(file, 'utf8');
  assert.match(svgText, /^<svg[\s\S]*<\/svg>$/);
  assert.ok(svgText.includes('class="node'));
  // PNG download: drawn by the server (callgraph.png with the same view parameters)
  const [dlp] = await Promise.all([page.waitForEvent('download'), page.click('.graph-tools a.download >> text="Download PNG"')]);
  const pngFile = join(tmpdir(), `hearth-graph-${process.pid}.png`);
  await dlp.saveAs(pngFile);
  const png = readFileSync(pngFile);
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  assert.ok(png.readUInt32BE(16) > 100 && png.readUInt32BE(20) > 100, 'PNG size');

  // zoom with the buttons changes the view box; Fit shows the whole graph; then click the biggest node
  const vb = () => page.$eval('.pane-graph svg', s => s.getAttribute('viewBox'));
  const vb1 = await vb();
  await page.click('.graph-tools button[aria-label="Zoom in"]');
  assert.notEqual(await vb(), vb1);
  await page.click('.graph-tools button >> text="Fit"');
  const inside = await page.$eval('.pane-graph .graph-viewport', v => {
    const r = v.getBoundingClientRect();
    return [...v.querySelectorAll('g.node')].every(g => {
      const b = g.getBoundingClientRect();
      return b.left >= r.left - 1 && b.right <= r.right + 1 && b.top >= r.top - 1 && b.bottom <= r.bottom + 1;
    });
  });
  assert.ok(inside, 'Fit shows every node');
  const big = api.nodes.reduce((a, b) => (b.flat > a.flat ? b : a));
  const g = await page.$(`.pane-graph g.node[data-name="${big.name}"] polygon`);
  const r = await g.boundingBox();
  await page.mouse.click(r.x + r.width / 2, r.y + r.height / 2);
  await page.waitForFunction(() => new URL(location.href).searchParams.has('f'));
  assert.equal(query(page.url()).get('f'), exactRegex(big.name));
  await page.waitForSelector('.pane-graph[data-state="ready"]');

  // more nodes than the server lays out (max_render_nodes): the browser lays the DOT out
  await page.goto(`${srv.url}p/${ids.heap3}?view=graph&n=301`);
  await page.waitForSelector('.pane-graph[data-state="ready"]', { timeout: 30000 });
  assert.equal(await page.$eval('.pane-graph', p => /** @type {HTMLElement} */ (p).dataset.layout), 'browser');
  const api301 = await getJson(`${srv.url}api/profiles/${ids.heap3}/callgraph?n=301`);
  const nodes301 = await page.$$eval('.pane-graph g.node[data-name]', gs => gs.map(g => g.getAttribute('data-name')));
  assert.deepEqual(new Set(nodes301), new Set(api301.nodes.map(n => n.name)));
  assert.deepEqual(problems, []);
  await context.close();
});

test('diff: choose a base, the URL gains base=, a fresh browser shows red and green', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.heap3}`);
  await flameReady(page);
  await page.click('.actions .compare-btn');
  await page.waitForSelector(`dialog .use-base[data-id="${ids.heap0}"]`);
  await shot(page, 'compare-dialog-light');
  await page.click(`dialog .use-base[data-id="${ids.heap0}"]`);
  await page.waitForFunction(b => new URL(location.href).searchParams.get('base') === b, ids.heap0);
  await flameReady(page, /base=/);
  const diffUrl = page.url();
  await context.close();
  assert.deepEqual(problems, []);

  // a fresh context (another browser, as far as the app knows) shows the same diff
  const fresh = await openPage(browser);
  const p2 = fresh.page;
  await p2.goto(diffUrl);
  const q = await flameReady(p2, /base=/);
  const st = await canvasStats(p2);
  assert.ok(st.red > 0.01, `no red (growth) frames: ${st.red}`);
  assert.ok(st.green > 0.0005, `no green (shrinkage) frames: ${st.green}`);
  await p2.waitForSelector('.diff-bar .legend');
  assert.match(await p2.textContent('.diff-bar'), /growth.*shrinkage.*unchanged/);
  assert.match(await p2.textContent('.diff-bar .diff-title'), /heap-series\.0 \(yesterday\)/);
  // tooltips show base, new and delta from the API
  const fd = await apiFlame(ids.heap3, q);
  assert.ok(fd.diff);
  const i = widestChild(fd);
  const tip = await hover(p2, await frameCenter(p2, fd, i));
  const v = frameValues(fd, i);
  assert.equal(Number(tip.base), v.baseTotal);
  assert.equal(Number(tip.total), v.total);
  assert.equal(Number(tip.delta), v.deltaTotal);
  assert.match(tip.text, /Base.*New/s);
  await shots(p2, 'diff-flame');
  await p2.mouse.move(2, 2);

  // the top table shows base, new and delta, from one request
  /** @type {string[]} */
  const topCalls = [];
  p2.on('request', r => { if (/\/api\/profiles\/[^/]+\/top/.test(r.url())) topCalls.push(r.url()); });
  await p2.click('.tabs [data-view="top"]');
  await p2.waitForSelector('.top-table tbody tr');
  assert.equal(topCalls.length, 1, `one top request: ${topCalls}`);
  assert.match(topCalls[0], new RegExp(`/profiles/${ids.heap3}/top\\?.*base=${ids.heap0}`));
  const heads = await p2.$$eval('.top-table th button', bs => bs.map(b => b.dataset.col));
  assert.deepEqual(heads, ['flat', 'flatp', 'sum', 'cum', 'cump', 'base', 'new', 'name']);
  const delta = topRows(await getJson(`${srv.url}api/profiles/${ids.heap3}/top?base=${ids.heap0}`));
  const base = topRows(await getJson(`${srv.url}api/profiles/${ids.heap0}/top`));
  const first = await p2.$eval('.top-table tbody tr', tr => [...tr.querySelectorAll('td')].map(td => td.dataset.v));
  const b0 = base.find(r => r.name === delta[0].name);
  assert.deepEqual(first.slice(0, 7).map(Number), [delta[0].flat, delta[0].flat, delta[0].sum, delta[0].cum, delta[0].cum, b0 ? b0.cum : 0, (b0 ? b0.cum : 0) + delta[0].cum]);
  // pprof's order: by |flat|, so the biggest shrinkages rank next to the biggest growths
  const flats = await p2.$$eval('.top-table tbody tr', trs => trs.map(tr => Number(tr.querySelectorAll('td')[0].dataset.v)));
  assert.deepEqual(flats, delta.slice(0, flats.length).map(r => r.flat));
  assert.ok(flats.every((v, k) => k === 0 || Math.abs(v) <= Math.abs(flats[k - 1])), `|flat| order: ${flats.slice(0, 8)}`);
  // base and new come from the diff's own answer (base_cum), not a second request
  assert.equal(Number(first[5]), delta[0].baseCum);
  assert.ok(delta.some(r => r.baseCum > 0), 'the diff answer carries base values');
  await shots(p2, 'diff-top');

  // normalized comparison: a toggle, kept in the URL
  await p2.click('.diff-bar .seg button >> text="Normalized"');
  await p2.waitForFunction(() => new URL(location.href).searchParams.get('norm') === '1');
  await p2.waitForSelector('.top-table tbody tr');
  await p2.click('.tabs [data-view="graph"]');
  await p2.waitForSelector('.pane-graph[data-state="ready"]', { timeout: 30000 });
  assert.ok((await p2.$$('.pane-graph g.node')).length > 0);
  await shots(p2, 'diff-graph');
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
});

test('a click filters at every granularity; a filtered view says what share it keeps', async () => {
  const { context, page, problems } = await openPage(browser);
  for (const g of ['lines', 'filefunctions', 'files', 'addresses']) {
    await page.goto(`${srv.url}p/${ids.heap3}?view=top&g=${g}`);
    await page.waitForSelector('.top-table tbody tr');
    const api = topRows(await getJson(`${srv.url}api/profiles/${ids.heap3}/top?g=${g}`));
    const target = api.find(r => r.flat > 0 && r.name.includes(' ')) || api.find(r => r.flat > 0);
    await page.click(`.top-table tbody button.fn >> text="${target.name}"`);
    await page.waitForFunction(() => new URL(location.href).searchParams.has('f'));
    const f = query(page.url()).get('f');
    assert.equal(f, filterFor(target.name, g));
    const q = await flameReady(page, /f=/);
    const fd = await apiFlame(ids.heap3, q);
    assert.ok(fd.total[0] > 0 && fd.total[0] >= target.flat && fd.n > 1, `${g}: ${target.name} -> ${f} keeps ${fd.total[0]}`);
    // the top table of the focused view keeps part of the total, and says so
    // (pprof's "Showing nodes accounting for" line, shown below 100%)
    await page.click('.tabs [data-view="top"]');
    await page.waitForFunction(() => /f=/.test(document.querySelector('.pane-top')?.getAttribute('data-query') || ''));
    await page.waitForSelector('.top-table tbody tr');
    const want = keptLine((await getJson(`${srv.url}api/profiles/${ids.heap3}/top?g=${g}&f=${encodeURIComponent(f)}`)).labels);
    const kept = await page.$eval('.top-foot', d => d.querySelector('.kept')?.textContent || '');
    assert.equal(kept, want);
    if (g === 'lines') {
      assert.match(kept, /^Showing nodes accounting for .*, [0-9.]+% of .* total$/);
      await shots(page, 'top-lines-focused');
    }
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('merge: only compatible profiles offered; merged view and its link; home offers merge for several files', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.heap3}`);
  await flameReady(page);
  // Compare offers no incompatible base (cpu has other sample types)
  await page.click('.actions .compare-btn');
  await page.waitForSelector(`dialog .use-base[data-id="${ids.heap0}"]`);
  assert.equal(await page.$(`dialog .use-base[data-id="${ids.cpu}"]`), null);
  assert.match(await page.textContent('dialog tr.incompatible') || '', /other sample types/);
  await page.keyboard.press('Escape');
  // Merge…: tick heap0, the cpu profile cannot be ticked
  await page.click('.actions .merge-btn');
  await page.waitForSelector(`dialog input.merge-pick[data-id="${ids.heap0}"]`);
  assert.equal(await page.$(`dialog input.merge-pick[data-id="${ids.cpu}"]`), null);
  await page.check(`dialog input.merge-pick[data-id="${ids.heap0}"]`);
  assert.equal(await page.textContent('dialog .merge-go'), 'Merge 2 profiles');
  await shot(page, 'merge-dialog-light');
  await page.click('dialog .merge-go');
  await page.waitForFunction(id => new URL(location.href).searchParams.get('merge') === id, ids.heap0);
  const q = await flameReady(page, /merge=/);
  const fd = await apiFlame(ids.heap3, q);
  const t3 = (await getJson(`${srv.url}api/profiles/${ids.heap3}/top`)).total;
  const t0 = (await getJson(`${srv.url}api/profiles/${ids.heap0}/top`)).total;
  assert.equal(fd.total[0], t3 + t0, 'the merged flame graph holds both profiles');
  await page.waitForFunction(() => /heap-series\.0 \(yesterday\)/.test(document.querySelector('.merge-bar')?.textContent || ''));
  await shots(page, 'merged-flame');
  // the link opens the same merged view in a fresh browser
  const fresh = await openPage(browser);
  await fresh.page.goto(page.url());
  const q2 = await flameReady(fresh.page, /merge=/);
  assert.equal(q2, q);
  assert.equal(Number(await fresh.page.$eval('canvas.flame-canvas', c => c.dataset.nodes)), fd.n);
  await fresh.page.waitForSelector('.merge-bar .chip.merged');
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
  // removing the chip ends the merge
  await page.click('.merge-bar .chip.merged button');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('merge'));
  await page.waitForSelector('.merge-bar', { state: 'hidden' });

  // home: several files wait for the user's choice; "merge" opens one merged view
  await page.goto(srv.url);
  await page.waitForSelector('table.list tbody tr');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('label.drop')]);
  await chooser.setFiles([P.heap0, P.heap3]);
  await page.waitForSelector('.series-choice #as-merge');
  await page.waitForSelector('.series-choice button.go:not([disabled])', { timeout: 20000 });
  await page.waitForTimeout(300);
  assert.ok(!/\/[ps]\//.test(new URL(page.url()).pathname), 'the page waits for the choice');
  await page.check('#as-merge');
  assert.match(await page.textContent('.series-choice button.go') || '', /Open the 2 merged/);
  await shots(page, 'home-several-choice');
  await page.click('.series-choice button.go');
  await page.waitForURL(/\/p\/[^?]+\?merge=/, { timeout: 20000 });
  await flameReady(page, /merge=/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('hostile names are shown literally and run nothing', async () => {
  const evilName = '<img src=x onerror=alert("name")>.pb.gz';
  const meta = await uploadProfile(srv.url, hostileProfile(), evilName);
  const { context, page, problems } = await openPage(browser);
  const evidence = () => page.evaluate(() => ({
    imgs: [...document.querySelectorAll('img')].filter(i => !i.getAttribute('src')?.endsWith('favicon.svg')).length,
    iframes: document.querySelectorAll('iframe, object, embed').length,
    scripts: [...document.querySelectorAll('script')].map(x => x.getAttribute('src')),
    onattrs: [...document.querySelectorAll('*')].flatMap(e => [...e.attributes].filter(a => /^on/i.test(a.name)).map(a => `${e.localName}@${a.name}`)),
    jslinks: [...document.querySelectorAll('[href]')].filter(e => /^\s*javascript:/i.test(e.getAttribute('href') || '')).length,
    pwned: /** @type {any} */ (window).pwned || 0,
  }));
  const clean = async where => {
    const e = await evidence();
    // the page's own scripts only: the theme before the first paint, the first view's early requests, and the app
    assert.deepEqual(e, { imgs: 0, iframes: 0, scripts: ['js/theme-boot.js', 'js/early.js', 'js/main.js'], onattrs: [], jslinks: 0, pwned: 0 }, where);
  };

  await page.goto(srv.url);
  await page.waitForSelector('table.list tbody tr');
  assert.ok((await page.$$eval('table.list a', as => as.map(a => a.textContent))).includes(evilName));
  await clean('home');

  await page.goto(`${srv.url}p/${meta.id}`);
  const q = await flameReady(page);
  assert.equal(await page.textContent('h1.title'), evilName);
  assert.ok((await page.$$eval('.comments li', ls => ls.map(l => l.textContent))).includes('<script>alert(13)</script>'));
  const options = await page.$$eval('#si option', os => os.map(o => o.textContent));
  assert.ok(options.includes('<img src=x onerror=alert(17)> (<b>unit</b>)'), options.join(' | '));
  // hover every hostile frame: the tooltip holds the name as text
  const fd = await apiFlame(meta.id, q);
  for (let i = 1; i < fd.n; i++) {
    if (!HOSTILE.includes(nameOf(fd, i))) continue;
    const tip = await hover(page, await frameCenter(page, fd, i));
    assert.equal(tip.name, nameOf(fd, i));
    assert.ok(tip.text.startsWith(nameOf(fd, i)));
  }
  // the context menu shows the name as text too
  const i = fd.strings.indexOf(HOSTILE[0]);
  const node = [...fd.name].indexOf(i);
  const pt = await frameCenter(page, fd, node);
  await page.mouse.click(pt.x, pt.y, { button: 'right' });
  await page.waitForSelector('.menu .menu-title');
  assert.equal(await page.textContent('.menu .menu-title'), HOSTILE[0]);
  await page.keyboard.press('Escape');
  await clean('flame');
  await shots(page, 'hostile-flame');

  // search with a hostile regex-looking string
  await page.fill('#search', '<img');
  await page.waitForFunction(() => /frames/.test(document.querySelector('.search-info')?.textContent || ''));

  await page.click('.tabs [data-view="top"]');
  await page.waitForSelector('.top-table tbody tr');
  const names = await page.$$eval('.top-table tbody button.fn', bs => bs.map(b => b.textContent));
  await page.fill('#search', '');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('q'));
  const all = await page.$$eval('.top-table tbody button.fn', bs => bs.map(b => b.textContent));
  for (const h of HOSTILE) assert.ok(all.includes(h), `top table lacks ${h}`);
  assert.ok(names.length >= 1);
  await clean('top');
  await shots(page, 'hostile-top');

  await page.click('.tabs [data-view="graph"]');
  await page.waitForSelector('.pane-graph[data-state="ready"]', { timeout: 30000 });
  const gnames = await page.$$eval('.pane-graph g.node[data-name]', gs => gs.map(g => g.getAttribute('data-name')));
  for (const h of HOSTILE) assert.ok(gnames.includes(h), `call graph lacks ${h}`);
  const svgText = await page.$eval('.pane-graph svg', s => s.textContent || '');
  assert.ok(svgText.includes('<img src=x onerror=alert(1)>'), 'the SVG shows the name as text');
  assert.ok(svgText.includes('&lt;b&gt;not bold&lt;/b&gt; &amp;'), 'entities in names are not decoded');
  await clean('graph');
  await shots(page, 'hostile-graph');

  // the profile whose names are C++/Java/quotes/backslashes/invalid UTF-8
  await page.goto(`${srv.url}p/${ids.cpp}?view=top`);
  await page.waitForSelector('.top-table tbody tr');
  const cpp = await page.$$eval('.top-table tbody button.fn', bs => bs.map(b => b.textContent));
  assert.ok(cpp.includes("<script>alert('x&y')</script>"));
  assert.ok(cpp.includes('C:\\path\\to\\fn\\'));
  await clean('cpp top');
  await page.waitForTimeout(300);
  assert.deepEqual(problems, []);
  await context.close();
});

test('context menu actions set pprof filters; dark mode toggle; keyboard', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.cpu}`);
  const q = await flameReady(page);
  const fd = await apiFlame(ids.cpu, q);
  const i = widestChild(fd);
  const pt = await frameCenter(page, fd, i);
  await page.mouse.click(pt.x, pt.y, { button: 'right' });
  await page.waitForSelector('.menu');
  await shot(page, 'flame-menu-light');
  await page.click('.menu button >> text="Ignore this function"');
  await page.waitForFunction(() => new URL(location.href).searchParams.has('i'));
  assert.equal(query(page.url()).get('i'), exactRegex(nameOf(fd, i)));
  const q2 = await flameReady(page, /(^|&|\?)i=/);
  const fd2 = await apiFlame(ids.cpu, q2);
  assert.ok(!fd2.strings.slice(1).includes(nameOf(fd, i)) || fd2.total[0] < fd.total[0]);
  // the chip removes it again
  await page.click('.chip .chip-x');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('i'));

  // filters panel: hide
  await page.click('.filters-btn');
  await page.fill('#flt-h', 'runtime\\.');
  await page.click('.filter-panel button[type="submit"]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('h') === 'runtime\\.');
  await flameReady(page, /h=runtime/);

  // dark mode: the toggle wins over the system setting and survives a reload
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), false);
  const light = await canvasStats(page);
  await page.click('#theme');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await page.waitForFunction(() => getComputedStyle(document.body).backgroundColor === 'rgb(18, 20, 25)');
  await page.waitForTimeout(100);
  const dark = await canvasStats(page);
  assert.notEqual(dark.sum, light.sum);
  await page.reload();
  await flameReady(page);
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), true);
  // flipping back to the system's choice follows the system again
  await page.click('#theme');
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), undefined);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.waitForFunction(() => document.documentElement.classList.contains('dark'));
  await page.emulateMedia({ colorScheme: 'light' });

  // keyboard: "/" focuses the search from anywhere, Esc leaves it
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'search');
  await page.keyboard.press('Escape');
  assert.notEqual(await page.evaluate(() => document.activeElement?.id), 'search');
  assert.deepEqual(problems, []);
  await context.close();
});

test('smallest supported window (1280x720): no horizontal page scroll on any view', async () => {
  const { context, page, problems } = await openPage(browser, { width: 1280, height: 720 });
  const long = `${srv.url}p/${ids.cpp}`;
  for (const v of ['', '?view=top', '?view=graph', `?base=${ids.cpu}`]) {
    await page.goto(long + v);
    if (v.includes('graph')) await page.waitForSelector('.pane-graph[data-state="ready"]', { timeout: 30000 });
    else if (v.includes('top')) await page.waitForSelector('.top-table tbody tr');
    else await flameReady(page);
    await noHorizontalScroll(page);
    const vh = await page.evaluate(() => document.documentElement.scrollHeight);
    assert.ok(vh <= 720, `profile page scrolls vertically (${vh}px): views scroll inside their pane`);
  }
  await shots(page, 'cpp-diff-flame');
  assert.deepEqual(problems, []);
  await context.close();
});

test('home: several files at once, failures show the server\'s message, fetch shows its wait', async () => {
  // a slow profile endpoint the server may fetch from
  const { createServer } = await import('node:http');
  let asked = '';
  const peer = createServer((req, res) => {
    asked = req.url || '';
    setTimeout(() => { res.writeHead(200, { 'Content-Type': 'application/octet-stream' }); res.end(readFileSync(P.cpu)); }, 2500);
  });
  await new Promise(r => peer.listen(0, '127.0.0.1', () => r(null)));
  const peerPort = /** @type {any} */ (peer.address()).port;
  const s2 = await startServer(BIN, ['--fetch-allow', '127.0.0.1']);
  const { context, page, problems } = await openPage(browser);
  const expected = [];
  try {
    await page.goto(s2.url);
    await page.waitForSelector('table.list');
    // two files at once: both stored, the page stays on the list
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('label.drop')]);
    await chooser.setFiles([P.heap0, P.cpu]);
    await page.waitForFunction(() => document.querySelectorAll('.uploads li a').length === 2, null, { timeout: 20000 });
    await page.waitForFunction(() => document.querySelectorAll('table.list tbody tr').length === 2);
    // a file that is not a profile: the server's own message
    const junk = join(tmpdir(), `hearth-junk-${process.pid}.txt`);
    writeFileSync(junk, 'this is not a profile\n');
    const r = await fetch(`${s2.url}api/profiles`, { method: 'POST', body: 'this is not a profile\n', headers: { 'Content-Type': 'application/octet-stream' } });
    const msg = (await r.json()).error.message;
    expected.push(`Failed to load resource: the server responded with a status of ${r.status}`);
    const [c2] = await Promise.all([page.waitForEvent('filechooser'), page.click('label.drop')]);
    await c2.setFiles(junk);
    await page.waitForSelector('.uploads .error');
    assert.equal(await page.textContent('.uploads .error'), msg);
    await shot(page, 'home-uploads-light');

    // fetch: waiting is shown with the elapsed time, then the profile opens
    await page.fill('.fetch-form input[name="url"]', `http://127.0.0.1:${peerPort}/debug/pprof/profile`);
    await page.fill('.fetch-form input[name="seconds"]', '2');
    await page.click('.fetch-form button[type="submit"]');
    await page.waitForFunction(() => /Waiting for 127\.0\.0\.1:\d+… [1-9] s/.test(document.querySelector('.fetch-status')?.textContent || ''));
    await shot(page, 'home-fetching-light');
    await page.waitForURL(/\/p\//, { timeout: 20000 });
    assert.equal(new URL(asked, 'http://x').searchParams.get('seconds'), '2');
    await flameReady(page);
    assert.equal(await page.textContent('.facts dd[data-k="kind"]'), 'CPU');

    // a fetch the server refuses: its message
    await page.goto(s2.url);
    await page.fill('.fetch-form input[name="url"]', 'http://192.0.2.1/debug/pprof/heap');
    const rr = await fetch(`${s2.url}api/fetch`, { method: 'POST', body: JSON.stringify({ url: 'http://192.0.2.1/debug/pprof/heap' }), headers: { 'Content-Type': 'application/json' } });
    const refused = (await rr.json()).error.message;
    expected.push(`Failed to load resource: the server responded with a status of ${rr.status}`);
    await page.click('.fetch-form button[type="submit"]');
    await page.waitForSelector('.fetch-status.error');
    assert.equal(await page.textContent('.fetch-status'), refused);
  } finally {
    // the browser logs failed requests (4xx) as console errors: only those expected here
    for (const p of problems) assert.ok(expected.some(e => p.includes(e)), p);
    await context.close();
    await s2.stop();
    peer.close();
  }
});

test('profile actions: download, copy link, delete with this browser\'s token', async () => {
  const { context, page, problems } = await openPage(browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
  await page.goto(srv.url);
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('label.drop')]);
  await chooser.setFiles(P.cpu);
  await page.waitForURL(/\/p\//);
  const id = new URL(page.url()).pathname.split('/').pop();
  await flameReady(page);
  // download the original bytes
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('.actions a.button >> text="Download"')]);
  const file = join(tmpdir(), `hearth-dl-${process.pid}.pb.gz`);
  await dl.saveAs(file);
  assert.ok(readFileSync(file).equals(readFileSync(P.cpu)));
  // copy link
  await page.selectOption('#si', 'samples');
  await page.click('.actions button >> text="Copy link"');
  await page.waitForSelector('.toast');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), page.url());
  // the exports follow the view's state (here si=samples)
  for (const [kind, name] of [['traces', `${id}.traces.txt`], ['callgrind', `callgrind.out.${id}`], ['proto', `${id}.pb.gz`]]) {
    const [ex] = await Promise.all([page.waitForEvent('download'), page.click(`.actions a.export[data-export="${kind}"]`)]);
    assert.match(ex.url(), new RegExp(`/download/${kind}\\?(.*&)?si=samples`));
    assert.equal(ex.suggestedFilename(), name);
  }
  assert.match(page.url(), /si=samples/);
  // another browser holds no token: its Delete… asks for one (tests/web/defects.test.mjs)
  const other = await openPage(browser);
  await other.page.goto(page.url());
  await flameReady(other.page);
  assert.equal(await other.page.textContent('.actions button.danger'), 'Delete…');
  await other.context.close();
  assert.equal(await page.textContent('.actions button.danger'), 'Delete');
  // delete, confirmed in the app's own dialog
  await page.click('.actions button.danger');
  await page.waitForSelector('dialog[open]');
  await shot(page, 'delete-dialog-light');
  await page.click('dialog[open] button.danger');
  await page.waitForFunction(() => !/\/p\//.test(location.pathname));
  const r = await fetch(`${srv.url}api/profiles/${id}`);
  assert.equal(r.status, 404);
  assert.deepEqual(problems, []);
  await context.close();
});

test('works behind --base-path (relative URLs only)', async () => {
  const s2 = await startServer(BIN, ['--base-path', '/hearth']);
  try {
    const m = await uploadProfile(s2.url, readFileSync(P.cpu), 'cpu behind a proxy');
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${s2.url}p/${m.id}`);
    await flameReady(page);
    await page.click('.tabs [data-view="top"]');
    await page.waitForSelector('.top-table tbody tr');
    assert.match(page.url(), /\/hearth\/p\//);
    await page.click('.tabs [data-view="graph"]');
    await page.waitForSelector('.pane-graph[data-state="ready"]', { timeout: 30000 });
    await page.click('.appbar a.nav');
    await page.waitForSelector('table.list tbody tr');
    assert.equal(new URL(page.url()).pathname, '/hearth/');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await s2.stop();
  }
});

test('screenshots were written', () => {
  const need = ['home', 'flame-hover', 'top', 'graph', 'diff-flame', 'diff-top', 'diff-graph', 'hostile-top']
    .flatMap(n => [`${n}-light.png`, `${n}-dark.png`]);
  for (const f of need) assert.ok(existsSync(join(SHOTS, f)), f);
  writeFileSync(join(SHOTS, 'README.txt'), `Written by tests/web/ui.test.mjs at ${new Date().toISOString()}\n`);
});
