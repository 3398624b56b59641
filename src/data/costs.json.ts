import {cachedReport} from "../../data-loaders/report/cache.ts";
import {pageData} from "../../data-loaders/report/pages.ts";

process.stdout.write(JSON.stringify(pageData(await cachedReport(), "costs")));
