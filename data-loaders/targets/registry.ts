/**
 * Every kind of target a plan can name, one line each. Adding a VMM is its file plus a line here.
 */
import {ansibleKind} from "./ansible.ts";
import {labKind} from "./lab.ts";
import {localKind} from "./local.ts";
import {microvmKind} from "./microvm.ts";
import {qemuKind} from "./qemu.ts";
import {sshKind} from "./ssh.ts";
import type {MeterMode, TargetKind} from "./target.ts";

export type {MeterMode} from "./target.ts";
import {xenKind} from "./xen.ts";

export const TARGETS = [
  localKind,
  qemuKind,
  sshKind,
  xenKind,
  labKind,
  microvmKind,
  ansibleKind
] as const;

type Kinds = (typeof TARGETS)[number];

/** What every environment of a plan has, whatever its target. */
export interface EnvironmentCommon {
  label: string;
  /** Why the plan chose this environment (a preset's reason, a user's remark): kept in its fingerprint. */
  note?: string;
  /** Meters around each timed repetition (`rep`), each cell's repetitions, or none; the plan's when absent (docs/meters.md). */
  meters?: MeterMode;
}

/** A plan's environment: its target's name and validated keys. */
export type EnvironmentOf<K extends Kinds> = K extends TargetKind<infer Spec> ? {target: K["name"]} & EnvironmentCommon & Spec : never;

export type AnyEnvironment = EnvironmentOf<Kinds>;

export function targetKind(name: string): TargetKind<any> | undefined {
  return (TARGETS as readonly TargetKind<any>[]).find((kind) => kind.name === name);
}
