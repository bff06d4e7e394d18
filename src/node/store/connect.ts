// Connecting to the shared store: URL checks (for config and flags), a printable name for a URL
// that never shows its password, and a migrated client.
import { Client } from 'pg';
import { migrate } from './schema';

/** host:port/database of a URL: what messages name (the password never appears). The redactor's. */
export { describePostgresUrl } from '../../core/redact';

/** One line about a pg error: its SQLSTATE or system code and message. */
export function describePgError(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const msg = e?.message ?? String(err);
  return e?.code && !msg.includes(e.code) ? `${msg} (${e.code})` : msg;
}

/** SQLSTATE classes that mean "this data", not "this connection": retrying the same rows cannot help. */
export function isDataError(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && /^(22|23)/.test(code);
}

export interface ConnectOptions {
  connectTimeoutMs?: number;
  /** Run the migration (default true). */
  migrate?: boolean;
  applicationName?: string;
  /** Give up on a query after this long (client side: a database that stopped answering). */
  queryTimeoutMs?: number;
}

/**
 * A connected client with the schema migrated. Its 'error' event (the server went away while
 * idle) is handled: the caller learns from the next query failing.
 */
export async function connectStore(url: string, o: ConnectOptions = {}): Promise<Client> {
  const client = new Client({
    connectionString: url,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5_000,
    application_name: o.applicationName ?? 'mbm',
    keepAlive: true,
    ...(o.queryTimeoutMs ? { query_timeout: o.queryTimeoutMs } : {}),
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    if (o.migrate !== false) await migrate(client);
    return client;
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
}
