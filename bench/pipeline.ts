/**
 * `npm run bench -- --pipeline [options]`: the local pipeline's throughput — small files from upload to final
 * status through `npm run demo`'s pipeline (local S3 server, the upload rule, one processor run per file) — with
 * peak memory, against a baseline measured in the same run: the `process` runner (a new processor process per
 * file, also compiled JavaScript). Prints figures and ratios; never fails on them (it is not a timed test).
 *
 * Options:
 *   --files N            files in the main run (default 1000)
 *   --baseline-files N   files in the `process` runner's run (default 200; 0 skips it)
 *   --concurrency N      processors at once (default: the number of CPU cores)
 *   --runner pool|process  the main run's runner (default pool)
 *   --command "CMD ARG…"   the main run runs this job for each file through the processor runtime (as
 *                          processor.command does); the baseline is then the built-in summariser on the
 *                          same runner, so the ratio is the command's cost against the summariser's
 *
 * Target (2-core machine): 1,000 files from upload to final status in ≤ 60 s (≥ 16.7 files/s).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { splitCommand } from "../app/src/local/command-line";
import { LocalPipeline } from "../app/src/local/pipeline";
import { readJson } from "../app/src/processor/s3";
import type { StatusDocument } from "../app/src/processor/status";

/** The target: this many files from upload to final status within this many seconds. */
const TARGET = { files: 1000, seconds: 60 } as const;
const KIB_PER_MIB = 1024;

interface Options {
    files: number;
    baselineFiles: number;
    concurrency: number;
    runner: "pool" | "process";
    command?: string[];
}

function parse(argv: readonly string[]): Options {
    const options: Options = { files: 1000, baselineFiles: 200, concurrency: os.availableParallelism(), runner: "pool" };
    const int = (name: string, raw: string | undefined, min: number): number => {
        const n = Number(raw);
        if (!Number.isInteger(n) || n < min) {
            throw new Error(`${name} needs a whole number ≥ ${min}, got ${String(raw)}`);
        }
        return n;
    };
    for (let i = 0; i < argv.length; i++) {
        switch (argv[i]) {
            case "--files":
                options.files = int("--files", argv[++i], 1);
                break;
            case "--baseline-files":
                options.baselineFiles = int("--baseline-files", argv[++i], 0);
                break;
            case "--concurrency":
                options.concurrency = int("--concurrency", argv[++i], 1);
                break;
            case "--runner": {
                const runner = argv[++i];
                if (runner !== "pool" && runner !== "process") {
                    throw new Error(`--runner: ${String(runner)} is not one of pool, process`);
                }
                options.runner = runner;
                break;
            }
            case "--command":
                options.command = splitCommand(String(argv[++i] ?? ""));
                break;
            default:
                throw new Error(`unknown option ${String(argv[i])}; allowed: --files N, --baseline-files N, --concurrency N, --runner pool|process, --command "CMD ARG…"`);
        }
    }
    return options;
}

/** Resident memory (KiB) of this process and its children, from /proc (Linux); undefined elsewhere. */
function treeRssKiB(): number | undefined {
    const rss = (pid: string): number => {
        const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return m ? Number(m[1]) : 0;
    };
    try {
        let total = rss("self");
        for (const task of fs.readdirSync("/proc/self/task")) {
            for (const child of fs.readFileSync(`/proc/self/task/${task}/children`, "utf8").split(" ").filter(Boolean)) {
                try {
                    total += rss(child);
                } catch {
                    // Exited meanwhile.
                }
            }
        }
        return total;
    } catch {
        return undefined;
    }
}

/** CPU seconds of this process and of its children that have exited (Linux; the pool's hosts are counted when they stop). */
function cpuSeconds(): { self: number; children: number } {
    const usage = process.cpuUsage();
    let children = 0;
    try {
        const stat = fs.readFileSync("/proc/self/stat", "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        // cutime + cstime, in clock ticks (USER_HZ, 100 on Linux).
        children = (Number(fields[13]) + Number(fields[14])) / 100;
    } catch {
        children = NaN;
    }
    return { self: (usage.user + usage.system) / 1e6, children };
}

interface RunFigures {
    runner: string;
    files: number;
    seconds: number;
    filesPerSecond: number;
    succeeded: number;
    cpuSeconds: number;
    peakTreeMiB?: number;
    pipelineMaxRssMiB: number;
    processorMaxRssMiB?: number;
}

async function measure(files: number, runner: "pool" | "process", concurrency: number, command?: string[]): Promise<RunFigures> {
    const pipeline = await LocalPipeline.start({ concurrency, runner, command });
    let peak = treeRssKiB();
    const sampler = setInterval(() => {
        const now = treeRssKiB();
        if (now !== undefined) {
            peak = Math.max(peak ?? 0, now);
        }
    }, 100);
    try {
        const cpuBefore = cpuSeconds();
        const started = process.hrtime.bigint();
        const upload = pipeline.config.prefixes.upload;
        for (let i = 0; i < files; i++) {
            await pipeline.upload(`${upload}bench/f${String(i).padStart(5, "0")}.csv`, `id,amount,region\n${i},${(i * 1.5).toFixed(2)},r${i % 7}\n${i + 1},2.25,north\n`);
        }
        await pipeline.waitIdle();
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        await pipeline.runner.stop();
        const cpuAfter = cpuSeconds();
        let succeeded = 0;
        for (let i = 0; i < files; i += 32) {
            const statuses = await Promise.all(
                Array.from({ length: Math.min(32, files - i) }, (_, j) =>
                    readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, `${pipeline.config.prefixes.status}bench/f${String(i + j).padStart(5, "0")}.csv.json`),
                ),
            );
            succeeded += statuses.filter((s) => s?.state === "succeeded").length;
        }
        return {
            runner: command ? `${runner}, command` : runner,
            files,
            seconds,
            filesPerSecond: files / seconds,
            succeeded,
            cpuSeconds: cpuAfter.self - cpuBefore.self + (cpuAfter.children - cpuBefore.children),
            peakTreeMiB: peak === undefined ? undefined : peak / KIB_PER_MIB,
            pipelineMaxRssMiB: process.resourceUsage().maxRSS / KIB_PER_MIB,
            processorMaxRssMiB: runner === "pool" ? pipeline.runner.peakChildRssKiB() / KIB_PER_MIB : undefined,
        };
    } finally {
        clearInterval(sampler);
        await pipeline.stop();
    }
}

function row(f: RunFigures): string {
    const mib = (v: number | undefined) => (v === undefined ? "n/a" : v.toFixed(0));
    return `| ${f.runner} | ${f.files} | ${f.succeeded} | ${f.seconds.toFixed(1)} | ${f.filesPerSecond.toFixed(1)} | ${(f.cpuSeconds / f.files).toFixed(3)} | ${mib(f.peakTreeMiB)} | ${mib(f.pipelineMaxRssMiB)} | ${mib(f.processorMaxRssMiB)} |`;
}

export async function runPipelineBench(argv: readonly string[]): Promise<number> {
    const options = parse(argv);
    const say = (line: string) => process.stdout.write(`${line}\n`);
    say(`[bench] local pipeline: ${options.files} small files, ${options.concurrency} processors at once, ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}`);
    if (options.command) {
        say(`[bench] main run: ${options.command.map((w) => JSON.stringify(w)).join(" ")} for each file; baseline: the summariser on the same runner`);
    }
    const main = await measure(options.files, options.runner, options.concurrency, options.command);
    const baselineRunner = options.command ? options.runner : "process";
    const baseline = options.baselineFiles > 0 ? await measure(options.baselineFiles, baselineRunner, options.concurrency) : undefined;
    say("");
    say("| Runner | Files | Succeeded | Seconds | Files/s | CPU s per file | Peak RSS, pipeline + processors (MiB) | Pipeline process max RSS (MiB) | Largest processor max RSS (MiB) |");
    say("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
    say(row(main));
    if (baseline) {
        say(row(baseline));
        say("");
        const ratio = (main.filesPerSecond / baseline.filesPerSecond).toFixed(2);
        say(
            options.command
                ? `Ratio: the command ${ratio}× the files/s of the built-in summariser, both on the ${options.runner} runner (same run, same machine).`
                : `Ratio: ${options.runner} runner ${ratio}× the files/s of a new process per file (same run, same machine).`,
        );
    }
    const projected = TARGET.files / main.filesPerSecond;
    say(
        `Target: ${TARGET.files} files from upload to final status in ≤ ${TARGET.seconds} s (≥ ${(TARGET.files / TARGET.seconds).toFixed(1)} files/s): ` +
            `${main.filesPerSecond.toFixed(1)} files/s, ${projected.toFixed(1)} s for ${TARGET.files} — ${projected <= TARGET.seconds ? "PASS" : "FAIL"} (informational)`,
    );
    say("CPU s per file counts the pipeline process and the processors that have exited (the pool's hosts exit at the end of the run).");
    const failed = [main, baseline].filter((f): f is RunFigures => f !== undefined && f.succeeded !== f.files);
    if (failed.length > 0) {
        process.stderr.write(`[bench] not every file succeeded: ${failed.map((f) => `${f.runner} ${f.succeeded}/${f.files}`).join(", ")}\n`);
        return 1;
    }
    return 0;
}
