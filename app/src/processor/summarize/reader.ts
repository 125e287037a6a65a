/**
 * Byte-range readers: a local file read at positions (pread), bytes in memory; S3 objects are in s3-reader.ts (kept
 * apart, so that this directory needs no SDK). A range summariser (partial.ts) reads its own ranges through one of
 * these, so no thread reads for the others.
 */
import * as fs from "node:fs";
import { AbortedError } from "./types";

/** Random access to an input of known size. */
export interface RangeReader {
    readonly size: number;
    /**
     * The bytes [start, end), in order, in chunks; stopping the iteration early stops the reading. With `reuse`, a
     * chunk is valid only until two more have been asked for: the reader may then read into its memory again. A caller
     * that copies what it keeps, and asks for at most one chunk ahead of the one it works on, saves an allocation (and
     * fresh pages) per chunk.
     */
    read(start: number, end: number, signal?: AbortSignal, reuse?: boolean): AsyncIterable<Uint8Array>;
    /** A hint that [start, end) will be read next: a reader whose reads wait on the network starts fetching it. */
    prefetch?(start: number, end: number): void;
    /** Whether read(…, reuse) reads into memory it reuses (a reader without it ignores `reuse`). */
    readonly reusesBuffers?: boolean;
}

/** Bytes per read of a local file. */
const FILE_CHUNK = 1048576;
/** Buffers a `reuse` read of a local file takes turns with (see RangeReader.read). */
const REUSED_BUFFERS = 2;

export function checkRange(size: number, start: number, end: number): void {
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > size) {
        throw new RangeError(`a range must be whole bytes with 0 <= start <= end <= ${size}, got [${start}, ${end})`);
    }
}

/** Bytes in memory, read in chunks of `chunk` bytes. */
export function bufferRangeReader(bytes: Uint8Array, chunk = 65536): RangeReader {
    return {
        size: bytes.length,
        async *read(start: number, end: number): AsyncGenerator<Uint8Array> {
            checkRange(bytes.length, start, end);
            for (let i = start; i < end; i += chunk) {
                yield bytes.subarray(i, Math.min(end, i + chunk));
            }
        },
    };
}

/** Lets the event loop run (I/O callbacks, timers, a worker's messages, signals) between two chunks. */
const turnOfLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A local file, read at positions (pread). Close it when done.
 *
 * Each chunk is read on the thread that asked for it (readSync), just before that thread summarises it, not ahead on
 * libuv's thread pool: the bytes are then in the cache of the core that scans them, not in another core's. On the
 * bench's 1 GB file that took 1–4% less CPU with 2 threads and about 1% with one (docs/performance-parallel.md). A file
 * read in order still has its next bytes fetched from disk meanwhile, by the kernel's readahead. Between chunks the
 * reader lets the event loop run, so that an abort, a signal or a worker's message is not held up by a long read.
 */
export async function openFileRange(path: string): Promise<RangeReader & { close(): Promise<void> }> {
    const fh = await fs.promises.open(path, "r");
    // fstat's size is a heap double even when it is a small integer; Math.trunc gives the same value as a small
    // integer, the form offsets computed from it keep (and the summariser's counter fields expect: see restoreHead).
    const size = Math.trunc((await fh.stat()).size);
    const readAt = (pos: number, len: number, into?: Buffer): Buffer => {
        const buf = into === undefined ? Buffer.allocUnsafe(len) : into.subarray(0, len);
        let got = 0;
        while (got < len) {
            const bytesRead = fs.readSync(fh.fd, buf, got, len - got, pos + got);
            if (bytesRead === 0) {
                throw new Error(`${path} is shorter than ${size} bytes: it changed while it was being read`);
            }
            got += bytesRead;
        }
        return buf;
    };
    /** The buffers of a `reuse` read (one read at a time; another at the same time gets fresh ones). */
    let spare: Buffer[] | undefined;
    let spareInUse = false;
    return {
        size,
        reusesBuffers: true,
        async *read(start: number, end: number, signal?: AbortSignal, reuse = false): AsyncGenerator<Uint8Array> {
            checkRange(size, start, end);
            // With reuse, the reader's buffers take turns: the caller may work on one chunk and have asked for the next.
            const buffers = reuse && !spareInUse ? (spare ??= Array.from({ length: REUSED_BUFFERS }, () => Buffer.allocUnsafeSlow(FILE_CHUNK))) : undefined;
            if (buffers !== undefined) {
                spareInUse = true;
            }
            try {
                for (let pos = start, turn = 0; pos < end; turn++) {
                    await turnOfLoop();
                    if (signal?.aborted) {
                        throw new AbortedError();
                    }
                    const len = Math.min(FILE_CHUNK, end - pos);
                    const chunk = readAt(pos, len, buffers?.[turn % REUSED_BUFFERS]);
                    pos += len;
                    yield chunk;
                }
            } finally {
                if (buffers !== undefined) {
                    spareInUse = false;
                }
            }
        },
        close: () => fh.close(),
    };
}
