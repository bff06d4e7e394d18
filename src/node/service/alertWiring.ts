// The service's AlertManager ([alerts] of the config): opened with the log's path and the primary's
// label, its deliveries turned into the service's 'alert' and 'delivery' events, and a delivered
// alert's records (alert_sent now true) written again so readers keep the last version.
import type { EventEmitter } from 'node:events';
import type { MonitorFileConfig } from '../../core/config';
import type { MissedBlock } from '../../core/model';
import { AlertManager, type AlertManagerOptions, type AlertMessage } from '../alerts';
import { riskAlertAfter } from '../risk/attach';
import type { AlertDelivery } from './types';

export interface ServiceAlertsDeps {
  config: MonitorFileConfig;
  logPath: string;
  source: string;
  head: () => number | undefined;
  /** Where an updated record goes (log, sink, 'record' listeners). */
  rewrite: (r: MissedBlock) => void;
  /** Sinks that publish alerts (Redis Streams) get each message as it is queued for delivery. */
  publish?: (msg: AlertMessage) => void;
  warn: (message: string) => void;
  extra?: Partial<AlertManagerOptions>;
}

export async function openServiceAlerts(svc: EventEmitter, d: ServiceAlertsDeps): Promise<AlertManager> {
  const a = await AlertManager.open({
    config: d.config,
    logPath: d.logPath,
    source: d.source,
    head: d.head,
    // A delivered alert flips the records' alert_sent: write them again (readers keep the last).
    onDelivered: (records) => records.forEach(d.rewrite),
    onWarning: (m) => d.warn(`alerts: ${m}`),
    // [risk] alert_after_slots: a risk that long at or above its threshold alerts like a streak (observeRisk).
    riskAlertAfter: riskAlertAfter(d.config),
    ...d.extra,
  });
  a.on('queued', (msg, channels) => {
    if (msg.kind === 'alert') svc.emit('alert', msg, channels);
  });
  const delivery = (channel: string, result: AlertDelivery['result']) => svc.emit('delivery', { channel, result, depth: a.depth } satisfies AlertDelivery);
  a.on('queued', (_m, channels) => channels.forEach((c) => delivery(c, 'queued')));
  a.on('delivered', (_m, c) => delivery(c, 'delivered'));
  a.on('failed', (_m, c) => delivery(c, 'failed'));
  if (d.publish) a.on('queued', (msg) => d.publish?.(msg));
  return a;
}
