/**
 * A job's outputs: what it left in OUTPUT_DIR, the small `.status.json` it may add, and their upload.
 *
 * Atomicity. Each output is uploaded under its final key with lib-storage (multipart above 5 MiB):
 * an object appears only when its upload completes, so no reader sees half a file. The set of
 * outputs is committed by a manifest written last: the `succeeded` status document, which lists
 * every output with its size and ETag and is written only after the last upload completed. Until
 * it says `succeeded` for the input's ETag, outputs under the file's name may be from an earlier
 * version or an unfinished run.
 *
 * Why not upload to a staging prefix and copy: CopyObject needs read access to the source ("you must
 * have read access to the source object", https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html)
 * and cleaning the staging prefix needs s3:DeleteObject. The task role may only read the upload
 * prefix (and its own status documents) and only write the output and status prefixes; widening it
 * would undo that. A copy also moves every byte twice, and one CopyObject holds at most 5 GB (larger
 * ones need UploadPartCopy), so it is not atomic either for big outputs.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import * as fs from "fs";
import * as path from "path";
import { ExitCode, ProcessorError } from "./exit-codes";
import { OutputFile } from "./status";

/** The file a job may write in OUTPUT_DIR to report on its run; merged into the status document, never uploaded. */
export const STATUS_FILE = ".status.json";
export const MAX_STATUS_FILE_BYTES = 16 * 1024;
export const MAX_MESSAGE_CHARS = 1000;
export const MAX_JOB_METRICS = 20;
/** Files per run (the status document lists them all). */
export const MAX_OUTPUTS = 1000;
/** Multipart part size (lib-storage's default and S3's minimum): memory per upload is about queueSize × this. */
const PART_BYTES = 5 * 1024 * 1024;
/** S3's limit on a key, in UTF-8 bytes. */
const MAX_KEY_BYTES = 1024;
/**
 * Names a job's metric may not have: the metrics the processor emits itself, and the other members of
 * the same EMF document (its dimensions and properties, which share the document's top level).
 */
export const RESERVED_METRIC_NAMES = ["FilesProcessed", "RowsProcessed", "BytesRead", "BadRows", "DurationMs", "OutputFiles", "OutputBytes", "Service", "Outcome", "bucket", "key", "taskArn", "mode"];
const METRIC_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** What a job reports about its run (the summariser directly; a command through `.status.json`). */
export interface JobReport {
    rowsProcessed?: number;
    badRows?: number;
    bytesRead?: number;
    message?: string;
    metrics?: Record<string, number>;
}

/** A broken rule of the job contract: the file fails with exit 1 and class `CommandFailed:<code>`. */
export class ContractError extends ProcessorError {
    constructor(code: string, message: string) {
        super(message, ExitCode.COMMAND_FAILED, `CommandFailed:${code}`);
    }
}

export interface LocalOutput {
    /** Absolute path. */
    file: string;
    /** Path under OUTPUT_DIR with `/` separators. */
    relative: string;
    size: number;
}

/**
 * Every regular file under `outputDir` (sorted by path), and the `.status.json` report if there is
 * one. Symbolic links and other special files are refused: an output is a file the job wrote.
 */
export async function listOutputs(outputDir: string): Promise<{ files: LocalOutput[]; report?: JobReport }> {
    const files: LocalOutput[] = [];
    let report: JobReport | undefined;
    const walk = async (dir: string, prefix: string): Promise<void> => {
        const entries = (await fs.promises.readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        for (const entry of entries) {
            const file = path.join(dir, entry.name);
            const relative = `${prefix}${entry.name}`;
            if (entry.isDirectory()) {
                await walk(file, `${relative}/`);
            } else if (!entry.isFile()) {
                throw new ContractError("output-not-a-file", `OUTPUT_DIR/${relative} is ${entry.isSymbolicLink() ? "a symbolic link" : "not a regular file"}; outputs must be regular files`);
            } else if (relative === STATUS_FILE) {
                report = await readStatusFile(file);
            } else {
                if (files.length >= MAX_OUTPUTS) {
                    throw new ContractError("too-many-outputs", `OUTPUT_DIR holds more than ${MAX_OUTPUTS} files; write fewer (an archive, or one file per group)`);
                }
                files.push({ file, relative, size: (await fs.promises.stat(file)).size });
            }
        }
    };
    await walk(outputDir, "");
    return { files, report };
}

async function readStatusFile(file: string): Promise<JobReport> {
    const size = (await fs.promises.stat(file)).size;
    if (size > MAX_STATUS_FILE_BYTES) {
        throw new ContractError("status-file", `OUTPUT_DIR/${STATUS_FILE} is ${size} bytes; it may hold at most ${MAX_STATUS_FILE_BYTES}`);
    }
    return parseStatusFile(await fs.promises.readFile(file, "utf8"));
}

/**
 * Validates a `.status.json`: a JSON object with only `rowsProcessed`, `badRows` (whole numbers ≥ 0),
 * `message` (text, at most 1000 characters) and `metrics` (at most 20 names → finite numbers).
 */
export function parseStatusFile(text: string): JobReport {
    const bad = (problem: string): never => {
        throw new ContractError("status-file", `OUTPUT_DIR/${STATUS_FILE}: ${problem}`);
    };
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch (e) {
        return bad(`not valid JSON (${(e as Error).message})`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return bad("is not a JSON object");
    }
    const report: JobReport = {};
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        switch (name) {
            case "rowsProcessed":
            case "badRows":
                if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
                    bad(`${name} is ${JSON.stringify(v)}; give a whole number of at least 0`);
                }
                report[name] = v as number;
                break;
            case "message":
                if (typeof v !== "string" || v.length > MAX_MESSAGE_CHARS) {
                    bad(`message is not text of at most ${MAX_MESSAGE_CHARS} characters`);
                }
                report.message = v as string;
                break;
            case "metrics": {
                if (typeof v !== "object" || v === null || Array.isArray(v)) {
                    return bad("metrics is not an object of metric names and numbers");
                }
                const metrics = Object.entries(v as Record<string, unknown>);
                if (metrics.length > MAX_JOB_METRICS) {
                    bad(`metrics has ${metrics.length} names; at most ${MAX_JOB_METRICS}`);
                }
                for (const [metric, n] of metrics) {
                    if (!METRIC_NAME.test(metric) || RESERVED_METRIC_NAMES.includes(metric)) {
                        bad(`metric name ${JSON.stringify(metric)} is not allowed; use 1–64 letters, digits, _ . - starting with a letter, other than ${RESERVED_METRIC_NAMES.join(", ")}`);
                    }
                    if (typeof n !== "number" || !Number.isFinite(n)) {
                        bad(`metrics.${metric} is ${JSON.stringify(n)}; give a finite number`);
                    }
                }
                report.metrics = Object.fromEntries(metrics) as Record<string, number>;
                break;
            }
            default:
                bad(`unknown field ${JSON.stringify(name)}; the fields are rowsProcessed, badRows, message, metrics`);
        }
    }
    return report;
}

const CONTENT_TYPES: Record<string, string> = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".jsonl": "application/x-ndjson",
    ".ndjson": "application/x-ndjson",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".gz": "application/gzip",
    ".zip": "application/zip",
    ".parquet": "application/vnd.apache.parquet",
    ".png": "image/png",
    ".svg": "image/svg+xml",
};

export function contentType(name: string): string {
    return CONTENT_TYPES[path.extname(name).toLowerCase()] ?? "application/octet-stream";
}

/**
 * Uploads each output under `keyFor(relative)` with lib-storage (multipart above 5 MiB; an aborted
 * upload leaves nothing behind), one after another, and returns what was uploaded.
 */
export async function uploadOutputs(
    s3: S3Client,
    bucket: string,
    files: readonly LocalOutput[],
    keyFor: (relative: string) => string,
    signal: AbortSignal,
): Promise<OutputFile[]> {
    const keys = files.map((f) => keyFor(f.relative));
    const long = keys.find((k) => Buffer.byteLength(k, "utf8") > MAX_KEY_BYTES);
    if (long !== undefined) {
        throw new ContractError("output-name", `the output key ${JSON.stringify(long.slice(0, 120))}… is over S3's ${MAX_KEY_BYTES} bytes; use shorter names in OUTPUT_DIR`);
    }
    const uploaded: OutputFile[] = [];
    for (const [i, f] of files.entries()) {
        signal.throwIfAborted();
        // A small file is read whole (a stream of unknown length would be a single PUT the SDK warns about);
        // a larger one is streamed, part by part.
        const body = f.size <= PART_BYTES ? await fs.promises.readFile(f.file) : fs.createReadStream(f.file);
        const upload = new Upload({
            client: s3,
            params: { Bucket: bucket, Key: keys[i], Body: body, ContentType: contentType(f.relative) },
            partSize: PART_BYTES,
            queueSize: 4,
            leavePartsOnError: false,
        });
        const abort = () => void upload.abort();
        signal.addEventListener("abort", abort, { once: true });
        try {
            const res = await upload.done();
            uploaded.push({ key: keys[i], size: f.size, etag: "ETag" in res && res.ETag ? res.ETag.replace(/"/g, "") : undefined });
        } finally {
            signal.removeEventListener("abort", abort);
        }
    }
    return uploaded;
}
