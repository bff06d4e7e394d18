// Click on a chart → the record's line in the log, selected. A rotated .gz part cannot be opened
// as text, so its content is shown decompressed in an untitled editor of the log language.
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import * as vscode from 'vscode';

const gunzipAsync = promisify(gunzip);
export const LOG_LANGUAGE = 'missed-block-log';

async function openLogDocument(file: string): Promise<vscode.TextDocument> {
  if (!file.endsWith('.gz')) return vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const text = (await gunzipAsync(await readFile(file))).toString('utf8');
  return vscode.workspace.openTextDocument({ content: text, language: LOG_LANGUAGE });
}

/** Open `file` beside the dashboard with 1-based `line` selected and in view. */
export async function revealLine(file: string, line: number): Promise<void> {
  const doc = await openLogDocument(file);
  const i = Math.max(0, Math.min(line - 1, doc.lineCount - 1));
  const range = doc.lineAt(i).range;
  await vscode.window.showTextDocument(doc, {
    viewColumn: vscode.ViewColumn.Beside,
    selection: new vscode.Selection(range.start, range.end),
    preserveFocus: false,
  });
}
