// @ts-check
// Line charts with uPlot (from npm, embedded under vendor/ at build time and
// loaded on first use, with its stylesheet). Colours come from the theme's
// CSS variables; a chart is rebuilt when the theme flips and resized with its
// box. Optional vertical markers (snapshot times on a GC trace). Without the
// library the host says charts are unavailable instead.

import { el, replace } from './dom.js';

/** @type {Promise<any>|null} */
let loading = null;

/** Load uPlot once; resolves to its constructor, rejects when it is missing. */
export function loadUPlot() {
  if (!loading) {
    loading = import('../../vendor/uPlot.esm.js').then(m => {
      if (!document.querySelector('link[data-uplot]')) {
        const link = el('link', { rel: 'stylesheet', href: 'vendor/uPlot.min.css', 'data-uplot': '1' });
        // before the app's stylesheet, so the app's rules win
        const app = document.querySelector('link[rel="stylesheet"][href$="app.css"]');
        if (app) app.before(link); else document.head.append(link);
      }
      return m.default;
    }); // a failure stays: every chart of the page says so, without asking again
  }
  return loading;
}

/**
 * @typedef {object} ChartSeries
 * @property {string} label
 * @property {(number|null)[]} values one per x
 * @property {string} color a CSS variable ("--chart-1") or a colour
 * @property {boolean} [dash]
 * @property {boolean} [fill]
 * @property {boolean} [points] mark every value
 */

/**
 * @typedef {object} ChartSpec
 * @property {string} label accessible name of the chart
 * @property {number[]} x ascending
 * @property {ChartSeries[]} series
 * @property {(v: number) => string} fmtY
 * @property {(v: number) => string} fmtX
 * @property {string} [xLabel]
 * @property {number[]|null} [markers] x positions of dashed vertical lines
 * @property {string[]} [markerLabels]
 * @property {number} [height]
 * @property {boolean} [zeroY] keep 0 on the y axis
 * @property {number[]} [yIncrs] tick steps for the y axis (BINARY_INCRS for bytes, so ticks
 *   fall on values the binary units print exactly: 5MB, not 19.07MB)
 * @property {string} [sync] charts with the same key zoom (drag) and move their cursor together
 * @property {{from: number, to: number, label?: string}[]} [bands] x ranges shaded behind the
 *   lines (a thinned series' thinned span), each with an optional label
 */

/** Tick steps for byte values: 1, 2, 5 × 10^k × 1024^j. */
export const BINARY_INCRS = (() => {
  const out = [];
  for (let j = 0; j <= 5; j++) for (const m of [1, 2, 5, 10, 20, 50, 100, 200, 500]) out.push(m * 1024 ** j);
  return out;
})();

/** Charts that zoom together, by sync key. @type {Map<string, Set<any>>} */
const groups = new Map();
let syncing = false;

/**
 * The smallest and largest finite value over every series ([0, 0] if none).
 * @param {ChartSeries[]} series
 * @returns {[number, number]}
 */
export function extent(series) {
  let lo = Infinity, hi = -Infinity;
  for (const c of series) for (const v of c.values) if (v !== null && Number.isFinite(v)) { if (v < lo) lo = v; if (v > hi) hi = v; }
  return lo === Infinity ? [0, 0] : [lo, hi];
}

/**
 * The value of a CSS colour variable (or the colour itself).
 * @param {string} c
 */
function color(c) {
  if (!c.startsWith('--')) return c;
  return getComputedStyle(document.documentElement).getPropertyValue(c).trim() || '#888';
}

/**
 * A colour with an alpha, for fills ("#c2410c" -> "rgb(194 65 12 / 18%)").
 * @param {string} c @param {number} a 0..1
 */
function withAlpha(c, a) {
  const m = /^#([0-9a-f]{6})$/i.exec(c);
  if (m) {
    const n = parseInt(m[1], 16);
    return `rgb(${n >> 16} ${(n >> 8) & 255} ${n & 255} / ${Math.round(a * 100)}%)`;
  }
  return `color-mix(in srgb, ${c} ${Math.round(a * 100)}%, transparent)`;
}

/**
 * Draw a chart into host (replacing its content). Returns a handle to
 * update the data or remove the chart.
 * @param {HTMLElement} host
 * @param {ChartSpec} spec
 */
export function mountChart(host, spec) {
  host.classList.add('chart');
  host.dataset.state = 'loading';
  host.setAttribute('role', 'figure');
  host.setAttribute('aria-label', spec.label);
  /** @type {any} */
  let u = null;
  /** @type {any} */
  let UPlot = null;
  let current = spec;
  let dead = false;

  const build = () => {
    if (dead || !UPlot) return;
    for (const g of groups.values()) g.delete(u);
    u?.destroy();
    u = null;
    replace(host);
    const s = current;
    const text = color('--muted');
    const grid = color('--border');
    const markerColor = color('--chart-marker');
    const width = Math.max(200, Math.floor(host.clientWidth || 600));
    const height = s.height || 220;
    const markers = (s.markers || []).filter(v => Number.isFinite(v));
    const axisFont = '11px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
    const opts = {
      width, height,
      pxAlign: 0,
      cursor: { drag: { x: true, y: false }, points: { size: 6 }, ...(s.sync ? { sync: { key: s.sync } } : {}) },
      legend: { live: true },
      scales: {
        x: {
          time: false,
          range: (/** @type {any} */ _u, /** @type {number} */ min, /** @type {number} */ max) => {
            let lo = Math.min(min, ...markers), hi = Math.max(max, ...markers);
            if (lo === hi) { lo -= 1; hi += 1; }
            return [lo, hi];
          },
        },
        y: {
          // the whole data's extent, not the zoomed window's: a zoom never clips a line
          // (of the data shown now: update() replaces the data without a rebuild)
          range: () => {
            const [min, max] = extent(current.series);
            let lo = current.zeroY === false ? min : Math.min(0, min), hi = max;
            if (!(Number.isFinite(lo) && Number.isFinite(hi))) return [0, 1];
            if (lo === hi) { hi = lo === 0 ? 1 : hi + Math.abs(hi) * 0.1; lo = current.zeroY === false ? lo - Math.abs(lo) * 0.1 : Math.min(0, lo); }
            return [lo, hi + (hi - lo) * 0.06];
          },
        },
      },
      axes: [
        {
          stroke: text, font: axisFont, size: 28,
          grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: 4 },
          values: (/** @type {any} */ _u, /** @type {number[]} */ vals) => vals.map(v => current.fmtX(v)),
        },
        {
          stroke: text, font: axisFont, size: 64,
          grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1, size: 4 },
          values: (/** @type {any} */ _u, /** @type {number[]} */ vals) => vals.map(v => current.fmtY(v)),
          ...(s.yIncrs ? { incrs: s.yIncrs } : {}),
        },
      ],
      series: [
        { label: s.xLabel || 'x', value: (/** @type {any} */ _u, /** @type {number|null} */ v) => (v == null ? '—' : current.fmtX(v)) },
        ...s.series.map(c => {
          const stroke = color(c.color);
          return {
            label: c.label,
            stroke,
            width: 2,
            dash: c.dash ? [6, 4] : undefined,
            fill: c.fill ? withAlpha(stroke, 0.16) : undefined,
            points: { show: c.points ?? s.x.length <= 40, size: 5, fill: stroke },
            spanGaps: false,
            value: (/** @type {any} */ _u, /** @type {number|null} */ v) => (v == null ? '—' : current.fmtY(v)),
          };
        }),
      ],
      hooks: {
        setScale: [(/** @type {any} */ uu, /** @type {string} */ key) => {
          if (key !== 'x' || syncing || !s.sync) return;
          syncing = true;
          try {
            for (const other of groups.get(s.sync) || []) {
              if (other !== uu) other.setScale('x', { min: uu.scales.x.min, max: uu.scales.x.max });
            }
          } finally { syncing = false; }
        }],
        drawClear: [(/** @type {any} */ uu) => {
          const bands = (s.bands || []).filter(b => Number.isFinite(b.from) && Number.isFinite(b.to));
          if (!bands.length) return;
          const ctx = uu.ctx, dpr = devicePixelRatio || 1;
          const { left, top, width: bw, height: bh } = uu.bbox;
          ctx.save();
          ctx.fillStyle = withAlpha(color('--chart-band'), 0.5);
          ctx.font = `${10 * dpr}px system-ui, sans-serif`;
          for (const b of bands) {
            const x0 = Math.max(left, uu.valToPos(Math.min(b.from, b.to), 'x', true));
            const x1 = Math.min(left + bw, uu.valToPos(Math.max(b.from, b.to), 'x', true));
            if (x1 < x0) continue;
            ctx.fillRect(x0, top, Math.max(x1 - x0, dpr), bh);
            if (b.label && x1 - x0 > ctx.measureText(b.label).width + 6 * dpr) {
              ctx.fillStyle = text;
              ctx.fillText(b.label, x0 + 3 * dpr, top + bh - 5 * dpr);
              ctx.fillStyle = withAlpha(color('--chart-band'), 0.5);
            }
          }
          ctx.restore();
        }],
        draw: [(/** @type {any} */ uu) => {
          if (!markers.length) return;
          const ctx = uu.ctx, dpr = devicePixelRatio || 1;
          const { left, top, width: bw, height: bh } = uu.bbox;
          ctx.save();
          ctx.strokeStyle = markerColor;
          ctx.fillStyle = markerColor;
          ctx.lineWidth = Math.max(1, dpr);
          ctx.setLineDash([4 * dpr, 3 * dpr]);
          ctx.font = `${10 * dpr}px system-ui, sans-serif`;
          let free = -Infinity; // labels never overlap: a crowded one is left out
          markers.forEach((m, k) => {
            const px = Math.round(uu.valToPos(m, 'x', true)) + 0.5;
            if (px < left - 1 || px > left + bw + 1) return;
            ctx.beginPath();
            ctx.moveTo(px, top);
            ctx.lineTo(px, top + bh);
            ctx.stroke();
            const lab = s.markerLabels?.[k];
            if (!lab) return;
            const w = ctx.measureText(lab).width;
            const x = Math.min(px + 3 * dpr, left + bw - w);
            if (x < free) return;
            ctx.fillText(lab, x, top + 11 * dpr);
            free = x + w + 4 * dpr;
          });
          ctx.restore();
        }],
      },
    };
    const data = [s.x, ...s.series.map(c => c.values)];
    u = new UPlot(opts, data, host);
    if (s.sync) {
      if (!groups.has(s.sync)) groups.set(s.sync, new Set());
      /** @type {Set<any>} */ (groups.get(s.sync)).add(u);
    }
    u.root.setAttribute('aria-hidden', 'true');
    host.dataset.state = 'ready';
    host.dataset.points = String(s.x.length);
  };

  const ro = new ResizeObserver(() => {
    if (!u) return;
    const w = Math.floor(host.clientWidth);
    if (w > 0 && Math.abs(w - u.width) > 1) u.setSize({ width: Math.max(200, w), height: u.height });
  });
  const onTheme = () => build();

  loadUPlot().then(C => {
    if (dead) return;
    UPlot = C;
    build();
    ro.observe(host);
    addEventListener('hearth:theme', onTheme);
  }).catch(() => {
    if (dead) return;
    host.dataset.state = 'unavailable';
    replace(host, el('div', { class: 'notice chart-missing' },
      el('p', { text: 'Charts need their library (uPlot from npm), and this server was built without it: run `npm ci` in the source tree and rebuild.' })));
  });

  return {
    /** @param {ChartSpec} next */
    update(next) {
      const prev = current;
      current = next;
      if (!u) return;
      const same = next.series.length === prev.series.length &&
        next.series.every((c, k) => c.label === prev.series[k].label && c.color === prev.series[k].color) &&
        JSON.stringify(next.markers || []) === JSON.stringify(prev.markers || []) &&
        JSON.stringify(next.bands || []) === JSON.stringify(prev.bands || []);
      if (same) {
        u.setData([next.x, ...next.series.map(c => c.values)]);
        host.dataset.points = String(next.x.length);
      } else build();
    },
    destroy() {
      dead = true;
      if (u && current.sync) groups.get(current.sync)?.delete(u);
      ro.disconnect();
      removeEventListener('hearth:theme', onTheme);
      u?.destroy();
      u = null;
    },
  };
}
