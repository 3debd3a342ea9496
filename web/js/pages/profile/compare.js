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
 * Why profile p cannot be combined with this one ('' when it can): pprof
 * diffs and merges only profiles with the same sample types (names; units of
 * one family convert) and the same period type.
 * @param {any} p a listed profile @param {any} meta this profile's metadata
 */
export function incompatibility(p, meta) {
  const mine = typeNames(meta?.sample_types), theirs = types(p);
  if (!meta) return '';
  if (theirs !== mine) return `other sample types (${theirs || 'none'})`;
  const pt = (/** @type {any} */ m) => m?.period_type?.type || '';
  const a = pt(meta), b = pt(p.info);
  if (a && b && a !== b) return `other period type (${b})`;
  return '';
}

/**
 * The stored profiles other than id, compatible ones first, each row with a
 * control made by `control` (null for an incompatible one: its reason shows).
 * @param {string} id @param {any} meta @param {HTMLElement} list tbody
 * @param {HTMLElement} status @param {(p: any) => HTMLElement} control
 */
async function listOthers(id, meta, list, status, control) {
  try {
    const r = await api.listProfiles(200);
    const others = r.profiles.filter((/** @type {any} */ p) => p.id !== id);
    others.sort((/** @type {any} */ a, /** @type {any} */ b) => Number(!incompatibility(b, meta)) - Number(!incompatibility(a, meta)));
    for (const p of others) {
      const info = p.info || {};
      const why = incompatibility(p, meta);
      list.append(el('tr', { class: why ? 'muted incompatible' : '' },
        el('td', { class: 'name', text: p.name || p.id }),
        el('td', { text: profileKind(info) }),
        el('td', { text: formatTime(Math.floor((info.time_nanos || 0) / 1e6)) || formatTime(p.created) }),
        el('td', {}, why ? el('span', { class: 'small why', text: why }) : control(p))));
    }
    status.textContent = others.length ? '' : 'No other profiles stored yet.';
  } catch (e) {
    replace(status, errorBox(e));
  }
}

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
    el('p', { class: 'muted small', text: 'The diff shows this profile minus the base: red frames grew, green ones shrank. Only profiles with the same sample types can be compared.' }),
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
  await listOthers(id, meta, list, status, p =>
    el('button', { type: 'button', class: 'primary use-base', 'data-id': p.id, text: 'Use as base', onclick: () => use(p.id) }));
}

/**
 * The "Merge…" dialog: tick stored profiles to merge into this one (as
 * `go tool pprof this a b`); pick(ids) runs with the ticked ids, in list order.
 * @param {string} id @param {any} meta @param {string[]} current ids merged now (ticked)
 * @param {(ids: string[]) => void} pick
 */
export async function chooseMerge(id, meta, current, pick) {
  const list = el('tbody');
  const status = el('p', { class: 'muted', text: 'Loading profiles…' });
  const goBtn = el('button', { type: 'button', class: 'primary merge-go', text: 'Merge' });
  const { close } = openDialog('Merge profiles into this view',
    el('p', { class: 'muted small', text: 'The views show the sum of this profile and the ticked ones, as go tool pprof a b c does. Only profiles with the same sample types can be merged.' }),
    el('div', { class: 'table-wrap dialog-list' }, el('table', { class: 'list' },
      el('thead', {}, el('tr', {}, ...['Name', 'Kind', 'Taken', 'Merge'].map(h => el('th', { scope: 'col', text: h })))), list)),
    status,
    el('div', { class: 'dialog-actions' }, goBtn));
  const ticked = () => [...list.querySelectorAll('input.merge-pick:checked')].map(b => b.getAttribute('data-id') || '');
  const label = () => { const n = ticked().length; goBtn.textContent = n ? `Merge ${n + 1} profiles` : 'Merge nothing'; };
  goBtn.addEventListener('click', () => { close(); pick(ticked()); });
  await listOthers(id, meta, list, status, p => {
    const cb = el('input', { type: 'checkbox', class: 'merge-pick', 'data-id': p.id, 'aria-label': `Merge ${p.name || p.id}`, checked: current.includes(p.id) });
    cb.addEventListener('change', label);
    return cb;
  });
  label();
}
