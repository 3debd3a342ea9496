// @ts-check
// DOM helpers. Text from profiles only ever reaches the page through text
// nodes and attribute values set with setAttribute: never as HTML. There is
// deliberately no way to pass a style attribute (the CSP forbids inline
// styles); set element.style properties instead.

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string|number|boolean|undefined|null|EventListener>} [attrs]
 *   attributes; `class`; `text` (textContent); `on<event>` functions; false/null/undefined are skipped
 * @param {...(Node|string|null|undefined|false)} kids
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'style') throw new Error('el(): no style attributes (CSP)');
    if (k === 'text') e.textContent = String(v);
    else if (k.startsWith('on') && typeof v === 'function') e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids) if (k !== null && k !== undefined && k !== false) e.append(k);
  return e;
}

/**
 * Remove every child.
 * @param {Node} n
 */
export function clear(n) {
  while (n.firstChild) n.removeChild(n.firstChild);
}

/**
 * Replace an element's children.
 * @param {Element} n @param {...(Node|string|null|undefined|false)} kids
 */
export function replace(n, ...kids) {
  clear(n);
  for (const k of kids) if (k !== null && k !== undefined && k !== false) n.append(k);
}

/**
 * A message box for errors: the server's message as text.
 * @param {unknown} e
 */
export function errorBox(e) {
  const msg = e instanceof Error ? e.message : String(e);
  return el('div', { class: 'error-box', role: 'alert' }, msg);
}

/**
 * Is the keyboard focus in something that takes text?
 * @param {EventTarget|null} t
 */
export function typing(t) {
  if (!(t instanceof HTMLElement)) return false;
  return t.isContentEditable || t instanceof HTMLInputElement || t instanceof HTMLTextAreaElement || t instanceof HTMLSelectElement;
}

/**
 * The page for an id the server does not know (HTTP 404), as the server's
 * own not-found page (web/404.html) shows it; null for any other error.
 * @param {unknown} e the API's error @param {string} what "profile", "series", "GC trace"
 */
export function notFoundCard(e, what) {
  if (!(e instanceof Error) || /** @type {any} */ (e).status !== 404) return null;
  document.title = 'Not found · Hearth';
  return el('section', { class: 'card not-found' },
    el('h1', { text: 'Not found' }),
    el('p', { class: 'not-found-what', text: `There is no ${what} at this address: it may have been deleted${what === 'profile' ? ', or removed by the server\'s retention' : ''}.` }),
    el('p', {}, el('a', { class: 'button primary', href: './', text: 'All profiles' })));
}
