// The dashboard's feed of a big log aggregated by the log worker (workerFeed.ts), against a stand-in
// for the worker's two calls: the first view is drawn as a new one and later ones as updates; a
// view made ahead and stale is asked for again; the log growing (new totals) and a filter change
// each ask for a view with the settings of the moment.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DashboardView } from '../../src/common/dashboard/view';
import { defaultView, type ViewSettings } from '../../src/common/dashboard/viewFilter';
import { WorkerFeed } from '../../src/extension/dashboard/workerFeed';
import type { Totals } from '../../src/extension/worker/protocol';
import { waitFor } from '../helpers/wait';

test('worker feed: first view new, then updates; a stale view is asked again; new totals and a filter ask again', async () => {
  const asked: ViewSettings[] = [];
  const drawn: { held: number; update: boolean }[] = [];
  let totals = { records: 100 } as Totals;
  const loader = {
    view: async (settings: ViewSettings) => {
      asked.push(settings);
      // The first answer is the view made ahead, already stale; later ones are fresh.
      return { view: { held: 100 + asked.length } as DashboardView, clock: { slotSeconds: 12, genesis: 0 }, ms: 1, stale: asked.length === 1 };
    },
    pick: async () => 7,
  };
  const feed = new WorkerFeed({
    loader,
    totals: () => totals,
    slotSeconds: 12,
    updateMs: 20,
    sink: { snapshot: () => assert.fail('no snapshot'), delta: () => assert.fail('no delta'), warn: (m) => assert.fail(m), view: (v, _c, update) => drawn.push({ held: v.held, update }) },
  });
  try {
    await feed.start();
    await waitFor('the stale view asked again', () => drawn.length === 2, { timeoutMs: 5000 });
    assert.deepEqual(drawn, [{ held: 101, update: false }, { held: 102, update: true }]);
    totals = { records: 150 } as Totals;
    await waitFor('a view after the log grew', () => drawn.length === 3, { timeoutMs: 5000 });
    const filtered: ViewSettings = { filter: { reasons: ['Timeout'], severities: [], sources: [] }, range: null };
    feed.setView(filtered);
    await waitFor('a view with the filter', () => drawn.length === 4, { timeoutMs: 5000 });
    assert.deepEqual(asked.slice(0, 3), [defaultView(), defaultView(), defaultView()]);
    assert.deepEqual(asked[3], filtered);
    assert.equal(await feed.pick({ what: 'slot', slot: 3 }), 7);
  } finally {
    await feed.stop();
  }
});
