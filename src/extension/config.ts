// Reads the whole `missedBlocks` section into one typed, sanitised object (model/settings.ts does
// the sanitising) and says where the monitor's log goes.
import path from 'node:path';
import * as vscode from 'vscode';
import { RESTART_KEYS, sanitizeSettings, type ExtensionSettings, type SettingKey } from './model/settings';

export const SECTION = 'missedBlocks';

let lastWarnings = '';

/** Current settings; warnings about bad values go to `log` once per distinct set. */
export function readSettings(log?: vscode.LogOutputChannel): ExtensionSettings {
  const section = vscode.workspace.getConfiguration(SECTION);
  const isSet = (key: SettingKey) => {
    const i = section.inspect(key);
    return i !== undefined && (i.globalValue !== undefined || i.workspaceValue !== undefined || i.workspaceFolderValue !== undefined);
  };
  const { settings, warnings } = sanitizeSettings((key: SettingKey) => section.get(key), isSet);
  const joined = warnings.join('\n');
  if (joined !== lastWarnings) {
    lastWarnings = joined;
    for (const w of warnings) log?.warn(`settings: ${w}`);
  }
  return settings;
}

/** The first workspace folder: where the monitor's log lives when its path is relative. */
export function workspaceRoot(): string | undefined {
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
}

/** Absolute path of the monitor's log, or undefined for a relative path with no folder open. */
export function resolveLogPath(settings: ExtensionSettings): string | undefined {
  if (path.isAbsolute(settings.logFile)) return path.normalize(settings.logFile);
  const root = workspaceRoot();
  return root ? path.join(root, settings.logFile) : undefined;
}

/** How a log is named to people: relative to its workspace folder when inside one. */
export function displayName(file: string): string {
  const uri = vscode.Uri.file(file);
  const rel = vscode.workspace.asRelativePath(uri, (vscode.workspace.workspaceFolders?.length ?? 0) > 1);
  return rel === uri.fsPath ? file : rel;
}

export function affectsRestart(e: vscode.ConfigurationChangeEvent): boolean {
  return RESTART_KEYS.some((k) => e.affectsConfiguration(`${SECTION}.${k}`));
}

/** Where a setting the user chose in a prompt is saved: the workspace when one is open. */
export function settingsTarget(): vscode.ConfigurationTarget {
  return vscode.workspace.workspaceFolders?.length ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
}
