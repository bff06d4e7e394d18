// Export CSV… and Export JSON…: exportLog (src/node/export), the function behind `mbm export`, so the
// file equals `mbm export --format F LOG` byte for byte. Written to a temporary file beside the
// target and renamed into place, so a failed or cancelled export leaves no half file.
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import { finished } from 'node:stream/promises';
import * as vscode from 'vscode';
import type { ExportFormat } from '../../node/export/export';
import { displayName } from '../config';
import type { CommandContext } from './context';
import { pickLog } from './pickLog';

export async function exportCommand(ctx: CommandContext, format: ExportFormat): Promise<void> {
  const name = format.toUpperCase();
  const file = await pickLog(ctx, `Export ${name}`);
  if (!file) return;
  const target = await vscode.window.showSaveDialog({
    title: `Export ${name}`,
    saveLabel: 'Export',
    defaultUri: vscode.Uri.file(path.join(path.dirname(file), `${path.basename(file).replace(/\.jsonl$/, '')}.${format}`)),
    filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
  });
  if (!target) return;
  if (target.scheme !== 'file') throw new Error(`export writes local files; ${target.toString(true)} is not one`);
  if (ctx.controller.live?.logFile === file) await ctx.controller.flush();
  let bad = 0;
  const result = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Missed Blocks: exporting ${displayName(file)} as ${name}`, cancellable: true },
    async (progress, token) => {
      // Loaded on use (papaparse, the schema validator); import() names the .ts file for NodeNext.
      const [{ exportLog }, { LogReadError }] = await Promise.all([import('../../node/export/exportLog.ts'), import('../../node/log/reader.ts')]);
      const tmp = path.join(path.dirname(target.fsPath), `.${path.basename(target.fsPath)}.${process.pid}.tmp`);
      const out = createWriteStream(tmp);
      const cancel = token.onCancellationRequested(() => out.destroy(new Error('cancelled')));
      let shown = 0;
      try {
        const res = await exportLog([file], {
          format,
          out,
          onBadLine: () => void bad++,
          onProgress: (done, total) => {
            const pct = total > 0 ? Math.floor((done / total) * 100) : 0;
            if (pct > shown) progress.report({ increment: pct - shown, message: `${pct}%` });
            shown = Math.max(shown, pct);
          },
        });
        out.end();
        await finished(out);
        await rename(tmp, target.fsPath);
        return res;
      } catch (err) {
        out.destroy();
        await unlink(tmp).catch(() => undefined);
        if (token.isCancellationRequested) return undefined;
        if (err instanceof LogReadError) throw new Error(err.message);
        throw err;
      } finally {
        cancel.dispose();
      }
    },
  );
  if (!result) {
    void vscode.window.showInformationMessage('Missed Blocks: export cancelled.');
    return;
  }
  const open = 'Open';
  const skipped = bad ? ` Skipped ${bad} invalid line${bad === 1 ? '' : 's'}.` : '';
  ctx.log.info(`exported ${result.records} records of ${file} to ${target.fsPath}${skipped}`);
  const pick = await vscode.window.showInformationMessage(
    `Missed Blocks: exported ${result.records} record${result.records === 1 ? '' : 's'} to ${path.basename(target.fsPath)}.${skipped}`,
    open,
  );
  if (pick === open) await vscode.commands.executeCommand('vscode.open', target);
}
