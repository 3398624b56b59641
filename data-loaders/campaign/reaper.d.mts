/** Types of reaper.mjs (plain JavaScript so that its watcher starts without tsx). */

/** A process as a campaign recorded it: provably the same only on the same boot with the same start time. */
export interface ProcessRecord {
  pid: number;
  /** Field 22 of /proc/PID/stat when recorded; undefined when the process had already ended. */
  start?: string;
  boot: string;
}

/** A line of a campaign's `children`: a process it started, or files it claimed (no pid). */
export interface ChildRecord extends Partial<ProcessRecord> {
  group?: boolean;
  label: string;
  files?: string[];
}

export function processStart(pid: number): string | undefined;
export function bootId(): string;
export function alive(record: ProcessRecord): boolean;
export function children(dir: string): ChildRecord[];
export function reap(dir: string): {processes: number; files: number};
