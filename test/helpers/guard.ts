// Fails a test file on any unhandled rejection, uncaught exception, or a block-source listener that
// threw (the sources report those as process warnings instead of crashing): a source must never
// leak errors to the process, and a test must notice if one does.
import { afterEach } from 'node:test';
import assert from 'node:assert/strict';

export function guardProcess(): void {
  const leaked: string[] = [];
  const onRejection = (e: unknown) => leaked.push(`unhandledRejection: ${e instanceof Error ? e.stack : String(e)}`);
  const onException = (e: unknown) => leaked.push(`uncaughtException: ${e instanceof Error ? e.stack : String(e)}`);
  const onWarning = (w: Error) => {
    if (/ListenerError$/.test(w.name)) leaked.push(`${w.name}: ${w.message}`);
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  process.on('warning', onWarning);
  afterEach(() => {
    const found = leaked.splice(0);
    assert.deepEqual(found, [], 'nothing may leak to the process');
  });
}
