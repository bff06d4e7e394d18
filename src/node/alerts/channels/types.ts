// A channel delivers one AlertMessage somewhere. It throws SendError (transient or not) on
// failure; retrying, ordering and persistence are the delivery queue's business, not the channel's.
import type { AlertChannelKind } from '../../../core/config';
import type { AlertMessage } from '../message';

export interface Channel {
  readonly id: AlertChannelKind;
  send(msg: AlertMessage, signal: AbortSignal): Promise<void>;
  close?(): Promise<void>;
}

/** Header every HTTP channel sends, so receivers can drop a repeat after a crash or a retry. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';
