/**
 * The thread-scaling table of `npm run bench`: the range-parallel summariser (summarizeSource, each worker thread
 * reading its own ranges with pread) against DuckDB (read_csv + the same aggregates) at the same thread counts,
 * pinned with `taskset` to the same cores; our speed-up over our own one-thread run; peak RSS; and gzip with 2
 * threads against `zcat | wc -l`. On more than 2 cores it sweeps 1, 2, 4, 8 (as far as the cores go).
 */

import * as os from "node:os";
import { measureNode, type Context, type Measurement } from "./children";
import type { FileTruth } from "./generate";

/** The issue's targets: DuckDB ÷ ours, our speed-up by thread count, RSS budget, gzip vs zcat. */
const TARGET_VS_DUCKDB = 1.2;
const TARGET_SPEEDUP: Record<number, number> = { 2: 1.85, 4: 3.6, 8: 6.5 };
const RSS_BASE_MIB = 96;
const RSS_PER_THREAD_MIB = 24;
const TARGET_GZIP_VS_ZCAT = 1.0;

export interface ScalingResult {
    lines: string[];
    measurements: Measurement[];
}

const pinFor = (threads: number): string => (threads === 1 ? "0" : `0-${threads - 1}`);
const mark = (ok: boolean): string => (ok ? "PASS" : "**FAIL**");

export function threadCounts(cores: number): number[] {
    return cores > 2 ? [1, 2, 4, 8].filter((t) => t <= cores) : [1, 2];
}

export function scalingSection(ctx: Context, plain: FileTruth, gzPath: string, zcat: Measurement | undefined): ScalingResult {
    const cores = os.availableParallelism();
    const repeat = ctx.args.repeat;
    const rows: string[] = [];
    const checks: string[] = [];
    const measurements: Measurement[] = [];
    let one: Measurement | undefined;
    for (const t of threadCounts(cores)) {
        const pin = t <= cores ? pinFor(t) : false;
        const ours = measureNode(ctx, `summariser ${t} thread(s)`, "1× csv", plain, "measure-summarizer", ["--mode", "ranges", "--file", plain.path, "--threads", String(t)], {
            pin,
            repeat,
        });
        const duck = measureNode(ctx, `DuckDB ${t} thread(s)`, "1× csv", plain, "measure-duckdb", ["--file", plain.path, "--threads", String(t)], { pin, repeat });
        measurements.push(ours, duck);
        if (t === 1) {
            one = ours;
        }
        const okOurs = ours.status === "ok";
        const okDuck = duck.status === "ok";
        const vs = okOurs && okDuck ? duck.wallSec / ours.wallSec : undefined;
        const speedup = okOurs && one?.status === "ok" ? one.wallSec / ours.wallSec : undefined;
        const f = (x: number | undefined, d = 2): string => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(d));
        rows.push(
            `| ${t} | ${okOurs ? f(ours.wallSec) : ours.status} | ${okDuck ? f(duck.wallSec) : duck.status} | ${f(vs)} | ${f(speedup)} | ${f(ours.rssMiB, 0)} | ${f(duck.rssMiB, 0)} |`,
        );
        if (vs !== undefined) {
            checks.push(`| DuckDB ÷ ours at ${t} thread(s) ≥ ${TARGET_VS_DUCKDB} | ${vs.toFixed(2)} | ${mark(vs >= TARGET_VS_DUCKDB)} |`);
        }
        if (speedup !== undefined && TARGET_SPEEDUP[t] !== undefined) {
            checks.push(`| our speed-up at ${t} threads ≥ ${TARGET_SPEEDUP[t]} | ${speedup.toFixed(2)} | ${mark(speedup >= TARGET_SPEEDUP[t])} |`);
        }
        if (ours.rssMiB !== undefined) {
            const budget = RSS_BASE_MIB + RSS_PER_THREAD_MIB * (t - 1);
            checks.push(`| our peak RSS at ${t} thread(s) ≤ ${budget} MiB | ${ours.rssMiB.toFixed(0)} MiB | ${mark(ours.rssMiB <= budget)} |`);
        }
    }
    const gz = measureNode(ctx, "summariser gzip 2 threads", "1× csv.gz", plain, "measure-summarizer", ["--mode", "ranges", "--file", gzPath, "--threads", "2"], {
        pin: cores >= 2 ? pinFor(2) : false,
        repeat,
    });
    measurements.push(gz);
    let gzLine = `- gzip: ours with 2 threads (one inflater, parsing behind it) ${gz.status === "ok" ? `${gz.wallSec.toFixed(2)} s, ${gz.rssMiB?.toFixed(0) ?? "n/a"} MiB` : gz.status}`;
    if (gz.status === "ok" && zcat?.status === "ok") {
        const x = zcat.wallSec / gz.wallSec;
        gzLine += `; \`zcat | wc -l\` ${zcat.wallSec.toFixed(2)} s; zcat ÷ ours ${x.toFixed(2)}`;
        checks.push(`| gzip, 2 threads: \`zcat | wc -l\` ÷ ours ≥ ${TARGET_GZIP_VS_ZCAT} | ${x.toFixed(2)} | ${mark(x >= TARGET_GZIP_VS_ZCAT)} |`);
    }
    const cpu = os.cpus()[0]?.model ?? "unknown CPU";
    const lines = [
        "## Thread scaling (range-parallel summarizeSource vs DuckDB)",
        "",
        `${cores} cores (${cpu}). Each run is pinned with \`taskset -c 0-(threads-1)\`${ctx.tools.taskset ? "" : " — taskset is missing here: NOT pinned"}; best of ${repeat}.`,
        "",
        "| threads | ours s | DuckDB s | DuckDB ÷ ours | our speed-up | our peak MiB | DuckDB MiB |",
        "|--:|--:|--:|--:|--:|--:|--:|",
        ...rows,
        "",
        gzLine,
        "",
        "| Scaling target | Measured | Result |",
        "|---|--:|---|",
        ...checks,
    ];
    return { lines, measurements };
}
