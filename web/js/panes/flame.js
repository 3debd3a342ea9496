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
//
// What is shown is a window [vx0, vx0 + vw) in value units: a zoom (the
// URL's frame) sets it to that frame's extent; Ctrl+wheel (or a pinch)
// zooms it at the pointer, a horizontal wheel or a drag pans it, and the
// overview strip above the graph (the minimap) shows it over the whole
// graph and moves it by a click or a drag.
//
// Keyboard: the canvas takes focus; arrows move the selected frame (Up:
// caller, Down: heaviest callee, Left/Right: neighbours on the row), Enter
// zooms to it, Escape zooms out one level, Shift+F10 or the ContextMenu key
// opens its menu. The selection is outlined while the keyboard is in use
// and announced in a live region (name and value).

import {
  ROW_H, frameValues, nameOf, hitTest, pathTo, frameKey, findFrame, fitLabel,
  neighbour, forEachDrawn, deepestDrawn, zoomWindow, clampStart,
} from '../model/flame.js';
import { flameSvg } from '../model/export.js';
import { frameColor, diffClass, diffColor, fadedColor, noiseColor } from '../model/colors.js';
import { withinNoise, pct } from '../model/series.js';
import { formatValue, formatPercent, formatDelta, formatChange } from '../model/format.js';
import { el, replace } from '../ui/dom.js';
import { showTip, hideTip } from '../ui/tooltip.js';
import { showMenu } from '../ui/menu.js';
import { isDark } from '../ui/theme.js';

const FONT_FAMILY = 'ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace';
const FONT = `12px ${FONT_FAMILY}`;
const FONT_ITALIC = `italic ${FONT}`;
const ANIM_MS = 220;
/** Height of the overview strip and of one of its rows, in CSS pixels. */
const MINI_H = 30, MINI_ROW = 3;
/** Height of the exported files' title line. */
const TITLE_H = 22;
/** Canvas size browsers accept in one dimension. */
const MAX_CANVAS = 32000;

/** @typedef {import('../model/flame.js').FlameData} FlameData */

/**
 * @typedef {object} FlameHandlers
 * @property {(key: string) => void} onZoom a frame was chosen (its key; "" for the root)
 * @property {(action: 'focus'|'ignore'|'hide'|'show_from'|'search'|'sandwich', name: string) => void} onAction context-menu action
 */

/**
 * A frame laid out for drawing: frame, left edge, width, top (pixels),
 * label, dimmed (a caller of the zoomed frame).
 * @typedef {{i: number, x: number, w: number, y: number, label: string, anc: boolean}} Placed
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
    /** the keyboard's selected frame and its key (survives new data) */
    this.sel = 0;
    this.selKey = '';
    /** the keyboard was used last (the selection is outlined) */
    this.kbd = false;
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
    this.charW = 0;
    /** @type {Map<string, {inuse: number, alloc: number}>|null} function -> in use and allocated (heap) */
    this.retention = null;
    this.retentionUnit = '';
    /** @type {{x: number, y: number, vx0: number, top: number, moved: boolean, id: number}|null} */
    this.drag = null;
    this.suppressClick = false;
    this.pressedAt = -1e9;
    /** @type {HTMLCanvasElement|null} the overview's frames, drawn once per data, width and theme */
    this.miniCache = null;
    this.miniKey = '';
    this.windowTimer = 0;

    this.crumbs = el('nav', { class: 'crumbs', 'aria-label': 'Zoom path' });
    /** the loader's buttons (options, export) */
    this.tools = el('div', { class: 'flame-tools' });
    this.bar = el('div', { class: 'flame-bar' }, this.crumbs, this.tools);
    this.mini = el('canvas', { class: 'flame-minimap', 'aria-hidden': 'true', title: 'Overview: click or drag to move the view' });
    this.canvas = el('canvas', {
      class: 'flame-canvas', role: 'application', 'aria-roledescription': 'flame graph', tabindex: '0',
      'aria-label': 'Flame graph. Arrow keys move between frames, Enter zooms, Escape zooms out, Shift+F10 opens the menu.',
    });
    this.live = el('div', { class: 'visually-hidden flame-live', role: 'status', 'aria-live': 'polite' });
    this.spacer = el('div', { class: 'flame-spacer' });
    this.scroll = el('div', { class: 'flame-scroll' }, this.canvas, this.spacer);
    host.append(this.bar, this.mini, this.scroll, this.live);
    const ctx = this.canvas.getContext('2d', { alpha: false });
    const mctx = this.mini.getContext('2d', { alpha: false });
    if (!ctx || !mctx) throw new Error('This browser cannot draw on a canvas.');
    this.ctx = ctx;
    this.mctx = mctx;

    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(this.scroll);
    this.scroll.addEventListener('scroll', () => this.schedule(), { passive: true });
    const c = this.canvas;
    c.addEventListener('mousemove', e => this.onMove(e));
    c.addEventListener('mouseleave', () => this.setHover(-1));
    c.addEventListener('click', e => this.onClick(e));
    c.addEventListener('contextmenu', e => this.onContext(e));
    c.addEventListener('wheel', e => this.onWheel(e), { passive: false });
    c.addEventListener('pointerdown', e => this.onDown(e));
    c.addEventListener('pointermove', e => this.onDrag(e));
    c.addEventListener('pointerup', e => this.onUp(e));
    c.addEventListener('pointercancel', e => this.onUp(e));
    c.addEventListener('keydown', e => this.onKey(e));
    // focus that no pointer press brought (Tab) shows the selection at once
    c.addEventListener('focus', () => { this.kbd = performance.now() - this.pressedAt > 500; this.announce(); this.schedule(); });
    c.addEventListener('blur', () => this.schedule());
    this.mini.addEventListener('pointerdown', e => this.onMiniDown(e));
    this.mini.addEventListener('pointermove', e => this.onMiniMove(e));
    this.mini.addEventListener('pointerup', e => { this.miniDrag = null; this.mini.releasePointerCapture?.(e.pointerId); });
    /** @type {{offset: number}|null} */
    this.miniDrag = null;
    this.onTheme = () => { this.nameColors = []; this.diffColors = null; this.miniKey = ''; this.schedule(); };
    addEventListener('hearth:theme', this.onTheme);
    // a view not shown (another tab) is sized when it is (the observer): no layout now
    if (!host.closest('[hidden]')) this.resize();
  }

  destroy() {
    this.ro.disconnect();
    removeEventListener('hearth:theme', this.onTheme);
    cancelAnimationFrame(this.raf);
    clearTimeout(this.windowTimer);
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

  /** The share of the whole graph's width the window shows (1: all of it). */
  windowFraction() {
    const fd = this.fd;
    return fd && fd.n && fd.width[0] > 0 ? Math.min(1, this.vw / fd.width[0]) : 1;
  }

  /**
   * New data (a new view, or the same at a finer resolution); keeps the zoom
   * by key, and with keepWindow the window (the same graph, more detail).
   * @param {FlameData} fd @param {string} zoomKey @param {boolean} [keepWindow]
   */
  setData(fd, zoomKey, keepWindow = false) {
    hideTip();
    const old = this.fd;
    // a window that was just the zoomed frame's extent follows the frame into
    // the new data; only a wheel zoom or pan on top of it is kept as it is
    const wasAtZoom = !old || !old.n || this.anim !== null || this.atZoom();
    this.fd = fd;
    this.nameColors = [];
    this.diffColors = null;
    this.miniKey = '';
    this.match = null;
    this.hover = -1;
    this.zoomKey = zoomKey;
    this.zoom = fd.n ? findFrame(fd, zoomKey).node : 0;
    this.anim = null;
    const keep = keepWindow && !wasAtZoom && old && old.n && fd.n && old.width[0] === fd.width[0];
    if (!keep) {
      this.vx0 = fd.n ? fd.x0[this.zoom] : 0;
      this.vw = fd.n ? fd.width[this.zoom] || 1 : 1;
    }
    const s = fd.n && this.selKey ? findFrame(fd, this.selKey) : null;
    this.setSel(s && s.exact ? s.node : this.zoom, false);
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
    // the selection stays inside the zoomed subtree (or on its callers)
    if (this.sel < 0 || this.sel >= fd.n || !(this.sel >= z && this.sel < fd.end[z])) {
      if (!pathTo(fd, z).includes(this.sel)) this.setSel(z, false);
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

  /** Is the window the zoomed frame's extent (no wheel zoom or pan on top)? */
  atZoom() {
    const fd = this.fd;
    if (!fd || !fd.n) return true;
    const z = this.zoom, eps = (fd.width[0] || 1) * 1e-9;
    return Math.abs(this.vx0 - fd.x0[z]) <= eps && Math.abs(this.vw - (fd.width[z] || 1)) <= eps;
  }

  /**
   * Show another window (value units), kept inside the graph.
   * @param {number} vx0 @param {number} vw
   */
  setWindow(vx0, vw) {
    const fd = this.fd;
    if (!fd || !fd.n) return;
    const whole = fd.width[0] || 1;
    this.anim = null;
    this.vw = Math.min(whole, Math.max(whole * 1e-9, vw));
    this.vx0 = clampStart(vx0, this.vw, whole);
    this.schedule();
    // tell the loader once the window settles (it may fetch more detail)
    clearTimeout(this.windowTimer);
    this.windowTimer = window.setTimeout(() => this.host.dispatchEvent(new CustomEvent('flame:window')), 200);
  }

  /** Escape: undo a wheel zoom or pan, else zoom out to the zoomed frame's caller. */
  unzoomStep() {
    const fd = this.fd;
    if (!fd || !fd.n) return false;
    // a zoom still animating counts as done: Escape then means "zoom out"
    if (this.anim) {
      [this.vx0, this.vw] = this.anim.to;
      this.anim = null;
    }
    if (!this.atZoom()) { this.setZoom(this.zoomKey); return true; }
    if (this.zoom === 0) return false;
    this.handlers.onZoom(frameKey(fd, fd.parent[this.zoom]));
    return true;
  }

  /**
   * Highlight frames whose names match (null: no search).
   * @param {Uint8Array|null} nameMatch
   */
  setSearch(nameMatch) {
    this.match = nameMatch;
    this.miniKey = '';
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
    this.mini.width = Math.round(w * dpr);
    this.mini.height = Math.round(MINI_H * dpr);
    this.mini.style.width = `${w}px`;
    this.mini.style.height = `${MINI_H}px`;
    this.miniKey = '';
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
    if (path.length > 1) items.push(el('span', { class: 'crumb-hint', text: 'Esc: up one level' }));
    replace(this.crumbs, ...items);
  }

  /* ---- selection (keyboard) ---- */

  /**
   * Select a frame; bring it into view and announce it when asked.
   * @param {number} i @param {boolean} [reveal]
   */
  setSel(i, reveal = true) {
    const fd = this.fd;
    if (!fd || !fd.n) { this.sel = 0; this.selKey = ''; return; }
    this.sel = Math.max(0, Math.min(fd.n - 1, i));
    this.selKey = frameKey(fd, this.sel);
    const ds = this.canvas.dataset;
    ds.sel = String(this.sel);
    ds.selName = this.sel === 0 ? 'root' : nameOf(fd, this.sel);
    if (!reveal) return;
    // horizontally: pan (never zoom) so the frame is in the window
    const x0 = fd.x0[this.sel], w = fd.width[this.sel];
    if (x0 + w <= this.vx0 || x0 >= this.vx0 + this.vw) {
      this.setWindow(w >= this.vw ? x0 : x0 + w / 2 - this.vw / 2, this.vw);
    }
    // vertically: scroll its row into sight
    const y = fd.depth[this.sel] * ROW_H;
    if (y < this.scroll.scrollTop) this.scroll.scrollTop = y;
    else if (y + ROW_H > this.scroll.scrollTop + this.cssH) this.scroll.scrollTop = y + ROW_H - this.cssH;
    this.announce();
    this.schedule();
  }

  /** The live region says the selected frame's name and values. */
  announce() {
    const fd = this.fd;
    if (!fd || !fd.n) { this.live.textContent = ''; return; }
    const i = this.sel, unit = fd.sample.unit;
    const v = frameValues(fd, i);
    const name = i === 0 ? 'root' : nameOf(fd, i) || '(unnamed)';
    const whole = fd.grandTotal || fd.total[0];
    this.live.textContent = fd.diff
      ? `${name}: ${formatValue(v.baseTotal, unit)} to ${formatValue(v.total, unit)}, ${formatDelta(v.deltaTotal, unit)} (${formatChange(v.baseTotal, v.total)}), depth ${fd.depth[i]}`
      : `${name}: ${formatValue(v.total, unit)} (${formatPercent(v.total, whole)}), self ${formatValue(v.self, unit)}, depth ${fd.depth[i]}`;
  }

  /** @param {KeyboardEvent} e */
  onKey(e) {
    const fd = this.fd;
    if (!fd || !fd.n || e.altKey || e.ctrlKey || e.metaKey) return;
    /** @type {Record<string, 'up'|'down'|'left'|'right'>} */
    const dirs = { ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' };
    const handled = () => { e.preventDefault(); e.stopPropagation(); this.kbd = true; hideTip(); };
    if (e.key in dirs && !e.shiftKey) {
      handled();
      this.setSel(neighbour(fd, this.sel, dirs[e.key]));
    } else if (e.key === 'Home') {
      handled();
      this.setSel(this.zoom);
    } else if (e.key === 'Enter' || (e.key === ' ' && !e.shiftKey)) {
      handled();
      if (this.sel !== this.zoom) this.handlers.onZoom(this.selKey);
      else if (!this.atZoom()) this.setZoom(this.zoomKey);
    } else if (e.key === 'Escape') {
      if (this.unzoomStep()) handled();
    } else if (e.key === 'ContextMenu' || (e.key === 'F10' && e.shiftKey)) {
      handled();
      const r = this.canvas.getBoundingClientRect();
      const x = Math.max(0, (fd.x0[this.sel] - this.vx0) * (this.cssW / this.vw));
      this.openMenu(this.sel, r.left + Math.min(this.cssW - 20, x + 12), r.top + fd.depth[this.sel] * ROW_H - this.scroll.scrollTop + ROW_H);
    } else if (e.key === '+' || e.key === '=' || e.key === '-') {
      handled();
      const at = Math.max(0, Math.min(1, (fd.x0[this.sel] + fd.width[this.sel] / 2 - this.vx0) / this.vw));
      const w = zoomWindow(this, e.key === '-' ? 1.5 : 1 / 1.5, at, fd.width[0] || 1, (fd.width[0] || 1) * 1e-9);
      this.setWindow(w.vx0, w.vw);
    }
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

  /** The theme's colours for the canvas. */
  palette() {
    const css = getComputedStyle(this.host);
    return {
      bg: css.getPropertyValue('--flame-bg').trim() || (isDark() ? '#16181d' : '#ffffff'),
      fg: css.getPropertyValue('--flame-text').trim() || (isDark() ? '#eceff4' : '#1b1d22'),
      fgFaded: css.getPropertyValue('--flame-text-faded').trim() || '#8a8f98',
      inline: css.getPropertyValue('--flame-inline').trim() || '#5a3fc0',
      focus: css.getPropertyValue('--focus').trim() || '#2563eb',
    };
  }

  /** Average width of a label character in CSS pixels. */
  charWidth() {
    if (!this.charW) {
      this.ctx.font = FONT;
      this.charW = this.ctx.measureText('abcdefghijklmnopqrstuvwxyz0123456789').width / 36 || 7;
    }
    return this.charW;
  }

  /**
   * The frames drawn in a window, rows [top, top + H) (pixels from the first
   * row), with their labels.
   * @param {{vx0: number, vw: number, W: number, top: number, H: number}} win
   * @returns {Placed[]}
   */
  place(win) {
    const fd = /** @type {FlameData} */ (this.fd);
    const charW = this.charWidth();
    const zd = fd.depth[this.zoom], z = this.zoom;
    /** @type {Placed[]} */
    const out = [];
    forEachDrawn(fd, { vx0: win.vx0, vw: win.vw, W: win.W, firstRow: Math.floor(win.top / ROW_H), lastRow: Math.ceil((win.top + win.H) / ROW_H) },
      (i, x, w) => {
        const label = w > 22 ? fitLabel(i === 0 ? 'root' : nameOf(fd, i), Math.floor((w - 6) / charW)) : '';
        out.push({ i, x, w, y: fd.depth[i] * ROW_H - win.top, label, anc: fd.depth[i] < zd && i <= z && z < fd.end[i] });
      });
    return out;
  }

  /**
   * Draw a window's frames on a 2D context (already scaled to CSS pixels).
   * @param {CanvasRenderingContext2D} ctx @param {Placed[]} placed
   * @param {ReturnType<FlameView['palette']>} pal
   */
  paint(ctx, placed, pal) {
    const fd = /** @type {FlameData} */ (this.fd);
    /** @type {Map<string, number[]>} */
    const batches = new Map();
    for (const p of placed) {
      if (p.anc) continue;
      const style = this.colorOf(p.i);
      let b = batches.get(style);
      if (!b) batches.set(style, b = []);
      b.push(p.x, p.y, p.w > 2 ? p.w - 1 : p.w);
    }
    for (const [style, b] of batches) {
      ctx.fillStyle = style;
      for (let k = 0; k < b.length; k += 3) ctx.fillRect(b[k], b[k + 1], b[k + 2], ROW_H - 1);
    }
    ctx.globalAlpha = 0.55;
    for (const p of placed) {
      if (!p.anc) continue;
      ctx.fillStyle = this.colorOf(p.i);
      ctx.fillRect(p.x, p.y, p.w, ROW_H - 1);
    }
    ctx.globalAlpha = 1;
    ctx.fillStyle = pal.inline;
    ctx.beginPath();
    for (const p of placed) {
      if (!fd.inline[p.i] || p.w < 6) continue;
      ctx.moveTo(p.x, p.y);
      ctx.lineTo(p.x + 6, p.y);
      ctx.lineTo(p.x, p.y + 6);
      ctx.closePath();
    }
    ctx.fill();
    ctx.textBaseline = 'middle';
    for (let italic = 0; italic < 2; italic++) {
      ctx.font = italic ? FONT_ITALIC : FONT;
      for (const p of placed) {
        if (!p.label || fd.inline[p.i] !== italic) continue;
        ctx.fillStyle = this.match && !this.match[fd.name[p.i]] ? pal.fgFaded : pal.fg;
        ctx.fillText(p.label, p.x + 3, p.y + ROW_H / 2 + 0.5);
      }
    }
  }

  /**
   * Outline frame i in the window drawn on the canvas.
   * @param {number} i @param {string} color @param {number} lw
   */
  outline(i, color, lw) {
    const fd = /** @type {FlameData} */ (this.fd);
    const scale = this.cssW / this.vw;
    const x = Math.max(0, (fd.x0[i] - this.vx0) * scale), r = Math.min(this.cssW, (fd.x0[i] + fd.width[i] - this.vx0) * scale);
    if (r <= 0 || x >= this.cssW) return;
    const y = fd.depth[i] * ROW_H - this.scroll.scrollTop;
    const ctx = this.ctx;
    ctx.strokeStyle = color;
    ctx.lineWidth = lw;
    ctx.strokeRect(x + lw / 2, y + lw / 2, Math.max(1, r - x - lw), ROW_H - 1 - lw);
  }

  drawNow() {
    const t0 = performance.now();
    const fd = this.fd;
    const ctx = this.ctx;
    const dpr = this.canvas.width / Math.max(1, this.cssW);
    const W = this.cssW, H = this.cssH;
    const pal = this.palette();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = pal.bg;
    ctx.fillRect(0, 0, W, H);
    if (!fd || !fd.n) { this.drawMini(pal); return; }

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
    const placed = this.place({ vx0: this.vx0, vw: this.vw, W, top: this.scroll.scrollTop, H });
    this.paint(ctx, placed, pal);
    if (this.hover >= 0 && this.hover < fd.n) this.outline(this.hover, pal.fg, 1.5);
    if (this.kbd && document.activeElement === this.canvas && this.sel < fd.n) this.outline(this.sel, pal.focus, 3);
    this.drawMini(pal);

    this.draws++;
    const ms = performance.now() - t0;
    const ds = this.canvas.dataset;
    ds.painted = '1';
    ds.draws = String(this.draws);
    ds.lastDrawMs = ms.toFixed(2);
    ds.drawn = String(placed.length);
    ds.vx0 = String(this.vx0);
    ds.vw = String(this.vw);
    if (!firstPaintMarked) {
      firstPaintMarked = true;
      performance.mark('hearth:flame-first-paint');
    }
    if (animating) this.schedule();
  }

  /**
   * The overview strip: the whole graph's first rows, the window outlined
   * and what lies outside it shaded.
   * @param {ReturnType<FlameView['palette']>} pal
   */
  drawMini(pal) {
    const fd = this.fd, W = this.cssW;
    const c = this.mctx;
    const dpr = this.mini.width / Math.max(1, W);
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.fillStyle = pal.bg;
    c.fillRect(0, 0, W, MINI_H);
    if (!fd || !fd.n || !(fd.width[0] > 0)) return;
    const key = `${W}|${dpr}|${isDark()}`;
    if (!this.miniCache || this.miniKey !== key) {
      const off = this.miniCache || document.createElement('canvas');
      off.width = this.mini.width;
      off.height = this.mini.height;
      const o = /** @type {CanvasRenderingContext2D} */ (off.getContext('2d', { alpha: false }));
      o.setTransform(dpr, 0, 0, dpr, 0, 0);
      o.fillStyle = pal.bg;
      o.fillRect(0, 0, W, MINI_H);
      forEachDrawn(fd, { vx0: 0, vw: fd.width[0], W, firstRow: 0, lastRow: Math.floor(MINI_H / MINI_ROW) - 1 }, (i, x, w) => {
        o.fillStyle = this.colorOf(i);
        o.fillRect(x, fd.depth[i] * MINI_ROW, Math.max(0.5, w > 2 ? w - 0.5 : w), MINI_ROW - 0.5);
      });
      this.miniCache = off;
      this.miniKey = key;
    }
    c.drawImage(this.miniCache, 0, 0, W, MINI_H);
    const s = W / fd.width[0];
    const l = this.vx0 * s, r = (this.vx0 + this.vw) * s;
    c.fillStyle = isDark() ? 'rgba(0,0,0,0.55)' : 'rgba(255,255,255,0.7)';
    c.fillRect(0, 0, Math.max(0, l), MINI_H);
    c.fillRect(r, 0, Math.max(0, W - r), MINI_H);
    if (r - l < W - 1) {
      c.strokeStyle = pal.focus;
      c.lineWidth = 2;
      c.strokeRect(Math.max(1, l), 1, Math.max(2, Math.min(W - 1, r) - Math.max(1, l)), MINI_H - 2);
    }
    this.mini.dataset.l = String(l);
    this.mini.dataset.r = String(r);
  }

  /* ---- the overview strip ---- */

  /** @param {PointerEvent} e */
  miniX(e) {
    return e.clientX - this.mini.getBoundingClientRect().left;
  }

  /** @param {PointerEvent} e */
  onMiniDown(e) {
    const fd = this.fd;
    if (!fd || !fd.n || e.button !== 0) return;
    e.preventDefault();
    const s = this.cssW / (fd.width[0] || 1);
    const x = this.miniX(e), l = this.vx0 * s, w = this.vw * s;
    // a press inside the window drags it; elsewhere it centres the window there
    this.miniDrag = { offset: x >= l && x <= l + w ? x - l : w / 2 };
    this.mini.setPointerCapture?.(e.pointerId);
    this.onMiniMove(e);
  }

  /** @param {PointerEvent} e */
  onMiniMove(e) {
    const fd = this.fd;
    if (!this.miniDrag || !fd || !fd.n) return;
    const s = this.cssW / (fd.width[0] || 1);
    this.setWindow((this.miniX(e) - this.miniDrag.offset) / s, this.vw);
  }

  /* ---- export ---- */

  /**
   * The window's frames for a file: every row down to the deepest drawn.
   * @returns {{placed: Placed[], W: number, rowsH: number}}
   */
  exportLayout(maxH = Infinity) {
    const fd = /** @type {FlameData} */ (this.fd);
    const W = this.cssW;
    const deepest = Math.max(0, deepestDrawn(fd, { vx0: this.vx0, vw: this.vw, W }));
    const rowsH = Math.min((deepest + 1) * ROW_H, Math.floor(maxH / ROW_H) * ROW_H);
    return { placed: this.place({ vx0: this.vx0, vw: this.vw, W, top: 0, H: rowsH - 1 }), W, rowsH };
  }

  /**
   * The view as a PNG at the device pixel ratio, a title line above it.
   * @param {string} title
   * @returns {Promise<Blob>}
   */
  exportPng(title) {
    const dpr = window.devicePixelRatio || 1;
    const { placed, W, rowsH } = this.exportLayout(MAX_CANVAS / dpr - TITLE_H);
    const c = document.createElement('canvas');
    c.width = Math.round(W * dpr);
    c.height = Math.round((rowsH + TITLE_H) * dpr);
    const ctx = /** @type {CanvasRenderingContext2D} */ (c.getContext('2d', { alpha: false }));
    const pal = this.palette();
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = pal.bg;
    ctx.fillRect(0, 0, W, rowsH + TITLE_H);
    ctx.fillStyle = pal.fg;
    ctx.font = `bold ${FONT}`;
    ctx.textBaseline = 'middle';
    const most = Math.max(1, Math.floor((W - 8) / (this.charWidth() * 1.1)));
    ctx.fillText(title.length > most ? `${title.slice(0, most - 1)}…` : title, 4, TITLE_H / 2);
    ctx.translate(0, TITLE_H);
    this.paint(ctx, placed, pal);
    return new Promise((resolve, reject) => c.toBlob(b => (b ? resolve(b) : reject(new Error('The browser could not make a PNG.'))), 'image/png'));
  }

  /**
   * The view as an SVG document (the same layout as the PNG).
   * @param {string} title
   */
  exportSvg(title) {
    const fd = /** @type {FlameData} */ (this.fd);
    const { placed, W, rowsH } = this.exportLayout();
    const pal = this.palette();
    const unit = fd.sample.unit, whole = fd.grandTotal || fd.total[0];
    return flameSvg({
      width: W, height: rowsH + TITLE_H, rowH: ROW_H, titleH: TITLE_H, title,
      bg: pal.bg, fg: pal.fg, fgFaded: pal.fgFaded, font: FONT_FAMILY,
      frames: placed.map(p => {
        const v = frameValues(fd, p.i);
        const tip = fd.diff
          ? `${formatValue(v.baseTotal, unit)} → ${formatValue(v.total, unit)} (${formatDelta(v.deltaTotal, unit)}, ${formatChange(v.baseTotal, v.total)})`
          : `${formatValue(v.total, unit)} (${formatPercent(v.total, whole)}), self ${formatValue(v.self, unit)}`;
        return {
          x: p.x, y: p.y, w: p.w, fill: this.colorOf(p.i), name: p.i === 0 ? 'root' : nameOf(fd, p.i), tip, label: p.label,
          italic: !!fd.inline[p.i], faded: !!this.match && !this.match[fd.name[p.i]], alpha: p.anc ? 0.55 : 1,
        };
      }),
    });
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
      const a = path[d] ?? -1;
      if (a < 0) return -1;
      const vx = this.vx0 + (x / this.cssW) * this.vw;
      return vx >= fd.x0[a] && vx < fd.x0[a] + fd.width[a] ? a : -1;
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
    if (this.drag && this.drag.moved) return;
    const i = this.frameAt(e);
    this.setHover(i);
    if (i >= 0) showTip(e.clientX, e.clientY, this.tipContent(i));
  }

  /**
   * Ctrl+wheel (and a trackpad pinch, which arrives as one) zooms at the
   * pointer; a horizontal wheel or Shift+wheel pans; a plain wheel scrolls
   * the rows as the page does.
   * @param {WheelEvent} e
   */
  onWheel(e) {
    const fd = this.fd;
    if (!fd || !fd.n) return;
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? this.cssH : 1;
    const whole = fd.width[0] || 1;
    if (e.ctrlKey || e.metaKey) {
      e.preventDefault();
      hideTip();
      const at = Math.max(0, Math.min(1, (e.clientX - this.canvas.getBoundingClientRect().left) / this.cssW));
      const factor = Math.exp(Math.max(-1, Math.min(1, e.deltaY * unit * 0.002)));
      const w = zoomWindow(this, factor, at, whole, whole * 1e-9);
      this.setWindow(w.vx0, w.vw);
    } else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      e.preventDefault();
      hideTip();
      const dx = (e.shiftKey && !e.deltaX ? e.deltaY : e.deltaX) * unit;
      this.setWindow(this.vx0 + (dx / this.cssW) * this.vw, this.vw);
    }
  }

  /** @param {PointerEvent} e */
  onDown(e) {
    this.kbd = false;
    this.pressedAt = performance.now();
    if (e.button !== 0 || !this.fd || !this.fd.n) return;
    this.drag = { x: e.clientX, y: e.clientY, vx0: this.vx0, top: this.scroll.scrollTop, moved: false, id: e.pointerId };
  }

  /** @param {PointerEvent} e */
  onDrag(e) {
    const d = this.drag;
    if (!d || e.pointerId !== d.id) return;
    const dx = e.clientX - d.x, dy = e.clientY - d.y;
    if (!d.moved && Math.abs(dx) + Math.abs(dy) < 4) return;
    if (!d.moved) {
      d.moved = true;
      this.canvas.setPointerCapture?.(e.pointerId);
      this.canvas.classList.add('dragging');
      this.setHover(-1);
    }
    this.setWindow(d.vx0 - (dx / this.cssW) * this.vw, this.vw);
    this.scroll.scrollTop = Math.max(0, d.top - dy);
  }

  /** @param {PointerEvent} e */
  onUp(e) {
    const d = this.drag;
    if (!d || e.pointerId !== d.id) return;
    this.drag = null;
    this.canvas.classList.remove('dragging');
    this.canvas.releasePointerCapture?.(e.pointerId);
    // the click that ends a drag does not zoom
    this.suppressClick = d.moved;
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
    if (this.suppressClick) { this.suppressClick = false; return; }
    const i = this.frameAt(e);
    if (i < 0 || !this.fd) return;
    hideTip();
    if (e.altKey && i > 0) { this.handlers.onAction('sandwich', nameOf(this.fd, i)); return; } // pivot
    this.setSel(i, false);
    this.handlers.onZoom(i === this.zoom && i !== 0 ? frameKey(this.fd, this.fd.parent[i]) : frameKey(this.fd, i));
  }

  /** @param {MouseEvent} e */
  onContext(e) {
    const i = this.frameAt(e);
    if (i < 0 || !this.fd) return;
    e.preventDefault();
    hideTip();
    this.openMenu(i, e.clientX, e.clientY);
  }

  /**
   * The frame's context menu at a point (client coordinates).
   * @param {number} i @param {number} x @param {number} y
   */
  openMenu(i, x, y) {
    const fd = /** @type {FlameData} */ (this.fd);
    const name = nameOf(fd, i);
    const act = this.handlers.onAction;
    if (i === 0) {
      showMenu(x, y, 'root', [{ label: 'Show the whole profile', action: () => this.handlers.onZoom('') }]);
      return;
    }
    showMenu(x, y, name, [
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
