// Shared by the benchmarks: quick mode, medians, the machine's description, and appending a dated
// row to the benchmark's own table in bench/RESULTS.md (so figures from different days, machines and
// commits sit side by side, and a before/after of a fix is two rows of one table).
//
//   BENCH_QUICK=1     small sizes for a smoke run; quick runs are printed but NOT recorded, because
//                     their figures are not comparable with the goals (or with each other)
//   BENCH_RESULTS=F   append to F instead of bench/RESULTS.md (trying the benchmarks out)
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const QUICK = !!process.env.BENCH_QUICK && process.env.BENCH_QUICK !== '0';
const RESULTS = path.resolve(process.env.BENCH_RESULTS ?? path.join(root, 'bench', 'RESULTS.md'));
const shown = path.relative(root, RESULTS).startsWith('..') ? RESULTS : path.relative(root, RESULTS);

/** The 1-minute load when this module was loaded, i.e. before the benchmark added its own. */
const loadAtStart = loadavg()[0];

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Nearest-rank percentile, p in 0..100. */
export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};

export const loadText = () => loadavg().map((x) => x.toFixed(2)).join(' ');

/** Short commit, with '+' when src/ differs from it (the figures then belong to uncommitted code). */
function commit() {
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    let dirty = false;
    try {
      execFileSync('git', ['diff', '--quiet', 'HEAD', '--', 'src'], { cwd: root, stdio: 'ignore' });
    } catch {
      dirty = true;
    }
    return head + (dirty ? '+' : '');
  } catch {
    return '?';
  }
}

export function machine() {
  const c = cpus();
  return {
    cpu: (c[0]?.model ?? 'unknown').replace(/\s+/g, ' ').trim(),
    cores: c.length,
    node: process.version,
    load: `${loadAtStart.toFixed(2)}→${loadavg()[0].toFixed(2)}`,
  };
}

const HEADER = `# Benchmark results

Rows are appended by the benchmarks in \`bench/\` (\`npm run bench\`, or one of them with
\`BENCH_ONLY=name\`), newest last, one table per benchmark; \`bench/results.mjs\` writes them. Quick
smoke runs (\`BENCH_QUICK=1\`) are never recorded here.

Every table starts with **date** (UTC) and **commit** (short hash; \`+\` = \`src/\` had uncommitted
changes) and ends with the machine: **cpu** (\`os.cpus()[0].model\`), **cores**, **node** and
**load** (1-minute load average when the benchmark started → when it finished; the machine may be
shared, so a high first figure marks a noisy row). The columns in between are the benchmark's own,
explained under its heading. Times are medians over the rounds unless a column says otherwise;
"ours" and the anchor always ran in the same process tree, alternating round by round.
`;

const cell = (v) => String(v ?? '').replace(/\|/g, '\\|').replace(/\n/g, ' ');
const tableLine = (cells) => `| ${cells.map(cell).join(' | ')} |`;

/**
 * Appends one row to the table of `bench` (section `## bench` of RESULTS.md, created with `title`
 * and `note` explaining the columns when absent). `row` maps column names to values, in order.
 * When the columns changed since the last row, a new table starts under the same heading.
 * Returns the file written, or undefined for a quick run (not recorded).
 */
export function appendResult({ bench, title, note, row }) {
  if (QUICK) {
    process.stdout.write(`  (quick run: not recorded in ${shown})\n`);
    return undefined;
  }
  const full = { date: new Date().toISOString().slice(0, 16).replace('T', ' '), commit: commit(), ...row, ...machine() };
  const header = tableLine(Object.keys(full));
  const rule = tableLine(Object.keys(full).map(() => '---'));
  const line = tableLine(Object.values(full));

  const text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : HEADER;
  const lines = text.replace(/\n+$/, '').split('\n');
  const start = lines.findIndex((l) => l.trim() === `## ${bench}`);
  if (start === -1) {
    lines.push('', `## ${bench}`, '', ...(title ? [title, ''] : []), ...(note ? [note, ''] : []), header, rule, line);
  } else {
    let end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
    if (end === -1) end = lines.length;
    let last = -1;
    for (let i = end - 1; i > start; i--) {
      if (lines[i].startsWith('|')) {
        last = i;
        break;
      }
    }
    let head = last;
    while (head > start && lines[head - 1].startsWith('|')) head--;
    if (last !== -1 && lines[head] === header) lines.splice(last + 1, 0, line);
    else lines.splice(end, 0, ...(lines[end - 1] === '' ? [] : ['']), header, rule, line, ...(end < lines.length ? [''] : []));
  }
  // Whole file to a temporary name, then renamed: an interrupted run never leaves half a table.
  const tmp = `${RESULTS}.tmp-${process.pid}`;
  writeFileSync(tmp, `${lines.join('\n')}\n`);
  renameSync(tmp, RESULTS);
  process.stdout.write(`  recorded in ${shown} (## ${bench})\n`);
  return RESULTS;
}

/** "met" / "MISSED" for a goal check, the word the benchmarks print and record. */
export const verdict = (ok) => (ok ? 'met' : 'MISSED');
