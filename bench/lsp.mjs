// Language server on a ~50 MB log: open time (didOpen → diagnostics), how long other requests wait
// while it parses, hover latency, outline/folding/CodeLens times, an append's diagnostics, and the
// server's memory. Runs the shipped bundle (dist/server.js, `npm run build` first) over Node IPC,
// as the extension does. Usage: node bench/lsp.mjs [MB]   (default 50; 2 with BENCH_QUICK=1)
// No anchor to alternate with; a dated row goes to bench/RESULTS.md (bench/results.mjs).
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import rpc from 'vscode-languageserver-protocol/node.js';
import { generateLines } from './gen-log.mjs';
import { appendResult, QUICK } from './results.mjs';

const MB = Number(process.argv[2] ?? (QUICK ? 2 : 50));
const server = new URL('../dist/server.js', import.meta.url);
const uri = pathToFileURL('/tmp/bench/missed_blocks.jsonl').href;

function buildText(bytes) {
  const lines = [];
  let size = 0;
  for (const line of generateLines(Number.MAX_SAFE_INTEGER)) {
    if (size >= bytes) break;
    lines.push(line);
    size += line.length + 1;
  }
  return { text: `${lines.join('\n')}\n`, count: lines.length };
}

const ms = (t) => `${t.toFixed(1)} ms`;
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;

const { text, count } = buildText(MB * 1024 * 1024);
console.log(`log: ${(text.length / 1048576).toFixed(1)} MB, ${count} lines`);

const child = fork(server, ['--node-ipc'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
const conn = rpc.createProtocolConnection(new rpc.IPCMessageReader(child), new rpc.IPCMessageWriter(child));
conn.listen();
await conn.sendRequest(rpc.InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
void conn.sendNotification(rpc.InitializedNotification.type, {});

const waiting = new Map();
conn.onNotification(rpc.PublishDiagnosticsNotification.type, (p) => {
  const w = waiting.get(p.version);
  if (w) {
    waiting.delete(p.version);
    w(p);
  }
});
const diagnosticsFor = (version) => new Promise((resolve) => waiting.set(version, resolve));
const stats = () => conn.sendRequest('missedBlocks/documentStats', { uri });
const timed = async (f) => {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
};

// Open, while a chain of small requests measures how long anything else waits meanwhile.
const opened = diagnosticsFor(1);
const t0 = performance.now();
void conn.sendNotification(rpc.DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'missed-block-log', version: 1, text } });
let parsing = true;
const waits = [];
const probe = (async () => {
  while (parsing) {
    const [t, s] = await timed(stats);
    if (s && s.pendingLines === 0) break;
    waits.push(t);
  }
})();
const first = await opened;
const openMs = performance.now() - t0;
parsing = false;
await probe;
const s1 = await stats();
console.log(`open → diagnostics published: ${ms(openMs)} (${s1.records} records, ${s1.badLines} bad, ${s1.warnings} warnings, ${first.diagnostics.length} diagnostics)`);
if (waits.length) console.log(`requests answered while parsing: ${waits.length}, wait p50 ${ms(pct(waits, 0.5))}, max ${ms(Math.max(...waits))}`);

const hover = (line) => conn.sendRequest(rpc.HoverRequest.type, { textDocument: { uri }, position: { line, character: 2 } });
const [firstHover] = await timed(() => hover(Math.floor(count / 2)));
console.log(`first hover (builds the streak index): ${ms(firstHover)}`);
const hovers = [];
for (let i = 0; i < 50; i++) hovers.push((await timed(() => hover(Math.floor((count * i) / 50))))[0]);
console.log(`hover: p50 ${ms(pct(hovers, 0.5))}, p95 ${ms(pct(hovers, 0.95))}, max ${ms(Math.max(...hovers))}`);

for (const [name, type] of [
  ['document symbols', rpc.DocumentSymbolRequest.type],
  ['folding ranges', rpc.FoldingRangeRequest.type],
  ['code lenses', rpc.CodeLensRequest.type],
]) {
  const [t, r] = await timed(() => conn.sendRequest(type, { textDocument: { uri } }));
  console.log(`${name}: ${ms(t)} (${r.length} items)`);
}

// Appends as a writer makes them: ten lines at the end, each published before the next.
const appendMs = [];
const hoverAfter = [];
let version = 1;
let lines = count;
for (let i = 0; i < 20; i++) {
  const add = [...generateLines(10, { seed: 1000 + i, startBlock: 30_000_000 + i * 1000 })];
  const end = { line: lines, character: 0 };
  const published = diagnosticsFor(++version);
  const t = performance.now();
  void conn.sendNotification(rpc.DidChangeTextDocumentNotification.type, {
    textDocument: { uri, version },
    contentChanges: [{ range: { start: end, end }, text: `${add.join('\n')}\n` }],
  });
  await published;
  appendMs.push(performance.now() - t);
  lines += add.length;
  hoverAfter.push((await timed(() => hover(lines - 1)))[0]);
}
const s2 = await stats();
console.log(`append of 10 lines → diagnostics: p50 ${ms(pct(appendMs, 0.5))}, max ${ms(Math.max(...appendMs))}; lines parsed by 20 appends: ${s2.parsedLines - s1.parsedLines}`);
console.log(`hover right after an append (streak index extended): p50 ${ms(pct(hoverAfter, 0.5))}, max ${ms(Math.max(...hoverAfter))}`);
const serverRss = rssMb(child.pid);
console.log(`server RSS: ${serverRss.toFixed(0)} MB`);
appendResult({
  bench: 'lsp',
  title: 'Language server on a large log over Node IPC, the shipped dist/server.js (`bench/lsp.mjs`). No anchor and no goal.',
  note: '**open ms**: didOpen → diagnostics; **hover p50 ms**: after the first; **append p50 ms**: 10 lines appended → diagnostics; **RSS MB**: the server process at the end.',
  row: {
    MB: (text.length / 1048576).toFixed(1),
    lines: count,
    'open ms': openMs.toFixed(0),
    'first hover ms': firstHover.toFixed(0),
    'hover p50 ms': pct(hovers, 0.5).toFixed(1),
    'append p50 ms': pct(appendMs, 0.5).toFixed(1),
    'RSS MB': serverRss.toFixed(0),
  },
});

await conn.sendRequest(rpc.ShutdownRequest.type);
void conn.sendNotification(rpc.ExitNotification.type);
conn.dispose();
