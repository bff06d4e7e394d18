// Child process for the time-rotation kill -9 test: appends records through JsonlWriter with size
// and time rotation on and an injected clock that moves `stepMs` per record, so UTC boundaries pass
// every few records and a SIGKILL can land in an append, a rename or a gzip. Runs until killed.
//   node --import tsx test/helpers/write-rotating-forever.ts <log path> <clock start ms> <step ms>
import { JsonlWriter } from '../../src/node/log/writer';
import type { MissedBlock } from '../../src/core/model';
import { logRecord, unbatchedWriterOptions } from './logRecords';

const [file, startArg, stepArg] = process.argv.slice(2);
if (!file || !startArg || !stepArg) {
  process.stderr.write('usage: write-rotating-forever.ts <log path> <clock start ms> <step ms>\n');
  process.exit(2);
}
let clock = Number(startArg);
const step = Number(stepArg);

const record = (n: number): MissedBlock =>
  logRecord(n, {
    reason: 'ConnectionLost',
    severity: 'High',
    lateSec: 30,
    recovery_attempts: 2,
    recovered: false,
    metadata: { pid: process.pid, n, padding: 'é'.repeat(n % 5 === 0 ? 20_000 + ((n * 7919) % 30_000) : n % 40) },
  });

async function main(): Promise<void> {
  const w = new JsonlWriter(
    unbatchedWriterOptions(file, {
      rotationSize: 256 * 1024,
      rotationIntervalMs: 3_600_000,
      now: () => new Date(clock),
      onError: (err) => process.stderr.write(`write-rotating-forever: ${err.message}\n`),
    }),
  );
  await w.open();
  for (let n = 0; ; n++) {
    w.write(record(n));
    await w.flush();
    clock += step;
  }
}

void main();
