/**
 * One file, start to finish, whatever does the work: find the object (raw or URL-encoded key), skip
 * it if this ETag was already processed, record `running`, make the file's workspace, run the job
 * (the built-in summariser, or the stack's command: summary-job.ts, command.ts), upload what it wrote to
 * OUTPUT_DIR, record the outcome with the outputs listed (the manifest, written last: outputs.ts),
 * emit metrics, remove the workspace. Never modifies the input object.
 *
 * Every mode goes through `processOne`: event mode for its one file, batch mode for each listed
 * file, worker mode for each file a queue message names.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { CommandError } from "./command";
import { CommonConfig, FileRef, ProcessorMode, candidateKeys, isUnderPrefix, relativeName } from "./config";
import { ExitCode, ExitCodeValue, ProcessorError } from "./exit-codes";
import { Job, JobInterrupted, summaryJob } from "./job";
import { Logger } from "./log";
import { emitMetrics } from "./metrics";
import { ContractError, JobReport, listOutputs, uploadOutputs } from "./outputs";
import { OpenedObject, classify, openObject, readJson, toProcessorError, writeJson } from "./s3";
import { StatusDocument, StatusError, StatusState, statusKey } from "./status";
import { AbortedError, InputError } from "./summarize/types";
import { Workspace, createWorkspace, removeWorkspace } from "./workspace";
import { ShardedRun, coordinate, runIndexedShard, runShardTask, shardCount } from "./shard";
import { createOnce, getJsonTagged, replaceIfUnchanged } from "./shard-store";

export interface RunDeps {
    s3: S3Client;
    log: Logger;
    /** Aborted on SIGTERM. */
    signal: AbortSignal;
    taskArn?: string;
    now?: () => number;
    /** What does the work: the built-in summariser (default) or a command (command.ts). */
    job?: Job;
    /**
     * Batch mode in a Kubernetes Indexed Job: this pod is shard `index` of `count` of every file above
     * SHARD_ABOVE_BYTES (docs/sharding.md); nothing is started, the Job's other pods are the shards.
     */
    indexedShard?: { index: number; count: number };
}

export interface RunResult {
    exitCode: ExitCodeValue;
    outcome: "succeeded" | "failed" | "interrupted" | "skipped";
    status?: StatusDocument;
    /** What the job reported (rows, bad rows, its metrics), when it succeeded. */
    report?: JobReport;
    /** A shard's part of a file (docs/sharding.md): the run that wrote the file's final status emits its metrics, once. */
    partOnly?: true;
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
    if (error instanceof InputError || error instanceof AbortedError || error instanceof JobInterrupted || error instanceof ProcessorError) {
        return error;
    }
    return classify(error) === "other" ? error : toProcessorError(error, "S3");
}

interface Described {
    state: StatusState;
    exitCode: ExitCodeValue;
    error: StatusError;
}

function describe(error: unknown): Described {
    const d = (state: StatusState, exitCode: ExitCodeValue, errorClass: string, message: string, more: Partial<StatusError> = {}): Described => ({
        state,
        exitCode,
        error: { class: errorClass, message, exitCode, ...more },
    });
    if (error instanceof JobInterrupted) {
        return d("interrupted", ExitCode.INTERRUPTED, error.killed ? "Interrupted:killed" : "Interrupted", error.message);
    }
    if (error instanceof AbortedError) {
        return d("interrupted", ExitCode.INTERRUPTED, "Interrupted", "stopped by SIGTERM before the file was finished");
    }
    if (error instanceof InputError) {
        return d("failed", ExitCode.INPUT, `InputError:${error.code}`, error.message);
    }
    if (error instanceof CommandError) {
        return d("failed", error.exitCode, error.errorClass, error.message, {
            commandExitCode: error.commandExitCode,
            commandSignal: error.commandSignal,
            stderr: error.stderr.length > 0 ? error.stderr : undefined,
        });
    }
    if (error instanceof ProcessorError) {
        return d("failed", error.exitCode, error.errorClass, error.message);
    }
    return d("failed", ExitCode.INTERNAL, (error as Error)?.name ?? "Error", (error as Error)?.message ?? String(error));
}

/**
 * Processes one file with `deps.job` (default: the summariser) and returns what happened; S3, input and
 * job failures become a `failed` result with their exit code (and a status document), SIGTERM
 * (`deps.signal`) an `interrupted` one. Throws only for a key outside the upload prefix.
 */
export async function processFile(config: CommonConfig, file: FileRef, deps: RunDeps): Promise<RunResult> {
    const now = deps.now ?? Date.now;
    const started = now();
    const log = deps.log;
    const job = deps.job ?? summaryJob();

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
        job: job.kind,
        attempt: 1,
        startedAt: new Date(started).toISOString(),
    };
    const finalDoc = (state: StatusState, extra: Partial<StatusDocument>): StatusDocument => {
        const completed = now();
        return { ...base, ...extra, state, completedAt: new Date(completed).toISOString(), durationMs: completed - started };
    };
    const finish = async (state: StatusState, extra: Partial<StatusDocument>): Promise<StatusDocument> => {
        const doc = finalDoc(state, extra);
        try {
            await writeJson(deps.s3, config.bucket, statusKey(config.statusPrefix, relative), doc);
        } catch (e) {
            log.error("could not write the status document", { state, error: (e as Error).message });
        }
        return doc;
    };
    const described = (e: unknown, msg?: string): Described => {
        const d = describe(deps.signal.aborted && !(e instanceof JobInterrupted) ? new AbortedError() : normalise(e));
        log.error(msg ?? (d.state === "interrupted" ? "interrupted" : "failed"), { errorClass: d.error.class, error: d.error.message, exitCode: d.exitCode });
        return d;
    };
    const fail = async (e: unknown, msg?: string): Promise<RunResult> => {
        const d = described(e, msg);
        const status = await finish(d.state, { error: d.error });
        return { exitCode: d.exitCode, outcome: d.state === "interrupted" ? "interrupted" : "failed", status };
    };
    /**
     * A sharded run's error. Other tasks share the file (its shards, the other pods of an Indexed Job), and one of
     * them may have written its final status already, or write it meanwhile: this task's failure is written only over
     * a status that is not final for this version, with If-Match on the version read (or If-None-Match when there is
     * none), so it never replaces the result another task wrote.
     */
    const failSharded = async (e: unknown, statusAt: string): Promise<RunResult> => {
        const d = described(e);
        const outcome = d.state === "interrupted" ? ("interrupted" as const) : ("failed" as const);
        for (let attempt = 0; attempt < 3; attempt++) {
            let current: { value: StatusDocument; etag: string } | undefined;
            try {
                current = await getJsonTagged<StatusDocument>(deps.s3, config.bucket, statusAt);
            } catch (err) {
                if (classify(err) !== "not-found") {
                    break;
                }
            }
            if (current !== undefined && current.value.etag === base.etag && (current.value.state === "succeeded" || current.value.state === "failed")) {
                log.warn("the file has its final status from another task already: this task's failure is left out of it", { state: current.value.state });
                return { exitCode: d.exitCode, outcome, partOnly: true };
            }
            const status = finalDoc(d.state, { error: d.error });
            const written = current === undefined ? await createOnce(deps.s3, config.bucket, statusAt, status) : (await replaceIfUnchanged(deps.s3, config.bucket, statusAt, current.etag, status)) !== undefined;
            if (written) {
                return { exitCode: d.exitCode, outcome, status };
            }
        }
        // S3 did not let the status be read or written: the failure is in this task's log, metrics and exit code.
        log.error("could not write the status document", { state: d.state });
        return { exitCode: d.exitCode, outcome };
    };

    let object: OpenedObject | "superseded";
    try {
        object = await findObject(deps.s3, config.bucket, file, keys, deps.signal, log);
    } catch (e) {
        return fail(e, "cannot read the file");
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

    const role = config.shard.role;
    const work = job.shardWork?.(config, object.key);
    const indexed = deps.indexedShard;
    const wanted = work !== undefined && base.size !== undefined && base.etag ? shardCount(base.size, config.shard) : 1;
    // In an Indexed Job the pods are the shards: at most one per pod.
    const shards = indexed === undefined ? wanted : Math.min(wanted, indexed.count);
    if (role !== undefined || shards > 1) {
        object.destroy();
        if (work === undefined) {
            return fail(new ProcessorError(`SHARD_INDEX: this task is shard ${role?.index} of a file, but the job processes whole files only (a command needs COMMAND_ACCEPTS_RANGE=true)`, ExitCode.CONFIG, "ConfigError"));
        }
        if (role !== undefined && role.etag !== base.etag) {
            log.info("the object changed after its shards were planned (ETag differs); the newer upload has its own event, nothing to do", { etag: base.etag, shardEtag: role.etag });
            return { exitCode: ExitCode.OK, outcome: "skipped" };
        }
        const run: ShardedRun = {
            config,
            file,
            object: { key: object.key, etag: base.etag as string, size: base.size as number },
            relative,
            work,
            deps: {
                s3: deps.s3,
                log,
                signal: deps.signal,
                now,
                taskArn: deps.taskArn,
                // The ECS client is loaded by the task that starts shards, when it starts them (not at every task's start).
                // eslint-disable-next-line @typescript-eslint/no-require-imports
                launcher: indexed === undefined ? () => (require("./launcher") as typeof import("./launcher")).ecsLauncher(config.shard, config.metadataUri, config.region) : undefined,
                outputKey: (outputPath) => job.outputKey(config, relative, outputPath),
            },
        };
        if (role === undefined) {
            try {
                return indexed === undefined ? await coordinate(run, shards, base) : await runIndexedShard(run, indexed.index, shards, base);
            } catch (e) {
                return failSharded(e, statusAt);
            }
        }
        try {
            return await runShardTask(run, role.index, role.attempt);
        } catch (e) {
            // The file's status belongs to the coordinator and the merge: a shard task that cannot even
            // start its range leaves it alone (its heartbeat never beats, so the coordinator runs it again).
            const d = describe(normalise(e));
            log.error("the shard could not run", { shard: role.index, attempt: role.attempt, errorClass: d.error.class, error: d.error.message, exitCode: d.exitCode });
            return { exitCode: d.exitCode, outcome: "failed" };
        }
    }

    let workspace: Workspace | undefined;
    try {
        await writeJson(deps.s3, config.bucket, statusAt, base);
        log.info("processing", { attempt: base.attempt, size: base.size, etag: base.etag, job: job.kind });
        workspace = await createWorkspace(config.scratchDir);
        const done = await job.run({ config, file, object, relative, workspace, log, signal: deps.signal, now });
        const { files, report } = await listOutputs(workspace.outputDir);
        if (files.length === 0) {
            throw new ContractError("no-output", "the command exited 0 but wrote nothing to OUTPUT_DIR; write at least one file (an empty result is an empty file)");
        }
        throwIfAborted(deps.signal);
        const outputs = await uploadOutputs(deps.s3, config.bucket, files, (path) => job.outputKey(config, relative, path), deps.signal);
        throwIfAborted(deps.signal);
        const counts: JobReport = { ...done, ...report };
        const rows = counts.rowsProcessed;
        const seconds = Math.max((now() - started) / 1000, 0.001);
        const status = await finish("succeeded", {
            rowsProcessed: rows,
            bytesRead: counts.bytesRead ?? base.size,
            badRows: counts.badRows,
            records: counts.records,
            badRowsByReason: counts.badRowsByReason,
            outputKey: job.kind === "summary" ? outputs[0].key : undefined,
            outputs,
            message: counts.message,
            metrics: counts.metrics,
            throughputRowsPerSecond: rows === undefined ? undefined : Math.round(rows / seconds),
        });
        log.info("succeeded", { rows, badRows: counts.badRows, badRowsByReason: counts.badRowsByReason, lines: counts.lines, outputKey: status.outputKey, outputKeys: outputs.map((o) => o.key), durationMs: status.durationMs });
        return { exitCode: ExitCode.OK, outcome: "succeeded", status, report: counts };
    } catch (e) {
        object.destroy();
        return fail(e);
    } finally {
        if (workspace !== undefined) {
            await removeWorkspace(workspace).catch((e: unknown) => log.warn("could not remove the file's workspace", { workspace: workspace?.root, error: (e as Error).message }));
        }
    }
}

function throwIfAborted(signal: AbortSignal): void {
    if (signal.aborted) {
        throw new AbortedError();
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
    if (result.partOnly) {
        return result;
    }
    await emitMetrics({
        outcome: result.outcome,
        rows: result.report?.rowsProcessed ?? 0,
        bytes: result.report?.bytesRead ?? 0,
        badRows: result.report?.badRows ?? 0,
        outputFiles: result.status?.outputs?.length ?? 0,
        outputBytes: (result.status?.outputs ?? []).reduce((sum, o) => sum + o.size, 0),
        jobMetrics: result.report?.metrics,
        durationMs: result.status?.durationMs ?? 0,
        bucket: config.bucket,
        key: file.key,
        taskArn: deps.taskArn,
        mode: deps.mode,
    }).catch((e: unknown) => log.warn("could not emit metrics", { error: (e as Error).message }));
    return result;
}
