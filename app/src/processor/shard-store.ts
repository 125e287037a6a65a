/**
 * The S3 operations byte-range shards coordinate with (docs/sharding.md): create-once markers,
 * a write that only replaces a known version, a listing, and the clean-up of a file's partials.
 *
 * Conditional writes, from AWS's documentation
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html and
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html):
 * - `If-None-Match: *` uploads the object only if no object with that key exists; otherwise S3
 *   answers 412 Precondition Failed. Two such writes racing on one key: one succeeds, the other
 *   gets 412 (or 409 ConditionalRequestConflict while the first is in flight; AWS says to retry it,
 *   and the retry then gets 412).
 * - `If-Match: <etag>` uploads only if the current object has that ETag; otherwise 412.
 * S3 is strongly consistent: a successful PUT is visible to every later GET and LIST
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Welcome.html#ConsistencyModel).
 */
import { randomUUID } from "crypto";
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { classify } from "./s3";

/** A key under a file's partials prefix, as listed. */
export interface ListedMarker {
    key: string;
    etag: string;
}

function body(value: unknown): string {
    return `${JSON.stringify(value)}\n`;
}

/**
 * Creates `key` with `value` only when no object has that key: true when this call created it,
 * false when one existed (412). A 409 (a concurrent conditional write in flight) is retried until
 * it resolves to one or the other.
 *
 * The SDK re-sends a PUT whose answer never came (a reset connection, a timeout, a 5xx: its
 * "transient" errors, https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html),
 * although S3 may have stored the first one; the re-sent conditional write then finds that object
 * and gets 412. So each call tags its object with a random token (user metadata), and a 412 on an
 * object that carries this call's token is this call's own creation.
 */
export async function createOnce(s3: S3Client, bucket: string, key: string, value: unknown): Promise<boolean> {
    const token = randomUUID();
    for (let attempt = 0; ; attempt++) {
        try {
            await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body(value), ContentType: "application/json", IfNoneMatch: "*", Metadata: { [CREATED_BY]: token } }));
            return true;
        } catch (e) {
            if (classify(e) === "precondition-failed") {
                return (await creationToken(s3, bucket, key)) === token;
            }
            if (!isConflict(e) || attempt >= 20) {
                throw e;
            }
            await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
        }
    }
}

/** The user metadata (x-amz-meta-created-by) that tells which createOnce call made an object. */
const CREATED_BY = "created-by";

/** The token createOnce tagged `key` with; undefined when the object is gone or has none. */
async function creationToken(s3: S3Client, bucket: string, key: string): Promise<string | undefined> {
    try {
        return (await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }))).Metadata?.[CREATED_BY];
    } catch (e) {
        if (classify(e) === "not-found") {
            return undefined;
        }
        throw e;
    }
}

function isConflict(e: unknown): boolean {
    const err = e as { name?: string; $metadata?: { httpStatusCode?: number } };
    return err.name === "ConditionalRequestConflict" || err.$metadata?.httpStatusCode === 409;
}

/** Writes a JSON document; returns its ETag (without quotes). */
export async function putJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<string> {
    const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body(value), ContentType: "application/json" }));
    return (res.ETag ?? "").replace(/"/g, "");
}

/**
 * Replaces `key` only while it still has `etag`: the new ETag, or undefined when someone else wrote
 * it since (412), or is writing it now (409 ConditionalRequestConflict: S3's answer while another
 * write of the key is in flight; that write is the newer version). How the coordinator's progress
 * updates never overwrite the merge's final status, and how one task claims a failed file's restart.
 */
export async function replaceIfUnchanged(s3: S3Client, bucket: string, key: string, etag: string, value: unknown): Promise<string | undefined> {
    try {
        const res = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body(value), ContentType: "application/json", IfMatch: `"${etag}"` }));
        return (res.ETag ?? "").replace(/"/g, "");
    } catch (e) {
        if (classify(e) === "precondition-failed" || classify(e) === "not-found" || isConflict(e)) {
            return undefined;
        }
        throw e;
    }
}

/** Every key under `prefix` with its ETag. */
export async function listMarkers(s3: S3Client, bucket: string, prefix: string): Promise<ListedMarker[]> {
    const out: ListedMarker[] = [];
    let token: string | undefined;
    do {
        const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) {
            if (o.Key !== undefined) {
                out.push({ key: o.Key, etag: (o.ETag ?? "").replace(/"/g, "") });
            }
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return out;
}

/** Reads a JSON document that must exist. */
export async function getJson<T>(s3: S3Client, bucket: string, key: string): Promise<T> {
    return (await getJsonTagged<T>(s3, bucket, key)).value;
}

/** Reads a JSON document that must exist, with its ETag (without quotes: what replaceIfUnchanged takes). */
export async function getJsonTagged<T>(s3: S3Client, bucket: string, key: string): Promise<{ value: T; etag: string }> {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const value = JSON.parse(await (res.Body as { transformToString(): Promise<string> }).transformToString()) as T;
    return { value, etag: (res.ETag ?? "").replace(/"/g, "") };
}

/** Deletes every key under `prefix` (1000 per request). */
export async function deletePrefix(s3: S3Client, bucket: string, prefix: string): Promise<number> {
    const keys = (await listMarkers(s3, bucket, prefix)).map((m) => m.key);
    for (let i = 0; i < keys.length; i += 1000) {
        await s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
    return keys.length;
}
