/**
 * One file, start to finish: find the object (raw or URL-encoded key), skip it if this ETag was
 * already processed, record `running`, stream and summarise it, upload the summary, record the
 * outcome. Never modifies the input; the summary appears only when complete.
 *
 * Every mode goes through `processOne`: event mode for its one file, batch mode for each listed
 * file, worker mode for each file a queue message names.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { CommonConfig, FileRef, ProcessorMode, candidateKeys, isUnderPrefix, relativeName } from "./config";
import { ExitCode, ExitCodeValue, ProcessorError } from "./exit-codes";
import { Logger } from "./log";
import { emitMetrics } from "./metrics";
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

/**
 * Finds the object under the first candidate key that exists (and, when the file names an ETag, has
 * it). "superseded" when a candidate exists but only as another version: a newer upload, which has
 * its own event.
 */
async function findObject(s3: S3Client, bucket: string, file: FileRef, keys: string[], signal: AbortSignal, log: Logger): Promise<OpenedObject | "superseded"> {
    let lastError: unknown;
    let superseded = false;
    for (const key of keys) {
        try {
            const found = await openObject(s3, bucket, key, file.etag, signal);
            if (key !== file.key) {
                log.info("found the object under the decoded key", { decodedKey: key });
            }
            return found;
        } catch (e) {
            const kind = classify(e);
            if (kind === "precondition-failed") {
                // Another object may be the one meant (`a+b.csv` raw vs `a b.csv` decoded): try the next key.
                superseded = true;
                continue;
            }
            if (kind !== "not-found") {
                throw toProcessorError(e, `reading s3://${bucket}/${key}`);
            }
            lastError = e;
        }
    }
    if (superseded) {
        return "superseded";
    }
    const tried = keys.length > 1 ? " (also tried the URL-decoded key)" : "";
    throw toProcessorError(lastError, `s3://${bucket}/${file.key} does not exist${tried}`);
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

/**
 * Processes one file and returns what happened; S3 and input failures become a `failed` result with
 * their exit code (and a status document), SIGTERM (`deps.signal`) an `interrupted` one. Throws only
 * for a key outside the upload prefix.
 */
export async function processFile(config: CommonConfig, file: FileRef, deps: RunDeps): Promise<RunResult> {
    const now = deps.now ?? Date.now;
    const started = now();
    const log = deps.log;

    // The status location is known from the event's key even when the object is missing.
    const keys = file.exactKey ? [file.key] : candidateKeys(file.key);
    let relative = relativeName(keys.find((k) => isUnderPrefix(k, config.uploadPrefix)) ?? file.key, config.uploadPrefix);
    const base: StatusDocument = {
        schemaVersion: 1,
        state: "running",
        bucket: config.bucket,
        key: file.key,
        etag: file.etag,
        size: file.size,
        eventTime: file.eventTime,
        eventId: file.eventId,
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
        object = await findObject(deps.s3, config.bucket, file, keys, deps.signal, log);
    } catch (e) {
        const d = describe(deps.signal.aborted ? new AbortedError() : e);
        log.error("cannot read the file", { errorClass: d.errorClass, error: d.message, exitCode: d.exitCode });
        const status = await finish(d.state, { error: { class: d.errorClass, message: d.message, exitCode: d.exitCode } });
        return { exitCode: d.exitCode, outcome: d.state === "interrupted" ? "interrupted" : "failed", status };
    }
    if (object === "superseded") {
        log.info("the object changed after this event (ETag differs); the newer upload has its own event, nothing to do", { etag: file.etag });
        return { exitCode: ExitCode.OK, outcome: "skipped" };
    }
    relative = relativeName(object.key, config.uploadPrefix);
    base.key = object.key;
    base.etag = object.etag || file.etag;
    base.size = object.size ?? file.size;
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
    if (previous && file.eventId && previous.eventId === file.eventId) {
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
        const badRowsByReason: Record<string, number> = {};
        for (const [code, kind] of Object.entries(summary.badRows.byReason)) {
            badRowsByReason[code] = kind.count;
        }
        const status = await finish("succeeded", {
            rowsProcessed: summary.rows,
            bytesRead: summary.bytes,
            badRows: summary.badRows.count,
            records: summary.accounting.records,
            badRowsByReason,
            outputKey,
            throughputRowsPerSecond: Math.round(summary.rows / seconds),
        });
        log.info("succeeded", { rows: summary.rows, badRows: summary.badRows.count, badRowsByReason, lines: summary.accounting.lines, outputKey, durationMs: status.durationMs });
        return { exitCode: ExitCode.OK, outcome: "succeeded", status, summary };
    } catch (e) {
        object.destroy();
        const d = describe(deps.signal.aborted ? new AbortedError() : normalise(e));
        log.error(d.state === "interrupted" ? "interrupted" : "failed", { errorClass: d.errorClass, error: d.message, exitCode: d.exitCode });
        const status = await finish(d.state, { error: { class: d.errorClass, message: d.message, exitCode: d.exitCode } });
        return { exitCode: d.exitCode, outcome: d.state === "interrupted" ? "interrupted" : "failed", status };
    }
}

/** What processOne needs: processFile's dependencies and the mode, for the metrics. */
export interface ProcessOneDeps extends RunDeps {
    mode: ProcessorMode;
}

/**
 * The one path every mode takes for a file: processFile with a logger carrying the file's bucket and
 * key, then its EMF metrics. Never throws: an unexpected error is a `failed` result.
 */
export async function processOne(config: CommonConfig, file: FileRef, deps: ProcessOneDeps): Promise<RunResult> {
    const log = deps.log.with({ bucket: config.bucket, key: file.key });
    let result: RunResult;
    try {
        result = await processFile(config, file, { ...deps, log });
    } catch (e) {
        const exitCode = e instanceof ProcessorError ? e.exitCode : ExitCode.INTERNAL;
        const errorClass = e instanceof ProcessorError ? e.errorClass : ((e as Error)?.name ?? "Error");
        log.error("failed", { errorClass, error: (e as Error)?.message ?? String(e), exitCode });
        result = { exitCode, outcome: "failed" };
    }
    await emitMetrics({
        outcome: result.outcome,
        rows: result.summary?.rows ?? 0,
        bytes: result.summary?.bytes ?? 0,
        badRows: result.summary?.badRows.count ?? 0,
        durationMs: result.status?.durationMs ?? 0,
        bucket: config.bucket,
        key: file.key,
        taskArn: deps.taskArn,
        mode: deps.mode,
    }).catch((e: unknown) => log.warn("could not emit metrics", { error: (e as Error).message }));
    return result;
}
