// Which code each extension-host gap was: reads a CPU profile the host wrote (MBM_HOST_PROFILE=
// <file.cpuprofile> with MBM_HOST_PROBE=1, e.g. `MBM_HOST_PROFILE=/tmp/host.cpuprofile node
// --import tsx bench/editor-cs.ts`) and the extension's output channel the bench keeps
// (.bench-data/editor-cs-output.txt), and prints for every gap over 30 ms the profile's samples in
// it by whose code they were: OURS (this extension's bundles), another extension (by folder name),
// host (VS Code's own), gc, idle (the process was not running: the machine's other processes).
// Not a benchmark: the tool behind the reading of the editor-cs rows in bench/RESULTS.md.
//   node bench/host-gaps.mjs /tmp/host.cpuprofile [.bench-data/editor-cs-output.txt]
import { readFileSync } from 'node:fs';

const [profileFile, outputFile = '.bench-data/editor-cs-output.txt'] = process.argv.slice(2);
if (!profileFile) {
  process.stderr.write('usage: node bench/host-gaps.mjs <host.cpuprofile> [editor-cs-output.txt]\n');
  process.exit(2);
}
const p = JSON.parse(readFileSync(profileFile, 'utf8'));
const text = readFileSync(outputFile, 'utf8');
const start = /host probe: start at hrtime (\d+) us/.exec(text);
if (!start) throw new Error(`${outputFile}: no "host probe: start" line (was MBM_HOST_PROBE=1 set?)`);
const t0 = Number(start[1]);
const gaps = [...text.matchAll(/host probe: gap ([\d.]+) ms ending at \+(\d+) ms/g)].map((m) => ({ ms: Number(m[1]), at: Number(m[2]) }));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
let t = p.startTime;
const times = p.timeDeltas.map((d) => (t += d));

function whose(id) {
  let ext;
  for (let x = id; x !== undefined; x = parent.get(x)) {
    const url = byId.get(x).callFrame.url;
    if (/missed-block-monitor/.test(url)) return 'OURS';
    const m = /extensions\/([^/]+)\//.exec(url);
    if (m && !ext) ext = m[1];
  }
  const fn = byId.get(id).callFrame.functionName;
  if (fn === '(idle)') return 'idle';
  if (fn === '(garbage collector)') return 'gc';
  return ext ?? 'host';
}

for (const g of gaps) {
  const from = t0 + (g.at - g.ms - 10) * 1000;
  const to = t0 + g.at * 1000;
  const count = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    if (times[i] < from || times[i] > to) continue;
    const w = whose(p.samples[i]);
    count.set(w, (count.get(w) ?? 0) + 1);
  }
  const parts = [...count].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`);
  process.stdout.write(`gap ${g.ms} ms ending at +${g.at} ms: ${parts.join(', ') || 'no samples'}\n`);
}
