// Where the shared store is, from the places a user can say it: a flag, $MBM_POSTGRES_URL, or the
// config's [storage] postgres_url (in that order). Errors name the key that was wrong.
import { parsePostgresUrl, parseRedisUrl, type MonitorFileConfig } from '../../core/config';

export const POSTGRES_URL_ENV = 'MBM_POSTGRES_URL';

export function postgresUrlFrom(flag: { name: string; value: string | undefined }, config?: MonitorFileConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag.value !== undefined) return parsePostgresUrl(flag.name, flag.value);
  const fromEnv = env[POSTGRES_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parsePostgresUrl(POSTGRES_URL_ENV, fromEnv);
  return config?.storage?.postgresUrl;
}

export const REDIS_URL_ENV = 'MBM_REDIS_URL';

/** Redis Streams, the same way: --redis, then $MBM_REDIS_URL, then [storage] redis_url. */
export function redisUrlFrom(flag: { name: string; value: string | undefined }, config?: MonitorFileConfig, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (flag.value !== undefined) return parseRedisUrl(flag.name, flag.value);
  const fromEnv = env[REDIS_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return parseRedisUrl(REDIS_URL_ENV, fromEnv);
  return config?.storage?.redisUrl;
}
