// @ts-check
// Builds a flame graph's model off the main thread: parsing a
// million-frame answer takes longer than a frame, and the page keeps
// drawing (and zooming) meanwhile. The answer's bytes arrive transferred
// (not copied), and the model's typed arrays go back the same way.
import { buildFlame } from '../model/flame.js';

/** @param {MessageEvent<{seq: number, bytes: ArrayBuffer}>} e */
self.onmessage = e => {
  const { seq, bytes } = e.data;
  try {
    const fd = buildFlame(JSON.parse(new TextDecoder().decode(bytes)));
    const arrays = [fd.name, fd.parent, fd.self, fd.total, fd.inline, fd.depth, fd.end, fd.x0, fd.width, fd.baseSelf, fd.baseTotal, fd.err];
    self.postMessage({ seq, fd }, { transfer: arrays.filter(a => a).map(a => /** @type {ArrayBuffer} */ (/** @type {any} */ (a).buffer)) });
  } catch (err) {
    self.postMessage({ seq, error: { code: 'bad_answer', message: `The flame graph could not be read: ${err instanceof Error ? err.message : err}`, status: 0 } });
  }
};
