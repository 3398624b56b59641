import {VmmbenchError} from "../errors.ts";

/** A database that cannot be opened, read or written as asked (missing, busy, damaged, not vmmbench's). */
export class StoreError extends VmmbenchError {}
