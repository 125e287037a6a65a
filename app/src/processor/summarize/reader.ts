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
const REUSED_BUFFERS = 3;

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

/** A local file, read at positions with one read ahead. Close it when done. */
export async function openFileRange(path: string): Promise<RangeReader & { close(): Promise<void> }> {
    const fh = await fs.promises.open(path, "r");
    // fstat's size is a heap double even when it is a small integer; Math.trunc gives the same value as a small
    // integer, the form offsets computed from it keep (and the summariser's counter fields expect: see restoreHead).
    const size = Math.trunc((await fh.stat()).size);
    const readAt = async (pos: number, len: number, into?: Buffer): Promise<Uint8Array> => {
        const buf = into === undefined ? Buffer.allocUnsafe(len) : into.subarray(0, len);
        let got = 0;
        while (got < len) {
            const { bytesRead } = await fh.read(buf, got, len - got, pos + got);
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
            // With reuse, the reader's three buffers take turns: the caller works on one and has asked for the next,
            // while the one after that is read ahead.
            const buffers = reuse && !spareInUse ? (spare ??= Array.from({ length: REUSED_BUFFERS }, () => Buffer.allocUnsafeSlow(FILE_CHUNK))) : undefined;
            if (buffers !== undefined) {
                spareInUse = true;
            }
            let turn = 0;
            const next = (at: number): Promise<Uint8Array> => readAt(at, Math.min(FILE_CHUNK, end - at), buffers?.[turn++ % REUSED_BUFFERS]);
            let pos = start;
            let ahead: Promise<Uint8Array> | undefined;
            try {
                while (pos < end) {
                    const cur = ahead ?? next(pos);
                    pos += Math.min(FILE_CHUNK, end - pos);
                    ahead = pos < end ? next(pos) : undefined;
                    ahead?.catch(() => undefined);
                    const chunk = await cur;
                    if (signal?.aborted) {
                        throw new AbortedError();
                    }
                    yield chunk;
                }
            } finally {
                await ahead?.catch(() => undefined);
                if (buffers !== undefined) {
                    spareInUse = false;
                }
            }
        },
        close: () => fh.close(),
    };
}
