// What an integration test file starts around the monitor (services, fault proxies, HTTP APIs),
// stopped after its tests in one order: APIs, then services (their folders removed), proxies, and
// every anvil the file started. With the process guard (guard.ts) on unless told otherwise.
import { after } from 'node:test';
import type { RunningHttpServer } from '../../src/node/api/server';
import { stopAllAnvils } from './anvil';
import { guardProcess } from './guard';
import type { RpcProxy } from './proxy';
import { removeDir, type Running } from './service';

export interface ServiceRuns {
  runs: Running[];
  proxies: RpcProxy[];
  apis: RunningHttpServer[];
}

/** Call at the top of a test file; push what the tests start onto the lists. */
export function serviceRuns(o: { guard?: boolean } = {}): ServiceRuns {
  if (o.guard ?? true) guardProcess();
  const t: ServiceRuns = { runs: [], proxies: [], apis: [] };
  after(async () => {
    for (const a of t.apis) await a.close();
    for (const r of t.runs) {
      await r.stop();
      removeDir(r.dir);
    }
    for (const p of t.proxies) await p.close();
    await stopAllAnvils();
  });
  return t;
}
