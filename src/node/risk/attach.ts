// `[risk]` on a running service: the watcher built from the config (model loaded, features log
// beside the log when file logging is on), or undefined when `[risk] enabled = false`.
import type { EventEmitter } from 'node:events';
import type { MonitorFileConfig } from '../../core/config';
import { riskConfigFrom, type RiskUpdate } from '../../core/risk';
import type { Endpoint } from '../chain/types';
import { RiskWatcher, featuresPathFor, loadRiskModel, type RiskWatcherOptions } from './riskWatcher';

export async function createRiskWatcher(config: MonitorFileConfig, endpoints: readonly Endpoint[], logPath: string, extra: Partial<RiskWatcherOptions> = {}): Promise<RiskWatcher | undefined> {
  const rc = riskConfigFrom(config);
  if (!rc.enabled) return undefined;
  const model = rc.modelPath ? await loadRiskModel(rc.modelPath) : undefined;
  const fileLog = config.logging.enableFileLogging && config.monitoring.logMissedBlocks;
  return new RiskWatcher({
    endpoints,
    config: rc,
    model,
    blockTimeS: config.monitoring.expectedBlockTimeMs / 1000,
    featuresPath: fileLog ? featuresPathFor(logPath) : undefined,
    ...extra,
  });
}

/** The line the console and the output channel show for an at_risk change. */
export function riskLine(u: { source: string; risk: { score: number; reasons: { text: string }[] }; transition?: string; above: number }): string {
  const why = u.risk.reasons.map((r) => r.text).join('; ') || 'no single signal stands out';
  if (u.transition === 'cleared') return `${u.source}: risk back to ${u.risk.score}`;
  if (u.transition === 'sustained') return `${u.source}: at risk for ${u.above} slots (score ${u.risk.score}): ${why}`;
  return `${u.source}: at risk of missing blocks (score ${u.risk.score}): ${why}`;
}

/** `[risk] alert_after_slots` when early warning is on: how long a risk must last to alert (AlertManager.observeRisk). */
export function riskAlertAfter(config: MonitorFileConfig): number | undefined {
  const rc = riskConfigFrom(config);
  return rc.enabled ? rc.alertAfterSlots : undefined;
}

/**
 * The watcher started on a service: its rounds are the service's 'risk' events, and each goes to
 * the alert manager too, where a risk lasting `[risk] alert_after_slots` rounds alerts like a streak
 * (the one alert path: core/risk/riskAlerts.ts decides, the manager's channels send).
 */
export async function startRiskWatcher(
  svc: EventEmitter,
  config: MonitorFileConfig,
  endpoints: readonly Endpoint[],
  logPath: string,
  warn: (message: string) => void,
  extra: Partial<RiskWatcherOptions>,
  alerts?: { observeRisk(u: RiskUpdate): void },
): Promise<RiskWatcher | undefined> {
  const w = await createRiskWatcher(config, endpoints, logPath, { onWarning: warn, ...extra });
  if (!w) return undefined;
  w.on('risk', (u) => {
    svc.emit('risk', u);
    alerts?.observeRisk(u);
  });
  w.start();
  return w;
}
