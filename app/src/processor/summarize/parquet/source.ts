/**
 * Random-access byte sources for the Parquet reader: bytes in memory and a local file (an S3 object: rangedSource in
 * s3.ts). The reader asks for the footer first, then for one row group's column chunks at a time.
 */
import * as fs from "node:fs";

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
