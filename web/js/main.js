// @ts-check
// Hearth's UI shell: the profile list and upload on "/", the top table on
// "/p/<id>". The full UI (flame graph, call graph, diffs) builds on this.
// Names from profiles are inserted as text only (textContent), never as HTML.

const base = new URL('.', document.baseURI).pathname; // the server sets <base href> to its base path

/** @param {string} tag @param {Record<string,string>} [attrs] @param {(Node|string)[]} [kids] */
function el(tag, attrs = {}, kids = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const k of kids) e.append(k);
  return e;
}

/** @param {Response} r */
async function json(r) {
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body?.error?.message || `HTTP ${r.status}`);
  return body;
}

async function home(app) {
  const input = el('input', { type: 'file', multiple: '' });
  const status = el('p');
  input.addEventListener('change', async () => {
    for (const f of /** @type {HTMLInputElement} */ (input).files || []) {
      status.textContent = `Uploading ${f.name}…`;
      try {
        const r = await json(await fetch(`${base}api/profiles?name=${encodeURIComponent(f.name)}`,
          { method: 'POST', body: f, headers: { 'Content-Type': 'application/octet-stream' } }));
        localStorage.setItem(`hearth.delete.${r.id}`, r.delete_token);
        location.href = `${base}p/${r.id}`;
      } catch (e) {
        status.textContent = String(e.message || e);
        status.className = 'error';
      }
    }
  });
  const list = el('tbody');
  app.append(el('h1', {}, ['Profiles']), el('label', {}, ['Upload a profile: ', input]), status,
    el('table', {}, [el('thead', {}, [el('tr', {}, ['Name', 'Type', 'Created', 'Size'].map(h => el('th', {}, [h])))]), list]));
  const { profiles } = await json(await fetch(`${base}api/profiles?limit=100`));
  for (const p of profiles) {
    const types = (p.info.sample_types || []).map(t => t.type).join(', ');
    list.append(el('tr', {}, [el('td', {}, [el('a', { href: `${base}p/${p.id}` }, [p.name || p.id])]),
      el('td', {}, [types]), el('td', {}, [new Date(p.created).toLocaleString()]),
      el('td', { class: 'num' }, [String(p.size)])]));
  }
}

async function profile(app, id) {
  const meta = await json(await fetch(`${base}api/profiles/${id}`));
  const top = await json(await fetch(`${base}api/profiles/${id}/top${location.search}`));
  app.append(el('h1', {}, [meta.name || id]), el('p', {}, [`${top.sample.type} (${top.sample.unit}), total ${top.total}`]));
  const body = el('tbody');
  for (const r of top.rows.slice(0, 2000))
    body.append(el('tr', {}, [el('td', { class: 'num' }, [String(r.flat)]), el('td', { class: 'num' }, [String(r.cum)]), el('td', {}, [r.name])]));
  app.append(el('table', {}, [el('thead', {}, [el('tr', {}, [el('th', { class: 'num' }, ['flat']), el('th', { class: 'num' }, ['cum']), el('th', {}, ['name'])])]), body]));
}

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
const m = location.pathname.match(/\/p\/([A-Za-z0-9_-]+)$/);
(m ? profile(app, m[1]) : home(app)).catch(e => {
  app.append(el('p', { class: 'error' }, [String(e.message || e)]));
});
