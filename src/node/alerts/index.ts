// The alerts module: incidents from missed-block records, six channels, a persistent outbox.
export { AlertManager, type AlertManagerEvents, type AlertManagerOptions } from './manager';
export { parseAlertSettings, ALERT_DEFAULTS, KNOWN_ALERT_KEYS, type AlertSettings, type ChannelRule, type SmtpSettings } from './settings';
export type { AlertMessage, AlertKind, AlertSource, IncidentFacts } from './message';
export type { Channel } from './channels/types';
export { OUTBOX_FILE } from './outbox';
export { ALERTS_FILE } from './channels/file';
export { redactUrl } from '../../core/redact';
