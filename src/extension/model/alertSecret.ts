// Setting one alert secret (Set Alert Webhook…, and its per-channel shortcuts Set Alertmanager URL…,
// Set PagerDuty Routing Key…, Set Telegram Bot Token…), free of the vscode module so it can be
// tested: the value goes to SecretStorage only; the output channel, the messages and settings.json
// (only ever given the channel's name) never see it.
import { SECRET_KINDS, type SecretKind, type SecretName } from '../secrets';

export interface SecretPrompts {
  /** The quick pick of secrets; undefined: dismissed. */
  pick(items: { label: string; description: string; detail: string; secret: SecretKind }[]): Promise<SecretKind | undefined>;
  /** A password input box; `problem` says what is wrong with a value (undefined: fine). Undefined: dismissed. */
  input(o: { title: string; prompt: string; problem(v: string): string | undefined }): Promise<string | undefined>;
  /** An information message with buttons; resolves with the one clicked. */
  info(message: string, ...actions: string[]): Promise<string | undefined>;
}

export interface AlertSecretDeps {
  ui: SecretPrompts;
  secrets: { has(name: SecretName): Promise<boolean>; store(name: SecretName, value: string): PromiseLike<void>; delete(name: SecretName): PromiseLike<void> };
  log: { info(message: string): void };
  /** missedBlocks.alertChannels now. */
  channels(): readonly string[];
  /** Write missedBlocks.alertChannels (the only setting this flow writes). */
  setChannels(channels: string[]): PromiseLike<void>;
  running: boolean;
  restart(): Promise<void>;
}

export function httpUrlProblem(v: string): string | undefined {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? undefined : 'an http:// or https:// URL';
  } catch {
    return 'an http:// or https:// URL';
  }
}

/** What is wrong with `v` as this secret; empty is fine (it removes the secret). */
export function secretProblem(kind: SecretKind, v: string): string | undefined {
  const t = v.trim();
  if (t === '') return undefined;
  return (kind.isUrl ? httpUrlProblem(t) : undefined) ?? kind.problem?.(t);
}

/** `kind` given: that secret (a shortcut command); else the quick pick of all of them. */
export async function setAlertSecret(d: AlertSecretDeps, kind?: SecretKind): Promise<void> {
  if (!kind) {
    const items = await Promise.all(SECRET_KINDS.map(async (k) => ({ label: k.label, description: (await d.secrets.has(k.name)) ? 'set' : 'not set', detail: k.detail, secret: k })));
    kind = await d.ui.pick(items);
    if (!kind) return;
  }
  const k = kind;
  const value = await d.ui.input({ title: `Set Alert Webhook: ${k.label}`, prompt: `${k.label}, stored in SecretStorage. Leave empty to remove it.`, problem: (v) => secretProblem(k, v) });
  if (value === undefined) return;
  if (value.trim() === '') {
    await d.secrets.delete(k.name);
    d.log.info(`removed the ${k.label} from SecretStorage`);
    void d.ui.info(`Missed Blocks: ${k.label} removed.`);
  } else {
    // Checked again: an input box's check is advice, this is the rule.
    const problem = secretProblem(k, value);
    if (problem) {
      void d.ui.info(`Missed Blocks: not stored: the ${k.label} must be ${problem}.`);
      return;
    }
    await d.secrets.store(k.name, value.trim());
    // Never the value itself: it is the secret.
    d.log.info(`stored the ${k.label} in SecretStorage`);
    if (!d.channels().includes(k.channel)) {
      const add = `Add "${k.channel}"`;
      const answer = await d.ui.info(`Missed Blocks: ${k.label} stored. Alerts go out on "${k.channel}" only when missedBlocks.alertChannels lists it.`, add);
      if (answer === add) await d.setChannels([...d.channels(), k.channel]);
    } else {
      void d.ui.info(`Missed Blocks: ${k.label} stored.`);
    }
  }
  if (d.running) {
    const restart = 'Restart Monitoring';
    const answer = await d.ui.info('Missed Blocks: the running monitor uses the new secret after a restart.', restart);
    if (answer === restart) await d.restart();
  }
}
