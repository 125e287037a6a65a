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

/** Rows of the demo's Parquet sample (two row groups). */
export const SAMPLE_PARQUET_ROWS = 2000;

/**
 * A Parquet file of orders, written with hyparquet-writer (snappy, two row groups): integers, a decimal amount, a
 * flag, a UTC timestamp, a region, an optional note and a list of tags, so the demo shows a Parquet summary next to
 * the CSV one.
 */
export function sampleParquet(): Buffer {
    // Loaded here, not at the top: only the demo's sample set needs the writer (a development dependency).
    const { parquetWriteBuffer } = require("hyparquet-writer") as typeof import("hyparquet-writer");
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const start = BigInt(Date.UTC(2026, 0, 1));
    const n = SAMPLE_PARQUET_ROWS;
    const ids: bigint[] = [];
    const cents: (bigint | null)[] = [];
    const paid: boolean[] = [];
    const ordered: bigint[] = [];
    const region: string[] = [];
    const note: (string | null)[] = [];
    const tags: string[][] = [];
    for (let i = 1; i <= n; i++) {
        ids.push(BigInt(i));
        cents.push(next() < 0.03 ? null : BigInt(Math.floor(next() * 50000)));
        paid.push(next() < 0.8);
        ordered.push(start + BigInt(Math.floor(next() * 300 * 86400000)));
        region.push(REGIONS[i % REGIONS.length]);
        note.push(next() < 0.5 ? null : next() < 0.2 ? "gift, wrapped" : "standard");
        tags.push(next() < 0.3 ? [] : next() < 0.5 ? ["web"] : ["store", "promo"]);
    }
    const bytes = parquetWriteBuffer({
        rowGroupSize: n / 2,
        schema: [
            { name: "root", num_children: 7 },
            { name: "order_id", type: "INT64", repetition_type: "REQUIRED" },
            { name: "amount", type: "INT64", repetition_type: "OPTIONAL", converted_type: "DECIMAL", precision: 10, scale: 2 },
            { name: "paid", type: "BOOLEAN", repetition_type: "REQUIRED" },
            { name: "ordered_at", type: "INT64", repetition_type: "REQUIRED", logical_type: { type: "TIMESTAMP", unit: "MILLIS", isAdjustedToUTC: true } },
            { name: "region", type: "BYTE_ARRAY", repetition_type: "REQUIRED", converted_type: "UTF8" },
            { name: "note", type: "BYTE_ARRAY", repetition_type: "OPTIONAL", converted_type: "UTF8" },
            { name: "tags", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
            { name: "list", repetition_type: "REPEATED", num_children: 1 },
            { name: "element", type: "BYTE_ARRAY", repetition_type: "REQUIRED", converted_type: "UTF8" },
        ],
        columnData: [
            { name: "order_id", data: ids },
            { name: "amount", data: cents },
            { name: "paid", data: paid },
            { name: "ordered_at", data: ordered },
            { name: "region", data: region },
            { name: "note", data: note },
            { name: "tags", data: tags },
        ],
    });
    return Buffer.from(bytes);
}
