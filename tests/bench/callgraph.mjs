// Browser benchmark of the Call graph view: time from opening
// /p/<id>?view=graph of the 1M-sample profile to the first paint of a laid
// out graph (more than 10 nodes drawn), in headless Chromium.
//
//   node tests/bench/callgraph.mjs [profile.pb.gz]   (default ../shared/corpus/generated/large-1m.pb.gz)
//
// "cold" = the first view after a server restart (the profile is decoded on
// demand, the view computed); "warm" = a second browser opening the same
// link (the server's view cache holds the answer; the browser's cache is
// empty). "server" is the page as it is: the server lays the graph out
// (callgraph/layout, Graphviz's library). "browser" is the same-run
// baseline: callgraph/layout answers busy, so the page falls back to the
// DOT and JSON requests and Graphviz compiled to WebAssembly in the page
// (the only path before the server laid graphs out). Median of
// HEARTH_BENCH_RUNS (default 3) runs each; the page's own performance mark
// (hearth:graph-first-paint, after the frame that shows the graph).
// Goal: first useful paint within 1000 ms warm and 1500 ms cold at pprof's
// default 80 nodes; usable at 300 nodes. Not a test: it prints figures and
// never fails on speed.

import { existsSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { whyNot, launch, openPage } from '../web/lib/browser.mjs';
import { startServer, uploadProfile } from '../web/lib/server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const FILE = process.argv[2] || join(ROOT, '../shared/corpus/generated/large-1m.pb.gz');
const RUNS = Number(process.env.HEARTH_BENCH_RUNS || 3);
const GOAL = { warm: 1000, cold: 1500 };

const why = (await whyNot()) || (!existsSync(BIN) ? `${BIN} is missing` : '') || (!existsSync(FILE) ? `${FILE} is missing` : '');
if (why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}

const data = mkdtempSync(join(tmpdir(), 'hearth-bench-'));
let srv = await startServer(BIN, [], data);
const browser = await launch();
const bytes = readFileSync(FILE);
const meta = await uploadProfile(srv.url, bytes, 'large-1m');
console.log(`profile: ${FILE} (${(bytes.length / 1048576).toFixed(1)} MB, ${meta.samples} samples)`);

/**
 * Open the call graph in a fresh browser context.
 * @param {'server'|'browser'} how @param {string} extra more URL parameters
 */
async function firstPaint(how, extra) {
  const { context, page } = await openPage(browser);
  if (how === 'browser') {
    await page.route('**/callgraph/layout*', r => r.fulfill({
      status: 503, contentType: 'application/json', headers: { 'Retry-After': '1' },
      body: JSON.stringify({ error: { code: 'busy', message: 'benchmark baseline: lay out in the browser' } }),
    }));
  }
  await page.goto(`${srv.url}p/${meta.id}?view=graph${extra}`);
  try {
    await page.waitForFunction(() => performance.getEntriesByName('hearth:graph-first-paint').length > 0, null, { timeout: 120000 });
  } catch (e) {
    const pane = await page.$eval('.pane-graph', p => `${/** @type {HTMLElement} */ (p).dataset.state}: ${p.textContent?.slice(0, 200)}`).catch(() => 'no graph pane');
    throw new Error(`${how}${extra}: no graph drawn (${pane})`);
  }
  const r = await page.evaluate(() => {
    const pane = /** @type {HTMLElement} */ (document.querySelector('.pane-graph'));
    return {
      mark: performance.getEntriesByName('hearth:graph-first-paint')[0].startTime,
      nodes: document.querySelectorAll('.pane-graph g.node[data-name]').length,
      layout: pane.dataset.layout || '',
      layoutMs: Number(pane.dataset.layoutMs),
      api: performance.getEntriesByType('resource').filter(e => /api\/profiles\/[^/]+\/callgraph/.test(e.name))
        .reduce((m, e) => Math.max(m, e.responseEnd), 0),
    };
  });
  await context.close();
  if (r.nodes <= 10 || r.layout !== how) throw new Error(`${how}: ${r.nodes} nodes, laid out by "${r.layout}"`);
  return r;
}

async function restart() {
  await srv.stop();
  srv = await startServer(BIN, [], data);
}

/** @type {Record<string, {cold: any[], warm: any[]}>} */
const rows = {};
const cases = [['server', ''], ['browser', ''], ['server', '&n=300'], ['browser', '&n=300']];
for (let k = 0; k < RUNS; k++) {
  for (const [how, extra] of cases) {
    const name = `${how === 'server' ? 'server layout ' : 'browser layout'} n=${extra ? 300 : 80}`;
    rows[name] ||= { cold: [], warm: [] };
    await restart();
    const cold = await firstPaint(/** @type {any} */ (how), extra);
    const warm = await firstPaint(/** @type {any} */ (how), extra);
    rows[name].cold.push(cold);
    rows[name].warm.push(warm);
    console.log(`run ${k + 1} ${name}: cold ${cold.mark.toFixed(0)} ms, warm ${warm.mark.toFixed(0)} ms (${warm.nodes} nodes)`);
  }
}
await browser.close();
await srv.stop();
rmSync(data, { recursive: true, force: true });

const med = (/** @type {number[]} */ a) => a.slice().sort((x, y) => x - y)[Math.floor(a.length / 2)];
const f = (/** @type {any[]} */ rs, /** @type {string} */ k) => `${med(rs.map(r => r[k])).toFixed(0).padStart(5)} ms`;
console.log(`first paint of the call graph (median of ${RUNS}; in brackets: API answered, layout+parse in the page)`);
for (const [name, r] of Object.entries(rows)) {
  console.log(`${name}: cold ${f(r.cold, 'mark')} (${f(r.cold, 'api')}, ${f(r.cold, 'layoutMs')})` +
    `  warm ${f(r.warm, 'mark')} (${f(r.warm, 'api')}, ${f(r.warm, 'layoutMs')})  ${r.warm[0].nodes} nodes` +
    (name.endsWith('n=80') ? `  goal: cold < ${GOAL.cold} ms, warm < ${GOAL.warm} ms` : ''));
}
