// @ts-check
// Every piece of view state lives in the URL: the server's view options
// under pprof's web UI names (si, g, f, i, h, s, sf, tf, ti, n, nf, ef,
// noinlines, base, norm, merge: profiles merged into this one, tagroot and
// tagleaf: label keys as pseudo frames, rel: relative percentages) plus the UI's
// own: view, zoom (a frame key, see model/flame.js), q (search regex), sort
// (top table), by (the series page's growth: flat or cum), heavy and rev (the
// flame graph's left-heavy order and reversed, bottom-up form: "1" when on)
// fn (the sandwich view's function) and labels (the labels panel open: "1").
// parseQuery/formatQuery are pure; go()/onChange() touch the history.

/** Options passed to the server, in the order they appear in URLs. */
export const SERVER_KEYS = /** @type {const} */ (['si', 'g', 'f', 'i', 'h', 's', 'sf', 'tf', 'ti', 'n', 'nf', 'ef', 'noinlines', 'base', 'norm', 'merge', 'tagroot', 'tagleaf', 'rel']);
/** The UI's own state. */
export const UI_KEYS = /** @type {const} */ (['view', 'zoom', 'q', 'sort', 'by', 'heavy', 'rev', 'fn', 'labels']);
export const VIEWS = /** @type {const} */ (['flame', 'top', 'graph', 'sandwich']);

/** @typedef {Record<string, string>} State */

/**
 * State from a query string; unknown keys are dropped, empty values are
 * kept only where presence means something (noinlines, norm).
 * @param {string} search "?si=..." or "si=..."
 * @returns {State}
 */
export function parseQuery(search) {
  const p = new URLSearchParams(search);
  /** @type {State} */
  const st = {};
  for (const k of [...SERVER_KEYS, ...UI_KEYS]) {
    const v = p.get(k);
    if (v === null) continue;
    if (v === '' && k !== 'noinlines' && k !== 'norm') continue;
    st[k] = k === 'noinlines' || k === 'norm' ? (v === '' || /^(1|true|t|yes|on)$/i.test(v) ? '1' : '') : v;
    if (st[k] === '') delete st[k];
  }
  // the flame graph's options, relative percentages and the labels panel are on ("1") or absent
  for (const k of ['heavy', 'rev', 'rel', 'labels']) if (st[k] !== undefined && !/^(1|true|t|yes|on)$/i.test(st[k])) delete st[k]; else if (st[k]) st[k] = '1';
  if (st.view && !VIEWS.includes(/** @type {any} */ (st.view))) delete st.view;
  if (st.norm && !st.base) delete st.norm;
  return st;
}

/**
 * Query string for a state, keys in a fixed order, empty values left out
 * ("" when nothing is set, else "?...").
 * @param {State} st @param {readonly string[]} [keys]
 */
export function formatQuery(st, keys = [...SERVER_KEYS, ...UI_KEYS]) {
  const p = new URLSearchParams();
  for (const k of keys) {
    const v = st[k];
    if (v === undefined || v === '') continue;
    if (k === 'view' && v === 'flame') continue;
    p.set(k, v);
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

/**
 * The server's options only (for API requests), plus extras such as mf.
 * @param {State} st @param {Record<string,string>} [extra] @param {{noBase?: boolean}} [opt]
 */
export function serverQuery(st, extra = {}, opt = {}) {
  /** @type {State} */
  const s = { ...st };
  if (opt.noBase) { delete s.base; delete s.norm; }
  const q = formatQuery(s, SERVER_KEYS);
  const p = new URLSearchParams(q);
  for (const [k, v] of Object.entries(extra)) p.set(k, v);
  const out = p.toString();
  return out ? `?${out}` : '';
}

/**
 * The state with some keys changed; undefined or "" removes a key.
 * @param {State} st @param {Record<string, string|undefined>} changes
 * @returns {State}
 */
export function withChanges(st, changes) {
  /** @type {State} */
  const out = { ...st };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined || v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * Does a change between two states need new data from the server?
 * @param {State} a @param {State} b
 */
export function serverChanged(a, b) {
  return SERVER_KEYS.some(k => (a[k] || '') !== (b[k] || ''));
}

/* ---- history (browser only) ---- */

/** @type {Set<(st: State) => void>} */
const listeners = new Set();
let hooked = false;

/**
 * The current state of the page's URL.
 * @returns {State}
 */
export function current() {
  return parseQuery(location.search);
}

/**
 * Move to a new state: a new history entry (push) or an in-place update
 * (replace, for typing in the search box). Listeners run afterwards.
 * @param {string} path relative to the document's base, e.g. "p/<id>"
 * @param {State} st @param {{replace?: boolean}} [opt]
 */
export function go(path, st, opt = {}) {
  const url = new URL(path + formatQuery(st), document.baseURI);
  if (url.href === location.href) return;
  if (opt.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const f of listeners) f(parseQuery(url.search));
}

/**
 * Call f with the new state after go() and on back/forward.
 * @param {(st: State) => void} f
 */
export function onChange(f) {
  listeners.add(f);
  if (!hooked) {
    hooked = true;
    addEventListener('popstate', () => { const st = current(); for (const g of listeners) g(st); });
  }
  return () => listeners.delete(f);
}
