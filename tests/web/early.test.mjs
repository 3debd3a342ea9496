// Browser tests of js/early.js: a profile link asks for its first view's
// answer before the modules load, and the page uses that answer instead of
// asking again (one request per URL), showing the same rows as the API; a
// state the script leaves to the page (noinlines) and a guess that misses
// still show the right view. The modules of views a link does not show load
// when their tab opens; a link to such a view preloads them before main.js runs.
//
//   node tests/web/early.test.mjs   (exit 77 = skipped: no chromium / node_modules / profiles)
//
// Environment: as tests/web/ui.test.mjs (HEARTH_BIN, HEARTH_GEN_DIR, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const GEN = process.env.HEARTH_GEN_DIR || join(ROOT, 'build/gen-profiles');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');
const CPU = join(GEN, 'cpu.pb.gz');

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why && !existsSync(CPU)) why = `${CPU} is missing`;
  if (why) {
    console.log(`# SKIP web.early: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {any} */
let meta;

before(async () => {
  srv = await startServer(BIN);
  browser = await launch();
  meta = await uploadProfile(srv.url, readFileSync(CPU), 'cpu');
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

/**
 * Open a link, wait for the view, and list the API requests the page made.
 * @param {string} path @param {(page: import('playwright-core').Page) => Promise<unknown>} ready
 */
async function visit(path, ready) {
  const { context, page, problems } = await openPage(browser);
  /** @type {string[]} */
  const asked = [];
  page.on('request', r => { if (r.url().includes('/api/')) asked.push(r.url().replace(srv.url, '')); });
  await page.goto(`${srv.url}${path}`);
  await ready(page);
  return { context, page, problems, asked };
}

test('a Top link: one request for the first page, made before the modules, rows as the API gives them', async () => {
  const { context, page, problems, asked } = await visit(`p/${meta.id}?view=top`, p => p.waitForSelector('.pane-top tbody tr'));
  const top = asked.filter(u => /\/top(\?|$)/.test(u));
  // the first screen's page, then (in the background) every row when there are more
  assert.equal(top[0], `api/profiles/${meta.id}/top?limit=100`);
  assert.ok(top.slice(1).every(u => u === `api/profiles/${meta.id}/top`), top.join('\n'));
  assert.equal(asked.filter(u => u === `api/profiles/${meta.id}`).length, 1, asked.join('\n'));
  // asked before main.js had run: early.js's map exists and was emptied by the page
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).hearthEarly?.size), 0);
  const api = await getJson(`${srv.url}api/profiles/${meta.id}/top`);
  const names = (api.rows || []).map((/** @type {any} */ r) => r.name || '(unnamed)');
  const shown = await page.$$eval('.pane-top tbody tr td.name button.fn', bs => bs.map(b => b.textContent));
  assert.ok(shown.length > 10, `${shown.length} rows`);
  assert.deepEqual(shown, names.slice(0, shown.length));
  await page.screenshot({ path: join(SHOTS, 'early-top.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a flame link: one flamegraph request at the page width, drawn', async () => {
  const { context, page, problems, asked } = await visit(`p/${meta.id}?g=files`,
    p => p.waitForFunction(() => document.querySelector('.pane-flame canvas.flame-canvas')?.getAttribute('data-painted') === '1'));
  const flame = asked.filter(u => u.includes('/flamegraph'));
  assert.equal(flame.length, 1, flame.join('\n'));
  assert.match(flame[0], new RegExp(`^api/profiles/${meta.id}/flamegraph\\?g=files&mf=0\\.\\d+$`));
  assert.equal(await page.$eval('.pane-flame canvas.flame-canvas', c => `api/profiles/${location.pathname.split('/').pop()}/flamegraph${c.getAttribute('data-query')}`), flame[0]);
  assert.ok(Number(await page.$eval('.pane-flame canvas.flame-canvas', c => c.getAttribute('data-nodes'))) > 10);
  await page.screenshot({ path: join(SHOTS, 'early-flame.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a guess that misses (another width) is not used; a state left to the page still loads', async () => {
  // a narrow window: the guess and the page's own width may differ, the page must still draw once right
  const { context, page, problems, asked } = await visit(`p/${meta.id}?noinlines=1&view=top`, p => p.waitForSelector('.pane-top tbody tr'));
  assert.equal(asked.filter(u => /\/top(\?|$)/.test(u))[0], `api/profiles/${meta.id}/top?noinlines=1&limit=100`);
  assert.equal(await page.$eval('.pane-top', p => /** @type {HTMLElement} */ (p).dataset.query), '?noinlines=1');
  await page.setViewportSize({ width: 700, height: 600 });
  await page.goto(`${srv.url}p/${meta.id}`);
  await page.waitForFunction(() => document.querySelector('.pane-flame canvas.flame-canvas')?.getAttribute('data-painted') === '1');
  const q = await page.$eval('.pane-flame canvas.flame-canvas', c => c.getAttribute('data-query'));
  assert.match(String(q), /^\?mf=0\.\d+$/);
  await page.screenshot({ path: join(SHOTS, 'early-narrow.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

/** The page's module requests (paths under js/). @param {import('playwright-core').Page} page */
const modules = page => page.evaluate(() => performance.getEntriesByType('resource')
  .map(e => new URL(e.name).pathname.replace(/^.*?\/js\//, 'js/')).filter(n => /^js\/.*\.js$/.test(n)));
const LAZY = ['js/panes/top.js', 'js/panes/graph.js', 'js/pages/profile/sandwich.js', 'js/panes/sandwich.js',
  'js/pages/home.js', 'js/pages/series.js', 'js/pages/group.js', 'js/pages/gctrace.js', 'js/ui/chart.js'];

test('a flame link loads no other view\'s modules; each view\'s load when its tab opens', async () => {
  const { context, page, problems } = await visit(`p/${meta.id}`,
    p => p.waitForFunction(() => document.querySelector('.pane-flame canvas.flame-canvas')?.getAttribute('data-painted') === '1'));
  const first = await modules(page);
  assert.ok(first.includes('js/panes/flame.js') && first.includes('js/pages/profile.js'), first.join(' '));
  assert.deepEqual(first.filter(m => LAZY.includes(m)), []);
  await page.click('.tabs button[data-view="top"]');
  await page.waitForFunction(() => document.querySelectorAll('.pane-top tbody tr').length > 10);
  await page.click('.tabs button[data-view="graph"]');
  await page.waitForFunction(() => document.querySelectorAll('.pane-graph g.node[data-name]').length > 5, null, { timeout: 60000 });
  const fn = await page.$eval('.pane-graph g.node[data-name]', g => g.getAttribute('data-name'));
  await page.click('.tabs button[data-view="sandwich"]');
  await page.waitForSelector('.pane-sandwich .sw-input');
  await page.fill('.pane-sandwich .sw-input', String(fn));
  await page.press('.pane-sandwich .sw-input', 'Enter');
  await page.waitForFunction(() => [...document.querySelectorAll('.pane-sandwich canvas')].filter(c => c.getAttribute('data-painted') === '1').length >= 2);
  const after = await modules(page);
  for (const m of ['js/panes/top.js', 'js/panes/graph.js', 'js/pages/profile/sandwich.js', 'js/panes/sandwich.js']) {
    assert.equal(after.filter(x => x === m).length, 1, `${m}: ${after.join(' ')}`);
  }
  assert.deepEqual(after.filter(m => /pages\/(home|series|group|gctrace)\.js$/.test(m)), []);
  await page.screenshot({ path: join(SHOTS, 'early-lazy-sandwich.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a link to a view loaded on demand preloads its modules before main.js runs; sandwich and peek asked at once', async () => {
  for (const [view, mods, ready] of /** @type {[string, string[], string][]} */ ([
    ['top', ['js/panes/top.js'], '.pane-top tbody tr'],
    ['graph', ['js/panes/graph.js'], '.pane-graph g.node[data-name]'],
  ])) {
    const { context, page, problems } = await visit(`p/${meta.id}?view=${view}`, p => p.waitForSelector(ready, { timeout: 60000 }));
    const t = await page.evaluate(names => {
      const main = performance.getEntriesByName('hearth:main')[0]?.startTime;
      return { main, at: names.map(n => performance.getEntriesByType('resource').find(e => e.name.endsWith(`/${n}`))?.startTime) };
    }, mods);
    assert.ok(t.main > 0, 'no hearth:main mark');
    t.at.forEach((s, k) => assert.ok(s !== undefined && s < t.main, `${mods[k]} asked at ${s}, main.js ran at ${t.main}`));
    assert.deepEqual(problems, []);
    await context.close();
  }
  const top = await getJson(`${srv.url}api/profiles/${meta.id}/top`);
  const fn = top.rows.map((/** @type {any} */ r) => r.name).find((/** @type {string} */ n) => n && /\./.test(n));
  const { context, page, problems, asked } = await visit(`p/${meta.id}?view=sandwich&fn=${encodeURIComponent(fn)}`,
    p => p.waitForSelector('.peek-table tr.peek-node'));
  const esc = fn.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
  assert.deepEqual(asked.filter(u => /\/(peek|sandwich)\?/.test(u)).sort(), [
    `api/profiles/${meta.id}/peek?${new URLSearchParams({ peek: `^${esc}$` })}`,
    `api/profiles/${meta.id}/sandwich?${new URLSearchParams({ fn })}`,
  ]);
  assert.equal(await page.evaluate(() => /** @type {any} */ (window).hearthEarly?.size), 0);
  const t = await page.evaluate(() => ({
    main: performance.getEntriesByName('hearth:main')[0]?.startTime,
    peek: performance.getEntriesByType('resource').find(e => e.name.includes('/peek?'))?.startTime,
  }));
  assert.ok(Number(t.peek) < Number(t.main), `peek asked at ${t.peek}, main.js ran at ${t.main}`);
  await page.screenshot({ path: join(SHOTS, 'early-sandwich.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('flame answers: parsed on the page until the worker runs, in the worker after, the same model either way', async () => {
  const LARGE = join(GEN, 'large-synth.pb.gz');
  assert.ok(existsSync(LARGE), `${LARGE} is missing`);
  const big = await uploadProfile(srv.url, readFileSync(LARGE), 'large');
  const { context, page, problems } = await openPage(browser);
  /** @type {string[]} */
  const scripts = [];
  page.on('request', r => { if (r.url().includes('/workers/')) scripts.push(r.url().replace(srv.url, '')); });
  await page.goto(`${srv.url}p/${big.id}?view=top`);
  await page.waitForSelector('.pane-top tbody tr');
  // mf=0.0002: a few hundred KB, under the cold limit; mf=0: over 1 MB
  const r = await page.evaluate(async id => {
    const api = await import('/js/api.js');
    const sum = (/** @type {any} */ fd) => {
      let w = 0, d = 0;
      for (let i = 0; i < fd.n; i++) { w += fd.width[i]; d += fd.depth[i]; }
      return `${fd.n}/${w}/${d}/${fd.strings.length}`;
    };
    const q1 = '?mf=0.0002', q2 = '?mf=0';
    const sizes = await Promise.all([q1, q2].map(q => fetch(`/api/profiles/${id}/flamegraph${q}`).then(x => x.arrayBuffer()).then(b => b.byteLength)));
    const small = sum(await api.getFlameModel(id, q1));
    const workersBefore = performance.getEntriesByType('resource').filter(e => e.name.includes('/workers/')).length;
    const large = sum(await api.getFlameModel(id, q2));
    const small2 = sum(await api.getFlameModel(id, q1));
    return { sizes, small, large, small2, workersBefore };
  }, big.id);
  assert.ok(r.sizes[0] > 256 * 1024 && r.sizes[0] <= 1024 * 1024, `the first answer is between the limits: ${r.sizes[0]}`);
  assert.ok(r.sizes[1] > 1024 * 1024, `the second is over 1 MB: ${r.sizes[1]}`);
  assert.equal(r.workersBefore, 0, 'a 256 KB-1 MB answer before the worker runs is parsed on the page');
  assert.ok(scripts.length >= 1, 'a larger one starts the worker');
  assert.equal(r.small2, r.small, 'the worker builds the same model as the page');
  assert.match(r.large, /^\d+\//);
  assert.deepEqual(problems, []);
  await context.close();
});
