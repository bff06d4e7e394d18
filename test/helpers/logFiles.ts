// Temp folders and log reading for the log tests (writer, rotation, torn lines), and the child
// writer processes (test/helpers/write-*.ts) they kill.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';

const ROOT = path.resolve(__dirname, '../..');

/** A maker of temp folders named `mbm-<prefix>-…`, all removed after the test file's tests. */
export function tempDirs(prefix: string): () => Promise<string> {
  const dirs: string[] = [];
  after(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  return async () => {
    const d = await mkdtemp(path.join(os.tmpdir(), `mbm-${prefix}-`));
    dirs.push(d);
    return d;
  };
}

/** The lines of a log's text; asserts it ends on a line boundary. */
export function linesOf(text: string): string[] {
  assert.ok(text === '' || text.endsWith('\n'), 'ends on a line boundary');
  return text.split('\n').slice(0, -1);
}

export interface ChildWriter {
  child: ChildProcess;
  stderr: () => string;
  exited: () => boolean;
}

/** Run test/helpers/<script> under tsx with `args` (stdout ignored, stderr kept). */
export function startChildWriter(script: string, args: readonly string[]): ChildWriter {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/helpers', script), ...args], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  let done = false;
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  child.on('exit', () => (done = true));
  return { child, stderr: () => err, exited: () => done };
}
