// What an alert integration test file opens (alert harnesses, loopback channel peers), closed after
// its tests with the harnesses' temp folders removed; the process guard (guard.ts) on.
import { after } from 'node:test';
import { removeTempDirs, type Harness } from './alertFixtures';
import { guardProcess } from './guard';

/** A channel peer: taken down (down) or closed (close) after the tests. */
export interface AlertPeer {
  down?: () => Promise<void>;
  close?: () => Promise<void>;
}

/** Call at the top of a test file; push what the tests open onto the lists. */
export function alertRuns(): { open: Harness[]; peers: AlertPeer[] } {
  guardProcess();
  const t = { open: [] as Harness[], peers: [] as AlertPeer[] };
  after(async () => {
    for (const h of t.open) await h.alerts.close();
    for (const p of t.peers) await (p.down ?? p.close)!.call(p);
    removeTempDirs();
  });
  return t;
}
