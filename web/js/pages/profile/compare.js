// @ts-check
// The profile page's "Compare…" dialog: pick a stored profile as the diff's
// base (those with the same sample types first) or upload one.

import * as api from '../../api.js';
import { formatTime, profileKind } from '../../model/format.js';
import { el, replace, errorBox } from '../../ui/dom.js';
import { openDialog } from '../../ui/dialog.js';

/** @param {any[]|undefined} list @returns {string} the sample types' names */
const typeNames = list => (list || []).map((/** @type {any} */ t) => t.type).join(',');
/** @param {any} p a listed profile */
const types = p => typeNames(p.info?.sample_types);

/**
 * Open the dialog; pick(id) runs with the chosen base's id.
 * @param {string} id this profile @param {any} meta its metadata (null until known)
 * @param {(base: string) => void} pick
 */
export async function chooseBase(id, meta, pick) {
  const list = el('tbody');
  const status = el('p', { class: 'muted', text: 'Loading profiles…' });
  const file = el('input', { type: 'file', class: 'visually-hidden', id: 'base-file' });
  const upMsg = el('span', { class: 'muted small' });
  const { close } = openDialog('Compare with a base profile',
    el('p', { class: 'muted small', text: 'The diff shows this profile minus the base: red frames grew, green ones shrank.' }),
    el('div', { class: 'table-wrap dialog-list' }, el('table', { class: 'list' },
      el('thead', {}, el('tr', {}, ...['Name', 'Kind', 'Taken', ''].map(h => el('th', { scope: 'col', text: h })))), list)),
    status,
    el('div', { class: 'dialog-actions' }, el('label', { class: 'button', for: 'base-file', text: 'Upload a base…' }), file, upMsg));
  const use = (/** @type {string} */ bid) => { close(); pick(bid); };
  file.addEventListener('change', async () => {
    const f = file.files?.[0];
    if (!f) return;
    try {
      const m = await api.upload(f, f.name, (s, t) => { upMsg.textContent = `${Math.round((s / (t || 1)) * 100)}%`; });
      use(m.id);
    } catch (e) {
      upMsg.className = 'error small';
      upMsg.textContent = e instanceof Error ? e.message : String(e);
    }
  });
  try {
    const r = await api.listProfiles(200);
    const mine = typeNames(meta?.sample_types);
    const others = r.profiles.filter(p => p.id !== id);
    // same sample types first: those compare cleanly
    others.sort((a, b) => Number(types(b) === mine) - Number(types(a) === mine));
    for (const p of others) {
      const info = p.info || {};
      list.append(el('tr', { class: types(p) === mine ? '' : 'muted' },
        el('td', { class: 'name', text: p.name || p.id }),
        el('td', { text: profileKind(info) }),
        el('td', { text: formatTime(Math.floor((info.time_nanos || 0) / 1e6)) || formatTime(p.created) }),
        el('td', {}, el('button', { type: 'button', class: 'primary use-base', 'data-id': p.id, text: 'Use as base', onclick: () => use(p.id) }))));
    }
    status.textContent = others.length ? '' : 'No other profiles stored yet: upload a base.';
  } catch (e) {
    replace(status, errorBox(e));
  }
}
