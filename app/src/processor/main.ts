/**
 * The container's entry point, `main.js [COMMAND ARG…]`: with no command the built-in summariser
 * processes each file; with one (the image's CMD, ECS's container `command`, Kubernetes' `args`)
 * the runtime runs it for each file (command.ts). Then, by PROCESSOR_MODE
 * - `event` (default): process the one file S3_BUCKET / S3_KEY name and exit with its code;
 * - `batch`: process every file under the upload prefix not yet processed for its ETag, then exit;
 * - `worker`: process the files an SQS queue's messages name, until SIGTERM.
 * Exit codes: exit-codes.ts. SIGTERM stops reading and records `interrupted` for the file in
 * progress; event and batch mode then exit 143, worker mode releases the message and exits 0, all
 * within SHUTDOWN_GRACE_MS.
 */
import { commandJob, validateCommand } from "./command";
import { FileRef, ProcessorConfig, Settings, readSettings } from "./config";
import { ExitCode, ExitCodeValue, ProcessorError } from "./exit-codes";
import { Job, summaryJob } from "./job";
import { createLogger } from "./log";
import { runBatch } from "./batch";
import { fetchTaskArn } from "./metadata";
import { processOne } from "./run";
import { createS3Client } from "./s3";

function eventFile(config: ProcessorConfig): FileRef {
    return { key: config.key, size: config.size, etag: config.etag, eventTime: config.eventTime, eventId: config.eventId };
}

/**
 * Runs the processor with `env` as its environment and `command` (argv after the script) as the job;
 * resolves with the exit code.
 */
export async function main(env: NodeJS.ProcessEnv = process.env, command: readonly string[] = process.argv.slice(2)): Promise<number> {
    let log = createLogger({ service: "processor" });
    let settings: Settings;
    let ownCommand: Job | undefined;
    try {
        settings = readSettings(env);
        if (command.length > 0) {
            validateCommand(command, env);
            const c = settings.config;
            ownCommand = commandJob({ argv: [...command], stdin: c.commandStdin, graceMs: c.commandGraceMs, env: { ...env } });
        }
    } catch (e) {
        const exitCode = e instanceof ProcessorError ? e.exitCode : ExitCode.INTERNAL;
        log.error("invalid settings", { error: (e as Error).message, exitCode });
        return exitCode;
    }
    // Loaded after the settings check: a summariser that cannot be loaded is an internal error, not invalid settings.
    const job: Job = ownCommand ?? summaryJob();
    const { mode, config } = settings;
    // Worker mode is stopped by scale-in and deployments: not a failure, even when the grace period runs out.
    const exitAfterGrace: ExitCodeValue = mode === "worker" ? ExitCode.OK : ExitCode.INTERRUPTED;
    const controller = new AbortController();
    const stop = (signal: string) => {
        const then = mode === "worker" ? "stopping polling, recording interrupted and releasing the message" : "stopping and recording interrupted";
        log.warn(`${signal} received: ${then}`, { graceMs: config.shutdownGraceMs });
        controller.abort();
        setTimeout(() => {
            log.error("the shutdown grace period is over: exiting now", { graceMs: config.shutdownGraceMs, exitCode: exitAfterGrace });
            process.exit(exitAfterGrace);
        }, config.shutdownGraceMs).unref();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));

    const taskArn = await fetchTaskArn(config.metadataUri);
    log = log.with({ bucket: config.bucket, ...(mode === "event" ? { key: settings.config.key } : { mode }), ...(taskArn ? { taskArn } : {}) });
    const s3 = createS3Client(config);
    try {
        switch (mode) {
            case "event": {
                const result = await processOne(settings.config, eventFile(settings.config), { s3, log, signal: controller.signal, taskArn, mode, job });
                return result.exitCode;
            }
            case "batch":
                return (await runBatch(settings.config, { s3, log, signal: controller.signal, taskArn, job })).exitCode;
            case "worker": {
                // The SQS client is loaded in worker mode only (event and batch tasks never need it).
                /* eslint-disable @typescript-eslint/no-require-imports */
                const { createSqsClient } = require("./sqs") as typeof import("./sqs");
                const { runWorker } = require("./worker") as typeof import("./worker");
                /* eslint-enable @typescript-eslint/no-require-imports */
                const sqs = createSqsClient(settings.config);
                try {
                    return await runWorker(settings.config, { s3, sqs, log, signal: controller.signal, taskArn, job });
                } finally {
                    sqs.destroy();
                }
            }
        }
    } finally {
        s3.destroy();
    }
}

if (require.main === module) {
    main().then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: "unexpected error", error: (e as Error)?.message ?? String(e), exitCode: ExitCode.INTERNAL })}\n`);
            process.exit(ExitCode.INTERNAL);
        },
    );
}
