// @ts-check
// Light/dark theme: follows the system unless the user picked one with the
// toggle (kept in localStorage). html.dark switches app.css to its dark
// palette; theme-boot.js sets it before the first paint, this module keeps
// it current. Views redraw on the 'hearth:theme' event.

const KEY = 'hearth.theme';
const mq = matchMedia('(prefers-color-scheme: dark)');

/** @returns {'light'|'dark'|''} the user's choice, '' for "follow the system" */
export function choice() {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : '';
  } catch { return ''; }
}

/** Is the page dark right now? */
export function isDark() {
  const c = choice();
  return c ? c === 'dark' : mq.matches;
}

function apply() {
  const c = choice();
  if (c) document.documentElement.dataset.theme = c;
  else delete document.documentElement.dataset.theme;
  document.documentElement.classList.toggle('dark', isDark());
  dispatchEvent(new Event('hearth:theme'));
}

/**
 * Flip between light and dark. A choice that differs from the system's is
 * remembered; flipping back to the system's clears it, so the page follows
 * the system again.
 */
export function toggle() {
  const dark = !isDark();
  try {
    if (dark === mq.matches) localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, dark ? 'dark' : 'light');
  } catch { /* storage off */ }
  apply();
}

export function initTheme() {
  apply();
  mq.addEventListener('change', apply);
}

/**
 * Make the app bar's button flip the theme and say what it switches to.
 * @param {HTMLButtonElement} btn
 */
export function bindThemeButton(btn) {
  const label = () => {
    btn.textContent = isDark() ? '☀' : '☾';
    btn.title = isDark() ? 'Light mode' : 'Dark mode';
    btn.setAttribute('aria-label', btn.title);
  };
  btn.addEventListener('click', toggle);
  addEventListener('hearth:theme', label);
  label();
}
