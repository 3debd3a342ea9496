// @ts-check
// Boot: theme, the app bar, and the route: "/" is the home page, "/p/<id>"
// a profile, "/s/<id>" a series of snapshots, "/g/<id>" a GC trace, "/c/<id>"
// a capture group (several processes side by side). Each
// page lives in pages/ (a page never imports another); the views they show
// (flame graph, top table, call graph, GC charts) are in panes/.
// Navigation inside the app uses the history API (url-state.js); a change
// of route remounts the page.

import { el, replace } from './ui/dom.js';
import { initTheme, bindThemeButton } from './ui/theme.js';
import { onChange } from './url-state.js';
import { mountHome } from './pages/home.js';
import { mountProfile } from './pages/profile.js';
import { mountSeries } from './pages/series.js';
import { mountGctrace } from './pages/gctrace.js';
import { mountGroup } from './pages/group.js';

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

function mount() {
  const r = route();
  const key = `${r.name}:${r.id}`;
  if (key === mounted) return;
  mounted = key;
  unmount?.();
  unmount = null;
  replace(app);
  scrollTo(0, 0);
  if (r.name === 'profile') {
    unmount = mountProfile(app, r.id);
  } else if (r.name === 'series') {
    unmount = mountSeries(app, r.id);
  } else if (r.name === 'gctrace') {
    unmount = mountGctrace(app, r.id);
  } else if (r.name === 'group') {
    unmount = mountGroup(app, r.id);
  } else {
    mountHome(app).catch(e => app.append(el('p', { class: 'error', text: String(e?.message || e) })));
  }
}

onChange(() => mount());
mount();
