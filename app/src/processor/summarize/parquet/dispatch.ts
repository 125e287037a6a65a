/**
 * Format dispatch for the processor: Parquet is recognised by its magic bytes, PAR1 at the start and at the end, so a
 * Parquet file is read as Parquet whatever its name, and a text file whose first bytes happen to be "PAR1" is not.
 * This module loads no Parquet reader: the processor loads it (hyparquet and its codecs) for a Parquet input only.
 */
import type { ParquetPartial } from "./partial";
import { RandomAccessSource } from "./source";

/** Whether bytes [at, at+4) are "PAR1", the magic bytes at the start and the end of every Parquet file. */
export function isParquetMagic(bytes: Uint8Array, at = 0): boolean {
    return bytes.length >= at + 4 && bytes[at] === 0x50 && bytes[at + 1] === 0x41 && bytes[at + 2] === 0x52 && bytes[at + 3] === 0x31;
}

/** Whether a shard's partial is a Parquet one (parquet/partial.ts). */
export function isParquetPartial(p: unknown): p is ParquetPartial {
    return typeof p === "object" && p !== null && (p as { format?: unknown }).format === "parquet";
}

/** The first `n` bytes of a stream (fewer if it is shorter), and the whole stream again, those bytes included. */
export async function peekHead(source: AsyncIterable<Buffer>, n: number): Promise<{ head: Buffer; body: AsyncIterable<Buffer> }> {
    const iterator = source[Symbol.asyncIterator]();
    const seen: Buffer[] = [];
    let length = 0;
    let done = false;
    while (length < n) {
        const r = await iterator.next();
        if (r.done) {
            done = true;
            break;
        }
        seen.push(r.value);
        length += r.value.length;
    }
    async function* body(): AsyncGenerator<Buffer> {
        try {
            yield* seen;
            while (!done) {
                const r = await iterator.next();
                if (r.done) {
                    done = true;
                    return;
                }
                yield r.value;
            }
        } finally {
            if (!done) {
                await iterator.return?.();
            }
        }
    }
    return { head: Buffer.concat(seen).subarray(0, n), body: body() };
}

/**
 * Whether an input is Parquet: it starts with PAR1, and it also ends with PAR1 or its name ends in `.parquet` (so a
 * truncated Parquet file fails as truncated Parquet rather than as binary text). Reads the last 4 bytes only when
 * the first 4 are PAR1 and the name does not decide.
 */
export async function isParquetInput(head: Uint8Array, name: string, source: RandomAccessSource | undefined): Promise<boolean> {
    if (!isParquetMagic(head) || source === undefined) {
        return false;
    }
    if (/\.parquet$/i.test(name)) {
        return true;
    }
    return source.size >= 8 && isParquetMagic(await source.read(source.size - 4, source.size));
}
