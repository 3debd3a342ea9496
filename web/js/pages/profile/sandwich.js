// @ts-check
// The profile page's "Callers/callees" view (view=sandwich&fn=NAME): the
// sandwich of the URL's function under the URL's options (granularity,
// filters, base), and its peek table. fn is a printed name (as the flame
// graph, the top table and the call graph show it) or, when no name is
// exactly that, a regex (RE2) naming several functions.

import * as api from '../../api.js';
import { serverQuery } from '../../url-state.js';
import { buildFlame, matchNames } from '../../model/flame.js';
import { compileSearch, exactRegex } from '../../model/search.js';
import { el, replace, errorBox } from '../../ui/dom.js';
import { latest, isAbort } from '../../loader.js';
import { PivotFlame, pivotBar, renderPeek } from '../../panes/sandwich.js';

/**
 * @param {import('./header.js').Page} page @param {HTMLElement} pane
 * @param {import('./loaders.js').Hooks} hooks
 * @param {(action: string, name: string) => void} onAction the flame graph's context-menu actions
 */
export function sandwichLoader(page, pane, hooks, onAction) {
  const pivot = (/** @type {string} */ name) => page.change({ view: 'sandwich', fn: name });
  const handlers = { onZoom: () => {}, onAction: /** @type {any} */ (onAction), onPivot: pivot };
  const msg = el('div', { class: 'pane-msg' });
  const upHost = el('div', { class: 'flame-host sw-up' });
  const downHost = el('div', { class: 'flame-host sw-down' });
  const barHost = el('div', { class: 'sw-bar-host' });
  const peekHost = el('div', { class: 'sw-peek' });
  const input = el('input', {
    type: 'search', class: 'sw-input', placeholder: 'Function name or regex', 'aria-label': 'Function for callers and callees',
    autocomplete: 'off', spellcheck: 'false',
  });
  const form = el('form', { class: 'sw-form' },
    el('label', { class: 'field' }, el('span', { text: 'Function' }), input),
    el('button', { type: 'submit', text: 'Show' }),
    el('span', { class: 'muted small', text: 'Also: right-click a frame (or Alt+click), a ⇅ button in Top, a call-graph node, or a search.' }));
  form.addEventListener('submit', e => { e.preventDefault(); if (input.value) pivot(input.value); });
  const graphs = el('div', { class: 'sw-graphs' }, upHost, barHost, downHost);
  const scroll = el('div', { class: 'sw-scroll' }, graphs, peekHost);
  pane.append(form, msg, scroll);
  const up = new PivotFlame(upHost, handlers, true);
  const down = new PivotFlame(downHost, handlers, false);
  up.canvas.setAttribute('aria-label', 'Callers (inverted flame graph)');
  down.canvas.setAttribute('aria-label', 'Callees (flame graph)');
  let key = '\u0000';
  /** @type {{up: any, down: any}|null} */
  let data = null;
  const slot = latest();

  async function load() {
    const st = page.state();
    if (document.activeElement !== input) input.value = st.fn || '';
    if (!st.fn) {
      key = '\u0000';
      data = null;
      scroll.hidden = true;
      replace(msg, el('p', { class: 'notice', text: 'Choose a function: type its name (or a regex) above, or open this view from a frame\u2019s menu in the flame graph, a row of Top, a call-graph node or a search.' }));
      return;
    }
    const q = serverQuery(st, { fn: st.fn });
    if (q === key) { applySearch(); up.resize(); down.resize(); return; }
    key = q;
    pane.classList.add('loading');
    try {
      // the peek table of fn as an exact name (what links give) is asked for at the same
      // time; a regex fn is known only from the answer's matched names
      const guessRe = exactRegex(st.fn);
      /** @type {Promise<any>|null} */
      let guess = null;
      const j = await slot.run(signal => {
        guess = api.getPeek(page.id, serverQuery(st, { peek: guessRe }), signal);
        guess.catch(() => {});
        return api.getSandwich(page.id, q, signal);
      });
      const names = Array.isArray(j.matched) ? j.matched : [];
      const peekRe = names.length === 1 && names[0] === st.fn ? guessRe : st.fn;
      pane.dataset.query = q;
      scroll.hidden = false;
      if (!names.length) {
        replace(msg, el('p', { class: 'notice', text: `No function named or matching \u201c${st.fn}\u201d has samples in this view: check the filters, the granularity or the name.` }));
        scroll.hidden = true;
      } else {
        replace(msg);
      }
      data = { up: buildFlame(j.callers || {}), down: buildFlame(j.callees || {}) };
      up.setData(data.up);
      down.setData(data.down);
      replace(barHost, pivotBar(j));
      replace(peekHost, el('span'));
      hooks.setTotal(j.diff ? null : Number(j.total) || 0, null, j.sample?.unit);
      if (j.flat_err || j.cum_err) hooks.noiseSeen(true);
      applySearch();
      pane.classList.remove('loading');
      // then the peek table
      const pk = names.length ? await slot.run(signal => (peekRe === guessRe && guess ? guess : api.getPeek(page.id, serverQuery(st, { peek: peekRe }), signal))) : null;
      replace(peekHost, pk ? renderPeek(pk, pivot) : el('span'));
    } catch (e) {
      if (isAbort(e)) return;
      key = '\u0000';
      scroll.hidden = true;
      replace(msg, errorBox(e));
    }
    pane.classList.remove('loading');
  }

  /** Mark the search box's matches in both graphs. */
  function applySearch() {
    if (!data) return;
    const { re } = compileSearch(page.state().q || '');
    up.setSearch(re ? matchNames(data.up, re) : null);
    down.setSearch(re ? matchNames(data.down, re) : null);
  }

  return {
    load, applySearch,
    destroy() {
      up.destroy();
      down.destroy();
      slot.abort();
    },
  };
}
