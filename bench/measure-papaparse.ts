/**
 * Child: papaparse (streaming, `chunk` callback: its fastest streaming mode) + the baseline per-column summary.
 * Usage: node measure-papaparse.js --file <csv>
 */

import * as fs from "node:fs";
import * as Papa from "papaparse";
import { BaselineSummary } from "./baseline-stats";
import { argValue, runChild, selfMaxRssKiB, type ChildResult } from "./protocol";

async function main(): Promise<ChildResult> {
    const file = argValue("--file");
    const started = performance.now();
    const summary = new BaselineSummary();
    let parseErrors = 0;
    // Decoding in the stream (not in papaparse, which calls chunk.toString()) keeps UTF-8 split across chunks intact.
    const input = fs.createReadStream(file, { highWaterMark: 1 << 20, encoding: "utf8" });
    await new Promise<void>((resolve, reject) => {
        Papa.parse<string[], fs.ReadStream>(input, {
            delimiter: ",",
            newline: "\n",
            header: false,
            skipEmptyLines: true,
            chunk(results) {
                parseErrors += results.errors.length;
                const data = results.data;
                for (let i = 0; i < data.length; i++) summary.record(data[i]!);
            },
            complete() {
                resolve();
            },
            error(err) {
                reject(err);
            },
        });
    });
    const figures = summary.figures();
    const wallSec = (performance.now() - started) / 1000;
    return {
        ok: true,
        wallSec,
        bytes: fs.statSync(file).size,
        summary: figures,
        selfMaxRssKiB: selfMaxRssKiB(),
        note: parseErrors > 0 ? `${parseErrors} parse errors` : undefined,
    };
}

runChild(main);
