/**
 * The processor as a child process, the way a container runs it, with its JSON log lines collected: a new
 * process per file (startProcessor), or warm hosts that run the entry point for one file at a time, as the
 * local pipeline's pool does (runProcessor).
 */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { PoolRunner } from "../../app/src/local/runner";
import { transpiledWorker } from "../../app/src/transpile";
import { ROOT } from "../mocks";
import { CREDENTIALS } from "./s3";
import { TS_REGISTER } from "./ts-process";

const MAIN = path.join(ROOT, "app/src/processor/main.ts");
const HOST = path.join(ROOT, "app/src/local/processor-host.ts");

/** What every processor gets besides a test's variables: PATH, loopback credentials and a region. */
const BASE_ENV: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    AWS_REGION: "us-east-1",
};

export interface ProcessorRun {
    code: number | null;
    logs: Record<string, any>[];
    stderr: string;
}

export interface RunningProcessor {
    child: ChildProcess;
    /** The JSON log lines so far (filled as they arrive). */
    logs: Record<string, any>[];
    done: Promise<ProcessorRun>;
}

/** Starts app/src/processor/main.ts with only PATH, loopback credentials, a region and `env`; `args` are the job's command. */
export function startProcessor(env: Record<string, string>, args: readonly string[] = []): RunningProcessor {
    const child = spawn(process.execPath, [...TS_REGISTER, MAIN, ...args], { cwd: ROOT, env: { ...BASE_ENV, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const logs: Record<string, any>[] = [];
    let pending = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
        pending += d.toString();
        let nl: number;
        while ((nl = pending.indexOf("\n")) >= 0) {
            const line = pending.slice(0, nl).trim();
            pending = pending.slice(nl + 1);
            if (line.startsWith("{")) {
                logs.push(JSON.parse(line) as Record<string, any>);
            }
        }
    });
    child.stderr!.on("data", (d) => (stderr += d));
    const done = new Promise<ProcessorRun>((resolve) => child.on("exit", (code) => resolve({ code, logs, stderr })));
    return { child, logs, done };
}

const pools = new Map<string, PoolRunner>();

/**
 * Runs the processor for one file as the local pipeline's pool does (app/src/local/runner.ts): in a warm
 * process (app/src/local/processor-host.ts, compiled to JavaScript) that runs the container's entry point,
 * `main(env)`, with exactly startProcessor's environment, and reports its exit code. The hosts are kept per
 * command for the test process: end them with stopProcessorHosts. What needs the process itself (a signal,
 * the grace period's exit) takes startProcessor.
 */
export async function runProcessor(env: Record<string, string>, args: readonly string[] = []): Promise<ProcessorRun> {
    const key = JSON.stringify(args);
    let pool = pools.get(key);
    if (pool === undefined) {
        pool = new PoolRunner(transpiledWorker(HOST), { baseEnv: BASE_ENV, cwd: ROOT, command: args });
        pools.set(key, pool);
    }
    const logs: Record<string, any>[] = [];
    const result = await pool.run({ env, onLog: (entry) => logs.push(entry) });
    return { code: result.exitCode, logs, stderr: result.stderr };
}

/** Ends the hosts runProcessor started (an `after` hook of each file that uses it). */
export async function stopProcessorHosts(): Promise<void> {
    const running = [...pools.values()];
    pools.clear();
    await Promise.all(running.map((pool) => pool.stop()));
}

/** Waits until `condition` holds, polling every 25 ms; fails naming `what` after the timeout. */
export async function until(condition: () => boolean, what: string, timeoutMs = 30000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
        if (Date.now() > deadline) {
            throw new Error(`timed out waiting for ${what}`);
        }
        await new Promise((r) => setTimeout(r, 25));
    }
}
