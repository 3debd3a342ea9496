// Unit tests of the flame graph's navigation, orders, reversed form and the
// export formats (web/js/model/flame.js, web/js/model/export.js):
//   node --test tests/web/flamenav.model.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  buildFlame, frameKey, findFrame, nameOf, childrenOf, leftHeavy, reverseFlame, flameVariant, neighbour,
  forEachDrawn, deepestDrawn, zoomWindow, clampStart, frameValues,
} from '../../web/js/model/flame.js';
import { topRows } from '../../web/js/model/top.js';
import { csvField, toCsv, topCsv, xmlText, flameSvg, exportName } from '../../web/js/model/export.js';
import { parseCsv } from './lib/csv.mjs';
import { parseQuery, formatQuery } from '../../web/js/url-state.js';

/**
 * A flame JSON (as the server sends it: pre-order, siblings by name) from
 * stacks, root first.
 * @param {[string[], number, number?][]} stacks [frames root first, value, base value (diff)]
 */
function flameOf(stacks, diff = false) {
  const strings = ['root'];
  const sidx = new Map([['root', 0]]);
  const S = s => { if (!sidx.has(s)) { sidx.set(s, strings.length); strings.push(s); } return sidx.get(s); };
  const root = { name: 'root', kids: new Map(), self: 0, total: 0, bself: 0, btotal: 0 };
  for (const [frames, v, b = 0] of stacks) {
    let n = root;
    n.total += v; n.btotal += b;
    for (const f of frames) {
      if (!n.kids.has(f)) n.kids.set(f, { name: f, kids: new Map(), self: 0, total: 0, bself: 0, btotal: 0 });
      n = n.kids.get(f);
      n.total += v; n.btotal += b;
    }
    n.self += v; n.bself += b;
  }
  const nodes = { name: [], parent: [], self: [], total: [], inline: [], base_self: [], base_total: [] };
  const walk = (n, p) => {
    const me = nodes.name.length;
    nodes.name.push(S(n.name)); nodes.parent.push(p); nodes.inline.push(0);
    // in a diff the server sends new - base as self/total
    nodes.self.push(diff ? n.self - n.bself : n.self); nodes.total.push(diff ? n.total - n.btotal : n.total);
    nodes.base_self.push(n.bself); nodes.base_total.push(n.btotal);
    for (const k of [...n.kids.keys()].sort()) walk(n.kids.get(k), me);
  };
  walk(root, -1);
  if (!diff) { delete nodes.base_self; delete nodes.base_total; }
  return { sample: { type: 'cpu', unit: 'nanoseconds' }, total: root.total, diff, trimmed: 0, strings, nodes };
}

const STACKS = [
  [['main', 'a', 'malloc'], 30],
  [['main', 'a'], 5],
  [['main', 'b', 'malloc'], 50],
  [['main', 'b', 'c'], 10],
  [['main', 'c'], 7],
  [['gc', 'malloc'], 20],
  [['main', 'a', 'a', 'malloc'], 3],
];

/** Each frame's path (names from the root) -> [total, self] (in a diff also base total, base self). */
function paths(fd) {
  const m = new Map();
  for (let i = 1; i < fd.n; i++) {
    const p = [];
    for (let j = i; j > 0; j = fd.parent[j]) p.unshift(nameOf(fd, j));
    const v = frameValues(fd, i);
    m.set(p.join(';'), fd.diff ? [v.total, v.self, v.baseTotal, v.baseSelf] : [v.total, v.self]);
  }
  return m;
}

/** The reversed tree by brute force: every stack reversed, aggregated. */
function reversedPaths(stacks, diff = false) {
  const m = new Map();
  for (const [frames, v, b = 0] of stacks) {
    const r = [...frames].reverse();
    for (let k = 1; k <= r.length; k++) {
      const key = r.slice(0, k).join(';');
      const e = m.get(key) || (diff ? [0, 0, 0, 0] : [0, 0]);
      e[0] += v; if (k === r.length) e[1] += v;
      if (diff) { e[2] += b; if (k === r.length) e[3] += b; }
      m.set(key, e);
    }
  }
  return m;
}

test('reverseFlame: leaves under the root, callers below, values as the stacks reversed', () => {
  const fd = buildFlame(flameOf(STACKS));
  const r = reverseFlame(fd);
  assert.deepEqual(new Map([...paths(r)].sort()), new Map([...reversedPaths(STACKS)].sort()));
  assert.equal(r.total[0], fd.total[0]);
  // first level: the functions where samples end, by name
  assert.deepEqual(childrenOf(r, 0).map(i => nameOf(r, i)), ['a', 'c', 'malloc']);
  const malloc = childrenOf(r, 0)[2];
  assert.equal(r.total[malloc], 103);
  assert.equal(r.self[malloc], 0);
  // pre-order: children follow their parent, subtree ends are consistent
  for (let i = 1; i < r.n; i++) assert.ok(r.parent[i] < i && r.end[i] <= r.end[r.parent[i]]);
  // totals add up: total = self + children
  for (let i = 0; i < r.n; i++) {
    const kids = childrenOf(r, i).reduce((s, j) => s + r.total[j], 0);
    assert.equal(r.total[i], r.self[i] + kids, `frame ${i}`);
  }
});

test('reverseFlame: a diff reverses both sides', () => {
  const stacks = [[['main', 'a', 'malloc'], 30, 10], [['main', 'b', 'malloc'], 5, 25], [['main', 'b'], 8, 8], [['x'], 0, 4]];
  const fd = buildFlame(flameOf(stacks, true));
  assert.ok(fd.diff);
  const r = reverseFlame(fd);
  assert.ok(r.diff);
  assert.deepEqual(new Map([...paths(r)].sort()), new Map([...reversedPaths(stacks, true)].sort()));
  assert.equal(r.err, null);
});

test('leftHeavy: siblings heaviest first, ties by name, keys and values kept', () => {
  const fd = buildFlame(flameOf(STACKS));
  const h = leftHeavy(fd);
  assert.deepEqual(childrenOf(h, 0).map(i => nameOf(h, i)), ['main', 'gc']);
  const main = childrenOf(h, 0)[0];
  assert.deepEqual(childrenOf(h, main).map(i => nameOf(h, i)), ['b', 'a', 'c']);
  assert.deepEqual(new Map([...paths(h)].sort()), new Map([...paths(fd)].sort()));
  for (let i = 1; i < fd.n; i++) {
    const k = frameKey(fd, i);
    assert.equal(frameKey(h, findFrame(h, k).node), k);
  }
  // every child lies inside its parent, left to right by weight
  for (let i = 0; i < h.n; i++) {
    const kids = childrenOf(h, i);
    for (let c = 1; c < kids.length; c++) assert.ok(h.width[kids[c - 1]] >= h.width[kids[c]]);
    if (kids.length) assert.equal(h.x0[kids[0]], h.x0[i]);
  }
  const both = flameVariant(fd, { reversed: true, heavy: true });
  assert.deepEqual(childrenOf(both, 0).map(i => nameOf(both, i)), ['malloc', 'c', 'a']);
});

test('neighbour: up to the caller, down to the heaviest callee, left/right along the row', () => {
  const fd = buildFlame(flameOf(STACKS));
  const keyOf = (f, path) => {
    let cur = 0;
    for (const nm of path.split(';')) cur = childrenOf(f, cur).find(j => nameOf(f, j) === nm);
    return cur;
  };
  const main = keyOf(fd, 'main'), a = keyOf(fd, 'main;a'), b = keyOf(fd, 'main;b'), c = keyOf(fd, 'main;c');
  const gc = keyOf(fd, 'gc'), gcm = keyOf(fd, 'gc;malloc');
  assert.equal(neighbour(fd, 0, 'down'), main);
  assert.equal(neighbour(fd, main, 'down'), b);
  assert.equal(neighbour(fd, b, 'up'), main);
  assert.equal(neighbour(fd, 0, 'up'), 0);
  assert.equal(neighbour(fd, a, 'right'), b);
  assert.equal(neighbour(fd, b, 'right'), c);
  assert.equal(neighbour(fd, c, 'left'), b);
  assert.equal(neighbour(fd, main, 'left'), gc);
  assert.equal(neighbour(fd, main, 'right'), main);
  assert.equal(neighbour(fd, gc, 'left'), gc);
  // past the first or last sibling: the neighbouring subtree's frame on the row
  assert.equal(neighbour(fd, a, 'left'), gcm);
  assert.equal(neighbour(fd, gcm, 'right'), a);
  const am = keyOf(fd, 'main;a;malloc'), bc = keyOf(fd, 'main;b;c');
  assert.equal(neighbour(fd, am, 'right'), bc);
  assert.equal(neighbour(fd, bc, 'left'), am);
  assert.equal(neighbour(fd, gcm, 'down'), gcm);
});

test('zoomWindow: the value under the pointer stays under it; clamped to the graph', () => {
  const win = { vx0: 200, vw: 400 };
  for (const at of [0, 0.25, 0.5, 0.9]) {
    const w = zoomWindow(win, 0.5, at, 1000, 1e-6);
    assert.equal(w.vw, 200);
    assert.ok(Math.abs((w.vx0 + at * w.vw) - (win.vx0 + at * win.vw)) < 1e-9);
  }
  assert.deepEqual(zoomWindow(win, 10, 0.5, 1000, 1), { vx0: 0, vw: 1000 });
  assert.deepEqual(zoomWindow({ vx0: 0, vw: 100 }, 0.5, 0, 1000, 80), { vx0: 0, vw: 80 });
  assert.equal(clampStart(950, 100, 1000), 900);
  assert.equal(clampStart(-5, 100, 1000), 0);
});

test('forEachDrawn: frames in the window, narrow subtrees skipped', () => {
  const fd = buildFlame(flameOf(STACKS));
  const all = [];
  forEachDrawn(fd, { vx0: 0, vw: fd.width[0], W: 1000, firstRow: 0, lastRow: 100 }, i => all.push(i));
  assert.equal(all.length, fd.n);
  const gc = childrenOf(fd, 0).find(j => nameOf(fd, j) === 'gc');
  const some = [];
  forEachDrawn(fd, { vx0: fd.x0[gc], vw: fd.width[gc], W: 1000, firstRow: 0, lastRow: 100 }, (i, x, w) => some.push([nameOf(fd, i), x, w]));
  assert.deepEqual(some, [['root', 0, 1000], ['gc', 0, 1000], ['malloc', 0, 1000]]);
  assert.equal(deepestDrawn(fd, { vx0: 0, vw: fd.width[0], W: 1000 }), 4);
  // at 1 px for the whole graph, frames narrower than a third of a pixel go
  const tiny = [];
  forEachDrawn(fd, { vx0: 0, vw: fd.width[0], W: 1, firstRow: 0, lastRow: 100 }, i => tiny.push(i));
  assert.ok(tiny.length < fd.n && tiny.includes(0));
});

test('csv: RFC 4180 quoting, formulas made inert, numbers as they are', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('two\r\nlines'), '"two\r\nlines"');
  assert.equal(csvField('=1+2', true), "'=1+2");
  assert.equal(csvField('+x', true), "'+x");
  assert.equal(csvField('-x', true), "'-x");
  assert.equal(csvField('@SUM(A1)', true), "'@SUM(A1)");
  assert.equal(csvField('=HYPERLINK("http://x","y")', true), `"'=HYPERLINK(""http://x"",""y"")"`);
  assert.equal(csvField('main.f', true), 'main.f');
  assert.equal(csvField(-42), '-42');
  assert.equal(csvField(1.5), '1.5');
  assert.equal(csvField(NaN), '');
  assert.equal(toCsv(['a', 'name'], [[1, '-x'], [2, 'y,z']], [false, true]), "a,name\r\n1,'-x\r\n2,\"y,z\"\r\n");
});

test('topCsv: the rows as shown (sort, search), all of them, parse back', () => {
  const names = ['main.f', '=cmd|calc', 'a,"b"', '-neg', '@at', '+plus', 'line\nbreak', ...Array.from({ length: 600 }, (_, k) => `pkg.F${k}`)];
  const json = {
    rows: names.map((name, k) => ({ name, flat: 1000 - k, cum: 2000 - k * 2 })),
  };
  const rows = topRows(json);
  const total = rows.reduce((s, r) => s + r.flat, 0);
  const back = parseCsv(topCsv({ rows, diff: false, unit: 'bytes', total, sort: '', filter: null }));
  assert.deepEqual(back[0], ['flat (bytes)', 'flat%', 'sum%', 'cum (bytes)', 'cum%', 'name']);
  assert.equal(back.length, names.length + 1);
  const unquote = s => (/^'[=+\-@]/.test(s) ? s.slice(1) : s);
  back.slice(1).forEach((r, k) => {
    assert.equal(unquote(r[5]), names[k]);
    assert.equal(Number(r[0]), 1000 - k);
    assert.equal(Number(r[3]), 2000 - 2 * k);
  });
  assert.equal(back[2][5], "'=cmd|calc");
  // sorted by name, filtered by a regex
  const some = parseCsv(topCsv({ rows, diff: false, unit: 'bytes', total, sort: 'name', filter: /^pkg\.F1\d$/ }));
  assert.deepEqual(some.slice(1).map(r => r[5]), Array.from({ length: 10 }, (_, k) => `pkg.F1${k}`));
  // sum% is the running sum of the order shown
  assert.equal(Number(some[2][2]), Math.round(((rows.find(r => r.name === 'pkg.F10').flat + rows.find(r => r.name === 'pkg.F11').flat) / total) * 10000) / 100);
  // a diff: deltas, base and new
  const d = topRows({ rows: [{ name: 'x', flat: -5, cum: -7, base_flat: 10, base_cum: 20 }] });
  const dc = parseCsv(topCsv({ rows: d, diff: true, unit: '', total: 100, sort: '', filter: null }));
  assert.deepEqual(dc, [['flat delta', 'flat%', 'sum%', 'cum delta', 'cum%', 'base cum', 'new cum', 'name'], ['-5', '-5', '-5', '-7', '-7', '20', '13', 'x']]);
  // standard errors, when known, follow the name
  const e = topRows({ rows: [{ name: 'y', flat: 4, cum: 9, flat_err: 1.5, cum_err: 2 }, { name: 'z', flat: 1, cum: 1 }] });
  const ec = parseCsv(topCsv({ rows: e, diff: false, unit: 'ms', total: 10, sort: '', filter: null }));
  assert.deepEqual(ec, [['flat (ms)', 'flat%', 'sum%', 'cum (ms)', 'cum%', 'name', 'flat stderr (ms)', 'cum stderr (ms)'],
    ['4', '40', '40', '9', '90', 'y', '1.5', '2'], ['1', '10', '50', '1', '10', 'z', '', '']]);
});

test('svg: names are XML text, the document is well formed', () => {
  assert.equal(xmlText('<img src=x onerror="alert(1)">&\''), '&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&apos;');
  assert.equal(xmlText('a\u0000b\u001fc\ud800d'), 'a\ufffdb\ufffdc\ufffdd');
  assert.equal(xmlText('😀'), '😀');
  const svg = flameSvg({
    width: 100, height: 60, rowH: 18, titleH: 22, title: 'p <b>x</b>', bg: '#fff', fg: '#000', fgFaded: '#888', font: 'monospace',
    frames: [
      { x: 0, y: 0, w: 100, fill: 'hsl(1 2% 3%)', name: 'root', tip: '1s', label: 'root' },
      { x: 0, y: 18, w: 50, fill: 'red', name: '<img src=x onerror=alert(1)>', tip: '2s', label: '<img src=x…', italic: true, alpha: 0.55 },
    ],
  });
  assert.equal((svg.match(/<rect class="frame"/g) || []).length, 2);
  assert.ok(!svg.includes('<img') && !svg.includes('<b>'));
  assert.ok(svg.includes('&lt;img src=x onerror=alert(1)&gt;'));
  // every tag is one of ours
  const tags = new Set([...svg.matchAll(/<\/?([a-zA-Z?][\w-]*)/g)].map(m => m[1]));
  assert.deepEqual([...tags].sort(), ['?xml', 'g', 'rect', 'svg', 'text', 'title']);
  assert.equal(exportName('heap <1>/x', 'flame', 'svg'), 'heap_1_x-flame.svg');
  assert.equal(exportName('', 'top', 'csv'), 'profile-top.csv');
  assert.equal(exportName('../..', 'top', 'csv'), 'profile-top.csv');
});

test('url: the flame graph options are on or absent', () => {
  assert.deepEqual(parseQuery('?heavy=1&rev=true'), { heavy: '1', rev: '1' });
  assert.deepEqual(parseQuery('?heavy=0&rev=no'), {});
  assert.deepEqual(parseQuery('?rev=&heavy=yes&zoom=abc'), { heavy: '1', zoom: 'abc' });
  assert.equal(formatQuery({ rev: '1', heavy: '1', zoom: 'k', si: 'cpu' }), '?si=cpu&zoom=k&heavy=1&rev=1');
});
