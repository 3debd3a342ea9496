// @ts-check
// The sandwich view of one function: its callers as an inverted flame graph
// above its own bar, its callees as a flame graph below, and pprof's peek
// table (callers, the function, callees with edge weights). Both graphs are
// the flame graph's renderer (panes/flame.js) on the server's two trees
// (GET .../sandwich); the trees' synthetic root row is kept out of sight,
// so each starts at the function itself. A click on a frame, or on a
// caller/callee in the table, moves the sandwich to that function.

import { nameOf, ROW_H } from '../model/flame.js';
import { formatValue, formatPercent, formatDelta, formatChange } from '../model/format.js';
import { el } from '../ui/dom.js';
import { FlameView } from './flame.js';

/** @typedef {import('../model/flame.js').FlameData} FlameData */

/** Rows a graph shows before it scrolls. */
const MAX_ROWS = 18;

/**
 * A flame graph whose root row is hidden and that may be drawn upside down
 * (callers: the function at the bottom, callers growing upwards), with
 * clicks that pivot instead of zooming. Only the canvas transform differs;
 * labels are drawn upright.
 */
export class PivotFlame extends FlameView {
  /**
   * @param {HTMLElement} host
   * @param {import('./flame.js').FlameHandlers & {onPivot: (name: string) => void}} handlers
   * @param {boolean} invert
   */
  constructor(host, handlers, invert) {
    super(host, handlers);
    this.invert = invert;
    this.onPivot = handlers.onPivot;
    const real = this.ctx;
    this.realCtx = real;
    const self = this;
    this.canvas.dataset.invert = invert ? '1' : '';
    // upside down, the wheel scrolls the other way: up shows the callers further up
    if (invert) {
      this.scroll.addEventListener('wheel', e => {
        if (e.defaultPrevented || !e.deltaY || e.ctrlKey) return;
        e.preventDefault();
        this.scroll.scrollTop -= e.deltaY;
      }, { passive: false });
    }
    this.ctx = /** @type {CanvasRenderingContext2D} */ (new Proxy(real, {
      get(t, k) {
        if (k === 'setTransform') {
          return (/** @type {number} */ a, /** @type {number} */ _b, /** @type {number} */ _c, /** @type {number} */ d) => {
            const shift = ROW_H * d;
            if (self.invert) t.setTransform(a, 0, 0, -d, 0, (self.cssH + ROW_H) * d);
            else t.setTransform(a, 0, 0, d, 0, -shift);
          };
        }
        if (k === 'fillText' && self.invert) {
          return (/** @type {string} */ s, /** @type {number} */ x, /** @type {number} */ y) => {
            t.save();
            t.translate(x, y);
            t.scale(1, -1);
            t.fillText(s, 0, 0);
            t.restore();
          };
        }
        const v = /** @type {any} */ (t)[k];
        return typeof v === 'function' ? v.bind(t) : v;
      },
      set(t, k, v) {
        /** @type {any} */ (t)[k] = v;
        return true;
      },
    }));
  }

  drawNow() {
    // the transform moves the drawing by a row: paint the whole canvas first
    const c = this.realCtx;
    if (c) {
      const bg = getComputedStyle(this.host).getPropertyValue('--flame-bg').trim() || '#ffffff';
      c.setTransform(1, 0, 0, 1, 0, 0);
      c.fillStyle = bg;
      c.fillRect(0, 0, this.canvas.width, this.canvas.height);
    }
    super.drawNow();
  }

  /** @param {MouseEvent} e */
  frameAt(e) {
    const r = this.canvas.getBoundingClientRect();
    const y = e.clientY - r.top;
    const cy = this.invert ? this.cssH + ROW_H - y : y + ROW_H;
    const i = super.frameAt(/** @type {MouseEvent} */ ({ clientX: e.clientX, clientY: r.top + cy }));
    return i > 0 ? i : -1;
  }

  /** @param {number} i */
  tipContent(i) {
    const box = super.tipContent(i);
    const hint = box.querySelector('.tip-hint');
    if (hint) hint.textContent = 'Click: callers and callees of this function · right-click for more';
    return box;
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const i = this.frameAt(e);
    if (i <= 0 || !this.fd) return;
    this.onPivot(nameOf(this.fd, i));
  }

  /**
   * New data; the graph is as tall as its deepest path (up to MAX_ROWS rows).
   * @param {FlameData} fd
   */
  setData(fd) {
    const rows = Math.max(1, Math.min(MAX_ROWS, fd.maxDepth));
    this.host.style.height = `${rows * ROW_H + 2}px`;
    super.setData(fd, '');
    this.resize();
  }
}

/**
 * The function's own bar: its name(s), flat and cum (both sides in a diff).
 * @param {any} j the sandwich answer
 */
export function pivotBar(j) {
  const unit = j.sample?.unit || '';
  const total = Number(j.total) || 0;
  const names = Array.isArray(j.matched) ? j.matched : [];
  const title = names.length === 1 ? names[0] : `${names.length} functions matching ${j.fn}`;
  const parts = [];
  if (j.diff) {
    const bc = Number(j.base_cum) || 0, bf = Number(j.base_flat) || 0;
    parts.push(`cum ${formatValue(bc, unit)} → ${formatValue(bc + j.cum, unit)} (${formatDelta(j.cum, unit)}, ${formatChange(bc, bc + j.cum)})`);
    parts.push(`flat ${formatValue(bf, unit)} → ${formatValue(bf + j.flat, unit)} (${formatDelta(j.flat, unit)})`);
  } else {
    const e = (/** @type {any} */ v) => (Number(v) > 0 ? ` ± ${formatValue(Number(v), unit)}` : '');
    parts.push(`cum ${formatValue(j.cum, unit)}${e(j.cum_err)} (${formatPercent(j.cum, total)})`);
    parts.push(`flat ${formatValue(j.flat, unit)}${e(j.flat_err)} (${formatPercent(j.flat, total)})`);
  }
  const bar = el('div', { class: 'sw-bar', role: 'heading', 'aria-level': '2' },
    el('span', { class: 'sw-arrow', 'aria-hidden': 'true', text: '▲ callers' }),
    el('span', { class: 'sw-name', title, text: title }),
    el('span', { class: 'sw-vals', text: parts.join(' · ') }),
    el('span', { class: 'sw-arrow', 'aria-hidden': 'true', text: 'callees ▼' }));
  bar.dataset.cum = String(j.cum);
  bar.dataset.flat = String(j.flat);
  if (j.diff) { bar.dataset.baseCum = String(j.base_cum); bar.dataset.baseFlat = String(j.base_flat); }
  return bar;
}

/**
 * pprof's peek table: for each matched node its callers (edge weight and
 * share of the node's cum), the node (flat, flat%, sum%, cum, cum%), its
 * callees. A click on a caller or callee moves the sandwich there.
 * @param {any} j the peek answer @param {(name: string) => void} onPivot
 */
export function renderPeek(j, onPivot) {
  const unit = j.sample?.unit || '';
  const total = Number(j.total) || 0;
  const fv = (/** @type {number} */ v) => (j.diff && v > 0 ? '+' : '') + formatValue(v, unit);
  const body = el('tbody');
  const fnBtn = (/** @type {string} */ name, /** @type {boolean} */ inl) => {
    const b = el('button', { type: 'button', class: 'fn', title: 'Callers and callees of this function', text: name || '(unnamed)' });
    b.addEventListener('click', () => onPivot(name));
    return el('td', { class: 'name' }, b, inl ? el('span', { class: 'badge', text: 'inline' }) : null);
  };
  const num = (/** @type {string} */ t, /** @type {number|null} */ v = null) =>
    el('td', { class: 'num', 'data-v': v === null ? undefined : String(v), text: t });
  for (const n of Array.isArray(j.nodes) ? j.nodes : []) {
    for (const e of n.callers || []) {
      body.append(el('tr', { class: 'peek-caller' }, num(''), num(''), num(''), num(''), num(''),
        num(fv(e.weight), e.weight), num(formatPercent(e.weight, n.cum)), fnBtn(e.name, e.inline)));
    }
    const nameCell = el('td', { class: 'name peek-self' }, el('span', { text: n.name }),
      n.inline ? el('span', { class: 'badge', text: n.inline === 2 ? 'partial-inline' : 'inline' }) : null);
    body.append(el('tr', { class: 'peek-node' },
      num(fv(n.flat), n.flat), num(formatPercent(n.flat, total)), num(formatPercent(n.sum, total)),
      num(fv(n.cum), n.cum), num(formatPercent(n.cum, total)), num(''), num(''), nameCell));
    for (const e of n.callees || []) {
      body.append(el('tr', { class: 'peek-callee' }, num(''), num(''), num(''), num(''), num(''),
        num(fv(e.weight), e.weight), num(formatPercent(e.weight, n.cum)), fnBtn(e.name, e.inline)));
    }
  }
  const cols = ['flat', 'flat%', 'sum%', 'cum', 'cum%', 'calls', 'calls%', 'callers above, callees below'];
  return el('table', { class: 'top-table peek-table' },
    el('thead', {}, el('tr', {}, ...cols.map((c, k) => el('th', { class: k === 7 ? 'name' : 'num', scope: 'col', text: c })))),
    body);
}
