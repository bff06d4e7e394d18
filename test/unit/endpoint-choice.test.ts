// Which node the extension monitors (pure logic behind Start Monitoring and Set RPC Endpoint…):
// SecretStorage's endpoint first, settings' entries with ${env:NAME} resolved, and the first-run
// choices. A provider URL's key is never in a problem message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anvilAvailable } from '../../src/node/chain/anvil';
import { firstRunChoices, resolveEndpoints } from '../../src/extension/model/endpointChoice';
import { sanitizeSettings, type SettingKey } from '../../src/extension/model/settings';

const KEY = 'SECRETKEY0123456789abcdef';

test('first run: the local node, Enter a URL… (remembered in SecretStorage), and a local anvil only when anvil is available', () => {
  assert.deepEqual(
    firstRunChoices({ anvilAvailable: true }).map((c) => [c.id, c.label, c.remember]),
    [
      ['local', 'http://127.0.0.1:8545', 'settings'],
      ['enter', 'Enter a URL…', 'secret'],
      ['anvil', 'Start a local anvil', 'none'],
    ],
  );
  assert.deepEqual(firstRunChoices({ anvilAvailable: false }).map((c) => c.id), ['local', 'enter']);
});

test('the SecretStorage endpoint comes first, then the settings; ${env:NAME} is resolved; duplicates once', () => {
  const secretUrl = `wss://mainnet.example.io/ws/v3/${KEY}`;
  const env = { MBM_RPC: `https://mainnet.example.io/v3/${KEY}` };
  assert.deepEqual(resolveEndpoints({ secretUrl, settingsUrls: ['${env:MBM_RPC}', 'http://127.0.0.1:8545', secretUrl], env }), {
    urls: [secretUrl, `https://mainnet.example.io/v3/${KEY}`, 'http://127.0.0.1:8545'],
    problems: [],
  });
  assert.deepEqual(resolveEndpoints({ settingsUrls: ['http://${MBM_HOST}:8545'], env: { MBM_HOST: '10.0.0.7' } }).urls, ['http://10.0.0.7:8545']);
  assert.deepEqual(resolveEndpoints({ settingsUrls: [], env: {} }), { urls: [], problems: [] });
});

test('an unset variable or a bad URL is skipped with a message naming the entry, never the value', () => {
  const res = resolveEndpoints({ secretUrl: `ftp://x.example/${KEY}`, settingsUrls: ['${env:MISSING_RPC}', 'http://127.0.0.1:8545'], env: {} });
  assert.deepEqual(res.urls, ['http://127.0.0.1:8545']);
  assert.deepEqual(res.problems, [
    'the RPC endpoint in SecretStorage: unsupported RPC URL scheme ftp: (use http, https, ws or wss); skipped',
    'missedBlocks.rpcUrls[0] = "${MISSING_RPC}": expected the environment variable MISSING_RPC to be set and non-empty; skipped',
  ]);
  const bad = resolveEndpoints({ settingsUrls: [`not a url ${KEY}`], env: {} });
  assert.deepEqual(bad.problems, ['missedBlocks.rpcUrls[0]: not a URL (the value is not shown: it may hold an API key); skipped']);
  assert.ok(!JSON.stringify([res, bad]).includes(KEY));
});

test('settings keep ${env:NAME} entries for the start to resolve', () => {
  const values: Partial<Record<SettingKey, unknown>> = { rpcUrls: ['${env:MBM_RPC}', 'nope'] };
  const { settings, warnings } = sanitizeSettings((k) => values[k]);
  assert.deepEqual(settings.rpcUrls, ['${env:MBM_RPC}']);
  assert.deepEqual(warnings, ['missedBlocks.rpcUrls: skipping an entry (not a URL (the value is not shown: it may hold an API key))']);
});

test('anvilAvailable: the bundled anvil is found; a missing $ANVIL_BIN is not', () => {
  assert.equal(anvilAvailable(), true);
  const before = process.env.ANVIL_BIN;
  try {
    process.env.ANVIL_BIN = '/nonexistent/anvil';
    assert.equal(anvilAvailable(), false);
  } finally {
    if (before === undefined) delete process.env.ANVIL_BIN;
    else process.env.ANVIL_BIN = before;
  }
});
