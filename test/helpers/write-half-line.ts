// Child process for the deterministic kill -9 test: appends whole records, then the first half of
// one more (as a write the kernel split would leave it), says so on stdout and waits to be killed.
//   node --import tsx test/helpers/write-half-line.ts <log path> <whole records>
import { closeSync, openSync, writeSync } from 'node:fs';
import { toLogLine, type MissedBlock } from '../../src/core/model';
import { logRecord } from './logRecords';

const [file, countArg] = process.argv.slice(2);
const count = Number(countArg ?? 3);

const record = (n: number): MissedBlock =>
  logRecord(n, { reason: 'ConnectionLost', severity: 'High', lateSec: 30, recovery_attempts: 0, recovered: false, metadata: { note: 'ブロック' } });

const fd = openSync(file, 'a');
for (let n = 0; n < count; n++) writeSync(fd, `${toLogLine(record(n))}\n`);
const last = Buffer.from(`${toLogLine(record(count))}\n`);
// Cut inside the multi-byte metadata, so the fragment is not even valid UTF-8 at its end.
writeSync(fd, last.subarray(0, last.indexOf(Buffer.from('ロ')) + 1));
closeSync(fd);
process.stdout.write('half\n');
setInterval(() => undefined, 60_000);
