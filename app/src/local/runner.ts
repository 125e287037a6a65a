/**
 * How the local pipeline runs the processor for one file. Both runners give the processor exactly
 * the task's environment, one file per process at a time, report its exit code (a process killed by
 * a signal as 128 + the signal's number, with the signal's name), pass on its JSON log lines, and
 * stop it with SIGTERM as ECS does.
 *
 * - `process`: a new process per file running `command` (by default the processor's compiled entry
 *   point, with the job's command as its arguments when there is one), like a task per file.
 * - `pool` (default): warm hosts (processor-host.ts) that each run the processor's entry point for
 *   one file at a time, so the process start and the AWS SDK's load are paid once per host rather
 *   than once per file. A host that dies takes only its current file with it. A job's command still
 *   runs as a new child process per file, inside the processor runtime.
 */
import { ChildProcess, spawn } from "child_process";
import { randomBytes } from "crypto";
import * as os from "os";

export interface RunRequest {
    /** The file's environment (the task definition's and the event's variables). */
    env: Record<string, string>;
    /** Called for each JSON log line the processor writes. */
    onLog?: (entry: Record<string, unknown>) => void;
    /** Called with the id of the process that runs this file (a pool host's while it runs it), as the file starts. */
    onStart?: (pid: number) => void;
}

export interface RunResult {
    /** The process's exit code; 128 + n when killed by signal n. */
    exitCode: number;
    /** The signal that killed the process, when one did. */
    signal?: NodeJS.Signals;
    /** Why the processor could not be started, when it could not. */
    startError?: string;
    /** The end of what it wrote to stderr. */
    stderr: string;
}

export interface ProcessorRunner {
    readonly kind: "pool" | "process";
    /** Runs the processor for one file; never rejects. */
    run(request: RunRequest): Promise<RunResult>;
    /** SIGTERM to every processor; resolves when all have exited. New runs are refused. */
    stop(): Promise<void>;
    /** Peak resident memory reported by the processors, in KiB (pool hosts report theirs). */
    peakChildRssKiB(): number;
}

export interface RunnerOptions {
    /** Variables every processor gets besides the file's (PATH, NODE_PATH, credentials, endpoint). */
    baseEnv: Record<string, string>;
    /** The processors' working directory. @default this process's */
    cwd?: string;
    /** Called when a process starts and exits (the pipeline records them, to end leftovers after a crash). */
    onSpawn?: (pid: number) => void;
    onExit?: (pid: number) => void;
}

const STDERR_KEPT = 4096;

/** 128 + the signal's number: the exit code a shell and ECS report for a process killed by it. */
export function signalExitCode(signal: NodeJS.Signals): number {
    return 128 + (os.constants.signals[signal] ?? 0);
}

/** The signal an exit code of 129–159 stands for (a wrapper reporting its child's death), if any. */
export function signalOfExitCode(exitCode: number): NodeJS.Signals | undefined {
    if (exitCode <= 128 || exitCode >= 160) {
        return undefined;
    }
    return (Object.keys(os.constants.signals) as NodeJS.Signals[]).find((name) => os.constants.signals[name] === exitCode - 128);
}

/** Splits a byte stream into lines, each handed to `onLine` without its newline. */
function lineReader(onLine: (line: string) => void): (chunk: Buffer) => void {
    let buffered = "";
    return (chunk) => {
        buffered += chunk.toString("utf8");
        let nl: number;
        while ((nl = buffered.indexOf("\n")) >= 0) {
            const line = buffered.slice(0, nl);
            buffered = buffered.slice(nl + 1);
            onLine(line);
        }
    };
}

function parseLog(line: string): Record<string, unknown> | undefined {
    if (!line.startsWith("{")) {
        return undefined;
    }
    try {
        return JSON.parse(line) as Record<string, unknown>;
    } catch {
        return undefined;
    }
}

function keepTail(text: string, more: string): string {
    const all = text + more;
    return all.length > STDERR_KEPT ? all.slice(-STDERR_KEPT) : all;
}

/** The result for a child that exited (or could not start). */
function exitResult(code: number | null, signal: NodeJS.Signals | null, stderr: string): RunResult {
    return signal ? { exitCode: signalExitCode(signal), signal, stderr } : { exitCode: code ?? 70, stderr };
}

/** A new process per file. */
export class ProcessRunner implements ProcessorRunner {
    readonly kind = "process" as const;
    private readonly children = new Set<ChildProcess>();
    private stopping = false;

    constructor(
        private readonly command: readonly string[],
        private readonly options: RunnerOptions,
    ) {}

    run(request: RunRequest): Promise<RunResult> {
        if (this.stopping) {
            return Promise.resolve({ exitCode: signalExitCode("SIGTERM"), signal: "SIGTERM", stderr: "", startError: "the pipeline is stopping" });
        }
        return new Promise((resolve) => {
            let child: ChildProcess;
            try {
                child = spawn(this.command[0], this.command.slice(1), { env: { ...this.options.baseEnv, ...request.env }, cwd: this.options.cwd, stdio: ["ignore", "pipe", "pipe"] });
            } catch (e) {
                // e.g. a key with a NUL character cannot be an environment variable.
                resolve({ exitCode: 70, stderr: "", startError: (e as Error).message });
                return;
            }
            let stderr = "";
            child.stdout!.on("data", lineReader((line) => {
                const entry = parseLog(line);
                if (entry) {
                    request.onLog?.(entry);
                }
            }));
            child.stderr!.on("data", (d: Buffer) => (stderr = keepTail(stderr, d.toString("utf8"))));
            child.once("error", (e) => {
                this.children.delete(child);
                resolve({ exitCode: 70, stderr, startError: e.message });
            });
            child.once("spawn", () => {
                this.children.add(child);
                this.options.onSpawn?.(child.pid!);
                request.onStart?.(child.pid!);
            });
            child.once("close", (code, signal) => {
                if (this.children.delete(child)) {
                    this.options.onExit?.(child.pid!);
                }
                resolve(exitResult(code, signal, stderr));
            });
        });
    }

    async stop(): Promise<void> {
        this.stopping = true;
        await Promise.all(
            [...this.children].map((child) => new Promise<void>((resolve) => {
                child.once("close", () => resolve());
                child.kill("SIGTERM");
            })),
        );
    }

    peakChildRssKiB(): number {
        return 0;
    }
}

interface Current {
    request: RunRequest;
    resolve(result: RunResult): void;
    stderr: string;
}

/** One warm processor-host process. */
class Host {
    readonly child: ChildProcess;
    private readonly nonce = randomBytes(8).toString("hex");
    current?: Current;
    filesRun = 0;
    exited = false;
    maxRssKiB = 0;

    constructor(
        script: string,
        args: readonly string[],
        options: Pick<RunnerOptions, "baseEnv" | "cwd">,
        private readonly onExit: (host: Host) => void,
    ) {
        this.child = spawn(process.execPath, [script, this.nonce, ...args], { env: options.baseEnv, cwd: options.cwd, stdio: ["pipe", "pipe", "pipe"] });
        this.child.stdin!.on("error", () => undefined);
        this.child.stdout!.on("data", lineReader((line) => this.onLine(line)));
        this.child.stderr!.on("data", (d: Buffer) => {
            if (this.current) {
                this.current.stderr = keepTail(this.current.stderr, d.toString("utf8"));
            }
        });
        this.child.once("error", (e) => this.finishExit(null, null, e.message));
        this.child.once("close", (code, signal) => this.finishExit(code, signal));
    }

    run(request: RunRequest): Promise<RunResult> {
        return new Promise((resolve) => {
            this.current = { request, resolve, stderr: "" };
            this.filesRun++;
            this.child.stdin!.write(`${JSON.stringify({ env: request.env })}\n`);
        });
    }

    private onLine(line: string): void {
        const marker = `#${this.nonce} `;
        if (line.startsWith(marker)) {
            const done = JSON.parse(line.slice(marker.length)) as { exitCode: number; maxRssKiB: number };
            this.maxRssKiB = Math.max(this.maxRssKiB, done.maxRssKiB);
            const current = this.current;
            this.current = undefined;
            current?.resolve({ exitCode: done.exitCode, stderr: current.stderr });
            return;
        }
        const entry = parseLog(line);
        if (entry) {
            this.current?.request.onLog?.(entry);
        }
    }

    private finishExit(code: number | null, signal: NodeJS.Signals | null, startError?: string): void {
        if (this.exited) {
            return;
        }
        this.exited = true;
        const current = this.current;
        this.current = undefined;
        if (current) {
            current.resolve({ ...exitResult(code, signal, current.stderr), ...(startError ? { startError } : {}) });
        }
        this.onExit(this);
    }
}

/** Warm hosts, one file at a time each, replaced after `filesPerHost` files or when one dies. */
export class PoolRunner implements ProcessorRunner {
    readonly kind = "pool" as const;
    private readonly idle: Host[] = [];
    private readonly hosts = new Set<Host>();
    private stopping = false;
    private peakRss = 0;

    constructor(
        private readonly hostScript: string,
        private readonly options: RunnerOptions & {
            filesPerHost?: number;
            /** The job's command each host runs its files with (the entry point's arguments); none: the summariser. */
            command?: readonly string[];
        },
    ) {}

    run(request: RunRequest): Promise<RunResult> {
        if (this.stopping) {
            return Promise.resolve({ exitCode: signalExitCode("SIGTERM"), signal: "SIGTERM", stderr: "", startError: "the pipeline is stopping" });
        }
        const host = this.idle.pop() ?? this.spawnHost();
        if (host.child.pid !== undefined) {
            request.onStart?.(host.child.pid);
        }
        return host.run(request).then((result) => {
            this.peakRss = Math.max(this.peakRss, host.maxRssKiB);
            if (!host.exited && !this.stopping) {
                if (host.filesRun >= (this.options.filesPerHost ?? 200)) {
                    host.child.stdin!.end();
                } else {
                    this.idle.push(host);
                }
            }
            return result;
        });
    }

    private spawnHost(): Host {
        const host = new Host(this.hostScript, this.options.command ?? [], this.options, (h) => {
            this.hosts.delete(h);
            const i = this.idle.indexOf(h);
            if (i >= 0) {
                this.idle.splice(i, 1);
            }
            if (h.child.pid !== undefined) {
                this.options.onExit?.(h.child.pid);
            }
        });
        this.hosts.add(host);
        if (host.child.pid !== undefined) {
            this.options.onSpawn?.(host.child.pid);
        }
        return host;
    }

    async stop(): Promise<void> {
        this.stopping = true;
        await Promise.all(
            [...this.hosts].map((host) => new Promise<void>((resolve) => {
                if (host.exited) {
                    resolve();
                    return;
                }
                host.child.once("close", () => resolve());
                host.child.kill("SIGTERM");
            })),
        );
    }

    peakChildRssKiB(): number {
        return this.peakRss;
    }
}
