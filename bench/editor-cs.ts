// `npm run bench` → editor-cs: the extension as users run it — the packaged .vsix in code-server,
// driven by Chromium (the e2e harness, test/e2e/harness; scripts/install-e2e.sh installs it) — on
// a workspace holding the 1,000,000-record log of bench/editor.mjs. MBM_HOST_PROBE=1 makes the
// extension log its host's worst event-loop gap (10 ms interval timer) and RSS every 2 s
// (src/extension/hostProbe.ts). Measured: the tree's whole-log totals (from opening the view),
// the worst host gap while the log loads and while 1,000 records/s are appended for 10 s, the
// extension host's and the log worker's peak RSS, and the dashboard's first paint as the
// extension logs it (command → view from the worker → the webview's 'rendered'). Not a test.
//   node --import tsx bench/editor-cs.ts            (… late: the log is put into the workspace once the
//   window has settled, so its load is measured apart from the host's start-up; … control: the same window on an empty workspace
//   for 30 s — the extension host's own gaps and RSS without a log; printed, not recorded)
import { appendFileSync, existsSync, writeFileSync, linkSync, readdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { launchBrowser, openViewContainer, openWorkbench, pickQuickItem, runCommand } from '../test/e2e/harness/browser';
import { startCodeServer, type CodeServer } from '../test/e2e/harness/codeServer';
import { makeWorkspace, outputChannelText, packageVsix, removeTempDirs, rowLabels, rowValue, VIEW_CONTAINER } from '../test/e2e/harness/extension';
// @ts-expect-error plain ESM without types
import { appendResult, loadText, QUICK, root } from './results.mjs';
// @ts-expect-error plain ESM without types
import { generateLines } from './gen-log.mjs';

if (QUICK) {
  process.stdout.write('  editor-cs: not in a quick run (it needs the 1,000,000-record log and code-server)\n');
  process.exit(0);
}
const RECORDS = 1_000_000;
const APPEND_S = 10;
const RATE = 1000;
const log = path.join(root, '.bench-data', `editor-${RECORDS}`, 'missed_blocks.jsonl');
if (!existsSync(log)) throw new Error(`run bench/editor.mjs first: it generates ${log}`);

process.env.MBM_HOST_PROBE = '1';
const size = statSync(log).size;
const f = (x: number | undefined | null) => (x == null || !Number.isFinite(x) ? '—' : x.toFixed(0));

/** Peak RSS (MB) of the processes whose command line matches `re`. */
function peakOf(re: RegExp): number | undefined {
  let kb: number | undefined;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!re.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'))) continue;
      const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) kb = Math.max(kb ?? 0, Number(m[1]));
    } catch {
      // gone
    }
  }
  return kb === undefined ? undefined : kb / 1024;
}

/** The host probe's lines after `from` characters of the output channel: worst gap, peak RSS. */
function probe(text: string, from: number, to = text.length): { gap: number; rss: number; n: number } {
  let gap = 0;
  let rss = 0;
  let n = 0;
  for (const m of text.slice(from, to).matchAll(/host probe: worst gap ([\d.]+) ms, rss (\d+) MB/g)) {
    gap = Math.max(gap, Number(m[1]));
    rss = Math.max(rss, Number(m[2]));
    n++;
  }
  return { gap, rss, n };
}

/** The probe's single gaps over 30 ms (ms, ending at +ms since activation) and its marks. */
function timeline(text: string): { gaps: { ms: number; at: number }[]; marks: Map<string, number> } {
  const gaps = [...text.matchAll(/host probe: gap ([\d.]+) ms ending at \+(\d+) ms/g)].map((m) => ({ ms: Number(m[1]), at: Number(m[2]) }));
  const marks = new Map<string, number>();
  for (const m of text.matchAll(/host probe: mark (\S+) at \+(\d+) ms/g)) if (!marks.has(m[1])) marks.set(m[1], Number(m[2]));
  return { gaps, marks };
}

/**
 * Our own longest synchronous section (hostProbe's probeTimed: the tree's build, the views'
 * summaries, a change's handling, each message from the log worker, the worker's fork) among
 * those over 5 ms, as "<label> <ms>", in the output between characters `from` and `to`.
 */
function oursIn(text: string, from: number, to = text.length): { ms: number; what: string } {
  let best = { ms: 0, what: 'none over 5 ms' };
  for (const m of text.slice(from, to).matchAll(/host probe: mark (\S+)-took-([\d.]+)ms/g)) if (Number(m[2]) > best.ms) best = { ms: Number(m[2]), what: m[1] };
  return best;
}

/** Worst single gap that ended inside [from, to] (0 when none over 30 ms). */
function worstIn(gaps: { ms: number; at: number }[], from: number, to: number): number {
  return gaps.filter((g) => g.at >= from && g.at <= to).reduce((m, g) => Math.max(m, g.ms), 0);
}

/** Until the probe has logged two 2-s windows in a row without a gap over 30 ms (bounded: 60 s). */
async function settled(cs: CodeServer): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
    const worst = [...outputChannelText(cs).matchAll(/host probe: worst gap ([\d.]+) ms/g)].map((m) => Number(m[1]));
    if (worst.length >= 2 && worst.slice(-2).every((g) => g < 30)) return;
  }
  throw new Error('the extension host did not settle (two probe windows without a gap over 30 ms) within 60 s');
}

async function main(): Promise<void> {
  const load0 = loadText();
  const t0 = performance.now();
  const rep = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'report', '--json', log], { encoding: 'utf8', maxBuffer: 1 << 24 });
  const reportMs = performance.now() - t0;
  const reportTotal = JSON.parse(rep.stdout).total_missed as number;
  const packaged = packageVsix();
  const ws = makeWorkspace({ 'missedBlocks.expectedBlockTime': 12 });
  const big = path.join(ws, 'missed_blocks.jsonl');
  const control = process.argv.includes('control');
  // late: the log is put into the workspace once the window has started up, so its load runs in a
  // settled extension host instead of beside the start-up of every other extension.
  const late = process.argv.includes('late');
  if (!control && !late) linkSync(log, big);
  const browser = await launchBrowser();
  const cs = await startCodeServer({ vsix: [packaged.vsix], name: 'editor-bench' });
  try {
    const wb = await openWorkbench(browser, cs.folderUrl(ws));
    const page = wb.page;
    let tOpen = performance.now();
    await openViewContainer(page, VIEW_CONTAINER);
    if (late) {
      await settled(cs);
      linkSync(log, big);
      tOpen = performance.now();
    }
    if (control) {
      await page.waitForTimeout(30_000);
      const text = outputChannelText(cs);
      writeFileSync(path.join(root, '.bench-data', 'editor-cs-control-output.txt'), text);
      const p = probe(text, 0);
      const gaps = timeline(text).gaps;
      process.stdout.write(`  control (no log): host worst gap ${f(p.gap)} ms over ${p.n} probes (gaps over 30 ms: ${gaps.map((g) => `${f(g.ms)}@+${g.at}`).join(' ') || 'none'}), host RSS ${f(p.rss)} MB (VmHWM ${f(peakOf(/extensionHost|bootstrap-fork/))}); load ${loadText()}\n`);
      return;
    }
    const want = `of ${reportTotal.toLocaleString('en-US')}`;
    let shown: string | undefined;
    for (const deadline = Date.now() + 120_000; Date.now() < deadline; await page.waitForTimeout(100)) {
      shown = rowValue(await rowLabels(page), 'Records shown');
      if (shown?.endsWith(want)) break;
    }
    const totalsMs = performance.now() - tOpen;
    if (!shown?.endsWith(want)) throw new Error(`the tree never showed "${want}" (last: ${shown})`);
    await page.waitForTimeout(2500); // one more probe line after the load
    const afterLoad = outputChannelText(cs).length;

    // 1,000 records a second for APPEND_S s, in 10 ms steps.
    const lines = [...(generateLines(APPEND_S * RATE, { seed: 11, startBlock: 40_000_000, startTime: 1_800_000_000 }) as Iterable<string>)];
    const ta = performance.now();
    for (let sent = 0; sent < lines.length; ) {
      const due = Math.min(lines.length, Math.floor(((performance.now() - ta) / 1000) * RATE) + 1);
      if (due > sent) {
        appendFileSync(big, lines.slice(sent, due).join('\n') + '\n');
        sent = due;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await page.waitForTimeout(2500);
    const afterAppend = outputChannelText(cs).length;

    // The dashboard: the command, the worker's view, the webview's first paint (logged by the panel).
    const tDash = performance.now();
    await runCommand(page, 'Missed Blocks: Open Dashboard');
    const quick = page.locator('.quick-input-widget:not([style*="display: none"]) .quick-input-list .monaco-list-row');
    if (await quick.first().isVisible({ timeout: 1500 }).catch(() => false)) await pickQuickItem(page, 'missed_blocks.jsonl');
    let paint: RegExpExecArray | null = null;
    for (const deadline = Date.now() + 60_000; !paint && Date.now() < deadline; await page.waitForTimeout(100)) {
      paint = /first paint of (\d{6,}) records in (\d+) ms \((\d+) ms of it in the webview/.exec(outputChannelText(cs).slice(afterAppend));
    }
    const dashMs = performance.now() - tDash;
    const text = outputChannelText(cs);
    // The extension's output channel, probe lines included, for study (not part of the record).
    writeFileSync(path.join(root, '.bench-data', 'editor-cs-output.txt'), text);
    const line = /first paint of \d{6,} records[^\n]*/.exec(text.slice(afterAppend));
    if (line) process.stdout.write(`  panel: ${line[0]}\n`);
    const read = /read (\d+) records of missed_blocks\.jsonl in (\d+) ms/.exec(text.slice(afterAppend));
    const loadP = probe(text, 0, afterLoad);
    // Split at the load-start mark: before it the extension host starts up (other extensions, the
    // workbench, our activation); from it to the end of the load phase is the log's load.
    const tl = timeline(text.slice(0, afterLoad));
    const loadStart = tl.marks.get('load-start');
    const startupGap = loadStart === undefined ? undefined : worstIn(tl.gaps, 0, loadStart);
    const loadOnlyGap = loadStart === undefined ? undefined : worstIn(tl.gaps, loadStart, Infinity);
    process.stdout.write(`  probe: load-start at +${loadStart} ms, loaded at +${tl.marks.get('loaded')} ms; gaps over 30 ms: ${tl.gaps.map((g) => `${f(g.ms)}@+${g.at}`).join(' ') || 'none'}\n`);
    const appendP = probe(text, afterLoad, afterAppend);
    const dashP = probe(text, afterAppend);
    const hostPeak = peakOf(/extensionHost|bootstrap-fork/);
    const workerPeak = peakOf(/logWorker\.js/);
    const oursLoad = oursIn(text, 0, afterLoad);
    const oursAppend = oursIn(text, afterLoad, afterAppend);
    const r = {
      totalsMs,
      reportMs,
      loadGap: loadOnlyGap ?? loadP.gap,
      startupGap,
      appendGap: appendP.gap,
      dashGap: dashP.gap,
      hostRss: Math.max(loadP.rss, appendP.rss, dashP.rss),
      hostPeak,
      workerPeak,
      dashCommandToPaintMs: paint ? dashMs : null,
      firstPaintMs: paint ? Number(paint[2]) : null,
      viewReadMs: read ? Number(read[2]) : null,
      probes: loadP.n + appendP.n + dashP.n,
    };
    const load1 = loadText();
    process.stdout.write(`  code-server, ${reportTotal} records (mbm report ${f(reportMs)} ms): tree totals ${f(totalsMs)} ms after opening the view\n`);
    process.stdout.write(`  our longest section in the host: loading ${f(oursLoad.ms)} ms (${oursLoad.what}), appending ${f(oursAppend.ms)} ms (${oursAppend.what})\n`);
    process.stdout.write(`  host worst gap: start-up (before the load starts) ${f(r.startupGap)} ms, loading ${f(r.loadGap)} ms, appending ${f(r.appendGap)} ms, dashboard ${f(r.dashGap)} ms; host RSS ${f(r.hostRss)} MB (VmHWM ${f(hostPeak)}), log worker ${f(workerPeak)} MB\n`);
    process.stdout.write(`  dashboard: command → first paint ${f(r.dashCommandToPaintMs)} ms (worker view received ${f(r.viewReadMs)} ms after the feed started; post → rendered ${f(r.firstPaintMs)} ms); load ${load0} → ${load1}\n`);
    appendResult({
      bench: 'editor-cs',
      title: 'The extension in code-server (.vsix, Chromium) with a 1,000,000-record log',
      note: 'totals: from opening the Missed Blocks view to the tree showing "newest 2,000 of N"; gaps: worst lateness of a 10 ms interval timer inside the extension host (MBM_HOST_PROBE), from activation to the load start (the host start-up) / from the load start to its end (the load) / while appending 1,000 records/s for 10 s / opening the dashboard (all causes: other extensions starting up too); ours: the longest of our own timed sections in the host (tree build, summaries, a change, a message from the log worker, its fork) while loading / appending; host RSS: the probe\'s peak; worker: the log worker process\'s VmHWM; dashboard: from the Open Dashboard command to the panel\'s first-paint log line.',
      row: {
        log: late ? 'added after start-up' : 'there at start',
        records: reportTotal,
        'totals ms': f(totalsMs),
        'mbm report ms': f(reportMs),
        'start-up gap ms': f(r.startupGap),
        'load gap ms': f(r.loadGap),
        'ours load ms': f(oursLoad.ms),
        'ours append ms': f(oursAppend.ms),
        'append gap ms': f(r.appendGap),
        'dashboard gap ms': f(r.dashGap),
        'host RSS MB': f(r.hostRss),
        'worker RSS MB': f(workerPeak),
        'dashboard first paint ms': f(r.dashCommandToPaintMs),
      },
    });
    await wb.page.context().close();
  } finally {
    await cs.stop();
    await browser.close();
    truncateSync(log, size);
    removeTempDirs();
  }
}

main().catch((e: unknown) => {
  truncateSync(log, size);
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
