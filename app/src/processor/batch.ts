/**
 * Batch mode: go through every file under the upload prefix (one page of ListObjectsV2 at a time)
 * and process, one after the other, each that has not been processed successfully for its current
 * ETag. Runs may share the files by shard (a Kubernetes Indexed Job's pods, or parallel tasks): a key
 * belongs to shard `shardOf(key, shardCount)`, so every key is in exactly one shard.
 */
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { BatchConfig, relativeName } from "./config";
import { ExitCode, ExitCodeValue, ProcessorError } from "./exit-codes";
import { Job, summaryJob } from "./job";
import { Logger } from "./log";
import { emitBatchMetrics } from "./metrics";
import { RunDeps, processOne } from "./run";
import { shardCount } from "./shard";
import { readJson, toProcessorError } from "./s3";
import { StatusDocument, statusKey } from "./status";

/** 32-bit FNV-1a of the UTF-8 bytes of `text`: stable across runs, processes and platforms. */
export function fnv1a32(text: string): number {
    let hash = 0x811c9dc5;
    for (const byte of Buffer.from(text, "utf8")) {
        hash ^= byte;
        hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    return hash >>> 0;
}

/** The shard (0 to shardCount - 1) a key belongs to. */
export function shardOf(key: string, shardCount: number): number {
    if (!Number.isInteger(shardCount) || shardCount < 1) {
        throw new RangeError(`shardCount: ${shardCount} is not a whole number of at least 1`);
    }
    return fnv1a32(key) % shardCount;
}

/** Why a listed key is not one of this run's files, or undefined when it is. */
export function excluded(key: string, config: Pick<BatchConfig, "uploadPrefix" | "keySuffixes" | "shardCount" | "shardIndex">): "directory" | "suffix" | "shard" | undefined {
    if (key.endsWith("/") || key.length <= config.uploadPrefix.length) {
        return "directory";
    }
    if (config.keySuffixes.length > 0 && !config.keySuffixes.some((s) => key.endsWith(s))) {
        return "suffix";
    }
    if (shardOf(key, config.shardCount) !== config.shardIndex) {
        return "shard";
    }
    return undefined;
}

export interface ListedObject {
    key: string;
    /** Without quotes. */
    etag: string;
    size?: number;
}

/** Every object under `prefix`, page by page (ListObjectsV2 with continuation tokens). */
export async function* listObjects(s3: S3Client, bucket: string, prefix: string, pageSize: number, signal: AbortSignal): AsyncGenerator<ListedObject> {
    let token: string | undefined;
    do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: pageSize, ContinuationToken: token }), { abortSignal: signal });
        for (const o of page.Contents ?? []) {
            if (o.Key !== undefined) {
                yield { key: o.Key, etag: (o.ETag ?? "").replace(/"/g, ""), size: o.Size };
            }
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
}

export interface BatchCounts {
    /** Objects listed under the upload prefix (all shards, suffixes and directory markers). */
    listed: number;
    /** This run's files: not directories, matching the suffixes, in this shard. */
    seen: number;
    /** Processed successfully in this run. */
    processed: number;
    /** Already processed for their current ETag, or changed while the run read them. */
    skipped: number;
    failed: number;
    interrupted: number;
}

export interface BatchResult {
    exitCode: ExitCodeValue;
    counts: BatchCounts;
    /** BATCH_MAX_FILES files were processed; others may be left for the next run. */
    limitReached: boolean;
}

/**
 * What a batch runs with: what `processOne` takes, less the shard, which the batch decides for each file.
 * The signal is aborted on SIGTERM: the file in progress is recorded `interrupted` and no other starts.
 */
export type BatchDeps = Omit<RunDeps, "indexedShard">;

/** Whether the object is split into byte ranges across the batch's shards (sharding on, above the threshold, a job that takes ranges). */
function rangeSharded(config: BatchConfig, object: ListedObject, job: Job | undefined): boolean {
    return object.size !== undefined && shardCount(object.size, config.shard) > 1 && (job ?? summaryJob()).shardWork?.(config, object.key) !== undefined;
}

/** Whether the status document says this version was already processed (the check event mode makes). */
async function alreadyProcessed(s3: S3Client, config: BatchConfig, object: ListedObject, log: Logger): Promise<boolean> {
    const at = statusKey(config.statusPrefix, relativeName(object.key, config.uploadPrefix));
    try {
        const previous = await readJson<StatusDocument>(s3, config.bucket, at);
        return previous?.state === "succeeded" && previous.etag === object.etag;
    } catch (e) {
        // processFile reads it again (and says so if it still cannot).
        log.warn("could not read the status document; processing the file", { key: object.key, statusKey: at, error: (e as Error).message });
        return false;
    }
}

/** Runs one batch: never throws; the result's exit code is the process's. */
export async function runBatch(config: BatchConfig, deps: BatchDeps): Promise<BatchResult> {
    const now = deps.now ?? Date.now;
    const started = now();
    const log = deps.log;
    const counts: BatchCounts = { listed: 0, seen: 0, processed: 0, skipped: 0, failed: 0, interrupted: 0 };
    let limitReached = false;
    let listFailure: ProcessorError | undefined;
    const shard = { shardIndex: config.shardIndex, shardCount: config.shardCount };
    log.info("batch started", { uploadPrefix: config.uploadPrefix, keySuffixes: config.keySuffixes, maxFiles: config.maxFiles, ...shard });

    try {
        for await (const object of listObjects(deps.s3, config.bucket, config.uploadPrefix, config.listPageSize, deps.signal)) {
            if (deps.signal.aborted) {
                break;
            }
            counts.listed++;
            // A file above SHARD_ABOVE_BYTES is every pod's: each takes its byte range (docs/sharding.md).
            const inRanges = config.shardCount > 1 && rangeSharded(config, object, deps.job);
            const reason = excluded(object.key, config);
            if (reason !== undefined && !(reason === "shard" && inRanges)) {
                continue;
            }
            counts.seen++;
            if (await alreadyProcessed(deps.s3, config, object, log)) {
                counts.skipped++;
                log.info("batch file", { key: object.key, outcome: "skipped", reason: "already processed (same ETag)", etag: object.etag });
                continue;
            }
            if (deps.signal.aborted) {
                break;
            }
            const result = await processOne(config, { key: object.key, size: object.size, exactKey: true }, {
                ...deps,
                mode: "batch",
                indexedShard: inRanges ? { index: config.shardIndex, count: config.shardCount } : undefined,
            });
            log.info("batch file", { key: object.key, outcome: result.outcome, exitCode: result.exitCode, etag: result.status?.etag ?? object.etag });
            if (result.outcome === "succeeded") {
                counts.processed++;
            } else if (result.outcome === "skipped") {
                counts.skipped++;
            } else if (result.outcome === "failed") {
                counts.failed++;
            } else {
                counts.interrupted++;
                break;
            }
            if (config.maxFiles !== undefined && counts.processed + counts.failed >= config.maxFiles) {
                limitReached = true;
                break;
            }
        }
    } catch (e) {
        if (!deps.signal.aborted) {
            listFailure = e instanceof ProcessorError ? e : toProcessorError(e, `listing s3://${config.bucket}/${config.uploadPrefix}`);
            log.error("cannot list the upload prefix", { errorClass: listFailure.errorClass, error: listFailure.message, exitCode: listFailure.exitCode });
        }
    }

    const exitCode: ExitCodeValue = deps.signal.aborted
        ? ExitCode.INTERRUPTED
        : listFailure !== undefined
          ? listFailure.exitCode
          : counts.failed > 0
            ? ExitCode.SOME_FILES_FAILED
            : ExitCode.OK;
    const durationMs = now() - started;
    const line = { ...counts, limitReached, ...shard, durationMs, exitCode };
    if (exitCode === ExitCode.OK) {
        log.info("batch finished", line);
    } else {
        const msg = deps.signal.aborted ? "batch interrupted" : listFailure !== undefined ? "batch stopped: cannot list the upload prefix" : "batch finished with failures";
        log.error(msg, line);
    }
    await emitBatchMetrics({ ...counts, durationMs, bucket: config.bucket, ...shard, taskArn: deps.taskArn }).catch((e: unknown) =>
        log.warn("could not emit metrics", { error: (e as Error).message }),
    );
    return { exitCode, counts, limitReached };
}
