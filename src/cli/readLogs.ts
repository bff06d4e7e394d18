// What `export`, `report` and `validate` share about reading logs from the command line: the
// streams they write to (injectable, so tests call the commands without spawning), how a bad
// line is printed, and a progress bar that only appears on a terminal for a big input.
import type { Writable } from 'node:stream';
import { stat } from 'node:fs/promises';
import { SingleBar } from 'cli-progress';
import { resolveLogFiles, type BadLine } from '../node/log/reader';
import { safeText, useColor } from '../node/consoleText';

export interface CommandIO {
  stdout: Writable;
  stderr: Writable;
  /** Colour on stdout / a progress bar on stderr; the defaults look at the real streams. */
  color?: boolean;
  stderrIsTTY?: boolean;
}

export function processIO(): CommandIO {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    color: useColor(process.stdout),
    stderrIsTTY: Boolean(process.stderr.isTTY),
  };
}

/** `FILE:LINE: message` (or `FILE:LINE:COL: message`), with control characters neutralised: a log is untrusted. */
export function formatBadLine(e: BadLine, withColumn = false): string {
  const col = withColumn && e.column !== undefined ? `:${e.column}` : '';
  return `${safeText(e.file)}:${e.line}${col}: ${safeText(e.message)}`;
}

/** Below this much input a bar would only flicker. */
const PROGRESS_MIN_BYTES = 32 * 1024 * 1024;

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

/** A progress bar on stderr when it is a terminal and the logs are big; otherwise nothing. */
export async function progressFor(files: readonly string[], io: CommandIO): Promise<Progress> {
  const none: Progress = { update() {}, stop() {} };
  if (!io.stderrIsTTY) return none;
  let bytes = 0;
  for (const f of await resolveLogFiles(files)) bytes += await stat(f).then((s) => s.size, () => 0);
  if (bytes < PROGRESS_MIN_BYTES) return none;
  const bar = new SingleBar({
    stream: io.stderr as NodeJS.WritableStream,
    format: 'reading {bar} {percentage}% | {value}/{total} MB',
    hideCursor: true,
    clearOnComplete: true,
  });
  let started = false;
  return {
    update(done, total) {
      const mb = (n: number) => Math.round(n / 1048576);
      if (!started) {
        bar.start(mb(total), 0);
        started = true;
      }
      bar.update(mb(done));
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
