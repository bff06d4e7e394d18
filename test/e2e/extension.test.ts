// The extension in a real editor: the .vsix built from this checkout, installed into code-server,
// driven by headless Chromium (../common/E2E-RECIPE.md). Each checked state is saved as a
// screenshot under test-output/e2e/; the figures (activation time, bundle and .vsix sizes, the
// append-to-tree latency) go to test-output/e2e/figures.json and the test output.
//
// Needs the test bed from scripts/install-e2e.sh (code-server + Node 24 + chromium).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { startProxy, type RpcProxy } from '../helpers/proxy';
import { latestBlock, mineAt } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import { answerPathDialog, launchBrowser, notification, openViewContainer, openWorkbench, runCommand, saveConsole, screenshot, waitAriaPrefix, waitQuickInput, type Browser, type Page, type Workbench } from './harness/browser';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import {
  activationTimes,
  containerEntry,
  expandRow,
  installedDir,
  makeWorkspace,
  outputChannelText,
  packageVsix,
  removeTempDirs,
  rowLabels,
  rowValue,
  statusItem,
  untilRows,
  VIEW_CONTAINER,
  type Packaged,
} from './harness/extension';
import { outputDir, ROOT, testBed } from './harness/paths';

const figures: Record<string, unknown> = {};
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let packaged: Packaged;
let browser: Browser;

before(async () => {
  testBed(); // fail fast, with the install hint, when the test bed is missing
  packaged = packageVsix();
  figures.extensionJsBytes = packaged.extensionJsBytes;
  figures.vsixBytes = packaged.vsixBytes;
  browser = await launchBrowser();
});

after(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((e: Error) => console.error(`cleanup: ${e.message}`));
  await browser?.close();
  await stopAllAnvils();
  removeTempDirs();
  writeFileSync(path.join(outputDir(), 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`e2e figures: ${JSON.stringify(figures)}`);
});

/**
 * The chain under test: one block per second at exact timestamps (last + 1 s), kept a little ahead
 * of the wall clock so no block looks late, until a test makes a gap or a pause on purpose.
 */
class Chain {
  private timer: NodeJS.Timeout | undefined;
  private ts = 0;
  private busy: Promise<unknown> = Promise.resolve();
  constructor(private readonly node: Anvil) {}
  private now = () => Math.floor(Date.now() / 1000);
  private mine(ts: number): Promise<number> {
    const p = this.busy.then(() => mineAt(this.node, ts));
    this.busy = p.catch(() => undefined);
    return p;
  }
  private run(): void {
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.mine((this.ts += 1)).catch(() => undefined), 1000);
  }
  /** Start ticking: chain time = wall clock + 2 s. */
  async start(): Promise<void> {
    this.ts = Math.max((await latestBlock(this.node)).timestamp, this.now() + 2);
    this.run();
  }
  pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
  /** Pause, then mine one block `slots` slots after the head (slots − 1 empty slots); stays paused. */
  async jump(slots: number): Promise<number> {
    this.pause();
    await this.busy;
    this.ts = (await latestBlock(this.node)).timestamp + slots;
    return this.mine(this.ts);
  }
  /** Tick again from (at least) wall clock + 1 s: the pause shows as late/empty slots, nothing after it. */
  async resume(): Promise<void> {
    this.pause();
    await this.busy;
    this.ts = Math.max(this.ts + 1, this.now() + 1);
    await this.mine(this.ts);
    this.run();
  }
}

async function open(cs: CodeServer, ws: string, name: string): Promise<Workbench> {
  const wb = await openWorkbench(browser, cs.folderUrl(ws));
  cleanups.push(() => saveConsole(wb, name));
  cleanups.push(() => wb.page.context().close());
  await containerEntry(wb.page).waitFor({ timeout: 60_000 });
  return wb;
}

/** Run a test body; on failure save a screenshot (failed-<name>.png) before rethrowing. */
async function shotOnFailure(page: () => Page | undefined, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const p = page();
    if (p) await screenshot(p, `failed-${name}`).catch(() => undefined);
    throw err;
  }
}

describe('trusted workspace: monitoring anvil from the editor', { timeout: 300_000 }, () => {
  let cs: CodeServer;
  let wb: Workbench;
  let node: Anvil;
  let chain: Chain;
  let ws: string;
  const logFile = () => path.join(ws, 'logs', 'missed_blocks.jsonl');

  /**
   * What each test needs, whatever ran before it: the monitor running and connected, the chain
   * ticking, and no streak open (a streak closes once the chain moves past it).
   */
  async function monitoringSteady(page: Page): Promise<void> {
    const item = statusItem(page);
    if (!/#\d+ · streak/.test(await item.innerText().catch(() => ''))) await runCommand(page, 'Missed Blocks: Start Monitoring');
    await chain.resume();
    await openViewContainer(page, VIEW_CONTAINER);
    await untilRows(page, 'connected, no streak open', (l) => rowValue(l, 'Connection') === 'up' && rowValue(l, 'Current streak') === '0', 30_000);
  }

  before(async () => {
    node = await startAnvil();
    chain = new Chain(node);
    cleanups.push(() => chain.pause());
    // WebSocket: the monitor gets every block from newHeads. (Over HTTP it polls `latest` every
    // 2 s, which with 1 s blocks skips numbers and records gaps; see the report.)
    ws = makeWorkspace({
      'missedBlocks.rpcUrls': [node.wsUrl],
      'missedBlocks.expectedBlockTime': 1,
      'missedBlocks.maxBlockDelay': 5,
      'missedBlocks.alertThreshold': 3,
      'missedBlocks.retryDelay': 1,
    });
    cs = await startCodeServer({ vsix: [packaged.vsix], name: 'trusted' });
    cleanups.push(() => cs.stop());
    wb = await open(cs, ws, 'trusted');
    figures.workbenchLoadMs = wb.loadMs;
    // Ticking starts only now: the synchronous .vsix install above would have stalled the timer.
    await chain.start();
  });

  test('Start Monitoring from the palette connects: status bar text and the Status rows', () =>
    shotOnFailure(() => wb?.page, 'start', async () => {
      const { page } = wb;
      await runCommand(page, 'Missed Blocks: Start Monitoring');
      const item = statusItem(page);
      await item.waitFor({ timeout: 30_000 });
      // "$(pulse) #<head> · streak 0 · 0.0% missed" (the codicon renders as an icon, not text)
      await waitFor(async () => /#\d+ · streak 0 · [\d.]+% missed/.test(await item.innerText()), { timeoutMs: 30_000, what: `status bar text (now "${await item.innerText().catch(() => '')}")` });
      await openViewContainer(page, VIEW_CONTAINER);
      const labels = await untilRows(page, 'Connection: up and a head', (l) => rowValue(l, 'Connection') === 'up' && /^#\d+$/.test(rowValue(l, 'Head') ?? '') && l, 30_000);
      assert.match(rowValue(labels, 'Source') ?? '', new RegExp(`127\\.0\\.0\\.1:${node.port}`));
      assert.equal(rowValue(labels, 'Current streak'), '0');
      await screenshot(page, '01-monitoring-started');
      const times = await waitFor(() => activationTimes(cs).length > 0 && activationTimes(cs), { timeoutMs: 10_000, what: `"activated in N ms" in the output channel:\n${outputChannelText(cs)}` });
      figures.activationMs = times[0];
      console.log(`activation: ${times[0]} ms; dist/extension.js ${packaged.extensionJsBytes} B; .vsix ${packaged.vsixBytes} B`);
    }));

  test('a missed-slot gap: tree rows, status bar streak with warning background, threshold notification', () =>
    shotOnFailure(() => wb?.page, 'gap', async () => {
      const { page } = wb;
      await monitoringSteady(page);
      const gapBlock = await chain.jump(6); // 5 empty slots before it; chain then pauses
      const labels = await untilRows(page, 'Current streak 5', (l) => rowValue(l, 'Current streak') === '5' && l, 20_000);
      assert.equal(rowValue(labels, 'Head'), `#${gapBlock}`);
      assert.ok(Number(rowValue(labels, 'Longest streak')) >= 5);
      const item = statusItem(page);
      assert.match(await item.innerText(), new RegExp(`#${gapBlock} · streak 5 · [\\d.]+% missed`));
      assert.match((await item.getAttribute('class')) ?? '', /warning-kind|error-kind/, 'warning or error background');
      const toast = notification(page, /missed blocks in a row .*alert threshold 3 reached/);
      await toast.first().waitFor({ timeout: 15_000 });
      await screenshot(page, '02-missed-slot-gap');
      await expandRow(page, 'Recent');
      const rows = await untilRows(page, '5 missed_slot rows', (l) => l.filter((x) => x.startsWith(`Block ${gapBlock}: missed_slot`)).length === 5 && l, 20_000, { keepExpanded: 'Recent' });
      assert.ok(rows.some((x) => x.startsWith('Streaks: ')));
      await screenshot(page, '03-recent-missed-slots');
    }));

  test('a mining pause longer than maxBlockDelay is recorded as a delayed block', () =>
    shotOnFailure(() => wb?.page, 'pause', async () => {
      const { page } = wb;
      await monitoringSteady(page);
      const head = await chain.jump(1); // the next block on time, then no block: the chain stays paused
      await expandRow(page, 'Recent');
      await untilRows(page, `Block ${head + 1}: delayed`, (l) => l.some((x) => x.startsWith(`Block ${head + 1}: delayed`)), 20_000, { keepExpanded: 'Recent' });
      const labels = await rowLabels(page);
      assert.ok(Number(rowValue(labels, 'Current streak')) >= 1, 'the block that has not come is a streak');
      await screenshot(page, '04-mining-pause-delayed');
      await chain.resume();
      await untilRows(page, 'the head to move past the pause', (l) => Number((rowValue(l, 'Head') ?? '#0').slice(1)) > head + 1, 20_000);
      await untilRows(page, 'the streak to close', (l) => rowValue(l, 'Current streak') === '0', 20_000);
      await screenshot(page, '05-mining-resumed');
    }));

  test('Export CSV… writes the same bytes as `mbm export --format csv` of the workspace log', () =>
    shotOnFailure(() => wb?.page, 'export', async () => {
      const { page } = wb;
      await monitoringSteady(page);
      const gapBlock = await chain.jump(3); // 2 empty slots before it; chain then pauses
      await waitFor(() => existsSync(logFile()) && readFileSync(logFile(), 'utf8').split('\n').filter((l) => l.includes(`"block_number":${gapBlock},`) && l.includes('"missed_slot"')).length >= 2, {
        timeoutMs: 20_000,
        what: `the 2 missed slots of block ${gapBlock} in the log`,
      });
      await runCommand(page, 'Missed Blocks: Stop Monitoring');
      await untilRows(page, 'Connection: stopped or not monitored', (l) => /stopped|not monitored/.test(rowValue(l, 'Connection') ?? ''), 15_000);
      const target = path.join(ws, 'from-editor.csv');
      await runCommand(page, 'Missed Blocks: Export CSV…');
      // code-server's simple save dialog is a quick input holding a path.
      await waitQuickInput(page);
      await screenshot(page, '06-export-save-dialog');
      await answerPathDialog(page, target);
      await notification(page, /exported \d+ records? to from-editor\.csv/).first().waitFor({ timeout: 20_000 });
      await screenshot(page, '07-exported');
      await waitFor(() => existsSync(target), { what: target });
      // The CLI from the same .vsix (the build installed into code-server), run on this Node.
      const cli = spawnSync(process.execPath, [path.join(installedDir(cs), 'dist/cli.js'), 'export', '--format', 'csv', logFile()], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(cli.status, 0, cli.stderr);
      const fromEditor = readFileSync(target, 'utf8');
      assert.equal(fromEditor, cli.stdout, 'the editor\'s export equals `mbm export --format csv`');
      const rows = fromEditor.trim().split('\n');
      assert.equal(rows.filter((r) => r.startsWith(`${gapBlock},`)).length, 2, `one row per missed slot of block ${gapBlock}:\n${fromEditor}`);
    }));
});

describe('a log written by another process', { timeout: 180_000 }, () => {
  let page: Page | undefined;
  test('appended records appear in the tree (the latency is a figure, not a pass mark)', () =>
    shotOnFailure(() => page, 'external-log', async () => {
      // A workspace with an existing log and no node: the extension only follows the file.
      const first = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/logs/seed-example.jsonl'), 'utf8')) as Record<string, unknown>;
      const ws = makeWorkspace({}, { 'logs/missed_blocks.jsonl': `${JSON.stringify(first)}\n` });
      const cs = await startCodeServer({ vsix: [packaged.vsix], name: 'external-log' });
      cleanups.push(() => cs.stop());
      page = (await open(cs, ws, 'external-log')).page;
      await openViewContainer(page, VIEW_CONTAINER);
      await expandRow(page, 'Recent');
      await untilRows(page, 'the example record', (l) => l.some((x) => x.startsWith('Block 1001: ')), 30_000, { keepExpanded: 'Recent' });
      await screenshot(page, '10-external-log-before');
      const latencies: number[] = [];
      for (let i = 1; i <= 5; i++) {
        const n = 1001 + i;
        const rec = { ...first, block_number: n, timestamp: (first.timestamp as number) + i * 12, severity: i === 5 ? 'High' : 'Medium' };
        const t0 = Date.now();
        appendFileSync(path.join(ws, 'logs', 'missed_blocks.jsonl'), `${JSON.stringify(rec)}\n`);
        // Polled inside the page (every 10 ms), so the figure is not inflated by round trips.
        await waitAriaPrefix(page, '.part.sidebar .monaco-list-row', `Block ${n}: `, { pollMs: 10, timeoutMs: 10_000 });
        latencies.push(Date.now() - t0);
      }
      await screenshot(page, '11-external-log-appended');
      figures.appendToTreeMs = latencies;
      console.log(`append-to-tree latency (ms): ${latencies.join(', ')}`);
      assert.equal(latencies.length, 5, 'every append was shown (each waited for with a 10 s bound)');
    }));
});

describe('Restricted Mode (workspace trust on, folder not trusted)', { timeout: 240_000 }, () => {
  let page: Page | undefined;
  let cs: CodeServer;
  let proxy: RpcProxy;

  before(async () => {
    const node = await startAnvil();
    proxy = await startProxy(node.url);
    cleanups.push(() => proxy.close());
  });

  test('shows the existing log and sends nothing to the node (autoStart on, Start Monitoring run)', () =>
    shotOnFailure(() => page, 'restricted', async () => {
      const seed = readFileSync(path.join(ROOT, 'test/fixtures/logs/seed-example.jsonl'), 'utf8');
      const ws = makeWorkspace(
        { 'missedBlocks.rpcUrls': [proxy.url], 'missedBlocks.autoStart': true, 'missedBlocks.expectedBlockTime': 1 },
        { 'logs/missed_blocks.jsonl': seed },
      );
      cs = await startCodeServer({ vsix: [packaged.vsix], trust: true, name: 'restricted' });
      cleanups.push(() => cs.stop());
      const opened = Date.now();
      page = (await open(cs, ws, 'restricted')).page;
      await openViewContainer(page, VIEW_CONTAINER);
      await untilRows(page, 'Connection: Restricted Mode', (l) => /Restricted Mode/.test(rowValue(l, 'Connection') ?? ''), 30_000);
      await runCommand(page, 'Missed Blocks: Start Monitoring');
      await notification(page, /Restricted Mode/).first().waitFor({ timeout: 15_000 });
      await expandRow(page, 'Recent');
      await untilRows(page, 'the existing record', (l) => l.some((x) => x.startsWith('Block 1001: ')), 20_000, { keepExpanded: 'Recent' });
      await screenshot(page, '20-restricted-mode');
      assert.match(outputChannelText(cs), /activated in .*Restricted Mode/, 'the extension is active in Restricted Mode');
      const observedMs = Date.now() - opened;
      assert.deepEqual({ requests: proxy.stats.requests, ws: proxy.stats.wsConnections }, { requests: 0, ws: 0 }, `no RPC in ${observedMs} ms of Restricted Mode`);
      figures.restrictedObservedMs = observedMs;
      console.log(`Restricted Mode: 0 requests at the node in ${observedMs} ms (page load, activation, autoStart, Start Monitoring)`);
    }));

  // Also the positive control for the test above: the same proxy does see the monitor's requests.
  test('granting trust runs the Start Monitoring asked for, against the workspace\'s node', () =>
    shotOnFailure(() => page, 'trust-granted', async () => {
      assert.ok(page, 'the Restricted Mode window is open');
      await runCommand(page, 'Workspaces: Manage Workspace Trust');
      await page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first().click();
      await page.locator('.workspace-trust-editor', { hasText: 'You trust this folder' }).waitFor();
      await screenshot(page, '21-trust-granted');
      // Close the modal trust editor with its button (Escape would also cancel any quick input).
      await page.locator('.action-label.codicon-close[aria-label^="Close Modal Editor"]').click();
      const askedForNode = page.locator('.quick-input-widget', { hasText: 'Enter a URL' }); // the no-RPC-configured prompt
      await waitFor(
        async () => {
          if (await askedForNode.isVisible()) throw new Error('after trust, Start Monitoring asked for an RPC endpoint: missedBlocks.rpcUrls from .vscode/settings.json (a restricted setting) was not read');
          return proxy.stats.methods.some((m) => m.startsWith('eth_'));
        },
        { timeoutMs: 20_000, what: 'eth_ requests at the node after trust' },
      ).catch(async (err: Error) => {
        await screenshot(page!, 'failed-trust-granted-prompt').catch(() => undefined);
        throw err;
      });
      await openViewContainer(page, VIEW_CONTAINER);
      await untilRows(page, 'Connection: up after trust', (l) => rowValue(l, 'Connection') === 'up', 20_000);
      await screenshot(page, '22-trusted-connects');
    }));
});
