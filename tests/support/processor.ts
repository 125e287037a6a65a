/** The processor as a child process, the way a container runs it, with its JSON log lines collected. */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { ROOT } from "../mocks";
import { CREDENTIALS } from "./s3";
import { TS_REGISTER } from "./ts-process";

const MAIN = path.join(ROOT, "app/src/processor/main.ts");

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
    const child = spawn(process.execPath, [...TS_REGISTER, MAIN, ...args], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, AWS_REGION: "us-east-1", ...env },
        stdio: ["ignore", "pipe", "pipe"],
    });
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
