// @ts-check
// Call graph: the server's pprof-style DOT, laid out as SVG by the server's
// Graphviz library (callgraph/layout), or, when the server cannot (more
// nodes than it draws, busy), in the browser by Graphviz compiled to
// WebAssembly (@hpcc-js/wasm-graphviz, embedded under vendor/ at build time
// and loaded only when needed). The SVG is parsed with DOMParser and
// filtered to an allow-list of elements and attributes before it joins the
// page; names only ever appear as SVG text.
// Pan with the mouse, zoom with the wheel or the buttons, click a node to
// focus on it.

import { el, replace, errorBox } from '../ui/dom.js';
import { showMenu } from '../ui/menu.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const ALLOWED = new Set(['svg', 'g', 'title', 'polygon', 'polyline', 'path', 'ellipse', 'circle', 'rect', 'line', 'text', 'tspan', 'a', 'defs']);

/** @type {Promise<any>|null} */
let graphviz = null;

/** Load the layout engine once (about 800 KB, cached as immutable). */
export function loadGraphviz() {
  if (!graphviz) {
    graphviz = import('../../vendor/graphviz.js')
      .then(m => m.Graphviz.load())
      .catch(e => { graphviz = null; throw e; });
  }
  return graphviz;
}

/**
 * Keep only allowed elements and attributes of an SVG element tree parsed
 * apart from the page (DOMParser): no scripts, event handlers, links, styles
 * or ids (an id becomes data-id; an <a> becomes a <g> whose link title is a
 * <title> child); only elements and text. Cleaned where it was parsed, then
 * brought into the page's document in one native copy (building the copy
 * element by element took longer than the rest of the graph's first paint).
 * @param {Element} root @returns {Element|null}
 */
function sanitize(root) {
  if (root.namespaceURI !== SVG_NS || root.localName !== 'svg') return null;
  const doc = /** @type {Document} */ (root.ownerDocument);
  /** @type {Element[]} */
  const todo = [root];
  while (todo.length) {
    const e = /** @type {Element} */ (todo.pop());
    for (const a of Array.from(e.attributes)) {
      const n = a.name.toLowerCase();
      if (n === 'id') e.setAttribute('data-id', a.value);
      if (a.namespaceURI || n === 'id' || n.startsWith('on') || n === 'style' || n.includes('href') || n.startsWith('xmlns') ||
        n === 'title' || a.value.includes('url(') || /javascript:/i.test(a.value)) e.removeAttributeNode(a);
    }
    for (const c of Array.from(e.childNodes)) {
      if (c.nodeType === Node.TEXT_NODE) continue;
      const k = /** @type {Element} */ (c);
      if (c.nodeType !== Node.ELEMENT_NODE || k.namespaceURI !== SVG_NS || !ALLOWED.has(k.localName)) { c.remove(); continue; }
      if (k.localName !== 'a') { todo.push(k); continue; }
      // a link: a group, its title shown through a <title> child
      const g = doc.createElementNS(SVG_NS, 'g');
      const t = k.getAttributeNS('http://www.w3.org/1999/xlink', 'title') || k.getAttribute('title');
      for (const a of Array.from(k.attributes)) if (!a.namespaceURI) g.setAttribute(a.name, a.value);
      if (t) {
        const title = doc.createElementNS(SVG_NS, 'title');
        title.textContent = t;
        g.append(title);
      }
      g.append(...Array.from(k.childNodes));
      k.replaceWith(g);
      todo.push(g);
    }
  }
  return document.importNode(root, true);
}

/**
 * Parse Graphviz's SVG output into a safe SVG element.
 * @param {string} text
 * @returns {SVGSVGElement}
 */
export function safeSvg(text) {
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length) throw new Error('The graph layout produced no SVG.');
  const svg = /** @type {SVGSVGElement} */ (sanitize(root));
  if (!svg) throw new Error('The graph layout produced no SVG.');
  return svg;
}

/**
 * @typedef {object} GraphProps
 * @property {string} dot Graphviz text from the server
 * @property {string} [svg] the same laid out by the server (else the browser lays it out)
 * @property {any} json the same graph as JSON (node names by id)
 * @property {RegExp|null} search highlight matching nodes
 * @property {(name: string) => void} onFocus
 * @property {(name: string) => void} [onSandwich] open a node's callers and callees (Alt+click, right-click)
 * @property {string} fileName for downloads
 * @property {string} [pngUrl] the server's PNG of the same graph
 */

/**
 * @param {HTMLElement} host
 * @param {GraphProps} p
 */
export async function renderGraph(host, p) {
  const status = el('p', { class: 'muted loading', text: 'Laying out the call graph…' });
  replace(host, status);
  const names = new Map();
  for (const n of p.json?.nodes || []) names.set(Number(n.id), String(n.name));

  const t0 = performance.now();
  let svg;
  if (p.svg) {
    try {
      // the server escaped "&" before the layout, as below
      svg = safeSvg(p.svg);
    } catch (e) {
      replace(host, errorBox(e));
      return;
    }
  } else {
    const laid = await layOut(host, p);
    if (!laid) return;
    svg = laid;
  }
  host.dataset.layout = p.svg ? 'server' : 'browser';
  host.dataset.layoutMs = (performance.now() - t0).toFixed(0);
  showGraph(host, p, svg, names);
  performance.mark('hearth:graph-shown');
  // after the frame that shows it
  requestAnimationFrame(() => setTimeout(() => performance.mark('hearth:graph-first-paint')));
}

/**
 * The DOT laid out by the WebAssembly Graphviz (null: shown why not in host).
 * @param {HTMLElement} host @param {GraphProps} p
 * @returns {Promise<SVGSVGElement|null>}
 */
async function layOut(host, p) {
  let gv;
  try {
    gv = await loadGraphviz();
  } catch {
    replace(host, el('div', { class: 'notice' },
      el('p', { text: 'The call graph needs its layout library (@hpcc-js/wasm-graphviz from npm), and this server was built without it: run `npm ci` in the source tree and rebuild.' }),
      el('p', {}, 'The graph itself is available as Graphviz text: ',
        downloadButton('Download .dot', () => new Blob([p.dot], { type: 'text/vnd.graphviz' }), `${p.fileName}.dot`))));
    host.dataset.state = 'no-layout';
    return null;
  }
  try {
    // Graphviz decodes HTML entities in labels ("&lt;" shows as "<"); escape
    // every "&" so names appear exactly as they are ("&" occurs in DOT only
    // inside quoted strings).
    return safeSvg(gv.dot(p.dot.replaceAll('&', '&amp;'), 'svg'));
  } catch (e) {
    replace(host, errorBox(e));
    return null;
  }
}

/**
 * Show a laid-out graph with its tools: pan, zoom, focus, downloads.
 * @param {HTMLElement} host @param {GraphProps} p @param {SVGSVGElement} svg
 * @param {Map<number, string>} names node names by DOT id
 */
function showGraph(host, p, svg, names) {
  const vb0 = (svg.getAttribute('viewBox') || '0 0 100 100').split(/[\s,]+/).map(Number);
  svg.removeAttribute('width');
  svg.removeAttribute('height');
  svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
  svg.classList.add('graph-svg');
  // the page's background shows through (and follows the theme)
  svg.querySelector(':scope > g.graph > polygon')?.setAttribute('fill', 'none');
  let vb = vb0.slice();
  const setVb = () => svg.setAttribute('viewBox', vb.map(v => v.toFixed(2)).join(' '));

  let nodes = 0, edges = 0;
  for (const g of svg.querySelectorAll('g.node')) {
    // Graphviz names each node's group by a <title> holding the DOT node id (N1, N2, ...)
    const m = /^N(\d+)$/.exec(g.querySelector(':scope > title')?.textContent || '');
    if (!m) continue;
    const name = names.get(Number(m[1]));
    if (name === undefined) continue;
    nodes++;
    g.setAttribute('data-name', name);
    g.classList.add('clickable');
  }
  markSearch(svg, p.search);
  edges = svg.querySelectorAll('g.edge').length;

  const viewport = el('div', { class: 'graph-viewport', tabindex: '0', 'aria-label': 'Call graph: drag to pan, wheel to zoom, click a node to focus' });
  viewport.append(svg);
  host.dataset.nodes = String(nodes);
  host.dataset.edges = String(edges);
  host.dataset.state = 'ready';

  /** @param {number} f @param {number} [cx] @param {number} [cy] client point to keep fixed */
  const zoomBy = (f, cx, cy) => {
    const r = viewport.getBoundingClientRect();
    const px = cx === undefined ? 0.5 : (cx - r.left) / r.width;
    const py = cy === undefined ? 0.5 : (cy - r.top) / r.height;
    const nw = Math.min(vb0[2] * 4, Math.max(vb0[2] / 40, vb[2] * f));
    const nh = nw * (vb[3] / vb[2]);
    vb = [vb[0] + (vb[2] - nw) * px, vb[1] + (vb[3] - nh) * py, nw, nh];
    setVb();
  };
  let touched = false;
  const fit = () => {
    // make the viewBox match the viewport's aspect so zooming keeps the point under the pointer
    const r = viewport.getBoundingClientRect();
    const aspect = r.width > 0 && r.height > 0 ? r.width / r.height : vb0[2] / vb0[3];
    let w = vb0[2], h = vb0[3];
    if (w / h < aspect) w = h * aspect; else h = w / aspect;
    vb = [vb0[0] - (w - vb0[2]) / 2, vb0[1] - (h - vb0[3]) / 2, w, h];
    setVb();
  };
  // First view: the whole graph if its text stays readable, else the top
  // (where the callers start) at a readable scale, fitted to the width when possible.
  const READABLE = 0.9; // CSS px per Graphviz point
  const initial = () => {
    const r = viewport.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) return;
    const all = Math.min(r.width / vb0[2], r.height / vb0[3]);
    if (all >= READABLE) { fit(); return; }
    const s = Math.max(all, Math.min(READABLE * 1.3, r.width / vb0[2]), READABLE);
    const w = r.width / s, h = r.height / s;
    vb = [vb0[0] + (vb0[2] - w) / 2, vb0[1], w, h];
    setVb();
  };
  viewport.addEventListener('wheel', e => {
    e.preventDefault();
    zoomBy(Math.exp(e.deltaY * 0.0015), e.clientX, e.clientY);
  }, { passive: false });
  let drag = null;
  viewport.addEventListener('pointerdown', e => {
    if (e.button !== 0) return;
    drag = { x: e.clientX, y: e.clientY, vb: vb.slice(), moved: false };
    viewport.setPointerCapture(e.pointerId);
  });
  viewport.addEventListener('pointermove', e => {
    if (!drag) return;
    const r = viewport.getBoundingClientRect();
    const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
    if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
    if (!drag.moved) return;
    const s = Math.max(vb[2] / r.width, vb[3] / r.height);
    vb = [drag.vb[0] - dx * s, drag.vb[1] - dy * s, vb[2], vb[3]];
    setVb();
    viewport.classList.add('dragging');
  });
  viewport.addEventListener('pointerup', e => {
    const d = drag;
    drag = null;
    viewport.classList.remove('dragging');
    if (!d || d.moved) return;
    const t = /** @type {Element} */ (document.elementFromPoint(e.clientX, e.clientY));
    const g = t?.closest?.('g.node[data-name]');
    if (g && e.altKey && p.onSandwich) p.onSandwich(g.getAttribute('data-name') || '');
    else if (g) p.onFocus(g.getAttribute('data-name') || '');
  });
  viewport.addEventListener('contextmenu', e => {
    const g = /** @type {Element} */ (e.target)?.closest?.('g.node[data-name]');
    if (!g) return;
    e.preventDefault();
    const name = g.getAttribute('data-name') || '';
    showMenu(e.clientX, e.clientY, name, [
      { label: 'Focus on this function', hint: 'f=', action: () => p.onFocus(name) },
      ...(p.onSandwich ? [{ label: 'Callers and callees', hint: 'Alt+click', action: () => p.onSandwich?.(name) }] : []),
    ]);
  });
  viewport.addEventListener('keydown', e => {
    if (e.key === '+' || e.key === '=') zoomBy(0.8);
    else if (e.key === '-') zoomBy(1.25);
    else if (e.key === '0') fit();
  });

  const serialize = () => {
    const copy = /** @type {SVGSVGElement} */ (svg.cloneNode(true));
    copy.setAttribute('xmlns', SVG_NS);
    copy.setAttribute('viewBox', vb0.join(' '));
    copy.setAttribute('width', `${vb0[2]}pt`);
    copy.setAttribute('height', `${vb0[3]}pt`);
    return new Blob([new XMLSerializer().serializeToString(copy)], { type: 'image/svg+xml' });
  };
  const tools = el('div', { class: 'graph-tools' },
    el('button', { type: 'button', title: 'Zoom in (+)', 'aria-label': 'Zoom in', text: '+', onclick: () => zoomBy(0.8) }),
    el('button', { type: 'button', title: 'Zoom out (−)', 'aria-label': 'Zoom out', text: '−', onclick: () => zoomBy(1.25) }),
    el('button', { type: 'button', title: 'Fit (0)', text: 'Fit', onclick: fit }),
    downloadButton('Download SVG', serialize, `${p.fileName}.svg`),
    p.pngUrl ? el('a', { class: 'download button', href: p.pngUrl, download: `${p.fileName}.png`, title: `Download ${p.fileName}.png (drawn by the server)`, text: 'Download PNG' }) : null,
    downloadButton('Download DOT', () => new Blob([p.dot], { type: 'text/vnd.graphviz' }), `${p.fileName}.dot`),
    el('span', { class: 'muted', text: `${nodes} nodes, ${edges} edges · drag to pan, wheel to zoom, click a node to focus` }));
  replace(host, tools, viewport);
  let fitted = fitLabels(svg);
  initial();
  for (const t of ['wheel', 'pointerdown', 'keydown']) viewport.addEventListener(t, () => { touched = true; });
  tools.addEventListener('click', () => { touched = true; });
  new ResizeObserver(() => {
    if (!fitted) fitted = fitLabels(svg); // laid out while hidden: measure once shown
    if (!touched) initial();
  }).observe(viewport);
}

/**
 * Graphviz sizes each box with its own font metrics; the browser's font may
 * be wider, so a line that would cross its box's edge (the legend's long
 * lines, long names) gets the smaller font size that fits.
 * @param {SVGSVGElement} svg in the page
 * @returns {boolean} whether the text could be measured (the SVG is shown)
 */
function fitLabels(svg) {
  const PAD = 3; // SVG units kept between a line and its box's edge
  let measured = false;
  // every measure first, then every change: a change between two measures
  // would lay the whole graph out again for the next one
  /** @type {[Element, number][]} */
  const sizes = [];
  for (const g of svg.querySelectorAll('g.node')) {
    const shape = g.querySelector('polygon, ellipse, path');
    if (!(shape instanceof SVGGraphicsElement)) continue;
    const box = shape.getBBox();
    if (!(box.width > 0)) continue;
    measured = true;
    const left = box.x + PAD, right = box.x + box.width - PAD;
    for (const t of g.querySelectorAll('text')) {
      const w = /** @type {SVGTextContentElement} */ (t).getComputedTextLength(), x = Number(t.getAttribute('x'));
      const anchor = t.getAttribute('text-anchor') || 'start';
      const room = anchor === 'middle' ? 2 * Math.min(x - left, right - x) : anchor === 'end' ? x - left : right - x;
      if (!(w > room) || !(room > 0)) continue;
      const size = parseFloat(t.getAttribute('font-size') || '14') || 14;
      sizes.push([t, Math.floor((size * room / w) * 100) / 100]);
    }
  }
  for (const [t, size] of sizes) t.setAttribute('font-size', size.toFixed(2));
  return measured;
}

/**
 * Highlight the nodes whose names match a search (null: none).
 * @param {Element} root the host or the SVG @param {RegExp|null} re
 * @returns {number} matching nodes
 */
export function markSearch(root, re) {
  let n = 0;
  for (const g of root.querySelectorAll('g.node[data-name]')) {
    let m = false;
    if (re) { re.lastIndex = 0; m = re.test(g.getAttribute('data-name') || ''); }
    g.classList.toggle('match', !!re && m);
    g.classList.toggle('nomatch', !!re && !m);
    if (m) n++;
  }
  return n;
}

/**
 * A button that downloads a blob made on demand.
 * @param {string} label @param {() => Blob} make @param {string} file
 */
function downloadButton(label, make, file) {
  return el('button', {
    type: 'button', class: 'download', title: `Download ${file}`, text: label,
    onclick: () => {
      const url = URL.createObjectURL(make());
      const a = el('a', { href: url, download: file });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    },
  });
}
