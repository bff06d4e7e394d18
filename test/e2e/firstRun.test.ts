// First run in the real editor (the .vsix in code-server, driven by headless Chromium): a trusted
// workspace with no RPC endpoint anywhere (no missedBlocks.rpcUrls, nothing in SecretStorage).
// Start Monitoring offers the three choices; "Start a local anvil" starts a real anvil (the
// extension's own launcher, src/node/chain/anvil.ts) and monitors it in one step: the status bar
// shows its blocks, the tree names it as the source, and the tooltip says the block time was
// measured. Stop Monitoring stops that anvil, and so does deactivation (Reload Window).
// Each anvil the extension started is found by its port in /proc and, should the extension fail to
// stop it, killed here (by process group) after the test.
//
// Needs the test bed from scripts/install-e2e.sh (code-server + Node 24 + chromium).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../helpers/wait';
import { launchBrowser, openViewContainer, openWorkbench, runCommand, saveConsole, screenshot, waitQuickInput, type Browser, type Page, type Workbench } from './harness/browser';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { containerEntry, makeWorkspace, outputChannelText, packageVsix, removeTempDirs, rowValue, statusItem, untilRows, VIEW_CONTAINER } from './harness/extension';
import { ROOT, testBed } from './harness/paths';

/** The anvil from node_modules (the integration tests' binary), handed to the extension host. */
const ANVIL = path.join(ROOT, 'node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil');

/** Pids of anvil processes listening on `port` (their command line says `--port <port>`). */
function anvilPids(port: number): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${d}/cmdline`, 'utf8').split('\0');
    } catch {
      continue; // gone meanwhile
    }
    const i = argv.indexOf('--port');
    if (path.basename(argv[0] ?? '') === 'anvil' && i > 0 && argv[i + 1] === String(port)) pids.push(Number(d));
  }
  return pids;
}

/** Ports of every "started a local anvil on 127.0.0.1:<port>" line in the output channel. */
function startedAnvilPorts(cs: CodeServer): number[] {
  return [...outputChannelText(cs).matchAll(/started a local anvil on 127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
}

describe('first run: no endpoint configured, "Start a local anvil"', { timeout: 420_000 }, () => {
  let browser: Browser;
  let cs: CodeServer;
  let wb: Workbench;
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const anvilPorts = new Set<number>();
  /** Port of the anvil the extension runs now (set by startWithLocalAnvil, cleared when stopped). */
  let running: number | undefined;

  before(async () => {
    testBed();
    const packaged = packageVsix();
    browser = await launchBrowser();
    // The extension host inherits code-server's environment: anvilAvailable() finds this binary.
    process.env.ANVIL_BIN = ANVIL;
    const ws = makeWorkspace({ 'missedBlocks.maxBlockDelay': 5, 'missedBlocks.retryDelay': 1 });
    cs = await startCodeServer({ vsix: [packaged.vsix], name: 'first-run' });
    cleanups.push(() => cs.stop());
    wb = await openWorkbench(browser, cs.folderUrl(ws));
    cleanups.push(() => saveConsole(wb, 'first-run'));
    cleanups.push(() => wb.page.context().close());
    await containerEntry(wb.page).waitFor({ timeout: 60_000 });
  });

  after(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((e: Error) => console.error(`cleanup: ${e.message}`));
    // Any anvil the extension started and did not stop (a failed test) is killed with its group.
    for (const port of anvilPorts) {
      for (const pid of anvilPids(port)) {
        console.error(`first-run e2e: anvil on port ${port} (pid ${pid}) outlived the test; killing it`);
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
    }
    await browser?.close();
    removeTempDirs();
  });

  async function shot(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      await screenshot(wb.page, `failed-first-run-${name}`).catch(() => undefined);
      throw err;
    }
  }

  /** Start Monitoring, see the three choices, pick "Start a local anvil"; returns the anvil's port. */
  async function startWithLocalAnvil(page: Page, shotName?: string): Promise<number> {
    const before = startedAnvilPorts(cs).length;
    await runCommand(page, 'Missed Blocks: Start Monitoring');
    const widget = await waitQuickInput(page, { placeholderOrTitle: /No RPC endpoint is set/ });
    const rows = widget.locator('.quick-input-list .monaco-list-row');
    await waitFor(async () => (await rows.count()) === 3, { timeoutMs: 10_000, what: 'three first-run choices' });
    const labels = await rows.locator('.label-name').allInnerTexts();
    assert.deepEqual(labels, ['http://127.0.0.1:8545', 'Enter a URL…', 'Start a local anvil']);
    if (shotName) await screenshot(page, shotName);
    await rows.filter({ hasText: 'Start a local anvil' }).first().click();
    const port = await waitFor(() => startedAnvilPorts(cs).length > before && startedAnvilPorts(cs)[before], {
      timeoutMs: 30_000,
      what: `"started a local anvil" in the output channel:\n${outputChannelText(cs)}`,
    });
    anvilPorts.add(port);
    running = port;
    assert.equal(anvilPids(port).length, 1, `one anvil process listens on ${port}`);
    return port;
  }

  /** The port of the anvil being monitored: the one a test before started if it still runs, else a new one. */
  async function monitoringAnvil(page: Page): Promise<number> {
    const port = running !== undefined && anvilPids(running).length === 1 && /#\d+ · streak/.test(await statusItem(page).innerText().catch(() => '')) ? running : await startWithLocalAnvil(page);
    await waitFor(async () => /#\d+ · streak/.test(await statusItem(page).innerText()), { timeoutMs: 30_000, what: `monitoring the anvil on ${port}` });
    return port;
  }

  test('Start Monitoring offers the local node, a URL, and a local anvil; the anvil is monitored in one step', () =>
    shot('start', async () => {
      const { page } = wb;
      const port = await startWithLocalAnvil(page, 'first-run-01-choices');
      // One step: no further prompt; blocks arrive (anvil mines every second).
      const item = statusItem(page);
      await waitFor(async () => /#\d+ · streak 0 · [\d.]+% missed/.test(await item.innerText()), { timeoutMs: 30_000, what: `status bar with a head block (now "${await item.innerText().catch(() => '')}")` });
      await openViewContainer(page, VIEW_CONTAINER);
      const labels = await untilRows(page, 'Connection: up and a head', (l) => rowValue(l, 'Connection') === 'up' && /^#\d+$/.test(rowValue(l, 'Head') ?? '') && l, 30_000);
      assert.equal(rowValue(labels, 'Source'), `127.0.0.1:${port}`);
      await screenshot(page, 'first-run-02-monitoring-anvil');
      // Anvil's chain 31337 has no preset: the block time is measured (1 s blocks), and the
      // status bar tooltip says so, as /health does. The hover is re-read until the measurement is in.
      const tip = page.locator('.monaco-hover, .workbench-hover', { hasText: 'Block time:' }).first();
      const text = await waitFor(
        async () => {
          await page.mouse.move(1, 1);
          await item.hover();
          if (!(await tip.waitFor({ state: 'visible', timeout: 5_000 }).then(() => true, () => false))) return undefined;
          const t = await tip.innerText();
          return /measured over/.test(t) ? t : undefined;
        },
        { timeoutMs: 90_000, intervalMs: 1_000, what: 'the status bar tooltip to say the block time was measured' },
      );
      assert.match(text, /Block time: 1 s, measured over \d+ blocks \(chain 31337\)/);
      await screenshot(page, 'first-run-03-tooltip-block-time');
      await page.mouse.move(1, 1);
    }));

  test('Stop Monitoring stops the anvil it started', () =>
    shot('stop', async () => {
      const { page } = wb;
      const port = await monitoringAnvil(page);
      const stopsBefore = outputChannelText(cs).match(/stopped the local anvil/g)?.length ?? 0;
      await runCommand(page, 'Missed Blocks: Stop Monitoring');
      await waitFor(() => (outputChannelText(cs).match(/stopped the local anvil/g)?.length ?? 0) > stopsBefore, { timeoutMs: 15_000, what: '"stopped the local anvil" in the output channel' });
      await waitFor(() => anvilPids(port).length === 0, { timeoutMs: 10_000, what: `no anvil left on port ${port}` });
      running = undefined;
    }));

  // code-server's web workbench has no "Restart Extension Host": reloading the window shuts the
  // remote extension host down, which deactivates the extension.
  test('deactivation (Reload Window) stops an anvil started by the first-run choice', () =>
    shot('deactivate', async () => {
      const { page } = wb;
      const port = await monitoringAnvil(page);
      await runCommand(page, 'Developer: Reload Window');
      // deactivate() stops the run and the anvil (Stop Monitoring's path); the launcher's exit hook
      // kills its process group should the host exit first. Its output-channel line is not
      // asserted: the host exits ~200 ms after "terminate", before the channel's file is written.
      await waitFor(() => anvilPids(port).length === 0, { timeoutMs: 30_000, what: `no anvil left on port ${port} after the window reloaded` });
      running = undefined;
    }));
});
