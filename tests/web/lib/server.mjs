// Start and stop a real `hearth serve` for the browser tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * @param {string} bin path of the hearth executable
 * @param {string[]} [extra] more flags (e.g. --base-path /hearth)
 * @param {string} [keepData] use this data directory and keep it (default: a fresh one, removed on stop)
 * @returns {Promise<{url: string, port: number, stop: () => Promise<void>, data: string}>}
 */
export async function startServer(bin, extra = [], keepData = '') {
  const data = keepData || mkdtempSync(join(tmpdir(), 'hearth-web-'));
  const child = spawn(bin, ['serve', '--listen', '127.0.0.1:0', '--data', data, ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`hearth did not start:\n${log}`)), 15000);
    child.stderr.on('data', d => {
      log += d;
      const m = /\(port (\d+)\)/.exec(log);
      if (m) { clearTimeout(t); resolve(Number(m[1])); }
    });
    child.on('exit', code => { clearTimeout(t); reject(new Error(`hearth exited (${code}):\n${log}`)); });
  });
  const base = extra.includes('--base-path') ? extra[extra.indexOf('--base-path') + 1] : '';
  return {
    url: `http://127.0.0.1:${port}${base}/`, port, data,
    log: () => log,
    stop: () => new Promise(resolve => {
      const done = () => { if (!keepData) rmSync(data, { recursive: true, force: true }); resolve(); };
      if (child.exitCode !== null) { done(); return; }
      child.once('exit', done);
      child.kill('SIGTERM');
    }),
  };
}

/**
 * Upload a profile through the API.
 * @param {string} url server base URL @param {Buffer} bytes @param {string} name
 */
export async function uploadProfile(url, bytes, name) {
  const r = await fetch(`${url}api/profiles?name=${encodeURIComponent(name)}`, {
    method: 'POST', body: bytes, headers: { 'Content-Type': 'application/octet-stream' },
  });
  if (r.status !== 201) throw new Error(`upload ${name}: ${r.status} ${await r.text()}`);
  return r.json();
}

/** @param {string} url */
export async function getJson(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`${url}: ${r.status} ${await r.text()}`);
  return r.json();
}
