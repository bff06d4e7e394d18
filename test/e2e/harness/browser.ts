// Headless Debian chromium driven by playwright-core (recipe step 7), and the few workbench moves the
// tests make: open a folder, run a command from the palette, answer a quick input, find status bar
// items, notifications and tree rows, take screenshots. Every wait is on an element, bounded.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { outputDir, testBed } from './paths';

export type { Browser, Locator, Page };

// Functions passed to page.waitForFunction/evaluate run in the browser; the project's tsconfig has
// no DOM lib (adding it would change timer types for the whole project), so these are declared here.
interface DomElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(sel: string): DomElement | null;
}
declare const document: { querySelector(sel: string): DomElement | null; querySelectorAll(sel: string): ArrayLike<DomElement> & Iterable<DomElement> };

/** Default bound for one UI wait; the first workbench load is slower (see openWorkbench). */
export const UI_TIMEOUT_MS = 20_000;

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: testBed().chromium,
    headless: true,
    timeout: 30_000,
    // The recipe's flags, plus --no-zygote: the zygote's helpers outlive a closed browser as zombies
    // under this machine's init (which does not reap them); without it none are left.
    args: ['--no-sandbox', '--no-zygote', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

export interface Workbench {
  page: Page;
  /** Browser console lines (for failure messages). */
  console: string[];
  /** Milliseconds from navigation to a usable workbench. */
  loadMs: number;
}

/** A new page on `url` (code-server's `?folder=` URL), once the workbench and its status bar are up. */
export async function openWorkbench(browser: Browser, url: string, timeoutMs = 90_000): Promise<Workbench> {
  const context = await browser.newContext({ viewport: { width: 1600, height: 1000 } });
  const page = await context.newPage();
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(`[${m.type()}] ${m.text()}`));
  page.on('pageerror', (e) => consoleLines.push(`[pageerror] ${e.message}`));
  const t0 = Date.now();
  await page.goto(url, { timeout: timeoutMs });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.locator('.part.statusbar').waitFor({ state: 'visible', timeout: timeoutMs });
  return { page, console: consoleLines, loadMs: Date.now() - t0 };
}

/** Save the page as test-output/e2e/<name>.png; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const file = path.join(outputDir(), `${name}.png`);
  await page.screenshot({ path: file });
  return file;
}

export function saveConsole(wb: Workbench, name: string): void {
  writeFileSync(path.join(outputDir('logs'), `${name}.browser-console.log`), wb.console.join('\n'));
}

const quickInput = (page: Page) => page.locator('.quick-input-widget');

/**
 * Open the command palette, pick the command whose label is exactly `title`, run it. The palette
 * lists what was registered when it opened: right after load, an extension's commands may not be
 * there yet (the remote extension host is still starting), so it is closed and reopened until the
 * command shows up (bounded by timeoutMs).
 */
export async function runCommand(page: Page, title: string, timeoutMs = 45_000): Promise<void> {
  const widget = quickInput(page);
  const input = widget.locator('input.input');
  const row = widget.locator('.quick-input-list .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(title)}$`) }) });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.locator('.monaco-workbench').focus().catch(() => undefined);
    await page.keyboard.press('Control+Shift+P');
    // The first key press can land before the workbench has keyboard focus: retried below.
    const opened = await input.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false);
    if (opened) {
      await input.fill(`>${title}`);
      const found = await row.first().waitFor({ state: 'visible', timeout: 3_000 }).then(() => true, () => false);
      if (found) break;
      await page.keyboard.press('Escape');
      await widget.waitFor({ state: 'hidden', timeout: 5_000 }).catch(() => undefined);
    }
    if (Date.now() > deadline) {
      await screenshot(page, `failed-command-${title.replace(/[^\w]+/g, '-')}`).catch(() => undefined);
      throw new Error(`command "${title}" not found in the palette within ${timeoutMs} ms`);
    }
  }
  await row.first().click();
  await widget.waitFor({ state: 'hidden', timeout: 2_000 }).catch(() => undefined); // a command may open its own quick input at once
}

/** The open quick input (input box, quick pick, or code-server's simple save dialog). */
export async function waitQuickInput(page: Page, opts: { placeholderOrTitle?: RegExp; timeoutMs?: number } = {}): Promise<Locator> {
  const widget = quickInput(page);
  await widget.locator('input.input').waitFor({ state: 'visible', timeout: opts.timeoutMs ?? UI_TIMEOUT_MS });
  if (opts.placeholderOrTitle) {
    const re = opts.placeholderOrTitle;
    await page.waitForFunction(
      ([src, flags]) => {
        const w = document.querySelector('.quick-input-widget');
        const input = w?.querySelector('input.input');
        const text = `${w?.querySelector('.quick-input-title')?.textContent ?? ''} ${input?.getAttribute('placeholder') ?? ''} ${input?.getAttribute('aria-label') ?? ''}`;
        return new RegExp(src, flags).test(text);
      },
      [re.source, re.flags] as const,
      { timeout: opts.timeoutMs ?? UI_TIMEOUT_MS },
    );
  }
  return widget;
}

/** Type `text` into the open quick input (replacing what is there) and accept it with Enter. */
export async function answerQuickInput(page: Page, text: string, opts: { timeoutMs?: number } = {}): Promise<void> {
  const widget = await waitQuickInput(page, opts);
  const input = widget.locator('input.input');
  await input.fill(text);
  await input.press('Enter');
}

/**
 * Answer code-server's simple save/open dialog (a quick input holding a path) with `file`. The
 * dialog re-lists the folder as the path changes and ignores Enter while it does, so Enter is
 * pressed again until the dialog closes, or until the prompt that follows it in the same widget
 * (`next`: its title or placeholder) is showing (bounded).
 */
export async function answerPathDialog(page: Page, file: string, opts: { next?: RegExp; timeoutMs?: number } = {}): Promise<void> {
  const widget = await waitQuickInput(page);
  const input = widget.locator('input.input');
  await input.fill(file);
  const deadline = Date.now() + (opts.timeoutMs ?? 15_000);
  for (;;) {
    if ((await input.inputValue()) !== file) await input.fill(file);
    await input.press('Enter');
    const closed = await widget.waitFor({ state: 'hidden', timeout: 2_000 }).then(() => true, () => false);
    if (closed) return;
    if (opts.next && (await waitQuickInput(page, { placeholderOrTitle: opts.next, timeoutMs: 1_000 }).then(() => true, () => false))) return;
    if (Date.now() > deadline) throw new Error(`the path dialog did not accept ${file} within ${opts.timeoutMs ?? 15_000} ms`);
  }
}

/** Pick the quick-pick row whose label matches `label`. */
export async function pickQuickItem(page: Page, label: RegExp | string): Promise<void> {
  const widget = await waitQuickInput(page);
  const row = widget.locator('.quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.click();
}

/** Status bar items whose text matches. */
export function statusBarItem(page: Page, text: RegExp | string): Locator {
  return page.locator('.part.statusbar .statusbar-item', { hasText: text });
}

/** Notification toasts whose text matches. */
export function notification(page: Page, text: RegExp | string): Locator {
  return page.locator('.notifications-toasts .notification-toast', { hasText: text });
}

/** Open an activity bar view container by its title (no-op when its side bar is already shown). */
export async function openViewContainer(page: Page, title: string): Promise<void> {
  const sidebarTitle = page.locator('.part.sidebar .composite.title h2', { hasText: new RegExp(`^${escapeRe(title)}`, 'i') });
  if (await sidebarTitle.isVisible().catch(() => false)) return;
  const item = page.locator(`.part.activitybar [aria-label^="${title}"], .part.sidebar .composite-bar [aria-label^="${title}"]`).first();
  await item.click();
  await sidebarTitle.waitFor({ state: 'visible' });
}

/** The side bar's tree/list rows. */
export function treeRows(page: Page): Locator {
  return page.locator('.part.sidebar .monaco-list-row');
}

export function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Accessible labels (aria-label, else text) of the elements matching `selector`, in order. */
export async function ariaLabels(page: Page, selector: string): Promise<string[]> {
  return page.locator(selector).evaluateAll((els) => els.map((e) => (e as unknown as DomElement).getAttribute('aria-label') ?? (e as unknown as DomElement).textContent ?? ''));
}

/** Wait until some element matching `selector` has an aria-label starting with `prefix` (polled in the page). */
export async function waitAriaPrefix(page: Page, selector: string, prefix: string, opts: { timeoutMs?: number; pollMs?: number } = {}): Promise<void> {
  await page.waitForFunction(
    ([sel, pre]) => [...document.querySelectorAll(sel)].some((r) => r.getAttribute('aria-label')?.startsWith(pre)),
    [selector, prefix] as const,
    { polling: opts.pollMs ?? 10, timeout: opts.timeoutMs ?? UI_TIMEOUT_MS },
  );
}
