// Browser tests of capture groups as their users meet them (issue 17, item
// 3): a group of three targets started from the home page's form (rows added
// and removed, the API's refusals shown on the row they name), against three
// real processes of the project's own Go peer (tests/peer), one of them
// holding a freed spike idle; the group page showing each target's runtime
// memory breakdown on the shared time axis (bars painted, tooltips equal to
// the API, from the group's one answer) and its hints; the home page listing
// the group; and a member series' page linking back to its group.
//
//   node --test tests/web/groupui.test.mjs   (exit 77 = skipped: no chromium, go or build)
//
// Environment: HEARTH_BIN, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM as for
// ui.test.mjs. Any console error or warning fails a page's test (but the
// refused requests the form test makes on purpose).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, getJson } from './lib/server.mjs';
import { whyNoGo, buildPeer, startPeer } from './lib/peer.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why) why = whyNoGo();
  if (why) {
    console.log(`# SKIP web.groupui: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

const PARTS = ['explained', 'beyond', 'idle', 'released', 'stacks', 'runtime', 'other'];
/** The three targets: name and the peer's flags (source keeps a 160 MiB spike idle: the idle_heap hint). */
const TARGETS = [
  ['source', ['-leak-mb', '64', '-leak-every', '500ms', '-spike-mb', '160', '-churn-every', '0']],
  ['destination', ['-leak-mb', '512', '-leak-every', '20ms']],
  ['orchestrator', ['-leak-mb', '512', '-leak-every', '60ms']],
];
const INTERVAL = 1, COUNT = 4;

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {Awaited<ReturnType<typeof startPeer>>[]} */
const peers = [];
let tmp = '';
let groupId = '';

before(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'hearth-groupui-'));
  const bin = buildPeer(tmp);
  for (const [name, args] of TARGETS) peers.push(await startPeer(bin, tmp, String(name), /** @type {string[]} */ (args)));
  srv = await startServer(BIN, ['--fetch-allow', '127.0.0.1']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  for (const p of peers) await p.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/* ---- helpers ---- */

/** @param {import('playwright-core').Page} page @param {string} name @param {string} [sel] the element, or the whole page */
async function shots(page, name, sel) {
  for (const scheme of /** @type {const} */ (['light', 'dark'])) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(300);
    if (sel) await page.locator(sel).screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
    else await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** The share of a box's pixels that are not the page's background (light scheme). */
async function painted(page, box) {
  const shot = await page.screenshot({ clip: { x: box.x, y: box.y, width: box.width, height: box.height } });
  return page.evaluate(async b64 => {
    const bin = Uint8Array.from(atob(b64), ch => ch.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bin], { type: 'image/png' }));
    const c = document.createElement('canvas');
    c.width = bmp.width; c.height = bmp.height;
    const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d', { willReadFrequently: true }));
    ctx.drawImage(bmp, 0, 0);
    const d = ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (!(d[i] > 235 && d[i + 1] > 235 && d[i + 2] > 235)) n++;
    return n / (d.length / 4);
  }, shot.toString('base64'));
}

/** What POST /api/capture-groups answers to body (the form must show the same). */
async function apiRefusal(body) {
  const r = await fetch(`${srv.url}api/capture-groups`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.ok(r.status >= 400, `refused (${r.status})`);
  return { status: r.status, message: (await r.json()).error.message };
}

async function waitGroup(id) {
  for (let k = 0; k < 200; k++) {
    const g = await getJson(`${srv.url}api/capture-groups/${id}`);
    // done, and the last snapshot's runtime statistics recorded
    if (g.state !== 'running' && g.targets.every(t => t.series.memory.every(m => typeof m.sys === 'number' || m.error))) return g;
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`group ${id} did not end`);
}

/* ---- tests ---- */

test('home page: a group of three started from its form; the API’s refusals shown on their row', async () => {
  const { context, page, problems } = await openPage(browser, { width: 1280, height: 1000 });
  try {
    await page.goto(srv.url);
    const rows = '.group-form .target-row';
    await page.waitForSelector(rows);
    assert.equal(await page.locator(rows).count(), 2, 'two rows to begin with');
    assert.equal(await page.locator(`${rows} .remove-target:disabled`).count(), 0);
    // add two, remove the last one: three rows
    await page.click('.group-form .add-target');
    await page.click('.group-form .add-target');
    assert.equal(await page.locator(rows).count(), 4);
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Name of target 4', 'the new row has the focus');
    await page.click(`${rows}[data-row="3"] .remove-target`);
    assert.equal(await page.locator(rows).count(), 3);
    assert.deepEqual(await page.$$eval(`${rows} input.target-name`, els => els.map(e => e.getAttribute('aria-label'))),
      ['Name of target 1', 'Name of target 2', 'Name of target 3']);
    const fill = async (/** @type {string[][]} */ pairs) => {
      for (let k = 0; k < pairs.length; k++) {
        await page.fill(`${rows}[data-row="${k}"] input.target-name`, pairs[k][0]);
        await page.fill(`${rows}[data-row="${k}"] input.target-url`, pairs[k][1]);
      }
    };
    await page.fill('.group-form input[aria-label="Group interval in seconds"]', String(INTERVAL));
    await page.fill('.group-form input[aria-label="Group number of snapshots"]', String(COUNT));
    await page.fill('.group-form input[aria-label="Group name"]', 'sync <b>run</b>');
    // a GC before each snapshot: the heap profiles are then up to date
    await page.check('.group-form input[name="gc"]');
    const heap = (/** @type {number} */ k) => peers[k].url('/debug/pprof/heap');
    const body = (/** @type {string[][]} */ pairs) => ({ targets: pairs.map(([name, url]) => ({ name, url })), interval_s: INTERVAL, count: COUNT, name: 'sync <b>run</b>', gc: true });

    // 1. a name used twice: the API's message, on the second row's name
    let pairs = [['source', heap(0)], ['source', heap(1)], ['orchestrator', heap(2)]];
    await fill(pairs);
    await page.click('.group-form button[type="submit"]');
    await page.waitForSelector('.group-msg.error');
    let want = await apiRefusal(body(pairs));
    assert.equal(want.status, 400);
    assert.equal(await page.textContent('.group-msg'), want.message);
    assert.match(want.message, /^targets\[1\]: the name "source" is used twice/);
    assert.deepEqual(await page.$$eval(rows, els => els.map(e => e.classList.contains('invalid'))), [false, true, false]);
    assert.equal(await page.getAttribute(`${rows}[data-row="1"] input.target-name`, 'aria-invalid'), 'true');
    assert.equal(await page.getAttribute(`${rows}[data-row="1"] input.target-url`, 'aria-invalid'), null);
    await shots(page, 'home-group-form-error', '.group-start');

    // 2. a host the server may not fetch: the API's message, on that row's URL
    pairs = [['source', heap(0)], ['destination', 'http://10.9.8.7:1/debug/pprof/heap'], ['orchestrator', heap(2)]];
    await fill(pairs);
    await page.click('.group-form button[type="submit"]');
    await page.waitForFunction(() => /destination/.test(document.querySelector('.group-msg')?.textContent || ''));
    want = await apiRefusal(body(pairs));
    assert.equal(want.status, 403);
    assert.equal(await page.textContent('.group-msg'), want.message);
    assert.match(want.message, /^target "destination": /);
    assert.deepEqual(await page.$$eval(rows, els => els.map(e => e.classList.contains('invalid'))), [false, true, false]);
    assert.equal(await page.getAttribute(`${rows}[data-row="1"] input.target-url`, 'aria-invalid'), 'true');
    assert.equal(await page.getAttribute(`${rows}[data-row="1"] input.target-name`, 'aria-invalid'), null);
    const before = (await getJson(`${srv.url}api/capture-groups`)).groups.length;
    assert.equal(before, 0, 'refused groups are not stored');

    // 3. right: the group starts and its page opens
    pairs = TARGETS.map(([name], k) => [String(name), heap(k)]);
    await fill(pairs);
    await page.click('.group-form button[type="submit"]');
    await page.waitForURL(/\/c\/[A-Za-z0-9_-]{27}$/, { timeout: 20000 });
    groupId = /** @type {string} */ (/\/c\/([A-Za-z0-9_-]{27})$/.exec(page.url())?.[1]);
    const g = await getJson(`${srv.url}api/capture-groups/${groupId}`);
    assert.equal(g.name, 'sync <b>run</b>');
    assert.deepEqual(g.targets.map(t => t.name), TARGETS.map(t => t[0]));
    assert.deepEqual(g.targets.map(t => t.series.capture.url), pairs.map(p => `${p[1]}?gc=1`), 'each target fetched with a GC first');
    assert.equal(g.interval_s, INTERVAL);
    assert.equal(g.count, COUNT);
    assert.equal(g.gc, true);
    assert.ok(await page.evaluate(id => !!localStorage.getItem(`hearth.delete.${id}`), groupId), 'the browser keeps the group’s token');
    await page.waitForSelector('.group-page h1.title');
    assert.deepEqual(problems.filter(p => !/status of 40[03]/.test(p)), []);
  } finally {
    await context.close();
  }
});

test('group page: each target’s runtime memory on the shared axis, tooltips equal to the API, hints', async () => {
  assert.ok(groupId, 'the group was started by the previous test');
  const g = await waitGroup(groupId);
  assert.equal(g.state, 'done');
  for (const t of g.targets) {
    assert.equal(t.series.count, COUNT, `${t.name}: every step`);
    assert.equal(t.series.memory.length, COUNT);
    for (const m of t.series.memory) {
      assert.equal(typeof m.sys, 'number', `${t.name}: MemStats recorded with every snapshot (${JSON.stringify(m)})`);
      assert.equal(PARTS.reduce((s, p) => s + m[p], 0), m.sys, `${t.name}: the parts sum to Sys`);
    }
  }
  // the group's answer carries each series' memory and hints as the series' own answer does
  for (const t of g.targets) {
    const s = await getJson(`${srv.url}api/series/${t.series_id}`);
    assert.deepEqual(t.series.memory, s.memory, `${t.name}: memory as GET /api/series`);
    assert.deepEqual(t.series.hints, s.hints, `${t.name}: hints as GET /api/series`);
  }
  const src = g.targets[0].series;
  assert.ok(src.hints.some(h => h.rule === 'idle_heap'), `source keeps its spike idle: ${JSON.stringify(src.hints.map(h => h.rule))}`);

  const { context, page, problems } = await openPage(browser, { width: 1400, height: 1000 });
  /** @type {string[]} */
  const asked = [];
  page.on('request', r => { if (r.url().includes('/api/')) asked.push(new URL(r.url()).pathname); });
  try {
    await page.goto(`${srv.url}c/${groupId}`);
    await page.waitForSelector('.target-col [data-pane=memory] svg.memory-chart .memory-bar');
    await page.waitForSelector('.chart-box[data-chart="group-total"][data-state="ready"] canvas');
    await page.waitForSelector('.target-col .growth-table tbody tr');
    // one request for the group; the series' memory is not asked for again
    assert.deepEqual(asked.filter(p => /\/api\/series\/[^/]+$/.test(p)), [], `no series fetched one by one: ${asked.join(' ')}`);
    assert.equal(asked.filter(p => /\/api\/capture-groups\//.test(p)).length, 1, asked.join(' '));
    const svgs = await page.$$('.target-col [data-pane=memory] svg.memory-chart');
    assert.equal(svgs.length, 3, 'three breakdowns');

    /** per target: each bar's step time and its left edge relative to its chart */
    const layout = [];
    for (const t of g.targets) {
      const col = `.target-col[data-target="${t.name}"] [data-pane=memory]`;
      const bars = await page.$$eval(`${col} svg.memory-chart .memory-bar`, gs => gs.map(b => {
        const svg = /** @type {SVGSVGElement} */ (b.ownerSVGElement);
        const hit = /** @type {SVGRectElement} */ (b.querySelector('rect.hit'));
        return {
          snap: Number(b.getAttribute('data-snap')), t: Number(b.getAttribute('data-t')),
          x: (hit.getBoundingClientRect().left - svg.getBoundingClientRect().left) / svg.getBoundingClientRect().width,
          rects: [...b.querySelectorAll('rect[data-part]')].map(r => ({ part: r.getAttribute('data-part'), v: Number(r.getAttribute('data-v')), h: r.getBoundingClientRect().height })),
        };
      }));
      const ps = t.series.profiles;
      assert.deepEqual(bars.map(b => b.snap), [1, 2, 3, 4], `${t.name}: a bar per snapshot`);
      // the step of each snapshot (its name "... #k") on the totals chart's axis: (k - 1) * interval
      assert.deepEqual(bars.map(b => b.t), ps.map(p => (Number(/#(\d+)$/.exec(p.name)?.[1]) - 1) * g.interval_s), `${t.name}: bars at their steps`);
      for (const b of bars) {
        const m = t.series.memory[b.snap - 1];
        assert.deepEqual(b.rects.map(r => r.part), PARTS.filter(p => m[p] > 0), `${t.name} #${b.snap}: the parts bottom to top`);
        for (const r of b.rects) assert.equal(r.v, m[r.part], `${t.name} #${b.snap} ${r.part}: the API's value`);
      }
      const maxSys = Math.max(...t.series.memory.map(m => m.sys));
      const tall = bars[t.series.memory.findIndex(m => m.sys === maxSys)];
      assert.ok(tall.rects.reduce((s, r) => s + r.h, 0) > 100, `${t.name}: the tallest bar fills its plot`);
      // pixels: the tallest bar is painted
      const tallBar = page.locator(`${col} svg.memory-chart .memory-bar[data-snap="${tall.snap}"]`);
      await tallBar.scrollIntoViewIfNeeded();
      const box = await tallBar.boundingBox();
      const share = await painted(page, /** @type {any} */ (box));
      assert.ok(share > 0.8, `${t.name}: the tallest bar is painted (${(share * 100).toFixed(0)} % of its box)`);
      layout.push(bars);
    }
    // the leaking targets' growth, ranked as the API ranks it (a GC before each snapshot)
    for (const name of ['destination', 'orchestrator']) {
      const t = g.targets.find(x => x.name === name);
      const gr = await getJson(`${srv.url}api/series/${t.series_id}/growth?si=inuse_space&n=8`);
      assert.equal(gr.rows[0]?.name, 'main.leakyCache', `${name}: its leak ranks first`);
      assert.equal(await page.textContent(`.target-col[data-target="${name}"] .growth-table tbody tr td.name`), 'main.leakyCache');
    }
    // one axis: step k of every target stands at the same place in its chart
    for (let k = 0; k < COUNT; k++) {
      const xs = layout.map(bars => bars[k].x);
      assert.ok(Math.max(...xs) - Math.min(...xs) < 0.002, `step ${k + 1} at one place in the three charts: ${xs}`);
    }
    assert.ok(layout[0][3].x > layout[0][0].x + 0.5, 'the steps spread over the axis');

    // tooltips: every part and Sys equal the API's, for every bar of every target
    for (const t of g.targets) {
      const col = `.target-col[data-target="${t.name}"] [data-pane=memory]`;
      for (let k = 1; k <= COUNT; k++) {
        await page.hover(`${col} svg.memory-chart .memory-bar[data-snap="${k}"] rect.hit`);
        const tip = page.locator(`.tooltip:not([hidden]) .memory-tip[data-snap="${k}"]`);
        await tip.waitFor();
        const vals = await tip.locator('td[data-v]').evaluateAll(tds => tds.map(td => [td.closest('tr')?.getAttribute('data-part'), Number(td.getAttribute('data-v'))]));
        const m = t.series.memory[k - 1];
        assert.deepEqual(Object.fromEntries(vals), Object.fromEntries([...PARTS, 'sys'].map(p => [p, m[p]])), `${t.name} #${k}: tooltip values are the API's`);
        assert.equal(await tip.locator('p').textContent(), m.sentence);
        assert.match(await tip.locator('.tip-title').textContent() || '', new RegExp(`^Step #${k} · `));
        if (t.name === 'source' && k === COUNT) await page.screenshot({ path: join(SHOTS, 'group-memory-tooltip.png') });
      }
      await page.mouse.move(0, 0);
      // the latest snapshot's sentence under the chart
      assert.equal(await page.textContent(`${col} .memory-sentence-last`), `#${COUNT} ${t.series.memory[COUNT - 1].sentence}`);
      // its hints: the API's, with their figures
      const rules = await page.$$eval(`${col} .hints .hint`, els => els.map(e => e.getAttribute('data-rule')));
      assert.deepEqual(rules, t.series.hints.map(h => h.rule), `${t.name}: the API's hints`);
      for (const h of t.series.hints) {
        const li = page.locator(`${col} .hints .hint[data-rule="${h.rule}"]`);
        assert.equal(await li.locator('.hint-title').textContent(), h.title);
        const ev = await li.locator('dd[data-k]').evaluateAll(dds => dds.map(d => [d.getAttribute('data-k'), d.getAttribute('data-v')]));
        assert.deepEqual(Object.fromEntries(ev), Object.fromEntries(Object.entries(h.evidence).map(([k, v]) => [k, String(v)])));
      }
    }
    await shots(page, 'group-memory');
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('home page lists the group; a member series links back to its group', async () => {
  assert.ok(groupId, 'the group was started by the first test');
  const g = await getJson(`${srv.url}api/capture-groups/${groupId}`);
  const list = (await getJson(`${srv.url}api/capture-groups`)).groups;
  assert.deepEqual(list.map(x => [x.id, x.targets, x.state]), [[groupId, 3, 'done']]);
  const { context, page, problems } = await openPage(browser, { width: 1280, height: 900 });
  try {
    await page.goto(srv.url);
    const row = `.groups-list tr[data-group="${groupId}"]`;
    await page.waitForSelector(row);
    assert.equal(await page.textContent(`${row} td.name a`), 'sync <b>run</b>');
    assert.equal(await page.getAttribute(`${row} td.name a`, 'href'), `c/${groupId}`);
    assert.equal(await page.textContent(`${row} td.num`), '3');
    assert.equal(await page.getAttribute(`${row} [data-state]`, 'data-state'), 'done');
    await shots(page, 'home-groups-list', '.groups-list');
    await shots(page, 'home-with-groups');
    // a member series: its answer and its page name the group
    const t = g.targets[1];
    const s = await getJson(`${srv.url}api/series/${t.series_id}`);
    assert.deepEqual(s.group, { id: groupId, name: g.name, target: t.name, track: null, url: `/c/${groupId}` });
    await page.goto(`${srv.url}s/${t.series_id}`);
    await page.waitForSelector('.group-link:not([hidden]) a');
    assert.equal(await page.textContent('.group-link'), `Part of capture group ${g.name} (target ${t.name})`);
    await shots(page, 'series-group-link', '.page-head');
    await page.click('.group-link a');
    await page.waitForURL(new RegExp(`/c/${groupId}$`));
    await page.waitForSelector('.group-page h1.title');
    assert.equal(await page.textContent('h1.title'), g.name);
    // a series of no group has no such line
    const other = await fetch(`${srv.url}api/captures`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ url: peers[2].url('/debug/pprof/heap'), interval_s: 1, count: 2 }),
    });
    assert.equal(other.status, 201);
    const alone = await other.json();
    assert.equal(alone.group, null);
    await page.goto(`${srv.url}s/${alone.id}`);
    await page.waitForSelector('.page-head h1.title:not(:empty)');
    await page.waitForFunction(() => document.querySelector('h1.title')?.textContent !== '…');
    assert.equal(await page.locator('.group-link:not([hidden])').count(), 0);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
