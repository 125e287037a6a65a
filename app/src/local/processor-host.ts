/**
 * A warm processor process for the local pipeline's pool: it loads the processor (compiled
 * JavaScript, the AWS SDK) once, then runs the container's entry point, `main(env)`, for one file
 * at a time, each with exactly that file's task environment — the way worker mode runs one file
 * after another in one task. A file that crashes the process takes only itself down; the pool
 * reports it as a killed task and starts another host.
 *
 * Protocol (one line each, UTF-8):
 * - stdin: a job, `{"env": {...}}`; the next job is sent only after the previous one's result;
 * - stdout: the processor's own JSON log lines, then `#<nonce> {"exitCode": N, "maxRssKiB": N}`
 *   (the nonce is the first argument; processor lines are JSON objects, so they never start with `#`).
 * The arguments after the nonce are the job's command (none: the summariser), as the container's
 * entry point takes them.
 *
 * SIGTERM or SIGINT stops the file in progress as in a task (recorded `interrupted`, exit 143) and
 * then the host; when idle, the host exits at once. When stdin closes (the pipeline is gone, even
 * killed), the host stops its file the same way and exits, so no processor outlives the pipeline.
 */
import { main } from "../processor/main";

const nonce = process.argv[2] ?? "";
const command = process.argv.slice(3);
const baseEnv = { ...process.env };
let running = false;
let stopping = false;

function stopIdle(): void {
    stopping = true;
    if (!running) {
        process.exit(0);
    }
}

function listenIdle(): void {
    process.on("SIGTERM", stopIdle);
    process.on("SIGINT", stopIdle);
}

/** The task's environment, exactly: the host's runtime variables plus the file's, nothing left from the last file. */
function useEnvironment(env: Record<string, string>): void {
    for (const name of Object.keys(process.env)) {
        if (!(name in baseEnv)) {
            delete process.env[name];
        }
    }
    Object.assign(process.env, baseEnv, env);
}

async function runJob(env: Record<string, string>): Promise<void> {
    running = true;
    // While a file runs, main's own SIGTERM/SIGINT handlers stop it; this one only remembers to exit after.
    process.removeListener("SIGTERM", stopIdle);
    process.removeListener("SIGINT", stopIdle);
    const remember = () => (stopping = true);
    process.on("SIGTERM", remember);
    process.on("SIGINT", remember);
    useEnvironment(env);
    let exitCode: number;
    try {
        // The object, not process.env: an environment variable cannot hold a NUL (S3 keys can).
        exitCode = await main({ ...process.env, ...env }, command);
    } catch (e) {
        process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "unexpected error", error: (e as Error)?.message ?? String(e), exitCode: 70 })}\n`);
        exitCode = 70;
    }
    process.removeAllListeners("SIGTERM");
    process.removeAllListeners("SIGINT");
    listenIdle();
    running = false;
    process.stdout.write(`#${nonce} ${JSON.stringify({ exitCode, maxRssKiB: process.resourceUsage().maxRSS })}\n`);
    if (stopping) {
        process.exit(0);
    }
}

listenIdle();
let buffered = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf("\n")) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        const job = JSON.parse(line) as { env: Record<string, string> };
        void runJob(job.env);
    }
});
process.stdin.on("end", () => {
    stopping = true;
    if (running) {
        process.kill(process.pid, "SIGTERM");
    } else {
        process.exit(0);
    }
});
