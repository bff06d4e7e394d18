// Open Log: the log given (a notification's action) or the one the user picks.
import * as vscode from 'vscode';
import type { CommandContext } from './context';
import { pickLog } from './pickLog';

export async function openLog(ctx: CommandContext, uri?: vscode.Uri): Promise<void> {
  const target = uri instanceof vscode.Uri ? uri : await pickLog(ctx, 'Open Log').then((f) => f && vscode.Uri.file(f));
  if (!target) return;
  await vscode.commands.executeCommand('vscode.open', target);
}
