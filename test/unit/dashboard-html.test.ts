import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, dashboardHtml, makeNonce } from '../../src/extension/dashboard/html';
import { isWebviewMessage } from '../../src/common/protocol';

const parts = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: makeNonce(), scriptUri: 'https://x/dist/webview/main.js', styleUri: 'https://x/dist/webview/main.css' };

test('the panel HTML: CSP default-src none, scripts only with the nonce, styles only from the extension', () => {
  const html = dashboardHtml(parts);
  const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
  assert.ok(meta, 'a CSP meta tag');
  const csp = meta[1];
  const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
  assert.deepEqual(directives.get('default-src'), ["'none'"]);
  assert.deepEqual(directives.get('script-src'), [`'nonce-${parts.nonce}'`]);
  assert.deepEqual(directives.get('style-src'), [parts.cspSource]);
  assert.ok(!/unsafe-(inline|eval)/.test(csp));
  assert.equal(csp, contentSecurityPolicy(parts));
});

test('the panel HTML: one external script carrying the nonce, no inline script, style or handler', () => {
  const html = dashboardHtml(parts);
  const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
  assert.equal(scripts.length, 1);
  assert.match(scripts[0][1], new RegExp(`nonce="${parts.nonce.replace(/[+/=]/g, '\\$&')}"`));
  assert.match(scripts[0][1], /src="https:\/\/x\/dist\/webview\/main\.js"/);
  assert.equal(scripts[0][2].trim(), '', 'no inline code');
  assert.doesNotMatch(html, /\son[a-z]+\s*=/i, 'no inline event handler attributes');
  assert.doesNotMatch(html, /<style\b/i);
  assert.doesNotMatch(html, /\sstyle\s*=/i);
  assert.doesNotMatch(html, /javascript:/i);
});

test('nonces are fresh and long enough', () => {
  const a = makeNonce();
  assert.notEqual(a, makeNonce());
  assert.ok(Buffer.from(a, 'base64').length >= 16);
});

test('attribute values are escaped (a URI cannot break out of its attribute)', () => {
  const html = dashboardHtml({ ...parts, scriptUri: 'https://x/a"><script>alert(1)</script>' });
  assert.equal([...html.matchAll(/<script\b/g)].length, 1);
});

test('messages from the webview are checked before use', () => {
  assert.ok(isWebviewMessage({ type: 'ready' }));
  assert.ok(isWebviewMessage({ type: 'reveal', file: '/a', line: 3, key: '1:gap' }));
  assert.ok(!isWebviewMessage({ type: 'reveal', file: '/a', line: 0, key: 'k' }));
  assert.ok(!isWebviewMessage({ type: 'reveal', file: 1, line: 3, key: 'k' }));
  assert.ok(isWebviewMessage({ type: 'replayControl', action: 'speed', speed: 60 }));
  assert.ok(!isWebviewMessage({ type: 'replayControl', action: 'rm -rf' }));
  assert.ok(isWebviewMessage({ type: 'pick', pick: { what: 'slot', slot: 120 } }));
  assert.ok(isWebviewMessage({ type: 'pick', pick: { what: 'block', block: 7, source: 'a' } }));
  assert.ok(isWebviewMessage({ type: 'pick', pick: { what: 'time', from: 1, to: 2 } }));
  assert.ok(!isWebviewMessage({ type: 'pick', pick: { what: 'slot', slot: '120' } }));
  assert.ok(!isWebviewMessage({ type: 'pick', pick: { what: 'time', from: 1, to: Infinity } }));
  assert.ok(!isWebviewMessage({ type: 'pick', pick: { what: 'file', path: '/etc/passwd' } }));
  assert.ok(!isWebviewMessage({ type: 'pick' }));
  assert.ok(!isWebviewMessage({ type: 'eval' }));
  assert.ok(!isWebviewMessage(null));
});
