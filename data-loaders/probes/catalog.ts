/**
 * What each built-in probe measures and where the paper shows it, gathered from the suites that
 * declare them (suites/<name>/index.ts; docs/probes.md).
 */
import {RUNNABLE_SUITES} from "../suites/registry.ts";
import type {ProbeSpec} from "../suites/suite.ts";

export interface ProbeCatalogEntry {
  probe: string;
  suite: string;
  /** Metrics the probe can emit (docs/metrics.md names). */
  metrics: readonly string[];
  /** Where the paper shows them. */
  paper: string;
  description: string;
}

export const PROBE_CATALOG: Readonly<Record<string, ProbeCatalogEntry>> = Object.fromEntries(
  RUNNABLE_SUITES.flatMap((suite) =>
    suite.probes.filter((probe: ProbeSpec) => !probe.companionOf).map((probe: ProbeSpec) => [probe.name, {probe: probe.name, suite: suite.name, metrics: probe.metrics, paper: probe.paper, description: probe.description}])
  )
);
