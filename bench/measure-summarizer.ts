/**
 * Child: the summariser under test (app/src/processor/summarize).
 *   --mode plain: 1 MiB synchronous reads of the decompressed file, each into a fresh buffer, → createSummarizer().write
 *   --mode gzip:  summarizeStream(fs.createReadStream(file.gz)) (the summariser does the gunzip)
 *   --mode stream: summarizeStream(fs.createReadStream(file), 1 MiB reads) with parallelism 2: the calling thread and
 *                  a worker thread summarise blocks of whole records
 *   --mode ranges: summarizeSource on the file with --threads worker threads, each reading (pread) and summarising
 *                  its own byte ranges (gzip: one stream, parsed by --threads threads behind one inflater)
 * Usage: node measure-summarizer.js --mode plain|gzip|stream|ranges --file <path> [--threads N] [--module <dir>]
 * The module is loaded at run time so that the benchmark still type-checks and runs while it does not exist;
 * --module loads another copy of it (a baseline tree, see `npm run bench -- --baseline`).
 */

import * as fs from "node:fs";
import * as path from "node:path";
import type { FileSummary, SummaryOptions } from "../app/src/processor/summarize/types";
import { argValue, errorText, runChild, selfMaxRssKiB, type ChildResult, type SummaryFigures } from "./protocol";

/** The API the summariser promises (app/src/processor/summarize/index.ts). */
interface Summarizer {
    write(chunk: Buffer): void;
    end(): FileSummary;
}
interface SummarizeModule {
    createSummarizer(options?: SummaryOptions): Summarizer;
    summarizeStream(source: AsyncIterable<Buffer>, options?: SummaryOptions, signal?: AbortSignal): Promise<FileSummary>;
}

const SUMMARIZER_DIR = path.join(__dirname, "..", "app", "src", "processor", "summarize");
const CHUNK = 1 << 20;

function figures(s: FileSummary): SummaryFigures {
    return {
        rows: s.rows,
        columns: s.columns.map((c) => ({
            name: c.name,
            nonEmpty: c.nonEmpty,
            empty: c.empty,
            type: c.type,
            min: c.min,
            max: c.max,
            mean: c.mean,
            distinct: c.distinctApprox,
        })),
    };
}

function summarizePlain(mod: SummarizeModule, file: string): FileSummary {
    const s = mod.createSummarizer();
    const fd = fs.openSync(file, "r");
    try {
        for (;;) {
            // A fresh buffer per read: the summariser may keep a reference to a chunk (e.g. a partial row).
            const buf = Buffer.allocUnsafeSlow(CHUNK);
            const n = fs.readSync(fd, buf, 0, CHUNK, null);
            if (n === 0) break;
            s.write(n === CHUNK ? buf : buf.subarray(0, n));
        }
    } finally {
        fs.closeSync(fd);
    }
    return s.end();
}

async function main(): Promise<ChildResult> {
    const mode = argValue("--mode");
    const file = argValue("--file");
    let mod: SummarizeModule;
    try {
        mod = require(process.argv.includes("--module") ? argValue("--module") : SUMMARIZER_DIR) as SummarizeModule;
        if (typeof mod.createSummarizer !== "function" || typeof mod.summarizeStream !== "function") {
            throw new Error("index does not export createSummarizer and summarizeStream");
        }
    } catch (err) {
        return { ok: false, unavailable: true, error: `cannot load the summariser: ${errorText(err)}` };
    }
    const started = performance.now();
    let summary: FileSummary;
    if (mode === "plain") {
        summary = summarizePlain(mod, file);
    } else if (mode === "stream") {
        summary = await mod.summarizeStream(fs.createReadStream(file, { highWaterMark: CHUNK }), { parallelism: 2 });
    } else if (mode === "ranges") {
        const threads = Number(argValue("--threads"));
        const dir = process.argv.includes("--module") ? argValue("--module") : SUMMARIZER_DIR;
        const ranges = require(path.join(dir, "ranges")) as { summarizeSource(source: { kind: "file"; path: string }, options?: SummaryOptions): Promise<FileSummary> };
        summary = await ranges.summarizeSource({ kind: "file", path: file }, { parallelism: threads });
    } else if (mode === "gzip") {
        summary = await mod.summarizeStream(fs.createReadStream(file, { highWaterMark: CHUNK }));
    } else {
        throw new Error(`unknown --mode ${mode}`);
    }
    const wallSec = (performance.now() - started) / 1000;
    const bad = summary.badRows.count;
    return {
        ok: true,
        wallSec,
        bytes: summary.bytes,
        summary: figures(summary),
        selfMaxRssKiB: selfMaxRssKiB(),
        note:
            `${summary.format}, compression ${summary.compression}, header ${summary.header}` +
            (bad > 0 ? `, ${bad} bad rows (first: ${JSON.stringify(summary.badRows.first.slice(0, 3))})` : ""),
    };
}

runChild(main);
