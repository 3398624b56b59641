import {loadSummary} from "../../data-loaders/report/summary.ts";

process.stdout.write(JSON.stringify(await loadSummary()));
