// The `[expect]` table of the config file: how final a target block must be before it is judged.
//
//   [expect]
//   confirmations = 2        # blocks on top of the target (default 0)
//   wait_timeout = 300       # seconds to wait for that (default 300)
import { ConfigError, type MonitorFileConfig } from '../../core/config';

export interface ExpectSettings {
  confirmations: number;
  waitTimeoutMs: number;
}

export const DEFAULT_EXPECT_SETTINGS: ExpectSettings = { confirmations: 0, waitTimeoutMs: 300_000 };

export function expectSettingsFrom(cfg: MonitorFileConfig): ExpectSettings {
  const t = cfg.other.expect as Record<string, unknown> | undefined;
  const out = { ...DEFAULT_EXPECT_SETTINGS };
  if (t === undefined) return out;
  if (t === null || typeof t !== 'object' || Array.isArray(t)) throw new ConfigError('expect', t, 'a table');
  for (const k of Object.keys(t)) if (k !== 'confirmations' && k !== 'wait_timeout') throw new ConfigError(`expect.${k}`, t[k], 'no such key (known: confirmations, wait_timeout)');
  if (t.confirmations !== undefined) {
    if (!Number.isSafeInteger(t.confirmations) || (t.confirmations as number) < 0 || (t.confirmations as number) > 10_000) {
      throw new ConfigError('expect.confirmations', t.confirmations, 'a whole number of blocks, 0 … 10000');
    }
    out.confirmations = t.confirmations as number;
  }
  if (t.wait_timeout !== undefined) {
    if (typeof t.wait_timeout !== 'number' || !Number.isFinite(t.wait_timeout) || t.wait_timeout <= 0) {
      throw new ConfigError('expect.wait_timeout', t.wait_timeout, 'seconds, a number > 0');
    }
    out.waitTimeoutMs = Math.round(t.wait_timeout * 1000);
  }
  return out;
}
