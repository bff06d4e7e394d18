// Reads a TOML config from disk; the parsing and checks are core/config.ts's.
import { readFileSync } from 'node:fs';
import { ConfigError, parseConfigText, type MonitorFileConfig } from '../core/config';

export function loadConfigFile(file: string): MonitorFileConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('file', file, `a readable TOML file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  return parseConfigText(text, file);
}
