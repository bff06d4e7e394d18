// Secrets from the environment, one rule for every config table: `<key>_env = "VAR"` names a
// variable holding the whole value, and `${VAR}` inside a value is replaced by the variable.
// The resolved value never goes into an error; a missing variable is reported by its name.
import { ConfigError } from '../core/config';

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `[section] key` from `value` or from `envName` (the `<key>_env` entry); undefined when neither is set. */
export function fromEnv(section: string, key: string, value: unknown, envName: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (envName !== undefined) {
    if (value !== undefined) throw new ConfigError(`${section}.${key}_env`, envName, `not both ${section}.${key} and ${section}.${key}_env (choose one)`);
    if (typeof envName !== 'string' || !ENV_NAME.test(envName)) {
      throw new ConfigError(`${section}.${key}_env`, envName, 'the name of an environment variable (letters, digits, _)');
    }
    const v = env[envName];
    if (!v) throw new ConfigError(`${section}.${key}_env`, envName, `the environment variable ${envName} to be set and non-empty`);
    return v;
  }
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') throw new ConfigError(`${section}.${key}`, value, 'a non-empty string');
  return expandEnvRefs(`${section}.${key}`, value, env);
}

/** `${VAR}` references inside one value (settings may hold them too); `${env:VAR}` is VS Code's spelling of the same. */
export function expandEnvRefs(key: string, value: string, env: NodeJS.ProcessEnv): string {
  return value.replace(/\$\{(?:env:)?([^}]*)\}/g, (_m, name: string) => {
    if (!ENV_NAME.test(name)) throw new ConfigError(key, `\${${name}}`, '${NAME} with NAME an environment variable name');
    const v = env[name];
    if (!v) throw new ConfigError(key, `\${${name}}`, `the environment variable ${name} to be set and non-empty`);
    return v;
  });
}
