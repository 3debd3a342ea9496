// Browser tests of leak hunting over time: series pages (uploaded and
// captured), GC trace pages, and sampling noise / retention in the profile
// views. Debian's chromium driven by playwright-core against a real
// `hearth serve` with a fresh data directory (see ui.test.mjs).
//
//   node --test tests/web/series.test.mjs   (exit 77 = skipped)
//
// Environment: HEARTH_BIN, HEARTH_GEN_DIR, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM
// as for ui.test.mjs. Any console error or warning fails a page's test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';
import { makeProfile, HOSTILE } from './lib/pprof.mjs';
import { withinNoise } from '../../web/js/model/series.js';
import { buildFlame, nameOf, ROW_H } from '../../web/js/model/flame.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const GEN = process.env.HEARTH_GEN_DIR || join(ROOT, 'build/gen-profiles');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');
const HEAPS = [0, 1, 2, 3].map(i => join(GEN, `heap-series.${i}.pb.gz`));

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why) for (const f of HEAPS) if (!existsSync(f)) why = `${f} is missing (run tests/gen: go run ./cmd/hearthgen -out ${GEN})`;
  if (!why && !existsSync(join(ROOT, 'node_modules/uplot/dist/uPlot.esm.js'))) why = 'uplot is missing (npm ci)';
  if (why) {
    console.log(`# SKIP web.series: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
/** @type {string[]} */
const heapIds = [];
let seriesId = '';
/** @type {string[]} noisy heap pair: base, new */
const noisy = [];

/* ---- synthetic inputs ---- */

/**
 * GODEBUG=gctrace=1 lines (Go 1.19+ format), `procs` processes interleaved
 * on one stderr, a forced GC every `forcedEvery`th (0: none), other output mixed in.
 */
function gctraceLog(procs = 2, gcs = 30, forcedEvery = 10) {
  const lines = [];
  for (let i = 1; i <= gcs; i++) {
    for (let p = 0; p < procs; p++) {
      const t = (0.5 * i + 0.013 * p).toFixed(3);
      const before = 4 + i * (p + 1), after = before + 1, live = Math.floor(before * 0.6);
      lines.push(`gc ${i} @${t}s ${1 + p + (i % 3)}%: 0.010+1.${i % 9}+0.021 ms clock, 0.041+0.30/1.0/0.83+0.086 ms cpu, ` +
        `${before}->${after}->${live} MB, ${before * 2} MB goal, 0 MB stacks, 0 MB globals, ${4 + p} P${forcedEvery && i % forcedEvery === 0 ? ' (forced)' : ''}`);
    }
    if (i % 7 === 0) lines.push('some application output <img src=x onerror=alert(1)>');
  }
  return lines.join('\n') + '\n';
}

/** A sampled heap profile (period 512 kB) so the server estimates sampling errors. */
function sampledHeap(scale, timeNanos) {
  const v = {
    'main.steady': 40e6, 'main.leak': 8e6 * scale,
    'main.jitterA': 6e6 + (scale > 1 ? 300e3 : 0), 'main.jitterB': 3e6 - (scale > 1 ? 200e3 : 0),
    'main.shrink': scale > 1 ? 1e6 : 9e6, [HOSTILE[0]]: 2e6 + (scale > 1 ? 50e3 : 0),
  };
  return makeProfile({
    sampleTypes: [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes']],
    periodType: ['space', 'bytes'], period: 524288,
    samples: Object.entries(v).map(([f, b]) => ({ stack: [f, 'main.main'], values: [Math.round(b / 1024) * 3, Math.round(b * 3), Math.round(b / 1024), Math.round(b)] })),
    timeNanos,
  });
}

before(async () => {
  srv = await startServer(BIN, ['--fetch-allow', '127.0.0.1']);
  browser = await launch();
  for (const f of HEAPS) heapIds.push((await uploadProfile(srv.url, readFileSync(f), f.split('/').pop())).id);
  const r = await fetch(`${srv.url}api/series`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    // out of order on purpose: the server orders by the profiles' times
    body: JSON.stringify({ name: 'heap <b>leak</b> series', profiles: [heapIds[2], heapIds[0], heapIds[3], heapIds[1]] }),
  });
  assert.equal(r.status, 201, await r.clone().text());
  seriesId = (await r.json()).id;
  noisy.push((await uploadProfile(srv.url, sampledHeap(1, 1.7e18), 'sampled heap 0')).id);
  noisy.push((await uploadProfile(srv.url, sampledHeap(3, 1.7e18 + 60e9), 'sampled heap 1')).id);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

/* ---- helpers ---- */

/** @param {import('playwright-core').Page} page @param {string} name */
async function shots(page, name) {
  for (const scheme of /** @type {const} */ (['light', 'dark'])) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250); // charts rebuild with the theme's colours
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Wait for a chart to be drawn. */
async function chartReady(page, sel) {
  await page.waitForSelector(`${sel}[data-state="ready"] canvas`, { timeout: 15000 });
  await page.waitForTimeout(50);
}

/**
 * Pixels of a chart's canvas, in its plot area, close to a series colour
 * (a CSS variable), and how many are drawn at all.
 */
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
    return { ink, hit, w, h };
  }, colorVar);
}

/** Wait for the flame graph; the model of what it shows (from the API, same query). */
async function flameModel(page, id) {
  await page.waitForFunction(() => {
    const c = document.querySelector('canvas.flame-canvas');
    const pane = document.querySelector('.pane-flame');
    return c && pane && !pane.classList.contains('loading') && c.dataset.painted === '1' && Number(c.dataset.nodes) > 0;
  }, null, { timeout: 20000 });
  const q = await page.$eval('canvas.flame-canvas', c => c.dataset.query || '');
  return buildFlame(await getJson(`${srv.url}api/profiles/${id}/flamegraph${q}`));
}

/** Hover the frame named `name` and read the tooltip. */
async function hoverFrame(page, fd, name) {
  let i = -1;
  for (let k = 1; k < fd.n; k++) if (nameOf(fd, k) === name && (i < 0 || fd.width[k] > fd.width[i])) i = k;
  assert.ok(i > 0, `no frame ${name}`);
  const box = await page.$eval('canvas.flame-canvas', c => { const r = c.getBoundingClientRect(); return { x: r.left, y: r.top, w: r.width }; });
  const x = box.x + ((fd.x0[i] + fd.width[i] / 2) / fd.width[0]) * box.w, y = box.y + fd.depth[i] * ROW_H + ROW_H / 2;
  await page.mouse.move(x - 3, y);
  await page.mouse.move(x, y);
  await page.waitForSelector('.tooltip:not([hidden]) .tip-frame', { timeout: 5000 });
  const tip = await page.$eval('.tooltip .tip-frame', e => ({ ...e.dataset, text: e.textContent || '' }));
  await page.mouse.move(1, 1);
  return tip;
}

/* ---- tests ---- */

test('series page: totals chart, growth table, diff links, controls in the URL', async () => {
  const { context, page, problems } = await openPage(browser);
  const api = await getJson(`${srv.url}api/series/${seriesId}`);
  assert.deepEqual(api.profiles.map(p => p.id), heapIds, 'the server orders the snapshots by time');
  await page.goto(`${srv.url}s/${seriesId}`);
  await page.waitForSelector('.growth-table tbody tr', { timeout: 15000 });
  assert.equal(await page.textContent('h1.title'), 'heap <b>leak</b> series');
  assert.equal(await page.textContent('.facts dd[data-k="count"]'), '4');
  assert.equal(await page.textContent('.facts dd[data-k="kind"]'), 'heap series');
  assert.equal(await page.$('.capture:not([hidden])'), null, 'an uploaded series has no capture');

  // the totals chart is drawn: the series colour in the plot area
  await chartReady(page, '.chart-box[data-chart="total"]');
  const ink = await chartInk(page, '.chart-box[data-chart="total"]', '--chart-1');
  assert.ok(ink.hit > 150, `the totals line is not drawn: ${JSON.stringify(ink)}`);
  assert.equal(await page.getAttribute('.chart-box[data-chart="total"]', 'data-points'), '4');
  assert.match(await page.textContent('.series-page .card h2'), /Total inuse_space over time/);

  // growth rows as the API has them, biggest growth first
  const growth = await getJson(`${srv.url}api/series/${seriesId}/growth`);
  const names = await page.$$eval('.growth-table tbody td.name', tds => tds.map(td => td.textContent));
  assert.equal(names.length, growth.rows.length);
  assert.deepEqual(names, growth.rows.map(r => r.name));
  const sparks = await page.$$eval('.growth-table tbody svg.spark path', ps => ps.map(p => p.getAttribute('d') || ''));
  assert.equal(sparks.length, growth.rows.length);
  assert.ok(sparks.every(d => /^M[\d.]+ [\d.]+( L[\d.]+ [\d.]+){3}$/.test(d)), sparks[0]);
  const first = await page.$eval('.growth-table tbody tr', tr => [...tr.querySelectorAll('td')].map(td => td.textContent));
  assert.match(first[4], /^\+/, 'the delta is signed');
  assert.match(first[5], /\/min$/);
  assert.equal(first[7], `${Math.round(growth.rows[0].share * 100)}%`);

  // diff links: first → last and each consecutive pair, to the profile page
  const links = await page.$$eval('.diff-links a.diff-link', as => as.map(a => ({ text: a.textContent, href: a.getAttribute('href') })));
  assert.deepEqual(links.map(l => l.text), ['first → last', '1 → 2', '2 → 3', '3 → 4']);
  assert.equal(links[0].href, `p/${heapIds[3]}?si=inuse_space&base=${heapIds[0]}`);
  assert.equal(links[2].href, `p/${heapIds[2]}?si=inuse_space&base=${heapIds[1]}`);
  await shots(page, 'series');

  // controls: granularity and flat/cum go to the URL and to the API
  await page.selectOption('#g', 'files');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('g') === 'files');
  await page.waitForFunction(() => /g=files/.test(document.querySelector('.growth-host')?.dataset.query || ''));
  await page.click('.seg button[data-by="cum"]');
  await page.waitForFunction(() => /by=cum/.test(document.querySelector('.growth-host')?.dataset.query || ''));
  assert.equal(new URL(page.url()).searchParams.get('by'), 'cum');
  await page.fill('#flt-f', 'main\\.');
  await page.press('#flt-f', 'Enter');
  await page.waitForFunction(() => new URL(location.href).searchParams.get('f') === 'main\\.');
  await page.waitForFunction(() => /f=main/.test(document.querySelector('.growth-host')?.dataset.query || ''));
  // back to the defaults: the table follows history
  await page.goBack();
  await page.goBack();
  await page.goBack();
  await page.waitForFunction(() => (document.querySelector('.growth-host')?.dataset.query || '') === '');

  // whole stacks: long names wrap, the page never scrolls sideways
  await page.goto(`${srv.url}s/${seriesId}?g=stacks`);
  await page.waitForFunction(() => /g=stacks/.test(document.querySelector('.growth-host')?.dataset.query || ''));
  await page.waitForSelector('.growth-table tbody tr');
  assert.match(await page.textContent('.growth-table tbody td.name'), /;/);
  const { sw, cw } = await page.evaluate(() => ({ sw: document.documentElement.scrollWidth, cw: document.documentElement.clientWidth }));
  assert.ok(sw <= cw, `the series page scrolls sideways: ${sw} > ${cw}`);
  await page.screenshot({ path: join(SHOTS, 'series-stacks-light.png') });

  // fewer rows than there are: "Show more" asks for more
  await page.goto(`${srv.url}s/${seriesId}?n=10`);
  await page.waitForSelector('.growth-card .top-foot button.more');
  assert.equal((await page.$$('.growth-table tbody tr')).length, 10);
  await page.click('.growth-card .top-foot button.more');
  await page.waitForFunction(() => document.querySelectorAll('.growth-table tbody tr').length === 20);
  await page.goto(`${srv.url}s/${seriesId}`);
  await page.waitForSelector('.growth-table tbody tr');

  // a row's name opens the first → last diff focused on it
  const top = growth.rows[0].name;
  await page.click(`.growth-table tbody tr:first-child td.name a`);
  await page.waitForURL(/\/p\//);
  const u = new URL(page.url());
  assert.equal(u.pathname.split('/').pop(), heapIds[3]);
  assert.equal(u.searchParams.get('base'), heapIds[0]);
  assert.equal(u.searchParams.get('f'), `^${top.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&')}$`);
  await page.waitForSelector('.diff-bar:not([hidden]) .legend');
  await page.waitForSelector('.chip code');

  // the first → last link opens the diff view
  await page.goto(`${srv.url}s/${seriesId}`);
  await page.waitForSelector('.diff-links a.first-last');
  await page.click('.diff-links a.first-last');
  await page.waitForURL(/\/p\/.*base=/);
  await page.waitForFunction(() => { const c = document.querySelector('canvas.flame-canvas'); return c && Number(c.dataset.nodes) > 0; }, null, { timeout: 20000 });
  assert.match(await page.textContent('.diff-bar'), /Diff against base heap-series\.0/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('home: several heap files become one series; attach a GC trace; markers at the snapshots', async () => {
  const { context, page, problems } = await openPage(browser, { height: 900 });
  await page.goto(srv.url);
  await page.waitForSelector('table.list tbody tr');
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('label.drop')]);
  await chooser.setFiles(HEAPS);
  // names like heap-series.0 … .3: the choice defaults to one series, and waits for the user
  await page.waitForSelector('.series-choice #as-series');
  assert.equal(await page.isChecked('#as-series'), true);
  assert.equal(await page.inputValue('#series-name'), 'heap-series');
  await page.waitForSelector('.series-choice button.go:not([disabled])', { timeout: 20000 });
  assert.match(await page.textContent('.series-choice button.go') || '', /Open as a series of 4/);
  await page.click('.series-choice button.go');
  await page.waitForURL(/\/s\//, { timeout: 20000 });
  const id = new URL(page.url()).pathname.split('/').pop();
  await page.waitForSelector('.growth-table tbody tr');
  assert.equal(await page.textContent('h1.title'), 'heap-series');

  // this browser made the series: it may attach a GC trace (a log with forced GCs aligns)
  await page.waitForSelector('.gc-card .attach-form textarea');
  await page.fill('.gc-card .attach-form textarea', gctraceLog(1, 12, 3));
  await page.click('.gc-card .attach-form button[type="submit"]');
  await chartReady(page, '.chart-box[data-chart="gc-heap"]');
  const s = await getJson(`${srv.url}api/series/${id}`);
  assert.ok(s.gctrace, 'attached');
  assert.equal(typeof s.gctrace_offset_s, 'number', 'aligned by the forced GCs');
  assert.equal(await page.$('.gc-unaligned'), null);
  const ink = await chartInk(page, '.chart-box[data-chart="gc-heap"]', '--chart-marker');
  assert.ok(ink.hit > 40, `no snapshot markers drawn: ${JSON.stringify(ink)}`);
  await page.waitForSelector(`.gc-card a[href="g/${s.gctrace}"]`);
  await shots(page, 'series-gctrace');

  // a log without forced GCs cannot be aligned: the page says so
  await page.click('.gc-card .attach-other summary');
  await page.fill('.gc-card .attach-form textarea', gctraceLog(1, 12, 0));
  await page.click('.gc-card .attach-form button[type="submit"]');
  await page.waitForSelector('.gc-unaligned', { timeout: 15000 });
  assert.match(await page.textContent('.gc-unaligned'), /times could not be aligned/);
  await chartReady(page, '.chart-box[data-chart="gc-heap"]');

  // the home page lists the series
  await page.goto(srv.url);
  await page.waitForSelector(`.series-list a[href="s/${id}"]`);
  assert.equal(await page.textContent(`.series-list a[href="s/${id}"]`), 'heap-series');
  await shots(page, 'home-series');
  assert.deepEqual(problems, []);
  await context.close();
});

test('GC trace page: two interleaved processes shown as two tracks with charts', async () => {
  const { context, page, problems } = await openPage(browser, { height: 900 });
  await page.goto(srv.url);
  await page.waitForSelector('.gc-form textarea');
  const log = gctraceLog(2, 30, 10);
  await page.fill('.gc-form textarea', log);
  await page.fill('.gc-form input[name="name"]', '<i>two</i> processes');
  await page.click('.gc-form button[type="submit"]');
  await page.waitForURL(/\/g\//);
  const id = new URL(page.url()).pathname.split('/').pop();
  const api = await getJson(`${srv.url}api/gctraces/${id}`);
  assert.equal(api.trace.tracks.length, 2);
  await page.waitForSelector('.gc-body[data-tracks="2"]');
  assert.equal(await page.textContent('h1.title'), '<i>two</i> processes');
  assert.match(await page.textContent('.banner'), /2 processes were interleaved in this log; shown as 2 tracks/);
  assert.equal((await page.$$('section.track')).length, 2);
  for (const k of [0, 1]) {
    const t = `section.track[data-track="${k}"]`;
    for (const c of ['heap', 'cpu', 'stw']) await chartReady(page, `${t} .chart-box[data-chart="${c}"]`);
    const heap = await chartInk(page, `${t} .chart-box[data-chart="heap"]`, '--chart-1');
    assert.ok(heap.hit > 150, `track ${k}: heap line not drawn ${JSON.stringify(heap)}`);
    const cpu = await chartInk(page, `${t} .chart-box[data-chart="cpu"]`, '--chart-5');
    assert.ok(cpu.hit > 100, `track ${k}: CPU line not drawn ${JSON.stringify(cpu)}`);
    const tr = api.trace.tracks[k];
    assert.equal(await page.textContent(`${t} .stats dd[data-k="gcs"]`), String(tr.gcs));
    assert.equal(await page.textContent(`${t} .stats dd[data-k="forced"]`), String(tr.forced.filter(Boolean).length));
    assert.equal(await page.textContent(`${t} .stats dd[data-k="peak"]`), `${tr.summary.peak_heap_mb} MB`);
  }
  // the legend follows the cursor (uPlot's)
  const box = await page.$eval('section.track[data-track="0"] .chart-box[data-chart="heap"] .u-over', e => { const r = e.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; });
  await page.mouse.move(box.x, box.y);
  const legend = await page.$$eval('section.track[data-track="0"] .chart-box[data-chart="heap"] .u-legend .u-value', vs => vs.map(v => v.textContent));
  assert.ok(legend.some(v => / MB$/.test(v || '')), legend.join(' | '));
  await page.mouse.move(2, 2);
  await shots(page, 'gctrace');
  assert.deepEqual(problems, []);
  await context.close();
});

test('profile views: retention column for heap, ± standard error, grey within sampling noise', async () => {
  const { context, page, problems } = await openPage(browser);
  // heap in-use: the Retained column (in use / allocated)
  await page.goto(`${srv.url}p/${heapIds[3]}?view=top`);
  await page.waitForSelector('.top-table tbody tr');
  const top = await getJson(`${srv.url}api/profiles/${heapIds[3]}/top`);
  assert.ok(top.retention, 'the server reports allocation data for heap in-use views');
  const heads = await page.$$eval('.top-table th button', bs => bs.map(b => b.dataset.col));
  assert.deepEqual(heads, ['flat', 'flatp', 'sum', 'cum', 'cump', 'ret', 'name']);
  const r0 = top.rows[0];
  const cell = await page.$eval('.top-table tbody tr td.retained', td => ({ v: Number(td.dataset.v), text: td.textContent }));
  assert.ok(Math.abs(cell.v - r0.flat / r0.alloc_flat) < 1e-9, JSON.stringify(cell));
  assert.match(cell.text, /^\d+(\.\d)?% of /);
  await shots(page, 'top-retained');
  // the flame graph's tooltip shows the function's retention (joined by name with the top rows)
  await page.goto(`${srv.url}p/${heapIds[3]}`);
  const fdHeap = await flameModel(page, heapIds[3]);
  await page.waitForSelector('canvas.flame-canvas[data-retention="1"]'); // the top rows arrive after the flame graph
  const tipHeap = await hoverFrame(page, fdHeap, r0.name);
  assert.match(tipHeap.text, new RegExp(`Retained${Math.round((r0.flat / r0.alloc_flat) * 100)}% of [\\d.]+[kMG]?B allocated`), tipHeap.text);
  // alloc views have no such column
  await page.goto(`${srv.url}p/${heapIds[3]}?view=top&si=alloc_space`);
  await page.waitForSelector('.top-table tbody tr');
  assert.equal(await page.$('.top-table th button[data-col="ret"]'), null);

  // a sampled heap: values carry ± err
  await page.goto(`${srv.url}p/${noisy[1]}?view=top`);
  await page.waitForSelector('.top-table tbody tr');
  assert.ok((await page.$$('.top-table tbody td .err')).length > 0, 'no ± err shown');
  assert.match(await page.textContent('.top-foot'), /± standard error from sampling/);
  await page.click('.tabs [data-view="flame"]');
  const fdNoisy = await flameModel(page, noisy[1]);
  assert.ok(fdNoisy.err, 'the flame graph carries errors');
  const tipNoisy = await hoverFrame(page, fdNoisy, 'main.leak');
  assert.ok(Number(tipNoisy.err) > 0);
  assert.match(tipNoisy.text, /Total[\d.]+MB ± [\d.]+MB/);

  // diff: within 2·err is grey, with the legend entry
  await page.goto(`${srv.url}p/${noisy[1]}?view=top&base=${noisy[0]}`);
  await page.waitForSelector('.top-table tbody tr');
  const delta = await getJson(`${srv.url}api/profiles/${noisy[1]}/top?base=${noisy[0]}`);
  const want = delta.rows.filter(r => withinNoise(r.flat, r.flat_err)).map(r => r.name).sort();
  assert.ok(want.length >= 2 && want.length < delta.rows.length, `the fixture has noisy and clear rows: ${want}`);
  const grey = await page.$$eval('.top-table tbody tr', trs => trs.filter(tr => tr.querySelector('td')?.dataset.noise === '1').map(tr => tr.querySelector('td.name')?.textContent || '').sort());
  assert.deepEqual(grey, want);
  const leak = await page.$eval('.top-table tbody tr:first-child td', td => td.className);
  assert.match(leak, /grow/, 'a clear growth stays red');
  await page.waitForSelector('.diff-bar .swatch.noise');
  assert.match(await page.textContent('.diff-bar .legend'), /within sampling noise/);
  await shots(page, 'diff-top-noise');

  // the flame graph: grey frames and "± err" in the tooltip
  await page.goto(`${srv.url}p/${noisy[1]}?base=${noisy[0]}`);
  await page.waitForFunction(() => { const c = document.querySelector('canvas.flame-canvas'); return c && c.dataset.painted === '1' && Number(c.dataset.nodes) > 0; }, null, { timeout: 20000 });
  const flame = await getJson(`${srv.url}api/profiles/${noisy[1]}/flamegraph?base=${noisy[0]}`);
  assert.ok(Array.isArray(flame.nodes.err));
  const grey2 = await page.$eval('canvas.flame-canvas', c => {
    const { width: w, height: h } = /** @type {HTMLCanvasElement} */ (c);
    const copy = document.createElement('canvas');
    copy.width = w; copy.height = h;
    const ctx = /** @type {CanvasRenderingContext2D} */ (copy.getContext('2d', { willReadFrequently: true }));
    ctx.drawImage(/** @type {HTMLCanvasElement} */ (c), 0, 0);
    const d = ctx.getImageData(0, 0, w, Math.min(h, 18 * 4)).data;
    let n = 0;
    // the noise grey of colors.js: hsl(220 8% 72%) = rgb(178, 182, 189)
    for (let k = 0; k < d.length; k += 4) if (Math.abs(d[k] - 178) + Math.abs(d[k + 1] - 182) + Math.abs(d[k + 2] - 189) < 8) n++;
    return n;
  });
  assert.ok(grey2 > 200, `no frames drawn in the noise grey: ${grey2}`);
  await page.waitForSelector('.diff-bar .swatch.noise');
  await shots(page, 'diff-flame-noise');
  assert.deepEqual(problems, []);
  await context.close();
});

test('capture a series from a URL: progress refreshes, Stop works', async () => {
  let served = 0;
  const peer = createServer((req, res) => {
    const f = HEAPS[served++ % HEAPS.length];
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(readFileSync(f));
  });
  await new Promise(r => peer.listen(0, '127.0.0.1', () => r(null)));
  const port = /** @type {any} */ (peer.address()).port;
  const { context, page, problems } = await openPage(browser);
  try {
    await page.goto(srv.url);
    await page.fill('.capture-form input[name="url"]', `http://127.0.0.1:${port}/debug/pprof/heap`);
    await page.fill('.capture-form input[name="interval"]', '1');
    await page.fill('.capture-form input[name="count"]', '50');
    await page.fill('.capture-form input[name="name"]', 'captured heap');
    await page.check('#cap-gc');
    await page.click('.capture-form button[type="submit"]');
    await page.waitForURL(/\/s\//);
    await page.waitForSelector('.capture [data-state="running"]', { timeout: 10000 });
    await page.waitForSelector('.actions .stop-btn');
    // the page refreshes itself while the capture runs
    await page.waitForFunction(() => /^[2-9]\d* of 50 taken|^\d{2,} of 50 taken/.test(document.querySelector('.capture-facts')?.textContent || ''), null, { timeout: 15000 });
    await page.waitForSelector('.growth-table tbody tr', { timeout: 10000 });
    await chartReady(page, '.chart-box[data-chart="total"]');
    assert.match(await page.textContent('.capture'), /GC before each heap snapshot/);
    await shots(page, 'series-capture');
    await page.click('.actions .stop-btn');
    await page.click('dialog[open] button.danger');
    await page.waitForFunction(() => {
      const s = document.querySelector('.capture .state')?.getAttribute('data-state');
      return s && s !== 'running';
    }, null, { timeout: 10000 });
    assert.equal(await page.$('.actions .stop-btn'), null);
    assert.ok(served >= 2);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    peer.close();
  }
});
