// Show Report: formatReportText (src/node/reportText.ts) over the log and its rotated parts — the text
// `mbm report LOG` prints — in a read-only document (closing it never asks to save).
import * as vscode from 'vscode';
import { buildReportAsync } from '../../core/report';
import { formatReportText } from '../../node/reportText';
import { displayName } from '../config';
import { utcTime } from '../model/format';
import type { CommandContext } from './context';
import { pickLog } from './pickLog';

export const REPORT_SCHEME = 'missed-blocks-report';

/** Serves the report texts; each Show Report makes a new URI, so older reports stay as they were. */
export class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private next = 1;

  add(title: string, text: string): vscode.Uri {
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${title}.txt`, query: String(this.next++) });
    this.texts.set(uri.toString(), text);
    // Only the last few are kept: a report is a snapshot, re-run for a fresh one.
    if (this.texts.size > 20) this.texts.delete(this.texts.keys().next().value!);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.toString()) ?? 'This report is no longer available: run Missed Blocks: Show Report again.';
  }
}

export async function showReport(ctx: CommandContext, docs: ReportDocuments): Promise<void> {
  const file = await pickLog(ctx, 'Show Report');
  if (!file) return;
  if (ctx.controller.live?.logFile === file) await ctx.controller.flush();
  let bad = 0;
  const text = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Window, title: 'Missed Blocks: reading the log' },
    async () => {
      // Loaded on use: the reader brings the schema validator (see logWatcher.ts).
      const { LogReadError, readRecordBatches } = await import('../../node/log/reader.ts');
      try {
        const report = await buildReportAsync(readRecordBatches([file], { onBadLine: () => void bad++ }));
        return formatReportText(report, { color: false });
      } catch (err) {
        if (err instanceof LogReadError) throw new Error(err.message);
        throw err;
      }
    },
  );
  const name = displayName(file);
  const header = `Missed Block Monitor report: ${name} (rotated parts included), ${utcTime(Math.floor(Date.now() / 1000))}\n\n`;
  const footer = bad ? `\n${bad} invalid line${bad === 1 ? '' : 's'} skipped (mbm validate lists them).\n` : '';
  const uri = docs.add(`Report ${name.replace(/[\\/]/g, '_')}`, header + text + footer);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc, { preview: true });
}
