// @ts-check
// Frame colours (pure: no DOM). Normal mode: one stable hue per package,
// derived from a hash of the package name, so a package keeps its colour
// across profiles, reloads and browsers. Diff mode: red for growth, green for
// shrinkage, grey for unchanged, with intensity by the relative change.

/**
 * 32-bit FNV-1a over UTF-16 code units.
 * @param {string} s
 */
export function hash32(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The package (or namespace) part of a function name:
 *   "github.com/a/b.(*T).M" -> "github.com/a/b", "runtime.mallocgc" -> "runtime",
 *   "std::vector<int>::push_back(int)" -> "std", "com.example.Foo.bar(Foo.java)" -> "com.example",
 *   "[app]" -> "[app]".
 * @param {string} name
 */
export function packageOf(name) {
  if (!name) return '';
  let s = name;
  // C++/Rust: drop a leading return type and templates, then take the first namespace.
  if (s.includes('::')) {
    const paren = s.indexOf('(');
    const head = paren > 0 ? s.slice(0, paren) : s;
    const first = head.split('::')[0].trim();
    if (first.startsWith('(')) return first;
    const words = first.split(' ');
    return words[words.length - 1] || first;
  }
  if (s.startsWith('[')) return s;
  // Java-like: lower-case segments followed by a Capitalised class name.
  const java = /^([a-z][\w$]*(?:\.[a-z][\w$]*)+)\.[A-Z]/.exec(s);
  if (java && !s.includes('/')) return java[1];
  // Go: the import path, then the package name up to the first dot.
  const slash = s.lastIndexOf('/');
  const dot = s.indexOf('.', slash + 1);
  return dot > 0 ? s.slice(0, dot) : s;
}

/**
 * Stable hue (0..359) for a package name.
 * @param {string} pkg
 */
export function packageHue(pkg) {
  // Spread hashes over the wheel with the golden angle so close hashes differ.
  return Math.round((hash32(pkg) * 0.618033988749895) % 1 * 360) % 360;
}

/**
 * Fill colour of a frame in normal mode.
 * @param {string} name function name
 * @param {boolean} dark dark theme
 */
export function frameColor(name, dark) {
  const h0 = packageHue(packageOf(name));
  // functions of one package share its hue, give or take a little, and vary in lightness
  const f = hash32(name);
  const h = (h0 + (f % 17) - 8 + 360) % 360;
  const v = (f >>> 8) % 13;
  return dark ? `hsl(${h} 40% ${24 + v}%)` : `hsl(${h} 66% ${68 + v}%)`;
}

/** Number of intensity steps of diff colours (keeps the set of fill styles small). */
export const DIFF_STEPS = 8;

/**
 * Relative change of a frame, in [-1, 1]: (new - base) / max(|base|, |new|).
 * @param {number} base @param {number} now
 */
export function diffRatio(base, now) {
  const m = Math.max(Math.abs(base), Math.abs(now));
  if (!m) return 0;
  return Math.max(-1, Math.min(1, (now - base) / m));
}

/**
 * Diff class and step of a frame: {sign: 1 growth | -1 shrinkage | 0 unchanged, step: 0..DIFF_STEPS}.
 * Changes below 1% of the frame's size count as unchanged.
 * @param {number} base @param {number} now
 */
export function diffClass(base, now) {
  const r = diffRatio(base, now);
  if (Math.abs(r) < 0.01) return { sign: 0, step: 0 };
  const step = Math.max(1, Math.min(DIFF_STEPS, Math.ceil(Math.sqrt(Math.abs(r)) * DIFF_STEPS)));
  return { sign: r > 0 ? 1 : -1, step };
}

/**
 * Fill colour of a diff frame.
 * @param {number} sign @param {number} step @param {boolean} dark
 */
export function diffColor(sign, step, dark) {
  if (!sign) return dark ? 'hsl(0 0% 34%)' : 'hsl(0 0% 82%)';
  const t = step / DIFF_STEPS;
  const hue = sign > 0 ? 0 : 130;
  if (dark) return `hsl(${hue} ${35 + 35 * t}% ${30 + 6 * t}%)`;
  return `hsl(${hue} ${45 + 40 * t}% ${86 - 30 * t}%)`;
}

/**
 * Colour of a frame that does not match an active search.
 * @param {boolean} dark
 */
export function fadedColor(dark) {
  return dark ? 'hsl(220 8% 22%)' : 'hsl(220 10% 92%)';
}

/**
 * Fill colour of a diff frame whose change is within sampling noise: a
 * neutral grey, a shade apart from "unchanged".
 * @param {boolean} dark
 */
export function noiseColor(dark) {
  return dark ? 'hsl(220 6% 42%)' : 'hsl(220 8% 72%)';
}
