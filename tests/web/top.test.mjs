// The virtual Top table (web/js/panes/top.js) on a profile with thousands
// of rows: the first screen comes from one page request (top?limit=100),
// only the rows in view are in the DOM, scrolling brings the rows of that
// place, sorting and the search work over every row, and the CSV has every
// row as the API gives them.
//
// Environment: as tests/web/ui.test.mjs (HEARTH_BIN, HEARTH_GEN_DIR, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';
import { topRows, sortRows, runningSums } from '../../web/js/model/top.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const GEN = process.env.HEARTH_GEN_DIR || join(ROOT, 'build/gen-profiles');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');
const HEAP = join(GEN, 'medium-heap.pb.gz');

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why && !existsSync(HEAP)) why = `${HEAP} is missing`;
  if (why) {
    console.log(`# SKIP web.top: ${why}`);
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
  meta = await uploadProfile(srv.url, readFileSync(HEAP), 'medium-heap');
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

/** The rows in the DOM: name, flat, sum (data-v). @param {import('playwright-core').Page} page */
const drawn = page => page.$$eval('.pane-top tbody tr:not(.pending)', trs => trs.map(tr => {
  const td = tr.querySelectorAll('td');
  return { name: tr.querySelector('button.fn')?.textContent || '', flat: Number(td[0].dataset.v), sum: Number(td[2].dataset.v), cum: Number(td[3].dataset.v) };
}));

/** The table's first drawn row index. @param {import('playwright-core').Page} page */
const firstIndex = page => page.$eval('.pane-top .table-scroll', e => Number(/** @type {HTMLElement} */ (e).dataset.first));

test('a virtual Top: one page first, rows in view only, scrolling, sorting, search and CSV over every row', async () => {
  const { context, page, problems } = await openPage(browser);
  /** @type {string[]} */
  const asked = [];
  page.on('request', r => { if (/\/top(\?|$)/.test(r.url())) asked.push(r.url().replace(srv.url, '')); });
  await page.goto(`${srv.url}p/${meta.id}?view=top`);
  await page.waitForSelector('.pane-top tbody tr');
  const api = await getJson(`${srv.url}api/profiles/${meta.id}/top`);
  const rows = topRows(api);
  assert.ok(rows.length > 1000, `${rows.length} rows`);
  assert.equal(asked[0], `api/profiles/${meta.id}/top?limit=100`);

  // rows in view (and a few around) only; the footer counts every row
  let shown = await drawn(page);
  assert.ok(shown.length > 10 && shown.length < 150, `${shown.length} rows in the DOM`);
  assert.deepEqual(shown.map(r => r.name), rows.slice(0, shown.length).map(r => r.name));
  assert.deepEqual(shown.map(r => r.sum), rows.slice(0, shown.length).map(r => r.sum));
  assert.equal(await page.textContent('.pane-top .rows-count'), `${rows.length} rows`);
  // the scroll bar spans every row: the scrolled height is about rows x row height
  const { sh, rh } = await page.evaluate(() => ({
    sh: /** @type {HTMLElement} */ (document.querySelector('.pane-top .table-scroll')).scrollHeight,
    rh: /** @type {HTMLElement} */ (document.querySelector('.pane-top tbody tr')).getBoundingClientRect().height,
  }));
  assert.ok(Math.abs(sh - rows.length * rh) < 3 * rh + 100, `scroll height ${sh} for ${rows.length} rows of ${rh}px`);
  await page.screenshot({ path: join(SHOTS, 'top-virtual.png') });

  // scroll to the middle: the rows of that place, with pprof's running sum
  await page.$eval('.pane-top .table-scroll', e => { e.scrollTop = e.scrollHeight / 2; });
  await page.waitForFunction(n => {
    const s = /** @type {HTMLElement|null} */ (document.querySelector('.pane-top .table-scroll'));
    return !!s && Number(s.dataset.first) > n / 4 && !document.querySelector('.pane-top tbody tr.pending');
  }, rows.length, { timeout: 20000 });
  const at = await firstIndex(page);
  shown = await drawn(page);
  assert.ok(shown.length > 10 && shown.length < 150, `${shown.length} rows in the DOM at ${at}`);
  assert.deepEqual(shown.map(r => r.name), rows.slice(at, at + shown.length).map(r => r.name));
  assert.deepEqual(shown.map(r => r.sum), rows.slice(at, at + shown.length).map(r => r.sum));
  // the row at the middle of the view is about the middle row
  const mid = await page.evaluate(() => {
    const s = /** @type {HTMLElement} */ (document.querySelector('.pane-top .table-scroll'));
    const r = s.getBoundingClientRect();
    const el = document.elementFromPoint(r.left + r.width - 30, r.top + r.height / 2);
    return el?.closest('tr')?.querySelector('button.fn')?.textContent || '';
  });
  const mi = rows.findIndex(r => r.name === mid);
  assert.ok(Math.abs(mi - rows.length / 2) < 60, `row ${mi} in the middle of the view`);
  await page.screenshot({ path: join(SHOTS, 'top-virtual-scrolled.png') });

  // sort by cum: every row in that order (the first screen and after a scroll)
  await page.click('.top-table th button[data-col="cum"]');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('sort') === 'cum');
  await page.waitForFunction(() => Number(/** @type {HTMLElement} */ (document.querySelector('.pane-top .table-scroll'))?.dataset.first) === 0);
  const bycum = sortRows(rows, 'cum', true);
  const sums = runningSums(bycum);
  shown = await drawn(page);
  assert.deepEqual(shown.map(r => r.name), bycum.slice(0, shown.length).map(r => r.name));
  assert.deepEqual(shown.map(r => r.sum), sums.slice(0, shown.length));
  // to the bottom (again once the rows there are drawn, should their height have moved it)
  await page.waitForFunction(() => {
    const s = /** @type {HTMLElement} */ (document.querySelector('.pane-top .table-scroll'));
    if (s.scrollTop + s.clientHeight >= s.scrollHeight - 1 && Number(s.dataset.first) > 100) return true;
    s.scrollTop = s.scrollHeight;
    return false;
  }, null, { polling: 200, timeout: 20000 });
  const end = await firstIndex(page);
  shown = await drawn(page);
  assert.equal(end + shown.length, rows.length, 'the last rows at the bottom');
  assert.deepEqual(shown.map(r => r.name), bycum.slice(end).map(r => r.name));

  // a page link with a sort: the server's sorted first page, the same rows
  const { context: c2, page: p2 } = await openPage(browser);
  /** @type {string[]} */
  const asked2 = [];
  p2.on('request', r => { if (/\/top(\?|$)/.test(r.url())) asked2.push(r.url().replace(srv.url, '')); });
  await p2.goto(`${srv.url}p/${meta.id}?view=top&sort=-name`);
  await p2.waitForSelector('.pane-top tbody tr');
  assert.equal(asked2[0], `api/profiles/${meta.id}/top?limit=100&sort=-name`);
  const byname = sortRows(rows, 'name', true);
  const s2 = await drawn(p2);
  assert.ok(s2.length > 10);
  assert.deepEqual(s2.map(r => r.name), byname.slice(0, s2.length).map(r => r.name));
  await c2.close();

  // the search: every matching row, counted
  await page.fill('#search', 'alloc');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'alloc');
  const want = rows.filter(r => /alloc/i.test(r.name));
  assert.ok(want.length > 0);
  await page.waitForFunction(n => document.querySelector('.pane-top .rows-count')?.textContent === `${n[0]} of ${n[1]} rows match`, [want.length, rows.length]);
  const found = await drawn(page);
  assert.ok(found.length > 0 && found.every(r => /alloc/i.test(r.name)), found.map(r => r.name).join(', '));
  await page.fill('#search', '');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('q'));

  // the CSV: every row, in the order shown (cum), as the API gives them
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('.pane-top button.csv')]);
  const csv = readFileSync(/** @type {string} */ (await dl.path()), 'utf8').trim().split('\n');
  assert.equal(csv.length, rows.length + 1, 'a header and every row');
  const cumCol = csv[0].split(',').findIndex(h => h.startsWith('cum') && !h.startsWith('cum%'));
  assert.deepEqual(csv.slice(1, 50).map(l => Number(l.split(',')[cumCol])), bycum.slice(0, 49).map(r => r.cum));
  assert.deepEqual(problems, []);
  await context.close();
});
