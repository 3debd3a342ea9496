// @ts-check
// Home page: drop zone and file picker (several files at once) with upload
// progress, a form to fetch a profile from a URL, and the stored profiles.

import * as api from '../api.js';
import { el, replace, errorBox } from '../ui/dom.js';
import { formatSize, formatTime, formatAge, profileKind, formatDuration } from '../model/format.js';
import { go } from '../url-state.js';

/**
 * @param {HTMLElement} app
 */
export async function mountHome(app) {
  document.title = 'Hearth';
  const input = el('input', { type: 'file', multiple: true, id: 'file-input', class: 'visually-hidden' });
  const uploads = el('ul', { class: 'uploads', 'aria-live': 'polite' });
  const drop = el('label', { class: 'drop', for: 'file-input' },
    el('span', { class: 'drop-icon', 'aria-hidden': 'true', text: '⇪' }),
    el('strong', { text: 'Drop pprof files here' }),
    el('span', { class: 'muted', text: 'or click to choose (several at once are fine): .pb.gz, .pb, heap, profile, …' }));

  const listBody = el('tbody');
  const listState = el('p', { class: 'muted', text: 'Loading…' });
  const moreBtn = el('button', { type: 'button', class: 'more', hidden: true, text: 'Show older profiles' });
  let cursor = '';

  /** @param {FileList|File[]} files */
  const startUploads = async files => {
    const list = Array.from(files);
    if (!list.length) return;
    const done = [];
    await Promise.all(list.map(async f => {
      const bar = el('progress', { max: '100', value: '0' });
      const msg = el('span', { class: 'muted', text: 'uploading…' });
      const item = el('li', {}, el('span', { class: 'file', text: f.name }), bar, msg);
      uploads.append(item);
      try {
        const meta = await api.upload(f, f.name, (sent, total) => {
          const pct = total ? Math.round((sent / total) * 100) : 0;
          bar.value = pct;
          msg.textContent = sent >= total ? 'processing…' : `${pct}% of ${formatSize(total)}`;
        });
        bar.value = 100;
        replace(item, el('a', { href: `p/${meta.id}`, class: 'file', text: meta.name || f.name }),
          el('span', { class: 'ok', text: `stored (${profileKind(meta)}, ${meta.samples} samples)` }));
        done.push(meta);
      } catch (e) {
        bar.remove();
        msg.className = 'error';
        msg.textContent = e instanceof Error ? e.message : String(e);
      }
    }));
    if (list.length === 1 && done.length === 1) {
      go(`p/${done[0].id}`, {});
      return;
    }
    refresh();
  };

  input.addEventListener('change', () => { if (input.files) startUploads(input.files); input.value = ''; });
  for (const t of ['dragenter', 'dragover']) {
    drop.addEventListener(t, e => { e.preventDefault(); drop.classList.add('over'); });
  }
  for (const t of ['dragleave', 'drop']) drop.addEventListener(t, () => drop.classList.remove('over'));
  drop.addEventListener('drop', e => {
    e.preventDefault();
    if (e.dataTransfer?.files?.length) startUploads(e.dataTransfer.files);
  });

  // fetch from a URL
  const urlIn = el('input', { type: 'url', name: 'url', required: true, placeholder: 'http://host:6060/debug/pprof/heap', 'aria-label': 'Profile URL' });
  const secIn = el('input', { type: 'number', name: 'seconds', min: '1', max: '600', placeholder: '—', 'aria-label': 'Seconds (CPU profiles)', class: 'seconds' });
  const nameIn = el('input', { type: 'text', name: 'name', placeholder: 'name (optional)', 'aria-label': 'Name', class: 'name' });
  const fetchBtn = el('button', { type: 'submit', class: 'primary', text: 'Fetch' });
  const fetchMsg = el('p', { class: 'fetch-status', 'aria-live': 'polite' });
  const form = el('form', { class: 'fetch-form' },
    el('label', { class: 'grow' }, el('span', { text: 'URL' }), urlIn),
    el('label', {}, el('span', { text: 'Seconds' }), secIn),
    el('label', {}, el('span', { text: 'Name' }), nameIn),
    fetchBtn);
  /** @type {AbortController|null} */
  let fetching = null;
  form.addEventListener('submit', async e => {
    e.preventDefault();
    if (fetching) { fetching.abort(); return; }
    let url;
    try {
      url = new URL(urlIn.value);
    } catch {
      fetchMsg.className = 'fetch-status error';
      fetchMsg.textContent = 'That is not a URL.';
      return;
    }
    if (secIn.value) url.searchParams.set('seconds', String(Math.max(1, Math.floor(Number(secIn.value)))));
    fetching = new AbortController();
    const t0 = Date.now();
    const expect = secIn.value ? Number(secIn.value) : 0;
    fetchBtn.textContent = 'Cancel';
    fetchMsg.className = 'fetch-status';
    const tick = () => {
      const s = Math.round((Date.now() - t0) / 1000);
      fetchMsg.textContent = `Waiting for ${url.host}… ${s} s${expect ? ` (the profile takes ${expect} s)` : ''}`;
    };
    tick();
    const timer = setInterval(tick, 1000);
    try {
      const meta = await api.fetchProfile(url.href, nameIn.value || url.href, fetching.signal);
      go(`p/${meta.id}`, {});
    } catch (err) {
      fetchMsg.className = 'fetch-status error';
      fetchMsg.textContent = err instanceof DOMException && err.name === 'AbortError' ? 'Cancelled.' : (err instanceof Error ? err.message : String(err));
    } finally {
      clearInterval(timer);
      fetching = null;
      fetchBtn.textContent = 'Fetch';
    }
  });

  const now = Date.now();
  /** @param {any} p */
  const row = p => {
    const info = p.info || {};
    const types = (info.sample_types || []).map((/** @type {any} */ t) => t.type).join(', ');
    const when = info.time_nanos ? Math.floor(info.time_nanos / 1e6) : 0;
    return el('tr', {},
      el('td', { class: 'name' }, el('a', { href: `p/${p.id}`, text: p.name || p.id }),
        p.source_url ? el('div', { class: 'muted small', text: `from ${p.source_url}` }) : null),
      el('td', {}, el('span', { class: 'kind', text: profileKind(info) }), el('div', { class: 'muted small', text: types })),
      el('td', {}, formatTime(when) || '—',
        info.duration_nanos ? el('div', { class: 'muted small', text: formatDuration(info.duration_nanos) }) : null),
      el('td', { title: formatTime(p.created) }, formatAge(p.created, now)),
      el('td', { class: 'num' }, formatSize(p.size)));
  };
  const load = async () => {
    try {
      const r = await api.listProfiles(50, cursor);
      for (const p of r.profiles) listBody.append(row(p));
      cursor = r.next || '';
      moreBtn.hidden = !cursor;
      listState.textContent = listBody.childElementCount ? '' : 'No profiles yet: upload one above.';
    } catch (e) {
      replace(listState, errorBox(e));
    }
  };
  const refresh = () => { replace(listBody); cursor = ''; load(); };
  moreBtn.addEventListener('click', load);

  replace(app,
    el('section', { class: 'home' },
      el('div', { class: 'home-grid' },
        el('section', { class: 'card' }, el('h2', { text: 'Upload' }), drop, input, uploads),
        el('section', { class: 'card' }, el('h2', { text: 'Fetch from a URL' }),
          el('p', { class: 'muted small', text: 'The server fetches the profile (if its --fetch-allow list permits the host). For CPU profiles, set how many seconds to record.' }),
          form, fetchMsg)),
      el('section', { class: 'card' },
        el('h2', { text: 'Profiles' }),
        el('div', { class: 'table-wrap' },
          el('table', { class: 'list' },
            el('thead', {}, el('tr', {}, ...['Name', 'Kind', 'Taken', 'Uploaded', 'Size'].map((h, i) => el('th', { scope: 'col', class: i === 4 ? 'num' : undefined, text: h })))),
            listBody)),
        listState, moreBtn)));
  await load();
}
