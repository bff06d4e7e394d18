// `--rpc URL` values → Endpoints. The label is what records carry as `source`, so it must never
// hold the URL's path, query or credentials (provider URLs embed API keys there): host:port only,
// numbered when two endpoints share one.
import type { Endpoint } from './chain/types';

const DEFAULT_PORTS: Record<string, string> = { 'http:': '80', 'https:': '443', 'ws:': '80', 'wss:': '443' };

export function endpointLabel(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new TypeError("not a URL (the value is not shown: it may hold an API key)");
  }
  if (!(u.protocol in DEFAULT_PORTS)) throw new TypeError(`unsupported RPC URL scheme ${u.protocol} (use http, https, ws or wss)`);
  return `${u.hostname.replace(/^\[|\]$/g, '')}:${u.port || DEFAULT_PORTS[u.protocol]}`;
}

/** First is the primary; the rest are alternatives (recovery, head-lag comparison). */
export function endpointsFromUrls(urls: readonly string[]): Endpoint[] {
  const seen = new Map<string, number>();
  return urls.map((url) => {
    const base = endpointLabel(url);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { url, label: n === 1 ? base : `${base}#${n}` };
  });
}
