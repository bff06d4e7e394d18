// `npm run bench` → editor: how the extension host fares while it loads a 1,000,000-record log.
// Each mode runs in its own Node process (bench/editor-probe.ts, the real LogWatcher + LogBook +
// log worker): the worst gap of a 10 ms interval timer on the host's thread while the log loads
// (goal: ≤ 50 ms), the peak RSS (goal: < 200 MB), the time until the totals are there, next to
// `mbm report` on the same file (goal: ≤ 2×) and to the old in-thread load as the anchor.
// Plain Node, not code-server: the extension host's other work is not part of it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { writeLog } from './gen-log.mjs';
import { QUICK, appendResult, loadText, root, verdict } from './results.mjs';

const RECORDS = QUICK ? 50_000 : 1_000_000;
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

function probe(mode) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'bench', 'editor-probe.ts'), log, mode], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`probe ${mode} failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1));
}

const load0 = loadText();
const t0 = performance.now();
const rep = spawnSync(process.execPath, [path.join(root, 'dist', 'cli.js'), 'report', '--json', log], { encoding: 'utf8', maxBuffer: 1 << 24 });
const reportMs = performance.now() - t0;
const reportTotal = JSON.parse(rep.stdout).total_missed;
const worker = probe('worker');
const anchor = probe('inthread');
const load1 = loadText();

const f = (x) => x.toFixed(0);
process.stdout.write(`  log: ${RECORDS} lines, mbm report: ${reportTotal} records in ${f(reportMs)} ms\n`);
for (const p of [worker, anchor]) {
  process.stdout.write(`  ${p.mode.padEnd(9)} worst gap ${f(p.worstGapMs)} ms, peak RSS ${f(p.peakRssMB)} MB, totals after ${f(p.loadedMs)} ms, held ${p.held}, total ${p.total}${p.window ? ` (newest ${p.window.shown} of ${p.window.total})` : ''}\n`);
}
const ok = {
  gap: worker.worstGapMs <= 50,
  rss: worker.peakRssMB < 200,
  totals: worker.total === reportTotal,
  time: worker.loadedMs <= 2 * reportMs,
};
process.stdout.write(`  goals: gap ≤ 50 ms ${verdict(ok.gap)}, RSS < 200 MB ${verdict(ok.rss)}, totals = mbm report ${verdict(ok.totals)}, ≤ 2× mbm report ${verdict(ok.time)}; load ${load0} → ${load1}\n`);
appendResult({
  bench: 'editor',
  title: 'Extension host while it loads a log (plain Node: LogWatcher + LogBook + log worker; anchor: the old in-thread load)',
  note: 'gap: worst lateness of a 10 ms interval timer on the host thread while the log loads; RSS: peak of the process (worker included).',
  row: {
    records: RECORDS,
    'worker gap ms': f(worker.worstGapMs),
    'worker RSS MB': f(worker.peakRssMB),
    'worker totals ms': f(worker.loadedMs),
    'in-thread gap ms': f(anchor.worstGapMs),
    'in-thread RSS MB': f(anchor.peakRssMB),
    'in-thread ms': f(anchor.loadedMs),
    'mbm report ms': f(reportMs),
    'totals = report': ok.totals ? 'yes' : `NO (${worker.total} vs ${reportTotal})`,
    'in-thread total': anchor.total,
  },
});
process.exitCode = ok.totals ? 0 : 1;
