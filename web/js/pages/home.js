// @ts-check
// Home page: drop zone and file picker (several files at once, optionally
// stored as one series) with upload progress, a form to fetch a profile from
// a URL, one to capture a series from a URL, one to capture several
// processes together (a capture group: name and URL of each target), a box
// for GC trace logs, the recent capture groups and series, and the stored
// profiles.

import * as api from '../api.js';
import { el, replace, errorBox } from '../ui/dom.js';
import { formatSize, formatTime, formatAge, profileKind, formatDuration, groupDigits } from '../model/format.js';
import { go } from '../url-state.js';
import { looksLikeSequence, seriesName, formatSeconds } from '../model/series.js';

/** Uploads sent at once (the server's default --max-client-uploads). */
const UPLOADS_AT_ONCE = 2;

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
    el('span', { class: 'muted', text: 'or click to choose (several at once are fine): .pb.gz, .pb, heap, profile, …' }),
    el('span', { class: 'muted small', text: 'A .zip, .tar.gz, .tgz or .tar of snapshots (heap.0, heap.1, … or timestamped names) becomes one series.' }));

  const listBody = el('tbody');
  const listState = el('p', { class: 'muted', text: 'Loading…' });
  const moreBtn = el('button', { type: 'button', class: 'more', hidden: true, text: 'Show older profiles' });
  let cursor = '';

  /** @type {HTMLElement|null} */
  let seriesPanel = null;

  /**
   * What several files are, chosen while they upload and acted on only when
   * the user says so: snapshots of one process over time (one series, the
   * default for sequence-like names), parts of one run to merge into one
   * view (as `go tool pprof a b c`), or separate profiles.
   * @param {string[]} names
   */
  const seriesChoice = names => {
    seriesPanel?.remove();
    const seq = looksLikeSequence(names);
    const radio = (/** @type {string} */ id, /** @type {boolean} */ on, /** @type {string} */ label, /** @type {string} */ hint) => {
      const r = el('input', { type: 'radio', name: 'several', id, checked: on });
      return { r, row: el('div', { class: 'several-opt' }, el('label', { class: 'check', for: id }, r, el('span', { class: 'opt-name', text: label })), hint ? el('span', { class: 'muted small hint', text: hint }) : null) };
    };
    const series = radio('as-series', seq, 'One series', 'snapshots of one process over time: growth between them, diffs, a GC trace');
    const merge = radio('as-merge', false, 'Merge into one view', 'parts of one run, as go tool pprof a b c: one flame graph, top and call graph');
    const apart = radio('as-separate', !seq, 'Separate profiles', '');
    const nameIn = el('input', { type: 'text', id: 'series-name', value: seriesName(names), 'aria-label': 'Series name', placeholder: 'series name' });
    const goBtn = el('button', { type: 'button', class: 'primary go', disabled: true, text: 'Waiting for the uploads…' });
    const msg = el('span', { class: 'series-msg', 'aria-live': 'polite' });
    const panel = el('fieldset', { class: 'series-choice' },
      el('legend', { text: `${names.length} files` }),
      series.row, el('div', { class: 'several-row indent' }, nameIn), merge.row, apart.row,
      el('div', { class: 'several-row' }, goBtn, msg));
    const sync = () => {
      nameIn.disabled = !series.r.checked;
      goBtn.hidden = apart.r.checked;
    };
    for (const r of [series.r, merge.r, apart.r]) r.addEventListener('change', sync);
    sync();
    uploads.before(panel);
    seriesPanel = panel;
    /** @returns {'series'|'merge'|'apart'} */
    const mode = () => (series.r.checked ? 'series' : merge.r.checked ? 'merge' : 'apart');
    return { panel, nameIn, msg, goBtn, mode };
  };

  /**
   * Make a series of stored profiles and open it.
   * @param {string[]} ids @param {string} name @param {HTMLElement} msg
   */
  const makeSeries = async (ids, name, msg) => {
    msg.className = 'series-msg muted';
    msg.textContent = 'Creating the series…';
    try {
      const s = await api.createSeries({ name: name || undefined, profiles: ids });
      go(`s/${s.id}`, {});
      return true;
    } catch (e) {
      msg.className = 'series-msg error';
      msg.textContent = e instanceof Error ? e.message : String(e);
      return false;
    }
  };

  /** @param {FileList|File[]} files */
  const startUploads = async files => {
    const all = Array.from(files);
    const archives = all.filter(f => api.isArchiveName(f.name));
    const list = all.filter(f => !api.isArchiveName(f.name));
    const made = await Promise.all(archives.map(sendArchive));
    if (!list.length) {
      const ok = made.filter(Boolean);
      if (archives.length === 1 && ok.length === 1) go(`s/${ok[0].id}`, {});
      else refresh();
      return;
    }
    const choice = list.length >= 2 ? seriesChoice(list.map(f => f.name)) : null;
    /** @type {any[]} */
    const stored = new Array(list.length).fill(null);
    const done = [];
    const items = list.map(f => {
      const bar = el('progress', { max: '100', value: '0' });
      const msg = el('span', { class: 'muted', text: 'waiting…' });
      const item = el('li', {}, el('span', { class: 'file', text: f.name }), bar, msg);
      uploads.append(item);
      return { bar, msg, item };
    });
    /** @param {File} f @param {number} k */
    const send = async (f, k) => {
      const { bar, msg, item } = items[k];
      msg.textContent = 'uploading…';
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
        stored[k] = meta;
      } catch (e) {
        bar.remove();
        msg.className = 'error';
        msg.textContent = e instanceof Error ? e.message : String(e);
      }
    };
    // a few at a time: the server answers 429 to more bodies at once from
    // one client (--max-client-uploads, 2 by default)
    let next = 0;
    const lane = async () => { while (next < list.length) { const k = next++; await send(list[k], k); } };
    await Promise.all(Array.from({ length: Math.min(UPLOADS_AT_ONCE, list.length) }, lane));
    if (all.length === 1 && done.length === 1) {
      go(`p/${done[0].id}`, {});
      return;
    }
    const ids = stored.filter(Boolean).map(m => m.id);
    if (choice && ids.length >= 2) {
      // nothing happens on its own: the choice stays open until the user acts
      const { goBtn, msg } = choice;
      goBtn.disabled = false;
      const label = () => { goBtn.textContent = choice.mode() === 'merge' ? `Open the ${ids.length} merged` : `Open as a series of ${ids.length}`; };
      label();
      choice.panel.addEventListener('change', label);
      goBtn.addEventListener('click', async () => {
        if (choice.mode() === 'merge') { go(`p/${ids[0]}`, { merge: ids.slice(1).join(',') }); return; }
        goBtn.disabled = true;
        if (!(await makeSeries(ids, choice.nameIn.value.trim(), msg))) goBtn.disabled = false;
      });
    } else if (choice) {
      choice.panel.remove();
    }
    refresh();
  };

  /**
   * One archive of snapshots: uploaded whole, made a series by the server,
   * which says how it ordered them and what it skipped.
   * @param {File} f
   * @returns {Promise<any>} the series, or null when refused
   */
  const sendArchive = async f => {
    const bar = el('progress', { max: '100', value: '0' });
    const msg = el('span', { class: 'muted', text: 'uploading…' });
    const item = el('li', { class: 'archive' }, el('span', { class: 'file', text: f.name }), bar, msg);
    uploads.append(item);
    try {
      const s = await api.uploadArchive(f, f.name.replace(/\.(zip|tar|tgz|tar\.gz)$/i, ''), (sent, total) => {
        const pct = total ? Math.round((sent / total) * 100) : 0;
        bar.value = pct;
        msg.textContent = sent >= total ? 'unpacking…' : `${pct}% of ${formatSize(total)}`;
      });
      const a = s.archive || {};
      const skipped = (a.entries || []).filter((/** @type {any} */ e) => e.status === 'skipped');
      replace(item, el('a', { href: `s/${s.id}`, class: 'file', text: s.name || f.name }),
        el('span', { class: 'ok', text: `series of ${a.profiles} snapshots, ordered ${a.order_text || a.order}` }),
        skipped.length ? el('span', {
          class: 'muted small archive-facts',
          title: skipped.map((/** @type {any} */ e) => `${e.name}: ${e.reason}${e.detail ? ` (${e.detail})` : ''}`).join('\n'),
          text: `${skipped.length} entr${skipped.length === 1 ? 'y' : 'ies'} skipped`,
        }) : null);
      return s;
    } catch (e) {
      bar.remove();
      msg.className = 'error';
      msg.textContent = e instanceof Error ? e.message : String(e);
      return null;
    }
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

  /* capture a series from a URL */
  const capUrl = el('input', { type: 'url', name: 'url', required: true, placeholder: 'http://host:6060/debug/pprof/heap', 'aria-label': 'Profile URL to capture' });
  const capInterval = el('input', { type: 'number', name: 'interval', min: '1', max: '86400', value: '30', required: true, 'aria-label': 'Interval in seconds', class: 'seconds' });
  const capCount = el('input', { type: 'number', name: 'count', min: '2', max: '1000', value: '10', required: true, 'aria-label': 'Number of snapshots', class: 'seconds' });
  const capName = el('input', { type: 'text', name: 'name', placeholder: 'name (optional)', 'aria-label': 'Series name', class: 'name' });
  const capGc = el('input', { type: 'checkbox', name: 'gc', id: 'cap-gc' });
  // a long capture keeps what matters: the server's --thin-* policy (up to 100,000 snapshots)
  const capThin = el('input', { type: 'checkbox', name: 'thin', id: 'cap-thin' });
  capThin.addEventListener('change', () => { capCount.max = capThin.checked ? '100000' : '1000'; });
  const capBtn = el('button', { type: 'submit', class: 'primary', text: 'Start capture' });
  const capMsg = el('p', { class: 'fetch-status', 'aria-live': 'polite' });
  const capForm = el('form', { class: 'fetch-form capture-form' },
    el('label', { class: 'grow' }, el('span', { text: 'URL' }), capUrl),
    el('label', {}, el('span', { text: 'Every (s)' }), capInterval),
    el('label', {}, el('span', { text: 'Snapshots' }), capCount),
    el('label', {}, el('span', { text: 'Name' }), capName),
    el('label', { class: 'check' }, capGc, el('span', { text: 'GC before each heap snapshot (?gc=1)' })),
    el('label', { class: 'check', title: 'Every snapshot of the last hour is kept, one per 10 min before it (the server’s settings), and always the first, the last and the peak; the series page says what went.' },
      capThin, el('span', { text: 'Thin old snapshots (long captures)' })),
    capBtn);
  capForm.addEventListener('submit', async e => {
    e.preventDefault();
    try {
      new URL(capUrl.value);
    } catch {
      capMsg.className = 'fetch-status error';
      capMsg.textContent = 'That is not a URL.';
      return;
    }
    capBtn.disabled = true;
    capMsg.className = 'fetch-status';
    capMsg.textContent = 'Starting…';
    try {
      const s = await api.createCapture({
        url: capUrl.value, interval_s: Math.max(1, Math.floor(Number(capInterval.value) || 30)), count: Math.max(2, Math.floor(Number(capCount.value) || 10)),
        name: capName.value.trim() || undefined, gc: capGc.checked, ...(capThin.checked ? { thin: true } : {}),
      });
      go(`s/${s.id}`, {});
    } catch (err) {
      capMsg.className = 'fetch-status error';
      capMsg.textContent = err instanceof Error ? err.message : String(err);
    } finally {
      capBtn.disabled = false;
    }
  });

  /*
   * capture several processes together (a capture group): one row per target,
   * its name and URL; the server checks them all (names, URLs, the hosts it may
   * fetch, a first snapshot of each) and its message names the target it refuses.
   */
  const grpRows = el('div', { class: 'target-rows' });
  const grpAdd = el('button', { type: 'button', class: 'add-target', text: '+ Add a target' });
  const grpInterval = el('input', { type: 'number', name: 'interval', min: '1', max: '86400', value: '30', required: true, 'aria-label': 'Group interval in seconds', class: 'seconds' });
  const grpCount = el('input', { type: 'number', name: 'count', min: '2', max: '1000', value: '10', required: true, 'aria-label': 'Group number of snapshots', class: 'seconds' });
  const grpName = el('input', { type: 'text', name: 'name', placeholder: 'name (optional)', 'aria-label': 'Group name', class: 'name' });
  const grpGc = el('input', { type: 'checkbox', name: 'gc', id: 'grp-gc' });
  const grpBtn = el('button', { type: 'submit', class: 'primary', text: 'Start group' });
  const grpMsg = el('p', { class: 'fetch-status group-msg', 'aria-live': 'polite' });
  /** @type {{row: HTMLElement, name: HTMLInputElement, url: HTMLInputElement}[]} */
  const grpTargets = [];
  const SUGGEST = ['source', 'destination', 'orchestrator'];
  const syncRows = () => {
    grpTargets.forEach((t, k) => {
      t.name.setAttribute('aria-label', `Name of target ${k + 1}`);
      t.url.setAttribute('aria-label', `URL of target ${k + 1}`);
      const rm = /** @type {HTMLButtonElement} */ (t.row.querySelector('.remove-target'));
      rm.disabled = grpTargets.length <= 1;
      rm.title = `Remove target ${k + 1}`;
      rm.setAttribute('aria-label', `Remove target ${k + 1}`);
    });
  };
  const clearInvalid = () => {
    for (const t of grpTargets) {
      t.row.classList.remove('invalid');
      t.name.removeAttribute('aria-invalid');
      t.url.removeAttribute('aria-invalid');
    }
  };
  const addTarget = () => {
    const k = grpTargets.length;
    const name = /** @type {HTMLInputElement} */ (el('input', { type: 'text', name: 'target-name', class: 'target-name', placeholder: SUGGEST[k] || `target${k + 1}`, spellcheck: 'false', autocomplete: 'off' }));
    const url = /** @type {HTMLInputElement} */ (el('input', { type: 'url', name: 'target-url', class: 'target-url', placeholder: 'http://host:6060/debug/pprof/heap' }));
    const rm = el('button', { type: 'button', class: 'remove-target', text: '×' });
    const row = el('div', { class: 'target-row', 'data-row': String(k) },
      el('label', {}, el('span', { text: 'Name' }), name),
      el('label', { class: 'grow' }, el('span', { text: 'URL' }), url), rm);
    const t = { row, name, url };
    rm.addEventListener('click', () => {
      const i = grpTargets.indexOf(t);
      if (i < 0 || grpTargets.length <= 1) return;
      grpTargets.splice(i, 1);
      row.remove();
      grpTargets.forEach((x, j) => { x.row.dataset.row = String(j); });
      syncRows();
      (grpTargets[Math.min(i, grpTargets.length - 1)].name).focus();
    });
    grpTargets.push(t);
    grpRows.append(row);
    syncRows();
    return t;
  };
  addTarget();
  addTarget();
  grpAdd.addEventListener('click', () => addTarget().name.focus());
  const grpForm = el('form', { class: 'fetch-form group-form' },
    grpRows,
    el('div', { class: 'group-add' }, grpAdd),
    el('label', {}, el('span', { text: 'Every (s)' }), grpInterval),
    el('label', {}, el('span', { text: 'Snapshots' }), grpCount),
    el('label', {}, el('span', { text: 'Name' }), grpName),
    el('label', { class: 'check' }, grpGc, el('span', { text: 'GC before each heap snapshot (?gc=1)' })),
    grpBtn);
  grpForm.addEventListener('submit', async e => {
    e.preventDefault();
    clearInvalid();
    // rows left wholly empty are not targets
    const used = grpTargets.filter(t => t.name.value.trim() || t.url.value.trim());
    if (!used.length) {
      grpMsg.className = 'fetch-status group-msg error';
      grpMsg.textContent = 'Give each target a name and the URL of its profile.';
      grpTargets[0].row.classList.add('invalid');
      return;
    }
    grpBtn.disabled = true;
    grpMsg.className = 'fetch-status group-msg';
    grpMsg.textContent = `Starting ${used.length} target${used.length > 1 ? 's' : ''} (a first snapshot of each)…`;
    try {
      const g = await api.createCaptureGroup({
        targets: used.map(t => ({ name: t.name.value.trim(), url: t.url.value.trim() })),
        interval_s: Math.max(1, Math.floor(Number(grpInterval.value) || 30)),
        count: Math.max(2, Math.floor(Number(grpCount.value) || 10)),
        name: grpName.value.trim() || undefined, gc: grpGc.checked,
      });
      go(`c/${g.id}`, {});
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      grpMsg.className = 'fetch-status group-msg error';
      grpMsg.textContent = msg;
      // the target the server refused: "targets[i]: ..." (its fields), or
      // 'target "name": ...' (its URL: refused, or its first fetch failed)
      const m = /^targets\[(\d+)\]: (.*)/.exec(msg);
      const bad = m ? used[Number(m[1])] : used.find(t => t.name.value.trim() && msg.startsWith(`target "${t.name.value.trim()}"`));
      if (bad) {
        bad.row.classList.add('invalid');
        const which = !m ? bad.url : /\bURL\b/.test(m[2]) ? bad.url : /\bname\b/.test(m[2]) ? bad.name : null;
        for (const inp of which ? [which] : [bad.name, bad.url]) inp.setAttribute('aria-invalid', 'true');
        (which || bad.name).focus();
      }
    } finally {
      grpBtn.disabled = false;
    }
  });

  /* a GC trace log: pasted or a file */
  const gcText = el('textarea', { name: 'log', rows: '4', spellcheck: 'false', 'aria-label': 'GC trace log', placeholder: 'gc 1 @0.011s 2%: 0.010+0.5+0.003 ms clock, 0.08+0.1/0.4/0.5+0.02 ms cpu, 4->4->0 MB, 5 MB goal, 0 MB stacks, 0 MB globals, 8 P' });
  const gcFile = el('input', { type: 'file', id: 'gc-file', class: 'visually-hidden', accept: '.log,.txt,text/plain' });
  const gcFileName = el('span', { class: 'muted small gc-file-name' });
  const gcName = el('input', { type: 'text', name: 'name', placeholder: 'name (optional)', 'aria-label': 'GC trace name', class: 'name' });
  const gcBtn = el('button', { type: 'submit', class: 'primary', text: 'Show' });
  const gcMsg = el('p', { class: 'fetch-status', 'aria-live': 'polite' });
  gcFile.addEventListener('change', () => { gcFileName.textContent = gcFile.files?.[0]?.name || ''; });
  const gcForm = el('form', { class: 'gc-form' },
    gcText,
    el('div', { class: 'row' },
      el('label', { class: 'button', for: 'gc-file', text: 'Choose a log file…' }), gcFile, gcFileName,
      gcName, gcBtn),
    gcMsg);
  gcForm.addEventListener('submit', async e => {
    e.preventDefault();
    const f = gcFile.files?.[0];
    if (!f && !gcText.value.trim()) {
      gcMsg.className = 'fetch-status error';
      gcMsg.textContent = 'Paste a log or choose a file.';
      return;
    }
    gcBtn.disabled = true;
    gcMsg.className = 'fetch-status';
    gcMsg.textContent = 'Reading the log…';
    try {
      const g = await api.uploadGctrace(f || gcText.value, gcName.value.trim() || f?.name || 'gctrace');
      go(`g/${g.id}`, {});
    } catch (err) {
      gcMsg.className = 'fetch-status error';
      gcMsg.textContent = err instanceof Error ? err.message : String(err);
    } finally {
      gcBtn.disabled = false;
    }
  });

  /* recent capture groups */
  const groupsBody = el('tbody');
  const groupsCard = el('section', { class: 'card groups-list', hidden: true },
    el('h2', { text: 'Capture groups' }),
    el('div', { class: 'table-wrap' },
      el('table', { class: 'series-table groups-table' },
        el('thead', {}, el('tr', {}, ...['Name', 'Targets', 'Snapshots', 'State', 'Created'].map((h, i) => el('th', { scope: 'col', class: i === 1 ? 'num' : undefined, text: h })))),
        groupsBody)));
  const loadGroups = async () => {
    try {
      const r = await api.listCaptureGroups();
      const list = Array.isArray(r?.groups) ? r.groups : [];
      const t = Date.now();
      replace(groupsBody, ...list.slice(0, 20).map((/** @type {any} */ g) => {
        const state = String(g.state || '');
        return el('tr', { 'data-group': String(g.id) },
          el('td', { class: 'name' }, el('a', { href: `c/${encodeURIComponent(g.id)}`, text: g.name || g.id })),
          el('td', { class: 'num', text: groupDigits(Number(g.targets) || 0) }),
          el('td', { class: 'muted small', text: `${groupDigits(Number(g.count) || 0)} each, every ${formatSeconds(Number(g.interval_s) || 0)}` }),
          el('td', {}, el('span', { class: `state state-${state.replace(/[^a-z]/g, '')}`, 'data-state': state, text: state })),
          el('td', { title: formatTime(g.created) }, formatAge(g.created, t)));
      }));
      groupsCard.hidden = !list.length;
    } catch {
      groupsCard.hidden = true; // a server without capture groups
    }
  };

  /* recent series */
  const seriesBody = el('tbody');
  const seriesCard = el('section', { class: 'card series-list', hidden: true },
    el('h2', { text: 'Series' }),
    el('div', { class: 'table-wrap' },
      el('table', { class: 'series-table' },
        el('thead', {}, el('tr', {}, ...['Name', 'Kind', 'Snapshots', 'Capture', 'Created'].map((h, i) => el('th', { scope: 'col', class: i === 2 ? 'num' : undefined, text: h })))),
        seriesBody)));
  const loadSeries = async () => {
    try {
      const r = await api.listSeries();
      const list = Array.isArray(r?.series) ? r.series : [];
      const t = Date.now();
      replace(seriesBody, ...list.slice(0, 50).map((/** @type {any} */ s) => {
        const c = s.capture;
        return el('tr', {},
          el('td', { class: 'name' }, el('a', { href: `s/${s.id}`, text: s.name || s.id }),
            s.source_url ? el('div', { class: 'muted small', text: `from ${s.source_url}` }) : null),
          el('td', {}, el('span', { class: 'kind', text: s.kind ? profileKind({ sample_types: [{ type: String(s.kind), unit: '' }] }) : 'series' })),
          el('td', { class: 'num', text: groupDigits(Number(s.count) || 0) }),
          el('td', {}, c ? el('span', { class: `state state-${String(c.state || '').replace(/[^a-z]/g, '')}`, 'data-state': String(c.state || ''), text: String(c.state || '') }) : el('span', { class: 'muted', text: 'uploaded' }),
            c ? el('div', { class: 'muted small', text: `${groupDigits(Number(c.taken) || 0)} of ${groupDigits(Number(c.count) || 0)}${c.interval_s ? `, every ${formatSeconds(Number(c.interval_s))}` : ''}` }) : null),
          el('td', { title: formatTime(s.created) }, formatAge(s.created, t)));
      }));
      seriesCard.hidden = !list.length;
    } catch {
      seriesCard.hidden = true; // a server without series
    }
  };

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
  const refresh = () => { replace(listBody); cursor = ''; load(); loadSeries(); loadGroups(); };
  moreBtn.addEventListener('click', load);

  replace(app,
    el('section', { class: 'home' },
      el('div', { class: 'home-grid' },
        el('section', { class: 'card' }, el('h2', { text: 'Upload' }), drop, input, uploads),
        el('section', { class: 'card' }, el('h2', { text: 'Fetch from a URL' }),
          el('p', { class: 'muted small', text: 'The server fetches the profile (if its --fetch-allow list permits the host). For CPU profiles, set how many seconds to record.' }),
          form, fetchMsg)),
      el('div', { class: 'home-grid' },
        el('section', { class: 'card' }, el('h2', { text: 'Capture a series' }),
          el('p', { class: 'muted small', text: 'The server takes a snapshot every interval (heap or goroutine profiles while a leak grows) and keeps them as one series.' }),
          capForm, capMsg),
        el('section', { class: 'card' }, el('h2', { text: 'GC trace' }),
          el('p', { class: 'muted small', text: 'Paste or upload the output of a Go program run with GODEBUG=gctrace=1.' }),
          gcForm)),
      el('section', { class: 'card group-start' }, el('h2', { text: 'Capture several processes together' }),
        el('p', { class: 'muted small', text: 'One capture of several targets (a name and a URL each, for example source, destination and orchestrator): every target is snapshotted at the same moments, and one page shows them side by side, each with its totals, runtime memory and growth.' }),
        grpForm, grpMsg),
      groupsCard,
      seriesCard,
      el('section', { class: 'card' },
        el('h2', { text: 'Profiles' }),
        el('div', { class: 'table-wrap' },
          el('table', { class: 'list' },
            el('thead', {}, el('tr', {}, ...['Name', 'Kind', 'Taken', 'Uploaded', 'Size'].map((h, i) => el('th', { scope: 'col', class: i === 4 ? 'num' : undefined, text: h })))),
            listBody)),
        listState, moreBtn)));
  await Promise.all([load(), loadSeries(), loadGroups()]);
}
