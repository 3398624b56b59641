import {comparePage} from "../../data-loaders/report/compare-page.ts";

process.stdout.write(JSON.stringify(await comparePage()));
