// `[risk]`: early warning of a miss before it happens.
//
//   [risk]
//   enabled = true            # default: on when a [risk] table is present, off without one
//   threshold = 0.7           # at_risk when the score crosses this (0 < threshold < 1)
//   alert_after_slots = 3     # optional: alert when risk stays above threshold this many slots
//   model = "weights.json"    # optional: logistic weights from `mbm train` (replace the rules)
import { ConfigError, type MonitorFileConfig } from '../config';

export interface RiskConfig {
  enabled: boolean;
  threshold: number;
  alertAfterSlots?: number;
  modelPath?: string;
}

export function defaultRiskConfig(): RiskConfig {
  return { enabled: false, threshold: 0.7 };
}

const KNOWN = ['enabled', 'threshold', 'alert_after_slots', 'model'];

/** The `[risk]` table (absent: defaults). Throws ConfigError naming the key and the expected form. */
export function parseRiskConfig(v: unknown): RiskConfig {
  const cfg = defaultRiskConfig();
  if (v === undefined) return cfg;
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new ConfigError('risk', v, 'a table');
  const t = v as Record<string, unknown>;
  // A [risk] table turns early warning on unless it says enabled = false.
  cfg.enabled = true;
  for (const k of Object.keys(t)) if (!KNOWN.includes(k)) throw new ConfigError(`risk.${k}`, t[k], `one of the known keys of [risk]: ${KNOWN.join(', ')}`);
  if (t.enabled !== undefined) {
    if (typeof t.enabled !== 'boolean') throw new ConfigError('risk.enabled', t.enabled, 'true or false');
    cfg.enabled = t.enabled;
  }
  if (t.threshold !== undefined) {
    if (typeof t.threshold !== 'number' || !(t.threshold > 0 && t.threshold < 1)) throw new ConfigError('risk.threshold', t.threshold, 'a number between 0 and 1, like 0.7');
    cfg.threshold = t.threshold;
  }
  if (t.alert_after_slots !== undefined) {
    const n = t.alert_after_slots;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 10_000) throw new ConfigError('risk.alert_after_slots', n, 'a whole number of slots from 1 to 10000');
    cfg.alertAfterSlots = n;
  }
  if (t.model !== undefined) {
    if (typeof t.model !== 'string' || t.model.trim() === '') throw new ConfigError('risk.model', t.model, 'a path to a weights JSON file written by `mbm train`');
    cfg.modelPath = t.model;
  }
  return cfg;
}

export function riskConfigFrom(cfg: MonitorFileConfig): RiskConfig {
  return parseRiskConfig(cfg.other.risk);
}
