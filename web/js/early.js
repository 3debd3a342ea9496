// Before the modules load (a classic script in <head>): on a profile page,
// ask at once for the answers the page's first view will ask for, so the
// server works (or a cached answer travels) while the browser is still
// loading the modules. api.js takes such a response, once, when it asks for
// the very same URL; a guess that misses (another width's resolution, a
// state this script does not model) is just never used. The URLs follow
// url-state.js's serverQuery() and api.js's paths.
// It also preloads the modules that the page (index.html preloads the
// profile page's) or the profile's view opened loads on demand.
(function () {
  if (typeof fetch !== 'function' || typeof Map !== 'function' || typeof URLSearchParams !== 'function') return;
  var SERVER_KEYS = ['si', 'g', 'f', 'i', 'h', 's', 'sf', 'tf', 'ti', 'n', 'nf', 'ef', 'noinlines', 'base', 'norm', 'merge', 'tagroot', 'tagleaf', 'rel'];
  // the modules beyond index.html's that each page, and each profile view, imports
  // (tests/web/modules.test.mjs keeps these lists equal to the imports)
  var MODULES = {
    home: ['js/pages/home.js'],
    series: ['js/pages/series.js', 'js/panes/gc.js', 'js/panes/memory.js', 'js/ui/chart.js'],
    gctrace: ['js/pages/gctrace.js', 'js/panes/gc.js', 'js/ui/chart.js'],
    group: ['js/pages/group.js', 'js/model/group.js', 'js/panes/gc.js', 'js/panes/memory.js', 'js/ui/chart.js'],
    top: ['js/panes/top.js'],
    graph: ['js/panes/graph.js'],
    sandwich: ['js/pages/profile/sandwich.js', 'js/panes/sandwich.js'],
  };
  var preload = function (what) {
    var list = Object.prototype.hasOwnProperty.call(MODULES, what) ? MODULES[what] : [];
    for (var k = 0; k < list.length; k++) {
      var l = document.createElement('link');
      l.rel = 'modulepreload';
      l.href = list[k];
      document.head.appendChild(l);
    }
  };
  var base = new URL('.', document.baseURI).pathname;
  var path = location.pathname.indexOf(base) === 0 ? location.pathname.slice(base.length) : location.pathname.replace(/^\//, '');
  var r = /^([sgc])\/[A-Za-z0-9_-]{1,64}\/?$/.exec(path);
  if (r || path === '') preload(r ? { s: 'series', g: 'gctrace', c: 'group' }[r[1]] : 'home');
  var m = /^p\/([A-Za-z0-9_-]{1,64})\/?$/.exec(path);
  if (!m) return;
  var p = new URLSearchParams(location.search);
  var view = p.get('view') || 'flame';
  preload(view);
  if (p.get('saved')) return;
  var q = new URLSearchParams();
  for (var k = 0; k < SERVER_KEYS.length; k++) {
    var key = SERVER_KEYS[k], v = p.get(key);
    if (v === null || v === '') continue;
    // flags the page normalises: leave those states to the page
    if (key === 'noinlines' || key === 'norm' || key === 'rel') return;
    q.set(key, v);
  }
  var api = 'api/profiles/' + m[1];
  var qs = q.toString();
  var url = '', url2 = '';
  if (view === 'top') {
    // the first screen of rows (api.js getTopPage, loaders.js TOP_PAGE), in the table's sort;
    // a search needs every row
    var sort = p.get('sort') || '';
    if (!/^-?(flat|flatp|sum|cum|cump|name|base|new|ret)$/.test(sort) || sort === 'flat') sort = '';
    url = api + '/top' + (qs ? '?' + qs : '');
    if (!p.get('q')) url += (qs ? '&' : '?') + 'limit=100' + (sort ? '&sort=' + sort : '');
  }
  else if (view === 'graph') url = api + '/callgraph/layout' + (qs ? '?' + qs : '');
  else if (view === 'sandwich') {
    if (!p.get('fn')) return;
    var fn = p.get('fn') || '';
    // and the peek table of fn as an exact name (pages/profile/sandwich.js asks for both)
    var q2 = new URLSearchParams(q.toString());
    q2.set('peek', '^' + fn.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&') + '$');
    url2 = api + '/peek?' + q2.toString();
    q.set('fn', fn);
    url = api + '/sandwich?' + q.toString();
  } else if (view === 'flame' || !/^(flame|top|graph|sandwich)$/.test(view)) {
    // model/flame.js's minFractionFor(1, width): one resolution per power of two of the
    // width, and the flame graph is the page's width less its margins
    var px = Math.max(100, document.documentElement.clientWidth - 40);
    var want = 1 / (2 * px);
    q.set('mf', String(want > 1e-7 ? Math.pow(2, Math.floor(Math.log2(want))) : 0));
    url = api + '/flamegraph?' + q.toString();
  }
  var early = new Map();
  early.set(api, fetch(api));
  if (url) early.set(url, fetch(url));
  if (url2) early.set(url2, fetch(url2));
  // a failed request is the page's to report when it asks again
  early.forEach(function (r, u) { r.catch(function () { early.delete(u); }); });
  window.hearthEarly = early;
})();
