// Browser tests of the flame graph's navigation and the exports: keyboard
// only use, Ctrl+wheel zoom at the pointer, drag to pan, the overview strip,
// the left-heavy and reversed options, PNG/SVG of the flame graph and CSV of
// the top table. Debian's chromium driven by playwright-core against a real
// `hearth serve` (see tests/web/ui.test.mjs for the set-up).
//
//   node tests/web/flamenav.test.mjs     (exit 77 = skipped: no chromium / node_modules / profiles)

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';
import { makeProfile, HOSTILE } from './lib/pprof.mjs';
import { parseCsv } from './lib/csv.mjs';
import { buildFlame, frameValues, nameOf, childrenOf, frameKey, ROW_H } from '../../web/js/model/flame.js';
import { frameColor } from '../../web/js/model/colors.js';
import { formatValue } from '../../web/js/model/format.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const GEN = process.env.HEARTH_GEN_DIR || join(ROOT, 'build/gen-profiles');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');
const CPU = join(GEN, 'cpu.pb.gz');
const HEAP0 = join(GEN, 'heap-series.0.pb.gz'), HEAP3 = join(GEN, 'heap-series.3.pb.gz');
/** the exported files' title line (panes/flame.js) */
const TITLE_H = 22;

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  for (const f of [CPU, HEAP0, HEAP3]) if (!why && !existsSync(f)) why = `${f} is missing (run tests/gen)`;
  if (why) {
    console.log(`# SKIP web.flamenav: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

/** Names a spreadsheet would run, and names that are markup. */
const FORMULAS = ['=HYPERLINK("http://x","y")', '+1+2', '-3-4', '@SUM(A1)', "=cmd|' /C calc'!A0"];

/** A profile with many functions (more rows than the top table's page), hostile and formula names among them. */
function wideProfile() {
  const samples = [];
  const names = [...HOSTILE, ...FORMULAS, 'with,comma', 'with "quotes"', ...Array.from({ length: 640 }, (_, k) => `pkg/wide.F${String(k).padStart(3, '0')}`)];
  // the hostile names are heavy enough to be drawn (and labelled) in the flame graph
  names.forEach((name, k) => {
    const v = k < HOSTILE.length ? 400 + k : 1 + (k % 37);
    samples.push({ stack: [name, k % 3 ? 'main.loop' : 'main.other', 'main.main'], values: [v, v * 1e6] });
  });
  return { bytes: makeProfile({ sampleTypes: [['samples', 'count'], ['cpu', 'nanoseconds']], periodType: ['cpu', 'nanoseconds'], period: 1e6, samples }), names };
}

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
const ids = /** @type {Record<string, string>} */ ({});
let wideNames = /** @type {string[]} */ ([]);

before(async () => {
  srv = await startServer(BIN);
  browser = await launch();
  ids.cpu = (await uploadProfile(srv.url, readFileSync(CPU), 'cpu')).id;
  ids.heap0 = (await uploadProfile(srv.url, readFileSync(HEAP0), 'heap0')).id;
  ids.heap3 = (await uploadProfile(srv.url, readFileSync(HEAP3), 'heap3')).id;
  const w = wideProfile();
  wideNames = w.names;
  ids.wide = (await uploadProfile(srv.url, w.bytes, 'wide <img src=x onerror=alert(1)>')).id;
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

/* ---- helpers ---- */

/** @param {import('playwright-core').Page} page @param {string} name */
async function shot(page, name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SHOTS, `flamenav-${name}.png`) });
}

/** Wait until the flame graph has drawn data; the API query it used. */
async function flameReady(page, variant = '|') {
  await page.waitForFunction(v => {
    const c = document.querySelector('canvas.flame-canvas');
    const pane = document.querySelector('.pane-flame');
    return c && pane && !pane.classList.contains('loading') && c.dataset.painted === '1' && Number(c.dataset.nodes) > 0 &&
      (c.dataset.variant || '|') === v;
  }, variant, { timeout: 20000 });
  await page.waitForTimeout(300); // the zoom animation
  return page.$eval('canvas.flame-canvas', c => c.dataset.query || '');
}

/** @param {string} id @param {string} query */
async function apiFlame(id, query) {
  return buildFlame(await getJson(`${srv.url}api/profiles/${id}/flamegraph${query}`));
}

/** The canvas's box and window (vx0, vw in value units). */
async function view(page) {
  return page.$eval('canvas.flame-canvas', c => {
    const r = c.getBoundingClientRect();
    const scroll = /** @type {HTMLElement} */ (c.parentElement).scrollTop;
    return { x: r.left, y: r.top, w: r.width, h: r.height, vx0: Number(c.dataset.vx0), vw: Number(c.dataset.vw), scroll, sel: Number(c.dataset.sel), selName: c.dataset.selName || '' };
  });
}

/** A frame's centre on the page for the current window. */
async function frameCenter(page, fd, i) {
  const v = await view(page);
  const l = Math.max(fd.x0[i], v.vx0), r = Math.min(fd.x0[i] + fd.width[i], v.vx0 + v.vw);
  return { x: v.x + (((l + r) / 2 - v.vx0) / v.vw) * v.w, y: v.y + fd.depth[i] * ROW_H + ROW_H / 2 - v.scroll };
}

/** Hover a point; the tooltip's frame. */
async function hover(page, pt) {
  await page.mouse.move(pt.x - 2, pt.y);
  await page.mouse.move(pt.x, pt.y);
  await page.waitForSelector('.tooltip:not([hidden]) .tip-frame', { timeout: 5000 });
  return page.$eval('.tooltip .tip-frame', e => ({ ...e.dataset }));
}

/** The URL's query parameters. */
const params = page => new URL(page.url()).searchParams;

/** The file a click downloads. */
async function download(page, selector) {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(/** @type {string} */ (path)) };
}

/** The heaviest child of frame i, by width (-1: none). */
function heaviest(fd, i) {
  const kids = childrenOf(fd, i).filter(j => fd.width[j] > 0);
  return kids.length ? kids.reduce((a, b) => (fd.width[b] > fd.width[a] ? b : a)) : -1;
}

/** The next frame on the same row to the right, by pre-order scan (independent of the model's helper). */
function rightOf(fd, i) {
  for (let j = i + 1; j < fd.n; j++) if (fd.depth[j] === fd.depth[i] && fd.width[j] > 0 && fd.x0[j] >= fd.x0[i] + fd.width[i]) return j;
  return i;
}

/* ---- keyboard ---- */

test('keyboard only: Tab into the graph, arrows, live region, Enter zooms, Esc unzooms, Shift+F10 menu', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.cpu}`);
  const q = await flameReady(page);
  const fd = await apiFlame(ids.cpu, q);
  // Tab until the graph has the focus
  let tabs = 0;
  while (tabs < 60 && !(await page.evaluate(() => document.activeElement?.classList.contains('flame-canvas')))) {
    await page.keyboard.press('Tab');
    tabs++;
  }
  assert.ok(tabs < 60, 'Tab never reached the flame graph');
  let v = await view(page);
  assert.equal(v.sel, 0);
  const live = () => page.$eval('.flame-live', e => e.textContent || '');
  assert.match(await live(), /^root: /);

  // Down: the heaviest callee; its name and value are announced
  await page.keyboard.press('ArrowDown');
  const d1 = heaviest(fd, 0);
  v = await view(page);
  assert.equal(v.sel, d1);
  assert.equal(v.selName, nameOf(fd, d1));
  assert.equal(await live(), `${nameOf(fd, d1)}: ${formatValue(fd.total[d1], fd.sample.unit)} (${(fd.total[d1] / fd.grandTotal * 100).toFixed(2)}%), self ${formatValue(fd.self[d1], fd.sample.unit)}, depth 1`);
  await page.keyboard.press('ArrowDown');
  const d2 = heaviest(fd, d1);
  assert.equal((await view(page)).sel, d2);
  // Right, then Left again; Up to the caller
  await page.keyboard.press('ArrowRight');
  const r2 = rightOf(fd, d2);
  assert.equal((await view(page)).sel, r2);
  assert.ok((await live()).startsWith(`${nameOf(fd, r2)}: `));
  await page.keyboard.press('ArrowLeft');
  assert.equal((await view(page)).sel, d2);
  await page.keyboard.press('ArrowUp');
  assert.equal((await view(page)).sel, d1);
  await page.keyboard.press('ArrowDown');
  await shot(page, 'keyboard-selected');
  // the selection is outlined in the focus colour (a drawn outline, not the hover's)
  const ring = await page.evaluate(([x0, w0, vx0, vw, depth, rowH]) => {
    const c = /** @type {HTMLCanvasElement} */ (document.querySelector('canvas.flame-canvas'));
    const copy = document.createElement('canvas');
    copy.width = c.width; copy.height = c.height;
    const ctx = /** @type {CanvasRenderingContext2D} */ (copy.getContext('2d'));
    ctx.drawImage(c, 0, 0);
    const x = Math.round(Math.max(0, (x0 - vx0) / vw * c.width) + 20);
    const px = ctx.getImageData(x, Math.round(depth * rowH + 1), 1, 1).data;
    const probe = document.createElement('canvas').getContext('2d');
    probe.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--focus').trim();
    probe.fillRect(0, 0, 1, 1);
    const f = probe.getImageData(0, 0, 1, 1).data;
    return Math.abs(px[0] - f[0]) + Math.abs(px[1] - f[1]) + Math.abs(px[2] - f[2]);
  }, [fd.x0[d2], fd.width[d2], 0, fd.width[0], fd.depth[d2], ROW_H]);
  assert.ok(ring < 30, `no focus outline on the selected frame (colour distance ${ring})`);

  // Enter zooms to the selection: the URL's zoom is its key
  await page.keyboard.press('Enter');
  await page.waitForFunction(k => new URL(location.href).searchParams.get('zoom') === k, frameKey(fd, d2));
  await page.waitForTimeout(300);
  v = await view(page);
  assert.ok(Math.abs(v.vx0 - fd.x0[d2]) < 1e-6 * fd.width[0] && Math.abs(v.vw - fd.width[d2]) < 1e-6 * fd.width[0]);
  await shot(page, 'keyboard-zoomed');
  // Esc: one level out (the caller), then the whole profile
  await page.keyboard.press('Escape');
  await page.waitForFunction(k => new URL(location.href).searchParams.get('zoom') === k, frameKey(fd, d1));
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('zoom'));
  assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('flame-canvas')));

  // Shift+F10: the selected frame's menu, keyboard-driven; Esc gives the focus back
  await page.keyboard.press('Shift+F10');
  await page.waitForSelector('.menu[role="menu"]');
  assert.equal(await page.textContent('.menu .menu-title'), nameOf(fd, d2));
  assert.ok(await page.evaluate(() => !!document.activeElement?.closest('.menu')));
  await shot(page, 'keyboard-menu');
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => !document.querySelector('.menu'));
  assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('flame-canvas')));
  // the ContextMenu key too; choosing "Zoom into this frame" from the keyboard
  await page.keyboard.press('ContextMenu');
  await page.waitForSelector('.menu[role="menu"]');
  await page.keyboard.press('Enter');
  await page.waitForFunction(k => new URL(location.href).searchParams.get('zoom') === k, frameKey(fd, d2));
  assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('flame-canvas')));
  assert.deepEqual(problems, []);
  await context.close();
});

/* ---- wheel, drag, overview ---- */

test('Ctrl+wheel zooms at the pointer, a plain wheel does not; drag pans; the overview strip moves the view', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.cpu}`);
  const q = await flameReady(page);
  const fd = await apiFlame(ids.cpu, q);
  // a frame two levels down, away from the edges
  const d1 = heaviest(fd, 0), d2 = heaviest(fd, d1);
  const pt = await frameCenter(page, fd, d2);
  const before = await hover(page, pt);
  assert.equal(before.name, nameOf(fd, d2));
  let v = await view(page);
  const at = (pt.x - v.x) / v.w;
  const valueAt = w => w.vx0 + at * w.vw;
  const v0 = valueAt(v);

  // a plain wheel scrolls rows; it never zooms
  await page.mouse.wheel(0, 120);
  await page.waitForTimeout(200);
  assert.equal((await view(page)).vw, v.vw);
  await page.mouse.wheel(0, -120);
  // Ctrl+wheel up zooms in around the pointer
  await page.keyboard.down('Control');
  for (let k = 0; k < 4; k++) await page.mouse.wheel(0, -200);
  await page.keyboard.up('Control');
  await page.waitForFunction(w => Number(document.querySelector('canvas.flame-canvas')?.dataset.vw) < w / 2, v.vw);
  await page.waitForTimeout(300);
  v = await view(page);
  assert.ok(v.vw < fd.width[0] / 2, `not zoomed in: ${v.vw} of ${fd.width[0]}`);
  // within half a pixel: what a user could see move
  assert.ok(Math.abs(valueAt(v) - v0) / v.vw * v.w < 0.5, `the point under the pointer moved: ${valueAt(v)} vs ${v0}`);
  assert.equal((await hover(page, pt)).name, nameOf(fd, d2));
  assert.equal(params(page).get('zoom'), null, 'a wheel zoom is not a frame zoom');
  await shot(page, 'wheel-zoomed');

  // the overview strip outlines the window
  const mini = async () => page.$eval('canvas.flame-minimap', c => {
    const r = c.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width, h: r.height, l: Number(c.dataset.l), r: Number(c.dataset.r) };
  });
  let m = await mini();
  assert.ok(Math.abs(m.l - (v.vx0 / fd.width[0]) * m.w) < 0.5 && Math.abs(m.r - ((v.vx0 + v.vw) / fd.width[0]) * m.w) < 0.5);

  // drag 120 px to the right: the frame under the start point is under the end point
  const zoomBefore = page.url();
  await page.mouse.move(pt.x, pt.y);
  await page.mouse.down();
  await page.mouse.move(pt.x + 40, pt.y + 1, { steps: 3 });
  await page.mouse.move(pt.x + 120, pt.y, { steps: 4 });
  await page.mouse.up();
  await page.waitForTimeout(200);
  const v2 = await view(page);
  assert.ok(Math.abs((v.vx0 - v2.vx0) - (120 / v.w) * v.vw) < v.vw * 1e-6, `panned by ${v.vx0 - v2.vx0}`);
  assert.equal(v2.vw, v.vw);
  assert.equal(page.url(), zoomBefore, 'the click that ends a drag does not zoom');
  assert.equal((await hover(page, { x: pt.x + 120, y: pt.y })).name, nameOf(fd, d2));

  // a click on the strip centres the window there; a drag moves it
  m = await mini();
  await page.mouse.click(m.x + m.w * 0.8, m.y + m.h / 2);
  await page.waitForTimeout(100);
  let v3 = await view(page);
  assert.ok(Math.abs(v3.vx0 + v3.vw / 2 - Math.min(fd.width[0] - v3.vw / 2, 0.8 * fd.width[0])) < fd.width[0] * 0.002, 'click did not centre the window');
  m = await mini();
  const mid = m.x + (m.l + m.r) / 2;
  await page.mouse.move(mid, m.y + m.h / 2);
  await page.mouse.down();
  await page.mouse.move(mid - 100, m.y + m.h / 2, { steps: 5 });
  await page.mouse.up();
  const v4 = await view(page);
  assert.ok(Math.abs((v3.vx0 - v4.vx0) - (100 / m.w) * fd.width[0]) < fd.width[0] * 0.002, `strip drag moved by ${v3.vx0 - v4.vx0}`);
  await shot(page, 'minimap-moved');

  // Esc undoes the wheel zoom and pans: the whole graph again
  await page.focus('canvas.flame-canvas');
  await page.keyboard.press('Escape');
  await page.waitForTimeout(400);
  v3 = await view(page);
  assert.equal(v3.vx0, 0);
  assert.equal(v3.vw, fd.width[0]);
  assert.deepEqual(problems, []);
  await context.close();
});

/* ---- options ---- */

test('left heavy and reversed: the order and inversion of the API flame graph, kept in the URL', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.cpu}`);
  const q = await flameReady(page);
  const fd = await apiFlame(ids.cpu, q);
  // the server orders siblings by name, as pprof
  const names = childrenOf(fd, 0).map(i => nameOf(fd, i));
  assert.deepEqual(names, [...names].sort());

  // left heavy: the first frame of a row is the heaviest callee
  await page.click('.flame-tools button[data-opt="heavy"]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('heavy') === '1');
  await flameReady(page, '|heavy');
  assert.equal(await page.getAttribute('.flame-tools button[data-opt="heavy"]', 'aria-pressed'), 'true');
  const v = await view(page);
  let i = 0;
  for (let depth = 1; depth <= 3; depth++) {
    const h = heaviest(fd, i);
    if (h < 0) break;
    const tip = await hover(page, { x: v.x + 2, y: v.y + depth * ROW_H + ROW_H / 2 });
    assert.equal(tip.name, nameOf(fd, h), `row ${depth}`);
    assert.equal(Number(tip.total), fd.total[h]);
    i = h;
  }
  await shot(page, 'left-heavy');

  // reversed: the functions where samples end under the root, callers below; check against the API's self values
  await page.click('.flame-tools button[data-opt="rev"]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('rev') === '1');
  await flameReady(page, 'rev|heavy');
  /** @type {Map<string, number>} leaf function -> sum of self */
  const leaves = new Map();
  /** @type {Map<string, number>} "leaf;caller" -> value */
  const pairs = new Map();
  for (let k = 1; k < fd.n; k++) {
    if (!fd.self[k]) continue;
    const nm = nameOf(fd, k);
    leaves.set(nm, (leaves.get(nm) || 0) + fd.self[k]);
    const p = fd.parent[k];
    if (p > 0) pairs.set(`${nm};${nameOf(fd, p)}`, (pairs.get(`${nm};${nameOf(fd, p)}`) || 0) + fd.self[k]);
  }
  const order = [...leaves].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  const first = order[0];
  let tip = await hover(page, { x: v.x + 2, y: v.y + ROW_H + ROW_H / 2 });
  assert.equal(tip.name, first[0]);
  assert.equal(Number(tip.total), first[1]);
  // its heaviest caller below it
  const callers = [...pairs].filter(([k2]) => k2.startsWith(`${first[0]};`)).sort((a, b) => b[1] - a[1]);
  if (callers.length) {
    tip = await hover(page, { x: v.x + 2, y: v.y + 2 * ROW_H + ROW_H / 2 });
    assert.equal(`${first[0]};${tip.name}`, callers[0][0]);
    assert.equal(Number(tip.total), callers[0][1]);
  }
  // the root keeps the whole total
  tip = await hover(page, { x: v.x + v.w / 2, y: v.y + ROW_H / 2 });
  assert.equal(Number(tip.total), fd.total[0]);
  assert.match(await page.textContent('.flame-legend'), /reversed/);
  console.log(`# reversed + left heavy of ${fd.n} frames built in ${await page.$eval('canvas.flame-canvas', c => c.dataset.variantMs)} ms`);
  await shot(page, 'reversed-heavy');

  // by name again (reversed only): the first leaf is the first name
  await page.click('.flame-tools button[data-opt="heavy"]');
  await flameReady(page, 'rev|');
  const byName = [...leaves.keys()].sort();
  tip = await hover(page, { x: v.x + 1, y: v.y + ROW_H + ROW_H / 2 });
  assert.equal(tip.name, byName[0]);
  await shot(page, 'reversed');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.mouse.move(v.x + v.w / 2, v.y - 60);
  await page.click('.flame-help summary');
  await shot(page, 'reversed-dark-keys');
  await page.click('.flame-help summary');
  await page.emulateMedia({ colorScheme: 'light' });

  // a link opens with the options on
  const fresh = await openPage(browser);
  await fresh.page.goto(`${srv.url}p/${ids.cpu}?rev=1&heavy=1`);
  await flameReady(fresh.page, 'rev|heavy');
  assert.equal(await fresh.page.getAttribute('.flame-tools button[data-opt="rev"]', 'aria-pressed'), 'true');
  const t2 = await hover(fresh.page, { x: v.x + 2, y: v.y + ROW_H + ROW_H / 2 });
  assert.equal(t2.name, first[0]);
  assert.deepEqual(fresh.problems, []);
  await fresh.context.close();
  assert.deepEqual(problems, []);
  await context.close();
});

/* ---- export ---- */

/**
 * Decode a PNG in the page and read pixels; also the RGB a CSS colour paints.
 * @returns {Promise<{w: number, h: number, px: number[][], want: number[][]}>}
 */
async function pngPixels(page, bytes, points, colors) {
  return page.evaluate(async ([b64, pts, cols]) => {
    const bin = Uint8Array.from(atob(b64), ch => ch.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bin], { type: 'image/png' }));
    const c = document.createElement('canvas');
    c.width = bmp.width; c.height = bmp.height;
    const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d', { willReadFrequently: true }));
    ctx.drawImage(bmp, 0, 0);
    const px = pts.map(([x, y]) => [...ctx.getImageData(x, y, 1, 1).data.slice(0, 3)]);
    const probe = /** @type {CanvasRenderingContext2D} */ (document.createElement('canvas').getContext('2d', { willReadFrequently: true }));
    const want = cols.map(col => { probe.clearRect(0, 0, 1, 1); probe.fillStyle = col; probe.fillRect(0, 0, 1, 1); return [...probe.getImageData(0, 0, 1, 1).data.slice(0, 3)]; });
    return { w: bmp.width, h: bmp.height, px, want };
  }, [bytes.toString('base64'), points, colors]);
}

test('PNG export: the view shown (zoom), at the device pixel ratio, frames in their colours, a title line', async () => {
  const context = await browser.newContext({ viewport: { width: 1200, height: 700 }, deviceScaleFactor: 2, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') problems.push(m.text()); });
  page.on('pageerror', e => problems.push(e.message));
  await page.goto(`${srv.url}p/${ids.cpu}`);
  const q = await flameReady(page);
  const fd = await apiFlame(ids.cpu, q);
  const d1 = heaviest(fd, 0);
  await page.goto(`${srv.url}p/${ids.cpu}?zoom=${frameKey(fd, d1)}`);
  await flameReady(page);
  const v = await view(page);
  const { name, bytes } = await download(page, '.flame-tools button.png');
  assert.equal(name, 'cpu-flame.png');
  assert.deepEqual([...bytes.subarray(1, 4)].map(b => String.fromCharCode(b)).join(''), 'PNG');
  writeFileSync(join(SHOTS, 'flamenav-export.png'), bytes);
  // IHDR: width and height at 2x
  const W = bytes.readUInt32BE(16), H = bytes.readUInt32BE(20);
  assert.equal(W, Math.round(v.w * 2));
  // rows: down to the deepest frame drawn in the zoomed window
  let deepest = 0;
  for (let k = d1; k < fd.end[d1]; k++) if (fd.width[k] / fd.width[d1] * v.w >= 0.3 && fd.depth[k] > deepest) deepest = fd.depth[k];
  assert.equal(H, (TITLE_H + (deepest + 1) * ROW_H) * 2);
  // sample the zoomed frame, its heaviest callee and the root (dimmed) near their right ends, clear of labels
  const kids = heaviest(fd, d1);
  const pick = [d1, kids].filter(k => k >= 0);
  const pts = pick.map(k => {
    const r = Math.min(fd.x0[k] + fd.width[k], fd.x0[d1] + fd.width[d1]);
    return [Math.floor(((r - fd.x0[d1]) / fd.width[d1] * v.w - 4) * 2), (TITLE_H + fd.depth[k] * ROW_H + 2) * 2];
  });
  const got = await pngPixels(page, bytes, [...pts, [4, 4]], [...pick.map(k => frameColor(nameOf(fd, k), false)), '#ffffff']);
  assert.equal(got.w, W);
  got.px.forEach((p, k) => {
    const d = Math.abs(p[0] - got.want[k][0]) + Math.abs(p[1] - got.want[k][1]) + Math.abs(p[2] - got.want[k][2]);
    assert.ok(d <= 6, `pixel ${k} at ${pts[k]}: ${p} vs ${got.want[k]}`);
  });
  // the title line has text (profile, sample type)
  const title = await pngPixels(page, bytes, Array.from({ length: 200 }, (_, k) => [8 + k, TITLE_H]), []);
  assert.ok(title.px.some(p => p[0] < 128), 'no title text');
  assert.deepEqual(problems, []);
  await context.close();
});

test('PNG export of a diff: frames in the diff colours', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.heap3}?base=${ids.heap0}`);
  const q = await flameReady(page);
  const fd = await apiFlame(ids.heap3, q);
  assert.ok(fd.diff);
  // the canvas's own colour for the root and its widest child, read from the view, must appear in the file
  const d1 = heaviest(fd, 0);
  const v = await view(page);
  const { bytes } = await download(page, '.flame-tools button.png');
  const x = Math.floor((fd.x0[d1] + fd.width[d1]) / fd.width[0] * v.w - 4);
  const onScreen = await page.evaluate(([x, y]) => {
    const c = /** @type {HTMLCanvasElement} */ (document.querySelector('canvas.flame-canvas'));
    const copy = document.createElement('canvas');
    copy.width = c.width; copy.height = c.height;
    const ctx = /** @type {CanvasRenderingContext2D} */ (copy.getContext('2d'));
    ctx.drawImage(c, 0, 0);
    return [...ctx.getImageData(x, y, 1, 1).data.slice(0, 3)];
  }, [x, fd.depth[d1] * ROW_H + 2]);
  const got = await pngPixels(page, bytes, [[x, TITLE_H + fd.depth[d1] * ROW_H + 2]], []);
  assert.deepEqual(got.px[0], onScreen);
  // a diff colour: red or green, not grey
  const [r, g, b] = onScreen;
  assert.ok(Math.abs(r - g) > 20 || Math.abs(g - b) > 20, `not a diff colour: ${onScreen}`);
  writeFileSync(join(SHOTS, 'flamenav-export-diff.png'), bytes);
  assert.deepEqual(problems, []);
  await context.close();
});

test('SVG export: one rect per frame drawn, hostile names stay text', async () => {
  const { context, page, problems } = await openPage(browser, { width: 1280 });
  await page.goto(`${srv.url}p/${ids.wide}`);
  const q = await flameReady(page);
  const fd = await apiFlame(ids.wide, q);
  const { name, bytes } = await download(page, '.flame-tools button.svg');
  assert.equal(name, 'wide_img_src_x_onerror_alert_1_-flame.svg');
  const text = bytes.toString('utf8');
  writeFileSync(join(SHOTS, 'flamenav-export.svg'), text);
  const drawn = Number(await page.$eval('canvas.flame-canvas', c => c.dataset.drawn));
  const res = await page.evaluate(src => {
    const doc = new DOMParser().parseFromString(src, 'image/svg+xml');
    const err = doc.querySelector('parsererror');
    return {
      err: err ? err.textContent : '',
      rects: doc.querySelectorAll('rect.frame').length,
      imgs: doc.getElementsByTagName('img').length + doc.getElementsByTagName('script').length + doc.getElementsByTagName('iframe').length,
      handlers: [...doc.querySelectorAll('*')].filter(e => [...e.attributes].some(a => /^on/i.test(a.name))).length,
      titles: [...doc.querySelectorAll('title')].map(t => t.textContent || ''),
      title: doc.querySelector('text.title')?.textContent || '',
    };
  }, text);
  assert.equal(res.err, '');
  // the graph is 3 levels deep: every row is on screen, so the file has what the canvas drew
  assert.equal(res.rects, drawn);
  let want = 0;
  for (let k = 0; k < fd.n; k++) if (fd.width[k] / fd.width[0] * 1280 >= 0.3) want++;
  assert.ok(Math.abs(res.rects - want) <= 2, `${res.rects} rects, ${want} frames wide enough`);
  assert.equal(res.imgs, 0);
  assert.equal(res.handlers, 0);
  for (const h of HOSTILE.slice(0, 3)) assert.ok(res.titles.some(t => t.startsWith(`${h}\n`)), `missing ${h}`);
  assert.match(res.title, /^wide <img src=x onerror=alert\(1\)> · cpu \(nanoseconds\)/);
  // the file shown as an image runs nothing either
  const p2 = await context.newPage();
  const p2problems = [];
  p2.on('pageerror', e => p2problems.push(e.message));
  p2.on('dialog', d => { p2problems.push(d.message()); d.dismiss().catch(() => {}); });
  await p2.setContent(`<body style="margin:0"><img id="x" src="data:image/svg+xml;base64,${bytes.toString('base64')}"></body>`);
  await p2.waitForFunction(() => /** @type {HTMLImageElement} */ (document.getElementById('x')).complete);
  await shot(p2, 'export-svg');
  // and opened as a document of its own
  await p2.goto(`data:image/svg+xml;base64,${bytes.toString('base64')}`);
  await p2.waitForTimeout(300);
  assert.deepEqual(p2problems, []);
  await p2.close();

  // filtered and zoomed: the file follows the view
  const q2 = `?f=${encodeURIComponent('main\\.loop')}`;
  await page.goto(`${srv.url}p/${ids.wide}${q2}`);
  const qq = await flameReady(page);
  const fd2 = await apiFlame(ids.wide, qq);
  const loop = childrenOf(fd2, childrenOf(fd2, 0)[0])[0];
  assert.equal(nameOf(fd2, loop), 'main.loop');
  await page.goto(`${srv.url}p/${ids.wide}${q2}&zoom=${frameKey(fd2, loop)}`);
  await flameReady(page);
  const svg2 = (await download(page, '.flame-tools button.svg')).bytes.toString('utf8');
  const r2 = await page.evaluate(src => {
    const doc = new DOMParser().parseFromString(src, 'image/svg+xml');
    return { rects: doc.querySelectorAll('rect.frame').length, dimmed: doc.querySelectorAll('rect.frame[fill-opacity]').length, title: doc.querySelector('text.title')?.textContent || '' };
  }, svg2);
  // the zoomed frame's subtree plus its two callers (root, main.main), dimmed
  assert.equal(r2.rects, fd2.end[loop] - loop + 2);
  assert.equal(r2.dimmed, 2);
  assert.match(r2.title, /f=main\\\.loop · zoom: main\.loop$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('CSV export of the top table: every row as shown, parsed back equals the API, formulas inert', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.wide}?view=top`);
  await page.waitForSelector('.top-table tbody tr');
  const query = await page.$eval('.pane-top', p => p.dataset.query || '');
  const api = await getJson(`${srv.url}api/profiles/${ids.wide}/top${query}`);
  assert.ok(api.rows.length > 500, `${api.rows.length} rows`);
  // the page holds only the rows in view (a virtual table); the file has all
  const shown = await page.$$eval('.top-table tbody tr', r => r.length);
  assert.ok(shown >= 10 && shown < api.rows.length, `${shown} rows in the page`);
  const { name, bytes } = await download(page, '.view-tools button.csv');
  assert.equal(name, 'wide_img_src_x_onerror_alert_1_-top.csv');
  const text = bytes.toString('utf8');
  assert.ok(text.endsWith('\r\n'));
  const rows = parseCsv(text);
  assert.deepEqual(rows[0].slice(0, 6), ['flat (nanoseconds)', 'flat%', 'sum%', 'cum (nanoseconds)', 'cum%', 'name']);
  // a CPU profile: the server estimates sampling noise, the file carries it after the name
  assert.deepEqual(rows[0].slice(6), ['flat stderr (nanoseconds)', 'cum stderr (nanoseconds)']);
  assert.equal(rows.length - 1, api.rows.length);
  let sum = 0;
  rows.slice(1).forEach((r, k) => {
    const a = api.rows[k];
    const nm = /^[=+\-@]/.test(a.name) ? `'${a.name}` : a.name;
    assert.equal(r[5], nm);
    assert.equal(Number(r[0]), a.flat);
    assert.equal(Number(r[3]), a.cum);
    assert.equal(r[6], a.flat_err === undefined ? '' : String(a.flat_err));
    sum += a.flat;
    assert.equal(Number(r[2]), Math.round(sum / api.total * 10000) / 100);
  });
  for (const f of FORMULAS) assert.ok(rows.some(r => r[5] === `'${f}`), `formula ${f} not made inert`);
  for (const h of HOSTILE) assert.ok(rows.some(r => r[5] === h || r[5] === `'${h}`), `missing ${h}`);
  assert.ok(rows.some(r => r[5] === 'with "quotes"') && rows.some(r => r[5] === 'with,comma'));

  // sorted by name and filtered by the search: the file follows
  await page.goto(`${srv.url}p/${ids.wide}?view=top&sort=name&q=${encodeURIComponent('wide\\.F0[0-4]')}`);
  await page.waitForSelector('.top-table tbody tr');
  const some = parseCsv((await download(page, '.view-tools button.csv')).bytes.toString('utf8'));
  const want = api.rows.map(r => r.name).filter(n => /wide\.F0[0-4]/.test(n)).sort();
  assert.deepEqual(some.slice(1).map(r => r[5]), want);
  await page.screenshot({ path: join(SHOTS, 'flamenav-top-csv.png') });
  assert.deepEqual(problems, []);
  await context.close();
});
