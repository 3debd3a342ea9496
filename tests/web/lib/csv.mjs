// An RFC 4180 CSV reader for the tests (quoted fields, doubled quotes,
// CRLF or LF line ends), written apart from the code under test.
/** @param {string} text @returns {string[][]} */
export function parseCsv(text) {
  const rows = [];
  let row = [], field = '', q = false, i = 0, quoted = false;
  while (i < text.length) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i += 2; continue; }
      if (ch === '"') { q = false; i++; continue; }
      field += ch; i++; continue;
    }
    if (ch === '"' && field === '' && !quoted) { q = true; quoted = true; i++; continue; }
    if (ch === ',') { row.push(field); field = ''; quoted = false; i++; continue; }
    if (ch === '\r' && text[i + 1] === '\n') i++;
    if (ch === '\n' || ch === '\r') { row.push(field); rows.push(row); row = []; field = ''; quoted = false; i++; continue; }
    field += ch; i++;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}
