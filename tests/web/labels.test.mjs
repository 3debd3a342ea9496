// Browser tests of the profile page's labels panel: every label key with its
// values, counts and shares equal to the tags API and to `hearth tags`
// (which the oracle checks against `go tool pprof -tags`); a click on a value
// sets the tag focus, ⊘ the tag ignore, and the flame graph and Top then show
// the API's numbers for that filter; Root/Leaf (tagroot/tagleaf) put the
// label pseudo frames into the flame graph with the API's values; "% of
// shown" (relative percentages) makes Top's and the tooltips' percentages
// the API's relative ones; a link restores it all in a fresh context; diff
// and merged views list the API's numbers too. No console errors anywhere.
//
//   node tests/web/labels.test.mjs   (exit 77 = skipped: no chromium / node_modules / hearth)
//
// Environment: HEARTH_BIN, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM (as tests/web/ui.test.mjs).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';
import { makeProfile } from './lib/pprof.mjs';
import { buildFlame, childrenOf, nameOf, ROW_H } from '../../web/js/model/flame.js';
import { formatValue, formatPercent } from '../../web/js/model/format.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (why) {
    console.log(`# SKIP web.labels: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

/**
 * A CPU profile whose samples carry a string label (handler), a numeric one
 * with a unit (bytes, missing on /login), a unit-less numeric one (attempt)
 * and a second string label on some (region: two values on one sample).
 * `scale` changes the weights (the diff's base).
 * @param {(i: number, v: number) => number} weight
 */
function labelsProfile(weight) {
  const handlers = ['/api/users', '/api/orders', '/home', '/login'];
  const stacks = /** @type {[string[], number][]} */ ([
    [['db.Query', 'svc.Load', 'main.main'], 3],
    [['json.Encode', 'svc.Write', 'main.main'], 2],
    [['runtime.mallocgc', 'svc.Load', 'main.main'], 1],
  ]);
  const samples = [];
  let i = 0;
  for (const h of handlers) {
    for (const [stack, v] of stacks) {
      i++;
      /** @type {Record<string, any>} */
      const labels = { handler: h, bytes: { num: [512, 2048, 1048576][i % 3], unit: 'bytes' }, attempt: (i % 2) + 1 };
      if (h === '/login') delete labels.bytes;
      if (i % 4 === 0) labels.region = i % 8 === 0 ? ['eu', 'us'] : 'eu';
      const w = weight(i, v);
      samples.push({ stack, values: [w, w * 10_000_000], labels });
    }
  }
  samples.push({ stack: ['runtime.gcBgMarkWorker'], values: [7, 70_000_000] });
  return makeProfile({
    sampleTypes: [['samples', 'count'], ['cpu', 'nanoseconds']], periodType: ['cpu', 'nanoseconds'], period: 10_000_000,
    samples, timeNanos: 1_700_000_000_000_000_000, durationNanos: 2_000_000_000,
  });
}

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
const ids = /** @type {Record<string, string>} */ ({});
const files = /** @type {Record<string, string>} */ ({});
let tmp = '';

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hearth-labels-'));
  const bytes = { a: labelsProfile((i, v) => v * i), b: labelsProfile((i, v) => v * ((i % 4) + 1)) };
  srv = await startServer(BIN);
  browser = await launch();
  for (const [k, b] of Object.entries(bytes)) {
    files[k] = join(tmp, `${k}.pb.gz`);
    writeFileSync(files[k], b);
    ids[k] = (await uploadProfile(srv.url, b, `labels-${k}`)).id;
  }
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** @param {import('playwright-core').Page} page @param {string} name */
async function shot(page, name) {
  await page.waitForTimeout(150);
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** @param {string} id @param {string} view @param {Record<string, string>} q */
function api(id, view, q = {}) {
  const s = new URLSearchParams(q).toString();
  return getJson(`${srv.url}api/profiles/${id}/${view}${s ? `?${s}` : ''}`);
}

/** The URL's parameter k. @param {import('playwright-core').Page} page @param {string} k */
const param = (page, k) => page.evaluate(key => new URL(location.href).searchParams.get(key), k);

/**
 * Wait until the labels panel shows the answer for server options `q`
 * (exactly these); returns its keys and rows as shown.
 * @param {import('playwright-core').Page} page @param {Record<string, string>} q
 */
async function panelReady(page, q) {
  const want = new URLSearchParams(q).toString();
  await page.waitForFunction(w => {
    const p = document.querySelector('.labels-panel');
    const b = /** @type {HTMLElement|null} */ (document.querySelector('.labels-body'));
    if (!p || p.hidden || p.classList.contains('loading') || !b) return false;
    const got = new URLSearchParams((b.dataset.query || '').replace(/^\?/, ''));
    got.sort();
    const exp = new URLSearchParams(w);
    exp.sort();
    return got.toString() === exp.toString();
  }, want, { timeout: 20000 });
  return page.$$eval('.labels-body section.lkey', ss => ss.map(s => ({
    key: s.getAttribute('data-key'),
    total: Number(s.querySelector('.lkey-total')?.getAttribute('data-total')),
    totalText: s.querySelector('.lkey-total')?.textContent,
    root: s.querySelector('button.group-root')?.getAttribute('aria-pressed'),
    leaf: s.querySelector('button.group-leaf')?.getAttribute('aria-pressed'),
    rows: [...s.querySelectorAll('tr.lrow')].map(tr => ({
      value: tr.getAttribute('data-value'),
      count: Number(tr.getAttribute('data-count')),
      filter: tr.getAttribute('data-filter'),
      text: tr.querySelector('button.lval')?.textContent,
      countText: tr.querySelector('.lcount')?.textContent,
      shareText: tr.querySelector('.lshare')?.textContent,
      focused: tr.classList.contains('focused'),
    })),
  })));
}

/**
 * The panel as the API's JSON says it must be.
 * @param {any} j the tags answer
 */
function expected(j) {
  return j.keys.map((/** @type {any} */ k) => ({
    key: k.key, total: k.total, totalText: `Total ${formatValue(k.total, j.sample.unit)}`,
    rows: k.values.map((/** @type {any} */ v) => ({
      value: v.value, count: v.count, filter: v.filter, text: v.value,
      countText: formatValue(v.count, j.sample.unit),
      shareText: k.total > 0 ? formatPercent(v.count, k.total) : '',
    })),
  }));
}

/** Keys and rows without the state columns (focused, pressed). @param {any[]} keys */
const plain = keys => keys.map(k => ({
  key: k.key, total: k.total, totalText: k.totalText,
  rows: k.rows.map((/** @type {any} */ r) => ({ value: r.value, count: r.count, filter: r.filter, text: r.text, countText: r.countText, shareText: r.shareText })),
}));

/**
 * `hearth tags FILE` as keys and rows: [{key, total, tol, rows: [{value, amount, tol, pct}]}]
 * (amount in the text's unit scaled to the sample unit's base: ns or count;
 * tol: half the last printed digit, in that base).
 * @param {string[]} args
 */
function cliTags(args) {
  const text = execFileSync(BIN, ['tags', ...args], { encoding: 'utf8' });
  const scale = /** @type {Record<string, number>} */ ({ '': 1, ns: 1, us: 1e3, 'µs': 1e3, ms: 1e6, s: 1e9, min: 60e9, hrs: 3600e9 });
  /** @param {string} num @param {string} unit */
  const amount = (num, unit) => Number(num) * scale[unit];
  /** @param {string} unit */
  const tol = unit => 0.05 * scale[unit] + 1e-9;
  const keys = [];
  for (const line of text.split('\n')) {
    const kh = /^\s*(\S+):\s+Total ([-\d.]+)([a-zµ]*)\s*$/.exec(line);
    if (kh) { keys.push({ key: kh[1], total: amount(kh[2], kh[3]), tol: tol(kh[3]), rows: /** @type {any[]} */ ([]) }); continue; }
    const row = /^\s*([-\d.]+)([a-zµ]*)\s*(?:\(\s*([\d.]+%)\))?:\s+(.*)$/.exec(line);
    if (row) keys[keys.length - 1].rows.push({ value: row[4], amount: amount(row[1], row[2]), tol: tol(row[2]), pct: row[3] || '' });
  }
  return keys;
}

/** Wait until the flame graph has drawn the answer for a query containing every pair of `q`. */
async function flameReady(page, q) {
  await page.waitForFunction(w => {
    const c = /** @type {HTMLCanvasElement|null} */ (document.querySelector('.pane-flame canvas.flame-canvas'));
    const pane = document.querySelector('.pane-flame');
    if (!c || !pane || pane.classList.contains('loading') || c.dataset.painted !== '1' || !(Number(c.dataset.nodes) > 0)) return false;
    const got = new URLSearchParams((c.dataset.query || '').replace(/^\?/, ''));
    return Object.entries(w).every(([k, v]) => got.get(k) === v) && [...got.keys()].every(k => k === 'mf' || k in w);
  }, q, { timeout: 20000 });
  const query = await page.$eval('.pane-flame canvas.flame-canvas', c => /** @type {HTMLElement} */ (c).dataset.query || '');
  const json = await getJson(`${srv.url}api/profiles/${ids.a}/flamegraph${query}`);
  return { query, fd: buildFlame(json), json };
}

/** Hover frame i of the flame graph (no zoom); the tooltip's data and text. */
async function hoverFrame(page, fd, i) {
  const box = await page.$eval('.pane-flame canvas.flame-canvas', c => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width }; });
  const x = box.x + ((fd.x0[i] + fd.width[i] / 2) / fd.width[0]) * box.w, y = box.y + fd.depth[i] * ROW_H + ROW_H / 2;
  await page.mouse.move(x - 3, y);
  await page.mouse.move(x, y);
  await page.waitForFunction(n => document.querySelector('.tooltip:not([hidden]) .tip-frame')?.getAttribute('data-name') === n, nameOf(fd, i), { timeout: 5000 });
  return page.$eval('.tooltip .tip-frame', e => ({ ...(/** @type {HTMLElement} */ (e)).dataset, text: e.textContent || '' }));
}

/** Wait for the Top table of a query with every pair of `q`; its rows as shown. */
async function topReady(page, q) {
  await page.waitForFunction(w => {
    const pane = /** @type {HTMLElement|null} */ (document.querySelector('.pane-top'));
    if (!pane || pane.hidden || !pane.querySelector('.top-table tbody tr')) return false;
    const got = new URLSearchParams((pane.dataset.query || '').replace(/^\?/, ''));
    return Object.entries(w).every(([k, v]) => got.get(k) === v) && [...got.keys()].every(k => k in w);
  }, q, { timeout: 20000 });
  return page.$$eval('.pane-top .top-table tbody tr', trs => trs.map(tr => {
    const td = [...tr.querySelectorAll('td')];
    return { name: tr.querySelector('button.fn')?.textContent || '', flat: Number(td[0].dataset.v), flatPct: td[1].textContent, cum: Number(td[3].dataset.v), cumPct: td[4].textContent };
  }));
}

/** Top's rows as the API's answer makes them. @param {any} j */
const apiTop = j => j.rows.map((/** @type {any} */ r) => ({ name: r.name, flat: r.flat, flatPct: formatPercent(r.flat, j.total), cum: r.cum, cumPct: formatPercent(r.cum, j.total) }));

test('the labels panel lists the API\u2019s keys and values as `hearth tags` prints them, for the sample type shown', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.a}`);
  await flameReady(page, {});
  assert.equal(await page.isHidden('.labels-panel'), true, 'closed until asked');
  await page.click('button.labels-btn');
  assert.equal(await param(page, 'labels'), '1');
  const shown = await panelReady(page, {});
  const j = await api(ids.a, 'tags');
  assert.deepEqual(j.keys.map((/** @type {any} */ k) => k.key), ['attempt', 'bytes', 'handler', 'region']);
  assert.deepEqual(plain(shown), expected(j));
  // the numbers `hearth tags` prints (the oracle's -tags text): same keys, values, order and percentages
  const cli = cliTags([files.a]);
  assert.deepEqual(cli.map(k => k.key), shown.map(k => k.key));
  for (const [ki, k] of cli.entries()) {
    assert.ok(Math.abs(k.total - shown[ki].total) <= k.tol, `${k.key} total ${k.total} vs ${shown[ki].total}`);
    assert.deepEqual(k.rows.map(r => [r.value, r.pct]), shown[ki].rows.map(r => [r.value, r.shareText]), k.key);
    for (const [ri, r] of k.rows.entries()) assert.ok(Math.abs(r.amount - shown[ki].rows[ri].count) <= r.tol, `${k.key}=${r.value}: ${r.amount} vs ${shown[ki].rows[ri].count}`);
  }
  // a numeric label with its unit, a unit-less one, two values on one sample
  assert.deepEqual(shown.find(k => k.key === 'bytes')?.rows.map(r => r.text), ['2kB', '1MB', '512B']);
  assert.equal(await page.textContent('section.lkey[data-key="bytes"] .badge'), 'bytes');
  assert.equal(await page.textContent('section.lkey[data-key="attempt"] .badge'), 'attempt');
  assert.equal(await page.locator('section.lkey[data-key="handler"] .badge').count(), 0, 'string labels: no unit');
  await shot(page, 'labels-panel');
  await page.emulateMedia({ colorScheme: 'dark' });
  await shot(page, 'labels-panel-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // another sample type: the panel follows
  await page.selectOption('#si', 'samples');
  const bySamples = await panelReady(page, { si: 'samples' });
  const js = await api(ids.a, 'tags', { si: 'samples' });
  assert.deepEqual(plain(bySamples), expected(js));
  const clis = cliTags(['-sample_index=samples', files.a]);
  assert.deepEqual(clis.map(k => k.rows.map(r => [r.value, r.amount, r.pct])), bySamples.map(k => k.rows.map(r => [r.value, r.count, r.shareText])));
  // the ✕ closes it (and the URL forgets it)
  await page.click('.labels-panel button[aria-label="Close the labels panel"]');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('labels'));
  assert.equal(await page.isHidden('.labels-panel'), true);
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a click on a value sets the tag focus; ⊘ the tag ignore; flame and Top show the API\u2019s numbers', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.a}?labels=1`);
  const before = await panelReady(page, {});
  const home = before.find(k => k.key === 'handler')?.rows.find(r => r.value === '/home');
  assert.ok(home && home.filter === 'handler=^/home$', JSON.stringify(home));
  await page.click('section.lkey[data-key="handler"] tr[data-value="/home"] button.lval');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('tf') === 'handler=^/home$');
  const tf = 'handler=^/home$';
  const { fd, json } = await flameReady(page, { tf });
  // the flame graph: the root is the samples of /home, its share of the whole profile (the API's total)
  assert.equal(fd.total[0], home.count);
  const tip = await hoverFrame(page, fd, 0);
  assert.equal(Number(tip.total), home.count);
  assert.match(tip.text, new RegExp(`\\(${formatPercent(home.count, json.total).replace('.', '\\.')}\\)`));
  // the panel: /home is the one handler left, marked as the focus; every key as the API says
  const focused = await panelReady(page, { tf });
  assert.deepEqual(plain(focused), expected(await api(ids.a, 'tags', { tf })));
  assert.deepEqual(focused.find(k => k.key === 'handler')?.rows.map(r => [r.value, r.focused]), [['/home', true]]);
  assert.match(await page.textContent('.chips') || '', /Tag focus:\s*handler=\^\/home\$/);
  await shot(page, 'labels-focus-flame');

  // Top: the API's rows for that filter, their sum the value's count
  await page.click('[role=tab][data-view=top]');
  const rows = await topReady(page, { tf });
  const jt = await api(ids.a, 'top', { tf });
  assert.deepEqual(rows, apiTop(jt));
  assert.equal(rows.reduce((s, r) => s + r.flat, 0), home.count);

  // ⊘ on a bytes value: the tag ignore joins; Top follows the API
  const kb2 = focused.find(k => k.key === 'bytes')?.rows.find(r => r.value === '2kB');
  assert.equal(kb2?.filter, 'bytes=2048bytes');
  await page.click('section.lkey[data-key="bytes"] tr[data-value="2kB"] button.lign');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('ti') === 'bytes=2048bytes');
  const rows2 = await topReady(page, { tf, ti: 'bytes=2048bytes' });
  const jt2 = await api(ids.a, 'top', { tf, ti: 'bytes=2048bytes' });
  assert.deepEqual(rows2, apiTop(jt2));
  assert.equal(rows2.reduce((s, r) => s + r.flat, 0), home.count - /** @type {any} */ (kb2).count);
  const after2 = await panelReady(page, { tf, ti: 'bytes=2048bytes' });
  assert.deepEqual(plain(after2), expected(await api(ids.a, 'tags', { tf, ti: 'bytes=2048bytes' })));
  assert.ok(!after2.find(k => k.key === 'bytes')?.rows.some(r => r.value === '2kB'), 'ignored value gone');
  // ⊘ on a second value of the same key: one expression, both values (pprof's alternatives)
  await page.click('section.lkey[data-key="bytes"] tr[data-value="1MB"] button.lign');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('ti') !== 'bytes=2048bytes');
  const ti3 = await param(page, 'ti');
  assert.equal(ti3, 'bytes=1048576bytes', 'numeric filters of one key replace each other (no alternatives for ranges)');
  // string values of one key add up: ignore /home's neighbour keys' values through the context menu
  await page.click('section.lkey[data-key="handler"] tr[data-value="/home"] button.lval');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('tf'));
  await panelReady(page, { ti: 'bytes=1048576bytes' });
  await page.click('section.lkey[data-key="handler"] tr[data-value="/login"]', { button: 'right' });
  await page.click('.menu button:has-text("Ignore this value")');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('ti') === 'handler=^/login$');
  await panelReady(page, { ti: 'handler=^/login$' });
  await page.click('section.lkey[data-key="handler"] tr[data-value="/home"] button.lign');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('ti') === 'handler=^/login$,^/home$');
  const two = await topReady(page, { ti: 'handler=^/login$,^/home$' });
  const jt3 = await api(ids.a, 'top', { ti: 'handler=^/login$,^/home$' });
  assert.deepEqual(two, apiTop(jt3));
  const tagsAll = await api(ids.a, 'tags');
  const hv = Object.fromEntries(tagsAll.keys.find((/** @type {any} */ k) => k.key === 'handler').values.map((/** @type {any} */ v) => [v.value, v.count]));
  assert.equal(two.reduce((s, r) => s + r.flat, 0), tagsAll.total - hv['/login'] - hv['/home']);
  await shot(page, 'labels-ignore-top');
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('Root and Leaf put the label pseudo frames into the flame graph with the API\u2019s values', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.a}?labels=1`);
  await panelReady(page, {});
  await page.click('section.lkey[data-key="handler"] button.group-root');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('tagroot') === 'handler');
  const { fd } = await flameReady(page, { tagroot: 'handler' });
  // the root's children are the handler values (and <unknown> for the unlabelled sample)
  const kids = childrenOf(fd, 0);
  const tags = await api(ids.a, 'tags');
  const handler = tags.keys.find((/** @type {any} */ k) => k.key === 'handler');
  const want = Object.fromEntries(handler.values.map((/** @type {any} */ v) => [v.value, v.count]));
  want['<unknown>'] = tags.total - handler.total;
  assert.deepEqual(Object.fromEntries(kids.map(i => [nameOf(fd, i), fd.total[i]])), want);
  for (const i of kids) {
    const tip = await hoverFrame(page, fd, i);
    assert.equal(tip.name, nameOf(fd, i));
    assert.equal(Number(tip.total), fd.total[i]);
    assert.match(tip.text, new RegExp(`\\(${formatPercent(fd.total[i], fd.grandTotal).replace('.', '\\.')}\\)`));
  }
  assert.equal(await page.getAttribute('section.lkey[data-key="handler"] button.group-root', 'aria-pressed'), 'true');
  assert.match(await page.textContent('.chips') || '', /Labels at the root:\s*handler/);
  await page.mouse.move(5, 5);
  await shot(page, 'labels-tagroot-flame');
  // Top lists the pseudo frames with the API's numbers
  await page.click('[role=tab][data-view=top]');
  const rows = await topReady(page, { tagroot: 'handler' });
  assert.deepEqual(rows, apiTop(await api(ids.a, 'top', { tagroot: 'handler' })));
  assert.equal(rows.find(r => r.name === '/login')?.cum, want['/login']);

  // Leaf on bytes: the byte sizes below every leaf; both in the URL
  await page.click('[role=tab][data-view=flame]');
  await page.click('section.lkey[data-key="bytes"] button.group-leaf');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('tagleaf') === 'bytes');
  const both = await flameReady(page, { tagroot: 'handler', tagleaf: 'bytes' });
  const leaves = new Map();
  for (let i = 1; i < both.fd.n; i++) if (!childrenOf(both.fd, i).length) leaves.set(nameOf(both.fd, i), (leaves.get(nameOf(both.fd, i)) || 0) + both.fd.total[i]);
  const bytes = tags.keys.find((/** @type {any} */ k) => k.key === 'bytes');
  for (const v of bytes.values) assert.equal(leaves.get(v.value), v.count, `leaf ${v.value}`);
  assert.equal(await page.$eval('.pane-flame canvas.flame-canvas', c => Number(/** @type {HTMLElement} */ (c).dataset.nodes)), both.fd.n);
  // the same key again lifts it
  await page.click('section.lkey[data-key="handler"] button.group-root');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('tagroot'));
  await flameReady(page, { tagleaf: 'bytes' });
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('"% of shown" makes Top\u2019s and the tooltips\u2019 percentages the API\u2019s relative ones', async () => {
  const { page, problems } = await openPage(browser);
  const tf = 'handler=^/home$';
  await page.goto(`${srv.url}p/${ids.a}?labels=1&view=top&tf=${encodeURIComponent(tf)}`);
  const abs = await topReady(page, { tf });
  const ja = await api(ids.a, 'top', { tf });
  assert.deepEqual(abs, apiTop(ja));
  // pprof's "Showing nodes accounting for 460ms, 29.68% of 1550ms total" under the table
  assert.ok((await page.textContent('.pane-top') || '').includes(ja.labels[ja.labels.length - 1]));
  await page.click('.labels-panel button.rel-btn');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('rel') === '1');
  const rel = await topReady(page, { tf, rel: '1' });
  const jr = await api(ids.a, 'top', { tf, rel: '1' });
  assert.ok(jr.total < ja.total, 'relative: the total of the samples shown');
  assert.deepEqual(rel, apiTop(jr));
  assert.notDeepEqual(rel.map(r => r.cumPct), abs.map(r => r.cumPct));
  assert.equal(rel.find(r => r.name === 'main.main')?.cumPct, '100.00%');
  assert.equal(await page.getAttribute('.labels-panel button.rel-btn', 'aria-pressed'), 'true');
  assert.equal(await page.isChecked('#rel'), true, 'the filter panel\u2019s box agrees');
  assert.match(await page.textContent('.chips') || '', /percentages of the samples shown/);
  // relative: the samples shown are 100% of the total, so the line has nothing to say
  assert.match(jr.labels[jr.labels.length - 1], /, 100% of /);
  assert.doesNotMatch(await page.textContent('.pane-top') || '', /Showing nodes/);
  await shot(page, 'labels-rel-top');
  // the flame graph's tooltips: of the shown total too
  await page.click('[role=tab][data-view=flame]');
  const { fd, json } = await flameReady(page, { tf, rel: '1' });
  assert.equal(json.total, jr.total);
  const kid = childrenOf(fd, 0)[0];
  const i = childrenOf(fd, kid).reduce((a, b) => (fd.width[b] > fd.width[a] ? b : a));
  const tip = await hoverFrame(page, fd, i);
  assert.match(tip.text, new RegExp(`\\(${formatPercent(fd.total[i], jr.total).replace('.', '\\.')}\\)`));
  assert.notEqual(formatPercent(fd.total[i], jr.total), formatPercent(fd.total[i], ja.total));
  // off again from the chip
  await page.click('.chips button[aria-label="Percentages of the whole profile"]');
  await page.waitForFunction(() => !new URL(location.href).searchParams.has('rel'));
  await flameReady(page, { tf });
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('a link with labels, tag focus and ignore, tagroot and rel restores it all in a fresh context', async () => {
  const q = { tf: 'attempt=1attempt', ti: 'handler=^/login$', tagroot: 'handler', rel: '1' };
  const url = `${srv.url}p/${ids.a}?${new URLSearchParams({ ...q, view: 'top', labels: '1' })}`;
  const { page, problems } = await openPage(browser);
  await page.goto(url);
  const rows = await topReady(page, q);
  assert.deepEqual(rows, apiTop(await api(ids.a, 'top', q)));
  const shown = await panelReady(page, q);
  assert.deepEqual(plain(shown), expected(await api(ids.a, 'tags', q)));
  assert.deepEqual(shown.find(k => k.key === 'attempt')?.rows.map(r => [r.value, r.focused]), [['1', true]]);
  assert.equal(shown.find(k => k.key === 'handler')?.root, 'true');
  assert.ok(!shown.find(k => k.key === 'handler')?.rows.some(r => r.value === '/login'));
  assert.equal(await page.getAttribute('.labels-panel button.rel-btn', 'aria-pressed'), 'true');
  assert.equal(await page.getAttribute('button.labels-btn', 'aria-expanded'), 'true');
  assert.equal(await page.inputValue('#flt-tf'), q.tf);
  assert.equal(await page.inputValue('#flt-ti'), q.ti);
  await shot(page, 'labels-link');
  assert.deepEqual(problems, []);
  await page.context().close();
});

test('diff and merged views: the panel lists the API\u2019s numbers', async () => {
  const { page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${ids.a}?labels=1&base=${ids.b}`);
  const diff = await panelReady(page, { base: ids.b });
  const jd = await api(ids.a, 'tags', { base: ids.b });
  assert.deepEqual(plain(diff), expected(jd));
  const cli = cliTags([`-diff_base=${files.b}`, files.a]);
  assert.deepEqual(cli.map(k => k.key), diff.map(k => k.key));
  assert.ok(diff.some(k => k.rows.some(r => r.count < 0)), 'some values shrank');
  assert.ok(await page.locator('tr.lrow.shrink').count() > 0);
  await shot(page, 'labels-diff');
  await page.goto(`${srv.url}p/${ids.a}?labels=1&merge=${ids.b}`);
  const merged = await panelReady(page, { merge: ids.b });
  const jm = await api(ids.a, 'tags', { merge: ids.b });
  assert.deepEqual(plain(merged), expected(jm));
  // each value's count is the sum of the two profiles'
  const [ta, tb] = [await api(ids.a, 'tags'), await api(ids.b, 'tags')];
  /** @param {any} t */
  const counts = t => new Map(t.keys.flatMap((/** @type {any} */ k) => k.values.map((/** @type {any} */ v) => [`${k.key}=${v.value}`, v.count])));
  const [ca, cb] = [counts(ta), counts(tb)];
  for (const k of merged) for (const r of k.rows) assert.equal(r.count, (ca.get(`${k.key}=${r.value}`) || 0) + (cb.get(`${k.key}=${r.value}`) || 0), `${k.key}=${r.value}`);
  await shot(page, 'labels-merged');
  assert.deepEqual(problems, []);
  await page.context().close();
});
