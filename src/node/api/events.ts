// The recent events /events serves: a bounded ring with monotonic, contiguous ids, so a client that
// reconnects with Last-Event-ID gets exactly what it missed, or is told it must resync when that
// has already left the ring (or the id is from another run of the server).
export type ApiEventType = 'record' | 'recovered' | 'updated' | 'alert' | 'at_risk';

export interface ApiEvent {
  id: number;
  type: ApiEventType;
  /** One line of JSON. */
  data: string;
}

export interface Backlog {
  events: ApiEvent[];
  /** false: events after `lastId` were lost (ring overflowed, or an id this run never issued). */
  complete: boolean;
}

export type EventListener = (e: ApiEvent) => void;

export class EventLog {
  private readonly ring: (ApiEvent | undefined)[];
  private start = 0;
  private count = 0;
  private next: number;
  private readonly listeners = new Set<EventListener>();

  /**
   * Ids start at the boot time in microseconds: a client holding an id from an earlier run (always
   * smaller) is recognised as such instead of being taken for one that is up to date.
   */
  constructor(
    readonly capacity = 10_000,
    firstId = Date.now() * 1000,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('event ring capacity must be a whole number ≥ 1');
    this.ring = new Array(capacity);
    this.next = firstId;
  }

  /** The id the next event will get. */
  get nextId(): number {
    return this.next;
  }

  push(type: ApiEventType, data: unknown): ApiEvent {
    const e: ApiEvent = { id: this.next++, type, data: typeof data === 'string' ? data : JSON.stringify(data) };
    this.ring[(this.start + this.count) % this.capacity] = e;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
    for (const l of this.listeners) l(e);
    return e;
  }

  /** Events after `lastId`. Without an id: none (a new client wants what happens from now on). */
  since(lastId?: number): Backlog {
    if (lastId === undefined) return { events: [], complete: true };
    const oldest = this.next - this.count;
    if (lastId < oldest - 1 || lastId > this.next - 1) return { events: this.slice(0), complete: false };
    return { events: this.slice(lastId - oldest + 1), complete: true };
  }

  subscribe(l: EventListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  private slice(from: number): ApiEvent[] {
    const out: ApiEvent[] = [];
    for (let i = from; i < this.count; i++) out.push(this.ring[(this.start + i) % this.capacity]!);
    return out;
  }
}
