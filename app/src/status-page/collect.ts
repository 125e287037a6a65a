/**
 * Reads every status document under a prefix and presigns GET links for it and (when the file
 * succeeded) for its summary. A document that cannot be read or is not a status document becomes
 * an entry with a `warning` instead of failing the whole page.
 */
import { GetObjectCommand, paginateListObjectsV2, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { StatusDocument, StatusState } from "../processor/status";
import type { StatusEntry } from "./types";

/** Status documents are small; anything larger is reported, not read. */
export const MAX_STATUS_BYTES = 1024 * 1024;
/** Outputs linked per file; the status document lists them all. */
export const MAX_OUTPUT_LINKS = 20;
/** SigV4 presigned URLs are valid for at most 7 days. */
export const MAX_LINK_EXPIRY_SECONDS = 604800;

export interface CollectOptions {
    bucket: string;
    statusPrefix: string;
    /** How long presigned links stay valid (1–604800 s). */
    linkExpirySeconds: number;
    /** How many documents are read at once (default 8). */
    concurrency?: number;
    /** Keys per ListObjectsV2 page (default 1000, S3's maximum). */
    pageSize?: number;
}

const STATES: readonly StatusState[] = ["running", "succeeded", "failed", "interrupted"];

/** Why a parsed value is not a status document, or undefined when it is one. */
export function statusDocumentProblem(value: unknown): string | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
        return "not a JSON object";
    }
    const v = value as Record<string, unknown>;
    if (typeof v.state !== "string" || !STATES.includes(v.state as StatusState)) {
        return `"state" is ${JSON.stringify(v.state) ?? "missing"}; expected one of ${STATES.join(", ")}`;
    }
    if (typeof v.key !== "string") {
        return `"key" is missing or not a string`;
    }
    if (typeof v.startedAt !== "string") {
        return `"startedAt" is missing or not a string`;
    }
    if (v.error !== undefined && (typeof v.error !== "object" || v.error === null)) {
        return `"error" is not an object`;
    }
    return undefined;
}

/** The keys a status document lists as its outputs (ignoring entries that are not `{ key: string }`). */
function outputKeys(status: StatusDocument): string[] {
    const outputs: unknown = status.outputs;
    if (!Array.isArray(outputs)) {
        return [];
    }
    return outputs
        .map((o: unknown) => (typeof o === "object" && o !== null ? (o as { key?: unknown }).key : undefined))
        .filter((k): k is string => typeof k === "string" && k.length > 0);
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
    const results = new Array<R>(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const i = next++;
            results[i] = await fn(items[i], i);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    return results;
}

interface Listed {
    key: string;
    size?: number;
    lastModified?: Date;
}

/** Every object under the prefix (all pages), except zero-byte "folder" markers. */
async function listAll(s3: S3Client, bucket: string, prefix: string, pageSize: number): Promise<Listed[]> {
    const out: Listed[] = [];
    for await (const page of paginateListObjectsV2({ client: s3, pageSize }, { Bucket: bucket, Prefix: prefix })) {
        for (const o of page.Contents ?? []) {
            if (!o.Key || (o.Key.endsWith("/") && !o.Size)) {
                continue;
            }
            out.push({ key: o.Key, size: o.Size, lastModified: o.LastModified });
        }
    }
    return out;
}

function presign(s3: S3Client, bucket: string, key: string, expiresIn: number): Promise<string> {
    return getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn });
}

/** The placeholder status of an unreadable document: failed, error class `UnreadableStatus`. */
function placeholder(bucket: string, statusPrefix: string, listed: Listed, warning: string): StatusDocument {
    const relative = listed.key.startsWith(statusPrefix) ? listed.key.slice(statusPrefix.length) : listed.key;
    return {
        schemaVersion: 1,
        state: "failed",
        bucket,
        key: relative.endsWith(".json") ? relative.slice(0, -".json".length) : relative,
        attempt: 0,
        startedAt: (listed.lastModified ?? new Date(0)).toISOString(),
        error: { class: "UnreadableStatus", message: warning, exitCode: 0 },
    };
}

function describeError(e: unknown): string {
    const err = e as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = err.$metadata?.httpStatusCode ? ` (HTTP ${err.$metadata.httpStatusCode})` : "";
    return `${err.name ?? "Error"}${status}: ${err.message ?? String(e)}`;
}

/**
 * One entry per object under `statusPrefix`, with presigned links. Listing errors (no such
 * bucket, access denied) reject; a document that cannot be read or parsed becomes an entry with
 * `warning`.
 */
export async function collectStatus(s3: S3Client, opts: CollectOptions): Promise<StatusEntry[]> {
    const expiresIn = opts.linkExpirySeconds;
    if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > MAX_LINK_EXPIRY_SECONDS) {
        throw new RangeError(`linkExpirySeconds must be a whole number from 1 to ${MAX_LINK_EXPIRY_SECONDS}, got ${expiresIn}`);
    }
    const listed = await listAll(s3, opts.bucket, opts.statusPrefix, opts.pageSize ?? 1000);
    return mapLimit(listed, opts.concurrency ?? 8, async (item): Promise<StatusEntry> => {
        const statusUrl = await presign(s3, opts.bucket, item.key, expiresIn);
        const unreadable = (warning: string): StatusEntry => ({
            statusKey: item.key,
            status: placeholder(opts.bucket, opts.statusPrefix, item, warning),
            statusUrl,
            warning,
        });
        if (item.size !== undefined && item.size > MAX_STATUS_BYTES) {
            return unreadable(`${item.size} bytes; a status document is at most ${MAX_STATUS_BYTES} bytes`);
        }
        let text: string;
        try {
            const res = await s3.send(new GetObjectCommand({ Bucket: opts.bucket, Key: item.key }));
            text = (await res.Body?.transformToString("utf-8")) ?? "";
        } catch (e) {
            return unreadable(`could not be read: ${describeError(e)}`);
        }
        let parsed: unknown;
        try {
            parsed = JSON.parse(text);
        } catch (e) {
            return unreadable(`not valid JSON: ${(e as Error).message}`);
        }
        const problem = statusDocumentProblem(parsed);
        if (problem) {
            return unreadable(`not a status document: ${problem}`);
        }
        const status = parsed as StatusDocument;
        const entry: StatusEntry = { statusKey: item.key, status, statusUrl };
        if (status.state === "succeeded" && typeof status.outputKey === "string" && status.outputKey.length > 0) {
            entry.summaryUrl = await presign(s3, opts.bucket, status.outputKey, expiresIn);
        }
        if (status.state === "succeeded") {
            const keys = outputKeys(status).filter((k) => k !== status.outputKey);
            if (keys.length > 0) {
                entry.outputUrls = await Promise.all(keys.slice(0, MAX_OUTPUT_LINKS).map(async (key) => ({ key, url: await presign(s3, opts.bucket, key, expiresIn) })));
                entry.moreOutputs = Math.max(0, keys.length - MAX_OUTPUT_LINKS) || undefined;
            }
        }
        return entry;
    });
}
