// What `mbm export|report|serve --from-postgres` share: the flags' checks and a store read with
// the connection closed afterwards. Errors a user can fix (a bad URL, an unreachable database)
// come back as StoreCliError with one line naming the flag.
import type { Writable } from 'node:stream';
import { exportRecords, type ExportFormat } from '../node/export/export';
import { compileFilter, isEmptyFilter, type RecordFilter } from '../core/recordFilter';
import type { MissedBlock } from '../core/model';
import type { Report } from '../core/report';
import { parsePostgresUrl } from '../core/config';
import { describePgError, describePostgresUrl } from '../node/store/connect';
import { PostgresStore } from '../node/store/index';
import type { StoreFilter } from '../node/store/store';

export { StoreCliError, parseChainIds } from './storeArgs';
import { StoreCliError } from './storeArgs';

export async function openStoreFor(url: string): Promise<PostgresStore> {
  parsePostgresUrl('--from-postgres', url);
  try {
    return await PostgresStore.open(url);
  } catch (err) {
    throw new StoreCliError(`--from-postgres ${describePostgresUrl(url)}: ${describePgError(err)}`);
  }
}

/** The store filter (source, chain, applied in SQL) of a record filter plus chain ids. */
export function storeFilterOf(f: RecordFilter, chainIds?: number[]): StoreFilter {
  return { ...(f.source ? { source: f.source } : {}), ...(chainIds ? { chainId: chainIds } : {}) };
}

/** `mbm export --from-postgres`: the same bytes as `mbm export` of each monitor's log, monitors in (source, chain) order. */
export async function exportFromStore(url: string, f: RecordFilter, chainIds: number[] | undefined, o: { format: ExportFormat; out: Writable }): Promise<{ records: number }> {
  const store = await openStoreFor(url);
  try {
    const keep = isEmptyFilter(f) ? undefined : compileFilter(f);
    async function* batches(): AsyncGenerator<MissedBlock[]> {
      for await (const b of store.records(storeFilterOf(f, chainIds), { from: f.from, to: f.to })) yield keep ? b.filter(keep) : b;
    }
    return await exportRecords(batches(), o);
  } finally {
    await store.close();
  }
}

export async function reportFromStore(url: string, f: StoreFilter): Promise<Report> {
  const store = await openStoreFor(url);
  try {
    return await store.report(f);
  } finally {
    await store.close();
  }
}
