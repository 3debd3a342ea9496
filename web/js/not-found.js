// @ts-check
// The server's not-found page (web/404.html): its app bar's theme toggle,
// as on every page of the app.

import { initTheme, bindThemeButton } from './ui/theme.js';

initTheme();
bindThemeButton(/** @type {HTMLButtonElement} */ (document.getElementById('theme')));
