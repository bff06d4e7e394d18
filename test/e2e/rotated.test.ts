// The tree in a real editor counts a workspace log and its rotated .gz sibling exactly as
// `mbm report` (the CLI from the same .vsix) does: one reading rule for every view.
//
// Needs the test bed from scripts/install-e2e.sh (code-server + Node 24 + chromium).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { launchBrowser, openViewContainer, openWorkbench, saveConsole, screenshot, type Browser } from './harness/browser';
import { startCodeServer } from './harness/codeServer';
import { containerEntry, expandRow, installedDir, makeWorkspace, packageVsix, removeTempDirs, rowValue, untilRows, VIEW_CONTAINER } from './harness/extension';
import { testBed } from './harness/paths';

const cleanups: (() => Promise<unknown> | unknown)[] = [];
let browser: Browser;

before(async () => {
  testBed();
  browser = await launchBrowser();
});

after(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch((e: Error) => console.error(`cleanup: ${e.message}`));
  await browser?.close();
  removeTempDirs();
});

const T0 = 1_700_000_000;
function line(block: number, severity: string, over: Record<string, unknown> = {}): string {
  return JSON.stringify({
    timestamp: T0 + block * 12,
    block_number: block,
    reason: 'NetworkLatency',
    severity,
    expected_timestamp: T0 + block * 12 - 12,
    actual_timestamp: T0 + block * 12,
    recovery_attempts: 0,
    recovered: false,
    metadata: {},
    alert_sent: false,
    ...over,
  });
}

test('tree totals on a log with a rotated .gz sibling equal `mbm report`: 2,500 records, not 2,000', { timeout: 400_000 }, async () => {
  // Rotated part: 500 High records on even blocks 2–1000 (no two consecutive). Active file: 2,000
  // Medium records in 1,000 pairs (#2001–#2002, #2005–#2006, …), and #2 rewritten as recovered.
  const rotated: string[] = [];
  for (let b = 2; b <= 1000; b += 2) rotated.push(line(b, 'High'));
  const active: string[] = [line(2, 'High', { recovered: true, recovery_attempts: 1, recovery_ms: 5 })];
  for (let i = 0; i < 1000; i++) active.push(line(2001 + 4 * i, 'Medium'), line(2002 + 4 * i, 'Medium'));
  const ws = makeWorkspace({}, { 'logs/missed_blocks.jsonl': `${active.join('\n')}\n` });
  const log = path.join(ws, 'logs', 'missed_blocks.jsonl');
  writeFileSync(path.join(ws, 'logs', 'missed_blocks.20260101T000000.jsonl.gz'), gzipSync(`${rotated.join('\n')}\n`));

  const packaged = packageVsix();
  const cs = await startCodeServer({ vsix: [packaged.vsix], name: 'rotated' });
  cleanups.push(() => cs.stop());
  const wb = await openWorkbench(browser, cs.folderUrl(ws));
  cleanups.push(() => saveConsole(wb, 'rotated'));
  cleanups.push(() => wb.page.context().close());
  const { page } = wb;
  try {
    await containerEntry(page).waitFor({ timeout: 60_000 });
    await openViewContainer(page, VIEW_CONTAINER);
    const labels = await untilRows(page, 'the 2,500 records', (l) => rowValue(l, 'Recovered')?.endsWith('(1 of 2500)') && l, 60_000);
    await expandRow(page, 'Streaks');
    const withStreaks = await untilRows(page, 'the Streaks section', (l) => rowValue(l, 'Streaks') !== undefined && l, 20_000);
    await screenshot(page, '30-rotated-sibling');

    const tree = {
      Critical: Number(rowValue(labels, 'Critical')),
      High: Number(rowValue(labels, 'High')),
      Medium: Number(rowValue(labels, 'Medium')),
      Low: Number(rowValue(labels, 'Low')),
      recovered: rowValue(labels, 'Recovered'),
      longest: rowValue(labels, 'Longest streak'),
      streaks: rowValue(withStreaks, 'Streaks'),
    };
    // Pinned from the input above.
    assert.deepEqual(tree, { Critical: 0, High: 500, Medium: 2000, Low: 0, recovered: '0.04% (1 of 2500)', longest: '2', streaks: '1000' });

    // The CLI from the same .vsix, on the same path.
    const cli = spawnSync(process.execPath, [path.join(installedDir(cs), 'dist/cli.js'), 'report', '--json', log], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(cli.status, 0, cli.stderr);
    const report = JSON.parse(cli.stdout) as { total_missed: number; recovered: number; by_severity: Record<string, number>; longest_streak: number };
    assert.equal(report.total_missed, 2500);
    assert.deepEqual(
      { Critical: report.by_severity.Critical, High: report.by_severity.High, Medium: report.by_severity.Medium, Low: report.by_severity.Low },
      { Critical: tree.Critical, High: tree.High, Medium: tree.Medium, Low: tree.Low },
    );
    assert.equal(tree.recovered, `0.04% (${report.recovered} of ${report.total_missed})`);
    assert.equal(tree.longest, String(report.longest_streak));
    console.log(`rotated sibling: tree ${tree.High + tree.Medium} records = mbm report ${report.total_missed}`);
  } catch (err) {
    await screenshot(page, 'failed-rotated').catch(() => undefined);
    throw err;
  }
});
