// Regenerates samples/sample.jsonl, the log `npm start` reports on: ~200 records in the shape the
// monitor writes (gaps, delays, missed slots, reorgs, some rewritten when recovered later).
//   node samples/generate.mjs
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeLog } from '../bench/gen-log.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
await writeLog(path.join(here, 'sample.jsonl'), 200, { seed: 2024, startBlock: 21_000_000, startTime: 1_730_000_000 });
