// @ts-check
// Regexes typed by people, and regexes sent to the server (pure: no DOM).

/**
 * Compile a search box's text. Invalid regexes are reported, not thrown.
 * The syntax is pprof's (Go's RE2): a leading flag group such as (?i),
 * (?s) or (?is) sets the flags, as it does on the server's filters.
 * Case-sensitive like pprof, unless the text is all lower case (then
 * case-insensitive, which is what people usually mean).
 * @param {string} text
 * @returns {{re: RegExp|null, error: string}}
 */
export function compileSearch(text) {
  if (!text) return { re: null, error: '' };
  let body = text, flags = text === text.toLowerCase() ? 'i' : '';
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(text);
  if (lead) {
    for (const f of lead[1]) {
      if (f === 'i' || f === 'm' || f === 's') { if (!flags.includes(f)) flags += f; } else {
        return { re: null, error: `flag (?${f}) is not supported in the search box (use i, m or s)` };
      }
    }
    body = text.slice(lead[0].length);
  }
  try {
    return { re: new RegExp(body, flags), error: '' };
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
 * A server filter (focus, ignore, hide, show_from) that matches the frames of
 * a printed node name at any granularity. pprof's filters match a frame's
 * function name, its file name or its binary, never the printed label, so:
 * functions "fn" -> ^fn$; filefunctions "fn file" and lines "fn file:N" ->
 * the function (a lines filter keeps every line of that function: pprof has
 * no line-number filter); files "file" -> ^file$; addresses
 * "0000000000401000 fn file:N" -> the function; an unsymbolised "[bin]" ->
 * the binary's path; "<unknown>" has nothing to match ("" is returned).
 * Names with spaces (C++ signatures) keep them: only the last field is a file.
 * @param {string} name the printed node name (no " (inline)" suffix)
 * @param {string} [g] granularity (the URL's g: functions, filefunctions, files, lines, addresses)
 */
export function filterFor(name, g) {
  let n = name;
  if (g === 'addresses') n = n.replace(/^[0-9a-f]{16} /, '');
  const bin = /^\[(.+)\]$/.exec(n);
  if (bin) return `(^|/)${escapeRegex(bin[1])}$`;
  if (n === '<unknown>') return '';
  if (g === 'files') return exactRegex(n);
  if (g === 'filefunctions' || g === 'lines' || g === 'addresses') {
    const sp = n.lastIndexOf(' ');
    if (sp > 0) n = n.slice(0, sp);
  }
  return exactRegex(n);
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
