// How bench/risk.mjs judges an early warning against the misses that followed (pure; no I/O).
//
// A miss event is a run of gap / delayed / missed_slot records of the monitored node less than K
// slots apart, or made while the previous one is still under way (from its first record until the
// node delivers a block again after its last one); it starts at the first one's detection time
// (`timestamp`) and was due at the earliest `expected_timestamp` among them.
//
// A scorer's alarm is on in every round whose score reaches its threshold. What an operator would
// be told is a stream of warnings: one when the alarm comes on, and one more every K slots while
// it stays on (each says "a miss within the next K slots"), so an alarm that never goes off pays
// for it in precision. A warning is right when a miss event starts within K slots after it, wrong
// when none does; a warning given while a miss event is already under way is neither, because the
// monitor is reporting that miss by then. A miss event is
// caught when a warning came within the K slots before it; lead = event start − the earliest such
// warning (and the same against the time the block was due).

export function missEvents(records, K, lines = []) {
  const ms = records
    .filter((r) => ['gap', 'delayed', 'missed_slot'].includes(r.kind ?? 'gap'))
    .map((r) => ({ t: r.timestamp, due: r.expected_timestamp }))
    .sort((a, b) => a.t - b.t);
  // Under way until the first round after its last record in which a block arrived (stall 0).
  const endAfter = (t) => lines.find((l) => l.t > t && l.f.stall_ratio === 0)?.t ?? t;
  const ev = [];
  for (const m of ms) {
    const last = ev[ev.length - 1];
    if (last && (m.t - last.lastT < K || m.t < last.end)) {
      last.lastT = m.t;
      last.due = Math.min(last.due, m.due);
      last.end = endAfter(m.t);
    } else ev.push({ t: m.t, due: m.due, lastT: m.t, end: endAfter(m.t) });
  }
  return ev;
}

/** Warning times: alarm onsets, renewed every K seconds while the alarm stays on. */
export function warnings(lines, above, K) {
  const out = [];
  let last;
  for (const l of lines) {
    if (!above(l)) {
      last = undefined;
      continue;
    }
    if (last === undefined || l.t - last >= K) {
      out.push(l.t);
      last = l.t;
    }
  }
  return out;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Precision, recall and median lead of `above` over episodes ({ lines, records }).
 *
 * anchor 'detection' (judge v2): the K-slot horizon counts from the warning to the miss event's
 * detection. anchor 'due' (judge v3): it counts to the time the first missed block was due, the
 * moment the miss happens; a warning then is right when a miss event is due within K slots after
 * it, or was due already and not yet detected. Under v2 a warning given before the block was due
 * (a prediction) is wrong whenever detection comes more than K slots after it — and at 1 s blocks
 * with a 2.5 s delay threshold, detection comes 2.5–3 s after the due time, so v2 leaves a
 * prediction a window of about half a slot. Both count a warning while a miss is under way as neither.
 */
export function judge(eps, above, K, anchor = 'detection') {
  let counted = 0, right = 0, during = 0, events = 0, caught = 0;
  const leads = [], dueLeads = [];
  for (const e of eps) {
    const ev = missEvents(e.records, K, e.lines);
    const ws = warnings(e.lines, above, K).filter((w) => {
      const inside = ev.some((x) => w >= x.t && w < x.end);
      if (inside) during++;
      return !inside;
    });
    counted += ws.length;
    const at = (x) => (anchor === 'due' ? x.due : x.t);
    const within = (w, x) => w < x.t && at(x) <= w + K && w >= Math.min(at(x), x.t) - K;
    right += ws.filter((w) => ev.some((x) => within(w, x))).length;
    events += ev.length;
    for (const x of ev) {
      const first = ws.find((w) => within(w, x));
      if (first === undefined) continue;
      caught++;
      leads.push(x.t - first);
      dueLeads.push(x.due - first);
    }
  }
  return {
    precision: counted ? right / counted : 0,
    recall: events ? caught / events : 0,
    lead: leads.length ? median(leads) : undefined,
    dueLead: dueLeads.length ? median(dueLeads) : undefined,
    warnings: counted,
    right,
    during,
    events,
    caught,
  };
}
