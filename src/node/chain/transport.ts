// The URL scheme picks the transport: ws(s):// → one WebSocket, anything else → HTTP POSTs.
import { HttpRpcClient, type RpcTransport, type TransportOptions } from './rpc';
import { WsRpcClient } from './wsRpc';

export const isWsUrl = (url: string): boolean => /^wss?:\/\//i.test(url);

export function createTransport(url: string, opts: TransportOptions = {}): RpcTransport {
  return isWsUrl(url) ? new WsRpcClient(url, opts) : new HttpRpcClient(url, opts);
}
