// Browser test of the series page's runtime memory (issue 17): the stacked
// breakdown chart (bars drawn, in their colours, heights in proportion to the
// API's parts), its tooltip's values equal to the API's, the sentence of
// each snapshot, the hints with their evidence and link, and no card at all
// for a series without statistics. Debian's chromium driven by
// playwright-core against a real `hearth serve`.
//
//   node --test tests/web/memory.test.mjs   (exit 77 = skipped)
//
// The snapshots are ?debug=1 heap files (the legacy text Go prints, with its
// runtime.MemStats block), uploaded: each keeps its MemStats.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (why) {
    console.log(`# SKIP web.memory: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

const MiB = 1 << 20;

/**
 * A Go ?debug=1 heap file: one sample of `inuse` bytes, then a MemStats block
 * with the given heap in use, idle, released and stacks (consistent: the
 * runtime's identities hold).
 */
function debug1({ inuse, heapInuse, idle, released, stack }) {
  const mspan = 300e3, mcache = 15600, buck = 1.4e6, gc = 9e6, other = 600e3;
  const heapSys = heapInuse + idle;
  const sys = heapSys + stack + mspan + mcache + buck + gc + other;
  return Buffer.from([
    `heap profile: 1: ${inuse} [1: ${inuse}] @ heap/524288`,
    `1: ${inuse} [1: ${inuse}] @ 0x401000 0x402000`,
    '', '# runtime.MemStats',
    `# Alloc = ${inuse}`, `# TotalAlloc = ${inuse * 3}`, `# Sys = ${sys}`, '# Lookups = 0',
    '# Mallocs = 100', '# Frees = 50', `# HeapAlloc = ${inuse}`, `# HeapSys = ${heapSys}`,
    `# HeapIdle = ${idle}`, `# HeapInuse = ${heapInuse}`, `# HeapReleased = ${released}`,
    '# HeapObjects = 50', `# Stack = ${stack} / ${stack}`, `# MSpan = ${mspan - 1000} / ${mspan}`,
    `# MCache = 2400 / ${mcache}`, `# BuckHashSys = ${buck}`, `# GCSys = ${gc}`, `# OtherSys = ${other}`,
    '# NextGC = 8388608', '# LastGC = 0', '# PauseNs = [0 0]', '# PauseEnd = [0 0]', '# NumGC = 3',
    '# NumForcedGC = 0', '# GCCPUFraction = 0.001', '# DebugGC = false', '',
  ].join('\n'));
}

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
let spikeId = '', plainId = '';

before(async () => {
  srv = await startServer(BIN);
  browser = await launch();
  // 4 snapshots; the third keeps 200 MiB idle after a spike
  const snaps = [
    { inuse: 20 * MiB, heapInuse: 30 * MiB, idle: 8 * MiB, released: 4 * MiB, stack: 512 << 10 },
    { inuse: 22 * MiB, heapInuse: 33 * MiB, idle: 9 * MiB, released: 5 * MiB, stack: 512 << 10 },
    { inuse: 24 * MiB, heapInuse: 36 * MiB, idle: 200 * MiB, released: 6 * MiB, stack: 512 << 10 },
    { inuse: 26 * MiB, heapInuse: 40 * MiB, idle: 190 * MiB, released: 30 * MiB, stack: 512 << 10 },
  ];
  const ids = [];
  for (let k = 0; k < snaps.length; k++) ids.push((await uploadProfile(srv.url, debug1(snaps[k]), `heap.${k}.txt`)).id);
  const r = await fetch(`${srv.url}api/series`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'spike kept idle', profiles: ids }),
  });
  assert.equal(r.status, 201);
  spikeId = (await r.json()).id;
  // a series of profiles without statistics (proto uploads): no memory card
  const a = await uploadProfile(srv.url, Buffer.from('heap profile: 1: 10 [1: 10] @ heap/1\n1: 10 [1: 10] @ 0x1\n'), 'a.0');
  const b = await uploadProfile(srv.url, Buffer.from('heap profile: 1: 20 [1: 20] @ heap/1\n1: 20 [1: 20] @ 0x1\n'), 'a.1');
  const r2 = await fetch(`${srv.url}api/series`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'plain', profiles: [a.id, b.id] }),
  });
  plainId = (await r2.json()).id;
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

const PARTS = ['explained', 'beyond', 'idle', 'released', 'stacks', 'runtime', 'other'];

test('the stacked breakdown: bars drawn in proportion to the API, tooltips equal to it', async () => {
  const api = await getJson(`${srv.url}api/series/${spikeId}`);
  assert.equal(api.memory.length, 4);
  for (const m of api.memory) assert.equal(PARTS.reduce((s, p) => s + m[p], 0), m.sys, 'the parts sum to Sys');
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}s/${spikeId}`);
  await page.waitForSelector('[data-pane=memory] svg.memory-chart .memory-bar');
  const card = page.locator('[data-pane=memory]');
  await card.scrollIntoViewIfNeeded();
  await card.screenshot({ path: join(SHOTS, 'series-memory.png') });

  // every snapshot a bar; every non-zero part a rect whose height is in proportion
  const bars = await page.$$eval('svg.memory-chart .memory-bar', gs => gs.map(g => ({
    snap: Number(g.getAttribute('data-snap')),
    rects: [...g.querySelectorAll('rect[data-part]')].map(r => ({
      part: r.getAttribute('data-part'), v: Number(r.getAttribute('data-v')), h: r.getBoundingClientRect().height,
      fill: getComputedStyle(r).fill,
    })),
  })));
  assert.deepEqual(bars.map(b => b.snap), [1, 2, 3, 4]);
  const maxSys = Math.max(...api.memory.map(m => m.sys));
  const full = bars[api.memory.findIndex(m => m.sys === maxSys)];
  const pxPerByte = full.rects.reduce((s, r) => s + r.h, 0) / maxSys;
  for (const b of bars) {
    const m = api.memory[b.snap - 1];
    for (const r of b.rects) {
      assert.equal(r.v, m[r.part], `#${b.snap} ${r.part}: the rect carries the API's value`);
      assert.ok(Math.abs(r.h - Math.max(m[r.part] * pxPerByte, 0.5)) < 1.0, `#${b.snap} ${r.part}: height ${r.h} in proportion`);
    }
    assert.deepEqual(b.rects.map(r => r.part), PARTS.filter(p => m[p] > 0), `#${b.snap}: the parts bottom to top`);
  }
  // the parts have distinct colours (released and other share a hue, released faded)
  const fills = new Set(bars[2].rects.filter(r => r.part !== 'released').map(r => r.fill));
  assert.equal(fills.size, bars[2].rects.length - 1, 'distinct colours');

  // pixels: the chart's screenshot is mostly not background where the tall bar stands
  const box = await page.locator('svg.memory-chart .memory-bar[data-snap="3"]').boundingBox();
  const shot = await page.screenshot({ clip: { x: box.x, y: box.y, width: box.width, height: box.height } });
  const painted = await page.evaluate(async b64 => {
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
  assert.ok(painted > 0.8, `the tallest bar is painted (${(painted * 100).toFixed(0)} % of its box)`);

  // tooltip of each bar: every part's bytes and Sys equal the API's
  for (const b of bars) {
    await page.hover(`svg.memory-chart .memory-bar[data-snap="${b.snap}"] rect.hit`);
    const tip = page.locator(`.tooltip:not([hidden]) .memory-tip[data-snap="${b.snap}"]`);
    await tip.waitFor();
    const vals = await tip.locator('td[data-v]').evaluateAll(tds => tds.map(td => [td.closest('tr').getAttribute('data-part'), Number(td.getAttribute('data-v'))]));
    const m = api.memory[b.snap - 1];
    assert.deepEqual(Object.fromEntries(vals), Object.fromEntries([...PARTS, 'sys'].map(p => [p, m[p]])), `#${b.snap}: tooltip values are the API's`);
    assert.equal(await tip.locator('p').textContent(), m.sentence);
    if (b.snap === 3) await page.screenshot({ path: join(SHOTS, 'series-memory-tooltip.png') });
  }
  // the sentences
  const sentences = await page.$$eval('.memory-sentences li', lis => lis.map(li => li.textContent));
  assert.deepEqual(sentences, api.memory.map((m, k) => `#${k + 1} ${m.sentence}`));
  assert.match(api.memory[2].sentence, /^the heap profile accounts for \d+\.\d % of the \d+\.\d MB the Go runtime holds$/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the hints: each with its figures and a link, only on its scenario', async () => {
  const api = await getJson(`${srv.url}api/series/${spikeId}`);
  assert.deepEqual(api.hints.map(h => h.rule), ['idle_heap']);
  const h = api.hints[0];
  assert.equal(h.evidence.snapshot, 3);
  assert.equal(h.evidence.idle_not_returned, api.memory[2].idle);
  const { context, page, problems } = await openPage(browser, { colorScheme: 'dark' });
  await page.goto(`${srv.url}s/${spikeId}`);
  const li = page.locator('.hints .hint[data-rule=idle_heap]');
  await li.waitFor();
  assert.equal(await li.locator('.hint-title').textContent(), h.title);
  assert.equal(await li.locator('.hint-text').textContent(), h.text);
  const ev = await li.locator('dd[data-k]').evaluateAll(dds => dds.map(d => [d.getAttribute('data-k'), d.getAttribute('data-v')]));
  assert.deepEqual(Object.fromEntries(ev), Object.fromEntries(Object.entries(h.evidence).map(([k, v]) => [k, String(v)])));
  assert.equal(await li.locator('a.hint-link').getAttribute('href'), h.link);
  await page.locator('[data-pane=memory]').screenshot({ path: join(SHOTS, 'series-memory-dark.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a series without runtime statistics shows no memory card', async () => {
  const api = await getJson(`${srv.url}api/series/${plainId}`);
  assert.deepEqual(api.hints, []);
  assert.ok(api.memory.every(m => m.none === true));
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}s/${plainId}`);
  await page.waitForSelector('.growth-card');
  await page.waitForSelector('.snapshots a.snap');
  assert.equal(await page.locator('[data-pane=memory]').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});
