/** Deterministic sample files for the demo: a good CSV, a broken file, and one the rule ignores. */
import { Readable } from "stream";

const HEADER = "order_id,amount,paid,ordered_at,region,note";
const REGIONS = ["north", "south", "east", "west", "central"];
/** Rows per chunk the stream yields (about 70 KB). */
const ROWS_PER_CHUNK = 1000;

/**
 * A mixed CSV of `rows` rows (ids, amounts, flags, timestamps, quoted text, some empty fields),
 * generated as it is read: memory stays flat whatever the row count.
 */
export function sampleCsv(rows: number): Readable {
    let seed = 42;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const start = Date.UTC(2026, 0, 1);
    function* chunks(): Generator<string> {
        yield `${HEADER}\n`;
        for (let first = 1; first <= rows; first += ROWS_PER_CHUNK) {
            const lines: string[] = [];
            for (let i = first; i <= Math.min(rows, first + ROWS_PER_CHUNK - 1); i++) {
                const amount = next() < 0.03 ? "" : (next() * 500).toFixed(2);
                const note = next() < 0.1 ? `"gift, wrapped ""nicely"""` : next() < 0.5 ? "" : "standard";
                lines.push(`${i},${amount},${next() < 0.8},${new Date(start + Math.floor(next() * 300 * 86400000)).toISOString()},${REGIONS[i % REGIONS.length]},${note}\n`);
            }
            yield lines.join("");
        }
    }
    return Readable.from(chunks(), { objectMode: false });
}

/** Bytes that are not text: the processor must fail it with a clear status. */
export function brokenFile(): Buffer {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]);
    return Buffer.concat([png, Buffer.alloc(256, 0)]);
}
