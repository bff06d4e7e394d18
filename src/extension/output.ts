// The one place the extension talks to people in text: a LogOutputChannel, so the user's log
// level applies and every line carries a time.
import * as vscode from 'vscode';

export const OUTPUT_NAME = 'Missed Block Monitor';

export function createOutput(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(OUTPUT_NAME, { log: true });
}

/** An error's message without a stack (the stack goes to the channel at debug level). */
export function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
