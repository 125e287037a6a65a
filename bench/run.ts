/**
 * `npm run bench [-- options]`: benchmark of the streaming summariser (app/src/processor/summarize) against baselines
 * measured in the same run on the same generated file. It prints figures, ratios and the spec's targets
 * (PASS/FAIL, informational). It is never a timed test: it exits 0 whatever the figures, 1 only if a measurement
 * crashed.
 *
 * Options:
 *   --rows N     rows of the 1× file (default 5,000,000; 12,000,000 with --scaling, ~1 GB, where a thread's start-up
 *                is small beside its work); without it, the full run's scaling table has a 12,000,000-row file of its own
 *   --no-4x      skip the 4× file and the memory-flatness check
 *   --repeat N   runs of each fast measurement, best wall kept (default 3; the JS parsers and the 4× run once)
 *   --seed N     generator seed (default 20240601)
 *   --keep       keep the temporary directory (generated files, transpiled children)
 *   --write      also write the report to bench/results.md
 *   --baseline DIR  instead of the contenders: the summariser against another copy of its directory (e.g. the
 *                previous commit's, from `git archive` of the whole tree): one core, the two-thread block path, and summarizeSource on
 *                one and two threads, run alternately --repeat times each on the same file; prints medians and the
 *                ratio (the figures to compare a change by)
 *
 *   --scaling    only the thread-scaling table (bench/scaling.ts; also part of the full run); no 4× file
 *
 * `npm run bench -- --pipeline [options]` measures the local pipeline instead (bench/pipeline.ts).
 * `npm run bench -- --s3 [options]` measures the processor against a local S3 server, capped and uncapped (bench/s3.ts).
 *
 * Every measurement runs in its own child process so that its peak RSS is its own (GNU `/usr/bin/time -v` when
 * present, else the child's process.resourceUsage().maxRSS). The children are transpiled to plain JavaScript
 * first (bench/build.ts) so that no TypeScript compiler sits in their memory.
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DISTINCT_CAP } from "./baseline-stats";
import { childNodePath, transpileTree } from "./build";
import { runPipelineBench } from "./pipeline";
import { runS3Bench } from "./s3";
import { scalingSection, type ScalingResult } from "./scaling";
import { COLUMN_NAMES, generateFiles, type FileTruth, type GeneratedWithGzip } from "./generate";
import { errorText } from "./protocol";
import { detectTools, lastResult, measureNode, measureShell, progress, runProcess, tail, unavailable, type Context, type Measurement, type Tools } from "./children";
import { columnDetails, correctness, fmtInt, fmtRate, measurementTable, ok, ratiosAndTargets, type Contenders } from "./report";

const ROOT = path.resolve(__dirname, "..");
const SUMMARIZER_INDEX = path.join(ROOT, "app", "src", "processor", "summarize", "index.ts");

/** The scaling table's default input: 12 M rows (~1 GB), the size its targets were set on. */
const SCALING_ROWS = 12_000_000;

// ---------------------------------------------------------------------------------------------------------------
// Arguments

interface Args {
    rows: number;
    fourX: boolean;
    repeat: number;
    seed: number;
    keep: boolean;
    write: boolean;
    scalingOnly: boolean;
    /** Rows of the scaling table's input: the 1× file's when --rows is given or --scaling, else SCALING_ROWS. */
    scalingRows: number;
    baseline?: string;
}

function parseArgs(argv: readonly string[]): Args {
    const args: Args = { rows: 5_000_000, fourX: true, repeat: 3, seed: 20240601, keep: false, write: false, scalingOnly: false, scalingRows: SCALING_ROWS };
    const int = (name: string, v: string | undefined, min: number): number => {
        const n = Number((v ?? "").replace(/_/g, ""));
        if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} needs an integer ≥ ${min}, got ${String(v)}`);
        return n;
    };
    let rows: number | undefined;
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        switch (a) {
            case "--rows":
                rows = int(a, argv[++i], 1);
                break;
            case "--repeat":
                args.repeat = int(a, argv[++i], 1);
                break;
            case "--seed":
                args.seed = int(a, argv[++i], 0);
                break;
            case "--no-4x":
                args.fourX = false;
                break;
            case "--keep":
                args.keep = true;
                break;
            case "--write":
                args.write = true;
                break;
            case "--scaling":
                args.scalingOnly = true;
                break;
            case "--baseline": {
                const dir = path.resolve(argv[++i] ?? "");
                if (!fs.existsSync(path.join(dir, "index.ts"))) throw new Error(`--baseline needs a summarize directory (with index.ts), got ${dir}`);
                args.baseline = dir;
                break;
            }
            case "--help":
            case "-h":
                process.stdout.write(
                    "npm run bench -- [--rows N] [--no-4x] [--repeat N] [--seed N] [--keep] [--write] [--scaling] [--baseline DIR]\n" +
                        "npm run bench -- --s3 [--mb N] [--cap-mbps N] [--parallelism N]\n" +
                        "npm run bench -- --pipeline [--files N] [--baseline-files N] [--concurrency N] [--runner pool|process] [--command \"CMD ARG…\"]\n",
                );
                process.exit(0);
                break;
            default:
                throw new Error(`unknown option ${String(a)} (try --help)`);
        }
    }
    args.rows = rows ?? (args.scalingOnly ? SCALING_ROWS : args.rows);
    args.scalingRows = rows ?? SCALING_ROWS;
    args.fourX &&= !args.scalingOnly;
    return args;
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function main(): Promise<number> {
    if (process.argv.includes("--pipeline")) {
        return runPipelineBench(process.argv.slice(2).filter((a) => a !== "--pipeline"));
    }
    if (process.argv.includes("--s3")) {
        return runS3Bench(process.argv.slice(2).filter((a) => a !== "--s3"));
    }
    const args = parseArgs(process.argv.slice(2));
    const tools = detectTools();
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "summarize-bench-"));
    const cleanup = (): void => {
        if (args.keep) progress(`kept ${tmp}`);
        else fs.rmSync(tmp, { recursive: true, force: true });
    };
    const onSignal = (): void => {
        cleanup();
        process.exit(130);
    };
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
        return await bench(args, tools, tmp);
    } finally {
        cleanup();
        process.removeListener("SIGINT", onSignal);
        process.removeListener("SIGTERM", onSignal);
    }
}

/** Median of the values. */
function median(xs: readonly number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/**
 * `--baseline DIR`: this summariser against the one in DIR on the same file, one core (pinned), the two-thread block
 * path, and the range path (summarizeSource) on one core and on two, the two trees run alternately (the order
 * swapped every round) so that other load on the machine hits both alike.
 */
async function compareWithBaseline(args: Args, tools: Tools, tmp: string): Promise<number> {
    const baseline = args.baseline!;
    const child = path.join(__dirname, "measure-summarizer.ts");
    // The entry points of each tree: its index, and the scripts its worker threads start on.
    const entries = (dir: string): string[] => ["index.ts", "worker.ts", "ranges.ts", "range-worker.ts"].map((f) => path.join(dir, f));
    const outputs = transpileTree(ROOT, [child, ...entries(path.dirname(SUMMARIZER_INDEX))], path.join(tmp, "build"));
    const script = outputs.get(child)!;
    // The baseline's repository: the nearest folder above DIR with a package.json (what it imports stays inside).
    let baseRoot = path.dirname(baseline);
    while (!fs.existsSync(path.join(baseRoot, "package.json")) && path.dirname(baseRoot) !== baseRoot) {
        baseRoot = path.dirname(baseRoot);
    }
    const baseOut = transpileTree(baseRoot, entries(baseline), path.join(tmp, "baseline"));
    const baseModule = path.dirname(baseOut.get(path.join(baseline, "index.ts"))!);
    const nodeEnv = { ...process.env, NODE_PATH: childNodePath(ROOT) };
    progress(`generating ${fmtInt(args.rows)} rows in ${tmp}`);
    const gen = await generateFiles({ rows: args.rows, seed: args.seed, plainPath: path.join(tmp, "data.csv"), gzipPath: path.join(tmp, "data.csv.gz") });
    const file = gen.plain.path;
    runProcess(tools, tmp, catCmd(file), false);
    const trees = [
        { name: "this tree", extra: [] as string[] },
        { name: `baseline ${baseline}`, extra: ["--module", baseModule] },
    ];
    const modes = [
        { name: "1 core (createSummarizer, pinned)", mode: "plain", pin: true, extra: [] as string[] },
        { name: "2 threads (summarizeStream)", mode: "stream", pin: false, extra: [] as string[] },
        { name: "1 thread (summarizeSource, pinned)", mode: "ranges", pin: true, extra: ["--threads", "1"] },
        { name: "2 threads (summarizeSource, ranges)", mode: "ranges", pin: false, extra: ["--threads", "2"] },
    ];
    const walls = modes.map(() => trees.map(() => [] as number[]));
    const rows = modes.map(() => trees.map(() => -1));
    for (let round = 0; round < args.repeat; round++) {
        for (let m = 0; m < modes.length; m++) {
            const order = round % 2 === 0 ? [0, 1] : [1, 0];
            for (const t of order) {
                const cmd = [process.execPath, script, "--mode", modes[m]!.mode, "--file", file, ...modes[m]!.extra, ...trees[t]!.extra];
                const run = runProcess(tools, tmp, cmd, modes[m]!.pin, nodeEnv);
                const result = lastResult(run.stdout);
                if (result === undefined || !result.ok) {
                    progress(`${trees[t]!.name}, ${modes[m]!.name}: failed: ${result !== undefined && !result.ok ? result.error : tail(run.stderr)}`);
                    return 1;
                }
                walls[m]![t]!.push(result.wallSec);
                rows[m]![t] = result.summary.rows;
                progress(`round ${round + 1}/${args.repeat}, ${modes[m]!.name}, ${trees[t]!.name}: ${result.wallSec.toFixed(3)} s`);
            }
        }
    }
    const out = [
        "# Summariser against a baseline tree",
        "",
        `\`npm run bench -- ${process.argv.slice(2).join(" ")}\` — ${new Date().toISOString()}, Node ${process.version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? "CPU"}, 1-min load ${(os.loadavg()[0] ?? 0).toFixed(2)}`,
        "",
        `Input: ${fmtInt(gen.plain.rows)} rows, ${(gen.plain.bytes / 1e6).toFixed(1)} MB (seed ${args.seed}); ${args.repeat} alternating runs of each, medians.`,
        "",
        "| mode | this tree rows/s | baseline rows/s | ratio | rows (this / baseline) |",
        "|---|--:|--:|--:|---|",
    ];
    modes.forEach((mode, m) => {
        const [mine, base] = [median(walls[m]![0]!), median(walls[m]![1]!)];
        out.push(
            `| ${mode.name} | ${fmtRate(gen.plain.rows / mine)} | ${fmtRate(gen.plain.rows / base)} | ${(base / mine).toFixed(3)} | ${fmtInt(rows[m]![0]!)} / ${fmtInt(rows[m]![1]!)} |`,
        );
    });
    out.push("", "Ratio: this tree's rows/s ÷ the baseline's (> 1: faster). Every wall (s):", "");
    modes.forEach((mode, m) => {
        trees.forEach((tree, t) => out.push(`- ${mode.name}, ${tree.name}: ${walls[m]![t]!.map((w) => w.toFixed(3)).join(", ")}`));
    });
    process.stdout.write(out.join("\n") + "\n");
    return 0;
}

/** `cat FILE > /dev/null` (the I/O floor; also warms the page cache) and `zcat FILE | wc -l` (the gzip floor). */
const catCmd = (f: string): string[] => ["sh", "-c", 'cat "$1" > /dev/null', "sh", f];
const zcatCmd = (f: string): string[] => ["sh", "-c", 'zcat "$1" | wc -l', "sh", f];

/**
 * The thread-scaling table (bench/scaling.ts) on the file its targets were set on: the 1× file when it has
 * args.scalingRows rows (`--scaling`, or `--rows` given), else a file of that many rows generated for it, with the
 * same seed. A second thread's fixed cost (a worker's start, its code compiled again) is a larger share of a smaller
 * file's work, so the table is only comparable with the targets on their file.
 */
async function scalingTable(args: Args, ctx: Context, gen: GeneratedWithGzip): Promise<ScalingResult> {
    let input = gen;
    if (gen.plain.rows !== args.scalingRows) {
        progress(`generating ${fmtInt(args.scalingRows)} rows for the scaling table`);
        input = await generateFiles({
            rows: args.scalingRows,
            seed: args.seed,
            plainPath: path.join(ctx.tmp, "scaling.csv"),
            gzipPath: path.join(ctx.tmp, "scaling.csv.gz"),
        });
        for (const f of [input.plain.path, input.gzip.path]) runProcess(ctx.tools, ctx.tmp, catCmd(f), false);
    }
    const table = scalingSection(ctx, input.plain, input.gzip.path, zcatCmd(input.gzip.path));
    const what = input === gen ? "the 1× file" : "a file generated for this table (the size its targets were set on)";
    table.lines.splice(
        2,
        0,
        `Input: ${fmtInt(input.plain.rows)} rows, ${(input.plain.bytes / 1e6).toFixed(1)} MB (gzip ${(input.gzip.bytes / 1e6).toFixed(1)} MB), ${what}.`,
        "",
    );
    if (input !== gen) {
        for (const f of [input.plain.path, input.gzip.path]) fs.rmSync(f, { force: true });
    }
    return table;
}

async function bench(args: Args, tools: Tools, tmp: string): Promise<number> {
    if (args.baseline !== undefined) {
        return compareWithBaseline(args, tools, tmp);
    }
    const startedAt = new Date();
    const t0 = performance.now();
    const loadBefore = os.loadavg()[0] ?? 0;

    // Children, transpiled to plain JS.
    const summarizerExists = fs.existsSync(SUMMARIZER_INDEX);
    const childNames = ["measure-summarizer", "measure-papaparse", "measure-csv-parse", "measure-duckdb"];
    const entries = childNames.map((n) => path.join(__dirname, `${n}.ts`));
    if (summarizerExists) {
        entries.push(SUMMARIZER_INDEX);
        // Started by path (new Worker), not imported: transpile it (and what it imports) too.
        for (const f of ["worker.ts", "range-worker.ts", "ranges.ts"]) {
            const file = path.join(path.dirname(SUMMARIZER_INDEX), f);
            if (fs.existsSync(file)) entries.push(file);
        }
    }
    const outputs = transpileTree(ROOT, entries, path.join(tmp, "build"));
    const children = new Map<string, string>();
    childNames.forEach((n, i) => children.set(n, outputs.get(entries[i]!)!));
    const ctx: Context = {
        args,
        tools,
        tmp,
        children,
        nodeEnv: { ...process.env, NODE_PATH: childNodePath(ROOT) },
    };

    // Input.
    progress(`generating ${fmtInt(args.rows)} rows${args.fourX ? ` (+ a ${fmtInt(args.rows * 4)}-row 4× file)` : ""} in ${tmp}`);
    const gen = await generateFiles({
        rows: args.rows,
        seed: args.seed,
        plainPath: path.join(tmp, "data.csv"),
        gzipPath: path.join(tmp, "data.csv.gz"),
        fourXPath: args.fourX ? path.join(tmp, "data-4x.csv") : undefined,
    });
    const plain = gen.plain;
    const gz = gen.gzip.path;
    progress(
        `generated in ${gen.seconds.toFixed(1)} s: ${(plain.bytes / 1e6).toFixed(1)} MB, gzip ${(gen.gzip.bytes / 1e6).toFixed(1)} MB` +
            (gen.fourX ? `, 4× ${(gen.fourX.bytes / 1e6).toFixed(1)} MB` : ""),
    );
    // Warm the page cache so that every contender reads from memory.
    for (const f of [plain.path, gz]) runProcess(tools, tmp, catCmd(f), false);

    const rep = args.repeat;
    const csvIn = "1× csv";
    const gzIn = "1× csv.gz";
    const scaling = summarizerExists ? await scalingTable(args, ctx, gen) : { lines: [], measurements: [] };
    const cpuModel = os.cpus()[0]?.model ?? "unknown CPU";
    if (args.scalingOnly) {
        const report = [
            "# Summariser thread scaling",
            "",
            `\`npm run bench -- ${process.argv.slice(2).join(" ")}\` — ${startedAt.toISOString()}, Node ${process.version}, ${os.availableParallelism()} × ${cpuModel}; ` +
                `input ${fmtInt(plain.rows)} rows, ${(plain.bytes / 1e6).toFixed(1)} MB (gzip ${(gen.gzip.bytes / 1e6).toFixed(1)} MB); ` +
                `1-min load average ${loadBefore.toFixed(2)} before, ${(os.loadavg()[0] ?? 0).toFixed(2)} after`,
            "",
            ...scaling.lines,
            "",
        ].join("\n");
        process.stdout.write(report);
        return scaling.measurements.some((m) => m.status === "crashed") ? 1 : 0;
    }
    const catPlain = measureShell(ctx, "`cat > /dev/null` (I/O floor)", csvIn, plain, catCmd(plain.path), undefined, rep);
    const wcPlain = measureShell(ctx, "`wc -l`", csvIn, plain, ["wc", "-l", plain.path], plain.lines, rep);
    const zcat = measureShell(ctx, "`zcat | wc -l` (gzip floor)", gzIn, plain, zcatCmd(gz), plain.lines, rep);

    const summarizer = (label: string, input: string, truth: FileTruth, mode: string, file: string, pin: boolean, repeat: number): Measurement =>
        summarizerExists
            ? measureNode(ctx, label, input, truth, "measure-summarizer", ["--mode", mode, "--file", file], { pin, repeat })
            : unavailable(label, input, truth, `${path.relative(ROOT, SUMMARIZER_INDEX)} does not exist (yet)`);
    const plainLabel = "summariser, 1 core (createSummarizer, 1 MiB reads)";
    const sumPlain = summarizer(plainLabel, csvIn, plain, "plain", plain.path, true, rep);
    const sumGzip = summarizer("summariser (summarizeStream on gzip)", gzIn, plain, "gzip", gz, false, rep);
    if (ok(sumGzip)) {
        sumGzip.notes.push(`unpinned (gunzip may use the 2nd core); ${(gen.gzip.bytes / 1e6).toFixed(1)} MB compressed`);
    }
    const sumStream = summarizer("summariser, 2 cores (summarizeStream, 1 MiB reads)", csvIn, plain, "stream", plain.path, false, rep);
    if (ok(sumStream)) {
        sumStream.notes.push("unpinned: the calling thread + 1 worker thread");
    }

    const once = { pin: false, repeat: 1 };
    const papaLabel = "papaparse 5 (stream, chunk) + JS summary";
    const papaparse = measureNode(ctx, papaLabel, csvIn, plain, "measure-papaparse", ["--file", plain.path], once);
    const csvLabel = "csv-parse (stream) + JS summary";
    const csvParse = measureNode(ctx, csvLabel, csvIn, plain, "measure-csv-parse", ["--file", plain.path], once);
    const threads = String(Math.max(1, os.cpus().length));
    const duckArgs = ["--file", plain.path, "--threads", threads];
    const duckdb = measureNode(ctx, "DuckDB read_csv + aggregates", csvIn, plain, "measure-duckdb", duckArgs, { pin: false, repeat: rep });

    let sumFourX: Measurement | undefined;
    let sumFourXStream: Measurement | undefined;
    if (gen.fourX !== undefined) {
        runProcess(tools, tmp, catCmd(gen.fourX.path), false);
        sumFourX = summarizer(plainLabel, "4× csv", gen.fourX, "plain", gen.fourX.path, true, 1);
        sumFourXStream = summarizer("summariser, 2 cores (summarizeStream, 1 MiB reads)", "4× csv", gen.fourX, "stream", gen.fourX.path, false, 1);
    }

    const c: Contenders = { catPlain, wcPlain, zcat, sumPlain, sumGzip, sumStream, papaparse, csvParse, duckdb, sumFourX, sumFourXStream };
    const all = [catPlain, wcPlain, zcat, sumPlain, sumStream, sumGzip, papaparse, csvParse, duckdb, ...(sumFourX ? [sumFourX] : []), ...(sumFourXStream ? [sumFourXStream] : [])];
    const { ratios, checks } = ratiosAndTargets(c, args);
    const corr = correctness(c, gen);

    const cmd = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
    const cpu = cpuModel;
    const out: string[] = [
        "# Summariser benchmark",
        "",
        `\`${cmd}\` — ${startedAt.toISOString()}, Node ${process.version}, ${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM` +
            ` (total run ${((performance.now() - t0) / 1000).toFixed(0)} s; 1-min load average ${loadBefore.toFixed(2)} before, ` +
            `${(os.loadavg()[0] ?? 0).toFixed(2)} after — other work on the machine skews the figures)`,
        "",
        `Input: ${fmtInt(plain.rows)} rows × ${COLUMN_NAMES.length} columns (seed ${args.seed}; ${COLUMN_NAMES.join(", ")}; ` +
            `quoted fields with commas, doubled quotes and embedded newlines, empty fields, some UTF-8): ` +
            `1× ${(plain.bytes / 1e6).toFixed(1)} MB, gzip (level 6) ${(gen.gzip.bytes / 1e6).toFixed(1)} MB` +
            (gen.fourX ? `, 4× ${fmtInt(gen.fourX.rows)} rows ${(gen.fourX.bytes / 1e6).toFixed(1)} MB` : ", no 4× file (--no-4x)") +
            `; generated in ${gen.seconds.toFixed(1)} s.`,
        "",
        ...measurementTable(all),
        "",
        "- Rows/s = data rows of the file ÷ wall (also for `cat`/`wc`/`zcat`, whose line counts include the embedded newlines); " +
            "MB/s = 10^6 bytes of decompressed CSV ÷ wall. All runs read from the page cache (files warmed first).",
        "- Wall: Node children time their own work (process start and module loading excluded); shell commands are timed whole. " +
            "CPU s = user + system of the whole child process.",
        `- Peak RSS: ${tools.time ? "`/usr/bin/time -v` maximum resident set size of the child (largest process of a pipeline)" : "the child's process.resourceUsage().maxRSS (no /usr/bin/time: n/a for shell commands)"}. ` +
            "Children are transpiled to plain JS beforehand, so no TypeScript compiler is in their memory.",
        `- ${tools.taskset ? "The plain summariser runs pinned to one core (`taskset -c 0`)" : "taskset is missing: the plain summariser is NOT pinned"}; ` +
            `DuckDB uses ${threads} threads; the JS parsers are single-threaded (unpinned). The JS parsers run once over the full 1× file, so does the 4× summariser.`,
        `- JS baselines (papaparse, csv-parse) compute the same per-column summary: rows, non-empty/empty, type inference, numeric min/max/mean, timestamp min/max, ` +
            `and an exact distinct count with a Set capped at ${fmtInt(DISTINCT_CAP)} values per column (a lower bound past the cap). ` +
            "DuckDB: count(*), count, min, max, avg (numeric), approx_count_distinct per column, types from its sniffer.",
        "",
        "## Ratios",
        "",
        ...ratios,
        "",
        ...scaling.lines,
        "",
        "## Targets (informational)",
        "",
        "| Target | Measured | Result |",
        "|---|--:|---|",
        ...checks.map((k) => `| ${k.name} | ${k.measured} | ${k.result === "PASS" ? "PASS" : k.result === "FAIL" ? "**FAIL**" : "N/A"} |`),
        "",
        "## Correctness (row count and non-empty count per column must agree)",
        "",
        ...corr.lines,
        "",
        corr.mismatches.length === 0
            ? "All sources agree with the generator."
            : ["**!!! CORRECTNESS MISMATCH !!!**", "", ...corr.mismatches.map((s) => `- ${s}`)].join("\n"),
        "",
        "## Column details",
        "",
        ...columnDetails(c),
        "",
    ];
    const report = out.join("\n");
    process.stdout.write(report);
    if (corr.mismatches.length > 0) {
        process.stderr.write(`\n!!!!!!!! CORRECTNESS MISMATCH !!!!!!!!\n${corr.mismatches.join("\n")}\n\n`);
    }
    if (args.write) {
        const target = path.join(__dirname, "results.md");
        fs.writeFileSync(target, report);
        progress(`wrote ${path.relative(ROOT, target)}`);
    }
    const crashed = [...all, ...scaling.measurements].filter((m) => m.status === "crashed");
    if (crashed.length > 0) {
        process.stderr.write(`[bench] crashed: ${crashed.map((m) => `${m.label} (${m.input})`).join(", ")}\n`);
        return 1;
    }
    return 0;
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (err: unknown) => {
        process.stderr.write(`[bench] failed: ${err instanceof Error ? (err.stack ?? errorText(err)) : String(err)}\n`);
        process.exitCode = 1;
    },
);
