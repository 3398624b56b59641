/**
 * Params: the dimensions of a measurement ({procs: 2, size_kb: 16}). Two params are the same
 * measurement when their canonical JSON is: see src/components/params.js, the one implementation,
 * which the browser loads as well.
 */
import {canonicalParams as canonical} from "../../src/components/params.js";
import type {Params} from "./sample.ts";

/** Params (an object, or JSON text read back from the store) as canonical JSON text. */
export const canonicalParams: (params: Params | string) => string = canonical;
