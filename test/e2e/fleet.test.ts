// The fleet in a real editor: a throwaway PostgreSQL server holding two monitors' records, the
// URL given through "Set Fleet Database URL…" (a password input; it goes to SecretStorage, never
// to settings), the Fleet node listing both monitors side by side with the store's numbers, a new
// monitor appearing on Refresh, and the fleet dashboard's source chips, one per monitor.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { buildReport } from '../../src/core/report';
import { connectStore } from '../../src/node/store/connect';
import { rowFromRecord, upsertRows, type StoreRow } from '../../src/node/store/rows';
import { startPostgres, stopAllPostgres } from '../helpers/postgres';
import { waitFor } from '../helpers/wait';
import { answerQuickInput, launchBrowser, openViewContainer, openWorkbench, runCommand, saveConsole, screenshot, waitQuickInput, type Browser, type Page } from './harness/browser';
import { startCodeServer, type CodeServer } from './harness/codeServer';
import { containerEntry, makeWorkspace, outputChannelText, packageVsix, removeTempDirs, rowLabels, untilRows, VIEW_CONTAINER } from './harness/extension';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
let browser: Browser;
let page: Page | undefined;

function monitorLog(source: string, chainId: number, first: number, runs: number[]): MissedBlock[] {
  const out: MissedBlock[] = [];
  let block = first;
  for (const len of runs) {
    for (let i = 0; i < len; i++, block++) {
      const ts = 1_700_000_000 + block * 12;
      out.push({
        timestamp: ts,
        block_number: block,
        reason: 'Unknown',
        severity: i >= 2 ? 'High' : 'Medium',
        expected_timestamp: ts - 12,
        actual_timestamp: ts,
        recovery_attempts: 0,
        recovered: false,
        metadata: {},
        alert_sent: false,
        kind: 'gap',
        source,
        chain_id: chainId,
      });
    }
    block += 4;
  }
  return out;
}

async function write(url: string, records: readonly MissedBlock[]): Promise<void> {
  const c = await connectStore(url);
  try {
    await upsertRows(c, records.map((r) => rowFromRecord(JSON.parse(toLogLine(r)), toLogLine(r)) as StoreRow));
  } finally {
    await c.end();
  }
}

before(async () => {
  browser = await launchBrowser();
});

after(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((e: Error) => console.error(`cleanup: ${e.message}`));
  await browser?.close();
  await stopAllPostgres();
  removeTempDirs();
});

describe('the Fleet node and dashboard over a real PostgreSQL store', { timeout: 240_000 }, () => {
  test('two monitors side by side; a third appears on refresh; one dashboard chip per monitor', async () => {
    try {
      const pg = await startPostgres();
      const url = await pg.createDatabase('fleet_e2e');
      const a = monitorLog('relay-a:8545', 1, 100, [3, 6]);
      const b = monitorLog('relay-b:8545', 17000, 100, [2]);
      await write(url, [...a, ...b]);

      const packaged = packageVsix();
      const ws = makeWorkspace({});
      const cs: CodeServer = await startCodeServer({ vsix: [packaged.vsix], name: 'fleet' });
      cleanups.push(() => cs.stop());
      const wb = await openWorkbench(browser, cs.folderUrl(ws));
      page = wb.page;
      cleanups.push(() => saveConsole(wb, 'fleet'));
      cleanups.push(() => wb.page.context().close());
      await containerEntry(page).waitFor({ timeout: 60_000 });
      await openViewContainer(page, VIEW_CONTAINER);

      await runCommand(page, 'Missed Blocks: Set Fleet Database URL…');
      const box = await waitQuickInput(page, { placeholderOrTitle: /Fleet database/ });
      assert.equal(await box.locator('input.input').getAttribute('type'), 'password', 'the URL is typed into a password box');
      await answerQuickInput(page, url);

      const name = (src: string, chain: number) => `Monitor ${src} · chain ${chain}: `;
      const rows = await untilRows(page, 'both monitors under Fleet', (l) => l.includes('Fleet: 2 monitors') && l.some((x) => x.startsWith(name('relay-a:8545', 1))) && l.some((x) => x.startsWith(name('relay-b:8545', 17000))) && l, 60_000);
      const ra = buildReport(a);
      assert.ok(rows.includes(`${name('relay-a:8545', 1)}current ${ra.current_streak} · longest ${ra.longest_streak} · ${a.length} missed`), rows.join('\n'));
      await screenshot(page, '40-fleet-node');

      // The secret is not in any settings file, nor in the extension's log.
      const settingsText = [path.join(ws, '.vscode', 'settings.json'), path.join(cs.userDataDir, 'User', 'settings.json')]
        .map((f) => {
          try {
            return readFileSync(f, 'utf8');
          } catch {
            return '';
          }
        })
        .join('\n');
      assert.ok(!settingsText.includes(url), 'the URL is not written to settings');
      assert.ok(!outputChannelText(cs).includes(url), 'the URL is not written to the output channel');

      // A third monitor starts writing; Refresh Fleet shows it without waiting for the timer.
      await write(url, monitorLog('relay-c:8545', 5, 300, [1]));
      await runCommand(page, 'Missed Blocks: Refresh Fleet');
      await untilRows(page, 'the third monitor', (l) => l.includes('Fleet: 3 monitors'), 30_000);

      await runCommand(page, 'Missed Blocks: Open Fleet Dashboard');
      const f = page.frameLocator('iframe.webview').frameLocator('#active-frame');
      await waitFor(async () => (await f.locator('#filter-sources .chip').count()) === 3, { what: 'one source chip per monitor', timeoutMs: 60_000 });
      const chips = (await f.locator('#filter-sources .chip').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).sort();
      assert.deepEqual(chips, [`relay-a:8545 · chain 1 ${a.length}`, `relay-b:8545 · chain 17000 ${b.length}`, 'relay-c:8545 · chain 5 1']);
      await screenshot(page, '41-fleet-dashboard');
      console.log(`fleet rows: ${(await rowLabels(page)).filter((l) => l.startsWith('Monitor ')).join(' | ')}`);
    } catch (err) {
      if (page) await screenshot(page, 'failed-fleet').catch(() => undefined);
      throw err;
    }
  });
});
