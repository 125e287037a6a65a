/**
 * One file, start to finish: find the object (raw or URL-encoded key), skip it if this ETag was
 * already processed, record `running`, stream and summarise it, upload the summary, record the
 * outcome. Never modifies the input; the summary appears only when complete.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { ProcessorConfig, candidateKeys, relativeName } from "./config";
import { ExitCode, ExitCodeValue, ProcessorError } from "./exit-codes";
import { Logger } from "./log";
import { OpenedObject, classify, openObject, readJson, toProcessorError, uploadJson, writeJson } from "./s3";
import { StatusDocument, StatusState, statusKey, summaryKey } from "./status";
import { summarizeStream } from "./summarize";
import { AbortedError, FileSummary, InputError } from "./summarize/types";

export interface RunDeps {
    s3: S3Client;
    log: Logger;
    /** Aborted on SIGTERM. */
    signal: AbortSignal;
    taskArn?: string;
    now?: () => number;
}

export interface RunResult {
    exitCode: ExitCodeValue;
    outcome: "succeeded" | "failed" | "interrupted" | "skipped";
    status?: StatusDocument;
    summary?: FileSummary;
}

/** Finds the object under the first candidate key that exists. */
async function findObject(s3: S3Client, config: ProcessorConfig, signal: AbortSignal, log: Logger): Promise<OpenedObject | "superseded"> {
    let lastError: unknown;
    for (const key of candidateKeys(config.key)) {
        try {
            const found = await openObject(s3, config.bucket, key, config.etag, signal);
            if (key !== config.key) {
                log.info("found the object under the decoded key", { decodedKey: key });
            }
            return found;
        } catch (e) {
            const kind = classify(e);
            if (kind === "precondition-failed") {
                return "superseded";
            }
            if (kind !== "not-found") {
                throw toProcessorError(e, `reading s3://${config.bucket}/${key}`);
            }
            lastError = e;
        }
    }
    throw toProcessorError(lastError, `s3://${config.bucket}/${config.key} does not exist (also tried the URL-decoded key)`);
}

/** SDK errors become ProcessorErrors with their exit code; everything else is left as it is. */
function normalise(error: unknown): unknown {
    if (error instanceof InputError || error instanceof AbortedError || error instanceof ProcessorError) {
        return error;
    }
    return classify(error) === "other" ? error : toProcessorError(error, "S3");
}

function describe(error: unknown): { exitCode: ExitCodeValue; errorClass: string; message: string; state: StatusState } {
    if (error instanceof AbortedError) {
        return { exitCode: ExitCode.INTERRUPTED, errorClass: "Interrupted", message: "stopped by SIGTERM before the file was finished", state: "interrupted" };
    }
    if (error instanceof InputError) {
        return { exitCode: ExitCode.INPUT, errorClass: `InputError:${error.code}`, message: error.message, state: "failed" };
    }
    if (error instanceof ProcessorError) {
        return { exitCode: error.exitCode, errorClass: error.errorClass, message: error.message, state: "failed" };
    }
    return { exitCode: ExitCode.INTERNAL, errorClass: (error as Error)?.name ?? "Error", message: (error as Error)?.message ?? String(error), state: "failed" };
}

export async function processFile(config: ProcessorConfig, deps: RunDeps): Promise<RunResult> {
    const now = deps.now ?? Date.now;
    const started = now();
    const log = deps.log;

    // The status location is known from the event's key even when the object is missing.
    let relative = relativeName(config.key, config.uploadPrefix);
    const base: StatusDocument = {
        schemaVersion: 1,
        state: "running",
        bucket: config.bucket,
        key: config.key,
        etag: config.etag,
        size: config.size,
        eventTime: config.eventTime,
        eventId: config.eventId,
        taskArn: deps.taskArn,
        attempt: 1,
        startedAt: new Date(started).toISOString(),
    };
    const finish = async (state: StatusState, extra: Partial<StatusDocument>): Promise<StatusDocument> => {
        const completed = now();
        const doc: StatusDocument = { ...base, ...extra, state, completedAt: new Date(completed).toISOString(), durationMs: completed - started };
        try {
            await writeJson(deps.s3, config.bucket, statusKey(config.statusPrefix, relative), doc);
        } catch (e) {
            log.error("could not write the status document", { state, error: (e as Error).message });
        }
        return doc;
    };

    let object: OpenedObject | "superseded";
    try {
        object = await findObject(deps.s3, config, deps.signal, log);
    } catch (e) {
        const d = describe(e);
        log.error("cannot read the file", { errorClass: d.errorClass, error: d.message, exitCode: d.exitCode });
        const status = await finish(d.state, { error: { class: d.errorClass, message: d.message, exitCode: d.exitCode } });
        return { exitCode: d.exitCode, outcome: d.state === "interrupted" ? "interrupted" : "failed", status };
    }
    if (object === "superseded") {
        log.info("the object changed after this event (ETag differs); the newer upload has its own event, nothing to do", { etag: config.etag });
        return { exitCode: ExitCode.OK, outcome: "skipped" };
    }
    relative = relativeName(object.key, config.uploadPrefix);
    base.key = object.key;
    base.etag = object.etag || config.etag;
    base.size = object.size ?? config.size;
    const statusAt = statusKey(config.statusPrefix, relative);
    const outputKey = summaryKey(config.outputPrefix, relative);

    let previous: StatusDocument | undefined;
    try {
        previous = await readJson<StatusDocument>(deps.s3, config.bucket, statusAt);
    } catch (e) {
        log.warn("could not read the previous status; processing without the duplicate check", { error: (e as Error).message });
    }
    if (previous?.state === "succeeded" && previous.etag === base.etag) {
        object.destroy();
        log.info("already processed this version of the file (same ETag); skipping the duplicate event", { etag: base.etag, statusKey: statusAt });
        return { exitCode: ExitCode.OK, outcome: "skipped", status: previous };
    }
    if (previous && config.eventId && previous.eventId === config.eventId) {
        base.attempt = (previous.attempt ?? 1) + 1;
    }

    try {
        await writeJson(deps.s3, config.bucket, statusAt, base);
        log.info("processing", { attempt: base.attempt, size: base.size, etag: base.etag });
        const summary = await summarizeStream(object.body, {
            ...config.summary,
            onProgress: ({ rows, bytes }) => log.debug("progress", { rows, bytes }),
        }, deps.signal);
        if (deps.signal.aborted) {
            throw new AbortedError();
        }
        await uploadJson(
            deps.s3,
            config.bucket,
            outputKey,
            { source: { bucket: config.bucket, key: object.key, etag: base.etag, size: base.size }, generatedAt: new Date(now()).toISOString(), ...summary },
            deps.signal,
        );
        const seconds = Math.max((now() - started) / 1000, 0.001);
        const status = await finish("succeeded", {
            rowsProcessed: summary.rows,
            bytesRead: summary.bytes,
            badRows: summary.badRows.count,
            outputKey,
            throughputRowsPerSecond: Math.round(summary.rows / seconds),
        });
        log.info("succeeded", { rows: summary.rows, badRows: summary.badRows.count, outputKey, durationMs: status.durationMs });
        return { exitCode: ExitCode.OK, outcome: "succeeded", status, summary };
    } catch (e) {
        object.destroy();
        const d = describe(deps.signal.aborted ? new AbortedError() : normalise(e));
        log.error(d.state === "interrupted" ? "interrupted" : "failed", { errorClass: d.errorClass, error: d.message, exitCode: d.exitCode });
        const status = await finish(d.state, { error: { class: d.errorClass, message: d.message, exitCode: d.exitCode } });
        return { exitCode: d.exitCode, outcome: d.state === "interrupted" ? "interrupted" : "failed", status };
    }
}
