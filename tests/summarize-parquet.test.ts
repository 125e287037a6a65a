/**
 * The Parquet reader: fixtures written here with hyparquet-writer (every physical and logical type it writes, nulls,
 * nested and repeated columns, several row groups, each codec it can compress), summaries asserted exactly; bad files
 * give an InputError naming the row group and column; the processor reads Parquet uploads with ranged GETs.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import fc from "fast-check";
import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { ColumnSource } from "hyparquet-writer/src/types";
import { readConfig } from "../app/src/processor/config";
import { createLogger } from "../app/src/processor/log";
import { processFile } from "../app/src/processor/run";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { rangedSource } from "../app/src/processor/s3";
import { isParquetInput, peekHead } from "../app/src/processor/summarize/parquet/dispatch";
import { classify, formatTimestamp, valueText } from "../app/src/processor/summarize/parquet/logical";
import { TimestampWriter, writeShortDouble } from "../app/src/processor/summarize/parquet/text";
import { RowGroupThread, summarizeRowGroupsInWorkers } from "../app/src/processor/summarize/parquet/parallel";
import { stopIdleWorkers, warmStats } from "../app/src/processor/summarize/workers";
import { createState, readFooter } from "../app/src/processor/summarize/parquet/summarize";
import { bufferSource, fileSource, ParquetColumnSummary, RandomAccessSource, summarizeParquet } from "../app/src/processor/summarize/parquet";
import { InputError } from "../app/src/processor/summarize/types";
import { LocalS3, startS3 } from "./support/s3";

type Codec = "UNCOMPRESSED" | "SNAPPY" | "GZIP" | "BROTLI";
/** The writer's schema type (it bundles its own hyparquet typings). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]["schema"]>[number];

function write(columnData: ColumnSource[], more: { schema?: SchemaElement[]; rowGroupSize?: number; codec?: Codec; statistics?: boolean } = {}): Uint8Array {
    const compressors = {
        GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b)),
        BROTLI: (b: Uint8Array) => new Uint8Array(zlib.brotliCompressSync(b)),
    };
    return new Uint8Array(parquetWriteBuffer({ columnData, compressors, ...more }));
}

const summarize = (bytes: Uint8Array, sampleSize?: number) => summarizeParquet(bufferSource(bytes), sampleSize === undefined ? {} : { sampleSize });
const byName = (columns: ParquetColumnSummary[]) => Object.fromEntries(columns.map((c) => [c.name, c]));

/** A source that records the byte ranges read. */
function recording(bytes: Uint8Array): RandomAccessSource & { reads: [number, number][] } {
    const reads: [number, number][] = [];
    return { size: bytes.length, reads, read: async (start, end) => (reads.push([start, end]), bytes.subarray(start, end)) };
}

describe("summarizeParquet: types", () => {
    const schema: SchemaElement[] = [
        { name: "root", num_children: 17 },
        { name: "b", type: "BOOLEAN", repetition_type: "OPTIONAL" },
        { name: "i32", type: "INT32", repetition_type: "OPTIONAL" },
        { name: "i64", type: "INT64", repetition_type: "REQUIRED" },
        { name: "u8", type: "INT32", repetition_type: "OPTIONAL", converted_type: "UINT_8" },
        { name: "f32", type: "FLOAT", repetition_type: "OPTIONAL" },
        { name: "f64", type: "DOUBLE", repetition_type: "OPTIONAL" },
        { name: "dec", type: "INT32", repetition_type: "OPTIONAL", converted_type: "DECIMAL", precision: 5, scale: 2 },
        { name: "decfixed", type: "FIXED_LEN_BYTE_ARRAY", type_length: 8, repetition_type: "OPTIONAL", converted_type: "DECIMAL", precision: 18, scale: 4 },
        { name: "day", type: "INT32", repetition_type: "OPTIONAL", converted_type: "DATE" },
        { name: "ts_ms", type: "INT64", repetition_type: "OPTIONAL", converted_type: "TIMESTAMP_MILLIS" },
        { name: "ts_us", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", unit: "MICROS", isAdjustedToUTC: false } },
        { name: "ts_ns", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", unit: "NANOS", isAdjustedToUTC: true } },
        { name: "t_ms", type: "INT32", repetition_type: "OPTIONAL", converted_type: "TIME_MILLIS" },
        { name: "str", type: "BYTE_ARRAY", repetition_type: "OPTIONAL", converted_type: "UTF8" },
        { name: "json", type: "BYTE_ARRAY", repetition_type: "OPTIONAL", converted_type: "JSON" },
        { name: "uuid", type: "FIXED_LEN_BYTE_ARRAY", type_length: 16, repetition_type: "OPTIONAL", logical_type: { type: "UUID" } },
        { name: "bin", type: "FIXED_LEN_BYTE_ARRAY", type_length: 3, repetition_type: "OPTIONAL" },
    ];
    const data: ColumnSource[] = [
        { name: "b", data: [true, null, false] },
        { name: "i32", data: [-5, 7, null] },
        { name: "i64", data: [9007199254740993n, -1n, 0n] },
        { name: "u8", data: [200, null, 3] },
        { name: "f32", data: [1.5, -2.25, null] },
        { name: "f64", data: [0.1, null, 1e21] },
        { name: "dec", data: [123.45, -0.5, null] },
        { name: "decfixed", data: [12.3456, null, -1] },
        { name: "day", data: [19723, -1, null] },
        { name: "ts_ms", data: [1700000000123n, null, 0n] },
        { name: "ts_us", data: [1n, 2n, null] },
        { name: "ts_ns", data: [1700000000123456789n, null, null] },
        { name: "t_ms", data: [3723004, null, 0] },
        { name: "str", data: ["héllo", "", null] },
        { name: "json", data: [{ a: 1 }, null, [1, 2]] },
        { name: "uuid", data: ["00112233-4455-6677-8899-aabbccddeeff", null, null] },
        { name: "bin", data: [new Uint8Array([1, 2, 3]), null, new Uint8Array([255, 0, 16])] },
    ];

    it("gives each column its logical type and logical values; statistics give nulls, min and max where they are exact", async () => {
        const s = await summarize(write(data, { schema }));
        assert.equal(s.format, "parquet");
        assert.equal(s.rows, 3);
        const stats = (...f: string[]) => ({ fromStatistics: f });
        const col = (name: string, physicalType: string, logicalType: string, type: string, values: string[], more: object = {}) => ({
            name,
            nonEmpty: values.length,
            empty: 3 - values.length,
            type,
            distinctApprox: values.length,
            samples: values,
            physicalType,
            logicalType,
            ...more,
        });
        const expected = [
            col("b", "BOOLEAN", "BOOLEAN", "boolean", ["true", "false"], stats("empty")),
            col("i32", "INT32", "INT32", "integer", ["-5", "7"], { min: -5, max: 7, mean: 1, ...stats("empty", "min", "max") }),
            col("i64", "INT64", "INT64", "integer", ["9007199254740993", "-1", "0"], {
                min: -1,
                max: "9007199254740993",
                mean: (9007199254740992 - 1) / 3,
                ...stats("empty", "min", "max"),
            }),
            col("u8", "INT32", "UINT8", "integer", ["200", "3"], { min: 3, max: 200, mean: 101.5, ...stats("empty", "min", "max") }),
            col("f32", "FLOAT", "FLOAT", "float", ["1.5", "-2.25"], { min: -2.25, max: 1.5, mean: -0.375, ...stats("empty", "min", "max") }),
            col("f64", "DOUBLE", "DOUBLE", "float", ["0.1", "1e+21"], { min: 0.1, max: 1e21, mean: 5e20, ...stats("empty", "min", "max") }),
            col("dec", "INT32", "DECIMAL(5,2)", "float", ["123.45", "-0.5"], { min: -0.5, max: 123.45, mean: (123.45 - 0.5) / 2, ...stats("empty", "min", "max") }),
            col("decfixed", "FIXED_LEN_BYTE_ARRAY", "DECIMAL(18,4)", "float", ["12.3456", "-1"], { min: -1, max: 12.3456, mean: (12.3456 - 1) / 2, ...stats("empty", "min", "max") }),
            col("day", "INT32", "DATE", "timestamp", ["2024-01-01", "1969-12-31"], { min: "1969-12-31", max: "2024-01-01", ...stats("empty", "min", "max") }),
            col("ts_ms", "INT64", "TIMESTAMP(MILLIS,UTC)", "timestamp", ["2023-11-14T22:13:20.123Z", "1970-01-01T00:00:00.000Z"], {
                min: "1970-01-01T00:00:00.000Z",
                max: "2023-11-14T22:13:20.123Z",
                ...stats("empty", "min", "max"),
            }),
            col("ts_us", "INT64", "TIMESTAMP(MICROS)", "timestamp", ["1970-01-01T00:00:00.000001", "1970-01-01T00:00:00.000002"], {
                min: "1970-01-01T00:00:00.000001",
                max: "1970-01-01T00:00:00.000002",
                ...stats("empty", "min", "max"),
            }),
            col("ts_ns", "INT64", "TIMESTAMP(NANOS,UTC)", "timestamp", ["2023-11-14T22:13:20.123456789Z"], {
                min: "2023-11-14T22:13:20.123456789Z",
                max: "2023-11-14T22:13:20.123456789Z",
                ...stats("empty", "min", "max"),
            }),
            col("t_ms", "INT32", "TIME(MILLIS)", "string", ["01:02:03.004", "00:00:00.000"], { min: "00:00:00.000", max: "01:02:03.004", ...stats("empty", "min", "max") }),
            // The writer truncates string statistics and does not mark them exact: no min or max for strings.
            col("str", "BYTE_ARRAY", "UTF8", "string", ["héllo", ""], stats("empty")),
            col("json", "BYTE_ARRAY", "JSON", "string", ['{"a":1}', "[1,2]"], stats("empty")),
            col("uuid", "FIXED_LEN_BYTE_ARRAY", "UUID", "string", ["00112233-4455-6677-8899-aabbccddeeff"], stats("empty", "min", "max")),
            col("bin", "FIXED_LEN_BYTE_ARRAY", "FIXED_LEN_BYTE_ARRAY", "string", ["010203", "ff0010"], stats("empty")),
        ];
        const uuid = expected.find((c) => c.name === "uuid") as Record<string, unknown>;
        uuid.min = uuid.max = "00112233-4455-6677-8899-aabbccddeeff";
        assert.deepEqual(s.columns, expected);
        assert.deepEqual(s.accounting, { lines: 0, blankLines: 0, headerRecords: 0, records: 3, rows: 3, badRows: 0 });
        assert.deepEqual(s.badRows, { count: 0, first: [], byReason: {} });
        assert.deepEqual(s.parquet, { version: 2, createdBy: "hyparquet", rowGroups: 1, codecs: ["SNAPPY"], chunksSkipped: 0 });
    });

    it("without statistics, nulls, min and max come from the values and are the same", async () => {
        const withStats = await summarize(write(data, { schema }));
        const without = await summarize(write(data, { schema, statistics: false }));
        const omit = (c: ParquetColumnSummary, ...keys: (keyof ParquetColumnSummary)[]) =>
            Object.fromEntries(Object.entries(c).filter(([k]) => !(keys as string[]).includes(k)));
        const strip = (cols: ParquetColumnSummary[]) => cols.map((c) => omit(c, "fromStatistics"));
        // Only statistics give min/max for uuid (a string kind); everything else is the same figure either way.
        const expected = withStats.columns.map((c) => (c.name === "uuid" ? omit(c, "fromStatistics", "min", "max") : omit(c, "fromStatistics")));
        assert.deepEqual(strip(without.columns), expected);
        assert.ok(without.columns.every((c) => c.fromStatistics === undefined));
    });

    it("reads INT96 timestamps (the writer's 12-byte column, retyped INT96 in the footer) as instants, not statistics", async () => {
        const int96 = (nanos: bigint): Uint8Array => {
            const day = 86_400_000_000_000n;
            const days = nanos >= 0n ? nanos / day : (nanos - day + 1n) / day;
            const b = Buffer.alloc(12);
            b.writeBigUInt64LE(nanos - days * day, 0);
            b.writeUInt32LE(Number(days + 2_440_588n), 8);
            return new Uint8Array(b);
        };
        const flba = write([{ name: "t", data: [int96(1_700_000_000_123_456_789n), null, int96(-1n)], encoding: "PLAIN" }], {
            schema: [{ name: "root", num_children: 1 }, { name: "t", type: "FIXED_LEN_BYTE_ARRAY", type_length: 12, repetition_type: "OPTIONAL" }],
            codec: "UNCOMPRESSED",
        });
        // Thrift compact: type FIXED_LEN_BYTE_ARRAY (7, zigzag 0x0e) → INT96 (3, zigzag 0x06), in the schema and the chunk.
        const at = footerStart(flba);
        const retyped = patch(patch(flba, [0x15, 0x0e, 0x15, 0x18], [0x15, 0x06, 0x15, 0x18], at), [0x1c, 0x15, 0x0e, 0x19], [0x1c, 0x15, 0x06, 0x19], at);
        const s = await summarize(retyped);
        assert.deepEqual(s.columns, [
            {
                name: "t", nonEmpty: 2, empty: 1, type: "timestamp", distinctApprox: 2,
                samples: ["2023-11-14T22:13:20.123456789Z", "1969-12-31T23:59:59.999999999Z"],
                physicalType: "INT96", logicalType: "INT96",
                min: "1969-12-31T23:59:59.999999999Z", max: "2023-11-14T22:13:20.123456789Z", fromStatistics: ["empty"],
            },
        ]);
    });

    it("a file with no row groups: zero rows, the columns from the schema", async () => {
        const s = await summarize(write([{ name: "a", data: [], type: "INT32" }, { name: "s", data: [], type: "STRING" }]));
        assert.deepEqual([s.rows, s.parquet.rowGroups, s.columns.map((c) => [c.name, c.type, c.nonEmpty, c.empty, c.distinctApprox])], [0, 0, [["a", "integer", 0, 0, 0], ["s", "string", 0, 0, 0]]]);
    });

    it("gives a DOUBLE column's extremes as numbers, even whole ones beyond 2^53", async () => {
        for (const statistics of [true, false]) {
            const s = await summarize(write([{ name: "d", data: [2 ** 60, 0.5], type: "DOUBLE" }], { statistics }));
            assert.deepEqual([s.columns[0].min, s.columns[0].max, s.columns[0].type], [0.5, 2 ** 60, "float"]);
        }
        // Writers store a zero minimum as -0 in the statistics; the data's zero is +0.
        const zero = await summarize(write([{ name: "z", data: [0, 1.5], type: "DOUBLE" }]));
        assert.deepEqual([zero.columns[0].min, zero.columns[0].fromStatistics], [0, ["empty", "min", "max"]]);
    });

    it("writes INT96, TIME and timestamps as logical values, whatever the year", () => {
        const int96 = classify({ name: "x", type: "INT96" });
        assert.deepEqual([int96.type, int96.logicalType], ["timestamp", "INT96"]);
        assert.equal(valueText(int96, 1_700_000_000_123_456_789n), "2023-11-14T22:13:20.123456789Z");
        assert.equal(formatTimestamp(-1n, 3, true), "1969-12-31T23:59:59.999Z");
        assert.equal(formatTimestamp(253402300800000n, 3, true), "+010000-01-01T00:00:00.000Z");
        assert.equal(formatTimestamp(-62167219200001n, 3, false), "-000001-12-31T23:59:59.999");
        assert.equal(valueText(classify({ name: "t", type: "INT64", logical_type: { type: "TIME", unit: "MICROS", isAdjustedToUTC: false } }), 86_399_999_999n), "23:59:59.999999");
        assert.throws(() => classify({ name: "i", type: "FIXED_LEN_BYTE_ARRAY", converted_type: "INTERVAL" }), /INTERVAL values cannot be decoded/);
    });
});

describe("the fast value text", () => {
    const text = (buf: Uint8Array, at: number) => Buffer.from(buf.subarray(at)).toString("latin1");

    it("writes a double as String does, or leaves it", () => {
        const buf = new Uint8Array(64);
        const written: number[] = [];
        fc.assert(
            fc.property(fc.oneof(fc.integer({ min: -1e9, max: 1e9 }).map((n) => n / 1000), fc.double({ noNaN: true })), (v) => {
                const at = writeShortDouble(buf, v);
                if (at >= 0) {
                    written.push(v);
                    assert.equal(text(buf, at), String(v));
                }
            }),
            { numRuns: 5000 },
        );
        assert.ok(written.length > 1000, "most short decimals take the fast path");
        assert.deepEqual([0.1, -2.5, 123.45, 1e-6, 1e15, 1.0000001, 42].map((v) => writeShortDouble(buf, v) >= 0), [true, true, true, true, false, false, false]);
    });

    it("writes a timestamp as formatTimestamp does, or leaves it", () => {
        const buf = new Uint8Array(64);
        for (const [digits, utc] of [[3, true], [6, false], [9, true]] as const) {
            const writer = new TimestampWriter(digits, utc);
            fc.assert(
                fc.property(fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }), (units) => {
                    const at = writer.write(buf, units);
                    if (at >= 0) {
                        assert.equal(text(buf, at), formatTimestamp(BigInt(units), digits, utc));
                    }
                }),
                { numRuns: 3000 },
            );
        }
        assert.equal(text(buf, new TimestampWriter(3, true).write(buf, 1_700_000_000_123)), "2023-11-14T22:13:20.123Z");
        assert.equal(new TimestampWriter(3, true).write(buf, 253402300800000), -1, "year 10000");
    });
});

describe("summarizeParquet: nesting, row groups, codecs", () => {
    const nestedSchema: SchemaElement[] = [
        { name: "root", num_children: 3 },
        { name: "id", type: "INT32", repetition_type: "REQUIRED" },
        { name: "s", repetition_type: "OPTIONAL", num_children: 2 },
        { name: "a", type: "INT32", repetition_type: "OPTIONAL" },
        { name: "b", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        { name: "tags", repetition_type: "OPTIONAL", converted_type: "LIST", num_children: 1 },
        { name: "list", repetition_type: "REPEATED", num_children: 1 },
        { name: "element", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
    ];
    const nested: ColumnSource[] = [
        { name: "id", data: [1, 2, 3, 4, 5] },
        { name: "s", data: [{ a: 1, b: "x" }, null, { a: null, b: "y" }, { a: 4, b: null }, { a: 1, b: "x" }] },
        { name: "tags", data: [["p", "q"], null, [], ["r", null], ["p"]] },
    ];

    it("summarises leaves by their paths, with values per row for repeated ones, across row groups", async () => {
        const s = await summarize(write(nested, { schema: nestedSchema, rowGroupSize: 2 }));
        assert.equal(s.rows, 5);
        assert.equal(s.parquet.rowGroups, 3);
        const c = byName(s.columns);
        assert.deepEqual(Object.keys(c), ["id", "s.a", "s.b", "tags.list.element"]);
        assert.deepEqual(c["s.a"], {
            name: "s.a", nonEmpty: 3, empty: 2, type: "integer", distinctApprox: 2, samples: ["1", "4"], min: 1, max: 4, mean: 2,
            physicalType: "INT32", logicalType: "INT32", fromStatistics: ["empty", "min", "max"],
        });
        assert.deepEqual(c["s.b"], {
            name: "s.b", nonEmpty: 3, empty: 2, type: "string", distinctApprox: 2, samples: ["x", "y"],
            physicalType: "BYTE_ARRAY", logicalType: "UTF8", fromStatistics: ["empty"],
        });
        assert.deepEqual(c["tags.list.element"], {
            name: "tags.list.element", nonEmpty: 3, empty: 2, type: "string", distinctApprox: 3, samples: ["p", "q", "r"],
            physicalType: "BYTE_ARRAY", logicalType: "UTF8",
            repeated: { values: 4, nullValues: 1, perRow: { min: 0, max: 2, mean: 0.8 } },
        });
    });

    for (const codec of ["UNCOMPRESSED", "SNAPPY", "GZIP", "BROTLI"] as const) {
        it(`reads ${codec} column chunks (the same summary as uncompressed)`, async () => {
            const plain = await summarize(write(nested, { schema: nestedSchema, rowGroupSize: 2, codec: "UNCOMPRESSED" }));
            const s = await summarize(write(nested, { schema: nestedSchema, rowGroupSize: 2, codec }));
            assert.deepEqual(s.parquet.codecs, [codec]);
            assert.deepEqual(s.columns, plain.columns);
        });
    }

    it("reads the footer first, then one range per row group (its column chunks), and skips all-null chunks", async () => {
        const n = 3000;
        const bytes = write(
            [
                { name: "n", data: Array.from({ length: n }, (_, i) => i) },
                { name: "nothing", data: Array.from({ length: n }, (_, i) => (i < 1000 ? `v${i % 7}` : null)), type: "STRING" },
            ],
            { rowGroupSize: 1000 },
        );
        const source = recording(bytes);
        const s = await summarizeParquet(source);
        // head, tail (the footer), then row groups 0, 1, 2; "nothing" is all null in row groups 1 and 2.
        assert.equal(source.reads.length, 5);
        assert.deepEqual(source.reads.slice(0, 2), [[0, 4], [0, bytes.length]]);
        assert.equal(s.parquet.chunksSkipped, 2);
        const c = byName(s.columns);
        assert.deepEqual([c.n.min, c.n.max, c.n.mean, c.n.distinctApprox > 2900 && c.n.distinctApprox < 3100], [0, n - 1, (n - 1) / 2, true]);
        assert.deepEqual([c.nothing.nonEmpty, c.nothing.empty, c.nothing.distinctApprox, c.nothing.fromStatistics], [1000, 2000, 7, ["empty"]]);
    });

    it("on worker threads (row groups handed out), gives the summary one thread gives", async () => {
        const n = 5000;
        const bytes = write(
            [
                { name: "n", data: Array.from({ length: n }, (_, i) => (i * 7919) % 3001), type: "INT32" },
                { name: "x", data: Array.from({ length: n }, (_, i) => (i % 11 === 0 ? null : i / 8)), type: "DOUBLE" },
                { name: "s", data: Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `w${(i * 31) % 700}`)), type: "STRING" },
                { name: "t", data: Array.from({ length: n }, (_, i) => [`a${i % 3}`, `b${i % 4}`].slice(0, i % 3)) },
            ],
            { rowGroupSize: 333, statistics: false },
        );
        const one = await summarizeParquet(bufferSource(bytes));
        const progress: number[] = [];
        await stopIdleWorkers();
        const before = { ...warmStats };
        const three = await summarizeParquet(bufferSource(bytes), { parallelism: 3, onProgress: ({ rows }) => progress.push(rows) });
        assert.equal(warmStats.started - before.started, 3);
        assert.equal(warmStats.idle, 3, "the threads wait for the next run");
        const withoutMean = (s: typeof one) => s.columns.map((c) => ({ ...c, mean: c.mean === undefined ? undefined : Math.round(c.mean * 1e9) / 1e9 }));
        assert.deepEqual(withoutMean(three), withoutMean(one));
        assert.deepEqual([three.rows, three.bytes, three.parquet], [one.rows, one.bytes, one.parquet]);
        // The threads did the work (not the one-thread fallback).
        const source = bufferSource(bytes);
        const state = createState((await readFooter(source)).metadata, bytes.length);
        assert.equal(await summarizeRowGroupsInWorkers(state, source, 2, undefined, undefined, undefined), true);
        assert.equal(state.rows, n);
        assert.equal(warmStats.started - before.started, 3, "the next run started no thread");
        assert.equal(progress.length, 16);
        assert.equal(progress[15], n);
        await assert.rejects(summarizeParquet(bufferSource(bytes), { parallelism: 0 }), { message: "parallelism must be an integer >= 1" });
    });

    it("fails a request to a row-group thread that stopped between requests, instead of waiting for a reply", async () => {
        const bytes = write([{ name: "a", data: [1, 2, 3], type: "INT32" }], {});
        const thread = new RowGroupThread({ metadata: (await readFooter(bufferSource(bytes))).metadata, size: bytes.length, sampleSize: undefined });
        await thread.worker.terminate();
        await new Promise((r) => setImmediate(r));
        await assert.rejects(thread.request({ end: true }, undefined), /a Parquet summary thread stopped/);
    });

    it("on worker threads, a corrupt page still names its row group and column", async () => {
        const bytes = Buffer.from(write([{ name: "a", data: Array.from({ length: 400 }, (_, i) => `v${i}`), type: "STRING" }], { rowGroupSize: 100 }));
        const chunk = parquetMetadata(bytes).row_groups[2].columns[0].meta_data!;
        const start = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
        bytes.fill(0xee, start + 12, start + Number(chunk.total_compressed_size));
        await stopIdleWorkers();
        await assert.rejects(summarizeParquet(bufferSource(new Uint8Array(bytes)), { parallelism: 2 }), (e: unknown) => {
            assert.ok(e instanceof InputError);
            assert.equal(e.code, "parquet-corrupt");
            assert.match(e.message, /^row group 2, column a: /);
            return true;
        });
        // The failed run's threads are stopped, not kept for the next run.
        assert.equal(warmStats.idle, 0);
        for (let i = 0; i < 100 && warmStats.alive > 0; i++) {
            await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(warmStats.alive, 0);
    });

    it("reads a file DuckDB wrote (version-1 pages, dictionary pages, exact string statistics, lists and structs)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-duckdb-"));
        try {
            const file = path.join(dir, "d.parquet");
            const duckdb = await import("@duckdb/node-api");
            const instance = await duckdb.DuckDBInstance.create(":memory:");
            const conn = await instance.connect();
            await conn.run(
                `COPY (SELECT range AS i, (range / 4)::DECIMAL(9,2) AS d, TIMESTAMP '2024-01-01' + to_minutes(range) AS ts, ` +
                    `DATE '2024-01-01' + (range % 366)::INTEGER AS dt, CASE WHEN range % 10 = 0 THEN NULL ELSE 'v' || (range % 37) END AS s, ` +
                    `list_transform(range(range % 3), x -> x * 2) AS l, {'a': range % 5, 'b': 'k' || (range % 2)} AS st FROM range(1000)) ` +
                    `TO '${file}' (FORMAT parquet)`,
            );
            conn.closeSync();
            instance.closeSync();
            const source = await fileSource(file);
            const s = await summarizeParquet(source).finally(() => source.close());
            const c = byName(s.columns);
            const pick = (x: ParquetColumnSummary) => [x.type, x.logicalType, x.nonEmpty, x.empty, x.min, x.max, x.mean, x.fromStatistics];
            assert.equal(s.rows, 1000);
            assert.ok(Math.abs(c.i.distinctApprox - 1000) <= 20, `distinct ${c.i.distinctApprox}`);
            assert.deepEqual(pick(c.i), ["integer", "INT64", 1000, 0, 0, 999, 499.5, ["empty", "min", "max"]]);
            assert.deepEqual(pick(c.d), ["float", "DECIMAL(9,2)", 1000, 0, 0, 249.75, 124.875, ["empty", "min", "max"]]);
            assert.deepEqual(pick(c.ts), ["timestamp", "TIMESTAMP(MICROS)", 1000, 0, "2024-01-01T00:00:00.000000", "2024-01-01T16:39:00.000000", undefined, ["empty", "min", "max"]]);
            assert.deepEqual(pick(c.dt), ["timestamp", "DATE", 1000, 0, "2024-01-01", "2024-12-31", undefined, ["empty", "min", "max"]]);
            assert.deepEqual([...pick(c.s), c.s.distinctApprox, c.s.samples], ["string", "UTF8", 900, 100, "v0", "v9", undefined, ["empty", "min", "max"], 37, ["v1", "v2", "v3", "v4", "v5"]]);
            const list = c["l.list.element"];
            assert.deepEqual([...pick(list), list.repeated, list.distinctApprox], [
                "integer", "INT64", 666, 334, 0, 2, 2 / 3, ["min", "max"], { values: 999, nullValues: 0, perRow: { min: 0, max: 2, mean: 0.999 } }, 2,
            ]);
            assert.deepEqual(pick(c["st.a"]), ["integer", "INT64", 1000, 0, 0, 4, 2, ["empty", "min", "max"]]);
            assert.deepEqual(c["st.b"].samples, ["k0", "k1"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reads ZSTD, LZ4_RAW and the other codecs DuckDB writes (checked in the footer), to the same summary as uncompressed", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-codecs-"));
        try {
            const duckdb = await import("@duckdb/node-api");
            const instance = await duckdb.DuckDBInstance.create(":memory:");
            const conn = await instance.connect();
            const codecs = ["uncompressed", "zstd", "lz4_raw", "snappy", "gzip", "brotli"];
            for (const codec of codecs) {
                await conn.run(
                    `COPY (SELECT range AS i, (range * 0.5)::DOUBLE AS f, 'v' || (range % 97) AS s FROM range(5000)) ` +
                        `TO '${path.join(dir, `${codec}.parquet`)}' (FORMAT parquet, COMPRESSION ${codec}, ROW_GROUP_SIZE 2048)`,
                );
            }
            conn.closeSync();
            instance.closeSync();
            const summaries = new Map<string, unknown>();
            for (const codec of codecs) {
                const bytes = fs.readFileSync(path.join(dir, `${codec}.parquet`));
                const written = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)).row_groups[0].columns[0].meta_data?.codec;
                assert.equal(written, { lz4_raw: "LZ4_RAW" }[codec] ?? codec.toUpperCase(), `${codec}: the codec DuckDB wrote`);
                const s = await summarizeParquet(bufferSource(new Uint8Array(bytes)));
                assert.equal(s.rows, 5000, codec);
                summaries.set(codec, s.columns);
            }
            for (const codec of codecs.slice(1)) {
                assert.deepEqual(summaries.get(codec), summaries.get("uncompressed"), codec);
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reports progress after each row group and stops on abort", async () => {
        const bytes = write([{ name: "n", data: Array.from({ length: 300 }, (_, i) => i) }], { rowGroupSize: 100 });
        const progress: number[] = [];
        await summarizeParquet(bufferSource(bytes), { onProgress: ({ rows }) => progress.push(rows) });
        assert.deepEqual(progress, [100, 200, 300]);
        const stop = new AbortController();
        const aborted = summarizeParquet(bufferSource(bytes), { onProgress: () => stop.abort() }, stop.signal);
        await assert.rejects(aborted, { name: "AbortedError" });
    });

    it("reads a local file through fileSource", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-file-"));
        try {
            const file = path.join(dir, "t.parquet");
            const bytes = write(nested, { schema: nestedSchema });
            fs.writeFileSync(file, bytes);
            const source = await fileSource(file);
            try {
                assert.deepEqual((await summarizeParquet(source)).columns, (await summarize(bytes)).columns);
            } finally {
                await source.close();
            }
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

/** Every place `from` occurs in `bytes` after `after` (at least one), replaced by `to` (a copy). */
function patch(bytes: Uint8Array, from: number[], to: number[], after = 0): Uint8Array {
    const b = Buffer.from(bytes);
    let at = b.indexOf(Buffer.from(from), after);
    assert.ok(at >= 0, `pattern ${from} not found`);
    while (at >= 0) {
        Buffer.from(to).copy(b, at);
        at = b.indexOf(Buffer.from(from), at + 1);
    }
    return new Uint8Array(b);
}

/** Where the footer starts. */
const footerStart = (b: Uint8Array) => b.length - 8 - Buffer.from(b).readUInt32LE(b.length - 8);

describe("summarizeParquet: bad files", () => {
    const good = write(
        [
            { name: "a", data: Array.from({ length: 200 }, (_, i) => i) },
            { name: "b", data: Array.from({ length: 200 }, (_, i) => `value ${i}`), type: "STRING" },
        ],
        { rowGroupSize: 100 },
    );
    const fails = (bytes: Uint8Array, code: string, message: string | RegExp) =>
        assert.rejects(summarize(bytes), (e: unknown) => {
            assert.ok(e instanceof InputError, String(e));
            assert.equal(e.code, code);
            if (typeof message === "string") {
                assert.equal(e.message, message);
            } else {
                assert.match(e.message, message);
            }
            return true;
        });

    it("a truncated file (no PAR1 at the end, or too short)", async () => {
        await fails(good.subarray(0, good.length - 100), "parquet-truncated", "the file does not end with the Parquet magic bytes PAR1: it is truncated (or not Parquet)");
        await fails(new Uint8Array(Buffer.from("PAR1PAR1")), "parquet-truncated", "the file has 8 bytes; a Parquet file has at least 12 (PAR1, the footer's length, PAR1): it is truncated");
        await fails(new Uint8Array(Buffer.from("a,b\n1,2\nPAR1")), "parquet-truncated", /does not start with the Parquet magic bytes PAR1/);
    });

    it("a footer length beyond the file, and a corrupt footer", async () => {
        const long = Buffer.from(good);
        long.writeUInt32LE(good.length, good.length - 8);
        await fails(new Uint8Array(long), "parquet-footer", `the footer length is ${good.length} bytes, more than the file's ${good.length} bytes allow (at most ${good.length - 12}): the file is truncated or its footer is corrupt`);
        const garbled = Buffer.from(good);
        garbled.fill(0xff, footerStart(good), good.length - 8);
        await fails(new Uint8Array(garbled), "parquet-footer", /^the footer \(file metadata, \d+ bytes\) cannot be read: /);
    });

    it("a chunk beyond the data (the file was cut and a footer appended)", async () => {
        const footer = good.subarray(footerStart(good));
        const cut = Buffer.concat([good.subarray(0, 200), footer]);
        await fails(new Uint8Array(cut), "parquet-truncated", /^row group 0, column [ab]: the column chunk is at bytes \d+-\d+, beyond the data \(bytes 4-200\)/);
    });

    it("an unsupported codec names the row group and column", async () => {
        // Column b's metadata: path_in_schema ["b"], then codec SNAPPY (1, zigzag 2) → LZO (3, zigzag 6).
        const lzo = patch(good, [0x19, 0x18, 0x01, 0x62, 0x15, 0x02], [0x19, 0x18, 0x01, 0x62, 0x15, 0x06], footerStart(good));
        await fails(lzo, "parquet-codec", /^row group 0, column b: compression codec LZO is not supported; supported are UNCOMPRESSED, SNAPPY, .*GZIP/);
    });

    it("a corrupt page names the row group and column", async () => {
        const s = await summarize(good);
        assert.equal(s.rows, 200);
        // Overwrite the middle of row group 1's chunk of column b (its page data) with garbage.
        const bytes = Buffer.from(good);
        const meta = parquetMetadata(good);
        const chunk = meta.row_groups[1].columns[1].meta_data!;
        const start = Number(chunk.dictionary_page_offset || chunk.data_page_offset);
        const end = start + Number(chunk.total_compressed_size);
        bytes.fill(0xee, start + 12, end);
        await fails(new Uint8Array(bytes), "parquet-corrupt", /^row group 1, column b: /);
    });
});

describe("Parquet detection", () => {
    const bytes = write([{ name: "a", data: [1, 2] }]);
    const chunks = async function* (b: Uint8Array, size: number) {
        for (let i = 0; i < b.length; i += size) {
            yield Buffer.from(b.subarray(i, i + size));
        }
    };

    it("peeks at the first bytes of a stream and gives the whole stream back", async () => {
        const { head, body } = await peekHead(chunks(bytes, 3), 4);
        assert.equal(head.toString("latin1"), "PAR1");
        const all: Buffer[] = [];
        for await (const c of body) {
            all.push(c);
        }
        assert.deepEqual(new Uint8Array(Buffer.concat(all)), bytes);
    });

    it("is Parquet when it starts and ends with PAR1, or starts with it and is named .parquet", async () => {
        const text = new Uint8Array(Buffer.from("PAR1,x\n1,2\n"));
        assert.equal(await isParquetInput(bytes.subarray(0, 4), "export.bin", bufferSource(bytes)), true);
        assert.equal(await isParquetInput(text.subarray(0, 4), "notes.csv", bufferSource(text)), false);
        assert.equal(await isParquetInput(text.subarray(0, 4), "cut.parquet", bufferSource(text)), true);
        assert.equal(await isParquetInput(new Uint8Array(Buffer.from("a,b\n")), "a.parquet", bufferSource(bytes)), false);
    });
});

describe("Parquet uploads in the processor", function () {
    this.timeout(90000);
    const BUCKET = "parquet-uploads";
    let s3: LocalS3;
    let scratch: string;

    before(async () => {
        s3 = await startS3();
        await s3.createBucket(BUCKET);
    });
    after(async () => {
        await s3.close();
    });
    beforeEach(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "parquet-scratch-"));
    });
    afterEach(() => {
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    const run = (key: string) =>
        processFile(readConfig({ S3_ENDPOINT: s3.endpoint, S3_BUCKET: BUCKET, S3_KEY: key, SCRATCH_DIR: scratch }), { key }, {
            s3: s3.client,
            log: createLogger({ key }, () => undefined),
            signal: new AbortController().signal,
        });

    it("summarises a Parquet upload (any name) with ranged reads, fails a truncated one with exit 65, and reads text starting with PAR1 as text", async () => {
        const bytes = write([{ name: "a", data: Array.from({ length: 500 }, (_, i) => i) }], { rowGroupSize: 100 });
        await s3.put(BUCKET, "uploads/export.bin", Buffer.from(bytes));
        const ok = await run("uploads/export.bin");
        assert.equal(ok.outcome, "succeeded", JSON.stringify(ok.status?.error));
        const summary = JSON.parse((await s3.get(BUCKET, "processed/export.bin.summary.json"))!);
        assert.deepEqual([summary.format, summary.rows, summary.columns[0].max, summary.parquet.rowGroups], ["parquet", 500, 499, 5]);

        await s3.put(BUCKET, "uploads/cut.parquet", Buffer.from(bytes.subarray(0, bytes.length - 3)));
        const bad = await run("uploads/cut.parquet");
        assert.deepEqual([bad.outcome, bad.exitCode, bad.status?.error?.class], ["failed", 65, "InputError:parquet-truncated"]);

        // Text that merely starts with "PAR1" is still text.
        await s3.put(BUCKET, "uploads/par.csv", "PAR1,b\n1,2\n3,4\n");
        const text = await run("uploads/par.csv");
        assert.equal(text.outcome, "succeeded", JSON.stringify(text.status?.error));
        const csv = JSON.parse((await s3.get(BUCKET, "processed/par.csv.summary.json"))!);
        assert.deepEqual([csv.format, csv.rows, csv.columns[0].name], ["csv", 2, "PAR1"]);
    });

    it("reads byte ranges pinned to the ETag; 412 (a newer upload) fails as ObjectChanged (exit 66)", async () => {
        await s3.put(BUCKET, "uploads/r.parquet", Buffer.from("0123456789"));
        const head = await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "uploads/r.parquet" }));
        const source = rangedSource(s3.client, { bucket: BUCKET, key: "uploads/r.parquet", etag: String(head.ETag).replace(/"/g, ""), size: 10 });
        assert.equal(Buffer.from(await source.read(2, 5)).toString(), "234");
        // A newer upload: the local server answers If-Match with 412, as S3 does.
        await s3.put(BUCKET, "uploads/r.parquet", Buffer.from("9876543210"));
        await assert.rejects(source.read(2, 5), { name: "ObjectChanged", exitCode: 66 });
        // What is sent, and S3's own 412, checked with a stub.
        const sent: Record<string, unknown>[] = [];
        const changed = Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), {
            name: "PreconditionFailed",
            $metadata: { httpStatusCode: 412 },
        });
        const stub = { send: async (command: { input: Record<string, unknown> }) => (sent.push(command.input), Promise.reject(changed)) } as unknown as S3Client;
        const pinned = rangedSource(stub, { bucket: BUCKET, key: "k", etag: "abc", size: 10 });
        await assert.rejects(pinned.read(0, 4), { name: "ObjectChanged", exitCode: 66, message: `s3://parquet-uploads/k changed while it was being read (its ETag is no longer "abc"): a newer upload replaced it, and its own event summarises it` });
        assert.deepEqual(sent, [{ Bucket: BUCKET, Key: "k", Range: "bytes=0-3", IfMatch: '"abc"' }]);
    });
});
