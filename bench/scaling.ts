/**
 * The thread-scaling table of `npm run bench`: the range-parallel summariser (summarizeSource, each worker thread
 * reading its own ranges with pread) against DuckDB (read_csv + the same aggregates) at the same thread counts,
 * pinned with `taskset` to the same cores; our speed-up over our own one-thread run; peak RSS; and gzip with 2
 * threads against `zcat | wc -l`. On more than 2 cores it sweeps 1, 2, 4, 8 (as far as the cores go).
 */

import * as os from "node:os";
import { measureNode, measureShell, medianOf, type Context, type Measurement } from "./children";
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

/** One thing the section measures: run `repeat` times, a run of each per round, so that a change of load meets all. */
interface Contender {
    run(): Measurement;
    runs: Measurement[];
}

export function scalingSection(ctx: Context, plain: FileTruth, gzPath: string, zcatCmd: readonly string[]): ScalingResult {
    const cores = os.availableParallelism();
    const repeat = ctx.args.repeat;
    const counts = threadCounts(cores);
    const contender = (run: () => Measurement): Contender => ({ run, runs: [] });
    const ours = counts.map((t) =>
        contender(() =>
            measureNode(ctx, `summariser ${t} thread(s)`, "1× csv", plain, "measure-summarizer", ["--mode", "ranges", "--file", plain.path, "--threads", String(t)], {
                pin: pinFor(t),
                repeat: 1,
            }),
        ),
    );
    const duck = counts.map((t) =>
        contender(() => measureNode(ctx, `DuckDB ${t} thread(s)`, "1× csv", plain, "measure-duckdb", ["--file", plain.path, "--threads", String(t)], { pin: pinFor(t), repeat: 1 })),
    );
    const gzThreads = Math.min(2, cores);
    const gzip = contender(() =>
        measureNode(ctx, `summariser gzip ${gzThreads} threads`, "1× csv.gz", plain, "measure-summarizer", ["--mode", "ranges", "--file", gzPath, "--threads", String(gzThreads)], {
            pin: pinFor(gzThreads),
            repeat: 1,
        }),
    );
    const zcat = contender(() => measureShell(ctx, "`zcat | wc -l` (gzip floor)", "1× csv.gz", plain, zcatCmd, plain.lines, 1));
    const all = [...counts.flatMap((_, i) => [ours[i]!, duck[i]!]), gzip, zcat];
    for (let round = 0; round < repeat; round++) {
        for (const c of all) {
            if (c.runs.every((m) => m.status === "ok")) c.runs.push(c.run());
        }
    }
    const measurements = all.map((c) => medianOf(c.runs));
    const med = (c: Contender): Measurement => measurements[all.indexOf(c)]!;

    const f = (x: number | undefined, d = 2): string => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(d));
    /** CPU seconds and the cores the run had on average (its CPU over its whole process's wall time). */
    const cpu = (m: Measurement): string => (m.cpuSec === undefined || m.outerWallSec === undefined ? "n/a" : `${f(m.cpuSec)} / ${f(m.cpuSec / m.outerWallSec, 1)}`);
    const others = (m: Measurement): string =>
        m.machineBusyCores === undefined || m.cpuSec === undefined || m.outerWallSec === undefined ? "n/a" : f(Math.max(0, m.machineBusyCores - m.cpuSec / m.outerWallSec), 1);
    const rows: string[] = [];
    const checks: string[] = [];
    const one = med(ours[0]!);
    counts.forEach((t, i) => {
        const o = med(ours[i]!);
        const d = med(duck[i]!);
        const okOurs = o.status === "ok";
        const okDuck = d.status === "ok";
        const vs = okOurs && okDuck ? d.wallSec / o.wallSec : undefined;
        const speedup = okOurs && one.status === "ok" ? one.wallSec / o.wallSec : undefined;
        rows.push(
            `| ${t} | ${okOurs ? f(o.wallSec) : o.status} | ${okDuck ? f(d.wallSec) : d.status} | ${f(vs)} | ${f(speedup)} | ${cpu(o)} | ${cpu(d)} | ${others(o)} | ${f(o.rssMiB, 0)} | ${f(d.rssMiB, 0)} |`,
        );
        if (vs !== undefined) {
            checks.push(`| DuckDB ÷ ours at ${t} thread(s) ≥ ${TARGET_VS_DUCKDB} | ${vs.toFixed(2)} | ${mark(vs >= TARGET_VS_DUCKDB)} |`);
        }
        if (speedup !== undefined && TARGET_SPEEDUP[t] !== undefined) {
            checks.push(`| our speed-up at ${t} threads ≥ ${TARGET_SPEEDUP[t]} | ${speedup.toFixed(2)} | ${mark(speedup >= TARGET_SPEEDUP[t])} |`);
        }
        if (o.rssMiB !== undefined) {
            const budget = RSS_BASE_MIB + RSS_PER_THREAD_MIB * (t - 1);
            checks.push(`| our peak RSS at ${t} thread(s) ≤ ${budget} MiB | ${o.rssMiB.toFixed(0)} MiB | ${mark(o.rssMiB <= budget)} |`);
        }
    });
    const gz = med(gzip);
    const zc = med(zcat);
    let gzLine = `- gzip: ours with ${gzThreads} threads (one inflater, parsing behind it) ${gz.status === "ok" ? `${gz.wallSec.toFixed(2)} s (CPU s / cores: ${cpu(gz)}), ${gz.rssMiB?.toFixed(0) ?? "n/a"} MiB` : gz.status}`;
    if (gz.status === "ok" && zc.status === "ok") {
        const x = zc.wallSec / gz.wallSec;
        gzLine += `; \`zcat | wc -l\` ${zc.wallSec.toFixed(2)} s (CPU s / cores: ${cpu(zc)}); zcat ÷ ours ${x.toFixed(2)}`;
        checks.push(`| gzip, ${gzThreads} threads: \`zcat | wc -l\` ÷ ours ≥ ${TARGET_GZIP_VS_ZCAT} | ${x.toFixed(2)} | ${mark(x >= TARGET_GZIP_VS_ZCAT)} |`);
    }
    const model = os.cpus()[0]?.model ?? "unknown CPU";
    const lines = [
        "## Thread scaling (range-parallel summarizeSource vs DuckDB)",
        "",
        `${cores} cores (${model}). Each run is pinned with \`taskset -c 0-(threads-1)\`${ctx.tools.taskset ? "" : " — taskset is missing here: NOT pinned"}; ` +
            `median of ${repeat} rounds (each round runs every contender once, in turn). "CPU s / cores": the process's CPU seconds and the cores ` +
            `it had on average (CPU ÷ its wall time); a run whose threads did not each get a core cannot show a speed-up. ` +
            `"other load": cores busy with other processes during our run (from /proc/stat).`,
        "",
        "| threads | ours s | DuckDB s | DuckDB ÷ ours | our speed-up | ours CPU s / cores | DuckDB CPU s / cores | other load | our peak MiB | DuckDB MiB |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
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
