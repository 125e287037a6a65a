/**
 * `npm run conformance -- --command "…" --sample FILE`: runs a team's command through the processor
 * runtime on the local pipeline (a local S3 server in a temporary --data folder, a new processor
 * process per file, as a task per file) three times, and reports what the command does that the
 * contract forbids:
 *
 * 1. the sample, once: it must succeed with at least one file in OUTPUT_DIR, a valid .status.json
 *    if any, INPUT_FILE unchanged, and nothing written outside OUTPUT_DIR and WORK_DIR — checked in
 *    the scratch folder around its workspace, in the working directory it runs in (the folder
 *    conformance was started from) and in an empty HOME it is given (a task's root file system is
 *    read-only: a write there fails in the cloud);
 * 2. the same upload again (same ETag): skipped, the command not started, the status unchanged;
 * 3. the sample under another name, stopped with SIGTERM once the command is running (at its first
 *    line of output, or after --sigterm-after-ms, 250 by default): it must exit within the grace period; one that
 *    has to be killed is reported.
 *
 * Exit status: 0 when nothing is reported, 1 when something is, 2 for a usage error.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { programProblem } from "../processor/command";
import { defaultCommandGraceMs } from "../processor/config";
import { readJson } from "../processor/s3";
import { StatusDocument, statusKey } from "../processor/status";
import { SHARED_OPTIONS, UsageError, parseEnvAssignments, parseOptions, runMain, splitCommand, wholeNumber } from "./command-line";
import { LocalPipeline, PipelineEvent } from "./pipeline";
import { loadStackConfig } from "./stack";

export const USAGE = `Usage: npm run conformance -- --command "CMD ARG…" --sample FILE [options]

Runs CMD through the processor runtime on the local pipeline, as a deployed stack's
processor.command runs: once on FILE, once with a duplicate event, once stopped with SIGTERM. Reports
what it does that the contract forbids (docs/processor.md, "Your own processing"); exits 1 when it reports any.

Options:
  --command "CMD ARG…"   the job's command (words split as a shell would; nothing expanded)
  --sample FILE          an input file; its name must match the stack's upload rule (e.g. .csv)
  --env NAME=VALUE       a variable for the command, as the task definition's environment; repeat
  --stack NAME           whose Pulumi.<stack>.yaml gives prefixes, suffixes and stopTimeoutSeconds (dev)
  --grace-ms N           the command's grace period after SIGTERM (default: the stack's, from
                         stopTimeoutSeconds, as the task would have)
  --sigterm-after-ms N   SIGTERM at the command's first line of output, or after N ms (default 250)
  --timeout-s N          give up on a run after N seconds (default 600)
  --help                 show this help
`;

export { UsageError };

export interface ConformanceOptions {
    command: string[];
    sample: string;
    stack?: string;
    environment?: Record<string, string>;
    /** @default the stack's (stopTimeoutSeconds) */
    graceMs?: number;
    /** @default 250 */
    sigtermAfterMs?: number;
    /** @default 600000 */
    timeoutMs?: number;
    /** Where the command runs (and what is watched for stray writes). @default the directory conformance was started from */
    cwd?: string;
    /** Progress lines. @default none */
    print?: (line: string) => void;
}

export interface Finding {
    check: "sample" | "writes" | "duplicate" | "sigterm";
    /** `fail`: the contract forbids what was seen; `skip`: the check could not be made (the detail says why). */
    result: "pass" | "fail" | "skip";
    detail: string;
}

export interface ConformanceReport {
    findings: Finding[];
    /** The findings that failed. */
    violations: Finding[];
    /** The status documents of the three runs, as the processor wrote them. */
    statuses: { sample?: StatusDocument; duplicate?: StatusDocument; sigterm?: StatusDocument };
}

/** What each contract error class means, for the report. */
const CONTRACT_MESSAGES: Record<string, string> = {
    "CommandFailed:no-output": "exits 0 without writing anything to OUTPUT_DIR",
    "CommandFailed:input-modified": "changes or removes INPUT_FILE",
    "CommandFailed:output-not-a-file": "leaves a symbolic link or special file in OUTPUT_DIR",
    "CommandFailed:status-file": "writes an invalid OUTPUT_DIR/.status.json",
    "CommandFailed:too-many-outputs": "writes too many files to OUTPUT_DIR",
    "CommandFailed:output-name": "writes a file whose output key would be too long",
};

/** Where the user ran the command from: `npm run` moves to the package's folder and says where it was in INIT_CWD. */
export function invocationDirectory(): string {
    return process.env.INIT_CWD || process.cwd();
}

/** The options, or "help"; a UsageError names what was wrong and what is allowed. Paths are resolved from invocationDirectory(). */
export function parseConformanceArgs(argv: string[]): ConformanceOptions | "help" {
    const parsed = parseOptions(
        argv,
        {
            allowPositionals: false,
            options: {
                sample: { type: "string" },
                "grace-ms": { type: "string" },
                "sigterm-after-ms": { type: "string" },
                "timeout-s": { type: "string" },
                ...SHARED_OPTIONS,
            },
        },
        (e) => `${e.message}; see --help`,
    );
    const v = parsed.values;
    if (v.help) {
        return "help";
    }
    if (v.command === undefined || v.sample === undefined) {
        throw new UsageError(`${v.command === undefined ? "--command" : "--sample"} is required; e.g. --command "python3 examples/group-totals/main.py" --sample data.csv`);
    }
    const cwd = invocationDirectory();
    const sample = path.resolve(cwd, v.sample);
    if (!fs.existsSync(sample) || !fs.statSync(sample).isFile()) {
        throw new UsageError(`--sample: ${v.sample} is not a file`);
    }
    const command = splitCommand(v.command);
    const problem = programProblem(command[0], process.env.PATH, cwd);
    if (problem !== undefined) {
        throw new UsageError(`--command: ${JSON.stringify(command[0])} ${problem}`);
    }
    return {
        command,
        sample,
        cwd,
        stack: v.stack,
        environment: v.env === undefined ? undefined : parseEnvAssignments(v.env),
        graceMs: v["grace-ms"] === undefined ? undefined : wholeNumber("--grace-ms", v["grace-ms"], 0, 100, 114000),
        sigtermAfterMs: wholeNumber("--sigterm-after-ms", v["sigterm-after-ms"], 250, 0, 600000),
        timeoutMs: wholeNumber("--timeout-s", v["timeout-s"], 600, 1, 86400) * 1000,
    };
}

/** Files under `dir` (not following links; skipping `skip` folders) as path → size and mtime. */
function snapshot(dir: string, skip: readonly string[]): Map<string, string> {
    const out = new Map<string, string>();
    const walk = (at: string) => {
        let entries: fs.Dirent[];
        try {
            entries = fs.readdirSync(at, { withFileTypes: true });
        } catch {
            return;
        }
        for (const e of entries) {
            const full = path.join(at, e.name);
            if (skip.includes(full) || (e.isDirectory() && (e.name === "node_modules" || e.name === ".git"))) {
                continue;
            }
            if (e.isDirectory()) {
                out.set(`${full}/`, "dir");
                walk(full);
            } else {
                const s = fs.lstatSync(full, { throwIfNoEntry: false });
                out.set(full, s ? `${s.size}:${s.mtimeMs}` : "?");
            }
        }
    };
    walk(dir);
    return out;
}

/** What changed between two snapshots, as short lines. */
function changes(before: Map<string, string>, after: Map<string, string>): string[] {
    const lines: string[] = [];
    for (const [p, v] of after) {
        if (!before.has(p)) {
            lines.push(`created ${p}`);
        } else if (before.get(p) !== v) {
            lines.push(`changed ${p}`);
        }
    }
    for (const p of before.keys()) {
        if (!after.has(p)) {
            lines.push(`removed ${p}`);
        }
    }
    return lines;
}

function delay(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
}

/** Runs the three checks; never leaves the local pipeline or its folders behind. */
export async function runConformance(options: ConformanceOptions): Promise<ConformanceReport> {
    const print = options.print ?? (() => undefined);
    const stack = options.stack ?? "dev";
    const config = loadStackConfig(stack);
    const name = path.basename(options.sample);
    if (config.keySuffixes.length > 0 && !config.keySuffixes.some((s) => name.endsWith(s))) {
        throw new UsageError(`--sample: ${name} does not end with one of ${config.keySuffixes.join(", ")}, so the upload rule of stack ${stack} would ignore it; rename it`);
    }
    const cwd = path.resolve(options.cwd ?? invocationDirectory());
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), "conformance-"));
    const home = path.join(temp, "home");
    fs.mkdirSync(home);
    const environment: Record<string, string> = { HOME: home, ...options.environment };
    if (options.graceMs !== undefined) {
        environment.COMMAND_GRACE_MS = String(options.graceMs);
    }
    const findings: Finding[] = [];
    const statuses: ConformanceReport["statuses"] = {};
    const logs: { key: string; entry: Record<string, unknown> }[] = [];
    const events: PipelineEvent[] = [];
    let pipeline: LocalPipeline | undefined;
    try {
        pipeline = await LocalPipeline.start({
            stack,
            dataDir: path.join(temp, "data"),
            runner: "process",
            concurrency: 1,
            command: options.command,
            environment,
            cwd,
            onEvent: (e) => events.push(e),
            onLog: (key, entry) => logs.push({ key, entry }),
        });
        const p = pipeline;
        const taskEnv = p.processorEnvironment;
        const graceMs = options.graceMs ?? Number(taskEnv.COMMAND_GRACE_MS ?? defaultCommandGraceMs(Number(taskEnv.SHUTDOWN_GRACE_MS)));
        const upload = config.prefixes.upload;
        const status = (key: string) => readJson<StatusDocument>(p.s3.client, p.bucket, statusKey(config.prefixes.status, key.slice(upload.length)));
        const started = (key: string) => logs.filter((l) => l.key === key && l.entry.msg === "command started").length;
        /** Whether the pipeline went idle before the timeout. */
        const finished = async (): Promise<boolean> => {
            let timer: NodeJS.Timeout | undefined;
            const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), options.timeoutMs ?? 600000)));
            try {
                return await Promise.race([p.waitIdle().then(() => true), timeout]);
            } finally {
                clearTimeout(timer);
            }
        };
        const skipDirs = [temp];
        const watched = () => ({ scratch: snapshot(p.scratchRoot, []), cwd: snapshot(cwd, skipDirs), home: snapshot(home, []) });

        // 1. The sample.
        const key = `${upload}conformance/${name}`;
        print(`1. ${key}: the sample, once`);
        const before = watched();
        await p.upload(key, fs.createReadStream(options.sample));
        if (!(await finished())) {
            findings.push({ check: "sample", result: "fail", detail: `did not finish within ${(options.timeoutMs ?? 600000) / 1000} s` });
            return { findings, violations: findings, statuses };
        }
        const after = watched();
        statuses.sample = await status(key);
        const s = statuses.sample;
        if (s?.state === "succeeded") {
            const outputs = s.outputs ?? [];
            findings.push({
                check: "sample",
                result: "pass",
                detail: `succeeded in ${((s.durationMs ?? 0) / 1000).toFixed(1)} s: ${outputs.length} output${outputs.length === 1 ? "" : "s"} (${outputs.map((o) => o.key).join(", ")})` +
                    (s.rowsProcessed !== undefined ? `, ${s.rowsProcessed} rows` : "") + (s.message ? `; "${s.message}"` : ""),
            });
        } else {
            const e = s?.error;
            const rule = e ? CONTRACT_MESSAGES[e.class] : undefined;
            const detail = rule
                ? `${rule} (${e?.message})`
                : e
                  ? `fails on the sample (${e.class}, processor exit ${e.exitCode}): ${e.message}`
                  : `the sample's status is ${s?.state ?? "missing"}, not succeeded`;
            findings.push({ check: "sample", result: "fail", detail });
        }
        const stray = [
            ...changes(before.scratch, after.scratch).map((l) => `${l} (the scratch folder, outside the file's workspace)`),
            ...changes(before.cwd, after.cwd).map((l) => `${l} (the working directory; read-only in a task)`),
            ...changes(before.home, after.home).map((l) => `${l} (HOME; read-only in a task)`),
        ];
        findings.push(
            stray.length === 0
                ? { check: "writes", result: "pass", detail: "writes only to OUTPUT_DIR and WORK_DIR (checked: the scratch folder, the working directory, HOME)" }
                : { check: "writes", result: "fail", detail: `writes outside OUTPUT_DIR and WORK_DIR: ${stray.slice(0, 10).join("; ")}${stray.length > 10 ? `; and ${stray.length - 10} more` : ""}` },
        );

        // 2. The same upload again: a duplicate event for a version already processed.
        print(`2. ${key}: the same upload again (a duplicate event)`);
        const startsBefore = started(key);
        const eventsBefore = events.length;
        await p.upload(key, fs.createReadStream(options.sample));
        await finished();
        statuses.duplicate = await status(key);
        if (s?.state !== "succeeded") {
            findings.push({ check: "duplicate", result: "skip", detail: "the sample did not succeed, so there is no processed version to skip" });
        } else {
            const ranAgain = started(key) > startsBefore;
            const skipped = events.slice(eventsBefore).some((e) => e.type === "skipped" && e.key === key);
            const unchanged = statuses.duplicate?.completedAt === s.completedAt;
            findings.push(
                !ranAgain && skipped && unchanged
                    ? { check: "duplicate", result: "pass", detail: "the duplicate event was skipped (same ETag): the command did not run, the status is unchanged" }
                    : { check: "duplicate", result: "fail", detail: `the duplicate event ${ranAgain ? "ran the command again" : "was not skipped"}${unchanged ? "" : " and changed the status"}` },
            );
        }

        // 3. SIGTERM while the command runs.
        const termKey = `${upload}conformance-sigterm/${name}`;
        print(`3. ${termKey}: stopped with SIGTERM while the command runs (grace period ${graceMs} ms)`);
        const outputLines = () => logs.filter((l) => l.key === termKey && (l.entry.msg === "command stdout" || l.entry.msg === "command stderr")).length;
        await p.upload(termKey, fs.createReadStream(options.sample));
        const deadline = Date.now() + (options.timeoutMs ?? 600000);
        while (started(termKey) === 0 && p.pendingCount > 0 && Date.now() < deadline) {
            await delay(10);
        }
        const runningSince = Date.now();
        while (outputLines() === 0 && p.pendingCount > 0 && Date.now() - runningSince < (options.sigtermAfterMs ?? 250)) {
            await delay(10);
        }
        const stillRunning = p.pendingCount > 0;
        const sent = Date.now();
        await p.runner.stop();
        const stoppedAfterMs = Date.now() - sent;
        statuses.sigterm = await status(termKey);
        const t = statuses.sigterm;
        if (!stillRunning || t?.state === "succeeded" || t?.state === "failed") {
            findings.push({ check: "sigterm", result: "skip", detail: `the command ${t?.state ?? "ended"} before SIGTERM was sent (at its first line of output, or ${options.sigtermAfterMs ?? 250} ms after it started), so it was not checked; give a larger --sample, or --sigterm-after-ms 0` });
        } else if (t?.state === "interrupted" && t.error?.class === "Interrupted:killed") {
            findings.push({ check: "sigterm", result: "fail", detail: `ignores SIGTERM: still running when the ${graceMs} ms grace period ended, so it was killed (SIGKILL); a task's SIGKILL would come next` });
        } else if (t?.state === "interrupted") {
            findings.push({ check: "sigterm", result: "pass", detail: `stops on SIGTERM: the file is interrupted, the processor exited ${stoppedAfterMs} ms after SIGTERM (grace period ${graceMs} ms)` });
        } else {
            findings.push({ check: "sigterm", result: "fail", detail: `after SIGTERM the status is ${t?.state ?? "missing"}, not interrupted` });
        }
        return { findings, violations: findings.filter((f) => f.result === "fail"), statuses };
    } finally {
        await pipeline?.stop();
        fs.rmSync(temp, { recursive: true, force: true });
    }
}

/** The report as text lines. */
export function formatReport(options: ConformanceOptions, report: ConformanceReport): string {
    const mark = { pass: "✔", fail: "✘", skip: "–" } as const;
    const lines = report.findings.map((f) => `${mark[f.result]}  ${f.check}: ${f.detail}`);
    const n = report.violations.length;
    lines.push(n === 0 ? "Conforms: nothing the contract forbids was seen." : `${n} violation${n === 1 ? "" : "s"} of the contract (docs/processor.md, "Your own processing").`);
    return `Command: ${options.command.map((w) => JSON.stringify(w)).join(" ")}\n${lines.join("\n")}\n`;
}

async function main(): Promise<number> {
    const parsed = parseConformanceArgs(process.argv.slice(2));
    if (parsed === "help") {
        process.stdout.write(USAGE);
        return 0;
    }
    const report = await runConformance({ ...parsed, print: (l) => process.stdout.write(`${l}\n`) });
    process.stdout.write(`\n${formatReport(parsed, report)}`);
    return report.violations.length === 0 ? 0 : 1;
}

if (require.main === module) {
    runMain(main);
}
