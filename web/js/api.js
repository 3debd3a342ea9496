// @ts-check
// The HTTP API, one function per endpoint. Every URL is relative, so the
// server's --base-path (in <base href>) is respected. Failures throw an
// ApiError carrying the server's {code, message}.

export class ApiError extends Error {
  /** @param {string} code @param {string} message @param {number} status */
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/**
 * @param {Response} r
 * @returns {Promise<any>}
 */
async function answer(r) {
  if (r.ok) return r.status === 204 ? null : r.json();
  const body = await r.json().catch(() => null);
  const e = body && body.error;
  throw new ApiError(e?.code || `http_${r.status}`, e?.message || `${r.status} ${r.statusText}`, r.status);
}

/**
 * @param {string} url @param {RequestInit} [init]
 */
async function call(url, init) {
  let r;
  try {
    r = await (init?.method ? null : takeEarly(url)) || await fetch(url, init);
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError('network', 'The server cannot be reached.', 0);
  }
  return answer(r);
}

/**
 * The response js/early.js asked for before the modules loaded, if it asked
 * for this very URL: taken once (later calls fetch anew); null when none or
 * when it failed.
 * @param {string} url
 * @returns {Promise<Response|null>|null}
 */
function takeEarly(url) {
  const early = /** @type {Map<string, Promise<Response>>|undefined} */ (/** @type {any} */ (globalThis).hearthEarly);
  const r = early?.get(url);
  if (!r) return null;
  early?.delete(url);
  return r.then(res => (res.ok ? res : null), () => null);
}

/** @param {string} id */
const P = id => `api/profiles/${encodeURIComponent(id)}`;

/**
 * @param {number} limit @param {string} [cursor]
 * @returns {Promise<{profiles: any[], next: string|null}>}
 */
export function listProfiles(limit = 50, cursor = '') {
  const q = new URLSearchParams({ limit: String(limit) });
  if (cursor) q.set('cursor', cursor);
  return call(`api/profiles?${q}`);
}

/** @param {string} id */
export function getMeta(id) {
  return call(P(id));
}

/** @type {Worker|null|undefined} */
let flameWorker;
let flameSeq = 0;
/** @type {Map<number, {resolve: (v: any) => void, reject: (e: any) => void}>} */
const flameWaiting = new Map();
/** Answers larger than this are parsed in the worker once it runs. */
const WORKER_BYTES = 256 * 1024;
/**
 * Before the worker runs, answers up to this size are parsed here: starting
 * a worker in a fresh page (its script and modules fetched, a thread
 * started) costs more than parsing 1 MB of JSON (about 40 ms), so the
 * first paint does not wait for it (a diff's landing answer is about 270 KB).
 */
const COLD_WORKER_BYTES = 1024 * 1024;

/** The flame worker, started on first use; null where workers are not available. */
export function flameWorkerReady() {
  if (flameWorker !== undefined) return flameWorker;
  try {
    flameWorker = new Worker(new URL('./workers/flame-worker.js', import.meta.url), { type: 'module' });
    flameWorker.onmessage = e => {
      const w = flameWaiting.get(e.data.seq);
      if (!w) return;
      flameWaiting.delete(e.data.seq);
      if (e.data.error) w.reject(new ApiError(e.data.error.code, e.data.error.message, e.data.error.status));
      else w.resolve(e.data.fd);
    };
    flameWorker.onerror = () => {
      // no worker after all: fail what waits, parse on the main thread from now on
      flameWorker?.terminate();
      flameWorker = null;
      for (const w of flameWaiting.values()) w.reject(new ApiError('worker', 'The flame graph worker failed; retry.', 0));
      flameWaiting.clear();
    };
  } catch {
    flameWorker = null;
  }
  return flameWorker;
}

/**
 * The flame graph's model (model/flame.js). The request starts at once on
 * this thread; a large answer is handed (transferred) to a worker to parse
 * and lay out, a small one is parsed here.
 * @param {string} id @param {string} query @param {AbortSignal} [signal]
 * @returns {Promise<import('./model/flame.js').FlameData>}
 */
export async function getFlameModel(id, query, signal) {
  let r;
  try {
    const url = `${P(id)}/flamegraph${query}`;
    r = await takeEarly(url) || await fetch(url, { signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError('network', 'The server cannot be reached.', 0);
  }
  if (!r.ok) await answer(r);
  const bytes = await r.arrayBuffer();
  const n = bytes.byteLength;
  const worker = n > WORKER_BYTES && (flameWorker || n > COLD_WORKER_BYTES) ? flameWorkerReady() : null;
  if (!worker) {
    const { buildFlame } = await import('./model/flame.js');
    return buildFlame(JSON.parse(new TextDecoder().decode(bytes)));
  }
  const seq = ++flameSeq;
  return new Promise((resolve, reject) => {
    flameWaiting.set(seq, { resolve, reject });
    signal?.addEventListener('abort', () => {
      if (flameWaiting.delete(seq)) reject(new DOMException('aborted', 'AbortError'));
    });
    worker.postMessage({ seq, bytes }, [bytes]);
  });
}

/** @param {string} id @param {string} query @param {AbortSignal} [signal] */
export function getTop(id, query, signal) {
  return call(`${P(id)}/top${query}`, { signal });
}

/**
 * The top endpoint's first `limit` rows from `offset` in the table's sort
 * (the UI's sort value, '' for pprof's order): js/early.js builds the same URL.
 * @param {string} id @param {string} query @param {number} limit @param {number} offset
 * @param {string} sort @param {AbortSignal} [signal]
 */
export function getTopPage(id, query, limit, offset, sort, signal) {
  const more = `limit=${limit}${offset ? `&offset=${offset}` : ''}${sort ? `&sort=${encodeURIComponent(sort)}` : ''}`;
  return call(`${P(id)}/top${query}${query ? '&' : '?'}${more}`, { signal });
}

/** @param {string} id @param {string} query @param {AbortSignal} [signal] */
export function getGraph(id, query, signal) {
  return call(`${P(id)}/callgraph${query}`, { signal });
}

/**
 * The call graph laid out by the server: {graph: the callgraph JSON, dot, svg}.
 * @param {string} id @param {string} query @param {AbortSignal} [signal]
 */
export function getGraphLayout(id, query, signal) {
  return call(`${P(id)}/callgraph/layout${query}`, { signal });
}

/**
 * The call graph as Graphviz text.
 * @param {string} id @param {string} query @param {AbortSignal} [signal]
 * @returns {Promise<string>}
 */
export async function getDot(id, query, signal) {
  let r;
  try {
    r = await fetch(`${P(id)}/callgraph.dot${query}`, { signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError('network', 'The server cannot be reached.', 0);
  }
  if (!r.ok) await answer(r);
  return r.text();
}

/**
 * The call graph drawn by the server (Graphviz's library), for a download link.
 * @param {string} id @param {string} query @param {'png'|'svg'|'pdf'|'gif'} format
 */
export function graphImageUrl(id, query, format) {
  return `${P(id)}/callgraph.${format}${query}`;
}

/** @param {string} id */
export function rawUrl(id) {
  return `${P(id)}/raw`;
}

/**
 * A download of the view: 'proto' (the profile after the filters and base,
 * .pb.gz), 'traces' (pprof's -traces text) or 'callgrind' (KCachegrind).
 * @param {string} id @param {'proto'|'traces'|'callgrind'} kind @param {string} query
 */
export function downloadUrl(id, kind, query) {
  return `${P(id)}/download/${kind}${query}`;
}

/**
 * Upload one file with progress reports (fetch() cannot report upload
 * progress, XMLHttpRequest can).
 * @param {File|Blob} file @param {string} name
 * @param {(sent: number, total: number) => void} [progress]
 * @param {AbortSignal} [signal]
 * @returns {Promise<any>} the stored profile's metadata, with its delete token
 */
export function upload(file, name, progress, signal) {
  return sendFile(`api/profiles?name=${encodeURIComponent(name)}`, file, progress, signal);
}

/**
 * Upload a .zip, .tar, .tar.gz or .tgz of snapshots: one series of the
 * profiles in it (the answer's "archive" tells the order and what was skipped).
 * @param {File|Blob} file @param {string} name the series' name ('' for the server's)
 * @param {(sent: number, total: number) => void} [progress]
 * @param {AbortSignal} [signal]
 * @returns {Promise<any>} the series, with its delete token and the archive's report
 */
export function uploadArchive(file, name, progress, signal) {
  return sendFile(`api/series/archive${name ? `?name=${encodeURIComponent(name)}` : ''}`, file, progress, signal);
}

/** Is this file name an archive of snapshots (sent to uploadArchive)? @param {string} name */
export function isArchiveName(name) {
  return /\.(zip|tar|tgz|tar\.gz)$/i.test(name);
}

/**
 * POST one file's bytes with progress; resolves with the JSON answer (whose token is kept).
 * @param {string} url @param {File|Blob} file
 * @param {(sent: number, total: number) => void} [progress]
 * @param {AbortSignal} [signal]
 * @returns {Promise<any>}
 */
function sendFile(url, file, progress, signal) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', url);
    x.setRequestHeader('Content-Type', 'application/octet-stream');
    x.responseType = 'text';
    if (progress) x.upload.onprogress = e => progress(e.loaded, e.lengthComputable ? e.total : file.size);
    x.onload = () => {
      let body = null;
      try { body = JSON.parse(x.responseText); } catch { /* not JSON */ }
      if (x.status >= 200 && x.status < 300 && body) {
        rememberToken(body.id, body.delete_token);
        resolve(body);
      } else {
        const e = body && body.error;
        reject(new ApiError(e?.code || `http_${x.status}`, e?.message || `Upload failed (HTTP ${x.status})`, x.status));
      }
    };
    x.onerror = () => reject(new ApiError('network', 'The upload did not reach the server.', 0));
    x.onabort = () => reject(new DOMException('aborted', 'AbortError'));
    signal?.addEventListener('abort', () => x.abort());
    x.send(file);
  });
}

/**
 * Ask the server to fetch a profile from a URL.
 * @param {string} url @param {string} name @param {AbortSignal} [signal]
 */
export async function fetchProfile(url, name, signal) {
  const body = await call('api/fetch', {
    method: 'POST', signal,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ url, name }),
  });
  rememberToken(body.id, body.delete_token);
  return body;
}

/**
 * Delete with a token: the one given (pasted, or a capture's series' token),
 * else the one this browser holds.
 * @param {string} id @param {string} [token]
 */
export async function deleteProfile(id, token = deleteToken(id)) {
  if (!token) throw new ApiError('forbidden', 'This browser holds no delete token for the profile.', 403);
  await call(P(id), { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
  forgetToken(id);
}

/* ---- series of snapshots, captures, GC traces ---- */

/** @param {string} id */
const S = id => `api/series/${encodeURIComponent(id)}`;

/**
 * @param {string} url @param {string} method @param {any} body @param {string} [token]
 */
function sendJson(url, method, body, token) {
  /** @type {Record<string, string>} */
  const headers = { 'Content-Type': 'application/json' };
  if (token) headers.Authorization = `Bearer ${token}`;
  return call(url, { method, headers, body: JSON.stringify(body) });
}

/**
 * Store stored profiles as one series (the server orders them).
 * @param {{name?: string, profiles: string[], gctrace?: string}} o
 */
export async function createSeries(o) {
  const body = await sendJson('api/series', 'POST', o);
  rememberToken(body.id, body.delete_token);
  return body;
}

/** @returns {Promise<{series: any[]}>} */
export function listSeries() {
  return call('api/series');
}

/** @param {string} id @param {AbortSignal} [signal] */
export function getSeries(id, signal) {
  return call(S(id), { signal });
}

/** @param {string} id @param {string} query "?si=..." @param {AbortSignal} [signal] */
export function getGrowth(id, query, signal) {
  return call(`${S(id)}/growth${query}`, { signal });
}

/**
 * Attach a stored GC trace to a series (needs the series' token: the one
 * given, else the one this browser holds).
 * @param {string} id @param {string} gctrace @param {number} [startMs] when the traced process started
 * @param {string} [token]
 */
export function attachGctrace(id, gctrace, startMs, token = deleteToken(id)) {
  if (!token) return Promise.reject(new ApiError('forbidden', 'This browser holds no token for the series.', 403));
  /** @type {Record<string, any>} */
  const body = { gctrace };
  if (startMs !== undefined && Number.isFinite(startMs)) body.start_ms = startMs;
  return sendJson(`${S(id)}/gctrace`, 'PUT', body, token);
}

/**
 * Start capturing a series from a URL every interval_s seconds.
 * @param {{url: string, interval_s: number, count: number, name?: string, gc?: boolean, thin?: boolean|{keep_s?: number, every_s?: number}}} o
 */
export async function createCapture(o) {
  const body = await sendJson('api/captures', 'POST', o);
  rememberToken(body.id, body.delete_token);
  return body;
}

/** @param {string} id @param {string} [token] the series' token (default: this browser's) */
export function stopCapture(id, token = deleteToken(id)) {
  if (!token) return Promise.reject(new ApiError('forbidden', 'This browser holds no token for the capture.', 403));
  return call(`api/captures/${encodeURIComponent(id)}/stop`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
}

/* ---- capture groups: several targets captured together ---- */

/** @param {string} id */
const G = id => `api/capture-groups/${encodeURIComponent(id)}`;

/**
 * Start capturing several targets on one schedule.
 * @param {{targets: {name: string, url: string}[], interval_s: number, count: number, name?: string, gc?: boolean}} o
 */
export async function createCaptureGroup(o) {
  const body = await sendJson('api/capture-groups', 'POST', o);
  rememberToken(body.id, body.delete_token);
  return body;
}

/** The newest capture groups: {groups: [{id, name, created, interval_s, count, targets, state}]}. */
export function listCaptureGroups() {
  return call('api/capture-groups');
}

/** @param {string} id @param {AbortSignal} [signal] */
export function getCaptureGroup(id, signal) {
  return call(G(id), { signal });
}

/** @param {string} id @param {string} [token] the group's token (default: this browser's) */
export function stopCaptureGroup(id, token = deleteToken(id)) {
  if (!token) return Promise.reject(new ApiError('forbidden', 'This browser holds no token for the group.', 403));
  return call(`${G(id)}/stop`, { method: 'POST', headers: { Authorization: `Bearer ${token}` } });
}

/**
 * Attach a stored GC trace to a group; tracks: one track label (or null) per
 * target, or undefined to match each target's own name.
 * @param {string} id @param {string|null} gctrace @param {(string|null)[]|undefined} tracks @param {string} [token]
 */
export function attachGroupGctrace(id, gctrace, tracks, token = deleteToken(id)) {
  if (!token) return Promise.reject(new ApiError('forbidden', 'This browser holds no token for the group.', 403));
  /** @type {Record<string, any>} */
  const body = { gctrace };
  if (tracks) body.tracks = tracks;
  return sendJson(`${G(id)}/gctrace`, 'PUT', body, token);
}

/**
 * Store a GODEBUG=gctrace=1 log.
 * @param {string|Blob} text @param {string} name
 */
export async function uploadGctrace(text, name) {
  const body = await call(`api/gctraces?name=${encodeURIComponent(name)}`, {
    method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: text,
  });
  rememberToken(body.id, body.delete_token);
  return body;
}

/** @param {string} id @param {AbortSignal} [signal] */
export function getGctrace(id, signal) {
  return call(`api/gctraces/${encodeURIComponent(id)}`, { signal });
}

/* ---- delete tokens, kept in this browser only ---- */

/** @param {string} id */
const tokenKey = id => `hearth.delete.${id}`;

/**
 * Keep a token in this browser (one a user pasted, once the server took it).
 * @param {string} id @param {string} token
 */
export function rememberToken(id, token) {
  try { if (id && token) localStorage.setItem(tokenKey(id), token); } catch { /* storage off */ }
}

/** @param {string} id */
export function deleteToken(id) {
  try { return localStorage.getItem(tokenKey(id)) || ''; } catch { return ''; }
}

/** @param {string} id */
function forgetToken(id) {
  try { localStorage.removeItem(tokenKey(id)); } catch { /* storage off */ }
}

/**
 * The sandwich view: a function's callers and callees (query carries fn=).
 * @param {string} id @param {string} query @param {AbortSignal} [signal]
 */
export function getSandwich(id, query, signal) {
  return call(`${P(id)}/sandwich${query}`, { signal });
}

/**
 * pprof's -peek table (query carries peek=).
 * @param {string} id @param {string} query @param {AbortSignal} [signal]
 */
export function getPeek(id, query, signal) {
  return call(`${P(id)}/peek${query}`, { signal });
}

/* ---- saved views (named view parameters for any profile) ---- */

/** @param {string} id */
const V = id => `api/views/${encodeURIComponent(id)}`;

/** @returns {Promise<{views: {id: string, name: string, params: Record<string, string>, created: number}[]}>} */
export function listViews() {
  return call('api/views');
}

/** @param {string} id */
export function getView(id) {
  return call(V(id));
}

/**
 * Save view parameters under a name; this browser keeps the delete token.
 * @param {string} name @param {Record<string, string>} params
 */
export async function saveView(name, params) {
  const body = await sendJson('api/views', 'POST', { name, params });
  rememberToken(body.id, body.delete_token);
  return body;
}

/** Delete with the token this browser holds. @param {string} id */
export async function deleteView(id) {
  const token = deleteToken(id);
  if (!token) throw new ApiError('forbidden', 'This browser holds no delete token for the saved view.', 403);
  await call(V(id), { method: 'DELETE', headers: { Authorization: `Bearer ${token}` } });
  forgetToken(id);
}

/**
 * Every label key with its values, counts and filters (pprof -tags).
 * @param {string} id @param {string} query @param {AbortSignal} [signal]
 */
export function getTags(id, query, signal) {
  return call(`${P(id)}/tags${query}`, { signal });
}
