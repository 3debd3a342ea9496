// Browser tests of the capture group page (/c/<id>): several processes
// captured together, side by side. Three fake targets (node http servers
// answering heap profiles that grow at different rates) are captured by a
// real `hearth serve` through POST /api/capture-groups; a shared gctrace log
// with "[name] " prefixes is attached. The page must draw every target's
// line on the shared totals chart, show each target's name, growth table
// (the API's numbers) and its matched GC track, stop the group from its
// button, and say "not found" for an unknown group.
//
//   node --test tests/web/groups.test.mjs   (exit 77 = skipped)
//
// Environment: HEARTH_BIN, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM as for
// ui.test.mjs. Any console error or warning fails a page's test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, getJson } from './lib/server.mjs';
import { makeProfile } from './lib/pprof.mjs';
import { alignTotals, stepOf } from '../../web/js/model/group.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why && !existsSync(join(ROOT, 'node_modules/uplot/dist/uPlot.esm.js'))) why = 'uplot is missing (npm ci)';
  if (why) {
    console.log(`# SKIP web.groups: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

/** Targets: name, MB leaked per request (so the totals differ), chart colour variable of its line. */
const TARGETS = [['source', 1, '--chart-1'], ['destination', 9, '--chart-3'], ['orchestrator', 4, '--chart-6']];

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {import('node:http').Server[]} */
const peers = [];
/** @type {Record<string, number>} */
const ports = {};
let groupId = '';
let groupToken = '';

/** A fake Go process: each request answers a heap profile that leaked `mb` more MB. */
function peer(name, mb) {
  let served = 0;
  const s = createServer((req, res) => {
    served++;
    const body = makeProfile({
      sampleTypes: [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes']],
      samples: [
        [`main.${name}Leak`, served * mb * 1048576],
        ['main.steady', 2097152],
      ].map(([f, b]) => ({ stack: [f, 'main.main'], values: [Number(b) / 1024, Number(b) * 2, Number(b) / 1024, Number(b)] })),
      timeNanos: Date.now() * 1e6,
    });
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(body);
  });
  return s;
}

/** One shared stderr: each target's GC lines prefixed "[name] ", interleaved, forced GCs at the end. */
function sharedGctrace() {
  const lines = [];
  for (let i = 1; i <= 12; i++) {
    TARGETS.forEach(([name, mb], p) => {
      const before = 4 + i * Number(mb), live = Math.floor(before * 0.7);
      lines.push(`[${name}] gc ${i} @${(0.5 * i + 0.01 * p).toFixed(3)}s 2%: 0.010+1.${i % 9}+0.021 ms clock, ` +
        `0.041+0.30/1.0/0.83+0.086 ms cpu, ${before}->${before + 1}->${live} MB, ${before * 2} MB goal, 0 MB stacks, 0 MB globals, 4 P${i > 8 ? ' (forced)' : ''}`);
    });
    if (i % 5 === 0) lines.push('an application line <b>not a gc</b>');
  }
  return lines.join('\n') + '\n';
}

async function waitGroup(id, done = g => g.state !== 'running') {
  for (let k = 0; k < 150; k++) {
    const g = await getJson(`${srv.url}api/capture-groups/${id}`);
    if (done(g)) return g;
    await new Promise(r => setTimeout(r, 200));
  }
  throw new Error(`group ${id} did not end`);
}

before(async () => {
  srv = await startServer(BIN, ['--fetch-allow', '127.0.0.1']);
  browser = await launch();
  for (const [name, mb] of TARGETS) {
    const s = peer(String(name), Number(mb));
    await new Promise(r => s.listen(0, '127.0.0.1', () => r(null)));
    peers.push(s);
    ports[String(name)] = /** @type {any} */ (s.address()).port;
  }
  const r = await fetch(`${srv.url}api/capture-groups`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      name: 'sync <i>run</i>', interval_s: 1, count: 4,
      targets: TARGETS.map(([name]) => ({ name, url: `http://127.0.0.1:${ports[String(name)]}/debug/pprof/heap` })),
    }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  const g = await r.json();
  groupId = g.id;
  groupToken = g.delete_token;
  await waitGroup(groupId);
  const up = await fetch(`${srv.url}api/gctraces?name=shared`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: sharedGctrace() });
  assert.equal(up.status, 201);
  const att = await fetch(`${srv.url}api/capture-groups/${groupId}/gctrace`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${groupToken}` },
    body: JSON.stringify({ gctrace: (await up.json()).id }),
  });
  assert.equal(att.status, 200, await att.clone().text());
});

after(async () => {
  await browser?.close();
  await srv?.stop();
  for (const p of peers) p.close();
});

/* ---- helpers ---- */

/** @param {import('playwright-core').Page} page @param {string} name */
async function shots(page, name) {
  for (const scheme of /** @type {const} */ (['light', 'dark'])) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(300); // charts rebuild with the theme's colours
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

async function chartReady(page, sel) {
  await page.waitForSelector(`${sel}[data-state="ready"] canvas`, { timeout: 15000 });
  await page.waitForTimeout(50);
}

/** Pixels of a chart's canvas close to a colour variable, and all pixels drawn. */
function chartInk(page, sel, colorVar) {
  return page.$eval(`${sel} canvas`, (c, v) => {
    const css = getComputedStyle(document.documentElement).getPropertyValue(v).trim();
    const m = /^#([0-9a-f]{6})$/i.exec(css);
    const want = m ? [parseInt(m[1].slice(0, 2), 16), parseInt(m[1].slice(2, 4), 16), parseInt(m[1].slice(4, 6), 16)] : [0, 0, 0];
    const { width: w, height: h } = /** @type {HTMLCanvasElement} */ (c);
    const copy = document.createElement('canvas');
    copy.width = w;
    copy.height = h;
    const ctx = /** @type {CanvasRenderingContext2D} */ (copy.getContext('2d', { willReadFrequently: true }));
    ctx.drawImage(/** @type {HTMLCanvasElement} */ (c), 0, 0);
    const d = ctx.getImageData(0, 0, w, h).data;
    let ink = 0, hit = 0;
    for (let k = 0; k < d.length; k += 4) {
      if (d[k + 3] < 128) continue;
      ink++;
      if (Math.abs(d[k] - want[0]) + Math.abs(d[k + 1] - want[1]) + Math.abs(d[k + 2] - want[2]) < 60) hit++;
    }
    return { ink, hit };
  }, colorVar);
}

/* ---- tests ---- */

test('alignTotals: steps from the snapshot names, gaps where a target missed one', () => {
  assert.equal(stepOf({ name: 'g: a #7' }, 0), 7);
  assert.equal(stepOf({ name: 'uploaded' }, 2), 3);
  const targets = [
    { series: { profiles: [{ name: 'x #1' }, { name: 'x #2' }, { name: 'x #3' }] } },
    { series: { profiles: [{ name: 'y #1' }, { name: 'y #3' }] } }, // step 2 failed
    { series: null }, // deleted on its own
  ];
  assert.deepEqual(alignTotals(targets, [[1, 2, 3], [10, 30], null], 30), {
    x: [0, 30, 60], values: [[1, 2, 3], [10, null, 30], [null, null, null]],
  });
});

test('group page: every target on the shared chart, names, growth per target, matched GC tracks', async () => {
  const g = await getJson(`${srv.url}api/capture-groups/${groupId}`);
  const growth = await Promise.all(g.targets.map(t => getJson(`${srv.url}api/series/${t.series_id}/growth?si=inuse_space&n=8`)));
  const { context, page, problems } = await openPage(browser, { width: 1400, height: 900 });
  try {
    await page.goto(`${srv.url}c/${groupId}`);
    await page.waitForSelector('.group-page');
    assert.equal(await page.textContent('h1.title'), 'sync <i>run</i>', 'the name as text, not HTML');
    assert.equal(await page.$('h1.title i'), null);
    assert.equal(await page.textContent('.facts [data-k="targets"]'), 'source, destination, orchestrator');
    assert.equal(await page.textContent('.facts [data-k="steps"]'), '4 of 4');
    assert.equal(await page.textContent('.facts [data-k="state"]'), 'done');
    // the shared chart: a line of each target's colour
    await chartReady(page, '.chart-box[data-chart="group-total"]');
    for (const [name, , color] of TARGETS) {
      const ink = await chartInk(page, '.chart-box[data-chart="group-total"]', String(color));
      assert.ok(ink.hit > 40, `${name}'s line is drawn (${ink.hit} of ${ink.ink} pixels in ${color})`);
    }
    const legend = await page.$$eval('.chart-box[data-chart="group-total"] .u-legend .u-label', els => els.map(e => e.textContent));
    for (const [name] of TARGETS) assert.ok(legend.includes(String(name)), `legend has ${name}: ${legend.join(' | ')}`);
    // one column per target, in order, with the API's numbers
    assert.deepEqual(await page.$$eval('.target-col h2.target-name', els => els.map(e => e.textContent)), TARGETS.map(t => t[0]));
    await page.waitForSelector('.target-col .growth-table tbody tr');
    for (let i = 0; i < TARGETS.length; i++) {
      const name = String(TARGETS[i][0]);
      const col = `.target-col[data-target="${name}"]`;
      const rows = await page.$$eval(`${col} .growth-table tbody tr`, trs => trs.map(tr => ({
        name: tr.querySelector('td.name')?.textContent, delta: Number(tr.querySelector('td.delta')?.getAttribute('data-v')),
      })));
      assert.deepEqual(rows, growth[i].rows.map(r => ({ name: r.name, delta: r.delta })), `${name}: growth rows as the API ranks them`);
      assert.equal(rows[0].name, `main.${name}Leak`, `${name}: its own leak ranks first`);
      const total = Number(await page.getAttribute(`${col} .target-total`, 'data-v'));
      const want = growth[i].totals.inuse_space;
      assert.equal(total, want[want.length - 1], `${name}: the total shown is the API's last total`);
      assert.match(await page.textContent(`${col} .target-status`), /done 4 taken/);
      // its matched GC track, charted
      await chartReady(page, `${col} .chart-box[data-chart="gc-heap"]`);
      assert.equal(await page.getAttribute(`${col} .chart-box[data-chart="gc-heap"]`, 'data-track'), name);
      const ink = await chartInk(page, `${col} .chart-box[data-chart="gc-heap"]`, '--chart-1');
      assert.ok(ink.hit > 20, `${name}: its heap chart is drawn (${ink.hit})`);
    }
    const lastTotals = growth.map(x => x.totals.inuse_space.at(-1));
    assert.ok(lastTotals[0] < lastTotals[2] && lastTotals[2] < lastTotals[1], `totals differ per target: ${lastTotals}`);
    // the matching form offers the labels and shows the current matching
    assert.deepEqual(await page.$$eval('.match-form select', els => els.map(e => /** @type {HTMLSelectElement} */ (e).value)), TARGETS.map(t => t[0]));
    await shots(page, 'group-page');
    // re-match through the page: source gets no track
    await page.evaluate(([id, tok]) => localStorage.setItem(`hearth.delete.${id}`, tok), [groupId, groupToken]);
    await page.selectOption('.match-form select[data-target="source"]', '');
    await page.click('.match-form button[type="submit"]');
    await page.click('dialog[open] button.danger, dialog[open] button.primary');
    await page.waitForFunction(() => /No track matched/.test(document.querySelector('.target-col[data-target="source"] .target-gc')?.textContent || ''), null, { timeout: 10000 });
    const after = await getJson(`${srv.url}api/capture-groups/${groupId}`);
    assert.deepEqual(after.targets.map(t => t.track), [null, 'destination', 'orchestrator']);
    // a member's series page: its own track of the shared log, its group linked
    const dest = after.targets[1];
    const ds = await getJson(`${srv.url}api/series/${dest.series_id}`);
    assert.equal(ds.group.track, 'destination');
    const tracks = (await getJson(`${srv.url}api/gctraces/${after.gctrace}`)).trace.tracks;
    const own = tracks.map(t => t.label).lastIndexOf('destination');
    await page.goto(`${srv.url}s/${dest.series_id}`);
    await page.waitForSelector('select[aria-label="Process"]');
    assert.equal(await page.$eval('select[aria-label="Process"]', s => /** @type {HTMLSelectElement} */ (s).value), String(own));
    assert.match(await page.$eval('select[aria-label="Process"]', s => /** @type {HTMLSelectElement} */ (s).selectedOptions[0].textContent || ''), /\[destination\] \(this target\)$/);
    await chartReady(page, '.gc-card .chart-box[data-chart="gc-heap"]');
    assert.equal(await page.textContent('.group-link a'), 'sync <i>run</i>');
    // the whole shared log: one track per label, named after it
    await page.goto(`${srv.url}g/${after.gctrace}`);
    await page.waitForSelector('.card.track');
    const heads = await page.$$eval('.card.track .track-head', els => els.map(e => e.textContent || ''));
    assert.equal(heads.length, 3, heads.join(' | '));
    TARGETS.forEach(([name], k) => assert.match(heads[k], new RegExp(`Process ${k + 1} \\[${name}\\]`)));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('group page: a running group refreshes and stops from its button; unknown group: not found', async () => {
  const r = await fetch(`${srv.url}api/capture-groups`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      interval_s: 1, count: 100,
      targets: TARGETS.slice(0, 2).map(([name]) => ({ name, url: `http://127.0.0.1:${ports[String(name)]}/debug/pprof/heap` })),
    }),
  });
  assert.equal(r.status, 201);
  const g = await r.json();
  const { context, page, problems } = await openPage(browser);
  try {
    await page.goto(`${srv.url}c/${g.id}`);
    await page.evaluate(([id, tok]) => localStorage.setItem(`hearth.delete.${id}`, tok), [g.id, g.delete_token]);
    await page.waitForSelector('.actions .stop-btn');
    await page.waitForFunction(() => /^[2-9]/.test(document.querySelector('.facts [data-k="steps"]')?.textContent || ''), null, { timeout: 15000 });
    await chartReady(page, '.chart-box[data-chart="group-total"]');
    // the refreshed chart rescales: its y axis reaches the newest (largest) total
    await page.waitForFunction(() => /^[4-9]/.test(document.querySelector('.facts [data-k="steps"]')?.textContent || ''), null, { timeout: 15000 });
    await page.waitForTimeout(2500);
    const right = await page.$eval('.chart-box[data-chart="group-total"] canvas', c => {
      const css = getComputedStyle(document.documentElement).getPropertyValue('--chart-3').trim();
      const want = [1, 3, 5].map(k => parseInt(css.slice(k, k + 2), 16));
      const { width: w, height: h } = /** @type {HTMLCanvasElement} */ (c);
      const d = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d')).getImageData(Math.floor(w * 0.75), 0, w - Math.floor(w * 0.75), h).data;
      let hit = 0;
      for (let k = 0; k < d.length; k += 4) if (d[k + 3] > 128 && Math.abs(d[k] - want[0]) + Math.abs(d[k + 1] - want[1]) + Math.abs(d[k + 2] - want[2]) < 60) hit++;
      return hit;
    });
    assert.ok(right > 20, `the largest target's line is still inside the plot at its newest steps (${right} pixels)`);
    await shots(page, 'group-running');
    await page.click('.actions .stop-btn');
    await page.click('dialog[open] button.danger');
    await page.waitForFunction(() => document.querySelector('.facts [data-k="state"]')?.textContent === 'stopped', null, { timeout: 10000 });
    assert.equal(await page.$('.actions .stop-btn'), null);
    const after = await getJson(`${srv.url}api/capture-groups/${g.id}`);
    assert.ok(after.targets.every(t => t.series.capture.state === 'stopped'));
    await page.goto(`${srv.url}c/${'A'.repeat(27)}`);
    await page.waitForSelector('.not-found');
    assert.match(await page.textContent('.not-found'), /no capture group/);
    assert.deepEqual(problems.filter(p => !/404/.test(p)), []);
  } finally {
    await context.close();
  }
});
