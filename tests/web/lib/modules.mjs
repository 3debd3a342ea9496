// The static module graph of web/js: which files a module imports (import
// ... from, export ... from), which it loads on demand (import()), and the
// closure a page needs before it can run. Paths are relative to web/
// ("js/api.js"), as index.html and js/early.js name them.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const WEB = resolve(dirname(fileURLToPath(import.meta.url)), '../../../web');

/** Comments out, so an example in a comment is no import. @param {string} src */
function code(src) {
  return src.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

/** @param {string} from a module ("js/x/y.js") @param {string} spec its relative specifier */
const resolveSpec = (from, spec) => posix.normalize(posix.join(posix.dirname(from), spec));

/**
 * A module's static imports and its import() calls with a literal path.
 * @param {string} mod path under web/
 * @returns {{static: string[], dynamic: string[]}}
 */
export function importsOf(mod) {
  const src = code(readFileSync(join(WEB, mod), 'utf8'));
  const stat = new Set(), dyn = new Set();
  for (const m of src.matchAll(/^\s*(?:import|export)\s+(?:[\w*${}\s,]+?\s+from\s+)?['"](\.{1,2}\/[^'"]+)['"]/gm)) stat.add(resolveSpec(mod, m[1]));
  for (const m of src.matchAll(/\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g)) dyn.add(resolveSpec(mod, m[1]));
  return { static: [...stat].sort(), dynamic: [...dyn].sort() };
}

/**
 * Every module the entries import statically, the entries included.
 * @param {string[]} entries paths under web/
 * @returns {Set<string>}
 */
export function closure(entries) {
  const seen = new Set();
  const todo = [...entries];
  while (todo.length) {
    const m = /** @type {string} */ (todo.pop());
    if (seen.has(m)) continue;
    if (!existsSync(join(WEB, m))) throw new Error(`${m}: no such module`);
    seen.add(m);
    todo.push(...importsOf(m).static);
  }
  return seen;
}
