// The extension's secrets for the Alertmanager, PagerDuty and Telegram channels: Set Alertmanager
// URL…, Set PagerDuty Routing Key…, Set Telegram Bot Token… (and the Set Alert Webhook… pick) store
// the value in SecretStorage only. The output channel, the messages shown and settings.json (the
// flow may only write missedBlocks.alertChannels) never hold it; a run's alert config gets it from
// SecretStorage, and the core's alert settings accept it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAlertSettings } from '../../src/node/alerts';
import { setAlertSecret, type AlertSecretDeps } from '../../src/extension/model/alertSecret';
import { monitorConfigFrom, sanitizeSettings, type AlertSecrets, type SettingKey } from '../../src/extension/model/settings';
import { SECRET_KINDS, type SecretName } from '../../src/extension/secrets';

const ROUTING_KEY = 'R0ut1ngKeyR0ut1ngKeyR0ut1ngKey42';
const BOT_TOKEN = '123456789:AAFsecretTOKENsecretTOKEN_x-y';
const AM_URL = 'https://ops:amPassw0rd@alertmanager.example:9093';

/** A fake editor: what each surface got, and a SecretStorage. */
function editor(typed: string, o: { clickAdd?: boolean; running?: boolean; channels?: string[] } = {}) {
  const store = new Map<string, string>();
  const out = { log: [] as string[], shown: [] as string[], settingsWrites: [] as unknown[], restarts: 0, picked: [] as string[] };
  let channels = [...(o.channels ?? ['console'])];
  const deps: AlertSecretDeps = {
    ui: {
      pick: async (items) => {
        out.picked.push(...items.map((i) => `${i.label}: ${i.description}`));
        return items.find((i) => i.secret.name === 'telegramBotToken')?.secret;
      },
      input: async (i) => {
        out.shown.push(i.title, i.prompt);
        return typed;
      },
      info: async (message, ...actions) => {
        out.shown.push(message, ...actions);
        return o.clickAdd ? actions.find((a) => a.startsWith('Add ') || a === 'Restart Monitoring') : undefined;
      },
    },
    secrets: {
      has: async (n: SecretName) => store.has(n),
      store: async (n: SecretName, v: string) => void store.set(n, v),
      delete: async (n: SecretName) => void store.delete(n),
    },
    log: { info: (m) => out.log.push(m) },
    channels: () => channels,
    setChannels: async (c) => {
      out.settingsWrites.push({ 'missedBlocks.alertChannels': c });
      channels = c;
    },
    running: o.running ?? false,
    restart: async () => void out.restarts++,
  };
  return { deps, store, out, channels: () => channels };
}

const kind = (name: SecretName) => SECRET_KINDS.find((k) => k.name === name)!;

test('each new secret is stored in SecretStorage only; the output channel, the messages and the settings write never hold it', async () => {
  for (const [name, value, channel, part] of [
    ['alertmanagerUrl', AM_URL, 'alertmanager', 'amPassw0rd'],
    ['pagerdutyRoutingKey', ROUTING_KEY, 'pagerduty', 'R0ut1ngKey'],
    ['telegramBotToken', BOT_TOKEN, 'telegram', 'AAFsecretTOKEN'],
  ] as const) {
    const e = editor(`  ${value} `, { clickAdd: true, running: true });
    await setAlertSecret(e.deps, kind(name));
    assert.equal(e.store.get(name), value, `${name} stored, trimmed`);
    assert.deepEqual(e.out.settingsWrites, [{ 'missedBlocks.alertChannels': ['console', channel] }], 'only the channel name goes to settings.json');
    assert.equal(e.out.restarts, 1);
    assert.equal(e.out.log.length, 1);
    assert.match(e.out.log[0]!, /^stored the .+ in SecretStorage$/);
    const everywhere = JSON.stringify([e.out.log, e.out.shown, e.out.settingsWrites]);
    for (const piece of [value, part]) assert.ok(!everywhere.includes(piece), `${name}: "${piece}" appears outside SecretStorage`);
  }
});

test('the pick lists the new secrets, set or not; a malformed value is refused without echoing it', async () => {
  const e = editor('not-a-token');
  e.store.set('pagerdutyRoutingKey', ROUTING_KEY);
  await setAlertSecret(e.deps);
  assert.ok(e.out.picked.includes('Alertmanager URL: not set'));
  assert.ok(e.out.picked.includes('PagerDuty routing key: set'));
  assert.ok(e.out.picked.includes('Telegram bot token: not set'));
  assert.equal(e.store.has('telegramBotToken'), false);
  assert.ok(e.out.shown.includes('Missed Blocks: not stored: the Telegram bot token must be a bot token like 123456:ABC-DEF… from @BotFather.'));
  assert.ok(!JSON.stringify([e.out.shown, e.out.log]).includes('not-a-token'));
  // An empty value removes it.
  const r = editor('');
  r.store.set('alertmanagerUrl', AM_URL);
  await setAlertSecret(r.deps, kind('alertmanagerUrl'));
  assert.equal(r.store.has('alertmanagerUrl'), false);
  assert.deepEqual(r.out.log, ['removed the Alertmanager URL from SecretStorage']);
});

test('from SecretStorage into the run: the core alert settings get the key, the token and the URL; settings.json holds none', () => {
  const settingsJson: Partial<Record<SettingKey, unknown>> = { alertChannels: ['alertmanager', 'pagerduty', 'telegram'], 'alerts.telegramChatId': '-1001234567890' };
  const { settings, warnings } = sanitizeSettings((k) => settingsJson[k]);
  assert.deepEqual(warnings, []);
  const secrets: AlertSecrets = { alertmanagerUrl: AM_URL, pagerdutyRoutingKey: ROUTING_KEY, telegramBotToken: BOT_TOKEN };
  const cfg = monitorConfigFrom(settings, '/l.jsonl', secrets);
  const parsed = parseAlertSettings(cfg.alerts, { alertThreshold: cfg.monitoring.alertThreshold, env: {} });
  assert.equal(parsed.alertmanagerUrl, AM_URL);
  assert.equal(parsed.pagerduty?.routingKey, ROUTING_KEY);
  assert.deepEqual([parsed.telegram?.botToken, parsed.telegram?.chatId], [BOT_TOKEN, '-1001234567890']);
  // Each is a secret the alert manager's redactor scrubs from delivery errors.
  for (const s of [AM_URL, ROUTING_KEY, BOT_TOKEN]) assert.ok(parsed.secrets.includes(s), s);
  assert.ok(!JSON.stringify([settingsJson, settings]).match(/R0ut1ng|AAFsecret|amPassw0rd/));
  // Without the secrets the listed channels are configuration errors before the monitor starts, naming the key, never a value.
  assert.throws(() => parseAlertSettings(monitorConfigFrom(settings, '/l.jsonl', {}).alerts, { alertThreshold: 5, env: {} }), /alerts\.(alertmanager_url|pagerduty_routing_key|telegram_bot_token)/);
});
