// The dashboard webview in a real editor (code-server + headless Chromium, ../common/E2E-RECIPE.md):
// opened while the monitor runs against anvil, its headline numbers checked against the log on
// disk, a new missed slot arriving without a reload, a heatmap click revealing the record's line,
// hostile metadata shown as text, restore after a reload, light/dark/high-contrast screenshots,
// and the time to first paint of a 100k-record log. Evidence goes to test-output/e2e/.
// Webview content lives two iframes deep: `iframe.webview`, then its `#active-frame`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { FrameLocator } from 'playwright-core';
import { recordKey, toLogLine, type MissedBlock } from '../../src/core/model';
import { startAnvil, stopAllAnvils, type Anvil } from '../helpers/anvil';
import { latestBlock, mineAt } from '../helpers/service';
import { waitFor } from '../helpers/wait';
import { answerPathDialog, launchBrowser, openWorkbench, pickQuickItem, runCommand, saveConsole, screenshot, waitQuickInput, type Browser, type Page, type Workbench } from './harness/browser';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { containerEntry, makeWorkspace, outputChannelText, packageVsix, removeTempDirs, statusItem, type Packaged } from './harness/extension';
import { outputDir } from './harness/paths';

const HOSTILE = '<img src=x onerror=alert(1)>';
const figures: Record<string, unknown> = {};
const cleanups: (() => Promise<unknown> | unknown)[] = [];

/** The records of a log as every reader takes them: the last line per recordKey. */
function logRecords(file: string): { records: MissedBlock[]; lineOf: Map<string, number> } {
  const last = new Map<string, MissedBlock>();
  const lineOf = new Map<string, number>();
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((l, i) => {
      if (!l.trim()) return;
      try {
        const r = JSON.parse(l) as MissedBlock;
        last.set(recordKey(r), r);
        lineOf.set(recordKey(r), i + 1);
      } catch {
        /* a line being written */
      }
    });
  return { records: [...last.values()], lineOf };
}

/** One block a second at exact timestamps, a little ahead of the wall clock (as extension.test.ts). */
class Chain {
  private timer: NodeJS.Timeout | undefined;
  private ts = 0;
  private busy: Promise<unknown> = Promise.resolve();
  constructor(private readonly node: Anvil) {}
  private mine(ts: number): Promise<number> {
    const p = this.busy.then(() => mineAt(this.node, ts));
    this.busy = p.catch(() => undefined);
    return p;
  }
  async start(): Promise<void> {
    this.ts = Math.max((await latestBlock(this.node)).timestamp, Math.floor(Date.now() / 1000) + 2);
    clearInterval(this.timer);
    this.timer = setInterval(() => void this.mine((this.ts += 1)).catch(() => undefined), 1000);
  }
  pause(): void {
    clearInterval(this.timer);
  }
  /** Mine one block `slots` slots after the head: slots − 1 empty slots. Stays paused. */
  async jump(slots: number): Promise<number> {
    this.pause();
    await this.busy;
    this.ts = (await latestBlock(this.node)).timestamp + slots;
    return this.mine(this.ts);
  }
}

const webview = (page: Page): FrameLocator => page.frameLocator('iframe.webview').frameLocator('#active-frame');
const tile = (f: FrameLocator, metric: string) => f.locator(`.tile[data-metric="${metric}"] .tile-value`).innerText();

/** Switch the colour theme with the theme picker, by its label, and wait for the webview to follow. */
async function setTheme(page: Page, label: string, bodyClass: string): Promise<void> {
  await runCommand(page, 'Preferences: Color Theme');
  const widget = await waitQuickInput(page);
  const input = widget.locator('input.input');
  await input.fill(label);
  await widget.locator('.quick-input-list .monaco-list-row', { hasText: new RegExp(`^${label}`) }).first().waitFor();
  await input.press('Enter');
  await webview(page).locator(`body.${bodyClass}`).waitFor({ timeout: 20_000 });
}

describe('dashboard webview', { timeout: 420_000 }, () => {
  let packaged: Packaged;
  let browser: Browser;
  let cs: CodeServer;
  let wb: Workbench;
  let node: Anvil;
  let chain: Chain;
  let ws: string;
  const logFile = () => path.join(ws, 'logs', 'missed_blocks.jsonl');

  before(async () => {
    packaged = packageVsix();
    browser = await launchBrowser();
    node = await startAnvil();
    chain = new Chain(node);
    cleanups.push(() => chain.pause());
    ws = makeWorkspace({ 'missedBlocks.rpcUrls': [node.wsUrl], 'missedBlocks.expectedBlockTime': 1, 'missedBlocks.maxBlockDelay': 30, 'missedBlocks.alertThreshold': 50 });
    cs = await startCodeServer({ vsix: [packaged.vsix], name: 'dashboard', settings: { 'workbench.colorTheme': 'Dark Modern' } });
    cleanups.push(() => cs.stop());
    wb = await openWorkbench(browser, cs.folderUrl(ws));
    cleanups.push(() => saveConsole(wb, 'dashboard'));
    cleanups.push(() => wb.page.context().close());
    await containerEntry(wb.page).waitFor({ timeout: 60_000 });
    await chain.start();
  });

  after(async () => {
    for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((e: Error) => console.error(`cleanup: ${e.message}`));
    await browser?.close();
    await stopAllAnvils();
    removeTempDirs();
    writeFileSync(path.join(outputDir(), 'dashboard-figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`dashboard figures: ${JSON.stringify(figures)}`);
  });

  async function shot(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      await screenshot(wb.page, `failed-dashboard-${name}`).catch(() => undefined);
      throw err;
    }
  }

  /**
   * The total and recovery tiles equal what the log on disk holds now, counted here (distinct
   * records, the last line of each key; recovered among them), not by the code the dashboard runs.
   * Polled: the log is live. Streak tiles are pinned on a fixed log below.
   */
  async function headlineMatchesLog(f: FrameLocator): Promise<{ total: number; recovered: number }> {
    let seen = '';
    return waitFor(
      async () => {
        const { records } = logRecords(logFile());
        const total = records.length;
        const recovered = records.filter((r) => r.recovered).length;
        const got = { total: await tile(f, 'total'), recovered: await tile(f, 'recoveryRate') };
        const want = { total: total.toLocaleString('en-US'), recovered: total ? `${((recovered / total) * 100).toFixed(2)}%` : '–' };
        seen = `dashboard ${JSON.stringify(got)}, log ${JSON.stringify(want)}`;
        return JSON.stringify(got) === JSON.stringify(want) && { total, recovered };
      },
      { timeoutMs: 20_000, what: `headline numbers to match the log (last: ${seen})` },
    );
  }

  test('opened while the monitor runs: headline numbers match the log; hostile metadata is text', () =>
    shot('open', async () => {
      const { page } = wb;
      const alerts: string[] = [];
      page.on('dialog', (d) => {
        alerts.push(d.message());
        void d.dismiss();
      });
      await runCommand(page, 'Missed Blocks: Start Monitoring');
      await waitFor(async () => /#\d+ · streak/.test(await statusItem(page).innerText().catch(() => '')), { timeoutMs: 30_000, what: 'the monitor connected' });
      const gap = await chain.jump(4); // 3 empty slots
      await waitFor(() => existsSync(logFile()) && logRecords(logFile()).records.filter((r) => r.block_number === gap && r.kind === 'missed_slot').length === 3, { timeoutMs: 20_000, what: '3 missed slots in the log' });
      await chain.start();
      // A record some other writer put there, with markup in its metadata.
      const now = Math.floor(Date.now() / 1000);
      const hostile: MissedBlock = { timestamp: now, block_number: gap + 10_000, reason: 'RpcError', severity: 'High', expected_timestamp: now - 1, actual_timestamp: now, recovery_attempts: 0, recovered: false, metadata: { note: HOSTILE }, alert_sent: false, kind: 'gap' };
      appendFileSync(logFile(), `${toLogLine(hostile)}\n`);

      await runCommand(page, 'Missed Blocks: Open Dashboard');
      const f = webview(page);
      await f.locator('body[data-rendered]').waitFor({ timeout: 30_000 });
      const counted = await headlineMatchesLog(f);
      assert.ok(counted.total >= 4, `${counted.total} records: the 3 missed slots and the hostile one at least`);
      const cell = f.locator('#recent td.meta', { hasText: HOSTILE });
      await cell.first().waitFor({ timeout: 10_000 });
      assert.equal(await cell.first().innerText(), JSON.stringify({ note: HOSTILE }), 'the markup is shown as its text');
      assert.equal(await f.locator('img').count(), 0, 'no element was made from it');
      assert.deepEqual(alerts, [], 'no script ran');
      await screenshot(page, '30-dashboard-dark');
    }));

  test('a new missed slot appears without a reload (a delta, not a new snapshot)', () =>
    shot('delta', async () => {
      const f = webview(wb.page);
      const seq = await f.locator('body').getAttribute('data-rendered');
      const before = Number((await tile(f, 'total')).replace(/,/g, ''));
      const gap = await chain.jump(3); // 2 more empty slots
      await waitFor(async () => Number((await tile(f, 'total')).replace(/,/g, '')) >= before + 2, { timeoutMs: 20_000, what: 'the total to grow by the 2 new missed slots' });
      assert.equal(await f.locator('body').getAttribute('data-rendered'), seq, 'same snapshot: the records came as a delta');
      await chain.start();
      await headlineMatchesLog(f);
      assert.ok(logRecords(logFile()).records.some((r) => r.block_number === gap && r.kind === 'missed_slot'));
      await screenshot(wb.page, '31-dashboard-new-missed-slot');
    }));

  test('a click on a heatmap cell opens the log at that record\'s line, selected', () =>
    shot('reveal', async () => {
      const { page } = wb;
      const f = webview(page);
      const { records, lineOf } = logRecords(logFile());
      const slotRec = records.filter((r) => r.kind === 'missed_slot' && typeof r.slot === 'number').sort((a, b) => b.slot! - a.slot!)[0];
      assert.ok(slotRec, 'a missed slot in the log');
      const slot = slotRec.slot!;
      const canvas = f.locator('#heatmap canvas');
      const epochs = ((await canvas.getAttribute('data-epochs')) ?? '').split(',').map(Number);
      const row = epochs.indexOf(Math.floor(slot / 32));
      assert.ok(row >= 0, `epoch of slot ${slot} on screen (${epochs.join(',')})`);
      // Geometry of src/webview/heatmapLayout.ts: 84 px labels, 14 px cells every 16 px.
      await canvas.click({ position: { x: 84 + (slot % 32) * 16 + 7, y: row * 16 + 7 } });
      const line = lineOf.get(recordKey(slotRec))!;
      const sel = page.locator('.part.statusbar .statusbar-item', { hasText: new RegExp(`Ln ${line}, Col \\d+ \\(\\d+ selected\\)`) });
      await sel.first().waitFor({ timeout: 15_000 });
      await page.locator('.tab.active', { hasText: 'missed_blocks.jsonl' }).first().waitFor({ timeout: 5_000 });
      await screenshot(page, '32-dashboard-click-revealed-line');
    }));

  test('light and high-contrast themes', () =>
    shot('themes', async () => {
      const { page } = wb;
      await setTheme(page, 'Light Modern', 'vscode-light');
      await webview(page).locator('#heatmap canvas').scrollIntoViewIfNeeded();
      await screenshot(page, '33-dashboard-light');
      await setTheme(page, 'Dark High Contrast', 'vscode-high-contrast');
      await screenshot(page, '34-dashboard-high-contrast');
      await setTheme(page, 'Dark Modern', 'vscode-dark');
      await screenshot(page, '35-dashboard-dark-heatmap');
    }));

  test('after a reload the panel is restored by its serializer, with data', () =>
    shot('restore', async () => {
      const { page } = wb;
      await page.reload({ timeout: 60_000 }); // a whole workbench: over 20 s on a busy machine
      await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
      const f = webview(page);
      await f.locator('body[data-rendered]').waitFor({ timeout: 60_000 });
      await headlineMatchesLog(f);
      await screenshot(page, '36-dashboard-restored');
    }));

  test('Replay Log… plays a rotated .gz through the dashboard; Stop returns to the live log', () =>
    shot('replay', async () => {
      const { page } = wb;
      const lines = readFileSync(logFile(), 'utf8');
      const gz = path.join(ws, 'incident', 'missed_blocks.20250101T000000.jsonl.gz');
      mkdirSync(path.dirname(gz), { recursive: true });
      writeFileSync(gz, gzipSync(lines));
      const distinct = new Set(lines.split('\n').filter((l) => l.trim()).map((l) => recordKey(JSON.parse(l) as MissedBlock))).size;
      await runCommand(page, 'Missed Blocks: Replay Log…');
      // code-server's simple open dialog is a quick input; the speed pick follows in the same widget.
      await answerPathDialog(page, gz, { next: /Replay speed/ });
      await pickQuickItem(page, 'As fast as possible');
      const f = webview(page);
      await f.locator('#replay-info', { hasText: /^done · \d+ lines played/ }).waitFor({ timeout: 30_000 });
      assert.match(await f.locator('#source').innerText(), /^Replay of .*\.jsonl\.gz$/);
      // Renders are throttled: the last one may follow the 'done' status by a frame or two.
      await waitFor(async () => (await tile(f, 'total')) === String(distinct), { timeoutMs: 5_000, what: `the replayed total ${distinct}` });
      await screenshot(page, '38-dashboard-replay-done');
      await f.locator('#replay-stop').click();
      await f.locator('#source', { hasText: /^Log logs[\\/]missed_blocks\.jsonl$/ }).waitFor({ timeout: 15_000 });
      await f.locator('#replay').waitFor({ state: 'hidden' });
      await headlineMatchesLog(f);
    }));

  test('a fixed log shows pinned headline numbers: 6 missed, 16.67% recovered, current streak 2, longest 3', () =>
    shot('fixed', async () => {
      const { page } = wb;
      // Streaks 10–12 (3), 20 (1), 30–31 (2, open: nothing after it); one of the six recovered.
      const T = 1_700_000_000;
      const rec = (block_number: number, over: Partial<MissedBlock> = {}): MissedBlock => ({
        timestamp: T + block_number * 12, block_number, reason: 'NetworkLatency', severity: 'Medium', expected_timestamp: T + block_number * 12 - 30,
        actual_timestamp: T + block_number * 12, recovery_attempts: 0, recovered: false, metadata: {}, alert_sent: false, kind: 'gap', ...over,
      });
      const fixed = [rec(10, { severity: 'Low', recovered: true, recovery_attempts: 1, recovery_ms: 800 }), rec(11, { severity: 'High' }), rec(12, { severity: 'Critical' }), rec(20, { kind: 'reorg', reason: 'ChainReorg', reorg_depth: 2 }), rec(30), rec(31)];
      writeFileSync(path.join(ws, 'fixed.mbl.jsonl'), `${fixed.map(toLogLine).join('\n')}\n`);
      await runCommand(page, 'Missed Blocks: Open Dashboard');
      await pickQuickItem(page, 'fixed.mbl.jsonl');
      const f = webview(page);
      const want = { total: '6', recovered: '16.67%', current: '2', longest: '3' };
      let got = {};
      await waitFor(
        async () => {
          got = { total: await tile(f, 'total'), recovered: await tile(f, 'recoveryRate'), current: await tile(f, 'currentStreak'), longest: await tile(f, 'longestStreak') };
          return JSON.stringify(got) === JSON.stringify(want);
        },
        { timeoutMs: 30_000, what: `the fixed log's headline ${JSON.stringify(want)} (last: ${JSON.stringify(got)})` },
      );
    }));

  test('time to first paint of a 100k-record log', () =>
    shot('first-paint', async () => {
      const { page } = wb;
      await runCommand(page, 'Missed Blocks: Stop Monitoring');
      chain.pause();
      const n = 100_000;
      const t0 = 1_700_000_000;
      const kinds = ['gap', 'delayed', 'missed_slot', 'reorg'] as const;
      const sev = ['Low', 'Medium', 'High', 'Critical'] as const;
      const lines: string[] = [];
      for (let i = 0; i < n; i++) {
        const block = 20_000_000 + i * 3 + (i % 7 === 0 ? 1 : 0);
        const kind = kinds[i % 4];
        const ts = t0 + i * 36;
        const rec: MissedBlock = { timestamp: ts, block_number: block, reason: i % 5 ? 'NetworkLatency' : 'Timeout', severity: sev[i % 4], expected_timestamp: ts - 12, actual_timestamp: ts, recovery_attempts: i % 3, recovered: i % 10 === 0, metadata: { detected_by: 'bench', i }, alert_sent: false, kind, source: i % 2 ? 'node-a:8545' : 'node-b:8545', ...(kind === 'missed_slot' ? { slot: Math.floor((ts - 12) / 12) } : {}), ...(i % 10 === 0 ? { recovery_ms: (i % 97) * 1000 } : {}) };
        lines.push(toLogLine(rec));
      }
      const big = path.join(ws, 'big.mbl.jsonl');
      writeFileSync(big, `${lines.join('\n')}\n`);
      figures.bigLogBytes = Buffer.byteLength(lines.join('\n')) + 1;
      await runCommand(page, 'Missed Blocks: Open Dashboard');
      await pickQuickItem(page, 'big.mbl.jsonl');
      const f = webview(page);
      await waitFor(async () => (await tile(f, 'total')) === n.toLocaleString('en-US'), { timeoutMs: 60_000, what: '100,000 records on the dashboard' });
      // Only the big log has n records: its line, whichever extension host log holds it.
      const m = await waitFor(() => new RegExp(`first paint of ${n} records in (\\d+) ms \\((\\d+) ms of it in the webview([^)]*)\\)`).exec(outputChannelText(cs)) ?? undefined, {
        timeoutMs: 30_000,
        what: 'the first-paint line in the output channel',
      });
      const read = new RegExp(`read ${n} records of big\\.mbl\\.jsonl in (\\d+) ms`).exec(outputChannelText(cs));
      figures.readBigLogMs = read ? Number(read[1]) : null;
      figures.firstPaint100kMs = Number(m[1]);
      figures.firstPaint100kWebviewMs = Number(m[2]);
      figures.firstPaint100kPhases = m[3].replace(/^; /, '');
      console.log(`dashboard, ${n} records (${figures.bigLogBytes} B): host read ${figures.readBigLogMs} ms; first paint ${m[1]} ms from the host's snapshot post to the webview's 'rendered' (${m[2]} ms of it in the webview${m[3]})`);
      await screenshot(page, '37-dashboard-100k');
    }));
});
