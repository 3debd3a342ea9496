// The page's module loading, checked from the sources (no browser): index.html
// preloads exactly the modules main.js and the profile page import statically
// (so the browser fetches them all at once, not one import level at a time,
// and nothing it does not need); js/early.js's lists of the modules each other
// page and each lazily loaded profile view adds are exactly theirs; the views
// a profile link may not show (Top, call graph, callers/callees) and the other
// pages stay out of the profile page's static imports; every import() names a
// module that exists.
//
//   node --test tests/web/modules.test.mjs

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { WEB, closure, importsOf } from './lib/modules.mjs';

const CORE = closure(['js/main.js', 'js/pages/profile.js']);
const sorted = (/** @type {Iterable<string>} */ s) => [...s].sort();
const beyondCore = (/** @type {string} */ m) => sorted([...closure([m])].filter(x => !CORE.has(x)));

/** index.html's <link rel="modulepreload"> hrefs, in order. */
function preloads() {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  return [...html.matchAll(/<link\s+rel="modulepreload"\s+href="([^"]+)">/g)].map(m => m[1]);
}

/** js/early.js's MODULES table (a plain literal). @returns {Record<string, string[]>} */
function earlyModules() {
  const src = readFileSync(join(WEB, 'js/early.js'), 'utf8');
  const m = /var MODULES = (\{[\s\S]*?\});/.exec(src);
  assert.ok(m, 'js/early.js has no MODULES table');
  return Function(`"use strict"; return (${m[1]});`)();
}

test('index.html preloads every module of main.js and the profile page, once, and nothing else', () => {
  const list = preloads();
  assert.equal(new Set(list).size, list.length, `a module preloaded twice: ${list.join(' ')}`);
  // main.js itself is index.html's module script
  assert.deepEqual(sorted(list), sorted([...CORE].filter(m => m !== 'js/main.js')));
  assert.match(readFileSync(join(WEB, 'index.html'), 'utf8'), /<script type="module" src="js\/main\.js"><\/script>/);
});

test('the profile views a link may not show, and the other pages, load on demand', () => {
  for (const lazy of ['js/panes/top.js', 'js/panes/graph.js', 'js/pages/profile/sandwich.js', 'js/panes/sandwich.js',
    'js/pages/home.js', 'js/pages/series.js', 'js/pages/gctrace.js', 'js/pages/group.js', 'js/ui/chart.js']) {
    assert.ok(!CORE.has(lazy), `${lazy} is imported statically by main.js or the profile page`);
  }
  assert.deepEqual(importsOf('js/main.js').dynamic,
    ['js/pages/gctrace.js', 'js/pages/group.js', 'js/pages/home.js', 'js/pages/profile.js', 'js/pages/series.js']);
  assert.deepEqual(importsOf('js/pages/profile.js').dynamic, ['js/pages/profile/sandwich.js']);
  assert.deepEqual(importsOf('js/pages/profile/loaders.js').dynamic, ['js/panes/graph.js', 'js/panes/top.js']);
});

test("js/early.js preloads exactly each page's and each lazy view's own modules", () => {
  const early = earlyModules();
  const want = {
    home: beyondCore('js/pages/home.js'),
    series: beyondCore('js/pages/series.js'),
    gctrace: beyondCore('js/pages/gctrace.js'),
    group: beyondCore('js/pages/group.js'),
    top: beyondCore('js/panes/top.js'),
    graph: beyondCore('js/panes/graph.js'),
    sandwich: beyondCore('js/pages/profile/sandwich.js'),
  };
  assert.deepEqual(Object.keys(early).sort(), Object.keys(want).sort());
  for (const [k, v] of Object.entries(want)) assert.deepEqual(sorted(early[k]), v, `MODULES.${k}`);
});

test('every import() in web/js names an existing module (vendor/ is embedded at build time)', () => {
  /** @param {string} dir @returns {string[]} */
  const walk = dir => readdirSync(dir).flatMap(f => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.js') ? [relative(WEB, p)] : [];
  });
  let n = 0;
  for (const m of walk(join(WEB, 'js'))) {
    for (const d of importsOf(m).dynamic) {
      if (d.startsWith('vendor/')) continue;
      assert.doesNotThrow(() => closure([d]), `${m}: import('${d}')`);
      n++;
    }
  }
  assert.ok(n >= 9, `${n} import() calls`);
});
