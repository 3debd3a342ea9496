// Browser tests of the "Callers/callees" (sandwich) view: opened from the
// flame graph's menu and Alt+click, a Top row, a call-graph node and a
// search; moved by a click on a frame and on a peek row; a link opened in a
// fresh browser context; diff mode. The numbers shown are checked against
// the API (which tests/http/sandwich_test.py checks against pprof), and the
// graphs' pixels are sampled.
//
//   node tests/web/sandwich.test.mjs   (exit 77 = skipped: no chromium / node_modules / profiles)
//
// Environment: as tests/web/ui.test.mjs (HEARTH_BIN, HEARTH_GEN_DIR, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';
import { buildFlame, childrenOf, nameOf, ROW_H } from '../../web/js/model/flame.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const GEN = process.env.HEARTH_GEN_DIR || join(ROOT, 'build/gen-profiles');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');
const P = {
  heap0: join(GEN, 'heap-series.0.pb.gz'),
  heap3: join(GEN, 'heap-series.3.pb.gz'),
  cpu: join(GEN, 'cpu.pb.gz'),
  deep: join(GEN, 'edge-deep.pb.gz'),
};

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why) for (const f of Object.values(P)) if (!existsSync(f)) why = `${f} is missing`;
  if (why) {
    console.log(`# SKIP web.sandwich: ${why}`);
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
  for (const k of Object.keys(P)) ids[k] = (await uploadProfile(srv.url, readFileSync(P[k]), k)).id;
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

/** @param {import('playwright-core').Page} page @param {string} name */
async function shot(page, name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** Wait until the sandwich shows `fn` (both graphs painted); returns the bar's numbers. */
async function sandwichReady(page, fn) {
  await page.waitForFunction(f => {
    const pane = document.querySelector('.pane-sandwich');
    const cs = document.querySelectorAll('.pane-sandwich canvas.flame-canvas');
    return pane && !pane.hidden && !pane.classList.contains('loading') &&
      new URLSearchParams(pane.dataset.query || '').get('fn') === f &&
      cs.length === 2 && [...cs].every(c => c.dataset.painted === '1' && Number(c.dataset.nodes) > 1) &&
      document.querySelector('.sw-bar');
  }, fn, { timeout: 20000 });
  return page.$eval('.sw-bar', b => ({ ...b.dataset, name: b.querySelector('.sw-name')?.textContent || '' }));
}

/** Share of non-background pixels of each sandwich canvas. */
function inkOf(page) {
  return page.$$eval('.pane-sandwich canvas.flame-canvas', cs => cs.map(c => {
    const copy = document.createElement('canvas');
    copy.width = c.width;
    copy.height = c.height;
    const x = /** @type {CanvasRenderingContext2D} */ (copy.getContext('2d'));
    x.drawImage(c, 0, 0);
    const d = x.getImageData(0, 0, c.width, c.height).data;
    const probe = /** @type {CanvasRenderingContext2D} */ (document.createElement('canvas').getContext('2d'));
    probe.fillStyle = getComputedStyle(c).getPropertyValue('--flame-bg').trim() || '#ffffff';
    probe.fillRect(0, 0, 1, 1);
    const bg = probe.getImageData(0, 0, 1, 1).data;
    let ink = 0;
    for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 30) ink++;
    return ink / (d.length / 4);
  }));
}

/** Row (0 = top) of the canvas pixels holding the first non-background colour, per canvas. */
function firstInkRow(page) {
  return page.$$eval('.pane-sandwich canvas.flame-canvas', cs => cs.map(c => {
    const x = /** @type {CanvasRenderingContext2D} */ (document.createElement('canvas').getContext('2d'));
    x.canvas.width = c.width;
    x.canvas.height = c.height;
    x.drawImage(c, 0, 0);
    const d = x.getImageData(0, 0, c.width, c.height).data;
    const probe = /** @type {CanvasRenderingContext2D} */ (document.createElement('canvas').getContext('2d'));
    probe.fillStyle = getComputedStyle(c).getPropertyValue('--flame-bg').trim() || '#ffffff';
    probe.fillRect(0, 0, 1, 1);
    const bg = probe.getImageData(0, 0, 1, 1).data;
    const rows = [];
    for (let y = 0; y < c.height; y++) {
      let any = false;
      for (let xx = 0; xx < c.width && !any; xx += 2) {
        const i = (y * c.width + xx) * 4;
        if (Math.abs(d[i] - bg[0]) + Math.abs(d[i + 1] - bg[1]) + Math.abs(d[i + 2] - bg[2]) > 30) any = true;
      }
      rows.push(any ? 1 : 0);
    }
    return { first: rows.indexOf(1), last: rows.lastIndexOf(1), h: c.height };
  }));
}

async function api(id, view, q) {
  return getJson(`${srv.url}api/profiles/${id}/${view}?${new URLSearchParams(q)}`);
}

test('flame graph menu and Alt+click open the sandwich; its numbers are the API\u2019s', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.cpu}`);
  await page.waitForFunction(() => document.querySelector('.pane-flame canvas.flame-canvas')?.dataset.painted === '1' && Number(document.querySelector('.pane-flame canvas.flame-canvas')?.dataset.nodes) > 1);
  const fd = buildFlame(await api(ids.cpu, 'flamegraph', {}));
  // the widest frame two levels down
  let i = childrenOf(fd, 0)[0];
  const kids = childrenOf(fd, i);
  i = kids.reduce((a, b) => (fd.width[b] > fd.width[a] ? b : a), kids[0]);
  const name = nameOf(fd, i);
  const box = await page.$eval('.pane-flame canvas.flame-canvas', c => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width }; });
  const pt = { x: box.x + ((fd.x0[i] + fd.width[i] / 2) / fd.width[0]) * box.w, y: box.y + fd.depth[i] * ROW_H + ROW_H / 2 };
  await page.mouse.click(pt.x, pt.y, { button: 'right' });
  await page.click('.menu button:has-text("Callers and callees")');
  await page.waitForFunction(n => new URL(location.href).searchParams.get('view') === 'sandwich' && new URL(location.href).searchParams.get('fn') === n, name);
  const bar = await sandwichReady(page, name);
  await shot(page, 'sandwich-cpu');
  const j = await api(ids.cpu, 'sandwich', { fn: name });
  assert.equal(Number(bar.cum), j.cum);
  assert.equal(Number(bar.flat), j.flat);
  assert.equal(bar.name, name);
  assert.ok(j.cum > 0);
  assert.equal(await page.getAttribute('[role=tab][data-view=sandwich]', 'aria-selected'), 'true');
  const ink = await inkOf(page);
  assert.ok(ink[0] > 0.05 && ink[1] > 0.05, `graphs look blank: ${ink}`);
  // callers grow upwards: the callers graph is drawn from its bottom edge
  const rows = await firstInkRow(page);
  assert.ok(rows[0].last >= rows[0].h - 3, `callers graph not anchored at the bottom: ${JSON.stringify(rows[0])}`);
  assert.ok(rows[1].first <= 2, `callees graph not anchored at the top: ${JSON.stringify(rows[1])}`);
  // the peek table: one node row, its callers and callees with the API's weights
  const pk = await api(ids.cpu, 'peek', { peek: `^${name.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')}$` });
  assert.equal(pk.nodes.length, 1);
  assert.equal(await page.locator('.peek-table tr.peek-node').count(), 1);
  assert.equal(await page.locator('.peek-table tr.peek-caller').count(), pk.nodes[0].callers.length);
  assert.equal(await page.locator('.peek-table tr.peek-callee').count(), pk.nodes[0].callees.length);
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'sandwich-cpu-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // a click on a callee frame moves the sandwich there
  const down = buildFlame(j.callees);
  const piv = childrenOf(down, 0)[0];
  const callee = childrenOf(down, piv).reduce((a, b) => (down.width[b] > down.width[a] ? b : a));
  const cname = nameOf(down, callee);
  const dbox = await page.$eval('.sw-down canvas.flame-canvas', c => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width }; });
  // the root row is hidden: the function is row 0, its callees row 1
  await page.mouse.click(dbox.x + ((down.x0[callee] + down.width[callee] / 2) / down.width[0]) * dbox.w, dbox.y + ROW_H + ROW_H / 2);
  await sandwichReady(page, cname);
  // back, then a caller in the peek table
  await page.goBack();
  await sandwichReady(page, name);
  const caller = pk.nodes[0].callers[0].name;
  await page.click(`.peek-table tr.peek-caller button.fn >> text="${caller}"`);
  const b2 = await sandwichReady(page, caller);
  assert.equal(Number(b2.cum), (await api(ids.cpu, 'sandwich', { fn: caller })).cum);

  // Alt+click on a flame graph frame
  await page.goto(`${srv.url}p/${ids.cpu}`);
  await page.waitForFunction(() => document.querySelector('.pane-flame canvas.flame-canvas')?.dataset.painted === '1' && Number(document.querySelector('.pane-flame canvas.flame-canvas')?.dataset.nodes) > 1);
  await page.keyboard.down('Alt');
  await page.mouse.click(pt.x, pt.y);
  await page.keyboard.up('Alt');
  await sandwichReady(page, name);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a Top row, a call-graph node and a search open the sandwich', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.heap3}?view=top`);
  await page.waitForSelector('.top-table tbody tr button.pivot');
  const first = await page.$eval('.top-table tbody tr button.fn', b => b.textContent || '');
  await page.click('.top-table tbody tr:first-child button.pivot');
  let bar = await sandwichReady(page, first);
  assert.equal(Number(bar.cum), (await api(ids.heap3, 'sandwich', { fn: first })).cum);
  await shot(page, 'sandwich-from-top');

  await page.goto(`${srv.url}p/${ids.cpu}?view=graph`);
  await page.waitForSelector('.pane-graph g.node[data-name]', { timeout: 30000 });
  const node = page.locator('.pane-graph g.node[data-name]').nth(1);
  const nname = await node.getAttribute('data-name');
  await node.click({ button: 'right' });
  await page.click('.menu button:has-text("Callers and callees")');
  bar = await sandwichReady(page, nname || '');
  assert.equal(Number(bar.cum), (await api(ids.cpu, 'sandwich', { fn: nname })).cum);

  // a search: its matches (a regex) become the sandwich's function
  await page.goto(`${srv.url}p/${ids.cpu}`);
  await page.fill('#search', 'sort\\.');
  await page.waitForSelector('.search-pivot:not([hidden])');
  await page.click('.search-pivot');
  bar = await sandwichReady(page, '(?i)sort\\.');
  const j = await api(ids.cpu, 'sandwich', { fn: '(?i)sort\\.' });
  assert.ok(j.matched.length > 1);
  assert.equal(Number(bar.cum), j.cum);
  assert.match(bar.name, /functions matching/);
  await shot(page, 'sandwich-search-regex');
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a sandwich link with filters and granularity opens the same in a fresh browser context', async () => {
  const fn = 'sort.pdqsort';
  const q = `g=lines&h=${encodeURIComponent('^runtime')}&view=sandwich`;
  const lines = await api(ids.cpu, 'top', { g: 'lines', h: '^runtime' });
  const fnLine = lines.rows.find(r => r.name.startsWith(`${fn} `))?.name;
  assert.ok(fnLine, 'a line of sort.pdqsort');
  const url = `${srv.url}p/${ids.cpu}?${q}&fn=${encodeURIComponent(fnLine)}`;
  const { page, problems } = await openPage(browser);
  await page.goto(url);
  const bar = await sandwichReady(page, fnLine);
  const j = await api(ids.cpu, 'sandwich', { g: 'lines', h: '^runtime', fn: fnLine });
  assert.equal(Number(bar.cum), j.cum);
  assert.equal(await page.inputValue('#g'), 'lines');
  await shot(page, 'sandwich-link-lines');
  assert.deepEqual(problems, []);
  await page.context().close();
  // no such function: a clear notice, no graphs
  const o = await openPage(browser);
  await o.page.goto(`${srv.url}p/${ids.cpu}?view=sandwich&fn=nothing-like-this`);
  await o.page.waitForSelector('.pane-sandwich .notice:has-text("No function named")');
  await o.page.goto(`${srv.url}p/${ids.cpu}?view=sandwich&fn=${encodeURIComponent('a((')}`);
  await o.page.waitForSelector('.pane-sandwich .pane-msg :text("fn")');
  // that answer was a 400, which the browser logs: expected here
  o.problems.splice(0, o.problems.length, ...o.problems.filter(p => !/status of 400/.test(p)));
  await o.page.goto(`${srv.url}p/${ids.cpu}?view=sandwich`);
  await o.page.waitForSelector('.pane-sandwich .notice:has-text("Choose a function")');
  await o.page.fill('.sw-input', fn);
  await o.page.press('.sw-input', 'Enter');
  await sandwichReady(o.page, fn);
  assert.deepEqual(o.problems, []);
  await o.context.close();
});

test('diff mode: both sides\u2019 values in the bar, diff colours in the graphs', async () => {
  const top = await api(ids.heap3, 'top', { base: ids.heap0 });
  const fn = top.rows.filter(r => r.cum !== 0 && r.base_cum !== undefined).sort((a, b) => Math.abs(b.cum) - Math.abs(a.cum))[0]?.name
    || top.rows[0].name;
  const { page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.heap3}?base=${ids.heap0}&view=sandwich&fn=${encodeURIComponent(fn)}`);
  const bar = await sandwichReady(page, fn);
  const j = await api(ids.heap3, 'sandwich', { base: ids.heap0, fn });
  assert.equal(j.diff, true);
  assert.equal(Number(bar.cum), j.cum);
  assert.equal(Number(bar.baseCum), j.base_cum);
  assert.match(await page.textContent('.sw-vals') || '', /→/);
  assert.ok(new URLSearchParams(await page.$eval('.pane-sandwich', p => p.dataset.query || '')).get('base') === ids.heap0);
  const ink = await inkOf(page);
  assert.ok(ink[0] > 0.02 && ink[1] > 0.02, `graphs look blank: ${ink}`);
  await shot(page, 'sandwich-diff');
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('deep callers: the inverted graph scrolls up with the wheel; hover names the frame under the pointer', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.deep}?view=sandwich&fn=d0999`);
  await sandwichReady(page, 'd0999');
  const box = await page.$eval('.sw-up canvas.flame-canvas', c => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width, h: r.height }; });
  const tipAt = async y => {
    await page.mouse.move(box.x + 200, y - 2);
    await page.mouse.move(box.x + 200, y);
    await page.waitForSelector('.tooltip:not([hidden]) .tip-frame', { timeout: 5000 });
    return page.$eval('.tooltip .tip-frame', e => e.dataset.name);
  };
  // bottom row: the function itself; the row above: its direct caller
  assert.equal(await tipAt(box.y + box.h - ROW_H / 2 - 2), 'd0999');
  assert.equal(await tipAt(box.y + box.h - ROW_H - ROW_H / 2 - 2), 'd0998');
  const topBefore = await tipAt(box.y + ROW_H / 2 + 2);
  await page.mouse.wheel(0, -10 * ROW_H);
  await page.waitForFunction(() => (document.querySelector('.sw-up .flame-scroll')?.scrollTop || 0) > 0);
  await page.waitForTimeout(200);
  const topAfter = await tipAt(box.y + ROW_H / 2 + 4);
  assert.ok(topAfter < topBefore, `wheel up shows callers further up: ${topBefore} -> ${topAfter}`);
  await shot(page, 'sandwich-deep-scrolled');
  assert.deepEqual(problems, []);
  await page.context().close();
});
