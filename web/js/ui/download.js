// @ts-check
// Save a blob made in the page as a file (an <a download> click).
import { el } from './dom.js';

/**
 * @param {Blob} blob @param {string} file the suggested file name
 */
export function saveBlob(blob, file) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: file, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
