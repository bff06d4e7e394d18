// Open Dashboard: the webview dashboard is a later issue; until then this says so and shows the
// tree, so the command (and the notifications' "Open Dashboard" action) already lead somewhere.
import * as vscode from 'vscode';
import { TREE_VIEW_ID } from '../tree';

export async function openDashboard(): Promise<void> {
  await vscode.commands.executeCommand(`${TREE_VIEW_ID}.focus`);
  void vscode.window.showInformationMessage('Missed Blocks: the dashboard comes in a later version; the Missed Blocks view shows the same numbers.');
}
