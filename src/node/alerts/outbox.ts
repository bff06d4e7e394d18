// The persistent outbox: a small append-only journal beside the log (`alerts.outbox.jsonl`). A
// message is written (and fsynced) before any channel is tried, and each channel's outcome is
// journalled after, so a restart resumes exactly what was still owed: nothing queued is lost, and
// nothing marked delivered goes again. (A crash between a send and its 'done' line can repeat that
// one send; the message's idempotency key lets the receiver drop the repeat.) Incident state is
// journalled in the same appends as the messages it caused, so "alerted" and "queued" cannot
// disagree after a crash. The journal is compacted on open and every `compactEvery` lines.
//
// Only channel kinds are stored, never URLs or credentials: the config supplies those on reopen.
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { AlertChannelKind } from '../../core/config';
import type { IncidentState, ResolvedRef } from '../../core/incidents';
import type { AlertMessage } from './message';

export type DeliveryResult = 'delivered' | 'failed';

export interface OutboxEntry {
  seq: number;
  channels: AlertChannelKind[];
  msg: AlertMessage;
  done: Partial<Record<AlertChannelKind, DeliveryResult>>;
}

type Line =
  | { op: 'msg'; seq: number; channels: AlertChannelKind[]; msg: AlertMessage }
  | { op: 'done'; seq: number; channel: AlertChannelKind; result: DeliveryResult; at: number }
  | { op: 'incident'; state: IncidentState }
  | { op: 'resolved'; ref: ResolvedRef };

export interface OutboxOptions {
  onWarning?: (msg: string) => void;
  /** Compact after this many appended lines. Default 1000. */
  compactEvery?: number;
  /** Resolved incidents remembered. Default 256. */
  resolvedMemory?: number;
}

export const OUTBOX_FILE = 'alerts.outbox.jsonl';

/**
 * The outbox of the monitor writing `logPath`: `alerts.outbox.jsonl` beside the default log name,
 * `<log name>.alerts.outbox.jsonl` beside any other. Two monitors logging into one directory must
 * not share a journal: each rewrites it as its own live state, and a restart would resume the
 * other's alerts.
 */
export function outboxPathFor(logPath: string): string {
  const base = path.basename(logPath);
  const name = base === 'missed_blocks.jsonl' ? OUTBOX_FILE : `${base.replace(/\.jsonl$/i, '')}.${OUTBOX_FILE}`;
  return path.join(path.dirname(path.resolve(logPath)), name);
}

export class Outbox {
  private readonly entries = new Map<number, OutboxEntry>();
  private readonly incidents = new Map<string, IncidentState>();
  private resolved: ResolvedRef[] = [];
  private nextSeq = 1;
  private fh?: FileHandle;
  private chain: Promise<unknown> = Promise.resolve();
  private linesSinceCompact = 0;
  private closed = false;

  private constructor(
    readonly file: string,
    private readonly o: OutboxOptions,
  ) {}

  static async open(file: string, o: OutboxOptions = {}): Promise<Outbox> {
    const box = new Outbox(file, o);
    await mkdir(path.dirname(file), { recursive: true });
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    let bad = 0;
    for (const raw of text.split('\n')) {
      if (!raw.trim()) continue;
      try {
        box.apply(JSON.parse(raw) as Line);
      } catch {
        bad += 1; // a line torn by a crash mid-write: what it said was never acted on
      }
    }
    if (bad) o.onWarning?.(`${file}: skipped ${bad} unreadable line${bad === 1 ? '' : 's'}`);
    await box.compact();
    return box;
  }

  /** Messages still owed to at least one channel, oldest first. */
  pending(): OutboxEntry[] {
    return [...this.entries.values()].sort((a, b) => a.seq - b.seq);
  }

  openIncidents(): IncidentState[] {
    return [...this.incidents.values()];
  }

  resolvedIncidents(): ResolvedRef[] {
    return [...this.resolved];
  }

  /** Journal messages (and the incident changes that caused them) in one durable append. */
  async enqueue(items: { channels: AlertChannelKind[]; msg: AlertMessage }[], incidents: IncidentState[] = [], resolved: ResolvedRef[] = []): Promise<OutboxEntry[]> {
    return this.serial(async () => {
      const lines: Line[] = [
        ...incidents.map((state): Line => ({ op: 'incident', state })),
        ...resolved.map((ref): Line => ({ op: 'resolved', ref })),
        ...items.filter((i) => i.channels.length > 0).map((i): Line => ({ op: 'msg', seq: this.nextSeq++, channels: i.channels, msg: i.msg })),
      ];
      await this.write(lines);
      return lines.flatMap((l) => (l.op === 'msg' ? [this.entries.get(l.seq)!] : []));
    });
  }

  done(seq: number, channel: AlertChannelKind, result: DeliveryResult): Promise<void> {
    return this.serial(() => this.write([{ op: 'done', seq, channel, result, at: Date.now() }]));
  }

  saveIncidents(incidents: IncidentState[]): Promise<void> {
    return this.serial(() => this.write(incidents.map((state): Line => ({ op: 'incident', state }))));
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      this.closed = true;
      await this.fh?.close();
      this.fh = undefined;
    });
  }

  private serial<T>(op: () => Promise<T>): Promise<T> {
    const p = this.chain.then(op);
    this.chain = p.catch(() => undefined);
    return p;
  }

  private async write(lines: Line[]): Promise<void> {
    if (lines.length === 0) return;
    if (this.closed) throw new Error(`${this.file} is closed`);
    this.fh ??= await open(this.file, 'a');
    await this.fh.appendFile(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
    await this.fh.datasync();
    for (const l of lines) this.apply(l);
    this.linesSinceCompact += lines.length;
    if (this.linesSinceCompact >= (this.o.compactEvery ?? 1000)) await this.compact();
  }

  private apply(l: Line): void {
    switch (l.op) {
      case 'msg':
        this.entries.set(l.seq, { seq: l.seq, channels: l.channels, msg: l.msg, done: {} });
        this.nextSeq = Math.max(this.nextSeq, l.seq + 1);
        break;
      case 'done': {
        const e = this.entries.get(l.seq);
        if (!e) break;
        e.done[l.channel] = l.result;
        if (e.channels.every((c) => e.done[c] !== undefined)) this.entries.delete(l.seq);
        break;
      }
      case 'incident':
        this.incidents.set(l.state.key, l.state);
        break;
      case 'resolved':
        this.incidents.delete(l.ref.key);
        this.resolved = this.resolved.filter((r) => r.key !== l.ref.key);
        this.resolved.push(l.ref);
        if (this.resolved.length > (this.o.resolvedMemory ?? 256)) this.resolved.shift();
        break;
    }
  }

  /** Rewrite the journal as just the live state (atomically: temp file, fsync, rename). */
  private async compact(): Promise<void> {
    const lines: Line[] = [];
    for (const ref of this.resolved) lines.push({ op: 'resolved', ref });
    for (const state of this.incidents.values()) lines.push({ op: 'incident', state });
    for (const e of this.pending()) {
      lines.push({ op: 'msg', seq: e.seq, channels: e.channels, msg: e.msg });
      for (const c of e.channels) {
        const result = e.done[c];
        if (result) lines.push({ op: 'done', seq: e.seq, channel: c, result, at: 0 });
      }
    }
    const tmp = `${this.file}.tmp`;
    const fh = await open(tmp, 'w');
    try {
      await fh.writeFile(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
      await fh.sync();
    } finally {
      await fh.close();
    }
    await this.fh?.close();
    this.fh = undefined;
    await rename(tmp, this.file);
    this.linesSinceCompact = 0;
  }
}
