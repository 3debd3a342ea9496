// @ts-check
// Profile page (/p/<id>): the header (profile/header.js), the toolbar
// (sample type, granularity, filters, search, view tabs), the diff bar and
// the three views (profile/loaders.js). The URL is the only source of
// truth: controls call page.change() with new values, and update() brings
// the page in line with whatever state the URL holds (also after
// back/forward, and for a link opened elsewhere).

import * as api from '../api.js';
import { go, onChange, withChanges, serverChanged, current } from '../url-state.js';
import { matchNames, matchTotals } from '../model/flame.js';
import { compileSearch } from '../model/search.js';
import { formatPercent, groupDigits } from '../model/format.js';
import { el, replace, errorBox, typing, notFoundCard } from '../ui/dom.js';
import { closeMenu, menuOpen } from '../ui/menu.js';
import { hideTip } from '../ui/tooltip.js';
import { profileHeader } from './profile/header.js';
import { diffBar } from './profile/diff-bar.js';
import { mergeBar } from './profile/merge-bar.js';
import { filters } from './profile/filters.js';
import { labelsPanel } from './profile/labels.js';
import { flameLoader, topLoader, graphLoader } from './profile/loaders.js';
import { savedViews } from './profile/saved-views.js';

const GRANULARITIES = [
  ['functions', 'Functions'], ['filefunctions', 'File:function'], ['files', 'Files'], ['lines', 'Lines'], ['addresses', 'Addresses'],
];
/**
 * The Callers/callees view, its modules loaded when it is first shown
 * (js/early.js preloads them for a link that opens it).
 * @param {import('./profile/header.js').Page} page @param {HTMLElement} pane
 * @param {import('./profile/loaders.js').Hooks} hooks
 * @param {(action: string, name: string) => void} onAction
 */
function lazySandwich(page, pane, hooks, onAction) {
  /** @type {ReturnType<typeof import('./profile/sandwich.js').sandwichLoader>|null} */
  let view = null;
  /** @type {Promise<void>|null} */
  let loading = null;
  let gone = false;
  return {
    load() {
      if (view) { view.load(); return; }
      loading ||= import('./profile/sandwich.js').then(m => {
        if (gone) return;
        replace(pane);
        view = m.sandwichLoader(page, pane, hooks, onAction);
        if (page.state().view === 'sandwich') view.load();
      }, e => {
        loading = null;
        replace(pane, errorBox(e));
      });
    },
    applySearch: () => view?.applySearch(),
    destroy() { gone = true; view?.destroy(); },
  };
}

const VIEW_LABELS = /** @type {const} */ ([['flame', 'Flame graph'], ['top', 'Top'], ['graph', 'Call graph'], ['sandwich', 'Callers/callees']]);

/**
 * @param {HTMLElement} app
 * @param {string} id
 * @returns {() => void} unmount
 */
export function mountProfile(app, id) {
  const path = `p/${id}`;
  /** @type {import('../url-state.js').State} */
  let st = current();
  /** @type {import('./profile/header.js').Page} */
  const page = {
    id,
    state: () => st,
    change: (changes, o) => go(path, withChanges(st, changes), o),
  };

  /* ---- skeleton ---- */
  const header = profileHeader(page);
  const siSel = el('select', { 'aria-label': 'Sample type', id: 'si' });
  const gSel = el('select', { 'aria-label': 'Granularity', id: 'g' },
    ...GRANULARITIES.map(([v, l]) => el('option', { value: v, text: l })));
  const searchIn = el('input', {
    type: 'search', id: 'search', placeholder: 'Search (regex)  /', 'aria-label': 'Search functions (regex)',
    autocomplete: 'off', spellcheck: 'false',
  });
  const searchInfo = el('span', { class: 'search-info', 'aria-live': 'polite' });
  const searchPivot = el('button', { type: 'button', class: 'search-pivot', hidden: true, title: 'Callers and callees of the matching functions', text: '⇅ callers/callees' });
  const flt = filters(page);
  const views = savedViews(page, () => header.meta());
  const labels = labelsPanel(page);
  const tabs = el('div', { class: 'tabs', role: 'tablist' },
    ...VIEW_LABELS.map(([v, l]) => el('button', { type: 'button', role: 'tab', 'data-view': v, text: l })));
  const toolbar = el('div', { class: 'toolbar' },
    el('label', { class: 'field' }, el('span', { text: 'Sample' }), siSel),
    el('label', { class: 'field' }, el('span', { text: 'Granularity' }), gSel),
    flt.button,
    views.button,
    labels.button,
    el('div', { class: 'search' }, searchIn, searchInfo, searchPivot),
    tabs);
  const diff = diffBar(page);
  const merged = mergeBar(page);
  const panes = {
    flame: el('div', { class: 'pane pane-flame', role: 'tabpanel', 'data-view': 'flame' }),
    top: el('div', { class: 'pane pane-top', role: 'tabpanel', 'data-view': 'top' }),
    graph: el('div', { class: 'pane pane-graph', role: 'tabpanel', 'data-view': 'graph' }),
    sandwich: el('div', { class: 'pane pane-sandwich', role: 'tabpanel', 'data-view': 'sandwich' }),
  };
  // only the URL's view shown from the start (a hidden one lays nothing out while the page builds)
  for (const [k, p] of Object.entries(panes)) p.hidden = k !== (st.view || 'flame');
  const content = el('div', { class: 'content' }, panes.flame, panes.top, panes.graph, panes.sandwich);
  replace(app, el('div', { class: 'profile' }, header.el, toolbar, flt.form, flt.chips, merged.el, diff.el,
    el('div', { class: 'profile-body' }, content, labels.el)));
  app.classList.add('fill');

  /* ---- views ---- */
  /** @type {import('./profile/loaders.js').Hooks} */
  const hooks = {
    setTotal: (total, fd, unit) => header.setTotal(total, fd, unit || top.unit()),
    noiseSeen: v => diff.noiseSeen(v),
    applySearch: () => applySearch(),
  };
  const profileName = () => header.meta()?.name || id;
  const top = topLoader(page, panes.top, hooks, profileName);
  const flame = flameLoader(page, panes.flame, hooks, top, profileName);
  const graph = graphLoader(page, panes.graph, hooks,
    () => `${(header.meta()?.name || id).replace(/[^\w.-]+/g, '_')}-callgraph`);
  const sandwich = lazySandwich(page, panes.sandwich, hooks, (action, name) => flame.view.handlers.onAction(/** @type {any} */ (action), name));

  /* ---- search ---- */
  function applySearch() {
    const { re, error } = compileSearch(st.q || '');
    searchIn.classList.toggle('invalid', !!error);
    searchIn.title = error ? `Invalid regex: ${error}` : '';
    const view = st.view || 'flame';
    // a search opens the matching functions' callers and callees (RE2 takes (?i) for the
    // case-insensitive search of lower-case text)
    searchPivot.hidden = !re || view === 'sandwich';
    searchPivot.onclick = () => page.change({ view: 'sandwich', fn: (re?.flags.includes('i') ? '(?i)' : '') + (st.q || '') });
    if (error) { searchInfo.textContent = 'invalid regex'; searchPivot.hidden = true; return; }
    if (view === 'flame') {
      const fd = flame.data();
      if (!fd) return;
      if (!re) { flame.view.setSearch(null); searchInfo.textContent = ''; return; }
      const m = matchNames(fd, re);
      flame.view.setSearch(m);
      const t = matchTotals(fd, m);
      searchInfo.textContent = t.frames
        ? `${groupDigits(t.frames)} frames, ${formatPercent(t.value, t.whole)} of total`
        : 'no match';
      searchInfo.dataset.share = String(t.whole ? t.value / t.whole : 0);
    } else if (view === 'sandwich') {
      sandwich.applySearch();
      searchInfo.textContent = '';
    } else if (view === 'graph') {
      const n = graph.markSearch(re);
      searchInfo.textContent = re ? (n ? `${n} nodes` : 'no match') : '';
    } else {
      searchInfo.textContent = '';
    }
  }
  let searchTimer = 0;
  searchIn.addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = window.setTimeout(() => page.change({ q: searchIn.value }, { replace: true }), 120);
  });
  searchIn.addEventListener('keydown', e => {
    if (e.key === 'Enter') { clearTimeout(searchTimer); page.change({ q: searchIn.value }, { replace: true }); }
  });

  /* ---- toolbar ---- */
  function syncControls() {
    const meta = header.meta();
    if (meta) siSel.value = st.si || meta.default_sample_type || siSel.value;
    gSel.value = st.g || 'functions';
    if (document.activeElement !== searchIn) searchIn.value = st.q || '';
    const view = st.view || 'flame';
    for (const b of tabs.querySelectorAll('button')) {
      const on = b.getAttribute('data-view') === view;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
    }
    for (const [k, p] of Object.entries(panes)) p.hidden = k !== view;
    flt.sync();
    labels.sync();
  }

  siSel.addEventListener('change', () => page.change({ si: siSel.value }));
  gSel.addEventListener('change', () => page.change({ g: gSel.value === 'functions' ? '' : gSel.value, zoom: '' }));
  tabs.addEventListener('click', e => {
    const b = /** @type {Element} */ (e.target).closest?.('button[data-view]');
    if (b) page.change({ view: b.getAttribute('data-view') === 'flame' ? '' : b.getAttribute('data-view') || '' });
  });
  tabs.addEventListener('keydown', e => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const order = VIEW_LABELS.map(v => v[0]);
    const i = order.indexOf(/** @type {any} */ (st.view || 'flame'));
    const next = order[(i + (e.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length];
    page.change({ view: next === 'flame' ? '' : next });
    /** @type {HTMLElement|null} */ (tabs.querySelector(`[data-view="${next}"]`))?.focus();
  });

  /* ---- keyboard ---- */
  /** @param {KeyboardEvent} e */
  const onKey = e => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    if (document.querySelector('dialog[open]')) return;
    if (e.key === '/' && !typing(e.target)) {
      e.preventDefault();
      searchIn.focus();
      searchIn.select();
    } else if (e.key === 'Escape') {
      if (menuOpen()) { closeMenu(); return; }
      hideTip();
      if (e.target === searchIn) {
        e.preventDefault();
        if (searchIn.value) { searchIn.value = ''; page.change({ q: '' }, { replace: true }); }
        searchIn.blur();
        return;
      }
      if (typing(e.target)) return;
      if (flt.closeIfOpen()) return;
      // the flame graph: undo a wheel zoom, else zoom out one level
      if ((st.view || 'flame') === 'flame' && flame.view.unzoomStep()) return;
      if (st.q) page.change({ q: '' });
    }
  };
  addEventListener('keydown', onKey);

  /* ---- state ---- */
  /**
   * Bring the page in line with a state.
   * @param {import('../url-state.js').State} next
   */
  function update(next) {
    const prev = st;
    st = next;
    syncControls();
    const fresh = serverChanged(prev, st);
    if (fresh) diff.reset();
    diff.render();
    merged.render();
    const view = st.view || 'flame';
    if (fresh) header.resetTotal();
    if (view === 'flame') flame.show((prev.zoom || '') !== (st.zoom || ''));
    else if (view === 'top') top.load();
    else if (view === 'sandwich') sandwich.load();
    else graph.load();
    if (view !== 'flame') applySearch();
    labels.load();
  }

  const off = onChange(s => update(s));
  // first render: header once the metadata arrives, data at once
  diff.render();
  merged.render();
  syncControls();
  const start = st;
  st = {};
  // a saved view's link (?saved=ID): its parameters replace the URL's, then the page loads
  const savedId = new URLSearchParams(location.search).get('saved');
  if (savedId) views.openLink(savedId, start);
  else update(start);
  api.getMeta(id).then(m => {
    header.setMeta(m);
    replace(siSel, ...(m.sample_types || []).map((/** @type {any} */ t) => el('option', { value: t.type, text: `${t.type} (${t.unit})` })));
    syncControls();
    const fd = flame.data();
    header.setTotal(fd && !fd.diff ? fd.grandTotal : null, fd);
  }).catch(e => {
    replace(app, notFoundCard(e, 'profile') || el('section', { class: 'card' }, el('h1', { text: 'Profile not available' }), errorBox(e), el('p', {}, el('a', { href: './', text: 'All profiles' }))));
  });

  return () => {
    off();
    removeEventListener('keydown', onKey);
    flame.destroy();
    top.destroy();
    graph.destroy();
    sandwich.destroy();
    labels.destroy();
    diff.destroy();
    app.classList.remove('fill');
  };
}
