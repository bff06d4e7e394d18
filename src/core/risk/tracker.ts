// Per-source risk: signals → features → score, and the crossings the surfaces announce: `at_risk`
// when the score rises to the threshold, `cleared` when it falls below, and `sustained` once when
// it has stayed at or above the threshold for alertAfterSlots observations in a row.
import { SourceSignals, type RiskFeatures, type RiskObservation, type SignalOptions } from './signals';
import { riskScore, type RiskModel, type RiskScore } from './score';

export interface RiskUpdate {
  source: string;
  at: number;
  features: RiskFeatures;
  risk: RiskScore;
  /** What changed with this observation, if anything. */
  transition?: 'at_risk' | 'cleared' | 'sustained';
  /** Consecutive observations at or above the threshold. */
  above: number;
}

export interface RiskTrackerOptions {
  threshold: number;
  blockTimeS: number;
  alertAfterSlots?: number;
  model?: RiskModel;
  signals?: Partial<SignalOptions>;
}

export class RiskTracker {
  private readonly sources = new Map<string, { signals: SourceSignals; above: number; last?: RiskUpdate }>();
  constructor(private readonly o: RiskTrackerOptions) {}

  observe(source: string, ob: RiskObservation): RiskUpdate {
    let s = this.sources.get(source);
    if (!s) {
      s = { signals: new SourceSignals({ blockTimeS: this.o.blockTimeS, ...this.o.signals }), above: 0 };
      this.sources.set(source, s);
    }
    const features = s.signals.observe(ob);
    const risk = riskScore(features, this.o.blockTimeS, this.o.model);
    const wasAbove = s.above > 0;
    s.above = risk.score >= this.o.threshold ? s.above + 1 : 0;
    let transition: RiskUpdate['transition'];
    if (s.above === 1 && !wasAbove) transition = 'at_risk';
    else if (s.above === 0 && wasAbove) transition = 'cleared';
    if (this.o.alertAfterSlots !== undefined && s.above === this.o.alertAfterSlots) transition = s.above === 1 ? 'at_risk' : 'sustained';
    const u: RiskUpdate = { source, at: ob.at, features, risk, above: s.above, ...(transition ? { transition } : {}) };
    s.last = u;
    return u;
  }

  /** The newest update per source. */
  latest(): RiskUpdate[] {
    return [...this.sources.values()].flatMap((s) => (s.last ? [s.last] : []));
  }
}
