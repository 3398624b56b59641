import {loadEnvironments} from "../../data-loaders/report/environments.ts";

process.stdout.write(JSON.stringify(await loadEnvironments()));
