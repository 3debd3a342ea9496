// Browser tests of saved views (the profile page's "Views" menu, /api/views):
// a view with filters saved on profile A through the UI, applied from the
// menu to profile B (its flame graph's and top table's numbers equal the
// API's for the saved parameters), its link opened in a fresh browser
// context (no token there: no Delete), a sample type B lacks, a link to an
// unknown view, and a delete from the "Manage" dialog.
//
//   node tests/web/saved.test.mjs   (exit 77 = skipped: no chromium / node_modules / profiles)
//
// Environment: as tests/web/ui.test.mjs (HEARTH_BIN, HEARTH_GEN_DIR, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';
import { buildFlame, ROW_H } from '../../web/js/model/flame.js';
import { topRows, keptLine } from '../../web/js/model/top.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const GEN = process.env.HEARTH_GEN_DIR || join(ROOT, 'build/gen-profiles');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');
const P = {
  a: join(GEN, 'heap-series.0.pb.gz'),
  b: join(GEN, 'heap-series.3.pb.gz'),
  cpu: join(GEN, 'cpu.pb.gz'),
};

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why) for (const f of Object.values(P)) if (!existsSync(f)) why = `${f} is missing`;
  if (why) {
    console.log(`# SKIP web.saved: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
const ids = /** @type {Record<string, string>} */ ({});
const NAME = 'Leaks, by alloc_space <img src=x onerror=alert(1)>';
const FOCUS = 'main\\.(leakRecords|newRecord)';

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
  await page.screenshot({ path: join(SHOTS, `saved-${name}.png`) });
}

/** Wait until the flame graph has drawn data for a query matching re; returns that query. */
async function flameReady(page, re = /./) {
  await page.waitForFunction(src => {
    const c = document.querySelector('canvas.flame-canvas');
    const pane = document.querySelector('.pane-flame');
    return c && pane && !pane.hidden && !pane.classList.contains('loading') && c.dataset.painted === '1' &&
      Number(c.dataset.nodes) > 0 && new RegExp(src).test(c.dataset.query || '');
  }, re.source, { timeout: 20000 });
  return page.$eval('canvas.flame-canvas', c => c.dataset.query || '');
}

/** The root frame's total in the tooltip (the flame graph's total as drawn). */
async function rootTotal(page) {
  const box = await page.$eval('canvas.flame-canvas', c => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width }; });
  const pt = { x: box.x + box.w / 2, y: box.y + ROW_H / 2 };
  await page.mouse.move(pt.x - 3, pt.y);
  await page.mouse.move(pt.x, pt.y);
  await page.waitForSelector('.tooltip:not([hidden]) .tip-frame', { timeout: 5000 });
  const t = await page.$eval('.tooltip .tip-frame', e => e.getAttribute('data-total'));
  await page.mouse.move(2, 2);
  return Number(t);
}

/** The API's query string for saved parameters (the server's keys, as the page sends them). */
function apiQuery(params) {
  const q = new URLSearchParams();
  for (const k of ['si', 'g', 'f', 'i', 'h', 's', 'sf', 'tf', 'ti', 'n', 'nf', 'ef', 'noinlines']) if (params[k]) q.set(k, params[k]);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The flame graph and the top table of page (showing profile id) against the API for params. */
async function checkNumbers(page, id, params, what) {
  const q = apiQuery(params);
  const got = await flameReady(page, /f=/);
  const gp = new URLSearchParams(got);
  gp.delete('mf');
  assert.deepEqual(Object.fromEntries(gp), Object.fromEntries(new URLSearchParams(q)), `${what}: the flame graph's query`);
  const fd = buildFlame(await getJson(`${srv.url}api/profiles/${id}/flamegraph${got}`));
  const total = await rootTotal(page);
  assert.equal(total, fd.total[0], `${what}: flame total`);
  const whole = buildFlame(await getJson(`${srv.url}api/profiles/${id}/flamegraph?si=alloc_space`));
  assert.ok(total > 0 && total < whole.total[0], `${what}: the focus narrows the flame graph (${total} of ${whole.total[0]})`);
  await page.click('.tabs [data-view="top"]');
  await page.waitForFunction(want => document.querySelector('.pane-top')?.getAttribute('data-query') === want, q, { timeout: 20000 });
  await page.waitForSelector('.top-table tbody tr');
  const top = await getJson(`${srv.url}api/profiles/${id}/top${q}`);
  const names = await page.$$eval('.top-table tbody button.fn', bs => bs.map(b => b.textContent));
  assert.deepEqual(names, topRows(top).map(r => r.name), `${what}: top rows`);
  assert.equal(await page.$eval('.top-foot', d => d.querySelector('.kept')?.textContent || ''), keptLine(top.labels), `${what}: top's kept line`);
  const flatSum = topRows(top).reduce((s, r) => s + r.flat, 0);
  assert.equal(flatSum, total, `${what}: top's flat sum equals the flame total`);
  await page.click('.tabs [data-view="flame"]');
  await flameReady(page, /f=/);
}

/** Open the Views menu; returns its item labels. */
async function openViews(page) {
  await page.click('button.views-btn');
  await page.waitForSelector('.menu[role="menu"]');
  return page.$$eval('.menu button[role="menuitem"] > span:first-child', s => s.map(x => x.textContent));
}

/** @type {{id: string, name: string, params: Record<string, string>}|null} */
let saved = null;
/** @type {import('playwright-core').BrowserContext|null} */
let ctxA = null;

test('save the view of profile A (filters, sample type) from the Views menu', async () => {
  const { context, page, problems } = await openPage(browser);
  ctxA = context;
  await page.goto(`${srv.url}p/${ids.a}`);
  await flameReady(page);
  // the sample type from its control, the focus from the Filters panel
  await page.waitForSelector('#si option[value="alloc_space"]', { state: 'attached' });
  await page.selectOption('#si', 'alloc_space');
  await flameReady(page, /si=alloc_space/);
  await page.click('button.filters-btn');
  await page.fill('#flt-f', FOCUS);
  await page.fill('#flt-h', 'runtime');
  await page.click('.filter-panel button[type="submit"]');
  await flameReady(page, /f=/);
  const items = await openViews(page);
  assert.deepEqual(items, ['Save current view…', 'No saved views yet']);
  await shot(page, 'menu-empty');
  await page.click('.menu button:has-text("Save current view")');
  await page.waitForSelector('dialog[open] #saved-name');
  await page.fill('#saved-name', NAME);
  await shot(page, 'save-dialog');
  await page.click('dialog[open] button[type="submit"]');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  await page.waitForSelector('.toast:has-text("Saved")');
  const { views } = await getJson(`${srv.url}api/views`);
  assert.equal(views.length, 1);
  saved = views[0];
  assert.equal(saved.name, NAME);
  assert.deepEqual(saved.params, { si: 'alloc_space', f: FOCUS, h: 'runtime' }, 'the URL state, without profile keys');
  // saving the same name again: the dialog says why and stays open
  await openViews(page);
  await page.click('.menu button:has-text("Save current view")');
  await page.fill('#saved-name', NAME);
  await page.click('dialog[open] button[type="submit"]');
  await page.waitForSelector('dialog[open] .error-box:not([hidden])');
  assert.match(await page.textContent('dialog[open] .error-box'), /has this name already/);
  await shot(page, 'save-taken');
  await page.keyboard.press('Escape');
  await page.waitForSelector('dialog[open]', { state: 'detached' });
  assert.deepEqual(problems.filter(p => !/409/.test(p)), []);
});

test('apply it to profile B from the menu: flame and top equal the API for the saved parameters', async () => {
  assert.ok(saved && ctxA);
  const page = await ctxA.newPage();
  const problems = [];
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('dialog', d => { problems.push(`dialog ${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  await page.goto(`${srv.url}p/${ids.b}?view=top&sort=name`);
  await page.waitForSelector('.top-table tbody tr');
  const items = await openViews(page);
  assert.ok(items.includes(`${NAME.slice(0, 29)}…`), `the menu lists the view, its name cut: ${items}`);
  assert.ok(items.includes('Manage saved views…'));
  await shot(page, 'menu');
  await page.click(`.menu button[role="menuitem"]:has-text("Leaks, by alloc_space")`);
  await page.waitForFunction(() => new URL(location.href).searchParams.has('f'));
  const u = new URL(page.url());
  assert.equal(u.pathname.split('/').pop(), ids.b);
  assert.equal(u.searchParams.get('f'), FOCUS);
  assert.equal(u.searchParams.get('si'), 'alloc_space');
  assert.equal(u.searchParams.get('view'), null, 'the saved view (flame) replaces view=top');
  assert.equal(u.searchParams.get('sort'), null, 'and the sort');
  // back: B as it was before; forward: the saved view again
  await page.goBack();
  await page.waitForSelector('.top-table tbody tr');
  assert.equal(new URL(page.url()).searchParams.get('f'), null);
  await page.goForward();
  await page.waitForFunction(() => new URL(location.href).searchParams.has('f'));
  await checkNumbers(page, ids.b, saved.params, 'B from the menu');
  // the chips show the saved filters
  assert.match(await page.textContent('.chips'), /leakRecords/);
  await shot(page, 'applied-b');
  assert.deepEqual(problems, []);
  await page.close();
});

test("the saved view's link opens it on B in a fresh browser context (no Delete there)", async () => {
  assert.ok(saved);
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.b}?saved=${saved.id}`);
  await page.waitForFunction(() => new URL(location.href).searchParams.has('f'));
  const u = new URL(page.url());
  assert.equal(u.searchParams.get('saved'), null, 'the link becomes the view\'s own URL');
  assert.equal(u.searchParams.get('f'), FOCUS);
  await checkNumbers(page, ids.b, saved.params, 'B from the link');
  await shot(page, 'link-fresh');
  await openViews(page);
  await page.click('.menu button:has-text("Manage saved views")');
  await page.waitForSelector('dialog[open] .saved-table tbody tr');
  assert.equal(await page.$$eval('dialog[open] .saved-table button.danger', b => b.length), 0, 'no token here: no Delete');
  const href = await page.$eval('dialog[open] .saved-table td a', a => a.getAttribute('href'));
  assert.equal(href, `${srv.url}p/${ids.b}?saved=${saved.id}`);
  assert.equal(await page.textContent('dialog[open] .saved-table td a'), NAME, 'the name is text, not markup');
  await shot(page, 'manage-fresh');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a sample type the profile lacks is left out; an unknown view says so', async () => {
  assert.ok(saved);
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.cpu}?saved=${saved.id}`);
  await page.waitForSelector('.toast:has-text("no sample type alloc_space")');
  await page.waitForFunction(() => new URL(location.href).searchParams.has('f'));
  assert.equal(new URL(page.url()).searchParams.get('si'), null);
  await shot(page, 'cpu-no-si');
  await page.goto(`${srv.url}p/${ids.b}?saved=${'A'.repeat(27)}&g=files`);
  await page.waitForSelector('.toast.error:has-text("Saved view not opened")');
  await flameReady(page, /g=files/);
  assert.equal(new URL(page.url()).searchParams.get('saved'), null);
  assert.equal(new URL(page.url()).searchParams.get('g'), 'files', "the link's own state stays");
  await shot(page, 'unknown-view');
  assert.deepEqual(problems.filter(p => !/404/.test(p)), []);
  await context.close();
});

test('delete from the Manage dialog (this browser saved it)', async () => {
  assert.ok(saved && ctxA);
  const page = await ctxA.newPage();
  await page.goto(`${srv.url}p/${ids.a}`);
  await flameReady(page);
  await openViews(page);
  await page.click('.menu button:has-text("Manage saved views")');
  await page.waitForSelector('dialog[open] .saved-table button.danger');
  await shot(page, 'manage');
  await page.click('dialog[open] .saved-table button.danger');
  await page.click('dialog.dialog:not(.wide) button.danger');
  await page.waitForSelector('.toast:has-text("Deleted")');
  await page.waitForFunction(() => !document.querySelector('dialog[open] .saved-table tbody tr'));
  assert.deepEqual((await getJson(`${srv.url}api/views`)).views, []);
  await ctxA.close();
});
