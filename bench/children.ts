/**
 * Running the benchmark's measurement children: each in its own process (peak RSS its own, via GNU `/usr/bin/time -v`
 * when present), optionally pinned to CPUs with `taskset`.
 */

import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { FileTruth } from "./generate";
import { RESULT_PREFIX, type ChildResult, type SummaryFigures } from "./protocol";

const MIB = 1024 * 1024;

export interface Tools {
    /** GNU time with -v and -o. */
    time: boolean;
    taskset: boolean;
}

export function detectTools(): Tools {
    const ok = (cmd: string, args: string[]): boolean => {
        try {
            return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
        } catch {
            return false;
        }
    };
    return {
        time: fs.existsSync("/usr/bin/time") && ok("/usr/bin/time", ["-v", "-o", "/dev/null", "true"]),
        taskset: ok("taskset", ["-c", "0", "true"]),
    };
}

export interface ProcessRun {
    status: number | null;
    signal: string | null;
    stdout: string;
    stderr: string;
    /** Whole process, seconds. */
    outerWallSec: number;
    maxRssKiB?: number;
    cpuSec?: number;
    /** CPU the whole machine spent during the run (all processes, ours included), in cores busy on average. */
    machineBusyCores?: number;
}

let timeFileCounter = 0;

/** Busy and total CPU time of the whole machine so far, in clock ticks (Linux /proc/stat), or undefined elsewhere. */
function machineTicks(): { busy: number; total: number } | undefined {
    try {
        const line = fs.readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "";
        const v = line.trim().split(/\s+/).slice(1).map(Number);
        // user nice system idle iowait irq softirq steal …: idle and iowait are not busy.
        const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
        return { busy: total - (v[3] ?? 0) - (v[4] ?? 0), total };
    } catch {
        return undefined;
    }
}

export function runProcess(tools: Tools, tmp: string, cmd: readonly string[], pin: boolean | string, env?: NodeJS.ProcessEnv): ProcessRun {
    const timeFile = path.join(tmp, `time-${++timeFileCounter}.txt`);
    const argv = [
        ...(tools.time ? ["/usr/bin/time", "-v", "-o", timeFile] : []),
        ...(pin !== false && tools.taskset ? ["taskset", "-c", pin === true ? "0" : pin] : []),
        ...cmd,
    ];
    const ticksBefore = machineTicks();
    const started = performance.now();
    const r = spawnSync(argv[0]!, argv.slice(1), {
        encoding: "utf8",
        env: env ?? process.env,
        maxBuffer: 64 * MIB,
        stdio: ["ignore", "pipe", "pipe"],
    });
    const outerWallSec = (performance.now() - started) / 1000;
    const ticksAfter = machineTicks();
    if (r.error) throw r.error;
    const run: ProcessRun = {
        status: r.status,
        signal: r.signal,
        stdout: r.stdout,
        stderr: r.stderr,
        outerWallSec,
    };
    if (ticksBefore !== undefined && ticksAfter !== undefined && ticksAfter.total > ticksBefore.total) {
        // The share of all CPU time that was busy, times the cores.
        const share = (ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total);
        run.machineBusyCores = share * os.availableParallelism();
    }
    if (tools.time && fs.existsSync(timeFile)) {
        const text = fs.readFileSync(timeFile, "utf8");
        const field = (label: string): number | undefined => {
            const m = new RegExp(`${label}: ([0-9.]+)`).exec(text);
            return m ? Number(m[1]) : undefined;
        };
        run.maxRssKiB = field("Maximum resident set size \\(kbytes\\)");
        const user = field("User time \\(seconds\\)");
        const sys = field("System time \\(seconds\\)");
        if (user !== undefined && sys !== undefined) run.cpuSec = user + sys;
        fs.rmSync(timeFile, { force: true });
    }
    return run;
}

// ---------------------------------------------------------------------------------------------------------------
// Measurements

export type Status = "ok" | "unavailable" | "crashed";

export interface Measurement {
    label: string;
    /** For ratios and targets. */
    short: string;
    input: string;
    status: Status;
    reason?: string;
    /** Data rows of the input (header excluded). */
    rows: number;
    /** Decompressed bytes. */
    bytes: number;
    wallSec: number;
    cpuSec?: number;
    /** The whole process's wall time (cpuSec's companion). */
    outerWallSec?: number;
    /** See ProcessRun.machineBusyCores. */
    machineBusyCores?: number;
    rssMiB?: number;
    summary?: SummaryFigures;
    notes: string[];
}

export interface Context {
    args: { repeat: number };
    tools: Tools;
    tmp: string;
    /** Transpiled child scripts by name (e.g. "measure-summarizer"). */
    children: Map<string, string>;
    nodeEnv: NodeJS.ProcessEnv;
}

export function progress(text: string): void {
    process.stderr.write(`[bench] ${text}\n`);
}

export function lastResult(stdout: string): ChildResult | undefined {
    const line = stdout
        .split("\n")
        .reverse()
        .find((l) => l.startsWith(RESULT_PREFIX));
    return line === undefined ? undefined : (JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult);
}

export function tail(text: string, n = 600): string {
    const t = text.trim();
    return t.length > n ? "…" + t.slice(-n) : t;
}

export function newMeasurement(label: string, short: string, input: string, truth: FileTruth): Measurement {
    return { label, short, input, status: "ok", rows: truth.rows, bytes: truth.bytes, wallSec: Infinity, notes: [] };
}

/** Runs a node child `repeat` times; keeps the best wall time and the highest peak RSS. */
export function measureNode(
    ctx: Context,
    label: string,
    input: string,
    truth: FileTruth,
    script: string,
    scriptArgs: readonly string[],
    opts: { pin: boolean | string; repeat: number },
): Measurement {
    const m = newMeasurement(label, label.split(" ")[0]!, input, truth);
    const scriptPath = ctx.children.get(script);
    if (scriptPath === undefined) throw new Error(`no transpiled child ${script}`);
    for (let i = 0; i < opts.repeat; i++) {
        const run = runProcess(ctx.tools, ctx.tmp, [process.execPath, scriptPath, ...scriptArgs], opts.pin, ctx.nodeEnv);
        const result = lastResult(run.stdout);
        if (result === undefined || !result.ok) {
            m.status = result !== undefined && !result.ok && result.unavailable ? "unavailable" : "crashed";
            m.reason =
                result !== undefined && !result.ok
                    ? result.error
                    : `exit ${String(run.status)}${run.signal ? ` (signal ${run.signal})` : ""}: ${tail(run.stderr)}`;
            if (m.status === "crashed" && run.stderr.trim() !== "") m.reason += `\n${tail(run.stderr)}`;
            progress(`${label}: ${m.status.toUpperCase()}: ${m.reason}`);
            return m;
        }
        const rssKiB = run.maxRssKiB ?? result.selfMaxRssKiB;
        m.rssMiB = Math.max(m.rssMiB ?? 0, rssKiB / 1024);
        if (result.wallSec < m.wallSec) {
            m.wallSec = result.wallSec;
            m.cpuSec = run.cpuSec;
            m.outerWallSec = run.outerWallSec;
            m.machineBusyCores = run.machineBusyCores;
            m.rows = result.summary.rows;
            m.bytes = result.bytes;
            m.summary = result.summary;
        }
        if (result.note !== undefined && i === 0) m.notes.push(result.note);
        progress(`${label}: ${result.wallSec.toFixed(2)} s, ${(rssKiB / 1024).toFixed(1)} MiB (run ${i + 1}/${opts.repeat})`);
    }
    if (opts.pin !== false && ctx.tools.taskset) m.notes.push(`taskset -c ${opts.pin === true ? "0" : opts.pin}`);
    if (opts.repeat > 1) m.notes.push(`best of ${opts.repeat}`);
    return m;
}

/** Runs a shell command `repeat` times; its wall is the whole process's. `expectLines` checks `wc -l`'s output. */
export function measureShell(
    ctx: Context,
    label: string,
    input: string,
    truth: FileTruth,
    cmd: readonly string[],
    expectLines: number | undefined,
    repeat: number,
): Measurement {
    const m = newMeasurement(label, label, input, truth);
    for (let i = 0; i < repeat; i++) {
        const run = runProcess(ctx.tools, ctx.tmp, cmd, false);
        if (run.status !== 0) {
            m.status = "crashed";
            m.reason = `exit ${String(run.status)}: ${tail(run.stderr)}`;
            progress(`${label}: CRASHED: ${m.reason}`);
            return m;
        }
        if (expectLines !== undefined && i === 0) {
            const lines = Number(run.stdout.trim().split(/\s+/)[0]);
            m.notes.push(lines === expectLines ? `${lines} lines, as generated` : `!! ${lines} lines, generated ${expectLines}`);
        }
        if (run.maxRssKiB !== undefined) m.rssMiB = Math.max(m.rssMiB ?? 0, run.maxRssKiB / 1024);
        if (run.outerWallSec < m.wallSec) {
            m.wallSec = run.outerWallSec;
            m.cpuSec = run.cpuSec;
            m.outerWallSec = run.outerWallSec;
            m.machineBusyCores = run.machineBusyCores;
        }
        progress(`${label}: ${run.outerWallSec.toFixed(2)} s (run ${i + 1}/${repeat})`);
    }
    if (repeat > 1) m.notes.push(`best of ${repeat}`);
    return m;
}

const median = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    const k = s.length >> 1;
    return s.length % 2 === 1 ? s[k]! : (s[k - 1]! + s[k]!) / 2;
};

/**
 * One measurement from runs of the same thing (each a Measurement of one run): the median of the wall times, CPU
 * and machine load, the highest peak RSS; crashed or unavailable if any run was.
 */
export function medianOf(runs: Measurement[]): Measurement {
    const failed = runs.find((r) => r.status !== "ok");
    if (failed !== undefined || runs.length === 0) return failed ?? runs[0]!;
    const pick = (f: (m: Measurement) => number | undefined): number | undefined => {
        const xs = runs.map(f).filter((x): x is number => x !== undefined);
        return xs.length === runs.length ? median(xs) : undefined;
    };
    const first = runs[0]!;
    return {
        ...first,
        wallSec: pick((m) => m.wallSec)!,
        cpuSec: pick((m) => m.cpuSec),
        outerWallSec: pick((m) => m.outerWallSec),
        machineBusyCores: pick((m) => m.machineBusyCores),
        rssMiB: runs.some((m) => m.rssMiB !== undefined) ? Math.max(...runs.map((m) => m.rssMiB ?? 0)) : undefined,
        notes: [...first.notes.filter((n) => !n.startsWith("best of")), `median of ${runs.length}`],
    };
}

export function unavailable(label: string, input: string, truth: FileTruth, reason: string): Measurement {
    progress(`${label}: unavailable: ${reason}`);
    return { ...newMeasurement(label, label.split(" ")[0]!, input, truth), status: "unavailable", reason, wallSec: NaN };
}
