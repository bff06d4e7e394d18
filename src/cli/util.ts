// What every `mbm` command shares: exit codes, the usage-error type, the default log path.
export { DEFAULT_LOG_PATH } from '../node/log/files';

/** §9: 0 ok, 1 the data has problems (validate), 2 bad usage or unreadable input. */
export const EXIT_OK = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

/** A mistake in how the command was called: printed as one line, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function parseIntOption(name: string) {
  return (v: string): number => {
    if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a whole number ≥ 0, got ${JSON.stringify(v)}`);
    return Number(v);
  };
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}

/** HOST:PORT for --listen; the host defaults to loopback so nothing is exposed by accident. */
export function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(v);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port > 65535) throw new UsageError(`--listen must be HOST:PORT or PORT, got ${JSON.stringify(v)}`);
  return { host: (m[1] ?? '127.0.0.1').replace(/^\[|\]$/g, ''), port };
}
