// One entry point for block sources: the endpoint's URL scheme picks the feed.
import { HttpPollingSource } from './http-source';
import type { SourceOptions } from './source-base';
import { isWsUrl } from './transport';
import type { BlockSource, Endpoint } from './types';
import { WsSource } from './ws-source';

export { HttpPollingSource, WsSource, type SourceOptions };
export type { BackoffOptions } from './backoff';

/** ws:// or wss:// → newHeads subscription; http(s):// → polling. */
export function createSource(endpoint: Endpoint, opts: SourceOptions = {}): BlockSource {
  return isWsUrl(endpoint.url) ? new WsSource(endpoint, opts) : new HttpPollingSource(endpoint, opts);
}
