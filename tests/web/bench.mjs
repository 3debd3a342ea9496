// Browser benchmark: time from opening /p/<id> of the 1M-sample profile to a
// drawn flame graph, and frames per second while zooming in and out.
//
//   node tests/web/bench.mjs [profile.pb.gz]     (default ../shared/corpus/generated/large-1m.pb.gz)
//
// "cold" = first view after a server restart (the profile is decoded on
// demand); "after upload" = the usual path, upload then open (the server
// kept the decoded profile, the view is computed); "warm" = a second
// browser opening the same link (the view is cached too).
// Target: under 2 s to first paint, smooth zooming.

import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile } from './lib/server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const FILE = process.argv[2] || join(ROOT, '../shared/corpus/generated/large-1m.pb.gz');
const RUNS = Number(process.env.HEARTH_BENCH_RUNS || 3);

const why = (await whyNot()) || (!existsSync(BIN) ? `${BIN} is missing` : '') || (!existsSync(FILE) ? `${FILE} is missing` : '');
if (why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

const data = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
let srv = await startServer(BIN, [], data);
const browser = await launch();
const bytes = readFileSync(FILE);
const t0 = Date.now();
const meta = await uploadProfile(srv.url, bytes, 'large-1m');
console.log(`profile: ${FILE} (${(bytes.length / 1048576).toFixed(1)} MB, ${meta.samples} samples); upload+decode ${Date.now() - t0} ms`);

/** Open the profile in a fresh browser context; returns ms from navigation to the first flame paint. */
async function firstPaint(id = meta.id) {
  const { context, page, problems } = await openPage(browser);
  const start = Date.now();
  await page.goto(`${srv.url}p/${id}`);
  await page.waitForFunction(() => performance.getEntriesByName('hearth:flame-first-paint').length > 0 &&
    Number(document.querySelector('canvas.flame-canvas')?.dataset.nodes) > 0, null, { timeout: 60000 });
  const wall = Date.now() - start;
  const r = await page.evaluate(() => ({
    res: performance.getEntriesByType('resource').filter(e => /api\/|js\/main/.test(e.name)).map(e => `${e.name.replace(/^.*\/(api|js)/, '$1').slice(0, 60)} ${e.startTime.toFixed(0)}-${e.responseEnd.toFixed(0)}`),
    mark: performance.getEntriesByName('hearth:flame-first-paint')[0].startTime,
    nodes: Number(document.querySelector('canvas.flame-canvas')?.dataset.nodes),
    drawMs: Number(document.querySelector('canvas.flame-canvas')?.dataset.lastDrawMs),
  }));
  return { ...r, wall, context, page, problems };
}

const rows = [];
for (let k = 0; k < RUNS; k++) {
  await srv.stop();
  srv = await startServer(BIN, [], data);
  const cold = await firstPaint();
  if (process.env.HEARTH_BENCH_VERBOSE) console.log(cold.res.join('\n'));
  await cold.context.close();
  // the usual path: upload, then open (the server keeps the decoded upload, the view is new)
  await srv.stop();
  srv = await startServer(BIN, [], data);
  const again = await uploadProfile(srv.url, bytes, `large-1m again ${k}`);
  const fresh = await firstPaint(again.id);
  await fresh.context.close();
  const warm = await firstPaint(again.id);
  rows.push({ cold: cold.mark, fresh: fresh.mark, warm: warm.mark, nodes: warm.nodes, draw: warm.drawMs });
  if (k < RUNS - 1) await warm.context.close();
  else {
    // zooming: click frames (animated zoom, plus a finer refetch where needed) and Esc back, counting frames
    const page = warm.page;
    const z = await page.evaluate(async () => {
      const c = /** @type {HTMLCanvasElement} */ (document.querySelector('canvas.flame-canvas'));
      const r = c.getBoundingClientRect();
      const frameTimes = [], drawTimes = [];
      let last = performance.now(), running = true;
      const loop = () => {
        const now = performance.now();
        frameTimes.push(now - last);
        last = now;
        drawTimes.push(Number(c.dataset.lastDrawMs));
        if (running) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
      const click = (/** @type {number} */ fx, /** @type {number} */ row) => c.dispatchEvent(new MouseEvent('click', {
        bubbles: true, clientX: r.left + fx * r.width, clientY: r.top + row * 18 + 9,
      }));
      const sleep = (/** @type {number} */ ms) => new Promise(res => setTimeout(res, ms));
      const t0 = performance.now();
      let zooms = 0;
      for (const fx of [0.1, 0.3, 0.5, 0.7, 0.9, 0.2, 0.6]) {
        for (const row of [2, 4, 6]) { click(fx, row); zooms++; await sleep(300); }
        dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
        zooms++;
        await sleep(300);
      }
      running = false;
      const secs = (performance.now() - t0) / 1000;
      const ft = frameTimes.slice(1).sort((a, b) => a - b);
      const dt = drawTimes.filter(Number.isFinite).sort((a, b) => a - b);
      const q = (/** @type {number[]} */ a, /** @type {number} */ p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
      return {
        zooms, secs, fps: frameTimes.length / secs, frameP50: q(ft, 0.5), frameP95: q(ft, 0.95), frameMax: ft[ft.length - 1],
        drawP50: q(dt, 0.5), drawP95: q(dt, 0.95), drawMax: dt[dt.length - 1], draws: Number(c.dataset.draws), nodes: Number(c.dataset.nodes),
      };
    });
    console.log(`zooming: ${z.zooms} zoom changes in ${z.secs.toFixed(1)} s: ${z.fps.toFixed(0)} fps; frame interval p50 ${z.frameP50.toFixed(1)} ms, p95 ${z.frameP95.toFixed(1)} ms, max ${z.frameMax.toFixed(1)} ms; draw p50 ${z.drawP50} ms, p95 ${z.drawP95} ms, max ${z.drawMax} ms; frames in the last data set: ${z.nodes}`);
    if (warm.problems.length) console.log(`page problems: ${warm.problems.join('; ')}`);
    await warm.context.close();
  }
}
const med = (/** @type {number[]} */ a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const r of rows) console.log(`first flame paint: cold ${r.cold.toFixed(0)} ms, after upload ${r.fresh.toFixed(0)} ms, warm ${r.warm.toFixed(0)} ms (${r.nodes} frames, ${r.draw} ms per draw)`);
console.log(`median first paint: cold ${med(rows.map(r => r.cold)).toFixed(0)} ms, after upload ${med(rows.map(r => r.fresh)).toFixed(0)} ms, warm ${med(rows.map(r => r.warm)).toFixed(0)} ms (target < 2000 ms)`);
await browser.close();
await srv.stop();
rmSync(data, { recursive: true, force: true });
