// GET /export?format=csv|json&from=&to=&reason=&severity=&kind=&source=: the same reader, filter
// and writer as `mbm export`, so the bytes are the same; streamed with backpressure.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EXPORT_FORMATS, exportRecords } from '../export/export';
import { compileFilter, isEmptyFilter, type RecordFilter } from '../../core/recordFilter';
import { LogReadError, readRecordBatches } from '../log/reader';
import type { MissedBlock } from '../../core/model';
import { checkParams, FILTER_PARAMS, filterParams, formatParam, REPEATABLE_FILTER_PARAMS } from './query';
import { HttpError } from './respond';

const CONTENT_TYPES = { csv: 'text/csv; charset=utf-8', json: 'application/json; charset=utf-8' } as const;

/** Records from elsewhere than files (the shared store), already filtered. */
export type RecordSource = (filter: RecordFilter) => AsyncGenerator<MissedBlock[]>;

export async function serveExport(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, files: readonly string[] | RecordSource): Promise<void> {
  checkParams(query, ['format', ...FILTER_PARAMS], REPEATABLE_FILTER_PARAMS);
  const format = formatParam(query, EXPORT_FORMATS, 'csv');
  const filter = filterParams(query);
  const batches = typeof files === 'function' ? files(filter) : readRecordBatches(files, { filter: isEmptyFilter(filter) ? undefined : compileFilter(filter) });
  // Pull the first batch before the status line: an unreadable log is then a 503 with a reason,
  // not a 200 that stops half way.
  let first: IteratorResult<MissedBlock[]>;
  try {
    first = await batches.next();
  } catch (err) {
    if (err instanceof LogReadError) throw new HttpError(503, err.message);
    throw err;
  }
  res.writeHead(200, { 'content-type': CONTENT_TYPES[format], 'cache-control': 'no-store' });
  if (req.method === 'HEAD') {
    await batches.return(undefined);
    res.end();
    return;
  }
  async function* all(): AsyncGenerator<MissedBlock[]> {
    if (first.done) return;
    yield first.value;
    yield* batches;
  }
  try {
    await exportRecords(all(), { format, out: res });
  } finally {
    await batches.return(undefined);
  }
  res.end();
}
