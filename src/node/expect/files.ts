// Expectation files followed as they change (the editor's watched *.expect.jsonl): each save
// judges the lines not judged before (by their text, so an edit above them does not judge them
// again), one file at a time, and hands the records on. Bad lines are reported with their numbers
// on every save until fixed; the good lines of the file are judged meanwhile.
import { readFile } from 'node:fs/promises';
import { parseExpectations, type ExpectationError } from '../../core/expectations';
import type { MissedBlock } from '../../core/model';
import type { RpcTransport } from '../chain/rpc';
import { judgeExpectations, type JudgeResult } from './judge';
import type { ExpectSettings } from './settings';

export interface ExpectFilesOptions extends ExpectSettings {
  rpc: RpcTransport;
  source?: string;
  alertThreshold: number;
  signal?: AbortSignal;
  onRecords(records: MissedBlock[]): void;
}

export interface FileVerdict {
  file: string;
  /** Lines judged by this call (new since the last one). */
  judged: number;
  included: number;
  missed: number;
  errors: ExpectationError[];
  failures: JudgeResult['failures'];
}

/** Lines remembered per file; beyond it the oldest are forgotten (a file that only grows stays bounded). */
const MAX_REMEMBERED = 100_000;

export class ExpectFiles {
  private readonly judged = new Map<string, Set<string>>();
  private readonly queue = new Map<string, Promise<unknown>>();

  constructor(private readonly o: ExpectFilesOptions) {}

  /** Judge what is new in `file`; calls for one file run one after another. */
  judgeFile(file: string): Promise<FileVerdict> {
    const prev = this.queue.get(file) ?? Promise.resolve();
    const next = prev.catch(() => undefined).then(() => this.run(file));
    this.queue.set(file, next);
    void next.finally(() => {
      if (this.queue.get(file) === next) this.queue.delete(file);
    });
    return next;
  }

  private async run(file: string): Promise<FileVerdict> {
    const text = await readFile(file, 'utf8');
    const seen = this.judged.get(file) ?? new Set<string>();
    this.judged.set(file, seen);
    const lines = text.split('\n').map((l) => l.replace(/^\uFEFF/, '').trim());
    const parsed = parseExpectations(text);
    const fresh = parsed.expectations.filter((e) => !seen.has(lines[e.line - 1]));
    const out: FileVerdict = { file, judged: 0, included: 0, missed: 0, errors: parsed.errors, failures: [] };
    if (fresh.length === 0) return out;
    let res = await judgeExpectations(fresh, { ...this.o });
    if (res.errors.length > 0) {
      // Raw transactions that do not decode are reported; the rest of the file is still judged.
      out.errors = [...parsed.errors, ...res.errors];
      const bad = new Set(res.errors.map((e) => e.line));
      res = await judgeExpectations(fresh.filter((e) => !bad.has(e.line)), { ...this.o });
      fresh.splice(0, fresh.length, ...fresh.filter((e) => !bad.has(e.line)));
    }
    const failed = new Set(res.failures.flatMap((f) => f.lines));
    for (const e of fresh) if (!failed.has(e.line)) seen.add(lines[e.line - 1]);
    while (seen.size > MAX_REMEMBERED) seen.delete(seen.values().next().value!);
    if (res.records.length > 0) this.o.onRecords(res.records);
    return { ...out, judged: res.judged, included: res.included, missed: res.records.length, failures: res.failures };
  }
}
