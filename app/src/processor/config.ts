/**
 * The processor's settings, read from the environment the upload rule and the task definition set.
 */
import { ExitCode, ProcessorError } from "./exit-codes";
import { InputFormat, SummaryOptions } from "./summarize/types";

export interface ProcessorConfig {
    bucket: string;
    /** The key exactly as the event delivered it (raw or URL-encoded). */
    key: string;
    size?: number;
    /** Without quotes. */
    etag?: string;
    eventTime?: string;
    eventId?: string;
    uploadPrefix: string;
    outputPrefix: string;
    statusPrefix: string;
    region: string;
    /** An S3-compatible endpoint (LocalStack, MinIO, a local server); AWS when unset. */
    endpoint?: string;
    forcePathStyle: boolean;
    summary: Pick<SummaryOptions, "format" | "delimiter" | "header" | "maxLineBytes" | "parallelism">;
    /** ECS task metadata endpoint (v4), when running on ECS. */
    metadataUri?: string;
    /** How long after SIGTERM the process may take to record `interrupted` before it exits anyway. */
    shutdownGraceMs: number;
}

type Env = Record<string, string | undefined>;

function fail(message: string): never {
    throw new ProcessorError(message, ExitCode.CONFIG, "ConfigError");
}

function required(env: Env, name: string): string {
    const value = env[name];
    if (value === undefined || value === "") {
        fail(`${name} is not set; the upload rule sets it for each file (for a local run: ${name}=… npm run …)`);
    }
    return value;
}

function optionalInt(env: Env, name: string, min: number, max: number): number | undefined {
    const raw = env[name];
    if (raw === undefined || raw === "") {
        return undefined;
    }
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
        fail(`${name}: ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
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

const FORMATS = ["auto", "csv", "tsv", "jsonl"];

/** Reads and validates the settings; throws ProcessorError (exit 64) naming the variable. */
export function readConfig(env: Env): ProcessorConfig {
    const bucket = required(env, "S3_BUCKET");
    const key = required(env, "S3_KEY");
    const uploadPrefix = env.S3_UPLOAD_PREFIX || "uploads/";
    const outputPrefix = env.S3_OUTPUT_PREFIX || "processed/";
    const statusPrefix = env.S3_STATUS_PREFIX || "status/";
    for (const [name, prefix] of [["S3_OUTPUT_PREFIX", outputPrefix], ["S3_STATUS_PREFIX", statusPrefix]] as const) {
        if (prefix.startsWith(uploadPrefix) || uploadPrefix.startsWith(prefix)) {
            fail(`${name}: ${JSON.stringify(prefix)} overlaps S3_UPLOAD_PREFIX ${JSON.stringify(uploadPrefix)}; the processor's writes would trigger it again`);
        }
    }
    relativeName(key, uploadPrefix);
    const endpoint = env.S3_ENDPOINT || undefined;
    if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) {
        fail(`S3_ENDPOINT: ${JSON.stringify(endpoint)} is not an http(s) URL such as http://127.0.0.1:4566`);
    }
    const format = env.SUMMARY_FORMAT || "auto";
    if (!FORMATS.includes(format)) {
        fail(`SUMMARY_FORMAT: ${JSON.stringify(format)} is not one of ${FORMATS.join(", ")}`);
    }
    const delimiter = env.SUMMARY_DELIMITER === "\\t" ? "\t" : env.SUMMARY_DELIMITER || undefined;
    if (delimiter !== undefined && [...delimiter].length !== 1) {
        fail(`SUMMARY_DELIMITER: ${JSON.stringify(delimiter)} is not a single character (use \\t for a tab)`);
    }
    const eventTime = env.S3_EVENT_TIME || undefined;
    if (eventTime !== undefined && Number.isNaN(Date.parse(eventTime))) {
        fail(`S3_EVENT_TIME: ${JSON.stringify(eventTime)} is not an ISO-8601 time`);
    }
    return {
        bucket,
        key,
        size: optionalInt(env, "S3_OBJECT_SIZE", 0, Number.MAX_SAFE_INTEGER),
        etag: env.S3_OBJECT_ETAG ? env.S3_OBJECT_ETAG.replace(/"/g, "") : undefined,
        eventTime,
        eventId: env.S3_EVENT_ID || undefined,
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
            maxLineBytes: optionalInt(env, "MAX_LINE_BYTES", 1024, 256 * 1024 * 1024),
            // Threads summarising a large file; the task definition sets one per whole vCPU.
            parallelism: optionalInt(env, "SUMMARY_PARALLELISM", 1, 16) ?? 1,
        },
        metadataUri: env.ECS_CONTAINER_METADATA_URI_V4 || undefined,
        shutdownGraceMs: optionalInt(env, "SHUTDOWN_GRACE_MS", 0, 115000) ?? 20000,
    };
}

/** `uploads/a/b.csv` → `a/b.csv`: where outputs and status documents go, below their prefixes. */
export function relativeName(key: string, uploadPrefix: string): string {
    if (!key.startsWith(uploadPrefix) || key.length === uploadPrefix.length) {
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
