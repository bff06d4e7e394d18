// What `mbm watch` and `mbm demo` print while a MonitorService runs: each record as one line on
// stdout (as it is made, and again when it changes, e.g. recovered), and the service's own news
// (node up/down, backfill, warnings) on stderr so stdout stays a clean stream of records.
import type { MonitorService } from '../node/service';
import { riskLine } from '../node/risk/attach';
import { colors, formatRecord, safeText } from '../node/consoleText';

export interface OutputOptions {
  /** Print records (config: enable_console_logging). */
  records: boolean;
  stdout?: NodeJS.WriteStream;
  stderr?: NodeJS.WriteStream;
  /** With [[chains]]: every line starts with `[name] `. */
  chain?: string;
}

/** `stream` with `[tag] ` at the start of every line written (colour detection stays the stream's). */
function tagged(stream: NodeJS.WriteStream, tag: string | undefined): NodeJS.WriteStream {
  if (tag === undefined) return stream;
  const write = (s: string) => stream.write(s.replace(/^(?=.)/gm, `[${tag}] `));
  return new Proxy(stream, {
    get(t, k) {
      if (k === 'write') return write;
      const v: unknown = Reflect.get(t, k);
      return typeof v === 'function' ? v.bind(t) : v;
    },
  });
}

export function attachOutput(svc: MonitorService, o: OutputOptions): void {
  const stdout = tagged(o.stdout ?? process.stdout, o.chain);
  const stderr = tagged(o.stderr ?? process.stderr, o.chain);
  const out = colors(stdout);
  const err = colors(stderr);
  const note = (s: string) => stderr.write(`${err.dim(`-- ${safeText(s)}`)}\n`);
  if (o.records) svc.on('record', (r) => stdout.write(`${formatRecord(r, out)}\n`));
  svc.on('status', (s) => {
    if (s.state === 'up') note(`${svc.endpoints[0].label} is answering again`);
    else stderr.write(`${err.yellow(`-- ${safeText(svc.endpoints[0].label)} is down: ${safeText(s.detail)} (${s.reason}); retrying`)}\n`);
  });
  let beaconWasDown = false;
  svc.on('beacon', (s) => {
    if (s.state === 'syncing') stderr.write(`${err.yellow(`-- beacon node is syncing (head slot ${s.headSlot}, ${s.syncDistance} behind): its slots are judged as it catches up, none by the clock`)}\n`);
    else if (s.state === 'synced') note(`beacon node synced (head slot ${s.headSlot})`);
    else if (svc.beaconAlone) return; // the status line above says it
    else if (s.state === 'down') {
      beaconWasDown = true;
      stderr.write(`${err.yellow(`-- beacon node is down (${s.reason}); retrying`)}\n`);
    } else if (beaconWasDown) {
      beaconWasDown = false;
      note('beacon node is answering again');
    }
  });
  let lastProgress = 0;
  svc.on('backfill', (e) => {
    switch (e.phase) {
      case 'start':
        note(`backfilling blocks ${e.from}…${e.to} missed while stopped${e.skipped ? ` (${e.skipped} older ones skipped)` : ''}`);
        break;
      case 'progress':
        // A long backfill reports every few seconds, not every window.
        if (Date.now() - lastProgress > 2_000) {
          lastProgress = Date.now();
          note(`backfill: ${e.done}/${e.total} blocks (at #${e.number})`);
        }
        break;
      case 'done':
        note(`backfill done: ${e.count} blocks, now following the live head`);
        break;
      case 'retry':
        stderr.write(`${err.yellow(`-- backfill failed (${e.reason}); retrying in ${Math.round(e.delayMs / 100) / 10} s`)}\n`);
        break;
      case 'skipped':
        note(`not resuming from the checkpoint: ${e.why}`);
        break;
    }
  });
  svc.on('notice', (m) => note(m));
  svc.on('relay', (s) => {
    if (s.state === 'up') note(`relay ${s.relay} is answering again`);
    else stderr.write(`${err.yellow(`-- relay check ${safeText(s.relay)} failed (${s.reason}: ${safeText(s.message)}); retrying in ${Math.round(s.retryInMs / 100) / 10} s`)}\n`);
  });
  svc.on('risk', (u) => {
    if (u.transition === 'at_risk' || u.transition === 'sustained') stderr.write(`${err.yellow(`-- ${safeText(riskLine(u))}`)}\n`);
    else if (u.transition === 'cleared') note(riskLine(u));
  });
  svc.on('warning', (w) => stderr.write(`${err.yellow(`-- warning: ${safeText(w)}`)}\n`));
}
