// Redaction: webhook tokens and SMTP passwords never survive into a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Redactor, redactUrl } from '../../src/core/redact';

test('redactUrl keeps scheme, host and the API segment only', () => {
  assert.equal(redactUrl('https://hooks.slack.com/services/T0/B0/xyz'), 'https://hooks.slack.com/services/***');
  assert.equal(redactUrl('https://discord.com/api/webhooks/1/tok'), 'https://discord.com/api/***');
  assert.equal(redactUrl('https://user:pw@alerts.example.com/?token=abc'), 'https://alerts.example.com/***');
  assert.equal(redactUrl('http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
  assert.equal(redactUrl('not a url'), '***');
});

test('Redactor removes configured secrets and any URL path in free text', () => {
  const r = new Redactor(['https://hooks.slack.com/services/T0/B0/xyzTOKEN', 'hunter22', undefined]);
  assert.equal(r.scrub('POST https://hooks.slack.com/services/T0/B0/xyzTOKEN failed'), 'POST *** failed');
  assert.equal(r.scrub('path /services/T0/B0/xyzTOKEN in a trace'), 'path *** in a trace');
  assert.equal(r.scrub('535 auth failed for password hunter22'), '535 auth failed for password ***');
  assert.equal(r.scrub('see https://other.example/a/b/c?k=1'), 'see https://other.example/a/***');
  assert.equal(r.error(new Error('x hunter22')).message, 'x ***');
});
