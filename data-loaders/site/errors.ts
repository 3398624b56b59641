import {VmmbenchError} from "../errors.ts";

/** A site build that failed; `log` is Framework's whole output, `refused` the network uses that were blocked. */
export class SiteBuildError extends VmmbenchError {
  constructor(
    message: string,
    readonly log: string,
    readonly refused: string[]
  ) {
    super(message);
  }
}
