// Redaction: webhook tokens and SMTP passwords never survive into a message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describePostgresUrl, maskUrlPassword, Redactor, redactUrl } from '../../src/core/redact';
import { parsePostgresUrl } from '../../src/core/config';

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

test('maskUrlPassword masks the password of every URL in a text, and nothing else', () => {
  assert.equal(maskUrlPassword('postgres://mbm:s3cr3t@db.internal:5432/mbm'), 'postgres://mbm:***@db.internal:5432/mbm');
  assert.equal(
    maskUrlPassword('connect postgresql://a:b@h1/x failed, then smtp://u:p%40ss@mail:587 too'),
    'connect postgresql://a:***@h1/x failed, then smtp://u:***@mail:587 too',
  );
  assert.equal(maskUrlPassword('postgres://host:5432/db and user@example.com'), 'postgres://host:5432/db and user@example.com');
});

test('describePostgresUrl names host:port/database only', () => {
  assert.equal(describePostgresUrl('postgres://mbm:s3cr3t@db.internal:6543/mbm'), 'db.internal:6543/mbm');
  assert.equal(describePostgresUrl('postgresql://u:p@db'), 'db:5432');
  assert.equal(describePostgresUrl('postgres:///mbm?host=/run/postgresql'), '/run/postgresql:5432/mbm');
  assert.equal(describePostgresUrl('::not a url::'), 'the database');
});

test('the Redactor also masks a password in a URL it was not told about', () => {
  const r = new Redactor([]);
  assert.equal(r.scrub('pg: postgres://mbm:hunter22@db:5432/mbm refused'), 'pg: postgres://mbm:***@db:5432/mbm refused');
});

test('a config error quotes a PostgreSQL URL without its password', () => {
  assert.throws(() => parsePostgresUrl('storage.postgres_url', 'mysql://u:topsecret@h/db'), (e: Error) => !e.message.includes('topsecret') && e.message.includes('u:***@h'));
});
