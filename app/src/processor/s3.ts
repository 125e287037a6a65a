/**
 * S3 access for the processor: the client, error classification, and the object operations it
 * needs (stream a file, read/write a small JSON document). Outputs are uploaded by outputs.ts.
 */
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Readable } from "stream";
import { ExitCode, ProcessorError } from "./exit-codes";
import { RandomAccessSource } from "./summarize/parquet/source";

export function createS3Client(options: { region: string; endpoint?: string; forcePathStyle: boolean }): S3Client {
    return new S3Client({
        region: options.region,
        endpoint: options.endpoint,
        forcePathStyle: options.forcePathStyle,
        // Retries with backoff for throttling and 5xx; a task that still fails exits TRANSIENT.
        maxAttempts: 5,
        // S3-compatible servers (MinIO, LocalStack, local test servers) often lack the newer default
        // request checksums; send and verify them only where S3 requires them.
        ...(options.endpoint ? { requestChecksumCalculation: "WHEN_REQUIRED", responseChecksumValidation: "WHEN_REQUIRED" } : {}),
    });
}

export type S3Failure = "not-found" | "access-denied" | "precondition-failed" | "transient" | "other";

/** What kind of failure an SDK error is. */
export function classify(error: unknown): S3Failure {
    const e = error as Partial<S3ServiceException> & { code?: string };
    const status = e.$metadata?.httpStatusCode;
    const name = e.name ?? "";
    if (name === "NoSuchKey" || name === "NotFound" || status === 404) {
        return "not-found";
    }
    if (name === "AccessDenied" || status === 403) {
        return "access-denied";
    }
    if (name === "PreconditionFailed" || status === 412) {
        return "precondition-failed";
    }
    if ((status !== undefined && status >= 500) || name === "SlowDown" || name === "ThrottlingException" || e.$retryable !== undefined) {
        return "transient";
    }
    if (e.code && ["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "ENOTFOUND", "EAI_AGAIN"].includes(e.code)) {
        return "transient";
    }
    return "other";
}

/** Turns an SDK error into the processor's error with the matching exit code. */
export function toProcessorError(error: unknown, what: string): ProcessorError {
    const message = `${what}: ${(error as Error).message ?? String(error)}`;
    switch (classify(error)) {
        case "not-found":
            return new ProcessorError(message, ExitCode.NOT_FOUND, "ObjectNotFound");
        case "access-denied":
            return new ProcessorError(message, ExitCode.ACCESS_DENIED, "AccessDenied");
        case "transient":
            return new ProcessorError(message, ExitCode.TRANSIENT, "S3Unavailable");
        default:
            return new ProcessorError(message, ExitCode.INTERNAL, (error as Error).name || "S3Error");
    }
}

export interface OpenedObject {
    key: string;
    etag: string;
    size?: number;
    body: AsyncIterable<Buffer>;
    /** Stops the download (on SIGTERM). */
    destroy(): void;
    /** Random access to the same version of the object, for formats read from their end (Parquet); absent when the size is unknown. */
    ranged?: RandomAccessSource;
}

/** Opens an object for streaming; `ifMatch` pins the version the event was about. */
export async function openObject(s3: S3Client, bucket: string, key: string, ifMatch: string | undefined, signal: AbortSignal): Promise<OpenedObject> {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: ifMatch ? `"${ifMatch}"` : undefined }), { abortSignal: signal });
    const body = res.Body as Readable;
    const etag = (res.ETag ?? "").replace(/"/g, "");
    const size = res.ContentLength;
    return {
        key,
        etag,
        size,
        body,
        destroy: () => body.destroy(),
        ranged: size === undefined ? undefined : rangedSource(s3, { bucket, key, etag, size }, signal),
    };
}

/** The HTTP Range header for bytes [start, end): the last byte is inclusive (RFC 9110 §14.1.2). */
export function rangeHeader(start: number, end: number): string {
    return `bytes=${start}-${end - 1}`;
}

/**
 * An S3 object as a random-access source: each read is one GetObject with `Range: bytes=start-(end-1)` and
 * `If-Match: "<etag>"`, so every byte comes from the version that was opened; after a newer upload S3 answers 412
 * Precondition Failed, and the read fails as ObjectChanged (exit 66: this version no longer exists; the newer upload
 * has its own event). https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Range,
 * If-Match) and https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/s3/aws.sdk.kotlin.services.s3.model/-get-object-request/if-match.html
 * ("otherwise, return a 412 Precondition Failed error").
 */
export function rangedSource(s3: S3Client, object: { bucket: string; key: string; etag: string; size: number }, signal?: AbortSignal): RandomAccessSource {
    const name = `s3://${object.bucket}/${object.key}`;
    return {
        size: object.size,
        async read(start, end) {
            if (end <= start) {
                return new Uint8Array(0);
            }
            let bytes: Uint8Array;
            try {
                const res = await s3.send(
                    new GetObjectCommand({
                        Bucket: object.bucket,
                        Key: object.key,
                        Range: rangeHeader(start, end),
                        IfMatch: object.etag ? `"${object.etag}"` : undefined,
                    }),
                    { abortSignal: signal },
                );
                bytes = await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
            } catch (e) {
                if (classify(e) === "precondition-failed") {
                    throw objectChanged(object.bucket, object.key, object.etag);
                }
                throw toProcessorError(e, `reading bytes ${start}-${end - 1} of ${name}`);
            }
            if (bytes.length !== end - start) {
                throw new ProcessorError(`${name}: asked for bytes ${start}-${end - 1}, got ${bytes.length} bytes`, ExitCode.TRANSIENT, "S3ShortRead");
            }
            return bytes;
        },
    };
}

/** The object changed after the event (its ETag is no longer the one the reading is pinned to). */
export function objectChanged(bucket: string, key: string, etag: string): ProcessorError {
    return new ProcessorError(
        `s3://${bucket}/${key} changed while it was being read (its ETag is no longer "${etag}"): a newer upload replaced it, and its own event summarises it`,
        ExitCode.NOT_FOUND,
        "ObjectChanged",
    );
}

/** Reads a small JSON document; undefined when it does not exist. */
export async function readJson<T>(s3: S3Client, bucket: string, key: string): Promise<T | undefined> {
    try {
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return JSON.parse(await (res.Body as { transformToString(): Promise<string> }).transformToString()) as T;
    } catch (e) {
        if (classify(e) === "not-found") {
            return undefined;
        }
        throw e;
    }
}

/** Writes a small JSON document (a single PUT: it appears whole or not at all). */
export async function writeJson(s3: S3Client, bucket: string, key: string, value: unknown): Promise<void> {
    await s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: `${JSON.stringify(value, null, 2)}\n`, ContentType: "application/json" }),
    );
}
