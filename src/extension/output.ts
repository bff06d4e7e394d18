// The one place the extension talks to people in text: a LogOutputChannel, so the user's log
// level applies and every line carries a time.
import * as vscode from 'vscode';

export const OUTPUT_NAME = 'Missed Block Monitor';

export function createOutput(): vscode.LogOutputChannel {
  return vscode.window.createOutputChannel(OUTPUT_NAME, { log: true });
}

/** An error's message without a stack (the stack goes to the channel at debug level). */
export function describe(err: unknown): string {
  return noLinks(err instanceof Error ? err.message : String(err));
}

/**
 * Notifications render `[text](command:…)` (and https:, file:) as a clickable link, and error
 * messages carry file names and node answers: a space between ']' and '(' is no link.
 */
export function noLinks(s: string): string {
  return s.replace(/\]\(/g, '] (');
}

/** Quick-pick labels render `$(name)` as an icon; a file name must show as typed. */
export function noIcons(s: string): string {
  return s.replace(/\$\(/g, '\\$(');
}
