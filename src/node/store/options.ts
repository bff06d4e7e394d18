// Where the shared store is, from the places a user can say it: a flag, $MBM_POSTGRES_URL, or the
// config's [storage] postgres_url (in that order). Errors name the key that was wrong.
import { parsePostgresUrl, type MonitorFileConfig } from '../../core/config';

export const POSTGRES_URL_ENV = 'MBM_POSTGRES_URL';

export function postgresUrlFrom(flag: { name: string; value: string | undefined }, config?: MonitorFileConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag.value !== undefined) return parsePostgresUrl(flag.name, flag.value);
  const fromEnv = env[POSTGRES_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parsePostgresUrl(POSTGRES_URL_ENV, fromEnv);
  return config?.storage?.postgresUrl;
}
