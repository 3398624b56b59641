import {canonicalParams} from "../model/params.ts";
import {median, rsd} from "../stats.ts";
import type {Sample} from "../model/sample.ts";
import type {StopRule} from "../plan/types.ts";

/**
 * Tracks, per environment × metric × params, the median of each round, and decides when the
 * campaign may stop: after `min` rounds once every series' RSD over rounds is below `rsd`,
 * after `max` rounds, or once the time budget is spent (never before one full round).
 */
export class StopRuleTracker {
  private readonly rounds = new Map<string, Map<number, number[]>>();

  constructor(readonly rule: StopRule) {}

  add(environment: string, round: number, samples: readonly Sample[]): void {
    for (const s of samples) {
      if (s.status === "failed" || !Number.isFinite(s.value)) continue;
      // Canonical params: a resumed campaign reads them back from the store with sorted keys.
      const key = `${environment}\u0000${s.metric}\u0000${canonicalParams(s.params)}`;
      let byRound = this.rounds.get(key);
      if (!byRound) this.rounds.set(key, (byRound = new Map()));
      const values = byRound.get(round) ?? [];
      values.push(s.value);
      byRound.set(round, values);
    }
  }

  get seriesCount(): number {
    return this.rounds.size;
  }

  /**
   * The series still above the RSD threshold, worst first (for the progress line and the log);
   * with `environments`, only theirs (one machine of a fleet stops on its own series).
   */
  unsettled(environments?: ReadonlySet<string>): Array<{key: string; rsd: number}> {
    const out: Array<{key: string; rsd: number}> = [];
    for (const [key, byRound] of this.rounds) {
      if (environments && !environments.has(key.slice(0, key.indexOf("\u0000")))) continue;
      const medians = [...byRound.values()].map(median);
      const spread = medians.length < 2 ? Infinity : rsd(medians);
      if (spread >= this.rule.rsd) out.push({key: key.replaceAll("\u0000", " "), rsd: spread});
    }
    return out.sort((a, b) => b.rsd - a.rsd);
  }

  /** Why the campaign (or the lane of `environments`) should not start round `round` (0-based), or null to go on. */
  stopReason(round: number, elapsedS: number, environments?: ReadonlySet<string>): string | null {
    if (round >= this.rule.max) return `reached the maximum of ${this.rule.max} rounds`;
    if (round >= 1 && elapsedS >= this.rule.budgetS) return `time budget of ${this.rule.budgetS} s spent after ${round} rounds`;
    if (round >= this.rule.min && round >= 2 && this.unsettled(environments).length === 0) {
      return `every series has RSD below ${(this.rule.rsd * 100).toFixed(1)}% after ${round} rounds`;
    }
    return null;
  }
}
