/**
 * An S3 object as a RangeReader: parallel ranged GETs pinned to one ETag.
 */
import * as os from "node:os";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { classify, objectChanged, toProcessorError } from "../s3";
import { checkRange, RangeReader } from "./reader";
import { AbortedError, raceAbort } from "./types";

const MiB = 1048576;
/** The largest part of a ranged GET by default (a copy of components/builders/contracts.ts RANGED_READ.partBytes). */
const PART_BYTES = 8 * MiB;

// Exported as a list of plain consts, not `export const`: see the note in scan-state.ts.
export { PART_BYTES };

export interface S3RangeOptions {
    /** Bytes per ranged GET. @default from the memory and vCPUs (see s3RangeDefaults) */
    partBytes?: number;
    /** Ranged GETs in flight (memory is bounded by concurrency × partBytes). @default see s3RangeDefaults */
    concurrency?: number;
    /** Further attempts of one failed part (on top of the SDK's own retries). @default 3 */
    retries?: number;
}

/**
 * Defaults for `threads` readers sharing one task: 2 GETs in flight per vCPU (8 to 16 in all: S3's throughput is per
 * connection, so a task on few vCPUs still reads on several), parts of 8 MiB
 * (AWS's guidance for byte-range fetches: "typical sizes for byte-range requests are 8 MB or 16 MB",
 * https://docs.aws.amazon.com/whitepapers/latest/s3-optimizing-performance-best-practices/use-byte-range-fetches.html),
 * smaller when the parts a reader may hold (3 × concurrency, see s3RangeReader) would take more than 1/8 of the memory
 * (the cgroup limit where there is one).
 */
export function s3RangeDefaults(threads = 1): Required<Pick<S3RangeOptions, "partBytes" | "concurrency">> {
    const total = Math.min(16, Math.max(8, 2 * os.availableParallelism()));
    const concurrency = Math.max(2, Math.ceil(total / Math.max(1, threads)));
    const limit = process.constrainedMemory?.() || os.totalmem();
    const budget = limit / 8 / Math.max(1, threads);
    const partBytes = Math.max(MiB, Math.min(PART_BYTES, Math.floor(budget / (3 * concurrency) / MiB) * MiB));
    return { partBytes, concurrency };
}


const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener(
            "abort",
            () => {
                clearTimeout(t);
                resolve();
            },
            { once: true },
        );
    });

/**
 * An S3 object of known size and ETag, read with parallel ranged GETs, each with If-Match on the ETag: a part of a
 * replaced object fails with 412 Precondition Failed ("Return the object only if its entity tag (ETag) is the same as
 * the one specified in this header; otherwise, return a 412 Precondition Failed error",
 * https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html), which is reported as objectChanged. A failed
 * part is retried alone; parts are yielded in order, at most `concurrency` in flight for a read. prefetch() starts the
 * first `concurrency` parts of a range that will be read next, so that its bytes arrive while the thread still works
 * on the range before (each range would otherwise start by waiting for its first part); a read takes them from there.
 * So a reader holds at most 3 × concurrency parts: a read's own, and those fetched ahead for two ranges.
 */
export function s3RangeReader(s3: S3Client, bucket: string, key: string, etag: string, size: number, options: S3RangeOptions = {}): RangeReader {
    const dflt = s3RangeDefaults();
    const partBytes = options.partBytes ?? dflt.partBytes;
    const concurrency = options.concurrency ?? dflt.concurrency;
    const retries = options.retries ?? 3;
    if (!Number.isInteger(partBytes) || partBytes < 1 || !Number.isInteger(concurrency) || concurrency < 1 || !Number.isInteger(retries) || retries < 0) {
        throw new RangeError("partBytes and concurrency must be integers >= 1, retries an integer >= 0");
    }
    const ifMatch = `"${etag.replace(/"/g, "")}"`;
    /** Bytes [a, b) with retries; `signal` stops a read's own part (a part fetched ahead has none: any read may take it). */
    const fetchPart = async (a: number, b: number, signal?: AbortSignal): Promise<Uint8Array> => {
        for (let attempt = 0; ; attempt++) {
            try {
                const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${a}-${b - 1}`, IfMatch: ifMatch }), {
                    abortSignal: signal,
                });
                const body = res.Body as { transformToByteArray(): Promise<Uint8Array> } | undefined;
                const bytes = body === undefined ? new Uint8Array(0) : await body.transformToByteArray();
                if (bytes.length !== b - a) {
                    throw Object.assign(new Error(`a ranged GET of bytes ${a}-${b - 1} returned ${bytes.length} bytes`), { code: "ECONNRESET" });
                }
                return bytes;
            } catch (e) {
                if (signal?.aborted) {
                    throw new AbortedError();
                }
                const kind = classify(e);
                if (kind === "precondition-failed") {
                    throw objectChanged(bucket, key, etag);
                }
                if (kind !== "transient" || attempt >= retries) {
                    throw toProcessorError(e, `reading bytes ${a}-${b - 1} of s3://${bucket}/${key}`);
                }
                await sleep(100 * 2 ** attempt, signal);
            }
        }
    };
    // A range shorter than `concurrency` parts is cut into smaller ones (down to 1 MiB), so that it still has every
    // connection reading, and its first bytes come sooner.
    const stepFor = (bytes: number): number => Math.min(partBytes, Math.max(MiB, Math.ceil(bytes / concurrency)));
    /** Parts fetched ahead (prefetch), oldest first, each kept until a read passes its end; at most 2 × concurrency. */
    const ahead: Part[] = [];
    const aheadAt = (pos: number): Part | undefined => ahead.find((p) => p.start <= pos && pos < p.end);
    return {
        size,
        async *read(start: number, end: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
            checkRange(size, start, end);
            const stop = new AbortController();
            const onAbort = () => stop.abort();
            signal?.addEventListener("abort", onAbort, { once: true });
            /** The pieces of [start, end) in order: a part fetched ahead where there is one, else a GET of this read. */
            const pieces: { from: Part; start: number; end: number; own: boolean }[] = [];
            let own = 0;
            let next = start;
            const step = stepFor(end - start);
            const fill = () => {
                while (next < end) {
                    const got = aheadAt(next);
                    if (got !== undefined) {
                        const b = Math.min(end, got.end);
                        pieces.push({ from: got, start: next, end: b, own: false });
                        next = b;
                        continue;
                    }
                    if (own >= concurrency) {
                        return;
                    }
                    // Up to the next part fetched ahead, which is not fetched again; with no sliver of under half a
                    // part left before it.
                    const later = ahead.reduce((m, p) => (p.start > next && p.start < m ? p.start : m), end);
                    const b = later - (next + step) < step / 2 ? later : next + step;
                    const bytes = fetchPart(next, b, stop.signal);
                    bytes.catch(() => undefined);
                    pieces.push({ from: { start: next, end: b, bytes }, start: next, end: b, own: true });
                    own++;
                    next = b;
                }
            };
            try {
                fill();
                while (pieces.length > 0) {
                    const piece = pieces.shift()!;
                    // A part fetched ahead is not stopped by this read's abort (another read may take it): the read
                    // stops waiting for it.
                    const bytes = await (piece.own ? piece.from.bytes : raceAbort(piece.from.bytes, signal));
                    if (signal?.aborted) {
                        throw new AbortedError();
                    }
                    if (piece.own) {
                        own--;
                    } else if (piece.end === piece.from.end && ahead.includes(piece.from)) {
                        // Read to its end: the reading has passed it.
                        ahead.splice(ahead.indexOf(piece.from), 1);
                    }
                    fill();
                    yield piece.start === piece.from.start && piece.end === piece.from.end ? bytes : bytes.subarray(piece.start - piece.from.start, piece.end - piece.from.start);
                }
            } finally {
                signal?.removeEventListener("abort", onAbort);
                stop.abort();
            }
        },
        prefetch(start: number, end: number): void {
            checkRange(size, start, end);
            // The first `concurrency` parts of the range (the rest comes as it is read), from the end of any part
            // already fetched ahead that covers a byte of them (the range before's last part holds its first byte).
            const step = stepFor(end - start);
            const until = Math.min(end, start + concurrency * step);
            for (let a = start; a < until; ) {
                const got = aheadAt(a);
                const b = got?.end ?? Math.min(end, a + step);
                if (got === undefined) {
                    const bytes = fetchPart(a, b);
                    bytes.catch(() => undefined);
                    ahead.push({ start: a, end: b, bytes });
                }
                a = b;
            }
            // The oldest go first (a range that was not read after all; its parts are fetched again if it is).
            ahead.splice(0, Math.max(0, ahead.length - 2 * concurrency));
        },
    };
}

/** Bytes [start, end) of the object, being fetched or fetched. */
interface Part {
    start: number;
    end: number;
    bytes: Promise<Uint8Array>;
}
