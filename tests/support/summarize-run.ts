/**
 * Ways to feed the summariser in tests: cut into chunks at given offsets, as an async source of fixed-size chunks, or
 * as a local file read through its range reader.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createSummarizer, FileSummary, SummaryOptions } from "../../app/src/processor/summarize";
import { openFileRange, RangeReader } from "../../app/src/processor/summarize/reader";

/** The core over bytes written in pieces cut at the given offsets (taken modulo the length, in order). */
export function summarizeCut(bytes: Buffer, options: SummaryOptions, cuts: number[] = []): FileSummary {
    const s = createSummarizer(options);
    let prev = 0;
    for (const c of [...cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
        s.write(bytes.subarray(prev, c));
        prev = c;
    }
    return s.end();
}

export async function* chunksOf(buf: Buffer, size: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < buf.length; i += size) {
        yield buf.subarray(i, i + size);
    }
}

/** Runs fn on a reader of `bytes` written to a temporary file; closes the reader and removes the file after. */
export async function withFileReader<T>(bytes: Uint8Array, fn: (reader: RangeReader) => Promise<T>): Promise<T> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "partial-"));
    try {
        const file = path.join(dir, "input");
        fs.writeFileSync(file, bytes);
        const reader = await openFileRange(file);
        try {
            return await fn(reader);
        } finally {
            await reader.close();
        }
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
