// One entry point for block sources: the endpoint's URL scheme picks the feed.
import { HttpPollingSource } from './httpSource';
import type { SourceOptions } from './sourceBase';
import { isWsUrl } from './transport';
import type { BlockSource, Endpoint } from './types';
import { WsSource } from './wsSource';

export { HttpPollingSource, WsSource, type SourceOptions };
export type { BackoffOptions } from '../../core/backoff';

/** ws:// or wss:// → newHeads subscription; http(s):// → polling. */
export function createSource(endpoint: Endpoint, opts: SourceOptions = {}): BlockSource {
  return isWsUrl(endpoint.url) ? new WsSource(endpoint, opts) : new HttpPollingSource(endpoint, opts);
}
