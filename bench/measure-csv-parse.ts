/**
 * Child: csv-parse (stream API, records as arrays) + the baseline per-column summary.
 * Usage: node measure-csv-parse.js --file <csv>
 */

import * as fs from "node:fs";
import { parse } from "csv-parse";
import { BaselineSummary } from "./baseline-stats";
import { argValue, runChild, selfMaxRssKiB, type ChildResult } from "./protocol";

async function main(): Promise<ChildResult> {
    const file = argValue("--file");
    const started = performance.now();
    const summary = new BaselineSummary();
    const parser = parse({ delimiter: ",", relax_column_count: true });
    await new Promise<void>((resolve, reject) => {
        parser.on("readable", () => {
            let record: unknown;
            while ((record = parser.read()) !== null) summary.record(record as string[]);
        });
        parser.on("end", resolve);
        parser.on("error", reject);
        const input = fs.createReadStream(file, { highWaterMark: 1 << 20 });
        input.on("error", reject);
        input.pipe(parser);
    });
    const figures = summary.figures();
    const wallSec = (performance.now() - started) / 1000;
    return { ok: true, wallSec, bytes: fs.statSync(file).size, summary: figures, selfMaxRssKiB: selfMaxRssKiB() };
}

runChild(main);
