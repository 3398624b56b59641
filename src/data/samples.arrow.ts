import {samplesArrow} from "../../data-loaders/report/samples-arrow.ts";

process.stdout.write(await samplesArrow());
