// Browser tests of js/early.js: a profile link asks for its first view's
// answer before the modules load, and the page uses that answer instead of
// asking again (one request per URL), showing the same rows as the API; a
// state the script leaves to the page (noinlines) and a guess that misses
// still show the right view.
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
