// Browser tests of long captures: a thinned series' page (the sentence, the
// Thinned fact, the shaded thinned span on the totals chart, the snapshots
// left) and archive uploads through the home page (a .zip and a .tar.gz
// dropped on the upload box become one series each; a refused archive says
// why). Debian's chromium driven by playwright-core against a real
// `hearth serve` (see ui.test.mjs).
//
//   node --test tests/web/longcap.test.mjs   (exit 77 = skipped)
//
// Environment: HEARTH_BIN, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM as for
// ui.test.mjs. Any console error or warning fails a page's test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';
import { makeProfile } from './lib/pprof.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');
const T0 = 1700000000; // seconds: the first snapshot

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why && !existsSync(join(ROOT, 'node_modules/uplot/dist/uPlot.esm.js'))) why = 'uplot is missing (npm ci)';
  if (!why) {
    try { execFileSync('python3', ['-c', 'import zipfile, tarfile']); } catch { why = 'python3 (zipfile, tarfile) is missing'; }
  }
  if (why) {
    console.log(`# SKIP web.longcap: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;
let thinId = '';

/** A heap snapshot: main.leak holds `leak` bytes in use, taken at T0 + t seconds. */
function heap(leak, t) {
  const v = { 'main.leak': leak, 'main.steady': 5000 };
  return makeProfile({
    sampleTypes: [['alloc_objects', 'count'], ['alloc_space', 'bytes'], ['inuse_objects', 'count'], ['inuse_space', 'bytes']],
    periodType: ['space', 'bytes'], period: 524288,
    samples: Object.entries(v).map(([f, b]) => ({ stack: [f, 'main.main'], values: [1, b, 1, b] })),
    timeNanos: (T0 + t) * 1e9,
  });
}

/**
 * An archive of files built by Python's zipfile / tarfile (the formats people make).
 * @param {'zip'|'tgz'} kind @param {[string, Buffer][]} files
 * @returns {Buffer}
 */
function archive(kind, files) {
  const script = `
import io, json, sys, zipfile, tarfile, base64
files = json.load(sys.stdin)
b = io.BytesIO()
if sys.argv[1] == "zip":
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in files:
            z.writestr(n, base64.b64decode(d))
else:
    with tarfile.open(fileobj=b, mode="w:gz") as t:
        for n, d in files:
            data = base64.b64decode(d)
            ti = tarfile.TarInfo(n)
            ti.size = len(data)
            ti.mtime = 1700000000
            t.addfile(ti, io.BytesIO(data))
sys.stdout.buffer.write(b.getvalue())
`;
  return execFileSync('python3', ['-c', script, kind], {
    input: JSON.stringify(files.map(([n, d]) => [n, d.toString('base64')])), maxBuffer: 1 << 26,
  });
}

before(async () => {
  srv = await startServer(BIN, ['--thin-pass-seconds', '3600', '--fetch-allow', '127.0.0.1']);
  browser = await launch();
  // 40 snapshots a minute apart, the peak at #7; thinned: 10 min kept whole, one per 5 min before
  const ids = [];
  for (let k = 0; k < 40; k++) ids.push((await uploadProfile(srv.url, heap(k === 7 ? 100000 : 1000 * k, 60 * k), `heap.${k}.pb.gz`)).id);
  let r = await fetch(`${srv.url}api/series`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name: 'weekend heap', profiles: ids }),
  });
  assert.equal(r.status, 201);
  const s = await r.json();
  thinId = s.id;
  const auth = { 'Content-Type': 'application/json', Authorization: `Bearer ${s.delete_token}` };
  r = await fetch(`${srv.url}api/series/${thinId}/thinning`, { method: 'PUT', headers: auth, body: JSON.stringify({ thin: { keep_s: 600, every_s: 300 } }) });
  assert.equal(r.status, 200);
  r = await fetch(`${srv.url}api/series/${thinId}/thin`, { method: 'POST', headers: auth });
  assert.equal(r.status, 200);
  assert.equal((await r.json()).thinning.removed, 22);
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

/** @param {import('playwright-core').Page} page @param {string} name */
async function shots(page, name) {
  for (const scheme of /** @type {const} */ (['light', 'dark'])) {
    await page.emulateMedia({ colorScheme: scheme });
    await page.waitForTimeout(250);
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Pixels of a chart's canvas near a CSS colour variable (alpha ignored), and all drawn ones. */
function chartInk(page, sel, colorVar) {
  return page.$eval(`${sel} canvas`, (c, v) => {
    const css = getComputedStyle(document.documentElement).getPropertyValue(v).trim();
    const m = /^#([0-9a-f]{6})$/i.exec(css);
    const want = m ? [parseInt(m[1].slice(0, 2), 16), parseInt(m[1].slice(2, 4), 16), parseInt(m[1].slice(4, 6), 16)] : [0, 0, 0];
    // read a copy made for reading (the chart's own canvas would warn about repeated readbacks)
    const src = /** @type {HTMLCanvasElement} */ (c);
    const cv = document.createElement('canvas');
    cv.width = src.width;
    cv.height = src.height;
    const ctx = /** @type {CanvasRenderingContext2D} */ (cv.getContext('2d', { willReadFrequently: true }));
    ctx.drawImage(src, 0, 0);
    const d = ctx.getImageData(0, 0, cv.width, cv.height).data;
    let ink = 0, hit = 0, minX = Infinity, maxX = -Infinity;
    for (let k = 0; k < d.length; k += 4) {
      if (d[k + 3] < 40) continue;
      ink++;
      if (Math.abs(d[k] - want[0]) + Math.abs(d[k + 1] - want[1]) + Math.abs(d[k + 2] - want[2]) < 30) {
        hit++;
        const x = (k / 4) % cv.width;
        if (x < minX) minX = x;
        if (x > maxX) maxX = x;
      }
    }
    return { ink, hit, minX, maxX, w: cv.width };
  }, colorVar);
}

test('thinned series: the sentence, the fact, the shaded span, the snapshots left', async () => {
  const { context, page, problems } = await openPage(browser);
  const api = await getJson(`${srv.url}api/series/${thinId}`);
  await page.goto(`${srv.url}s/${thinId}`);
  await page.waitForSelector('.chart-box[data-chart="total"][data-state="ready"] canvas', { timeout: 15000 });
  await page.waitForTimeout(100);
  assert.equal(await page.textContent('.facts dd[data-k="count"]'), '18');
  assert.equal(await page.textContent('.facts dd[data-k="thinned"]'), '22 snapshots');
  const note = await page.textContent('.thinned-note');
  // the window starts 10 min before the newest snapshot (T0 + 39 min): 2023-11-14 22:42 UTC
  const when = new Date((T0 + 39 * 60 - 600) * 1000).toISOString().slice(0, 16).replace('T', ' ');
  assert.ok(note.startsWith(`22 snapshots thinned: one per 5m kept before ${when} UTC (and the first, the last and the peak).`), note);
  assert.match(note, /Thinning on: every snapshot of the last 10m before the newest, one per 5m before/);
  assert.equal(await page.getAttribute('.thinned-note', 'data-removed'), '22');
  assert.equal(await page.getAttribute('.chart-box[data-chart="total"]', 'data-points'), '18');
  // the band: from #1's time (60 s) to #28's (1680 s) of a 0..2340 s axis, in the band colour
  const band = await chartInk(page, '.chart-box[data-chart="total"]', '--chart-band');
  assert.ok(band.hit > 2000, `the thinned span is not shaded: ${JSON.stringify(band)}`);
  const line = await chartInk(page, '.chart-box[data-chart="total"]', '--chart-1');
  assert.ok(line.hit > 150, `the totals line is not drawn: ${JSON.stringify(line)}`);
  // the band lies left of the window: it ends well before the chart's right edge
  assert.ok(band.maxX < band.w * 0.8 && band.minX < band.w * 0.25, JSON.stringify(band));
  // the snapshots listed are the ones left, with their own times
  const snaps = await page.$$eval('.snapshots a.snap', as => as.map(a => a.textContent));
  assert.equal(snaps.length, 18);
  assert.equal(snaps[2], '#3 7m', 'the peak (#7 of the upload) is the third left');
  assert.deepEqual(api.profiles.map(p => p.t), [0, 5, 7, 10, 15, 20, 25, ...Array.from({ length: 11 }, (_, k) => 29 + k)].map(k => 60 * k));
  await shots(page, 'longcap-thinned');
  assert.deepEqual(problems, []);
  await context.close();
});

test('home page: a .zip and a .tar.gz of snapshots become series; a refused one says why', async () => {
  const { context, page, problems } = await openPage(browser);
  await page.goto(srv.url);
  await page.waitForSelector('#file-input', { state: 'attached' });
  const snaps = [0, 1, 2, 3].map(k => heap(2000 * (k + 1), 30 * k));
  const zip = archive('zip', [['dump/heap.2.pb.gz', snaps[2]], ['dump/heap.0.pb.gz', snaps[0]], ['dump/notes.txt', Buffer.from('from the weekend')],
    ['dump/heap.3.pb.gz', snaps[3]], ['dump/heap.1.pb.gz', snaps[1]]]);
  // one archive alone: the page opens its series
  await page.setInputFiles('#file-input', { name: 'weekend.zip', mimeType: 'application/zip', buffer: zip });
  await page.waitForURL(/\/s\/[A-Za-z0-9_-]+$/, { timeout: 15000 });
  await page.waitForSelector('.chart-box[data-chart="total"][data-state="ready"] canvas', { timeout: 15000 });
  assert.equal(await page.textContent('.facts dd[data-k="count"]'), '4');
  assert.equal(await page.textContent('h1.title'), 'weekend', 'the archive names its series');
  const sid = /\/s\/([^/?]+)/.exec(page.url())?.[1] || '';
  const s = await getJson(`${srv.url}api/series/${sid}`);
  assert.deepEqual(s.profiles.map(p => p.name), ['heap.0.pb.gz', 'heap.1.pb.gz', 'heap.2.pb.gz', 'heap.3.pb.gz']);
  assert.equal(s.order, 'index');
  await shots(page, 'longcap-archive-series');

  // two archives (one refused) and a profile: each says what became of it, nothing navigates
  await page.goto(srv.url);
  await page.waitForSelector('#file-input', { state: 'attached' });
  const tgz = archive('tgz', [['heap-2024-05-01T10:00:00Z.pb.gz', snaps[0]], ['heap-2024-05-01T10:05:00Z.pb.gz', snaps[1]]]);
  const junk = archive('zip', [['a.txt', Buffer.from('not a profile')]]);
  await page.setInputFiles('#file-input', [
    { name: 'times.tar.gz', mimeType: 'application/gzip', buffer: tgz },
    { name: 'junk.zip', mimeType: 'application/zip', buffer: junk },
    { name: 'one.pb.gz', mimeType: 'application/octet-stream', buffer: snaps[3] },
  ]);
  await page.waitForSelector('.uploads li.archive .ok', { timeout: 15000 });
  await page.waitForSelector('.uploads li.archive .error', { timeout: 15000 });
  const ok = await page.textContent('.uploads li.archive .ok');
  assert.equal(ok, 'series of 2 snapshots, ordered by the time in each file name');
  const err = await page.textContent('.uploads li.archive .error');
  assert.match(err, /none of the archive's 1 entries is a profile: a\.txt: not a profile/);
  assert.ok(await page.$('.uploads a[href^="s/"]'), 'the archive links its series');
  await shots(page, 'longcap-archive-home');
  assert.deepEqual(problems.filter(p => !/Failed to load resource.*400/.test(p)), []);
  await context.close();
});

test('capture form: "Thin old snapshots" starts a thinned capture of up to 100,000 snapshots', async () => {
  let served = 0;
  const peer = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(heap(1000 * ++served, 0));
  });
  await new Promise(r => peer.listen(0, '127.0.0.1', () => r(null)));
  const port = /** @type {any} */ (peer.address()).port;
  const { context, page, problems } = await openPage(browser);
  try {
    await page.goto(srv.url);
    await page.fill('.capture-form input[name="url"]', `http://127.0.0.1:${port}/debug/pprof/heap`);
    await page.fill('.capture-form input[name="interval"]', '3600');
    await page.check('#cap-thin');
    assert.equal(await page.getAttribute('.capture-form input[name="count"]', 'max'), '100000');
    await page.fill('.capture-form input[name="count"]', '5000');
    await page.fill('.capture-form input[name="name"]', 'long capture');
    await page.click('.capture-form button[type="submit"]');
    await page.waitForURL(/\/s\//);
    await page.waitForSelector('.thinned-note:not([hidden]) .thin-policy', { timeout: 10000 });
    assert.equal(await page.textContent('.thinned-note'),
      'Thinning on: every snapshot of the last 1h before the newest, one per 10m before, the first, the last and the peak always kept.');
    const sid = /\/s\/([^/?]+)/.exec(page.url())?.[1] || '';
    const s = await getJson(`${srv.url}api/series/${sid}`);
    assert.deepEqual(s.thinning, { policy: { keep_s: 3600, every_s: 600 }, removed: 0, ranges: [] });
    assert.equal(s.capture.count, 5000);
    await page.click('.actions .stop-btn');
    await page.click('dialog[open] button.danger');
    await page.waitForFunction(() => document.querySelector('.capture .state')?.getAttribute('data-state') === 'stopped', null, { timeout: 10000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    peer.close();
  }
});
