// Which node the extension monitors, decided without the editor (unit-tested): the endpoint kept
// in SecretStorage ("Set RPC Endpoint…"; provider URLs carry API keys) comes first, then
// missedBlocks.rpcUrls, whose entries may name environment variables (`${env:NAME}`). With neither,
// Start Monitoring offers the choices of firstRunChoices(). Problems never quote a URL.
import { isConfigError } from '../../core/config';
import { expandEnvRefs } from '../../node/envRef';
import { endpointLabel } from '../../node/endpoints';

/** The local node's default (anvil, hardhat). */
export const LOCAL_RPC = 'http://127.0.0.1:8545';

export type EndpointChoiceId = 'local' | 'enter' | 'anvil';

export interface EndpointChoice {
  id: EndpointChoiceId;
  label: string;
  description: string;
  /** Where the answer is remembered: a local URL holds no key (settings); a typed URL may (SecretStorage); an anvil started for this session nowhere. */
  remember: 'settings' | 'secret' | 'none';
}

/** Start Monitoring with no endpoint configured: the local node, a URL typed in, and a local anvil when one can be started. */
export function firstRunChoices(o: { anvilAvailable: boolean }): EndpointChoice[] {
  const choices: EndpointChoice[] = [
    { id: 'local', label: LOCAL_RPC, description: 'the local node (anvil and hardhat default)', remember: 'settings' },
    { id: 'enter', label: 'Enter a URL…', description: 'http(s):// or ws(s)://; kept in SecretStorage (provider URLs carry API keys)', remember: 'secret' },
  ];
  if (o.anvilAvailable) choices.push({ id: 'anvil', label: 'Start a local anvil', description: 'a throwaway chain with 1 s blocks, for this session', remember: 'none' });
  return choices;
}

export interface ResolvedEndpoints {
  /** Primary first; empty when nothing is configured (then firstRunChoices). */
  urls: string[];
  /** One line per entry that could not be used (the value never shown). */
  problems: string[];
}

/** The URLs to monitor: the secret endpoint, then the settings' entries with `${env:NAME}` resolved; duplicates once. */
export function resolveEndpoints(o: { secretUrl?: string; settingsUrls: readonly string[]; env: Record<string, string | undefined> }): ResolvedEndpoints {
  const urls: string[] = [];
  const problems: string[] = [];
  const add = (what: string, raw: string) => {
    try {
      const url = expandEnvRefs(what, raw, o.env).trim();
      endpointLabel(url);
      if (!urls.includes(url)) urls.push(url);
    } catch (err) {
      problems.push(`${isConfigError(err) ? err.message : `${what}: ${(err as Error).message}`}; skipped`);
    }
  };
  if (o.secretUrl) add('the RPC endpoint in SecretStorage', o.secretUrl);
  o.settingsUrls.forEach((u, i) => add(`missedBlocks.rpcUrls[${i}]`, u));
  return { urls, problems };
}
