// Child process for the time-rotation kill -9 test: appends records through JsonlWriter with size
// and time rotation on and an injected clock that moves `stepMs` per record, so UTC boundaries pass
// every few records and a SIGKILL can land in an append, a rename or a gzip. Runs until killed.
//   node --import tsx test/helpers/write-rotating-forever.ts <log path> <clock start ms> <step ms>
import { JsonlWriter } from '../../src/node/log/writer';
import type { MissedBlock } from '../../src/core/model';

const [file, startArg, stepArg] = process.argv.slice(2);
if (!file || !startArg || !stepArg) {
  process.stderr.write('usage: write-rotating-forever.ts <log path> <clock start ms> <step ms>\n');
  process.exit(2);
}
let clock = Number(startArg);
const step = Number(stepArg);

function record(n: number): MissedBlock {
  return {
    timestamp: 1_700_000_000 + n,
    block_number: n,
    reason: 'ConnectionLost',
    severity: 'High',
    expected_timestamp: 1_700_000_000 + n,
    actual_timestamp: 1_700_000_030 + n,
    recovery_attempts: 2,
    recovered: false,
    metadata: { pid: process.pid, n, padding: 'é'.repeat(n % 5 === 0 ? 20_000 + ((n * 7919) % 30_000) : n % 40) },
    alert_sent: false,
  };
}

async function main(): Promise<void> {
  const w = new JsonlWriter({
    path: file,
    rotationSize: 256 * 1024,
    rotationIntervalMs: 3_600_000,
    retentionDays: 0,
    batchLogging: false,
    batchSize: 1,
    batchTimeoutMs: 0,
    fsync: false,
    now: () => new Date(clock),
    onError: (err) => process.stderr.write(`write-rotating-forever: ${err.message}\n`),
  });
  await w.open();
  for (let n = 0; ; n++) {
    w.write(record(n));
    await w.flush();
    clock += step;
  }
}

void main();
