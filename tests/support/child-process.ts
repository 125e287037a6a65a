/** A child process run to its end, with what it wrote collected. */
import { ChildProcess } from "child_process";

export interface Exited {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Collects what `child` writes to stdout and stderr (both piped); resolves when it exits. */
export function exited(child: ChildProcess): Promise<Exited> {
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}
