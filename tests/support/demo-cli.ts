/** `npm run demo` as a child process, the way a user runs it, with its output collected. */
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import { ROOT } from "../mocks";
import { TS_REGISTER } from "./ts-process";

const DEMO = path.join(ROOT, "app/src/local/demo.ts");

export interface DemoProcess {
    child: ChildProcess;
    /** Everything written to stdout and stderr so far. */
    output(): string;
    /** Resolves when the output matches `pattern`; rejects naming it after the timeout or if the demo exits first. */
    waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
    /** Resolves with the exit code (or the signal's name). */
    exited: Promise<number | string>;
}

export function startDemoProcess(args: string[]): DemoProcess {
    const child = spawn(process.execPath, [...TS_REGISTER, DEMO, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString("utf8")));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString("utf8")));
    const exited = new Promise<number | string>((resolve) => child.on("exit", (code, signal) => resolve(code ?? signal ?? "?")));
    let done = false;
    void exited.then(() => (done = true));
    return {
        child,
        output: () => out,
        exited,
        waitFor: async (pattern, timeoutMs = 60000) => {
            const deadline = Date.now() + timeoutMs;
            for (;;) {
                const match = out.match(pattern);
                if (match) {
                    return match;
                }
                if (done || Date.now() > deadline) {
                    throw new Error(`${done ? "the demo exited" : "timed out"} before its output matched ${pattern}:\n${out}`);
                }
                await new Promise((r) => setTimeout(r, 50));
            }
        },
    };
}

/** Runs the demo to its end; resolves with its exit code and output. */
export async function runDemo(args: string[]): Promise<{ code: number | string; out: string }> {
    const demo = startDemoProcess(args);
    const code = await demo.exited;
    return { code, out: demo.output() };
}
