// [alerts] validation: the relay's production example loads; secrets come from the environment;
// every mistake is a ConfigError naming the key, the value and the expected form — and never
// showing a secret.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfigText } from '../../src/core/config';
import { parseAlertSettings } from '../../src/node/alerts';

const SLACK = 'https://hooks.slack.com/services/T1/B2/verySecretToken123';

function settings(toml: string, env: NodeJS.ProcessEnv = {}, threshold = 5) {
  const cfg = parseConfigText(toml);
  return parseAlertSettings(cfg.alerts, { alertThreshold: threshold, env });
}

function configError(toml: string, env: NodeJS.ProcessEnv = {}, what = toml): ConfigError {
  try {
    settings(toml, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail(`expected a ConfigError for ${what}`);
}

test("the relay's production [alerts] example loads, with SMTP added", () => {
  const s = settings(`
[alerts]
channels = ["webhook", "slack", "email"]
webhook_url = "https://alerts.example.com/webhook"
slack_webhook = "${SLACK}"
email_address = "alerts@example.com"
smtp_host = "smtp.example.com"
smtp_user = "mbm"
smtp_password = "pw-123456"
`);
  assert.deepEqual(s.channels, ['webhook', 'slack', 'email']);
  assert.equal(s.slackWebhook, SLACK);
  assert.deepEqual(s.smtp, {
    host: 'smtp.example.com',
    port: 587,
    secure: false,
    requireTls: false,
    rejectUnauthorized: true,
    user: 'mbm',
    password: 'pw-123456',
    from: s.smtp!.from,
    to: ['alerts@example.com'],
  });
  assert.match(s.smtp!.from, /^Missed Block Monitor <missed-block-monitor@.+>$/);
  assert.deepEqual(s.rules.slack, { minSeverity: 'Critical', throttleMax: 10, throttleWindowMs: 60_000 });
  assert.deepEqual(s.secrets.sort(), ['https://alerts.example.com/webhook', SLACK, 'mbm', 'pw-123456'].sort());
});

test('the development example (console only) needs nothing else', () => {
  const s = settings('[alerts]\nchannels = ["console"]\n');
  assert.deepEqual(s.channels, ['console']);
  assert.equal(s.muteUntilMs, undefined);
});

test('secrets from the environment: *_env and ${VAR}', () => {
  const s = settings(
    `
[alerts]
channels = ["slack", "discord", "email"]
slack_webhook_env = "SLACK_URL"
discord_webhook = "https://discord.com/api/webhooks/1/\${DISCORD_TOKEN}"
email_address = "a@example.com, b@example.com"
smtp_host = "mail.example.com"
smtp_port = 465
smtp_user = "\${SMTP_USER}"
smtp_password_env = "SMTP_PASSWORD"
email_from = "Monitor <mbm@example.com>"
`,
    { SLACK_URL: SLACK, DISCORD_TOKEN: 'dToken999', SMTP_USER: 'u1', SMTP_PASSWORD: 'p@ss' },
  );
  assert.equal(s.slackWebhook, SLACK);
  assert.equal(s.discordWebhook, 'https://discord.com/api/webhooks/1/dToken999');
  assert.deepEqual(s.smtp?.to, ['a@example.com', 'b@example.com']);
  assert.equal(s.smtp?.port, 465);
  assert.equal(s.smtp?.secure, true, 'port 465 means implicit TLS unless smtp_secure says otherwise');
  assert.equal(s.smtp?.user, 'u1');
  assert.equal(s.smtp?.password, 'p@ss');
});

test('rules: global min_severity and throttle, per-channel tables override', () => {
  const s = settings(`
[alerts]
channels = ["console", "webhook"]
webhook_url = "http://127.0.0.1:9/hook"
min_severity = "high"
throttle_max = 3
throttle_window = "5m"
mute_until = 2030-01-01T00:00:00Z
[alerts.console]
min_severity = "Low"
throttle_max = 100
`);
  assert.deepEqual(s.rules.webhook, { minSeverity: 'High', throttleMax: 3, throttleWindowMs: 300_000 });
  assert.deepEqual(s.rules.console, { minSeverity: 'Low', throttleMax: 100, throttleWindowMs: 300_000 });
  assert.equal(s.muteUntilMs, Date.UTC(2030, 0, 1));
});

test('errors name the key, the value and the expected form', () => {
  const cases: [string, string, RegExp][] = [
    ['channels = ["slack"]', 'alerts.slack_webhook', /expected an http\(s\) URL .*listed in alerts.channels/],
    ['channels = ["webhook"]\nwebhook_url = "ftp://x.example/y"', 'alerts.webhook_url', /expected an http:\/\/ or https:\/\/ URL/],
    ['min_severity = "Severe"', 'alerts.min_severity', /expected one of Low, Medium, High, Critical/],
    ['throttle_max = 0', 'alerts.throttle_max', /expected a whole number ≥ 1/],
    ['throttle_window = "soon"', 'alerts.throttle_window', /expected a duration/],
    ['mute_until = "tomorrow-ish"', 'alerts.mute_until', /expected a date-time/],
    ['smtp_hots = "x"', 'alerts.smtp_hots', /expected one of the known keys of \[alerts\]: .*smtp_host/],
    ['[alerts.slack]\nmin_sev = "High"', 'alerts.slack.min_sev', /min_severity, throttle_max, throttle_window/],
    ['channels = ["email"]\nemail_address = "ops@example.com"', 'alerts.smtp_host', /SMTP server host name/],
    ['channels = ["email"]\nsmtp_host = "h"\nemail_address = "not-an-address"', 'alerts.email_address', /an e-mail address/],
    ['channels = ["email"]\nsmtp_host = "h"\nemail_address = "a@b.c"\nsmtp_port = 70000', 'alerts.smtp_port', /port number 1–65535/],
    ['channels = ["email"]\nsmtp_host = "h"\nemail_address = "a@b.c"\nsmtp_user = "u"', 'alerts.smtp_password', /set together with alerts.smtp_user/],
    ['smtp_secure = "yes"', 'alerts.smtp_secure', /true or false/],
    ['slack_webhook_env = "SLACK_URL"', 'alerts.slack_webhook_env', /environment variable SLACK_URL to be set/],
    ['channels = ["slack"]\nslack_webhook = "https://hooks.slack.com/services/${NOPE}"', 'alerts.slack_webhook', /environment variable NOPE to be set/],
    ['channels = ["slack"]\nslack_webhook = "x"\nslack_webhook_env = "S"', 'alerts.slack_webhook_env', /not both/],
  ];
  for (const [body, key, expected] of cases) {
    const err = configError(`[alerts]\n${body}\n`, {}, body);
    assert.equal(err.key, key, body);
    assert.match(err.message, expected, body);
    assert.ok(err.message.startsWith(`${key} = `), err.message);
  }
});

test('a bad URL from the environment is reported without its token', () => {
  const err = configError('[alerts]\nchannels = ["discord"]\ndiscord_webhook_env = "D"\n', { D: 'discord.com/api/webhooks/1/leakyTok3n' });
  assert.equal(err.key, 'alerts.discord_webhook');
  assert.doesNotMatch(err.message, /leakyTok3n/);
  const err2 = configError('[alerts]\nchannels = ["slack"]\nslack_webhook_env = "S"\n', { S: 'ws://hooks.slack.com/services/T/B/leakyTok3n' });
  assert.doesNotMatch(err2.message, /leakyTok3n/);
  assert.match(err2.message, /ws:\/\/hooks.slack.com\/services\/\*\*\*/);
});
