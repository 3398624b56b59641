/**
 * Every suite vmmbench knows, one line each, in the order the report and the steps of a round list
 * them. Adding a suite is its folder plus a line here.
 */
import {fio} from "./fio/index.ts";
import {iozone} from "./iozone/index.ts";
import {linpack} from "./linpack/index.ts";
import {lmbench} from "./lmbench/index.ts";
import {meters} from "./meters/index.ts";
import {stream} from "./stream/index.ts";
import type {MetricInfo, Suite} from "./suite.ts";

export const SUITES = [
  lmbench,
  iozone,
  linpack,
  fio,
  stream,
  meters
] as const;

export type SuiteName = (typeof SUITES)[number]["name"];

/** Each runnable suite's options by name, as a validated plan holds them. */
export type SuiteOptions = {[S in (typeof SUITES)[number] as S["name"]]?: S extends Suite<infer O, any> ? O : never};

export function suiteNamed(name: string): Suite<any, any> | undefined {
  return (SUITES as readonly Suite<any, any>[]).find((suite) => suite.name === name);
}

/** Suites a plan can run: they have plan options. */
export const RUNNABLE_SUITES: readonly Suite<any, any>[] = SUITES.filter((suite) => (suite as Suite<any, any>).options !== undefined);

/** Whether a metric takes part in its suite's slowdown (suite.ts MetricInfo.overhead); unknown metrics do. */
export function countsTowardSlowdown(metric: string): boolean {
  for (const suite of SUITES) if (metric in suite.metrics) return (suite.metrics[metric] as MetricInfo).overhead !== false;
  return true;
}

/** Unit of a metric any suite declares, for failed samples that carry no unit of their own. */
export function metricUnit(metric: string): string | undefined {
  for (const suite of SUITES) if (metric in suite.metrics) return suite.metrics[metric]!.unit;
  return undefined;
}
