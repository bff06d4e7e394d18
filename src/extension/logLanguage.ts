// A log that its name does not mark as ours (`relay-events.jsonl`) but whose first line is a
// missed-block record gets the missed-block-log language. package.json's `firstLine` does this for
// files no other language claims by name; VS Code's own JSON Lines language claims every `*.jsonl`
// by extension, and a name beats `firstLine` there, so such documents are switched here.
import * as vscode from 'vscode';
import { LANGUAGE_ID } from '../common/languageId';
import { looksLikeMissedBlockRecord } from '../common/logLanguage';

/** Languages a missed-block log may open as before we recognise it. */
const CLAIMABLE = new Set(['jsonl', 'json', 'plaintext']);

export function recogniseLogs(): vscode.Disposable {
  const check = (doc: vscode.TextDocument) => {
    if (!CLAIMABLE.has(doc.languageId) || doc.lineCount === 0) return;
    if (looksLikeMissedBlockRecord(doc.lineAt(0).text.slice(0, 100_000))) void vscode.languages.setTextDocumentLanguage(doc, LANGUAGE_ID).then(undefined, () => undefined);
  };
  vscode.workspace.textDocuments.forEach(check);
  return vscode.workspace.onDidOpenTextDocument(check);
}
