/**
 * The container's entry point: read the settings, process one file, exit with a code that says
 * what happened (see exit-codes.ts). SIGTERM stops reading, records `interrupted` and exits 143
 * within the grace period.
 */
import { readConfig } from "./config";
import { ExitCode, ProcessorError } from "./exit-codes";
import { createLogger } from "./log";
import { fetchTaskArn } from "./metadata";
import { emitMetrics } from "./metrics";
import { processFile } from "./run";
import { createS3Client } from "./s3";

export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
    let log = createLogger({ service: "processor" });
    let config;
    try {
        config = readConfig(env);
    } catch (e) {
        const exitCode = e instanceof ProcessorError ? e.exitCode : ExitCode.INTERNAL;
        log.error("invalid settings", { error: (e as Error).message, exitCode });
        return exitCode;
    }
    const controller = new AbortController();
    const stop = (signal: string) => {
        log.warn(`${signal} received: stopping and recording interrupted`, { graceMs: config.shutdownGraceMs });
        controller.abort();
        setTimeout(() => process.exit(ExitCode.INTERRUPTED), config.shutdownGraceMs).unref();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));

    const taskArn = await fetchTaskArn(config.metadataUri);
    log = log.with({ bucket: config.bucket, key: config.key, ...(taskArn ? { taskArn } : {}) });
    const s3 = createS3Client(config);
    try {
        const result = await processFile(config, { s3, log, signal: controller.signal, taskArn });
        await emitMetrics({
            outcome: result.outcome,
            rows: result.summary?.rows ?? 0,
            bytes: result.summary?.bytes ?? 0,
            badRows: result.summary?.badRows.count ?? 0,
            durationMs: result.status?.durationMs ?? 0,
            bucket: config.bucket,
            key: config.key,
            taskArn,
        }).catch((e: unknown) => log.warn("could not emit metrics", { error: (e as Error).message }));
        return result.exitCode;
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
