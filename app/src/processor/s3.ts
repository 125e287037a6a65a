/**
 * S3 access for the processor: the client, error classification, and the object operations it
 * needs (stream a file, read/write a small JSON document). Outputs are uploaded by outputs.ts.
 */
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { Readable } from "stream";
import { ExitCode, ProcessorError } from "./exit-codes";

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
}

/** Opens an object for streaming; `ifMatch` pins the version the event was about. */
export async function openObject(s3: S3Client, bucket: string, key: string, ifMatch: string | undefined, signal: AbortSignal): Promise<OpenedObject> {
    const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: ifMatch ? `"${ifMatch}"` : undefined }), { abortSignal: signal });
    const body = res.Body as Readable;
    return {
        key,
        etag: (res.ETag ?? "").replace(/"/g, ""),
        size: res.ContentLength,
        body,
        destroy: () => body.destroy(),
    };
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
