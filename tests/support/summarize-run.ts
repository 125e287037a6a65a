/** Ways to feed the summariser in tests: cut into chunks at given offsets, or as an async source of fixed-size chunks. */
import { createSummarizer, FileSummary, SummaryOptions } from "../../app/src/processor/summarize";

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
