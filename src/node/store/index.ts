// The shared PostgreSQL store: the sink the monitor writes through, and the read API
// (export, report, fleet) the CLI, `mbm serve --from-postgres` and the extension use.
import type { Client } from 'pg';
import type { MissedBlock } from '../../core/model';
import type { Report } from '../../core/report';
import { connectStore, describePostgresUrl } from './connect';
import { fleetSummary, type FleetSourceSummary } from './fleet';
import { storeHeads, storeRecordBatches, storeReport, storeSources, type RecordPageOptions, type StoreFilter, type StoreSource } from './store';

export { PostgresSink, spoolPathFor, type PostgresSinkOptions } from './sink';
export { connectStore, describePostgresUrl } from './connect';
export { migrate, SCHEMA_VERSION } from './schema';
export { fleetSummary, filterFor, type FleetSourceSummary } from './fleet';
export { storeHeads, storeRecordBatches, storeReport, storeSources, storeCount, type Queryable, type StoreFilter, type StoreSource } from './store';
export type { RecordSink } from './types';

/** A reading connection to the store (one client; queries run one at a time). */
export class PostgresStore {
  private constructor(
    readonly client: Client,
    readonly where: string,
  ) {}

  /** Connect and make sure the schema exists (migrating if needed). */
  static async open(url: string, o: { connectTimeoutMs?: number } = {}): Promise<PostgresStore> {
    const client = await connectStore(url, { connectTimeoutMs: o.connectTimeoutMs, applicationName: 'mbm-read' });
    return new PostgresStore(client, describePostgresUrl(url));
  }

  report(f: StoreFilter = {}, opts: { topStreaks?: number } = {}): Promise<Report> {
    return storeReport(this.client, f, opts);
  }

  records(f: StoreFilter = {}, o: RecordPageOptions = {}): AsyncGenerator<MissedBlock[]> {
    return storeRecordBatches(this.client, f, o);
  }

  fleet(f: StoreFilter = {}, opts: { topStreaks?: number } = {}): Promise<FleetSourceSummary[]> {
    return fleetSummary(this.client, f, opts);
  }

  sources(f: StoreFilter = {}): Promise<StoreSource[]> {
    return storeSources(this.client, f);
  }

  /** Each monitor's head (mbm_heads). */
  heads(): Promise<(StoreSource & { head: number })[]> {
    return storeHeads(this.client);
  }

  async close(): Promise<void> {
    await this.client.end().catch(() => undefined);
  }
}
