// @ts-check
// The profile page's "Views" menu: saved views, named sets of view
// parameters (filters, sample type, granularity, the view shown, ...) kept
// by the server (/api/views) and applicable to any profile, like the
// configurations of pprof's web UI. Saving takes the URL's state without
// what belongs to this profile (base, merge, zoom); applying puts a view's
// parameters in the URL (keeping this page's comparison and merge), so the
// result is an ordinary link. /p/<profile>?saved=<view> opens a saved view
// on a profile: the page reads it and replaces the URL with its parameters.

import * as api from '../../api.js';
import { go, parseQuery } from '../../url-state.js';
import { el, replace } from '../../ui/dom.js';
import { showMenu } from '../../ui/menu.js';
import { toast } from '../../ui/toast.js';
import { confirmDialog, openDialog } from '../../ui/dialog.js';
import { FILTERS } from './filters.js';

/** @typedef {import('./header.js').Page} Page */
/** @typedef {import('../../url-state.js').State} State */
/** @typedef {{id: string, name: string, params: Record<string, string>, created: number}} SavedView */

/** URL keys of one profile: never saved; a profile's own are kept when a view is applied. */
const PROFILE_KEYS = ['base', 'norm', 'merge', 'zoom', 'by'];
const KEEP_ON_APPLY = ['base', 'norm', 'merge'];
const NAME_MAX = 100; // limits.c: saved_name (bytes)
/** What each key is called on the page (others show their URL name). */
const LABELS = /** @type {Record<string, string>} */ ({
  si: 'Sample', g: 'Granularity', view: 'View', sort: 'Sort', q: 'Search', fn: 'Function',
  heavy: 'Left heavy', rev: 'Reversed', n: 'Call graph nodes', noinlines: 'Inlined frames merged',
  ...Object.fromEntries(FILTERS.map(([k, l]) => [k, l])),
});

/**
 * The parameters a saved view keeps of a state.
 * @param {State} st
 * @returns {Record<string, string>}
 */
export function savedParams(st) {
  /** @type {Record<string, string>} */
  const p = {};
  for (const [k, v] of Object.entries(st)) if (!PROFILE_KEYS.includes(k) && v !== '') p[k] = v;
  return p;
}

/**
 * The state that applies a saved view's parameters on a page now showing
 * cur: the view's parameters the page knows, plus this page's comparison
 * and merge. A sample type the profile lacks is left out (named in dropped).
 * @param {Record<string, string>} params @param {State} cur
 * @param {any} meta the profile's metadata (null: not known)
 * @returns {{next: State, dropped: string}}
 */
export function stateFor(params, cur, meta) {
  const next = parseQuery(new URLSearchParams(params).toString());
  for (const k of KEEP_ON_APPLY) if (cur[k]) next[k] = cur[k];
  if (next.base && cur.norm) next.norm = cur.norm;
  let dropped = '';
  const types = meta?.sample_types;
  if (next.si && Array.isArray(types)) {
    const n = /^\d+$/.test(next.si) ? Number(next.si) : -1;
    if (!types.some(t => t.type === next.si) && !(n >= 0 && n < types.length)) {
      dropped = next.si;
      delete next.si;
    }
  }
  return { next, dropped };
}

/** "top · f=main g=files", short. @param {Record<string, string>} params */
export function summary(params) {
  const parts = [];
  if (params.view) parts.push(params.view);
  for (const [k, v] of Object.entries(params)) if (k !== 'view') parts.push(`${k}=${v}`);
  const s = parts.join(' · ') || 'defaults';
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/** s in at most n characters (the menu stays narrow). @param {string} s @param {number} n */
const cut = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** A link that opens a saved view on a profile. @param {string} profile @param {string} view */
export function savedLink(profile, view) {
  return new URL(`p/${encodeURIComponent(profile)}?saved=${encodeURIComponent(view)}`, document.baseURI).href;
}

/**
 * @param {Page} page @param {() => any} meta the profile's metadata, null until known
 */
export function savedViews(page, meta) {
  const path = `p/${page.id}`;
  const button = el('button', { type: 'button', class: 'views-btn', 'aria-haspopup': 'menu', title: 'Saved views: save these settings, or apply saved ones', text: 'Views ▾' });

  /** @param {SavedView} v @param {State} cur @param {any} m */
  function apply(v, cur, m, replaceUrl = false) {
    const { next, dropped } = stateFor(v.params, cur, m);
    go(path, next, { replace: replaceUrl });
    toast(dropped ? `“${v.name}” applied; this profile has no sample type ${dropped}: its default is shown` : `“${v.name}” applied`);
  }

  async function openMenu() {
    const r = button.getBoundingClientRect();
    /** @type {import('../../ui/menu.js').MenuItem[]} */
    const items = [{ label: 'Save current view…', action: saveDialog }, '-'];
    try {
      const { views } = await api.listViews();
      if (!views.length) items.push({ label: 'No saved views yet', disabled: true });
      for (const v of views) items.push({ label: cut(v.name, 30), hint: cut(summary(v.params), 22), action: () => apply(v, page.state(), meta()) });
      if (views.length) items.push('-', { label: 'Manage saved views…', action: () => manage(views) });
    } catch (e) {
      items.push({ label: `Saved views are not listed: ${e instanceof Error ? e.message : e}`, disabled: true });
    }
    showMenu(r.left, r.bottom + 2, 'Saved views', items);
  }
  button.addEventListener('click', () => { openMenu(); });

  function saveDialog() {
    const params = savedParams(page.state());
    const name = el('input', { type: 'text', id: 'saved-name', maxlength: String(NAME_MAX), required: true, autocomplete: 'off', placeholder: 'e.g. allocations in handlers' });
    const err = el('div', { class: 'error-box', role: 'alert', hidden: true });
    const list = Object.keys(params).length
      ? el('ul', { class: 'saved-params' }, ...Object.entries(params).map(([k, v]) => el('li', {}, el('span', { class: 'chip-k', text: `${LABELS[k] || k}: ` }), el('code', { text: v }))))
      : el('p', { class: 'muted', text: 'No parameters: the default view.' });
    const form = el('form', { class: 'saved-form' },
      el('label', { class: 'saved-name' }, el('span', { text: 'Name' }), name),
      el('p', { class: 'muted small', text: 'Kept on the server for everyone, applicable to any profile (comparison, merge and zoom stay with each profile):' }),
      list, err,
      el('div', { class: 'dialog-actions' }, el('button', { type: 'submit', class: 'primary', text: 'Save' })));
    const d = openDialog('Save this view', form);
    name.focus();
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const n = name.value.trim();
      if (!n) return;
      try {
        const v = await api.saveView(n, params);
        d.close();
        toast(`Saved “${v.name}”`);
      } catch (x) {
        err.hidden = false;
        err.textContent = x instanceof Error ? x.message : String(x);
      }
    });
  }

  /** @param {SavedView[]} views */
  function manage(views) {
    const body = el('table', { class: 'saved-table' });
    const d = openDialog('Saved views', body);
    const render = (/** @type {SavedView[]} */ vs) => replace(body,
      el('thead', {}, el('tr', {}, el('th', { text: 'Name' }), el('th', { text: 'Parameters' }), el('th', {}))),
      el('tbody', {}, ...vs.map(v => el('tr', { 'data-view': v.id },
        el('td', {}, el('a', { href: savedLink(page.id, v.id), text: v.name, title: 'Open on this profile (a link to share)' })),
        el('td', {}, el('code', { text: summary(v.params), title: JSON.stringify(v.params) })),
        el('td', { class: 'saved-actions' },
          el('button', { type: 'button', text: 'Apply', onclick: () => { d.close(); apply(v, page.state(), meta()); } }),
          el('button', { type: 'button', text: 'Copy link', onclick: () => copy(savedLink(page.id, v.id)) }),
          api.deleteToken(v.id) ? el('button', { type: 'button', class: 'danger', text: 'Delete', onclick: () => del(v, vs, render) }) : null)))));
    render(views);
  }

  /** @param {SavedView} v @param {SavedView[]} vs @param {(vs: SavedView[]) => void} render */
  async function del(v, vs, render) {
    if (!(await confirmDialog('Delete this saved view?', `“${v.name}” will be removed for everyone.`, 'Delete'))) return;
    try {
      await api.deleteView(v.id);
      toast(`Deleted “${v.name}”`);
      render(vs.filter(x => x.id !== v.id));
    } catch (e) {
      toast(e instanceof Error ? e.message : String(e), 'error');
    }
  }

  /** @param {string} url */
  async function copy(url) {
    try {
      await navigator.clipboard.writeText(url);
      toast('Link copied');
    } catch {
      const inp = el('input', { type: 'text', value: url, readonly: true, class: 'copy-field' });
      openDialog('Copy this link', inp);
      inp.select();
    }
  }

  /**
   * The page was opened with ?saved=<id>: read the view and put its
   * parameters in the URL instead (the link's own state is the start).
   * @param {string} id @param {State} start
   */
  async function openLink(id, start) {
    try {
      const [v, m] = await Promise.all([api.getView(id), api.getMeta(page.id).catch(() => null)]);
      apply(v, start, m, true);
    } catch (e) {
      toast(`Saved view not opened: ${e instanceof Error ? e.message : e}`, 'error');
      go(path, start, { replace: true });
    }
  }

  return { button, openLink };
}
