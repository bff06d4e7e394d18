// The floor for reading a JSONL log in Node: big chunks into one reused buffer, split on '\n',
// decode each line and JSON.parse it — nothing else. No tool that must parse every line can beat
// this by much; `bench/export.mjs` compares `mbm export` against it.
import { openSync, readSync, closeSync } from 'node:fs';

const fd = openSync(process.argv[2], 'r');
const buf = Buffer.allocUnsafe(2 << 20);
let filled = 0;
let lines = 0;
let sum = 0;
for (;;) {
  const n = readSync(fd, buf, filled, 1 << 20, null);
  if (n === 0) break;
  const end = filled + n;
  let s = 0;
  for (let i = buf.indexOf(10, s); i !== -1 && i < end; i = buf.indexOf(10, s)) {
    sum += JSON.parse(buf.toString('utf8', s, i)).block_number;
    lines++;
    s = i + 1;
  }
  buf.copy(buf, 0, s, end);
  filled = end - s;
}
closeSync(fd);
process.stdout.write(`${lines} lines, checksum ${sum}\n`);
