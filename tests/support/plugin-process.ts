/**
 * A Pulumi plugin (a policy pack, a provider) in a process of its own, as the CLI starts one: Node runs
 * the plugin's entry, which prints the port of its gRPC server on stdout; the caller connects a client.
 */
import { ChildProcess, spawn } from "child_process";

export interface PluginProcess {
    child: ChildProcess;
    port: number;
}

/** Starts `args` with this Node in `cwd` and resolves with the port the plugin prints; rejects if it exits first. */
export function startPlugin(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<PluginProcess> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.once("exit", (code) => reject(new Error(`${args.join(" ")} in ${cwd} exited with ${code}: ${stderr}`)));
        child.stdout.once("data", (d: Buffer) => resolve({ child, port: Number(d.toString().trim()) }));
    });
}

/** Closes the client and ends the plugin's process. */
export function stopPlugin(child: ChildProcess, client: { close(): void }): void {
    client.close();
    child.removeAllListeners("exit");
    child.kill();
}
