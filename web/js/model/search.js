// @ts-check
// Regexes typed by people, and regexes sent to the server (pure: no DOM).

/**
 * Compile a search box's text. Invalid regexes are reported, not thrown.
 * Case-sensitive like pprof, unless the text is all lower case (then
 * case-insensitive, which is what people usually mean).
 * @param {string} text
 * @returns {{re: RegExp|null, error: string}}
 */
export function compileSearch(text) {
  if (!text) return { re: null, error: '' };
  try {
    return { re: new RegExp(text, text === text.toLowerCase() ? 'i' : ''), error: '' };
  } catch (e) {
    return { re: null, error: e instanceof Error ? e.message : String(e) };
  }
}

/**
 * Escape a literal for an RE2 regex (the server's filters).
 * @param {string} s
 */
export function escapeRegex(s) {
  return s.replace(/[\\^$.|?*+()[\]{}]/g, '\\$&');
}

/**
 * A server filter matching exactly one function name.
 * @param {string} name
 */
export function exactRegex(name) {
  return `^${escapeRegex(name)}$`;
}

/**
 * Add an alternative to an existing filter regex ("" -> "^a$",
 * "^a$" -> "^a$|^b$"), without repeating one that is there already.
 * @param {string} current @param {string} re
 */
export function addAlternative(current, re) {
  if (!current) return re;
  if (current === re || current.startsWith(re + '|') || current.endsWith('|' + re) || current.includes(`|${re}|`)) return current;
  return `${current}|${re}`;
}
