import { test } from 'node:test';
import assert from 'node:assert/strict';
import { severityFor, type SeverityFacts } from '../../src/core/severity';

// The documented table (severity.ts, README), row by row, with alert_threshold 5.
const rows: [SeverityFacts, string][] = [
  [{ kind: 'delayed' }, 'Medium'],
  [{ kind: 'gap' }, 'Medium'],
  [{ kind: 'gap', recovered: true }, 'Low'],
  [{ kind: 'gap', recoveryFailed: true }, 'High'],
  [{ kind: 'gap', recovered: true, recoveryFailed: true }, 'Low'], // recovered after all
  [{ kind: 'missed_slot' }, 'High'],
  [{ kind: 'reorg', reorgDepth: 1 }, 'Medium'],
  [{ kind: 'reorg', reorgDepth: 2 }, 'High'],
  [{ kind: 'reorg', reorgDepth: 7 }, 'High'],
  [{ kind: 'gap', streak: 4 }, 'Medium'],
  [{ kind: 'gap', streak: 5 }, 'Critical'],
  [{ kind: 'gap', streak: 5, recovered: true }, 'Critical'],
  [{ kind: 'delayed', streak: 9 }, 'Critical'],
  [{ kind: 'reorg', reorgDepth: 1, streak: 5 }, 'Critical'],
];

for (const [facts, expected] of rows) {
  test(`severity ${JSON.stringify(facts)} → ${expected}`, () => {
    assert.equal(severityFor(facts, 5), expected);
  });
}

test('the streak rule follows alert_threshold', () => {
  assert.equal(severityFor({ kind: 'missed_slot', streak: 2 }, 2), 'Critical');
  assert.equal(severityFor({ kind: 'missed_slot', streak: 2 }, 3), 'High');
});
