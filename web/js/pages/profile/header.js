// @ts-check
// The profile page's header: name, facts (kind, sample types, time,
// duration, total, samples, size, source), comments, and the actions
// (download, copy link, compare, delete: with this browser's token, a
// capture's series token it holds, or a token the user pastes).

import * as api from '../../api.js';
import { go, serverQuery } from '../../url-state.js';
import { formatValue, formatTime, formatDuration, formatSize, profileKind, groupDigits, formatDelta } from '../../model/format.js';
import { el, replace } from '../../ui/dom.js';
import { toast } from '../../ui/toast.js';
import { actionDialog, openDialog } from '../../ui/dialog.js';
import { chooseBase, chooseMerge } from './compare.js';
import { mergeIds } from './merge-bar.js';

/**
 * What the parts of the profile page share: the profile and the URL state.
 * @typedef {object} Page
 * @property {string} id the profile
 * @property {() => import('../../url-state.js').State} state the state shown now
 * @property {(changes: Record<string, string>, o?: {replace?: boolean}) => void} change go to the state with these changes
 */

/**
 * "20,590 (20,571 distinct)": the Sample messages in the file, and the
 * samples pprof keeps after merging identical stacks and labels.
 * @param {any} meta
 */
export function samplesText(meta) {
  const n = Number(meta.samples) || 0, msgs = Number(meta.sample_messages) || n;
  return msgs !== n ? `${groupDigits(msgs)} (${groupDigits(n)} distinct)` : groupDigits(n);
}

/** @param {Page} page */
export function profileHeader(page) {
  const { id } = page;
  const title = el('h1', { class: 'title', text: '…' });
  const facts = el('dl', { class: 'facts' });
  const comments = el('ul', { class: 'comments' });
  const actions = el('div', { class: 'actions' });
  const header = el('section', { class: 'profile-head' }, el('div', { class: 'head-main' }, title, facts, comments), actions);
  /** @type {any} */
  let meta = null;
  let totalShown = '';

  /** @param {any} m the profile's metadata */
  function setMeta(m) {
    meta = m;
    const kind = profileKind(meta);
    document.title = `${meta.name || id} · ${kind} · Hearth`;
    title.textContent = meta.name || id;
    title.title = meta.name || id;
    const f = (/** @type {string} */ k, /** @type {string} */ label, /** @type {string} */ v) =>
      v ? [el('div', { class: 'fact' }, el('dt', { text: label }), el('dd', { 'data-k': k, text: v }))] : [];
    replace(facts,
      ...f('kind', 'Kind', kind),
      ...f('types', 'Sample types', (meta.sample_types || []).map((/** @type {any} */ t) => `${t.type} (${t.unit})`).join(', ')),
      ...f('time', 'Time', formatTime(Math.floor((meta.time_nanos || 0) / 1e6))),
      ...f('duration', 'Duration', formatDuration(meta.duration_nanos || 0)),
      ...f('total', 'Total', totalShown || '…'),
      ...f('samples', 'Samples', samplesText(meta)),
      ...f('size', 'File', formatSize(meta.size)),
      ...f('source', 'Source', meta.source_url || ''),
      // a legacy format (Go ?debug=1 text, gperftools, Java) read as pprof reads it
      ...f('format', 'Format', meta.converted_from ? `converted from ${meta.converted_from}` : ''));
    replace(comments, ...(meta.comments || []).slice(0, 20).map((/** @type {string} */ c) => el('li', { text: c })));

    const token = knownToken();
    replace(actions,
      el('a', { class: 'button', href: api.rawUrl(id), download: `${(meta.name || id).replace(/[^\w.-]+/g, '_')}${meta.converted_from ? '' : '.pb.gz'}`, text: 'Download' }),
      exportLink('proto', 'View .pb.gz', 'The profile after the filters and comparison shown, as profile.proto'),
      exportLink('traces', 'Traces', "Every sample's stack, as pprof -traces, under the filters shown"),
      exportLink('callgrind', 'Callgrind', 'For KCachegrind or callgrind_annotate, under the filters shown'),
      el('button', { type: 'button', text: 'Copy link', onclick: copyLink }),
      el('button', { type: 'button', class: 'compare-btn', text: 'Compare…', onclick: () => chooseBase(id, meta, base => page.change({ base, norm: '' })) }),
      el('button', { type: 'button', class: 'merge-btn', text: 'Merge…', onclick: () => chooseMerge(id, meta, mergeIds(page.state().merge), ids => page.change({ merge: ids.join(','), zoom: '' })) }),
      el('button', {
        type: 'button', class: 'danger delete-btn', text: token ? 'Delete' : 'Delete…', onclick: del,
        title: token ? 'Delete this profile (this browser holds its token)' : 'Delete this profile with its delete token',
      }));
  }

  /** The token this browser holds that deletes the profile: its own, or its capture's series'. */
  function knownToken() {
    const own = api.deleteToken(id);
    if (own) return own;
    for (const s of meta?.series || []) {
      const t = s.shares_token ? api.deleteToken(s.id) : '';
      if (t) return t;
    }
    return '';
  }

  /** What the delete does to the series holding the profile, in words. */
  function seriesText() {
    const list = /** @type {any[]} */ (meta?.series || []);
    return list.map(s => {
      const n = Number(s.count) || 0, name = `“${s.name || s.id}”`;
      if (n <= 1) return `It is the only snapshot left in the series ${name}, which stays, empty, until it is deleted.`;
      return `It is a snapshot of the series ${name}, which keeps its other ${groupDigits(n - 1)} snapshot${n - 1 === 1 ? '' : 's'}.`;
    });
  }

  /**
   * A download of the view as shown: its URL is made from the state at the click.
   * @param {'proto'|'traces'|'callgrind'} kind @param {string} text @param {string} title
   */
  function exportLink(kind, text, title) {
    const a = el('a', { class: 'button export', 'data-export': kind, href: api.downloadUrl(id, kind, ''), download: '', text, title });
    const update = () => { a.setAttribute('href', api.downloadUrl(id, kind, serverQuery(page.state()))); };
    a.addEventListener('click', update);
    a.addEventListener('focus', update);
    a.addEventListener('mouseenter', update);
    return a;
  }

  /**
   * The Total fact: a value, or base → new (Δ) for a diff's flame graph.
   * @param {number|null} total @param {import('../../model/flame.js').FlameData|null} fd
   * @param {string} [unit] the sample unit when fd is null
   */
  function setTotal(total, fd, unit = '') {
    const u = fd?.sample.unit || unit;
    let text = '';
    if (fd && fd.diff && fd.baseTotal) {
      const base = fd.baseTotal[0], now = fd.total[0] + base;
      text = `${formatValue(base, u)} → ${formatValue(now, u)} (${formatDelta(now - base, u)})`;
    } else if (total !== null) {
      text = formatValue(total, u);
    }
    if (!text || text === totalShown) return;
    totalShown = text;
    const dd = facts.querySelector('dd[data-k="total"]');
    if (dd) dd.textContent = text;
  }

  async function copyLink() {
    const url = location.href;
    try {
      await navigator.clipboard.writeText(url);
      toast('Link copied');
    } catch {
      const inp = el('input', { type: 'text', value: url, readonly: true, class: 'copy-field' });
      openDialog('Copy this link', inp);
      inp.select();
    }
  }

  async function del() {
    const token = knownToken();
    const ok = await actionDialog({
      title: (meta?.series || []).length ? 'Delete this snapshot?' : 'Delete this profile?',
      text: [
        `“${meta?.name || id}” will be removed for everyone who has the link.`,
        ...seriesText(),
        ...(token ? [] : ['This browser does not hold its delete token: paste the token given when it was uploaded (a capture’s snapshots take their series’ token).']),
      ],
      yes: 'Delete',
      askToken: !token,
      run: t => api.deleteProfile(id, t || token),
    });
    if (!ok) return;
    toast('Profile deleted');
    go('', {});
  }

  return {
    el: header,
    setMeta,
    setTotal,
    /** The metadata, null until it arrives. */
    meta: () => meta,
    /** The query changed: the next total replaces the one shown, even if equal. */
    resetTotal() { totalShown = ''; },
  };
}
