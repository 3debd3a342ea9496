// Browser tests of the UI defects a review found (issue 13, item 10):
//  - not-found pages: /p/<unknown>, /s/<unknown>, /g/<unknown>, /foo/bar give
//    a 404 HTML page in the UI's style with a link home (never raw JSON);
//    the API keeps its JSON;
//  - deleting a series' member names the series and what happens to it;
//  - Delete / Stop capture / Attach in a browser that holds no token ask for
//    one; a wrong token shows the server's error and changes nothing; the
//    browser that started a capture deletes its snapshots with the series' token;
//  - the Format fact says "converted from ..." only for a legacy input;
//  - the call graph's legend fits its box (1280x720, a long profile name);
//  - a diff link opened directly on Top or Call graph shows its Total.
//
//   node --test tests/web/defects.test.mjs   (exit 77 = skipped)
//
// Environment: HEARTH_BIN, HEARTH_GEN_DIR, HEARTH_SCREENSHOTS, HEARTH_CHROMIUM
// as for ui.test.mjs. Any console error or warning fails a page's test.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:http';

import { whyNot, launch, openPage } from './lib/browser.mjs';
import { startServer, uploadProfile, getJson } from './lib/server.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = process.env.HEARTH_BIN || join(ROOT, 'build/hearth');
const GEN = process.env.HEARTH_GEN_DIR || join(ROOT, 'build/gen-profiles');
const SHOTS = process.env.HEARTH_SCREENSHOTS || join(ROOT, 'build/web-screenshots');
const P = {
  heap0: join(GEN, 'heap-series.0.pb.gz'),
  heap1: join(GEN, 'heap-series.1.pb.gz'),
  heap2: join(GEN, 'heap-series.2.pb.gz'),
  cpu: join(GEN, 'cpu.pb.gz'),
  diffBase: join(GEN, 'edge-diff-base.pb.gz'),
  diffNew: join(GEN, 'edge-diff-new.pb.gz'),
};
/* a Go goroutine ?debug=1 text: a legacy format pprof reads */
const GOROUTINE_TXT = `goroutine profile: total 3
2 @ 0x43a0f5 0x44a3c4 0x46b0e1
#	0x43a0f4	runtime.gopark+0xf4	/usr/lib/go/src/runtime/proc.go:363
#	0x44a3c3	main.worker+0x43	/src/main.go:20

1 @ 0x43a0f5 0x46b0e1
#	0x43a0f4	runtime.gopark+0xf4	/usr/lib/go/src/runtime/proc.go:363
`;

{
  let why = await whyNot();
  if (!why && !existsSync(BIN)) why = `${BIN} is missing (build first)`;
  if (!why) for (const f of Object.values(P)) if (!existsSync(f)) why = `${f} is missing`;
  if (why) {
    console.log(`# SKIP web.defects: ${why}`);
    process.exit(77);
  }
}
mkdirSync(SHOTS, { recursive: true });

/** @type {Awaited<ReturnType<typeof startServer>>} */
let srv;
/** @type {import('playwright-core').Browser} */
let browser;

before(async () => {
  srv = await startServer(BIN, ['--fetch-allow', '127.0.0.1']);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await srv?.stop();
});

/** @param {import('playwright-core').Page} page @param {string} name */
async function shots(page, name, reload = false) {
  for (const scheme of /** @type {const} */ (['light', 'dark'])) {
    await page.emulateMedia({ colorScheme: scheme });
    if (reload) await page.reload(); // a page without the app's theme code takes the scheme at load
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(SHOTS, `${name}-${scheme}.png`) });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** @param {string} path @param {any} body */
async function postJson(path, body) {
  const r = await fetch(`${srv.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(r.status, 201, await r.clone().text());
  return r.json();
}

/** @param {import('playwright-core').Page} page */
async function headerReady(page) {
  await page.waitForFunction(() => document.querySelector('.profile-head h1.title')?.textContent !== '…' &&
    document.querySelector('.actions button.danger'), null, { timeout: 20000 });
}

/**
 * The call graph's text lines that cross their box's edges (client pixels),
 * and the number of boxes checked.
 * @param {import('playwright-core').Page} page
 */
async function overflowingLabels(page) {
  return page.evaluate(() => {
    const out = [];
    let boxes = 0;
    for (const g of document.querySelectorAll('.pane-graph svg g.node')) {
      const shape = g.querySelector('polygon, ellipse, path');
      if (!shape) continue;
      boxes++;
      const b = shape.getBoundingClientRect();
      for (const t of g.querySelectorAll('text')) {
        const r = t.getBoundingClientRect();
        if (r.left < b.left - 0.5 || r.right > b.right + 0.5 || r.top < b.top - 0.5 || r.bottom > b.bottom + 0.5) {
          out.push(`${t.textContent}: [${r.left.toFixed(1)}, ${r.right.toFixed(1)}] x [${r.top.toFixed(1)}, ${r.bottom.toFixed(1)}] outside [${b.left.toFixed(1)}, ${b.right.toFixed(1)}] x [${b.top.toFixed(1)}, ${b.bottom.toFixed(1)}]`);
        }
      }
    }
    return { out, boxes };
  });
}

/** A node server that answers heap profiles in turn (a capture's target). */
async function heapPeer() {
  let served = 0;
  const files = [P.heap0, P.heap1, P.heap2];
  const peer = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    res.end(readFileSync(files[served++ % files.length]));
  });
  await new Promise(r => peer.listen(0, '127.0.0.1', () => r(null)));
  return { peer, url: `http://127.0.0.1:${/** @type {any} */ (peer.address()).port}/debug/pprof/heap` };
}

test('unknown pages: a not-found page in the UI style with a link home; the API keeps JSON', async () => {
  const { context, page, problems } = await openPage(browser);
  const cpu = await uploadProfile(srv.url, readFileSync(P.cpu), 'cpu');
  const cases = [
    ['p/doesnotexist', /no profile at this address/],
    ['p/AAAAAAAAAAAAAAAAAAAAAAAAAAA', /no profile at this address/],
    [`s/${cpu.id}`, /no series at this address/],
    ['s/nope', /no series at this address/],
    ['g/nope', /no GC trace at this address/],
    ['foo/bar', /nothing at this address/],
    ['p', /nothing at this address/],
  ];
  for (const [path, re] of cases) {
    const r = await page.goto(`${srv.url}${path}`);
    assert.equal(r?.status(), 404, path);
    assert.equal(await page.textContent('h1'), 'Not found', path);
    assert.match(await page.textContent('.not-found-what') || '', re, path);
    const text = await page.evaluate(() => document.body.innerText);
    assert.doesNotMatch(text, /[{}]|"error"/, `${path}: no JSON shown`);
    // the UI's style: app.css applied (the card's border, the app bar)
    const style = await page.$eval('.card.not-found', c => ({ radius: getComputedStyle(c).borderTopLeftRadius, bar: getComputedStyle(document.querySelector('.appbar') || c).display }));
    assert.deepEqual(style, { radius: '10px', bar: 'flex' }, path);
    if (path === 'p/doesnotexist') await shots(page, 'not-found-profile', true);
  }
  // its app bar's theme toggle works as in the app
  const dark = await page.evaluate(() => document.documentElement.classList.contains('dark'));
  await page.click('#theme');
  assert.equal(await page.evaluate(() => document.documentElement.classList.contains('dark')), !dark);
  await page.click('#theme');
  // the link home opens the app's home page
  await page.goto(`${srv.url}foo/bar`);
  await page.click('.not-found a.button');
  await page.waitForSelector('label.drop');
  assert.equal(new URL(page.url()).pathname, '/');
  // the API answers JSON even to a browser
  const r = await page.goto(`${srv.url}api/profiles/AAAAAAAAAAAAAAAAAAAAAAAAAAA`);
  assert.equal(r?.status(), 404);
  assert.deepEqual(JSON.parse(await page.evaluate(() => document.body.innerText)), { error: { code: 'not_found', message: 'no such profile' } });
  // a known profile still opens the app
  await page.goto(`${srv.url}p/${cpu.id}`);
  await headerReady(page);
  assert.equal(await page.textContent('.profile-head h1.title'), 'cpu');
  assert.deepEqual(problems.filter(p => !/404 \(Not Found\)/.test(p)), []);
  await context.close();
});

test('delete a series member from a browser without its token: names the series; a wrong token deletes nothing', async () => {
  const a = await uploadProfile(srv.url, readFileSync(P.heap0), 'heap.0');
  const b = await uploadProfile(srv.url, readFileSync(P.heap1), 'heap.1');
  const s = await postJson('api/series', { name: 'leak <b>hunt</b>', profiles: [a.id, b.id] });
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${a.id}`);
  await headerReady(page);
  assert.equal(await page.textContent('.actions button.danger'), 'Delete…');
  await page.click('.actions button.danger');
  await page.waitForSelector('dialog[open] input.token-input');
  assert.equal(await page.textContent('dialog[open] h2'), 'Delete this snapshot?');
  const text = await page.textContent('dialog[open] form');
  assert.match(text || '', /It is a snapshot of the series “leak <b>hunt<\/b>”, which keeps its other 1 snapshot\./);
  assert.match(text || '', /does not hold its delete token/);
  // a wrong token: the server's message in the dialog, which stays open; nothing deleted
  await page.fill('dialog[open] input.token-input', 'not-the-token');
  await page.click('dialog[open] button.danger');
  await page.waitForFunction(() => document.querySelector('dialog[open] .dialog-error')?.textContent);
  assert.equal(await page.textContent('dialog[open] .dialog-error'), 'the delete token is missing or wrong for this profile');
  await shots(page, 'delete-member-wrong-token');
  assert.equal((await fetch(`${srv.url}api/profiles/${a.id}`)).status, 200);
  assert.equal((await getJson(`${srv.url}api/series/${s.id}`)).profiles.length, 2);
  // the series' token is not this (uploaded) profile's either
  await page.fill('dialog[open] input.token-input', s.delete_token);
  await page.click('dialog[open] button.danger');
  await page.waitForFunction(() => /wrong/.test(document.querySelector('dialog[open] .dialog-error')?.textContent || ''));
  assert.equal((await fetch(`${srv.url}api/profiles/${a.id}`)).status, 200);
  // the right token: deleted, home; the series keeps its other snapshot
  await page.fill('dialog[open] input.token-input', a.delete_token);
  await page.click('dialog[open] button.danger');
  await page.waitForFunction(() => !/\/p\//.test(location.pathname));
  assert.equal((await fetch(`${srv.url}api/profiles/${a.id}`)).status, 404);
  // Back to the deleted profile (in the app, no page load): the same not-found page
  await page.goBack();
  await page.waitForSelector('.not-found h1');
  assert.match(await page.textContent('.not-found-what') || '', /no profile at this address/);
  await page.screenshot({ path: join(SHOTS, 'not-found-in-app-light.png') });
  const left = await getJson(`${srv.url}api/series/${s.id}`);
  assert.deepEqual(left.profiles.map((/** @type {any} */ p) => p.id), [b.id]);
  // the last snapshot: the series stays, empty; Cancel deletes nothing
  await page.goto(`${srv.url}p/${b.id}`);
  await headerReady(page);
  await page.click('.actions button.danger');
  await page.waitForSelector('dialog[open]');
  assert.match(await page.textContent('dialog[open] form') || '', /It is the only snapshot left in the series “leak <b>hunt<\/b>”, which stays, empty, until it is deleted\./);
  await shots(page, 'delete-last-member');
  await page.click('dialog[open] button >> text="Cancel"');
  await page.waitForFunction(() => !document.querySelector('dialog[open]'));
  assert.equal((await fetch(`${srv.url}api/profiles/${b.id}`)).status, 200);
  assert.deepEqual(problems.filter(p => !/40[34] \((Forbidden|Not Found)\)/.test(p)), []);
  await context.close();
});

test('the browser that started a capture deletes its snapshots with the series token; others Stop… with a pasted token', async () => {
  const { peer, url } = await heapPeer();
  try {
    const cap = await postJson('api/captures', { url, interval_s: 1, count: 50, name: 'captured heap' });
    // another browser: Stop capture… asks for the token
    const o = await openPage(browser);
    await o.page.goto(`${srv.url}s/${cap.id}`);
    await o.page.waitForSelector('.capture [data-state="running"]', { timeout: 10000 });
    assert.equal(await o.page.textContent('.actions .stop-btn'), 'Stop capture…');
    await o.page.click('.actions .stop-btn');
    await o.page.fill('dialog[open] input.token-input', 'wrong');
    await o.page.click('dialog[open] button.danger');
    await o.page.waitForFunction(() => document.querySelector('dialog[open] .dialog-error')?.textContent);
    assert.equal(await o.page.textContent('dialog[open] .dialog-error'), 'the delete token is missing or wrong for this series');
    assert.equal((await getJson(`${srv.url}api/series/${cap.id}`)).capture.state, 'running');
    await o.page.fill('dialog[open] input.token-input', cap.delete_token);
    await o.page.click('dialog[open] button.danger');
    await o.page.waitForFunction(() => {
      const st = document.querySelector('.capture .state')?.getAttribute('data-state');
      return st && st !== 'running';
    }, null, { timeout: 10000 });
    assert.equal((await getJson(`${srv.url}api/series/${cap.id}`)).capture.state, 'stopped');
    // the pasted token is kept: this browser may now attach a GC trace without asking again
    await o.page.waitForSelector('.gc-card .attach-form textarea');
    assert.equal(await o.page.$('.gc-card .attach-form input.token-input'), null);
    assert.deepEqual(o.problems.filter(p => !/403 \(Forbidden\)/.test(p)), []);
    await o.context.close();

    // the starting browser holds the series' token (as the home page keeps it)
    const snaps = (await getJson(`${srv.url}api/series/${cap.id}`)).profiles;
    assert.ok(snaps.length >= 1);
    const { context, page, problems } = await openPage(browser);
    await page.goto(srv.url);
    await page.evaluate(([k, t]) => localStorage.setItem(k, t), [`hearth.delete.${cap.id}`, cap.delete_token]);
    await page.goto(`${srv.url}p/${snaps[0].id}`);
    await headerReady(page);
    assert.equal(await page.textContent('.actions button.danger'), 'Delete');
    await page.click('.actions button.danger');
    await page.waitForSelector('dialog[open]');
    assert.equal(await page.$('dialog[open] input.token-input'), null);
    assert.match(await page.textContent('dialog[open] form') || '', /series “captured heap”/);
    await page.click('dialog[open] button.danger');
    await page.waitForFunction(() => !/\/p\//.test(location.pathname));
    assert.equal((await fetch(`${srv.url}api/profiles/${snaps[0].id}`)).status, 404);
    assert.equal((await getJson(`${srv.url}api/series/${cap.id}`)).profiles.length, snaps.length - 1);
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    peer.close();
  }
});

test('attach a GC trace from a browser without the series token: it asks, a wrong one attaches nothing', async () => {
  const a = await uploadProfile(srv.url, readFileSync(P.heap0), 'h0');
  const b = await uploadProfile(srv.url, readFileSync(P.heap2), 'h2');
  const s = await postJson('api/series', { name: 'attach here', profiles: [a.id, b.id] });
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}s/${s.id}`);
  await page.click('.gc-card .attach-other summary');
  assert.equal(await page.textContent('.gc-card .attach-other summary'), 'Attach a GC trace…');
  const log = 'gc 1 @0.011s 2%: 0.010+0.5+0.003 ms clock, 0.08+0.1/0.4/0.9+0.02 ms cpu, 4->4->0 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 8 P\n';
  await page.fill('.gc-card .attach-form textarea', log);
  await page.fill('.gc-card .attach-form input.token-input', 'wrong');
  await page.click('.gc-card .attach-form button[type="submit"]');
  await page.waitForFunction(() => /wrong/.test(document.querySelector('.gc-card .attach-form .fetch-status')?.textContent || ''));
  assert.equal(await page.textContent('.gc-card .attach-form .fetch-status'), 'the delete token is missing or wrong for this series');
  await page.screenshot({ path: join(SHOTS, 'attach-wrong-token-light.png'), fullPage: true });
  assert.equal((await getJson(`${srv.url}api/series/${s.id}`)).gctrace, null);
  await page.fill('.gc-card .attach-form input.token-input', s.delete_token);
  await page.click('.gc-card .attach-form button[type="submit"]');
  await page.waitForSelector('.gc-card a[href^="g/"]', { timeout: 10000 });
  assert.ok((await getJson(`${srv.url}api/series/${s.id}`)).gctrace);
  assert.deepEqual(problems.filter(p => !/403 \(Forbidden\)/.test(p)), []);
  await context.close();
});

test('Format says "converted from" only for a legacy input; any other text is refused as no profile', async () => {
  const leg = await fetch(`${srv.url}api/profiles?name=goroutines.txt`, { method: 'POST', body: GOROUTINE_TXT, headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(leg.status, 201, await leg.clone().text());
  const legacy = await leg.json();
  assert.equal(legacy.converted_from, 'go goroutine text (?debug=1)');
  const cpu = await uploadProfile(srv.url, readFileSync(P.cpu), 'cpu.pb.gz');
  assert.equal(cpu.converted_from, undefined);
  const { context, page, problems } = await openPage(browser);
  await page.goto(`${srv.url}p/${legacy.id}`);
  await headerReady(page);
  assert.equal(await page.textContent('dd[data-k="format"]'), 'converted from go goroutine text (?debug=1)');
  await page.goto(`${srv.url}p/${cpu.id}`);
  await headerReady(page);
  assert.equal(await page.$('dd[data-k="format"]'), null);
  assert.doesNotMatch(await page.textContent('.profile-head') || '', /debug=1|legacy|converted/);
  // a text file that is no profile: refused, and never called a ?debug=1 profile
  const notes = join(tmpdir(), `hearth-notes-${process.pid}.txt`);
  writeFileSync(notes, 'shopping list\nmilk\neggs\n');
  await page.goto(srv.url);
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('label.drop')]);
  await chooser.setFiles(notes);
  await page.waitForSelector('.uploads .error');
  const msg = await page.textContent('.uploads .error') || '';
  assert.match(msg, /unrecognized profile format/);
  assert.doesNotMatch(msg, /debug=1/);
  assert.equal(new URL(page.url()).pathname, '/');
  assert.deepEqual(problems.filter(p => !/400 \(Bad Request\)/.test(p)), []);
  await context.close();
});

test('call graph legend fits its box at 1280x720, with a long profile name', async () => {
  const long = `a-very-long-profile-name-${'x'.repeat(40)}/${'service-component-'.repeat(6)}cpu.pb.gz`;
  const cpu = await uploadProfile(srv.url, readFileSync(P.cpu), long);
  const { context, page, problems } = await openPage(browser, { width: 1280, height: 720 });
  await page.goto(`${srv.url}p/${cpu.id}?view=graph`);
  await page.waitForSelector('.pane-graph[data-state="ready"]', { timeout: 30000 });
  // the legend: the graph's first box, "File: ..." lines inside its polygon
  const fit = await page.evaluate(() => {
    const nodes = [...document.querySelectorAll('.pane-graph svg g.node')];
    const legend = nodes.find(n => [...n.querySelectorAll('text')].some(t => /^(File|Type): /.test(t.textContent || '')));
    if (!legend) return null;
    const box = legend.querySelector('polygon')?.getBoundingClientRect();
    const texts = [...legend.querySelectorAll('text')].map(t => ({ s: t.textContent, r: t.getBoundingClientRect() }));
    return { box: box && { l: box.left, r: box.right, t: box.top, b: box.bottom }, texts: texts.map(x => ({ s: x.s, l: x.r.left, r: x.r.right, t: x.r.top, b: x.r.bottom })) };
  });
  assert.ok(fit && fit.box, 'the legend is drawn');
  await page.screenshot({ path: join(SHOTS, 'graph-legend-long-name-light.png') });
  for (const t of fit.texts) {
    assert.ok(t.l >= fit.box.l - 0.5 && t.r <= fit.box.r + 0.5, `legend line overflows its box: ${t.s} [${t.l}, ${t.r}] vs [${fit.box.l}, ${fit.box.r}]`);
    assert.ok(t.t >= fit.box.t - 0.5 && t.b <= fit.box.b + 0.5, `legend line outside its box vertically: ${t.s}`);
  }
  const all = await overflowingLabels(page);
  assert.ok(all.boxes >= 5, `${all.boxes} boxes`);
  assert.deepEqual(all.out, []);
  assert.ok(fit.texts.some(t => /^Showing nodes accounting for/.test(t.s || '')), 'the legend has its longest line');
  // the page header keeps the long name to its line (ellipsis), the actions in view
  const head = await page.$eval('.profile-head h1.title', h => ({ over: h.scrollWidth > h.clientWidth, right: h.getBoundingClientRect().right, vw: innerWidth }));
  assert.ok(head.right <= head.vw, `the title stays in the page: ${JSON.stringify(head)}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a diff link opened directly on Top or Call graph shows the Total', async () => {
  const base = await uploadProfile(srv.url, readFileSync(P.diffBase), 'diff base');
  const now = await uploadProfile(srv.url, readFileSync(P.diffNew), 'diff new');
  for (const view of ['top', 'graph']) {
    const { context, page, problems } = await openPage(browser);
    await page.goto(`${srv.url}p/${now.id}?base=${base.id}&view=${view}`);
    await page.waitForFunction(() => {
      const t = document.querySelector('dd[data-k="total"]')?.textContent || '';
      return t && t !== '…';
    }, null, { timeout: 30000 });
    const total = await page.textContent('dd[data-k="total"]');
    assert.match(total || '', /^\S.* → \S.* \([+−-]?\S.*\)$/, `${view}: ${total}`);
    if (view === 'graph') {
      await page.waitForSelector('.pane-graph[data-state="ready"]', { timeout: 30000 });
      // a diff's big node labels stay in their boxes too
      assert.deepEqual((await overflowingLabels(page)).out, []);
      await shots(page, 'diff-graph-total');
    }
    assert.deepEqual(problems, []);
    await context.close();
  }
});
