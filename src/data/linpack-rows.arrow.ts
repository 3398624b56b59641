import {cachedReport} from "../../data-loaders/report/cache.ts";
import {pageRowsArrow} from "../../data-loaders/report/page-rows.ts";

process.stdout.write(pageRowsArrow(await cachedReport(), "linpack"));
