// Unit tests of the UI's pure modules (web/js/model/*.js and the pure half
// of web/js/url-state.js): node --test tests/web/model.test.mjs
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  formatValue, formatPercent, formatDelta, formatChange, formatSize, formatDuration, formatTime, formatAge, groupDigits, profileKind,
  formatIn,
} from '../../web/js/model/format.js';
import { hash32, packageOf, packageHue, frameColor, diffClass, diffColor, diffRatio, DIFF_STEPS } from '../../web/js/model/colors.js';
import {
  buildFlame, frameValues, childrenOf, pathTo, frameKey, findFrame, hitTest, matchNames, matchTotals, minFractionFor, fitLabel, nameOf,
} from '../../web/js/model/flame.js';
import { topRows, sortRows, filterRows, parseSort, sortValue, runningSums, keptLine } from '../../web/js/model/top.js';
import { compileSearch, escapeRegex, exactRegex, filterFor, addAlternative } from '../../web/js/model/search.js';
import { parseQuery, formatQuery, serverQuery, withChanges, serverChanged } from '../../web/js/url-state.js';

// root(100) -> a(60: self 10) -> [b(30), c(20)], root -> d(40: self 40); root self 0
const FLAME = {
  sample: { type: 'cpu', unit: 'nanoseconds' }, total: 100, diff: false, trimmed: 0,
  strings: ['root', 'main.a', 'pkg/x.b', 'main.c', 'runtime.d'],
  nodes: {
    name: [0, 1, 2, 3, 4], parent: [-1, 0, 1, 1, 0],
    self: [0, 10, 30, 20, 40], total: [100, 60, 30, 20, 40], inline: [0, 0, 1, 0, 0],
  },
};

test('format: values by unit, pprof style', () => {
  assert.equal(formatValue(0, 'bytes'), '0');
  assert.equal(formatValue(512, 'bytes'), '512B');
  assert.equal(formatValue(1536, 'bytes'), '1.5kB');
  assert.equal(formatValue(5132288, 'bytes'), '4.89MB');
  assert.equal(formatValue(1.5e9, 'nanoseconds'), '1.5s');
  assert.equal(formatValue(250e6, 'nanoseconds'), '250ms');
  assert.equal(formatValue(90e9, 'nanoseconds'), '1.5mins');
  assert.equal(formatValue(3, 'microseconds'), '3us');
  assert.equal(formatValue(1234567, 'count'), '1,234,567');
  assert.equal(formatValue(-2048, 'bytes'), '-2kB');
  assert.equal(formatValue(7, 'widgets'), '7 widgets');
  assert.equal(formatDelta(1024, 'bytes'), '+1kB');
  assert.equal(formatDelta(-1024, 'bytes'), '-1kB');
  assert.equal(groupDigits(-1234), '-1,234');
});

test('format: percentages, changes, sizes, times', () => {
  assert.equal(formatPercent(1, 4), '25.00%');
  assert.equal(formatPercent(0, 4), '0%');
  assert.equal(formatPercent(1, 30000), '0.0033%');
  assert.equal(formatPercent(1, 0), '∞%');
  assert.equal(formatChange(100, 150), '+50.0%');
  assert.equal(formatChange(100, 0), '-100%');
  assert.equal(formatChange(0, 5), 'new');
  assert.equal(formatChange(5, 5), '0%');
  assert.equal(formatSize(1536), '1.5 KiB');
  assert.equal(formatSize(12 * 1024 * 1024), '12.0 MiB');
  assert.equal(formatDuration(1.5e9), '1.5 s');
  assert.equal(formatDuration(90e9), '1 min 30 s');
  assert.equal(formatDuration(0), '');
  assert.equal(formatTime(1700000000000), '2023-11-14 22:13:20 UTC');
  assert.equal(formatAge(0, 3 * 3600e3), '3 h ago');
});

test('format: profile kinds', () => {
  const t = (/** @type {string[]} */ ...n) => n.map(type => ({ type, unit: 'x' }));
  assert.equal(profileKind({ sample_types: t('alloc_objects', 'alloc_space', 'inuse_objects', 'inuse_space') }), 'heap');
  assert.equal(profileKind({ sample_types: t('samples', 'cpu') }), 'CPU');
  assert.equal(profileKind({ sample_types: t('goroutine') }), 'goroutine');
  assert.equal(profileKind({ sample_types: t('contentions', 'delay') }), 'contention');
  assert.equal(profileKind({ sample_types: [] }), 'profile');
});

test('colors: packages and stable hues', () => {
  assert.equal(packageOf('github.com/a/b.(*T).M'), 'github.com/a/b');
  assert.equal(packageOf('runtime.mallocgc'), 'runtime');
  assert.equal(packageOf('main.main.func1'), 'main');
  assert.equal(packageOf('std::vector<int, std::allocator<int> >::push_back(int const&)'), 'std');
  assert.equal(packageOf('(anonymous namespace)::Foo::bar(int)'), '(anonymous namespace)');
  assert.equal(packageOf('void std::sort<int*>(int*, int*)'), 'std');
  assert.equal(packageOf('com.example.Foo.bar(Foo.java)'), 'com.example');
  assert.equal(packageOf('[app]'), '[app]');
  assert.equal(packageOf(''), '');
  assert.equal(hash32(''), 0x811c9dc5);
  assert.equal(hash32('a'), 0xe40c292c); // FNV-1a test vector
  assert.equal(packageHue('runtime'), packageHue('runtime'));
  assert.equal(frameColor('runtime.a', false), frameColor('runtime.a', false));
  // functions of a package stay near its hue
  const hue = (/** @type {string} */ c) => Number(/hsl\((\d+)/.exec(c)?.[1]);
  const d = Math.abs(hue(frameColor('runtime.a', false)) - hue(frameColor('runtime.b', false)));
  assert.ok(Math.min(d, 360 - d) <= 16, `hues ${d} apart`);
  assert.notEqual(frameColor('runtime.a', false), frameColor('runtime.a', true));
});

test('colors: diff classes', () => {
  assert.deepEqual(diffClass(100, 100), { sign: 0, step: 0 });
  assert.deepEqual(diffClass(100, 100.5), { sign: 0, step: 0 });
  assert.equal(diffClass(100, 200).sign, 1);
  assert.equal(diffClass(200, 100).sign, -1);
  assert.equal(diffClass(0, 5).step, DIFF_STEPS);
  assert.ok(diffClass(100, 110).step < diffClass(100, 300).step);
  assert.equal(diffRatio(0, 0), 0);
  assert.match(diffColor(1, 4, false), /^hsl\(0 /);
  assert.match(diffColor(-1, 4, false), /^hsl\(130 /);
  assert.match(diffColor(0, 0, false), /0%/);
});

test('flame: layout, depth, subtree ends', () => {
  const fd = buildFlame(FLAME);
  assert.equal(fd.n, 5);
  assert.deepEqual([...fd.depth], [0, 1, 2, 2, 1]);
  assert.deepEqual([...fd.end], [5, 4, 3, 4, 5]);
  assert.deepEqual([...fd.x0], [0, 0, 0, 30, 60]);
  assert.deepEqual([...fd.width], [100, 60, 30, 20, 40]);
  assert.equal(fd.maxDepth, 2);
  assert.deepEqual(childrenOf(fd, 0), [1, 4]);
  assert.deepEqual(childrenOf(fd, 1), [2, 3]);
  assert.deepEqual(pathTo(fd, 3), [0, 1, 3]);
  assert.equal(nameOf(fd, 2), 'pkg/x.b');
  assert.equal(fd.grandTotal, 100);
});

test('flame: hit testing', () => {
  const fd = buildFlame(FLAME);
  assert.equal(hitTest(fd, 10, 0), 0);
  assert.equal(hitTest(fd, 10, 1), 1);
  assert.equal(hitTest(fd, 65, 1), 4);
  assert.equal(hitTest(fd, 35, 2), 3);
  assert.equal(hitTest(fd, 55, 2), -1); // a's self
  assert.equal(hitTest(fd, 65, 2), -1);
  assert.equal(hitTest(fd, 100, 0), -1);
  assert.equal(hitTest(fd, 10, 5), -1);
});

test('flame: frame keys survive refetching and trimming', () => {
  const fd = buildFlame(FLAME);
  assert.equal(frameKey(fd, 0), '');
  const k = frameKey(fd, 3);
  assert.match(k, /^[0-9a-z]+\.[0-9a-z]+$/);
  assert.deepEqual(findFrame(fd, k), { node: 3, exact: true });
  assert.deepEqual(findFrame(fd, ''), { node: 0, exact: true });
  // the same tree with c trimmed away: the key ends at its parent
  const trimmed = structuredClone(FLAME);
  trimmed.nodes = { name: [0, 1, 2, 4], parent: [-1, 0, 1, 0], self: [0, 30, 30, 40], total: [100, 60, 30, 40], inline: [0, 0, 0, 0] };
  assert.deepEqual(findFrame(buildFlame(trimmed), k), { node: 1, exact: false });
  assert.deepEqual(findFrame(fd, 'zzz'), { node: 0, exact: false });
});

test('flame: diff widths nest and values split into base/new/delta', () => {
  const diff = {
    ...FLAME, diff: true, total: 90,
    nodes: {
      name: [0, 1, 4], parent: [-1, 0, 0], inline: [0, 0, 0],
      self: [0, 20, -10], total: [10, 20, -10], base_self: [0, 30, 60], base_total: [90, 30, 60],
    },
  };
  const fd = buildFlame(diff);
  assert.ok(fd.diff);
  assert.deepEqual([...fd.width], [190, 80, 110]);
  assert.deepEqual([...fd.x0], [0, 0, 80]);
  assert.deepEqual(frameValues(fd, 1), { total: 50, self: 50, baseTotal: 30, baseSelf: 30, deltaTotal: 20, deltaSelf: 20 });
  assert.equal(frameValues(fd, 2).total, 50);
  assert.equal(frameValues(fd, 0).total, 100);
});

test('flame: search matches count nested frames once', () => {
  const fd = buildFlame(FLAME);
  const m = matchNames(fd, /^main\./);
  assert.deepEqual([...m], [0, 1, 0, 1, 0]);
  assert.deepEqual(matchTotals(fd, m), { frames: 2, value: 60, whole: 100 });
  assert.deepEqual(matchTotals(fd, matchNames(fd, /x\.b|runtime/)), { frames: 2, value: 70, whole: 100 });
  assert.deepEqual(matchTotals(fd, matchNames(fd, /nothing/)), { frames: 0, value: 0, whole: 100 });
  const g = matchNames(fd, /main/g); // a global regex keeps lastIndex: must not skip matches
  assert.deepEqual([...g], [0, 1, 0, 1, 0]);
});

test('flame: resolution and labels', () => {
  assert.equal(minFractionFor(1, 1024), 2 ** -11);
  assert.ok(minFractionFor(1, 1200) <= 1 / 2400);
  assert.ok(minFractionFor(0.01, 1200) <= 0.01 / 2400);
  assert.equal(minFractionFor(1e-6, 1200), 0);
  assert.equal(fitLabel('main.main', 20), 'main.main');
  assert.equal(fitLabel('github.com/acme/x.Foo', 10), 'x.Foo');
  assert.equal(fitLabel('github.com/acme/x.FooBarBaz', 8), 'x.FooBa…');
  assert.equal(fitLabel('abc', 1), '');
});

test('top: sum%, sorting, filtering, diff join', () => {
  const json = { rows: [
    { name: 'a', flat: 50, cum: 60, inline: '' },
    { name: 'b', flat: 30, cum: 90, inline: '(inline)' },
    { name: 'c', flat: 20, cum: 20, inline: '' },
  ] };
  const rows = topRows(json);
  assert.deepEqual(rows.map(r => r.sum), [50, 80, 100]);
  assert.equal(rows[1].inline, true);
  assert.deepEqual(sortRows(rows, 'cum', true).map(r => r.name), ['b', 'a', 'c']);
  assert.deepEqual(sortRows(rows, 'cum', false).map(r => r.name), ['c', 'a', 'b']);
  assert.deepEqual(sortRows(rows, 'name', true).map(r => r.name), ['c', 'b', 'a']);
  assert.deepEqual(sortRows(rows, 'sum', false).map(r => r.name), ['a', 'b', 'c']);
  assert.deepEqual(filterRows(rows, /^[ab]$/).map(r => r.name), ['a', 'b']);
  assert.equal(filterRows(rows, null).length, 3);
  assert.deepEqual(parseSort(''), { col: 'flat', desc: true });
  assert.deepEqual(parseSort('cum'), { col: 'cum', desc: true });
  assert.deepEqual(parseSort('-cum'), { col: 'cum', desc: false });
  assert.deepEqual(parseSort('name'), { col: 'name', desc: false });
  assert.deepEqual(parseSort('bogus'), { col: 'flat', desc: true });
  assert.equal(sortValue('flat', true), '');
  assert.equal(sortValue('cum', false), '-cum');
  assert.equal(sortValue('name', true), '-name');
  // a diff: the server sends the base's own values, new = base + delta
  const j = topRows({ rows: [{ name: 'a', flat: 10, cum: 10, base_flat: 40, base_cum: 50 }, { name: 'gone', flat: -5, cum: -5, base_flat: 5, base_cum: 5 }, { name: 'new', flat: 7, cum: 7, base_flat: 0, base_cum: 0 }] });
  assert.deepEqual(j.map(r => [r.baseCum, r.newCum, r.cum]), [[50, 60, 10], [5, 0, -5], [0, 7, 7]]);
  assert.deepEqual(j.map(r => [r.baseFlat, r.newFlat]), [[40, 50], [5, 0], [0, 7]]);
});

test('top: pprof order by magnitude, sum% of the order shown, one unit per report', () => {
  // a diff as the server sends it, in pprof's order (|flat| descending)
  const rows = topRows({ rows: [
    { name: 'shrunk', flat: -90, cum: -90 },
    { name: 'grew', flat: 60, cum: 100 },
    { name: 'small', flat: -5, cum: 200 },
  ] });
  // the default order is pprof's: the biggest shrinkage stays first
  assert.deepEqual(sortRows(rows, 'flat', true).map(r => r.name), ['shrunk', 'grew', 'small']);
  assert.deepEqual(sortRows(rows, 'flat', false).map(r => r.name), ['small', 'grew', 'shrunk']);
  assert.deepEqual(sortRows(rows, 'cum', true).map(r => r.name), ['small', 'grew', 'shrunk']);
  assert.deepEqual(sortRows(rows, 'sum', false).map(r => r.name), ['shrunk', 'grew', 'small']);
  // sum% follows the rows as shown, not the flat order
  assert.deepEqual(runningSums(sortRows(rows, 'cum', true)), [-5, 55, -35]);
  assert.deepEqual(runningSums(sortRows(rows, 'flat', true)), [-90, -30, -35]);
  // pprof prints a report in one unit: 2 decimals, ".00" dropped
  assert.equal(formatIn(162416, 'bytes', 'kB'), '158.61kB');
  assert.equal(formatIn(3072, 'bytes', 'kB'), '3kB');
  assert.equal(formatIn(12800, 'bytes', 'kB'), '12.50kB');
  assert.equal(formatIn(512, 'bytes', 'kB'), '0.50kB');
  assert.equal(formatIn(-1536, 'bytes', 'kB'), '-1.50kB');
  assert.equal(formatIn(1500000, 'nanoseconds', 'ms'), '1.50ms');
  assert.equal(formatIn(20, 'count', ''), '20');
  assert.equal(formatIn(0, 'bytes', 'MB'), '0');
});

test('filters from a click match at every granularity', () => {
  assert.equal(filterFor('main.(*Cache).Put', 'functions'), '^main\\.\\(\\*Cache\\)\\.Put$');
  assert.equal(filterFor('main.newRecord pprofcorpus/gen/main.go', 'filefunctions'), '^main\\.newRecord$');
  assert.equal(filterFor('main.newRecord pprofcorpus/gen/main.go:162', 'lines'), '^main\\.newRecord$');
  assert.equal(filterFor('00000000004cf54d main.newRecord pprofcorpus/gen/main.go:162', 'addresses'), '^main\\.newRecord$');
  assert.equal(filterFor('fmt/print.go', 'files'), '^fmt/print\\.go$');
  assert.equal(filterFor('[libc.so.6]', 'functions'), '(^|/)libc\\.so\\.6$');
  assert.equal(filterFor('0000000000005000 [app]', 'addresses'), '(^|/)app$');
  assert.equal(filterFor('<unknown>', 'functions'), '');
  // a C++ signature keeps its spaces: only the last field is the file
  assert.equal(filterFor('foo(int, char) /src/a.cc:12', 'lines'), '^foo\\(int, char\\)$');
  assert.equal(keptLine(['Type: cpu', 'Showing nodes accounting for 40ms, 40% of 100ms total']), 'Showing nodes accounting for 40ms, 40% of 100ms total');
  assert.equal(keptLine(['Showing nodes accounting for 100ms, 100% of 100ms total']), '');
  assert.equal(keptLine(null), '');
});

test('search: RE2 flag groups as on the server ((?i)leak)', () => {
  const { re, error } = compileSearch('(?i)LEAK');
  assert.equal(error, '');
  assert.ok(re && re.test('main.leakyCache') && re.test('LEAK'));
  const s = compileSearch('(?s)a.b').re;
  assert.ok(s && s.test('a\nb'));
  assert.ok(!compileSearch('Main').re?.test('main.main'), 'mixed case stays case-sensitive');
  assert.match(compileSearch('(?U)a+').error, /not supported/);
  assert.ok(compileSearch('(?i)(').error);
});

test('search: user regexes and server filters', () => {
  assert.equal(compileSearch('').re, null);
  assert.equal(compileSearch('main').re?.flags, 'i');
  assert.equal(compileSearch('Main').re?.flags, '');
  assert.ok(compileSearch('(').error);
  assert.equal(escapeRegex('main.(*T).M[0]'), 'main\\.\\(\\*T\\)\\.M\\[0\\]');
  assert.equal(exactRegex('a+b'), '^a\\+b$');
  assert.ok(new RegExp(exactRegex('<img src=x onerror=alert(1)>')).test('<img src=x onerror=alert(1)>'));
  assert.equal(addAlternative('', '^a$'), '^a$');
  assert.equal(addAlternative('^a$', '^b$'), '^a$|^b$');
  assert.equal(addAlternative('^a$|^b$', '^b$'), '^a$|^b$');
});

test('url state: pprof names round-trip, junk is dropped', () => {
  const st = parseQuery('?si=alloc_space&g=files&f=%5Emain%5C.&view=top&zoom=abc.def&q=x&sort=-cum&bogus=1&norm=1');
  assert.deepEqual(st, { si: 'alloc_space', g: 'files', f: '^main\\.', view: 'top', zoom: 'abc.def', q: 'x', sort: '-cum' });
  assert.equal(formatQuery(st), '?si=alloc_space&g=files&f=%5Emain%5C.&view=top&zoom=abc.def&q=x&sort=-cum');
  assert.deepEqual(parseQuery(formatQuery(st)), st);
  assert.deepEqual(parseQuery('?base=B&norm='), { base: 'B', norm: '1' });
  assert.deepEqual(parseQuery('?view=nonsense&noinlines=true'), { noinlines: '1' });
  assert.equal(formatQuery({ view: 'flame' }), '');
  assert.equal(serverQuery(st, { mf: '0.001' }), '?si=alloc_space&g=files&f=%5Emain%5C.&mf=0.001');
  assert.equal(serverQuery({ base: 'B', norm: '1', si: 'x' }, {}, { noBase: true }), '?si=x');
  assert.deepEqual(withChanges({ a: '1', b: '2' }, { a: '', c: '3' }), { b: '2', c: '3' });
  assert.equal(serverChanged({ view: 'top' }, { view: 'flame' }), false);
  assert.equal(serverChanged({ si: 'a' }, { si: 'b' }), true);
});

test('series: sequences of file names, series names', async () => {
  const { looksLikeSequence, sequenceKey, seriesName } = await import('../../web/js/model/series.js');
  assert.deepEqual(sequenceKey('heap.3.pb.gz'), { head: 'heap.', n: 3, tail: '.pb.gz' });
  assert.equal(looksLikeSequence(['heap.0', 'heap.1', 'heap.2']), true);
  assert.equal(looksLikeSequence(['heap-series.0.pb.gz', 'heap-series.10.pb.gz']), true);
  assert.equal(looksLikeSequence(['heap.0']), false, 'one file is no sequence');
  assert.equal(looksLikeSequence(['heap.0.pb.gz', 'cpu.pb.gz']), false);
  assert.equal(looksLikeSequence(['heap.1', 'heap.1']), false, 'the same number twice');
  assert.equal(looksLikeSequence(['heap.1.pb.gz', 'allocs.2.pb.gz']), false);
  assert.equal(seriesName(['heap-series.0.pb.gz', 'heap-series.1.pb.gz']), 'heap-series');
  assert.equal(seriesName(['a.pb.gz', 'b.pb.gz']), 'a.pb.gz');
});

test('series: sparklines, noise, retention, percentages, seconds', async () => {
  const { sparkPath, withinNoise, retention, pct, formatSeconds } = await import('../../web/js/model/series.js');
  assert.equal(sparkPath([0, 5, 10], 100, 20, 0), 'M0 20 L50 10 L100 0');
  assert.equal(sparkPath([3, 3], 10, 10), 'M0 5 L10 5', 'a flat line runs through the middle');
  assert.equal(sparkPath([1, null, 2], 10, 10, 0), 'M0 10 M10 0', 'a gap breaks the line');
  assert.equal(sparkPath([], 10, 10), '');
  assert.equal(sparkPath([0, 5, 10], 100, 20, 0, [0, 90, 100]), 'M0 20 L90 10 L100 0', 'with times the x axis is time');
  assert.equal(sparkPath([0, 5], 100, 20, 0, [7, 7]), 'M0 20 L100 0', 'times that do not span: even spacing');
  assert.equal(withinNoise(10, 6), true);
  assert.equal(withinNoise(-10, 6), true);
  assert.equal(withinNoise(12, 6), false, '|delta| = 2 err is not noise');
  assert.equal(withinNoise(10, 0), false, 'no error known');
  assert.equal(withinNoise(10, undefined), false);
  assert.equal(retention(25, 100), 0.25);
  assert.equal(retention(25, 0), null);
  assert.equal(retention(25, null), null);
  assert.equal(pct(0.4321), '43%');
  assert.equal(pct(0.004), '0.4%');
  assert.equal(pct(null), '—');
  assert.equal(formatSeconds(0.25), '0.25s');
  assert.equal(formatSeconds(90), '1m30s');
  assert.equal(formatSeconds(7200), '2h');
});

test('series: diff links, focus per granularity, snapshot markers, GC summary', async () => {
  const { diffLinks, diffHref, focusFor, snapshotMarkers, gcSummary } = await import('../../web/js/model/series.js');
  const ps = [{ id: 'a', t: 0 }, { id: 'b', t: 30 }, { id: 'c', t: 60 }];
  assert.deepEqual(diffLinks(ps, { si: 'inuse_space' }).map(l => [l.label, l.href]), [
    ['first → last', 'p/c?si=inuse_space&base=a'],
    ['1 → 2', 'p/b?si=inuse_space&base=a'],
    ['2 → 3', 'p/c?si=inuse_space&base=b'],
  ]);
  assert.deepEqual(diffLinks(ps.slice(0, 1)), []);
  assert.equal(diffHref('n', 'o', { f: '^main\\.f$', g: '' }), 'p/n?f=%5Emain%5C.f%24&base=o');
  assert.equal(focusFor('main.(*T).f', 'functions'), '^main\\.\\(\\*T\\)\\.f$');
  assert.equal(focusFor('/src/a.go', 'files'), '^/src/a\\.go$');
  assert.equal(focusFor('main.f /src/a.go:12', 'lines'), '^main\\.f$');
  assert.equal(focusFor('main.main;main.g;main.leaf', 'stacks'), '^main\\.leaf$');
  assert.deepEqual(snapshotMarkers(ps, 100), [100, 130, 160]);
  assert.equal(snapshotMarkers(ps, null), null);
  const s = gcSummary({
    gcs: 3, t: [1, 2, 4], forced: [0, 1, 1], heap_before: [4, 8, 6], heap_after: [5, 9, 7], cpu_pct: [1, 2, 3], stw_ms: [0.1, 0.5, 0.2],
    summary: { gcs: 3, peak_heap_mb: 9, avg_cpu_pct: 2, garbage_share: [0.5, 0.25, 0] },
  });
  assert.deepEqual(s, { gcs: 3, forced: 2, peakMb: 9, avgGarbage: 0.25, avgCpu: 2, maxStwMs: 0.5, span: 3 });
  assert.equal(gcSummary({}).gcs, 0, 'defensive about missing fields');
});

test('noise and retention fields are read when present, absent otherwise', () => {
  const rows = topRows({ rows: [{ name: 'a', flat: 10, cum: 20, flat_err: 2, cum_err: 3, alloc_flat: 40, alloc_cum: 80 }, { name: 'b', flat: 1, cum: 1 }] });
  assert.equal(rows[0].flatErr, 2);
  assert.equal(rows[0].cumErr, 3);
  assert.equal(rows[0].allocFlat, 40);
  assert.equal(rows[1].flatErr, null);
  assert.equal(rows[1].allocFlat, null);
  assert.deepEqual(sortRows(rows, 'ret', true).map(r => r.name), ['a', 'b'], 'unknown retention sorts last');
  const fd = buildFlame({ ...FLAME, nodes: { ...FLAME.nodes, err: [5, 4, 3, 2, 1] }, noise: { model: 'poisson', period: 10 } });
  assert.deepEqual(Array.from(fd.err || []), [5, 4, 3, 2, 1]);
  assert.deepEqual(fd.noise, { model: 'poisson', period: 10 });
  assert.equal(buildFlame(FLAME).err, null);
  assert.equal(buildFlame({ ...FLAME, nodes: { ...FLAME.nodes, err: [1] } }).err, null, 'a wrong length is ignored');
});

test('url state: the sandwich view and its function live in the URL, not in server queries', () => {
  const st = parseQuery('?g=lines&view=sandwich&fn=main.f%20x.go%3A12');
  assert.deepEqual(st, { g: 'lines', view: 'sandwich', fn: 'main.f x.go:12' });
  assert.deepEqual(parseQuery(formatQuery(st)), st);
  assert.equal(serverQuery(st), '?g=lines');
  assert.equal(serverChanged(st, withChanges(st, { fn: 'main.g' })), false);
});

test('labels: tag filters combine per key; tagroot/tagleaf/rel are server options, the panel a UI one', async () => {
  const { labelKeys, hasTagFilter, addTagFilter, removeTagFilter, toggleKey, listHas } = await import('../../web/js/model/labels.js');
  const d = labelKeys({
    sample: { type: 'cpu', unit: 'nanoseconds' }, total: 10,
    keys: [{ key: 'h', numeric: false, unit: '', total: 6, values: [{ value: 'a', count: 4, share: 0.666667, filter: 'h=^a$' }, { value: 'b\ufffd', count: 2, share: 0.333333, filter: null }] }],
  });
  assert.deepEqual(d.keys[0].values.map(v => [v.value, v.count, v.filter]), [['a', 4, 'h=^a$'], ['b\ufffd', 2, null]]);
  assert.deepEqual(labelKeys({}).keys, []);
  // string filters of one key: one expression of alternatives (pprof: any of them)
  assert.equal(addTagFilter('', 'h=^a$'), 'h=^a$');
  assert.equal(addTagFilter('h=^a$', 'h=^b\\x2cc$'), 'h=^a$,^b\\x2cc$');
  assert.equal(addTagFilter('h=^a$,^b$', 'h=^a$'), 'h=^a$,^b$', 'already there');
  assert.equal(addTagFilter('h=^a$', 'k=^a$'), 'k=^a$', 'another key replaces');
  assert.equal(addTagFilter('bytes=1024bytes', 'bytes=2048bytes'), 'bytes=2048bytes', 'numeric filters replace');
  assert.equal(addTagFilter('h=a', 'h=^b$'), 'h=^b$', 'free text replaces');
  assert.ok(hasTagFilter('h=^a$,^b$', 'h=^b$'));
  assert.ok(hasTagFilter('bytes=1kb', 'bytes=1kb'));
  assert.ok(!hasTagFilter('h=^a$,^b$', 'k=^b$'));
  assert.ok(!hasTagFilter('', 'h=^a$'));
  assert.equal(removeTagFilter('h=^a$,^b$', 'h=^a$'), 'h=^b$');
  assert.equal(removeTagFilter('h=^a$', 'h=^a$'), '');
  assert.equal(removeTagFilter('bytes=1kb', 'h=^a$'), 'bytes=1kb');
  assert.equal(toggleKey('', 'h'), 'h');
  assert.equal(toggleKey('h,k', 'h'), 'k');
  assert.equal(toggleKey('k', 'h'), 'k,h');
  assert.ok(listHas('a,h', 'h') && !listHas('ah', 'h'));
  const st = parseQuery('?tagroot=h&tagleaf=k&rel=1&labels=1&tf=h%3D%5Ea%24');
  assert.deepEqual(st, { tagroot: 'h', tagleaf: 'k', rel: '1', labels: '1', tf: 'h=^a$' });
  assert.equal(serverQuery(st), '?tf=h%3D%5Ea%24&tagroot=h&tagleaf=k&rel=1');
  assert.deepEqual(parseQuery(formatQuery(st)), st);
  assert.equal(parseQuery('?rel=0&labels=no').rel, undefined);
  assert.equal(serverChanged(st, withChanges(st, { labels: '' })), false);
  assert.equal(serverChanged(st, withChanges(st, { rel: '' })), true);
});
