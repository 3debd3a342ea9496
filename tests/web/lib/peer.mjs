// The project's own Go program (tests/peer) for the browser tests: built
// once with Debian's Go (offline), started as real processes that serve
// net/http/pprof, MemStats (?debug=1, /debug/vars) and leak at their rate.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PEER_SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../peer');

/** The reason the peer cannot be built here, or '' if it can. */
export function whyNoGo() {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  return r.status === 0 ? '' : 'go is missing (the peer is a Go program)';
}

/**
 * Build tests/peer into dir.
 * @param {string} dir @returns {string} the executable
 */
export function buildPeer(dir) {
  const out = join(dir, 'peer');
  const env = { ...process.env, GOPROXY: 'off', GOFLAGS: '-mod=mod' };
  if (!env.HOME) env.GOCACHE = join(dir, 'gocache');
  const r = spawnSync('go', ['build', '-o', out, '.'], { cwd: PEER_SRC, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go build tests/peer: ${r.stderr.slice(0, 500)}`);
  return out;
}

/**
 * Start one peer (-spin 0: no CPU burnt unless asked).
 * @param {string} bin @param {string} dir @param {string} name @param {string[]} [args]
 * @returns {Promise<{name: string, port: number, url: (p: string) => string, stop: () => Promise<void>}>}
 */
export async function startPeer(bin, dir, name, args = []) {
  const portfile = join(dir, `${name}.port`);
  const child = spawn(bin, ['-listen', '127.0.0.1:0', '-portfile', portfile, '-max-lifetime', '5m', '-spin', '0', ...args],
    { stdio: ['ignore', 'ignore', 'ignore'] });
  let port = 0;
  for (let k = 0; k < 200 && !port; k++) {
    if (child.exitCode !== null) throw new Error(`peer ${name} exited (${child.exitCode})`);
    if (existsSync(portfile)) port = Number(readFileSync(portfile, 'utf8').trim()) || 0;
    if (!port) await new Promise(r => setTimeout(r, 50));
  }
  if (!port) { child.kill('SIGKILL'); throw new Error(`peer ${name} did not start`); }
  return {
    name, port,
    url: p => `http://127.0.0.1:${port}${p}`,
    stop: () => new Promise(r => {
      if (child.exitCode !== null || child.signalCode !== null) { r(); return; }
      child.once('exit', () => r());
      child.kill('SIGTERM');
    }),
  };
}
