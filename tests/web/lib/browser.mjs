// Debian's chromium driven by playwright-core, with the flags that keep a
// headless browser quiet in CI. Missing pieces mean "skip" (exit 77).
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.HEARTH_CHROMIUM || '/usr/bin/chromium';
export const ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The reason the browser tests cannot run here, or '' if they can. */
export async function whyNot() {
  if (!existsSync(CHROMIUM)) return `${CHROMIUM} is missing (apt-get install chromium)`;
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core is missing (npm ci)';
  }
  return '';
}

export async function launch() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A page that records console errors, page errors and dialogs (none are allowed).
 * @param {import('playwright-core').Browser} browser
 * @param {{colorScheme?: 'light'|'dark', width?: number, height?: number}} [o]
 */
export async function openPage(browser, o = {}) {
  const context = await browser.newContext({
    viewport: { width: o.width || 1280, height: o.height || 720 },
    colorScheme: o.colorScheme || 'light',
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const problems = [];
  page.on('console', m => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', e => problems.push(`page error: ${e.message}`));
  page.on('dialog', d => { problems.push(`dialog ${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  return { context, page, problems };
}
