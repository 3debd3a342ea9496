// @ts-check
// Boot: theme, the app bar, and the route: "/" is the home page, "/p/<id>"
// a profile, "/s/<id>" a series of snapshots, "/g/<id>" a GC trace, "/c/<id>"
// a capture group (several processes side by side). Each
// page lives in pages/ (a page never imports another); the views they show
// (flame graph, top table, call graph, GC charts) are in panes/.
// Navigation inside the app uses the history API (url-state.js); a change
// of route remounts the page. Each page's modules load when its route is
// first shown (index.html preloads the profile page's, js/early.js the
// page's of the route opened).

import { el, replace } from './ui/dom.js';
import { initTheme, bindThemeButton } from './ui/theme.js';
import { onChange } from './url-state.js';

/**
 * Each page's module and its mount function: mount(app, id) returns the
 * unmount function (home's, a promise of nothing).
 * @type {Record<string, () => Promise<(app: HTMLElement, id: string) => any>>}
 */
const LOAD = {
  home: () => import('./pages/home.js').then(m => m.mountHome),
  profile: () => import('./pages/profile.js').then(m => m.mountProfile),
  series: () => import('./pages/series.js').then(m => m.mountSeries),
  gctrace: () => import('./pages/gctrace.js').then(m => m.mountGctrace),
  group: () => import('./pages/group.js').then(m => m.mountGroup),
};

performance.mark('hearth:main'); // the module graph loaded (tests/web/early.test.mjs)
initTheme();

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
bindThemeButton(/** @type {HTMLButtonElement} */ (document.getElementById('theme')));

const PAGES = /** @type {Record<string, string>} */ ({ p: 'profile', s: 'series', g: 'gctrace', c: 'group' });

/** The app's path relative to the server's base path ("", "p/<id>"). */
function route() {
  const base = new URL('.', document.baseURI).pathname;
  const p = location.pathname.startsWith(base) ? location.pathname.slice(base.length) : location.pathname.replace(/^\//, '');
  const m = /^([psgc])\/([A-Za-z0-9_-]{1,64})\/?$/.exec(p);
  return m ? { name: PAGES[m[1]], id: m[2] } : { name: 'home', id: '' };
}

/** @type {(() => void)|null} */
let unmount = null;
let mounted = '';

async function mount() {
  const r = route();
  const key = `${r.name}:${r.id}`;
  if (key === mounted) return;
  mounted = key;
  unmount?.();
  unmount = null;
  replace(app);
  scrollTo(0, 0);
  let mountPage;
  try {
    mountPage = await LOAD[r.name]();
  } catch (e) {
    if (mounted === key) app.append(el('p', { class: 'error', text: `This page could not be loaded: ${/** @type {any} */ (e)?.message || e}` }));
    return;
  }
  if (mounted !== key) return; // the route changed meanwhile
  if (r.name === 'home') {
    mountPage(app, '').catch((/** @type {any} */ e) => app.append(el('p', { class: 'error', text: String(e?.message || e) })));
  } else {
    unmount = mountPage(app, r.id);
  }
}

onChange(() => mount());
mount();
