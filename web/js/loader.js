// @ts-check
// Stale answers, dropped in one place. A page keeps one `latest()` slot per
// thing it loads (the flame graph, the top table, the growth table, ...).
// run() aborts the request still in flight in that slot and settles only
// with the answer of the newest run: an older one rejects with an
// AbortError, which callers skip with isAbort(). abort() ends the slot's
// request (a page's unmount).

/** @param {unknown} e */
export function isAbort(e) {
  return e instanceof DOMException && e.name === 'AbortError';
}

const aborted = () => new DOMException('superseded', 'AbortError');

/**
 * @template T
 * @typedef {object} Slot
 * @property {(load: (signal: AbortSignal) => Promise<T>, key?: string) => Promise<T>} run
 *   start a load (the previous one is aborted); key names what it loads
 * @property {() => string|undefined} pending the key of the load in flight, if any
 * @property {() => void} abort end the load in flight
 */

/**
 * @template [T=any]
 * @returns {Slot<T>}
 */
export function latest() {
  /** @type {AbortController|null} */
  let ctl = null;
  /** @type {string|undefined} */
  let key;
  return {
    run(load, k) {
      ctl?.abort();
      const mine = new AbortController();
      ctl = mine;
      key = k;
      const settle = () => {
        if (ctl !== mine) throw aborted();
        ctl = null;
        key = undefined;
      };
      return Promise.resolve().then(() => load(mine.signal)).then(
        v => { settle(); return v; },
        e => { settle(); throw e; });
    },
    pending: () => (ctl ? key : undefined),
    abort() {
      ctl?.abort();
      ctl = null;
      key = undefined;
    },
  };
}
