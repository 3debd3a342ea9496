// @ts-check
// Flame graph on a canvas (root at the top, like pprof's web UI).
//
// Drawing walks the pre-order arrays once and skips any subtree that is
// off screen, below the visible rows or narrower than a third of a pixel,
// so the cost follows what is visible, not the profile's size. Rectangles
// are batched per fill style, labels drawn in a second pass. The canvas is
// as tall as the scroll box (position: sticky) and rows scroll under it, so
// deep stacks never need a huge canvas. Everything is in CSS pixels scaled
// by devicePixelRatio, so it is crisp on HiDPI screens.

import {
  ROW_H, frameValues, nameOf, hitTest, pathTo, frameKey, findFrame, fitLabel,
} from '../model/flame.js';
import { frameColor, diffClass, diffColor, fadedColor, noiseColor } from '../model/colors.js';
import { withinNoise, pct } from '../model/series.js';
import { formatValue, formatPercent, formatDelta, formatChange } from '../model/format.js';
import { el, replace } from '../ui/dom.js';
import { showTip, hideTip } from '../ui/tooltip.js';
import { showMenu } from '../ui/menu.js';
import { isDark } from '../ui/theme.js';

const FONT = '12px ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace';
const FONT_ITALIC = `italic ${FONT}`;
const ANIM_MS = 220;

/** @typedef {import('../model/flame.js').FlameData} FlameData */

/**
 * @typedef {object} FlameHandlers
 * @property {(key: string) => void} onZoom a frame was chosen (its key; "" for the root)
 * @property {(action: 'focus'|'ignore'|'hide'|'show_from'|'search'|'sandwich', name: string) => void} onAction context-menu action
 */

let firstPaintMarked = false;

export class FlameView {
  /**
   * @param {HTMLElement} host
   * @param {FlameHandlers} handlers
   */
  constructor(host, handlers) {
    this.host = host;
    this.handlers = handlers;
    /** @type {FlameData|null} */
    this.fd = null;
    this.zoom = 0;
    this.zoomKey = '';
    /** view window in value units */
    this.vx0 = 0;
    this.vw = 1;
    /** @type {{from: [number, number], to: [number, number], t0: number}|null} */
    this.anim = null;
    this.hover = -1;
    /** @type {Uint8Array|null} name index -> matches the search */
    this.match = null;
    /** @type {(string|undefined)[]} fill style per string index (normal mode) */
    this.nameColors = [];
    /** @type {string[]|null} fill style per frame (diff mode) */
    this.diffColors = null;
    this.cssW = 0;
    this.cssH = 0;
    this.raf = 0;
    this.draws = 0;
    /** @type {Map<string, {inuse: number, alloc: number}>|null} function -> in use and allocated (heap) */
    this.retention = null;
    this.retentionUnit = '';

    this.crumbs = el('nav', { class: 'crumbs', 'aria-label': 'Zoom path' });
    this.canvas = el('canvas', { class: 'flame-canvas', role: 'img', 'aria-label': 'Flame graph', tabindex: '0' });
    this.spacer = el('div', { class: 'flame-spacer' });
    this.scroll = el('div', { class: 'flame-scroll' }, this.canvas, this.spacer);
    host.append(this.crumbs, this.scroll);
    const ctx = this.canvas.getContext('2d', { alpha: false });
    if (!ctx) throw new Error('This browser cannot draw on a canvas.');
    this.ctx = ctx;

    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(this.scroll);
    this.scroll.addEventListener('scroll', () => this.schedule(), { passive: true });
    this.canvas.addEventListener('mousemove', e => this.onMove(e));
    this.canvas.addEventListener('mouseleave', () => this.setHover(-1));
    this.canvas.addEventListener('click', e => this.onClick(e));
    this.canvas.addEventListener('contextmenu', e => this.onContext(e));
    this.onTheme = () => { this.nameColors = []; this.diffColors = null; this.schedule(); };
    addEventListener('hearth:theme', this.onTheme);
    this.resize();
  }

  destroy() {
    this.ro.disconnect();
    removeEventListener('hearth:theme', this.onTheme);
    cancelAnimationFrame(this.raf);
    hideTip();
    this.host.replaceChildren();
  }

  /**
   * Each function's in-use and allocated values, for the tooltips (null: none).
   * @param {Map<string, {inuse: number, alloc: number}>|null} map @param {string} unit of the allocations
   */
  setRetention(map, unit) {
    this.retention = map;
    this.retentionUnit = unit;
    this.canvas.dataset.retention = map ? '1' : '';
  }

  /** Width of the drawing area in CSS pixels. */
  width() {
    return this.cssW || this.scroll.clientWidth;
  }

  /**
   * New data (a new view, or the same at a finer resolution); keeps the zoom by key.
   * @param {FlameData} fd @param {string} zoomKey
   */
  setData(fd, zoomKey) {
    hideTip();
    this.fd = fd;
    this.nameColors = [];
    this.diffColors = null;
    this.match = null;
    this.hover = -1;
    this.zoomKey = zoomKey;
    this.zoom = fd.n ? findFrame(fd, zoomKey).node : 0;
    this.anim = null;
    this.vx0 = fd.n ? fd.x0[this.zoom] : 0;
    this.vw = fd.n ? fd.width[this.zoom] || 1 : 1;
    this.spacer.style.height = `${Math.max(0, (fd.maxDepth + 2) * ROW_H - this.cssH)}px`;
    this.renderCrumbs();
    this.canvas.dataset.nodes = String(fd.n);
    this.drawNow();
  }

  /**
   * Zoom to a frame by key, animated unless told otherwise.
   * @param {string} key @param {boolean} [animate]
   */
  setZoom(key, animate = true) {
    const fd = this.fd;
    this.zoomKey = key;
    if (!fd || !fd.n) return;
    const z = findFrame(fd, key).node;
    this.zoom = z;
    const to = /** @type {[number, number]} */ ([fd.x0[z], fd.width[z] || 1]);
    if (animate && (to[0] !== this.vx0 || to[1] !== this.vw) && !matchMedia('(prefers-reduced-motion: reduce)').matches) {
      this.anim = { from: [this.vx0, this.vw], to, t0: performance.now() };
    } else {
      this.anim = null;
      [this.vx0, this.vw] = to;
    }
    // keep the zoomed frame's row in sight
    const y = fd.depth[z] * ROW_H;
    if (y < this.scroll.scrollTop || y > this.scroll.scrollTop + this.cssH - 3 * ROW_H) {
      this.scroll.scrollTop = Math.max(0, y - 2 * ROW_H);
    }
    this.renderCrumbs();
    this.schedule();
  }

  /** The zoomed frame's index. */
  zoomNode() {
    return this.zoom;
  }

  /**
   * Highlight frames whose names match (null: no search).
   * @param {Uint8Array|null} nameMatch
   */
  setSearch(nameMatch) {
    this.match = nameMatch;
    this.schedule();
  }

  resize() {
    const w = Math.max(1, Math.floor(this.scroll.clientWidth));
    const h = Math.max(1, Math.floor(this.scroll.clientHeight));
    const dpr = window.devicePixelRatio || 1;
    if (w === this.cssW && h === this.cssH && this.canvas.width === Math.round(w * dpr)) return;
    this.cssW = w;
    this.cssH = h;
    this.canvas.width = Math.round(w * dpr);
    this.canvas.height = Math.round(h * dpr);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    if (this.fd) this.spacer.style.height = `${Math.max(0, (this.fd.maxDepth + 2) * ROW_H - h)}px`;
    this.drawNow();
    this.host.dispatchEvent(new CustomEvent('flame:resize', { detail: { width: w } }));
  }

  schedule() {
    if (!this.raf) this.raf = requestAnimationFrame(() => { this.raf = 0; this.drawNow(); });
  }

  renderCrumbs() {
    const fd = this.fd;
    if (!fd || !fd.n) { replace(this.crumbs); return; }
    const path = pathTo(fd, this.zoom);
    const items = [];
    const show = path.length > 7 ? [...path.slice(0, 2), -1, ...path.slice(-4)] : path;
    for (const i of show) {
      if (i < 0) { items.push(el('span', { class: 'crumb-gap', text: '…' })); continue; }
      const label = i === 0 ? 'all' : nameOf(fd, i);
      const current = i === this.zoom;
      const b = el('button', {
        type: 'button', class: current ? 'crumb current' : 'crumb', title: i === 0 ? 'Whole profile' : label,
        'aria-current': current ? 'true' : undefined, text: label || '(unnamed)',
      });
      b.addEventListener('click', () => this.handlers.onZoom(frameKey(fd, i)));
      items.push(b);
    }
    if (path.length > 1) items.push(el('span', { class: 'crumb-hint', text: 'Esc: whole profile' }));
    replace(this.crumbs, ...items);
  }

  /* ---- drawing ---- */

  /** @param {number} i */
  colorOf(i) {
    const fd = /** @type {FlameData} */ (this.fd);
    const dark = isDark();
    if (this.match && !this.match[fd.name[i]]) return fadedColor(dark);
    if (fd.diff && fd.baseTotal) {
      if (!this.diffColors) this.diffColors = new Array(fd.n);
      let c = this.diffColors[i];
      if (c === undefined) {
        const v = frameValues(fd, i);
        if (fd.err && withinNoise(v.deltaTotal, fd.err[i])) {
          c = this.diffColors[i] = noiseColor(dark);
        } else {
          const k = diffClass(v.baseTotal, v.total);
          c = this.diffColors[i] = diffColor(k.sign, k.step, dark);
        }
      }
      return c;
    }
    const s = fd.name[i];
    let c = this.nameColors[s];
    if (c === undefined) c = this.nameColors[s] = frameColor(fd.strings[s] ?? '', dark);
    return c;
  }

  drawNow() {
    const t0 = performance.now();
    const fd = this.fd;
    const ctx = this.ctx;
    const dpr = this.canvas.width / Math.max(1, this.cssW);
    const W = this.cssW, H = this.cssH;
    const css = getComputedStyle(this.host);
    const bg = css.getPropertyValue('--flame-bg').trim() || (isDark() ? '#16181d' : '#ffffff');
    const fg = css.getPropertyValue('--flame-text').trim() || (isDark() ? '#eceff4' : '#1b1d22');
    const fgFaded = css.getPropertyValue('--flame-text-faded').trim() || '#8a8f98';
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = bg;
    ctx.fillRect(0, 0, W, H);
    if (!fd || !fd.n) return;

    let animating = false;
    if (this.anim) {
      const a = this.anim;
      let t = (performance.now() - a.t0) / ANIM_MS;
      if (t >= 1) { t = 1; this.anim = null; } else animating = true;
      const e = t < 0.5 ? 4 * t * t * t : 1 - (-2 * t + 2) ** 3 / 2;
      const l = a.from[0] + (a.to[0] - a.from[0]) * e;
      const r = a.from[0] + a.from[1] + (a.to[0] + a.to[1] - a.from[0] - a.from[1]) * e;
      this.vx0 = l;
      this.vw = Math.max(1e-12, r - l);
    }
    const scale = W / this.vw, vx0 = this.vx0;
    const top = this.scroll.scrollTop;
    const firstRow = Math.floor(top / ROW_H), lastRow = Math.ceil((top + H) / ROW_H);
    const zd = fd.depth[this.zoom];
    const { x0, width, depth, end, n } = fd;

    ctx.font = FONT;
    const charW = ctx.measureText('abcdefghijklmnopqrstuvwxyz0123456789').width / 36 || 7;
    /** @type {Map<string, number[]>} */
    const batches = new Map();
    /** @type {(string|number)[]} text, x, y, italic?, faded? */
    const labels = [];
    /** @type {number[]} */
    const inlineMarks = [];
    /** @type {number[]} */
    const ancestors = [];
    let drawn = 0;

    for (let i = 0; i < n;) {
      const w = width[i] * scale;
      if (w < 0.3) { i = end[i]; continue; }
      const x = (x0[i] - vx0) * scale;
      if (x >= W || x + w <= 0) { i = end[i]; continue; }
      const d = depth[i];
      if (d > lastRow) { i = end[i]; continue; }
      if (d >= firstRow) {
        const rx = Math.max(0, x), rr = Math.min(W, x + w);
        const rw = rr - rx;
        const y = d * ROW_H - top;
        if (d < zd && i <= this.zoom && this.zoom < end[i]) {
          ancestors.push(i, rx, y, rw);
        } else {
          const style = this.colorOf(i);
          let b = batches.get(style);
          if (!b) batches.set(style, b = []);
          b.push(rx, y, rw > 2 ? rw - 1 : rw);
        }
        drawn++;
        if (rw > 22) {
          const text = fitLabel(i === 0 ? 'root' : nameOf(fd, i), Math.floor((rw - 6) / charW));
          if (text) labels.push(text, rx + 3, y + ROW_H / 2, fd.inline[i], this.match && !this.match[fd.name[i]] ? 1 : 0);
        }
        if (fd.inline[i] && rw >= 6) inlineMarks.push(rx, y);
      }
      i++;
    }
    for (const [style, b] of batches) {
      ctx.fillStyle = style;
      for (let k = 0; k < b.length; k += 3) ctx.fillRect(b[k], b[k + 1], b[k + 2], ROW_H - 1);
    }
    if (ancestors.length) {
      ctx.globalAlpha = 0.55;
      for (let k = 0; k < ancestors.length; k += 4) {
        ctx.fillStyle = this.colorOf(ancestors[k]);
        ctx.fillRect(ancestors[k + 1], ancestors[k + 2], ancestors[k + 3], ROW_H - 1);
      }
      ctx.globalAlpha = 1;
    }
    if (inlineMarks.length) {
      ctx.fillStyle = css.getPropertyValue('--flame-inline').trim() || '#5a3fc0';
      ctx.beginPath();
      for (let k = 0; k < inlineMarks.length; k += 2) {
        const x = inlineMarks[k], y = inlineMarks[k + 1];
        ctx.moveTo(x, y);
        ctx.lineTo(x + 6, y);
        ctx.lineTo(x, y + 6);
        ctx.closePath();
      }
      ctx.fill();
    }
    ctx.textBaseline = 'middle';
    for (let italic = 0; italic < 2; italic++) {
      ctx.font = italic ? FONT_ITALIC : FONT;
      for (let k = 0; k < labels.length; k += 5) {
        if (labels[k + 3] !== italic) continue;
        ctx.fillStyle = labels[k + 4] ? fgFaded : fg;
        ctx.fillText(/** @type {string} */ (labels[k]), /** @type {number} */ (labels[k + 1]), /** @type {number} */ (labels[k + 2]) + 0.5);
      }
    }
    if (this.hover >= 0 && this.hover < n) {
      const i = this.hover;
      const x = Math.max(0, (x0[i] - vx0) * scale), r = Math.min(W, (x0[i] + width[i] - vx0) * scale);
      const y = depth[i] * ROW_H - top;
      ctx.strokeStyle = fg;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(x + 0.75, y + 0.75, Math.max(1, r - x - 1.5), ROW_H - 2.5);
    }

    this.draws++;
    const ms = performance.now() - t0;
    const ds = this.canvas.dataset;
    ds.painted = '1';
    ds.draws = String(this.draws);
    ds.lastDrawMs = ms.toFixed(2);
    ds.drawn = String(drawn);
    if (!firstPaintMarked) {
      firstPaintMarked = true;
      performance.mark('hearth:flame-first-paint');
    }
    if (animating) this.schedule();
  }

  /* ---- pointer ---- */

  /** @param {MouseEvent} e */
  frameAt(e) {
    const fd = this.fd;
    if (!fd || !fd.n) return -1;
    const r = this.canvas.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top + this.scroll.scrollTop;
    const d = Math.floor(y / ROW_H);
    const zd = fd.depth[this.zoom];
    if (d < zd) {
      // the dimmed rows above the zoomed frame are its ancestors
      const path = pathTo(fd, this.zoom);
      return path[d] ?? -1;
    }
    const i = hitTest(fd, this.vx0 + (x / this.cssW) * this.vw, d);
    return i;
  }

  /** @param {number} i */
  setHover(i) {
    if (i < 0) hideTip();
    if (i === this.hover) return;
    this.hover = i;
    this.canvas.style.cursor = i >= 0 ? 'pointer' : '';
    this.schedule();
  }

  /** @param {MouseEvent} e */
  onMove(e) {
    const i = this.frameAt(e);
    this.setHover(i);
    if (i >= 0) showTip(e.clientX, e.clientY, this.tipContent(i));
  }

  /** @param {number} i */
  tipContent(i) {
    const fd = /** @type {FlameData} */ (this.fd);
    const unit = fd.sample.unit;
    const v = frameValues(fd, i);
    const name = i === 0 ? 'root' : nameOf(fd, i);
    const rows = [];
    const row = (/** @type {string} */ k, /** @type {string} */ val, /** @type {string} */ cls = '') =>
      rows.push(el('dt', { text: k }), el('dd', { class: cls, text: val }));
    const err = fd.err ? fd.err[i] : 0;
    const pm = err > 0 ? ` ± ${formatValue(err, unit)}` : '';
    const noisy = fd.diff && !!fd.err && withinNoise(v.deltaTotal, err);
    if (fd.diff) {
      row('Total', `${formatValue(v.baseTotal, unit)} → ${formatValue(v.total, unit)}`);
      row('Delta', `${formatDelta(v.deltaTotal, unit)}${pm} (${formatChange(v.baseTotal, v.total)})`,
        noisy ? 'noise' : v.deltaTotal > 0 ? 'grow' : v.deltaTotal < 0 ? 'shrink' : '');
      row('Self', `${formatValue(v.baseSelf, unit)} → ${formatValue(v.self, unit)} (${formatDelta(v.deltaSelf, unit)})`);
      row('Base', `${formatValue(v.baseTotal, unit)} total, ${formatValue(v.baseSelf, unit)} self`);
      row('New', `${formatValue(v.total, unit)} total, ${formatValue(v.self, unit)} self`);
    } else {
      row('Total', `${formatValue(v.total, unit)}${pm} (${formatPercent(v.total, fd.grandTotal || fd.total[0])})`);
      row('Self', `${formatValue(v.self, unit)} (${formatPercent(v.self, fd.grandTotal || fd.total[0])})`);
      const rt = i > 0 && this.retention ? this.retention.get(name) : undefined;
      if (rt && rt.alloc > 0) {
        row('Retained', `${pct(rt.inuse / rt.alloc)} of ${formatValue(rt.alloc, this.retentionUnit || unit)} allocated (function)`);
      }
      if (this.zoom !== 0 && i !== this.zoom && fd.depth[i] > fd.depth[this.zoom]) {
        row('Of zoomed', formatPercent(v.total, fd.total[this.zoom]));
      }
    }
    const box = el('div', { class: 'tip-frame' },
      el('div', { class: 'tip-name', text: name || '(unnamed)' }),
      fd.inline[i] ? el('div', { class: 'tip-note', text: 'inlined' }) : null,
      el('dl', {}, ...rows),
      noisy ? el('div', { class: 'tip-noise', text: 'within sampling noise' }) : null,
      el('div', { class: 'tip-hint', text: 'Click to zoom · right-click for more' }));
    box.dataset.name = name;
    box.dataset.total = String(v.total);
    box.dataset.self = String(v.self);
    if (fd.diff) {
      box.dataset.base = String(v.baseTotal);
      box.dataset.delta = String(v.deltaTotal);
    }
    if (err > 0) box.dataset.err = String(err);
    if (noisy) box.dataset.noise = '1';
    return box;
  }

  /** @param {MouseEvent} e */
  onClick(e) {
    const i = this.frameAt(e);
    if (i < 0 || !this.fd) return;
    hideTip();
    if (e.altKey && i > 0) { this.handlers.onAction('sandwich', nameOf(this.fd, i)); return; } // pivot
    this.handlers.onZoom(i === this.zoom && i !== 0 ? frameKey(this.fd, this.fd.parent[i]) : frameKey(this.fd, i));
  }

  /** @param {MouseEvent} e */
  onContext(e) {
    const i = this.frameAt(e);
    if (i < 0 || !this.fd) return;
    e.preventDefault();
    hideTip();
    const fd = this.fd;
    const name = nameOf(fd, i);
    const act = this.handlers.onAction;
    if (i === 0) {
      showMenu(e.clientX, e.clientY, 'root', [{ label: 'Show the whole profile', action: () => this.handlers.onZoom('') }]);
      return;
    }
    showMenu(e.clientX, e.clientY, name, [
      { label: 'Zoom into this frame', action: () => this.handlers.onZoom(frameKey(fd, i)) },
      '-',
      { label: 'Focus on this function', hint: 'f=', action: () => act('focus', name) },
      { label: 'Ignore this function', hint: 'i=', action: () => act('ignore', name) },
      { label: 'Hide this function', hint: 'h=', action: () => act('hide', name) },
      { label: 'Show from this function', hint: 'sf=', action: () => act('show_from', name) },
      '-',
      { label: 'Callers and callees', hint: 'Alt+click', action: () => act('sandwich', name) },
      { label: 'Highlight matches', hint: 'search', action: () => act('search', name) },
      { label: 'Copy name', action: () => { navigator.clipboard?.writeText(name).catch(() => {}); } },
    ]);
  }
}
