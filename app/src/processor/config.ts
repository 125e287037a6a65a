/**
 * The processor's settings, read from the environment. `PROCESSOR_MODE` picks how files arrive:
 *
 * - `event` (default): one file per run, named by S3_BUCKET / S3_KEY (the upload rule's RunTask overrides).
 * - `batch`: every file under the upload prefix not yet processed for its current ETag (a scheduled task or
 *   a Kubernetes Indexed Job, optionally sharded).
 * - `worker`: a long-running loop over the messages of an SQS queue (a queue-driven ECS service).
 *
 * Every invalid setting throws a ProcessorError (exit 64) whose message names the variable, its value and
 * what is allowed.
 */
import * as os from "os";
import * as path from "path";
import { ExitCode, ProcessorError } from "./exit-codes";
import { InputFormat, SummaryOptions } from "./summarize/types";

/** How files reach the processor. */
export type ProcessorMode = "event" | "batch" | "worker";

/** The values PROCESSOR_MODE accepts; unset means `event`. */
export const PROCESSOR_MODES: readonly ProcessorMode[] = ["event", "batch", "worker"];

/** Settings every mode shares: the bucket, its prefixes, S3 access, the summariser, shutdown. */
export interface CommonConfig {
    bucket: string;
    uploadPrefix: string;
    outputPrefix: string;
    statusPrefix: string;
    region: string;
    /** An S3-compatible endpoint (LocalStack, MinIO, a local server); AWS when unset. */
    endpoint?: string;
    forcePathStyle: boolean;
    summary: Pick<SummaryOptions, "format" | "delimiter" | "header" | "quotes" | "maxLineBytes" | "parallelism">;
    /** Ranged GETs of a large object (SUMMARY_S3_PART_BYTES, SUMMARY_S3_CONCURRENCY); defaults from the vCPUs and memory. */
    rangedRead: { partBytes?: number; concurrency?: number };
    /** ECS task metadata endpoint (v4), when running on ECS. */
    metadataUri?: string;
    /** How long after SIGTERM the process may take to record `interrupted` before it exits anyway. */
    shutdownGraceMs: number;
    /** Where each file's workspace (its input, OUTPUT_DIR and WORK_DIR) is made: SCRATCH_DIR, else TMPDIR (the task's scratch volume). */
    scratchDir: string;
    /** A command also gets the input on its stdin (COMMAND_STDIN). */
    commandStdin: boolean;
    /** How long after SIGTERM a command may take to exit before its process group is killed (COMMAND_GRACE_MS); below shutdownGraceMs. */
    commandGraceMs: number;
    /** Byte-range shards of one large file (docs/sharding.md). */
    shard: ShardConfig;
}

/** Byte-range sharding of one large upload across tasks (docs/sharding.md). */
export interface ShardConfig {
    /** SHARD_ABOVE_BYTES: a file larger than this is split; unset: sharding is off. */
    aboveBytes?: number;
    /** SHARD_BYTES: target bytes per shard. */
    shardBytes: number;
    /** SHARD_MAX: at most this many shards per file. */
    maxShards: number;
    /** SHARD_MAX_ATTEMPTS: runs of one shard before the file is failed. */
    maxAttempts: number;
    /** SHARD_STALE_MS: a shard whose heartbeat has not changed for this long (or that never started) is run again. */
    staleMs: number;
    /** S3_PARTIALS_PREFIX: where shards keep their partial results and markers until the merge deletes them. */
    partialsPrefix: string;
    /** COMMAND_ACCEPTS_RANGE: the job's command processes a byte range and merges partials (README, docs/sharding.md). */
    commandAcceptsRange: boolean;
    /** ECS_ENDPOINT: an ECS-compatible endpoint for RunTask (the local pipeline's); AWS when unset. */
    ecsEndpoint?: string;
    /** SHARD_SUBNETS, SHARD_SECURITY_GROUPS, SHARD_ASSIGN_PUBLIC_IP: the network the shard tasks get (the upload rule's). */
    subnets: string[];
    securityGroups: string[];
    assignPublicIp: boolean;
    /** SHARD_CAPACITY_PROVIDERS: `FARGATE:1,FARGATE_SPOT:3` (name:weight[:base]); empty: launch type FARGATE. */
    capacityProviders: { capacityProvider: string; weight: number; base: number }[];
    /** Set in a shard task started by a coordinator (SHARD_INDEX, SHARD_COUNT, SHARD_ETAG, SHARD_ATTEMPT). */
    role?: { index: number; count: number; etag: string; attempt: number };
}

/** One file to process, as an event, a listing or a queue message names it. */
export interface FileRef {
    /** The key exactly as delivered (raw or URL-encoded), unless `exactKey`. */
    key: string;
    size?: number;
    /** Without quotes. When set, the processor reads only this version of the object. */
    etag?: string;
    eventTime?: string;
    eventId?: string;
    /** The key is the object's real key (from a listing): never try a decoded form of it. */
    exactKey?: boolean;
}

/** Event mode: one file. */
export interface ProcessorConfig extends CommonConfig, FileRef {}

/** Batch mode: every unprocessed file under the upload prefix (of this shard). */
export interface BatchConfig extends CommonConfig {
    /** Only keys ending with one of these (case-sensitive); empty: every key. */
    keySuffixes: string[];
    /** At most this many files processed (not counting skipped ones) per run; unset: no limit. */
    maxFiles?: number;
    /** Runs sharing the files: a key belongs to shard `shardOf(key, shardCount)`. */
    shardCount: number;
    /** This run's shard, 0 to shardCount - 1. */
    shardIndex: number;
    /** Keys per ListObjectsV2 page (1–1000). */
    listPageSize: number;
}

/** Worker mode: messages from an SQS queue until SIGTERM. */
export interface WorkerConfig extends CommonConfig {
    queueUrl: string;
    /** An SQS-compatible endpoint; when unset, the SDK's regional endpoint (or the queue URL's host). */
    sqsEndpoint?: string;
    /** Messages per ReceiveMessage, 1–10. */
    maxMessages: number;
    /** Long polling, 0–20 seconds. */
    waitTimeSeconds: number;
    /** Visibility timeout the worker asks for and keeps extending; unset: the queue's own. */
    visibilityTimeoutSeconds?: number;
}

/** The mode and its validated settings. */
export type Settings =
    | { mode: "event"; config: ProcessorConfig }
    | { mode: "batch"; config: BatchConfig }
    | { mode: "worker"; config: WorkerConfig };

type Env = Record<string, string | undefined>;

function fail(message: string): never {
    throw new ProcessorError(message, ExitCode.CONFIG, "ConfigError");
}

function isSet(env: Env, name: string): boolean {
    const value = env[name];
    return value !== undefined && value !== "";
}

function required(env: Env, name: string, hint: string): string {
    const value = env[name];
    if (value === undefined || value === "") {
        fail(`${name} is not set; ${hint}`);
    }
    return value;
}

function optionalInt(env: Env, name: string, min: number, max: number, suffix = ""): number | undefined {
    const raw = env[name];
    if (raw === undefined || raw === "") {
        return undefined;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
        fail(`${name}: ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}${suffix}`);
    }
    return n;
}

function optionalBool(env: Env, name: string): boolean | undefined {
    const raw = env[name];
    if (raw === undefined || raw === "") {
        return undefined;
    }
    if (raw !== "true" && raw !== "false") {
        fail(`${name}: ${JSON.stringify(raw)} is not true or false`);
    }
    return raw === "true";
}

function optionalUrl(env: Env, name: string, example: string): string | undefined {
    const value = env[name] || undefined;
    if (value !== undefined && !/^https?:\/\/[^\s/]+/.test(value)) {
        fail(`${name}: ${JSON.stringify(value)} is not an http(s) URL such as ${example}`);
    }
    return value;
}

const FORMATS = ["auto", "csv", "tsv", "jsonl"];

/** PROCESSOR_MODE: `event` when unset. */
export function readMode(env: Env): ProcessorMode {
    const raw = env.PROCESSOR_MODE;
    if (raw === undefined || raw === "") {
        return "event";
    }
    if (!(PROCESSOR_MODES as readonly string[]).includes(raw)) {
        fail(`PROCESSOR_MODE: ${JSON.stringify(raw)} is not one of ${PROCESSOR_MODES.join(", ")} (unset means event)`);
    }
    return raw as ProcessorMode;
}

/** Reads PROCESSOR_MODE and that mode's settings; throws ProcessorError (exit 64) naming the variable. */
export function readSettings(env: Env): Settings {
    const mode = readMode(env);
    switch (mode) {
        case "event":
            return { mode, config: readConfig(env) };
        case "batch":
            return { mode, config: readBatchConfig(env) };
        case "worker":
            return { mode, config: readWorkerConfig(env) };
    }
}

/** The settings every mode shares; `bucket` has been read already (each mode explains it differently). */
function readCommon(env: Env, bucket: string): CommonConfig {
    const uploadPrefix = env.S3_UPLOAD_PREFIX || "uploads/";
    const outputPrefix = env.S3_OUTPUT_PREFIX || "processed/";
    const statusPrefix = env.S3_STATUS_PREFIX || "status/";
    for (const [name, prefix] of [["S3_OUTPUT_PREFIX", outputPrefix], ["S3_STATUS_PREFIX", statusPrefix]] as const) {
        if (prefix.startsWith(uploadPrefix) || uploadPrefix.startsWith(prefix)) {
            fail(`${name}: ${JSON.stringify(prefix)} overlaps S3_UPLOAD_PREFIX ${JSON.stringify(uploadPrefix)}; the processor's writes would trigger it again`);
        }
    }
    const endpoint = optionalUrl(env, "S3_ENDPOINT", "http://127.0.0.1:4566");
    const format = env.SUMMARY_FORMAT || "auto";
    if (!FORMATS.includes(format)) {
        fail(`SUMMARY_FORMAT: ${JSON.stringify(format)} is not one of ${FORMATS.join(", ")}`);
    }
    const delimiter = env.SUMMARY_DELIMITER === "\\t" ? "\t" : env.SUMMARY_DELIMITER || undefined;
    const shutdownGraceMs = optionalInt(env, "SHUTDOWN_GRACE_MS", 0, 115000) ?? 20000;
    const commandGraceMs = optionalInt(env, "COMMAND_GRACE_MS", 0, 115000) ?? defaultCommandGraceMs(shutdownGraceMs);
    if (commandGraceMs >= shutdownGraceMs && shutdownGraceMs > 0) {
        fail(`COMMAND_GRACE_MS: ${commandGraceMs} is not below SHUTDOWN_GRACE_MS (${shutdownGraceMs}); the processor needs time after killing the command to record interrupted`);
    }
    const scratchDir = env.SCRATCH_DIR || env.TMPDIR || os.tmpdir();
    if (!path.isAbsolute(scratchDir)) {
        fail(`${env.SCRATCH_DIR ? "SCRATCH_DIR" : "TMPDIR"}: ${JSON.stringify(scratchDir)} is not an absolute path (the task's scratch volume, e.g. /tmp)`);
    }
    if (delimiter !== undefined && [...delimiter].length !== 1) {
        fail(`SUMMARY_DELIMITER: ${JSON.stringify(delimiter)} is not a single character (use \\t for a tab)`);
    }
    return {
        bucket,
        uploadPrefix,
        outputPrefix,
        statusPrefix,
        region: env.AWS_REGION || env.AWS_DEFAULT_REGION || "us-east-1",
        endpoint,
        forcePathStyle: optionalBool(env, "S3_FORCE_PATH_STYLE") ?? endpoint !== undefined,
        summary: {
            format: format as InputFormat | "auto",
            delimiter,
            header: optionalBool(env, "SUMMARY_HEADER"),
            quotes: optionalBool(env, "SUMMARY_QUOTES"),
            maxLineBytes: optionalInt(env, "MAX_LINE_BYTES", 1024, 256 * 1024 * 1024),
            // Threads summarising a large file; the task definition sets one per whole vCPU.
            parallelism: optionalInt(env, "SUMMARY_PARALLELISM", 1, 16) ?? 1,
        },
        rangedRead: {
            partBytes: optionalInt(env, "SUMMARY_S3_PART_BYTES", 65536, 256 * 1024 * 1024),
            concurrency: optionalInt(env, "SUMMARY_S3_CONCURRENCY", 1, 64),
        },
        metadataUri: env.ECS_CONTAINER_METADATA_URI_V4 || undefined,
        shutdownGraceMs,
        scratchDir,
        commandStdin: optionalBool(env, "COMMAND_STDIN") ?? false,
        commandGraceMs,
        shard: readShardConfig(env, uploadPrefix, outputPrefix, statusPrefix),
    };
}

/** `a,b , c` → `["a", "b", "c"]`. */
function list(env: Env, name: string): string[] {
    return (env[name] ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
}

/** The sharding settings (docs/sharding.md); throws ProcessorError (exit 64) naming the variable. */
export function readShardConfig(env: Env, uploadPrefix: string, outputPrefix: string, statusPrefix: string): ShardConfig {
    const partialsPrefix = env.S3_PARTIALS_PREFIX || "partials/";
    for (const [name, prefix] of [["S3_UPLOAD_PREFIX", uploadPrefix], ["S3_OUTPUT_PREFIX", outputPrefix], ["S3_STATUS_PREFIX", statusPrefix]] as const) {
        if (partialsPrefix.startsWith(prefix) || prefix.startsWith(partialsPrefix)) {
            fail(`S3_PARTIALS_PREFIX: ${JSON.stringify(partialsPrefix)} overlaps ${name} ${JSON.stringify(prefix)}; give the partials their own prefix such as partials/`);
        }
    }
    const capacityProviders = list(env, "SHARD_CAPACITY_PROVIDERS").map((item) => {
        const m = /^([A-Za-z0-9_-]+):(\d+)(?::(\d+))?$/.exec(item);
        if (!m) {
            fail(`SHARD_CAPACITY_PROVIDERS: ${JSON.stringify(item)} is not name:weight or name:weight:base, such as FARGATE:1,FARGATE_SPOT:3`);
        }
        return { capacityProvider: m[1], weight: Number(m[2]), base: Number(m[3] ?? 0) };
    });
    const count = optionalInt(env, "SHARD_COUNT", 2, 10000);
    let role: ShardConfig["role"];
    if (count !== undefined || isSet(env, "SHARD_INDEX")) {
        if (count === undefined) {
            fail("SHARD_COUNT is not set; a shard task needs SHARD_INDEX, SHARD_COUNT and SHARD_ETAG (its coordinator sets them)");
        }
        const index = optionalInt(env, "SHARD_INDEX", 0, count - 1, ` (SHARD_COUNT is ${count})`);
        const etag = (env.SHARD_ETAG ?? "").replace(/"/g, "");
        if (index === undefined || etag === "") {
            fail(`${index === undefined ? "SHARD_INDEX" : "SHARD_ETAG"} is not set; a shard task needs SHARD_INDEX, SHARD_COUNT and SHARD_ETAG (its coordinator sets them)`);
        }
        role = { index, count, etag, attempt: optionalInt(env, "SHARD_ATTEMPT", 1, 1000) ?? 1 };
    }
    return {
        aboveBytes: optionalInt(env, "SHARD_ABOVE_BYTES", 0, Number.MAX_SAFE_INTEGER),
        shardBytes: optionalInt(env, "SHARD_BYTES", 1, Number.MAX_SAFE_INTEGER) ?? 1024 * 1024 * 1024,
        maxShards: optionalInt(env, "SHARD_MAX", 2, 10000) ?? 16,
        maxAttempts: optionalInt(env, "SHARD_MAX_ATTEMPTS", 1, 100) ?? 3,
        staleMs: optionalInt(env, "SHARD_STALE_MS", 100, 86400000) ?? 10 * 60 * 1000,
        partialsPrefix,
        commandAcceptsRange: optionalBool(env, "COMMAND_ACCEPTS_RANGE") ?? false,
        ecsEndpoint: optionalUrl(env, "ECS_ENDPOINT", "http://127.0.0.1:4566"),
        subnets: list(env, "SHARD_SUBNETS"),
        securityGroups: list(env, "SHARD_SECURITY_GROUPS"),
        assignPublicIp: optionalBool(env, "SHARD_ASSIGN_PUBLIC_IP") ?? false,
        capacityProviders,
        role,
    };
}

/**
 * The command's grace period: COMMAND_GRACE_MS, else SHUTDOWN_GRACE_MS less the time kept to kill the command and
 * record `interrupted` (5 s, or half the shutdown grace when that is shorter).
 */
export function defaultCommandGraceMs(shutdownGraceMs: number): number {
    return Math.max(shutdownGraceMs - 5000, Math.floor(shutdownGraceMs / 2));
}

/** Event mode: reads and validates the settings for one file; throws ProcessorError (exit 64) naming the variable. */
export function readConfig(env: Env): ProcessorConfig {
    const eventHint = (name: string) => `the upload rule sets it for each file (for a local run: ${name}=… npm run …)`;
    const bucket = required(env, "S3_BUCKET", eventHint("S3_BUCKET"));
    const key = required(env, "S3_KEY", eventHint("S3_KEY"));
    const common = readCommon(env, bucket);
    relativeName(key, common.uploadPrefix);
    const eventTime = env.S3_EVENT_TIME || undefined;
    if (eventTime !== undefined && Number.isNaN(Date.parse(eventTime))) {
        fail(`S3_EVENT_TIME: ${JSON.stringify(eventTime)} is not an ISO-8601 time`);
    }
    return {
        ...common,
        key,
        size: optionalInt(env, "S3_OBJECT_SIZE", 0, Number.MAX_SAFE_INTEGER),
        etag: env.S3_OBJECT_ETAG ? env.S3_OBJECT_ETAG.replace(/"/g, "") : undefined,
        eventTime,
        eventId: env.S3_EVENT_ID || undefined,
    };
}

/** S3_KEY names one file: in batch and worker mode it is a mistake, not something to ignore. */
function rejectKey(env: Env, mode: "batch" | "worker"): void {
    if (isSet(env, "S3_KEY")) {
        const what = mode === "batch" ? "batch mode processes every file under S3_UPLOAD_PREFIX" : "worker mode takes its files from the queue's messages";
        fail(`S3_KEY: ${JSON.stringify(env.S3_KEY)} is set, but ${what}; unset S3_KEY, or set PROCESSOR_MODE=event to process one file`);
    }
}

/** Batch mode settings; throws ProcessorError (exit 64) naming the variable. */
export function readBatchConfig(env: Env): BatchConfig {
    const bucket = required(env, "S3_BUCKET", "batch mode needs the bucket whose upload prefix it processes");
    rejectKey(env, "batch");
    const common = readCommon(env, bucket);
    const rawSuffixes = env.BATCH_KEY_SUFFIXES;
    const keySuffixes = (rawSuffixes ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    if (rawSuffixes !== undefined && rawSuffixes.trim() !== "" && keySuffixes.length === 0) {
        fail(`BATCH_KEY_SUFFIXES: ${JSON.stringify(rawSuffixes)} names no suffix; use a comma-separated list such as .csv,.csv.gz, or leave it unset for every key`);
    }
    const shardCount = optionalInt(env, "BATCH_SHARD_COUNT", 1, 100000) ?? 1;
    const inShards = ` (BATCH_SHARD_COUNT is ${shardCount})`;
    let shardIndex = optionalInt(env, "BATCH_SHARD_INDEX", 0, shardCount - 1, inShards);
    if (shardIndex === undefined) {
        // Kubernetes sets JOB_COMPLETION_INDEX in every pod of an Indexed Job.
        shardIndex = optionalInt(env, "JOB_COMPLETION_INDEX", 0, shardCount - 1, `${inShards}; set BATCH_SHARD_COUNT to the Job's completions`);
    }
    if (shardIndex === undefined && shardCount > 1) {
        fail(`BATCH_SHARD_INDEX is not set; with BATCH_SHARD_COUNT ${shardCount} each run needs its shard, 0 to ${shardCount - 1} (a Kubernetes Indexed Job sets JOB_COMPLETION_INDEX)`);
    }
    return {
        ...common,
        keySuffixes,
        maxFiles: optionalInt(env, "BATCH_MAX_FILES", 1, Number.MAX_SAFE_INTEGER),
        shardCount,
        shardIndex: shardIndex ?? 0,
        listPageSize: optionalInt(env, "BATCH_LIST_PAGE_SIZE", 1, 1000) ?? 1000,
    };
}

/** Worker mode settings; throws ProcessorError (exit 64) naming the variable. */
export function readWorkerConfig(env: Env): WorkerConfig {
    const queueUrl = required(env, "SQS_QUEUE_URL", "worker mode needs the queue it polls, such as https://sqs.us-east-1.amazonaws.com/123456789012/uploads");
    if (!/^https?:\/\/[^\s/]+\/\S+/.test(queueUrl)) {
        fail(`SQS_QUEUE_URL: ${JSON.stringify(queueUrl)} is not a queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/uploads`);
    }
    const bucket = required(env, "S3_BUCKET", "worker mode needs the one bucket its messages may name");
    rejectKey(env, "worker");
    const common = readCommon(env, bucket);
    return {
        ...common,
        queueUrl,
        sqsEndpoint: optionalUrl(env, "SQS_ENDPOINT", "http://127.0.0.1:9324"),
        maxMessages: optionalInt(env, "MAX_MESSAGES", 1, 10) ?? 1,
        waitTimeSeconds: optionalInt(env, "WAIT_TIME_SECONDS", 0, 20) ?? 20,
        visibilityTimeoutSeconds: optionalInt(env, "VISIBILITY_TIMEOUT_SECONDS", 1, 43200),
    };
}

/** Whether `key` names a file under the upload prefix (not the prefix itself). */
export function isUnderPrefix(key: string, uploadPrefix: string): boolean {
    return key.startsWith(uploadPrefix) && key.length > uploadPrefix.length;
}

/** `uploads/a/b.csv` → `a/b.csv`: where outputs and status documents go, below their prefixes. */
export function relativeName(key: string, uploadPrefix: string): string {
    if (!isUnderPrefix(key, uploadPrefix)) {
        throw new ProcessorError(
            `S3_KEY: ${JSON.stringify(key)} is not a file under the upload prefix ${JSON.stringify(uploadPrefix)}`,
            ExitCode.CONFIG,
            "ConfigError",
        );
    }
    return key.slice(uploadPrefix.length);
}

/**
 * The keys to try for an event's key, in order: as given, then (only if different) the key decoded
 * the way S3 event notifications encode keys (`+` for space, %XX escapes). Decoded once, never twice.
 */
export function candidateKeys(key: string): string[] {
    let decoded: string;
    try {
        decoded = decodeURIComponent(key.replace(/\+/g, " "));
    } catch {
        return [key];
    }
    return decoded === key ? [key] : [key, decoded];
}
