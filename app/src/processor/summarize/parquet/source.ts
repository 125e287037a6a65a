/**
 * Random-access byte sources for the Parquet reader: a local file, and an S3 object read with ranged GETs pinned to
 * its ETag. The reader asks for the footer first, then for one row group's column chunks at a time.
 */
import * as fs from "node:fs";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";

/** Bytes that can be read at any offset. */
export interface RandomAccessSource {
    /** The size in bytes. */
    readonly size: number;
    /** Bytes [start, end) (end ≤ size). */
    read(start: number, end: number): Promise<Uint8Array>;
}

/** A source over bytes already in memory (tests, small inputs). */
export function bufferSource(bytes: Uint8Array): RandomAccessSource {
    return {
        size: bytes.length,
        read: async (start, end) => bytes.subarray(start, end),
    };
}

/** Opens a local file as a source; `close` releases it. */
export async function fileSource(path: string): Promise<RandomAccessSource & { close(): Promise<void> }> {
    const handle = await fs.promises.open(path, "r");
    const { size } = await handle.stat();
    return {
        size,
        async read(start, end) {
            const out = Buffer.allocUnsafe(end - start);
            let done = 0;
            while (done < out.length) {
                const { bytesRead } = await handle.read(out, done, out.length - done, start + done);
                if (bytesRead === 0) {
                    throw new RangeError(`${path}: the file ended at ${start + done} bytes, before ${end} (it changed while it was read)`);
                }
                done += bytesRead;
            }
            return out;
        },
        close: () => handle.close(),
    };
}

/**
 * An S3 object as a source: each read is one GetObject with `Range: bytes=start-(end-1)` and `If-Match: "<etag>"`, so
 * every byte comes from the same version of the object; a newer upload makes S3 answer 412 Precondition Failed.
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (Range, If-Match) and
 * https://docs.aws.amazon.com/sdk-for-kotlin/api/latest/s3/aws.sdk.kotlin.services.s3.model/-get-object-request/if-match.html
 * ("otherwise, return a 412 Precondition Failed error").
 */
export function s3Source(s3: S3Client, object: { bucket: string; key: string; etag: string; size: number }, signal?: AbortSignal): RandomAccessSource {
    return {
        size: object.size,
        async read(start, end) {
            if (end <= start) {
                return new Uint8Array(0);
            }
            const res = await s3.send(
                new GetObjectCommand({
                    Bucket: object.bucket,
                    Key: object.key,
                    Range: rangeHeader(start, end),
                    IfMatch: object.etag ? `"${object.etag}"` : undefined,
                }),
                { abortSignal: signal },
            );
            const bytes = await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray();
            if (bytes.length !== end - start) {
                throw new RangeError(`s3://${object.bucket}/${object.key}: asked for bytes ${start}-${end - 1}, got ${bytes.length} bytes`);
            }
            return bytes;
        },
    };
}

/** The HTTP Range header for bytes [start, end): the last byte is inclusive (RFC 9110 §14.1.2). */
export function rangeHeader(start: number, end: number): string {
    return `bytes=${start}-${end - 1}`;
}
