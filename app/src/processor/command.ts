/**
 * A user's command as the job for each file: the processor runtime does everything around it (find
 * the object, skip duplicates, statuses, upload, metrics) and runs the command as a child process.
 *
 * The contract (README "Your own processing"):
 * - In: INPUT_FILE (the object, downloaded, read-only), INPUT_KEY, INPUT_BUCKET, INPUT_ETAG,
 *   INPUT_SIZE, OUTPUT_DIR (empty), WORK_DIR (empty scratch, also TMPDIR), the S3_* variables of the
 *   file, and the task's own environment. With COMMAND_STDIN=true the file also arrives on stdin.
 * - Out: files in OUTPUT_DIR (at least one), optionally OUTPUT_DIR/.status.json (outputs.ts).
 * - Exit 0: success. 65, 66, 75, 77 keep the processor's meanings (bad input, missing, temporary,
 *   access denied); any other exit, or death by a signal, is `CommandFailed` (processor exit 1).
 * - SIGTERM: sent to the command's process group when the task is stopped; after COMMAND_GRACE_MS
 *   the group gets SIGKILL. Either way the file is `interrupted`.
 * - stdout and stderr become log lines tagged with the file; the last stderr lines go into a
 *   `failed` status. Secrets are redacted from both (redact.ts).
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { StringDecoder } from "string_decoder";
import { ExitCode, ExitCodeValue, ProcessorError } from "./exit-codes";
import { Job, JobContext, JobInterrupted } from "./job";
import { Logger } from "./log";
import { ContractError, JobReport } from "./outputs";
import { Redactor, createRedactor } from "./redact";
import { commandOutputKey } from "./status";
import { checkScratchSpace, downloadTo, fileIdentity } from "./workspace";
import { s3RangeReader } from "./summarize/s3-reader";
import type { ShardWork } from "./shard";

/** stderr lines a `failed` status keeps, and the characters kept of each. */
export const STDERR_TAIL_LINES = 20;
export const STDERR_LINE_CHARS = 500;
/** A longer line is logged in pieces of this many characters. */
export const MAX_LOG_LINE_CHARS = 16 * 1024;

export interface CommandSpec {
    /** The program and its arguments (no shell). */
    argv: readonly string[];
    /** Also send the input file to the command's stdin. */
    stdin: boolean;
    /** How long after SIGTERM the command may take before its process group is killed. */
    graceMs: number;
    /** The task's environment the command inherits (the runtime's own). */
    env: Record<string, string | undefined>;
}

/** A command that failed, with what the status document records about it. */
export class CommandError extends ProcessorError {
    constructor(
        message: string,
        exitCode: ExitCodeValue,
        errorClass: string,
        public readonly commandExitCode: number | undefined,
        public readonly commandSignal: string | undefined,
        public readonly stderr: string[],
    ) {
        super(message, exitCode, errorClass);
    }
}

/** Exit codes a command may use to mean what the processor's own do. */
const MEANINGFUL_EXITS: Record<number, { exitCode: ExitCodeValue; code: string }> = {
    65: { exitCode: ExitCode.INPUT, code: "input" },
    66: { exitCode: ExitCode.NOT_FOUND, code: "not-found" },
    75: { exitCode: ExitCode.TRANSIENT, code: "transient" },
    77: { exitCode: ExitCode.ACCESS_DENIED, code: "access-denied" },
};

/** The processor's exit code and error class for a command that exited `code` or died of `signal`. */
export function classifyCommandExit(code: number | null, signal: string | null): { exitCode: ExitCodeValue; errorClass: string } {
    if (signal !== null) {
        return { exitCode: ExitCode.COMMAND_FAILED, errorClass: "CommandFailed:signal" };
    }
    const meaning = code === null ? undefined : MEANINGFUL_EXITS[code];
    return meaning ? { exitCode: meaning.exitCode, errorClass: `CommandFailed:${meaning.code}` } : { exitCode: ExitCode.COMMAND_FAILED, errorClass: "CommandFailed:exit" };
}

/**
 * Where `program` runs from: itself when it holds a `/` (relative to `cwd`), else the first
 * executable match on PATH; undefined when there is none.
 */
export function resolveProgram(program: string, pathVariable: string | undefined, cwd: string = process.cwd()): string | undefined {
    const executable = (file: string): boolean => {
        try {
            fs.accessSync(file, fs.constants.X_OK);
            return fs.statSync(file).isFile();
        } catch {
            return false;
        }
    };
    if (program.includes("/")) {
        const file = path.resolve(cwd, program);
        return executable(file) ? file : undefined;
    }
    for (const dir of (pathVariable ?? "").split(path.delimiter)) {
        if (dir !== "" && executable(path.join(dir, program))) {
            return path.join(dir, program);
        }
    }
    return undefined;
}

/** Why `program` cannot be run from `cwd` with this PATH (`is not on PATH`, …), or undefined when it can. */
export function programProblem(program: string, pathVariable: string | undefined, cwd: string = process.cwd()): string | undefined {
    if (resolveProgram(program, pathVariable, cwd) !== undefined) {
        return undefined;
    }
    return program.includes("/") ? `does not exist in ${cwd} or is not executable` : `is not on PATH (${pathVariable || "unset"})`;
}

/** Checks a command before any file: a ProcessorError (exit 64) when its program cannot be run. */
export function validateCommand(argv: readonly string[], env: Record<string, string | undefined>): void {
    if (argv.length === 0 || argv[0] === "") {
        throw new ProcessorError("the command is empty; give the program and its arguments", ExitCode.CONFIG, "ConfigError");
    }
    const problem = programProblem(argv[0], env.PATH);
    if (problem !== undefined) {
        throw new ProcessorError(`the command's program ${JSON.stringify(argv[0])} ${problem}`, ExitCode.CONFIG, "CommandFailed:not-started");
    }
}

/** Splits a byte stream into text lines (UTF-8 across chunk boundaries; long lines in pieces). */
function lineSplitter(onLine: (line: string) => void): { write(chunk: Buffer): void; end(): void } {
    const decoder = new StringDecoder("utf8");
    let pending = "";
    const drain = (final: boolean) => {
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
            onLine(pending.slice(0, nl).replace(/\r$/, ""));
            pending = pending.slice(nl + 1);
        }
        while (pending.length > MAX_LOG_LINE_CHARS) {
            onLine(pending.slice(0, MAX_LOG_LINE_CHARS));
            pending = pending.slice(MAX_LOG_LINE_CHARS);
        }
        if (final && pending !== "") {
            onLine(pending);
            pending = "";
        }
    };
    return {
        write: (chunk) => {
            pending += decoder.write(chunk);
            drain(false);
        },
        end: () => {
            pending += decoder.end();
            drain(true);
        },
    };
}

/** Sends `signal` to the child's process group; false when the group is gone. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): boolean {
    if (child.pid === undefined) {
        return false;
    }
    try {
        process.kill(-child.pid, signal);
        return true;
    } catch {
        return false;
    }
}

export interface CommandRun {
    exitCode: number | null;
    signal: NodeJS.Signals | null;
    stderrTail: string[];
    /** Set when SIGTERM (the abort signal) stopped it. */
    stopped?: { killed: boolean; afterMs: number };
    /** Why it could not be started. */
    startError?: string;
    durationMs: number;
}

export interface CommandRunOptions {
    argv: readonly string[];
    env: Record<string, string>;
    /** A file to send to stdin, or none (stdin is then empty). */
    stdinFile?: string;
    graceMs: number;
    log: Logger;
    signal: AbortSignal;
    redact: Redactor;
}

/**
 * Runs the command in its own process group and resolves when it and its output streams are done.
 * Never rejects. When the command exits, whatever it left running in its group is killed.
 */
export function runCommand(options: CommandRunOptions): Promise<CommandRun> {
    const started = performance.now();
    const tail: string[] = [];
    return new Promise((resolve) => {
        let child: ChildProcess;
        try {
            child = spawn(options.argv[0], options.argv.slice(1), {
                env: options.env,
                detached: true,
                stdio: [options.stdinFile ? "pipe" : "ignore", "pipe", "pipe"],
            });
        } catch (e) {
            resolve({ exitCode: null, signal: null, stderrTail: [], startError: (e as Error).message, durationMs: 0 });
            return;
        }
        let settled = false;
        let stopped: CommandRun["stopped"];
        let stdinSource: fs.ReadStream | undefined;
        let killTimer: NodeJS.Timeout | undefined;
        const killAll = () => signalGroup(child, "SIGKILL");
        const finish = (run: Omit<CommandRun, "stderrTail" | "durationMs" | "stopped">) => {
            if (settled) {
                return;
            }
            settled = true;
            clearTimeout(killTimer);
            stdinSource?.destroy();
            options.signal.removeEventListener("abort", onAbort);
            process.removeListener("exit", killAll);
            resolve({ ...run, stderrTail: tail, stopped, durationMs: Math.round(performance.now() - started) });
        };
        const onAbort = () => {
            const sentAt = performance.now();
            stopped = { killed: false, afterMs: 0 };
            signalGroup(child, "SIGTERM");
            options.log.warn("SIGTERM sent to the command", { graceMs: options.graceMs });
            killTimer = setTimeout(() => {
                if (signalGroup(child, "SIGKILL")) {
                    stopped = { killed: true, afterMs: Math.round(performance.now() - sentAt) };
                    options.log.error("the command did not stop within its grace period: killed it (SIGKILL to its process group)", { graceMs: options.graceMs });
                }
            }, options.graceMs);
            child.once("exit", () => {
                if (stopped && !stopped.killed) {
                    stopped.afterMs = Math.round(performance.now() - sentAt);
                }
            });
        };
        const streamLog = (stream: "stdout" | "stderr") =>
            lineSplitter((raw) => {
                const line = options.redact(raw);
                options.log.info(`command ${stream}`, { stream, line });
                if (stream === "stderr" && line.trim() !== "") {
                    tail.push(line.length > STDERR_LINE_CHARS ? `${line.slice(0, STDERR_LINE_CHARS)}…` : line);
                    if (tail.length > STDERR_TAIL_LINES) {
                        tail.shift();
                    }
                }
            });
        const out = streamLog("stdout");
        const err = streamLog("stderr");
        child.stdout!.on("data", (d: Buffer) => out.write(d));
        child.stderr!.on("data", (d: Buffer) => err.write(d));
        child.once("error", (e) => {
            // Not started (ENOENT, EACCES): there is no process to wait for.
            if (child.pid === undefined) {
                finish({ exitCode: null, signal: null, startError: e.message });
            }
        });
        child.once("spawn", () => {
            process.once("exit", killAll);
            options.log.info("command started", { pid: child.pid, stdin: options.stdinFile !== undefined });
            if (options.signal.aborted) {
                onAbort();
            } else {
                options.signal.addEventListener("abort", onAbort, { once: true });
            }
            if (options.stdinFile && child.stdin) {
                // A command that stops reading early closes the pipe: that is its choice, not an error.
                child.stdin.on("error", () => undefined);
                stdinSource = fs.createReadStream(options.stdinFile);
                stdinSource.on("error", () => child.stdin?.destroy());
                stdinSource.pipe(child.stdin);
            }
        });
        child.once("exit", () => {
            // Whatever it started and left behind goes with it.
            killAll();
        });
        child.once("close", (code, signal) => {
            out.end();
            err.end();
            finish({ exitCode: code, signal });
        });
    });
}

/** The command's environment for one file: the task's, the file's S3 variables, and the contract's. */
export function commandEnvironment(
    spec: CommandSpec,
    ctx: Pick<JobContext, "config" | "file" | "workspace"> & { object: { key: string; etag: string } },
    inputFile: string | undefined,
    bytes: number,
): Record<string, string> {
    const env: Record<string, string | undefined> = {
        ...spec.env,
        S3_BUCKET: ctx.config.bucket,
        S3_KEY: ctx.file.key,
        S3_OBJECT_SIZE: String(bytes),
        S3_OBJECT_ETAG: ctx.object.etag || ctx.file.etag,
        S3_EVENT_TIME: ctx.file.eventTime ?? spec.env.S3_EVENT_TIME,
        S3_EVENT_ID: ctx.file.eventId ?? spec.env.S3_EVENT_ID,
        INPUT_FILE: inputFile,
        INPUT_KEY: ctx.object.key,
        INPUT_BUCKET: ctx.config.bucket,
        INPUT_ETAG: ctx.object.etag || ctx.file.etag,
        INPUT_SIZE: String(bytes),
        OUTPUT_DIR: ctx.workspace.outputDir,
        WORK_DIR: ctx.workspace.workDir,
        TMPDIR: ctx.workspace.workDir,
    };
    return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined && !e[1].includes("\0")));
}

function lastLine(lines: readonly string[]): string {
    return lines.length > 0 ? `: ${lines[lines.length - 1]}` : " (nothing on stderr)";
}

/**
 * Runs the command with `env` and resolves when it exited 0; otherwise throws what the status
 * records: JobInterrupted (SIGTERM), or a CommandError with the processor's exit code.
 */
export async function executeCommand(spec: CommandSpec, env: Record<string, string>, stdinFile: string | undefined, log: Logger, signal: AbortSignal): Promise<void> {
    const run = await runCommand({ argv: spec.argv, env, stdinFile, graceMs: spec.graceMs, log, signal, redact: createRedactor(env) });
    log.info("command exited", { exitCode: run.exitCode, signal: run.signal, durationMs: run.durationMs });
    if (run.stopped) {
        throw new JobInterrupted(
            run.stopped.killed
                ? `stopped by SIGTERM; the command ignored it for its ${spec.graceMs} ms grace period and was killed (SIGKILL)`
                : `stopped by SIGTERM; the command ${run.signal !== null ? `ended by ${run.signal}` : `exited ${run.exitCode}`} ${run.stopped.afterMs} ms after it`,
            run.stopped.killed,
        );
    }
    if (run.startError !== undefined) {
        throw new CommandError(`the command ${JSON.stringify(spec.argv[0])} could not be started: ${run.startError}`, ExitCode.CONFIG, "CommandFailed:not-started", undefined, undefined, []);
    }
    if (run.exitCode !== 0) {
        const { exitCode, errorClass } = classifyCommandExit(run.exitCode, run.signal);
        const how = run.signal !== null ? `was killed by ${run.signal}` : `exited ${run.exitCode}`;
        throw new CommandError(`the command ${how}${lastLine(run.stderrTail)}`, exitCode, errorClass, run.exitCode ?? undefined, run.signal ?? undefined, run.stderrTail);
    }
}

/** The job that runs `spec` for each file. */
export function commandJob(spec: CommandSpec): Job {
    return {
        kind: "command",
        outputKey: (config, relative, outputPath) => commandOutputKey(config.outputPrefix, relative, outputPath),
        shardWork: (config) => (config.shard.commandAcceptsRange ? commandShardWork(spec) : undefined),
        async run(ctx: JobContext): Promise<JobReport> {
            await checkScratchSpace(ctx.workspace.root, ctx.object.size);
            const { file, bytes } = await downloadTo(ctx.workspace, ctx.object.key, ctx.object.body, ctx.object.size, ctx.signal);
            const before = await fileIdentity(file);
            const env = commandEnvironment(spec, ctx, file, bytes);
            await executeCommand(spec, env, spec.stdin ? file : undefined, ctx.log, ctx.signal);
            const after = await fileIdentity(file);
            if (before === undefined || after === undefined || before.ino !== after.ino || before.size !== after.size || before.mtimeMs !== after.mtimeMs) {
                throw new ContractError("input-modified", "the command changed or removed INPUT_FILE; read the input, write only to OUTPUT_DIR and WORK_DIR");
            }
            return { bytesRead: bytes };
        },
    };
}

/** What a range command must write in OUTPUT_DIR for its shard: any JSON; `rows`, when a number, is the shard's row count. */
export const PARTIAL_FILE = "partial.json";

/**
 * A command that declares it accepts a byte range (`processor.commandAcceptsRange`,
 * COMMAND_ACCEPTS_RANGE) takes part in sharding with the same contract as the summariser:
 * - a shard runs it with INPUT_FILE holding the object's bytes from INPUT_FILE_OFFSET (one byte
 *   before INPUT_RANGE_START, so it can tell whether a record starts exactly there; 0 for the first
 *   shard) to INPUT_RANGE_END plus up to MAX_LINE_BYTES more (so the last record that starts in
 *   the range is whole), SHARD_INDEX and SHARD_COUNT; it processes the records whose first byte is
 *   in [INPUT_RANGE_START, INPUT_RANGE_END) and writes OUTPUT_DIR/partial.json;
 * - the merge runs it once more with INPUT_PARTIALS_DIR holding 0.json … (N-1).json (the shards'
 *   partial.json, in order) and no INPUT_FILE; it writes the final outputs to OUTPUT_DIR as usual.
 */
export function commandShardWork(spec: CommandSpec): ShardWork {
    return {
        async partial(ctx) {
            const from = Math.max(0, ctx.start - 1);
            const tailEnd = Math.min(ctx.object.size, ctx.end + (ctx.config.summary.maxLineBytes ?? 1048576));
            await checkScratchSpace(ctx.workspace.root, tailEnd - from);
            const reader = s3RangeReader(ctx.s3, ctx.config.bucket, ctx.object.key, ctx.object.etag, ctx.object.size);
            const body = (async function* () {
                for await (const part of reader.read(from, tailEnd, ctx.signal)) {
                    yield Buffer.from(part.buffer, part.byteOffset, part.byteLength);
                }
            })();
            const { file, bytes } = await downloadTo(ctx.workspace, ctx.object.key, body, tailEnd - from, ctx.signal);
            const env = {
                ...commandEnvironment(spec, ctx, file, ctx.object.size),
                INPUT_RANGE_START: String(ctx.start),
                INPUT_RANGE_END: String(ctx.end),
                INPUT_FILE_OFFSET: String(from),
                INPUT_FILE_BYTES: String(bytes),
                SHARD_INDEX: String(ctx.index),
                SHARD_COUNT: String(ctx.count),
            };
            await executeCommand(spec, env, spec.stdin ? file : undefined, ctx.log, ctx.signal);
            let text: string;
            try {
                text = await fs.promises.readFile(path.join(ctx.workspace.outputDir, PARTIAL_FILE), "utf8");
            } catch {
                throw new ContractError("no-partial", `the command exited 0 but wrote no OUTPUT_DIR/${PARTIAL_FILE} for its range; a range command writes its partial result there`);
            }
            let partial: unknown;
            try {
                partial = JSON.parse(text);
            } catch (e) {
                throw new ContractError("partial-not-json", `OUTPUT_DIR/${PARTIAL_FILE} is not JSON: ${(e as Error).message}`);
            }
            const rows = (partial as { rows?: unknown } | null)?.rows;
            return { partial, rows: typeof rows === "number" && Number.isFinite(rows) ? rows : 0 };
        },
        async merge(ctx, partials) {
            const dir = path.join(ctx.workspace.workDir, "partials");
            await fs.promises.mkdir(dir);
            await Promise.all(partials.map((p, i) => fs.promises.writeFile(path.join(dir, `${i}.json`), `${JSON.stringify(p)}\n`)));
            const env: Record<string, string> = { ...commandEnvironment(spec, ctx, undefined, ctx.object.size), INPUT_PARTIALS_DIR: dir, SHARD_COUNT: String(ctx.count) };
            await executeCommand(spec, env, undefined, ctx.log, ctx.signal);
            return { bytesRead: ctx.object.size };
        },
    };
}
