// The extension's commands (ids and titles in package.json), registered in one place; the
// dashboard registers its own (Open Dashboard, Replay Log…) with its panel. A failing command is logged and shown, never silently dropped.
import * as vscode from 'vscode';
import { isConfigError } from '../../core/config';
import { describe } from '../output';
import { setAlertWebhook } from './alerts';
import type { CommandContext } from './context';
import { exportCommand } from './export';
import { openLog } from './logs';
import { recoverNow, setRpcEndpoint, startMonitoring, stopMonitoring } from './monitoring';
import { REPORT_SCHEME, ReportDocuments, showReport } from './report';

export const COMMANDS = {
  startMonitoring: 'missedBlocks.startMonitoring',
  stopMonitoring: 'missedBlocks.stopMonitoring',
  openLog: 'missedBlocks.openLog',
  exportCsv: 'missedBlocks.exportCsv',
  exportJson: 'missedBlocks.exportJson',
  showReport: 'missedBlocks.showReport',
  recoverNow: 'missedBlocks.recoverNow',
  setAlertWebhook: 'missedBlocks.setAlertWebhook',
  setRpcEndpoint: 'missedBlocks.setRpcEndpoint',
  setAlertmanagerUrl: 'missedBlocks.setAlertmanagerUrl',
  setPagerDutyKey: 'missedBlocks.setPagerDutyKey',
  setTelegramToken: 'missedBlocks.setTelegramToken',
} as const;

export function registerCommands(ctx: CommandContext): vscode.Disposable[] {
  const reports = new ReportDocuments();
  const handlers: Record<keyof typeof COMMANDS, (...args: unknown[]) => Promise<void>> = {
    startMonitoring: () => startMonitoring(ctx),
    stopMonitoring: () => stopMonitoring(ctx),
    openLog: (uri) => openLog(ctx, uri as vscode.Uri | undefined),
    exportCsv: () => exportCommand(ctx, 'csv'),
    exportJson: () => exportCommand(ctx, 'json'),
    showReport: () => showReport(ctx, reports),
    recoverNow: () => recoverNow(ctx),
    setAlertWebhook: () => setAlertWebhook(ctx),
    setRpcEndpoint: () => setRpcEndpoint(ctx),
    setAlertmanagerUrl: () => setAlertWebhook(ctx, 'alertmanagerUrl'),
    setPagerDutyKey: () => setAlertWebhook(ctx, 'pagerdutyRoutingKey'),
    setTelegramToken: () => setAlertWebhook(ctx, 'telegramBotToken'),
  };
  const commands = (Object.keys(COMMANDS) as (keyof typeof COMMANDS)[]).map((k) =>
    vscode.commands.registerCommand(COMMANDS[k], async (...args: unknown[]) => {
      try {
        await handlers[k](...args);
      } catch (err) {
        await reportFailure(ctx, k, err);
      }
    }),
  );
  return [...commands, vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, reports)];
}

async function reportFailure(ctx: CommandContext, command: string, err: unknown): Promise<void> {
  ctx.log.error(`${command}: ${describe(err)}`);
  if (err instanceof Error && err.stack) ctx.log.debug(err.stack);
  const settings = 'Open Settings';
  const actions = isConfigError(err) ? [settings, 'Set Alert Webhook…'] : [];
  const pick = await vscode.window.showErrorMessage(`Missed Blocks: ${describe(err)}`, ...actions);
  if (pick === settings) await vscode.commands.executeCommand('workbench.action.openSettings', '@ext:missed-block-monitor.missed-block-monitor');
  else if (pick === 'Set Alert Webhook…') await vscode.commands.executeCommand(COMMANDS.setAlertWebhook);
}
