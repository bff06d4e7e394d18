// Child process for the kill -9 test: appends records through JsonlWriter as fast as it can, one
// append per record, with a large record now and then so that a SIGKILL has a real chance of
// landing in the middle of a write. Runs until killed.
//   node --import tsx test/helpers/write-forever.ts <log path>
import { JsonlWriter } from '../../src/node/log/writer';
import type { MissedBlock } from '../../src/core/model';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: write-forever.ts <log path>\n');
  process.exit(2);
}

function record(n: number, padding: number): MissedBlock {
  return {
    timestamp: 1_700_000_000 + n,
    block_number: n,
    reason: 'ConnectionLost',
    severity: 'High',
    expected_timestamp: 1_700_000_000 + n,
    actual_timestamp: 1_700_000_030 + n,
    recovery_attempts: 2,
    recovered: false,
    // Non-ASCII padding so a torn write can also split a multi-byte character.
    metadata: { pid: process.pid, padding: 'é'.repeat(padding) },
    alert_sent: false,
  };
}

async function main(): Promise<void> {
  // fsync off: the point is to be killed inside write(), not to wait on the disk.
  const w = new JsonlWriter({
    path: file,
    rotationSize: 0,
    retentionDays: 0,
    batchLogging: false,
    batchSize: 1,
    batchTimeoutMs: 0,
    fsync: false,
    onError: (err) => process.stderr.write(`write-forever: ${err.message}\n`),
  });
  const report = await w.open();
  process.stdout.write(`${JSON.stringify(report.repair)}\n`);
  for (let n = 0; ; n++) {
    // Up to ~400 KB: well under the 1 MiB line limit, large enough that the kernel copies it in
    // many pages and can be interrupted between them.
    w.write(record(n, n % 3 === 0 ? 50_000 + ((n * 7919) % 150_000) : n % 40));
    await w.flush();
  }
}

void main();
