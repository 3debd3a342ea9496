// Browser benchmark of every view of the 1M-sample profile (issue 14, goal 1):
// time from opening a view's URL in a fresh headless Chromium context to its
// first useful paint, cold (right after a server restart: the profile is
// decoded on demand) and warm (a second fresh context on the same URL: the
// server's caches hold the answer, the browser's is empty); upload through
// the home page's file picker to the first flame paint; and redraws after
// switching the sample type, the granularity or a filter.
//
//   node tests/bench/browser.mjs [profile.pb.gz] [base.pb.gz]
//
// Defaults: ../shared/corpus/generated/large-1m.pb.gz, and the same file
// uploaded again under another name as the diff's base. A diff of a
// profile against itself has no Top rows (every delta is 0), so "diff top"
// is left out then; give a base of the same program sampled again (e.g.
// tests/gen's large profile with another sampling seed) to time it. "First useful
// paint": the flame canvas drawn, more than 10 Top rows shown, more than 10
// call-graph nodes laid out, the sandwich's callers and callees drawn.
// Median of HEARTH_BENCH_RUNS (default 3) runs; each value is printed next
// to its goal and to the same run's baseline (a fresh context opening a
// static file of the same server: what any page costs before Hearth's work). Not a test: it prints figures and never fails on speed.

import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir, loadavg } from 'node:os';
import { whyNot, launch, openPage } from '../web/lib/browser.mjs';
import { startServer, uploadProfile, getJson } from '../web/lib/server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const FILE = process.argv[2] || join(ROOT, '../shared/corpus/generated/large-1m.pb.gz');
const BASE = process.argv[3] || FILE;
const RUNS = Number(process.env.HEARTH_BENCH_RUNS || 3);
const ONLY = process.env.HEARTH_BENCH_ONLY ? new RegExp(process.env.HEARTH_BENCH_ONLY) : null;
const GOAL = { warm: 1000, cold: 1500, upload: 2000, switch: 500 };

const why = (await whyNot()) || (!existsSync(BIN) ? `${BIN} is missing` : '') || (!existsSync(FILE) ? `${FILE} is missing` : '');
if (why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

const data = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
let srv = await startServer(BIN, [], data);
const browser = await launch();
const bytes = readFileSync(FILE);
const meta = await uploadProfile(srv.url, bytes, 'large-1m');
const base = await uploadProfile(srv.url, readFileSync(BASE), 'large-1m base');
const top = await getJson(`${srv.url}api/profiles/${meta.id}/top`);
const topRows = top.rows || top.items || top;
const fn = (Array.isArray(topRows) ? topRows : []).map((/** @type {any} */ r) => r.name).find((/** @type {string} */ n) => n && !/^runtime\./.test(n)) || 'main.main';
console.log(`profile: ${FILE} (${(bytes.length / 1048576).toFixed(1)} MB, ${meta.samples} samples); base ${BASE}; sandwich of ${fn}`);
console.log(`${process.env.HEARTH_BENCH_NO_EARLY ? 'baseline: js/early.js blanked; ' : ''}load average at start: ${loadavg().map(x => x.toFixed(2)).join(' ')} (${process.env.HEARTH_BIN ? BIN : 'build/hearth'})`);

/**
 * Readiness predicate, evaluated in the page at every animation frame (the
 * page's CSP forbids strings): the page's own clock when the view first
 * showed its useful paint (polled each frame, so at most a frame late), 0
 * before. The time is taken in the page, not after the answer has travelled
 * back to this script: that round trip is the benchmark's, not the user's.
 */
const READY = (/** @type {string} */ what) => {
  let ok;
  if (what === 'flame') {
    const c = /** @type {HTMLElement|null} */ (document.querySelector('.pane-flame canvas.flame-canvas'));
    ok = !!c && c.dataset.painted === '1' && Number(c.dataset.nodes) > 1;
  } else if (what === 'top') ok = document.querySelectorAll('.pane-top tbody tr').length > 10;
  else if (what === 'graph') ok = performance.getEntriesByName('hearth:graph-first-paint').length > 0 && document.querySelectorAll('.pane-graph g.node[data-name]').length > 10;
  else ok = [...document.querySelectorAll('.pane-sandwich canvas')].filter(c => /** @type {HTMLElement} */ (c).dataset.painted === '1').length >= 2;
  return ok ? performance.now() : 0;
};
/** @typedef {'flame'|'top'|'graph'|'sandwich'} What */

/**
 * Open a view's URL in a fresh context; ms from navigation start to ready.
 * @param {string} path @param {What} what @param {boolean} [keep] leave the page open
 */
async function open(path, what, keep = false) {
  const { context, page } = await fresh();
  await page.goto(`${srv.url}${path}`, { waitUntil: 'commit' });
  let ms = 0;
  try {
    ms = await (await page.waitForFunction(READY, what, { timeout: 60000, polling: 'raf' })).jsonValue();
  } catch (e) {
    await page.screenshot({ path: join(tmpdir(), `hearth-bench-${what}.png`) });
    throw new Error(`${path}: not ready (${e})`);
  }
  if (!keep) { await context.close(); return { ms }; }
  return { ms, context, page };
}

/** A fresh context; HEARTH_BENCH_NO_EARLY=1 (the same-run baseline) blanks js/early.js. */
async function fresh() {
  const r = await openPage(browser);
  if (process.env.HEARTH_BENCH_NO_EARLY) await r.page.route('**/js/early.js', x => x.fulfill({ status: 200, contentType: 'text/javascript', body: '' }));
  return r;
}

async function restart() {
  await srv.stop();
  srv = await startServer(BIN, [], data);
}

/** @type {Record<string, {goal: number, v: number[]}>} */
const res = {};
const add = (/** @type {string} */ name, /** @type {number} */ goal, /** @type {number} */ v) => {
  (res[name] ||= { goal, v: [] }).v.push(v);
  console.log(`  ${name}: ${v.toFixed(0)} ms`);
};

const views = /** @type {[string, string, What][]} */ ([
  ['flame', `p/${meta.id}`, 'flame'],
  ['top', `p/${meta.id}?view=top`, 'top'],
  ['call graph', `p/${meta.id}?view=graph`, 'graph'],
  ['sandwich', `p/${meta.id}?view=sandwich&fn=${encodeURIComponent(fn)}`, 'sandwich'],
  ['diff flame', `p/${meta.id}?base=${base.id}`, 'flame'],
  ...(BASE === FILE ? [] : [['diff top', `p/${meta.id}?view=top&base=${base.id}`, 'top']]),
]);

/**
 * Switch a control on an open flame page and time the redraw.
 * @param {import('playwright-core').Page} page @param {string} param @param {() => Promise<void>} act
 */
async function switchTime(page, param, act) {
  const before = await page.evaluate(() => Number(document.querySelector('.pane-flame canvas.flame-canvas')?.dataset.draws));
  const t0 = await page.evaluate(() => performance.now());
  await act();
  await page.waitForFunction(([p, d]) => {
    const c = /** @type {HTMLElement} */ (document.querySelector('.pane-flame canvas.flame-canvas'));
    return c && (c.dataset.query || '').includes(String(p)) && Number(c.dataset.draws) > Number(d);
  }, [param, before], { timeout: 60000, polling: 'raf' });
  return (await page.evaluate(() => performance.now())) - t0;
}

/** Pause between a view's cold and warm visits (ms). */
const SETTLE_MS = 3000;

/**
 * The same run's floor: a fresh context opening a small static file of the
 * same server (robots.txt) until its load event. Every view pays this much
 * before any of Hearth's own work.
 */
async function floor() {
  const { context, page } = await fresh();
  await page.goto(`${srv.url}robots.txt`, { waitUntil: 'load' });
  const ms = await page.evaluate(() => /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType('navigation')[0]).loadEventEnd);
  await context.close();
  return ms;
}

for (let k = 0; k < RUNS; k++) {
  console.log(`run ${k + 1} (load ${loadavg()[0].toFixed(2)})`);
  add('baseline: static file, fresh context', 0, await floor());
  for (const [name, path, what] of views) {
    if (ONLY && !ONLY.test(name)) continue;
    await restart();
    add(`${name} cold`, GOAL.cold, (await open(path, what)).ms);
    // warm: a second visitor once the server holds the answer; the first page may
    // have left work running (Top asks for every row after its first screen, a diff's
    // full table takes the server a second or two), which is not this visit's
    await new Promise(r => setTimeout(r, SETTLE_MS));
    add(`${name} warm`, GOAL.warm, (await open(path, what)).ms);
  }
  if (!ONLY || ONLY.test('upload')) {
    // upload through the page: a fresh server, the home page's file picker, then the profile page
    await restart();
    const { context, page } = await fresh();
    await page.goto(srv.url);
    await page.waitForSelector('#file-input', { state: 'attached' });
    const t0 = Date.now();
    await page.setInputFiles('#file-input', FILE);
    await page.waitForFunction(READY, 'flame', { timeout: 60000, polling: 'raf' });
    add('upload → first flame paint', GOAL.upload, Date.now() - t0);
    await context.close();
  }
  if (!ONLY || ONLY.test('switch')) {
    // a fresh server each run: every switch computes its view (the view cache is empty)
    await restart();
    const { context, page } = await open(`p/${meta.id}`, 'flame', true);
    const si = await page.$$eval('#si option', os => os.map(o => /** @type {HTMLOptionElement} */ (o).value));
    const cur = await page.$eval('#si', s => /** @type {HTMLSelectElement} */ (s).value);
    const other = si.find(v => v !== cur) || cur;
    add('switch sample type', GOAL.switch, await switchTime(page, `si=${other}`, () => page.selectOption('#si', other).then(() => {})));
    add('switch granularity', GOAL.switch, await switchTime(page, 'g=files', () => page.selectOption('#g', 'files').then(() => {})));
    add('apply a filter (focus)', GOAL.switch, await switchTime(page, 'f=main', () => page.evaluate(() => {
      const i = /** @type {HTMLInputElement} */ (document.querySelector('#flt-f'));
      i.value = 'main';
      /** @type {HTMLFormElement} */ (i.form).requestSubmit();
    })));
    await context.close();
  }
}
await browser.close();
await srv.stop();
rmSync(data, { recursive: true, force: true });

const med = (/** @type {number[]} */ a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
console.log(`\nmedian of ${RUNS} (load average now ${loadavg().map(x => x.toFixed(2)).join(' ')})`);
const base0 = res['baseline: static file, fresh context'] ? med(res['baseline: static file, fresh context'].v) : 0;
for (const [name, r] of Object.entries(res)) {
  const m = med(r.v);
  const verdict = r.goal ? `goal < ${r.goal} ms  ${m <= r.goal ? 'ok  ' : 'OVER'}  ${(m - base0).toFixed(0).padStart(5)} ms above the baseline` : 'the same run\'s baseline';
  console.log(`${name.padEnd(36)} ${m.toFixed(0).padStart(6)} ms   ${verdict}   [${r.v.map(x => x.toFixed(0)).join(', ')}]`);
}
