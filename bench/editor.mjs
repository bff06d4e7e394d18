// `npm run bench` → editor: how the extension host fares with a 1,000,000-record log.
// Each mode runs in its own Node process (bench/editor-probe.ts: the real LogWatcher + LogBook +
// log worker, and on every change the tree's summarize + buildTree): the worst gap of a 10 ms
// interval timer on the host's thread while the log loads and then while 1,000 records/s are
// appended for APPEND_S s (goal: ≤ 50 ms), the host process's peak RSS (goal: < 200 MB; the log
// worker is a child process, its peak is reported apart), the time until the whole log's totals
// are there next to `mbm report` on the same file (goal: ≤ 2×), and the dashboard's view of the
// whole log aggregated by the worker (its share of the first paint; the webview's drawing is not
// in it). A control process runs the same timer doing nothing else: what the machine's load alone
// costs. The anchor is the old in-thread load (no appends).
// Plain Node, not code-server: VS Code's own extension host work is not part of these figures.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeLog } from './gen-log.mjs';
import { QUICK, appendResult, loadText, root, verdict } from './results.mjs';

const RECORDS = QUICK ? 50_000 : 1_000_000;
const APPEND_S = QUICK ? 3 : 10;
const dataDir = path.join(root, '.bench-data');
mkdirSync(dataDir, { recursive: true });
const log = path.join(dataDir, `editor-${RECORDS}`, 'missed_blocks.jsonl');
if (!existsSync(log)) {
  mkdirSync(path.dirname(log), { recursive: true });
  process.stdout.write(`  generating ${RECORDS} records…\n`);
  await writeLog(log, RECORDS);
}
if (!existsSync(path.join(root, 'dist', 'logWorker.js')) || !existsSync(path.join(root, 'dist', 'cli.js'))) {
  process.stderr.write('editor: run `npm run build` first (dist/logWorker.js, dist/cli.js)\n');
  process.exit(2);
}

function probe(mode, appendSeconds) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'editor-probe.ts'), log, mode, String(appendSeconds), '1000'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`probe ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const load0 = loadText();
const t0 = performance.now();
const rep = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'report', '--json', log], { encoding: 'utf8', maxBuffer: 1 << 24 });
const reportMs = performance.now() - t0;
const reportTotal = JSON.parse(rep.stdout).total_missed;
const worker = probe('worker', APPEND_S);
const control = probe('control', Math.ceil((worker.loadedMs + worker.append.seconds * 1000) / 1000));
const anchor = QUICK ? null : probe('inthread', 0);
const load1 = loadText();

const f = (x) => (x == null ? '—' : x.toFixed(0));
process.stdout.write(`  log: ${RECORDS} lines, mbm report: ${reportTotal} records in ${f(reportMs)} ms\n`);
process.stdout.write(`  worker: totals after ${f(worker.loadedMs)} ms (${worker.total}${worker.window ? `, newest ${worker.window.shown} of ${worker.window.total} held` : ''}); worst gap loading ${f(worker.load.worstGapMs)} ms, appending ${worker.append.records} records ${f(worker.append.worstGapMs)} ms; host RSS ${f(worker.append.peakRssMB)} MB, worker process ${f(worker.childMB)} MB; tree refresh ≤ ${f(worker.refreshMsMax)} ms\n`);
if (worker.dashboard) process.stdout.write(`  dashboard (opened 5 s after the totals): the worker's view of ${worker.dashboard.held} records in ${f(worker.dashboard.viewMs)} ms (made ahead in ${f(worker.dashboard.workerMs)} ms${worker.dashboard.stale ? ', stale' : ''}); with a filter, made then: ${f(worker.dashboard.filteredMs)} ms\n`);
process.stdout.write(`  control (timer only): worst gap ${f(control.worstGapMs)} ms\n`);
if (anchor) process.stdout.write(`  in-thread anchor: worst gap ${f(anchor.load.worstGapMs)} ms, RSS ${f(anchor.load.peakRssMB)} MB, totals after ${f(anchor.loadedMs)} ms, total ${anchor.total}\n`);
const gap = Math.max(worker.load.worstGapMs, worker.append.worstGapMs);
const ok = {
  gap: gap <= 50,
  rss: worker.append.peakRssMB < 200,
  totals: worker.total === reportTotal,
  time: worker.loadedMs <= 2 * reportMs,
  dash: (worker.dashboard?.viewMs ?? Infinity) < 2000,
};
process.stdout.write(`  goals: gap ≤ 50 ms ${verdict(ok.gap)} (control ${f(control.worstGapMs)} ms), host RSS < 200 MB ${verdict(ok.rss)}, totals = mbm report ${verdict(ok.totals)}, ≤ 2× mbm report ${verdict(ok.time)}, dashboard view < 2 s ${verdict(ok.dash)}; load ${load0} → ${load1}\n`);
appendResult({
  bench: 'editor',
  title: 'Extension host with a big log (plain Node host: LogWatcher + LogBook + the tree\'s refresh + the log worker process; anchor: the old in-thread load)',
  note: 'gaps: worst lateness of a 10 ms interval timer on the host thread while the log loads / while 1,000 records/s are appended; control: the same timer in an idle process meanwhile (the machine\'s load alone); host RSS: peak of the host process; worker RSS: peak of the log worker process; dashboard view: the worker\'s view of the whole log, asked by the host 5 s after the totals (made ahead by the worker meanwhile) and received — the webview\'s drawing not included; filtered view: one with a severity filter, made when asked. Since 2026-12-03 14:00 the worker is a child process (before: a thread, inside the host\'s RSS).',
  row: {
    records: RECORDS,
    'load gap ms': f(worker.load.worstGapMs),
    'append gap ms': f(worker.append.worstGapMs),
    'control gap ms': f(control.worstGapMs),
    'host RSS MB': f(worker.append.peakRssMB),
    'worker RSS MB': f(worker.childMB),
    'totals ms': f(worker.loadedMs),
    'mbm report ms': f(reportMs),
    'totals = report': ok.totals ? 'yes' : `NO (${worker.total} vs ${reportTotal})`,
    'dashboard view ms': f(worker.dashboard?.viewMs),
    'filtered view ms': f(worker.dashboard?.filteredMs),
    'in-thread gap ms': f(anchor?.load.worstGapMs),
    'in-thread RSS MB': f(anchor?.load.peakRssMB),
    'in-thread ms': f(anchor?.loadedMs),
  },
});
process.exitCode = ok.totals ? 0 : 1;
