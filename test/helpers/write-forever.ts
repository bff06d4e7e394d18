// Child process for the kill -9 test: appends records through JsonlWriter as fast as it can, one
// append per record, with a large record now and then so that a SIGKILL has a real chance of
// landing in the middle of a write. Runs until killed.
//   node --import tsx test/helpers/write-forever.ts <log path>
import { JsonlWriter } from '../../src/node/log/writer';
import type { MissedBlock } from '../../src/core/model';
import { logRecord, unbatchedWriterOptions } from './logRecords';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: write-forever.ts <log path>\n');
  process.exit(2);
}

// Non-ASCII padding so a torn write can also split a multi-byte character.
const record = (n: number, padding: number): MissedBlock =>
  logRecord(n, { reason: 'ConnectionLost', severity: 'High', lateSec: 30, recovery_attempts: 2, recovered: false, metadata: { pid: process.pid, padding: 'é'.repeat(padding) } });

async function main(): Promise<void> {
  // fsync off: the point is to be killed inside write(), not to wait on the disk.
  const w = new JsonlWriter(unbatchedWriterOptions(file, { onError: (err) => process.stderr.write(`write-forever: ${err.message}\n`) }));
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
