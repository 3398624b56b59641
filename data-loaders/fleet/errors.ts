import {VmmbenchError} from "../errors.ts";

/** One host of a fleet could not do its part (unreachable, setup failed): that host fails, the others go on. */
export class FleetHostError extends VmmbenchError {
  constructor(readonly host: string, readonly why: string) {
    super(`host ${host} ${why}`);
  }
}
