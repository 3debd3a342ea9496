// Before the first paint (a classic script in <head>, so it blocks): the
// theme as ui/theme.js resolves it: the toggle's remembered choice
// (localStorage hearth.theme) in html[data-theme], else the system's
// preference; html.dark when dark, which app.css's dark palette keys on.
// ui/theme.js keeps both current afterwards.
(function () {
  var root = document.documentElement, c = '';
  try { c = localStorage.getItem('hearth.theme') || ''; } catch (e) { /* storage off */ }
  if (c !== 'light' && c !== 'dark') c = '';
  if (c) root.setAttribute('data-theme', c);
  if (c ? c === 'dark' : matchMedia('(prefers-color-scheme: dark)').matches) root.classList.add('dark');
})();
