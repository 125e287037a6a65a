/**
 * Parquet in shards (docs/sharding.md): every row group goes to the one shard whose byte range holds its start; the
 * shards' partials (through JSON, as stored) merge into exactly the summary one task writes; on the local pipeline a
 * Parquet upload split into 4 shards gives the unsharded summary.
 */
import { strict as assert } from "assert";
import * as zlib from "zlib";
import fc from "fast-check";
import { parquetMetadata } from "hyparquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { ColumnSource } from "hyparquet-writer/src/types";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { startProcessor } from "./support/processor";
import { startS3 } from "./support/s3";
import { LocalPipeline, PipelineEvent } from "../app/src/local/pipeline";
import { readJson } from "../app/src/processor/s3";
import { shardRange } from "../app/src/processor/shard";
import type { StatusDocument } from "../app/src/processor/status";
import { bufferSource, summarizeParquet } from "../app/src/processor/summarize/parquet";
import { summarizeRowGroupsInWorkers } from "../app/src/processor/summarize/parquet/parallel";
import { createState, readFooter } from "../app/src/processor/summarize/parquet/summarize";
import {
    decodeValue,
    encodeValue,
    mergeParquetPartials,
    ParquetPartial,
    rowGroupStart,
    rowGroupsInRange,
    summarizeParquetPartial,
} from "../app/src/processor/summarize/parquet/partial";

type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]["schema"]>[number];

function write(columnData: ColumnSource[], more: { schema?: SchemaElement[]; rowGroupSize?: number | number[]; statistics?: boolean; codec?: "SNAPPY" | "GZIP" } = {}): Buffer {
    const compressors = { GZIP: (b: Uint8Array) => new Uint8Array(zlib.gzipSync(b)) };
    return Buffer.from(parquetWriteBuffer({ columnData, compressors, ...more }));
}

/**
 * Columns of most kinds the summariser tells apart: integers (one beyond 2^53), doubles with long fractions, NaN,
 * ±Infinity and -0, strings with repeats and nulls (samples, distinct counts), timestamps, booleans, a list column,
 * and a column that is all null after its first rows (chunks skipped from statistics).
 */
function variedColumns(n: number): ColumnSource[] {
    const special = [Number.NaN, Number.POSITIVE_INFINITY, -0, Number.NEGATIVE_INFINITY];
    return [
        { name: "id", data: Array.from({ length: n }, (_, i) => i), type: "INT32" },
        { name: "big", data: Array.from({ length: n }, (_, i) => (i === Math.floor(n / 2) ? 9007199254740993n : BigInt((i * 7919) % 100003) - 50000n)), type: "INT64" },
        { name: "price", data: Array.from({ length: n }, (_, i) => (i % 13 === 0 ? null : i % 997 === 5 ? special[i % 4] : ((i * 31) % 9973) / 7)), type: "DOUBLE" },
        { name: "city", data: Array.from({ length: n }, (_, i) => (i % 7 === 0 ? null : `city-${(i * 17) % 211}`)), type: "STRING" },
        { name: "seen", data: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 2, 1 + (i % 28), 10, i % 60, (i * 7) % 60, i % 1000))), type: "TIMESTAMP" },
        { name: "flag", data: Array.from({ length: n }, (_, i) => i % 3 === 0), type: "BOOLEAN" },
        { name: "tags", data: Array.from({ length: n }, (_, i) => [`a${i % 3}`, `b${i % 4}`, `c${i % 50}`].slice(0, i % 4)) },
        { name: "early", data: Array.from({ length: n }, (_, i) => (i < n / 5 ? `e${i % 9}` : null)), type: "STRING" },
    ];
}

/** The JSON text of a value, as the summary file holds it: byte-for-byte comparison (key order included). */
const text = (v: unknown): string => JSON.stringify(v, null, 2);

/** Every shard of `count` summarises its range; the partials go through JSON, as they are stored, and are merged. */
async function shardedSummary(bytes: Uint8Array, count: number, parallelism = 1): Promise<{ merged: unknown; partials: ParquetPartial[] }> {
    const source = bufferSource(bytes);
    const partials: ParquetPartial[] = [];
    for (let i = 0; i < count; i++) {
        const p = await summarizeParquetPartial(source, shardRange(bytes.length, count, i), { parallelism });
        partials.push(JSON.parse(JSON.stringify(p)) as ParquetPartial);
    }
    return { merged: await mergeParquetPartials(source, partials), partials };
}

describe("Parquet shards: which row groups a shard takes", () => {
    const bytes = write(variedColumns(2000), { rowGroupSize: 150 });
    const metadata = parquetMetadata(bytes);
    const groups = metadata.row_groups.length;

    it("a row group starts at its first column chunk's dictionary page when it has one, else its first data page", () => {
        assert.ok(groups >= 10, `${groups} row groups`);
        const withDictionary = metadata.row_groups.find((rg) => rg.columns[0].meta_data?.dictionary_page_offset !== undefined);
        const meta = (withDictionary ?? metadata.row_groups[0]).columns[0].meta_data!;
        assert.equal(rowGroupStart(withDictionary ?? metadata.row_groups[0]), Number(meta.dictionary_page_offset ?? meta.data_page_offset));
        const plain = { ...metadata.row_groups[0], columns: [{ ...metadata.row_groups[0].columns[0], meta_data: { ...meta, dictionary_page_offset: undefined, data_page_offset: 1234n } }] };
        assert.equal(rowGroupStart(plain), 1234);
        const zero = { ...plain, columns: [{ ...plain.columns[0], meta_data: { ...plain.columns[0].meta_data, dictionary_page_offset: 0n } }] };
        assert.equal(rowGroupStart(zero), 1234, "an offset of 0 is no dictionary page");
        // The starts are in the file, past the magic bytes, and increase.
        const starts = metadata.row_groups.map(rowGroupStart);
        starts.forEach((s, r) => assert.ok(s >= 4 && (r === 0 || s > starts[r - 1]), `row group ${r} at ${s}`));
    });

    it("every row group goes to exactly one shard, for the planned cuts of any shard count, more shards than row groups included", () => {
        for (let count = 1; count <= groups + 5; count++) {
            const taken = Array.from({ length: count }, (_, i) => {
                const { start, end } = shardRange(bytes.length, count, i);
                return rowGroupsInRange(metadata, start, end);
            }).flat();
            assert.deepEqual(taken, Array.from({ length: groups }, (_, r) => r), `${count} shards`);
        }
    });

    it("every row group goes to exactly one range, for any cuts", () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 0, max: bytes.length }), { maxLength: 3 * groups }), (raw) => {
                const cuts = [0, ...raw.sort((a, b) => a - b), bytes.length];
                const owners = new Array<number>(groups).fill(0);
                for (let i = 0; i + 1 < cuts.length; i++) {
                    for (const r of rowGroupsInRange(metadata, cuts[i], cuts[i + 1])) {
                        owners[r]++;
                    }
                }
                assert.deepEqual(owners, new Array<number>(groups).fill(1));
            }),
            { numRuns: 300 },
        );
    });
});

describe("Parquet shards: partials merge into the one summary", function () {
    this.timeout(120000);

    for (const statistics of [true, false]) {
        it(`any shard count gives the unsharded summary, byte for byte (statistics ${statistics ? "on" : "off"}), empty partials included`, async () => {
            const bytes = write(variedColumns(3000), { rowGroupSize: 400, statistics });
            const whole = text(await summarizeParquet(bufferSource(bytes)));
            const groups = parquetMetadata(bytes).row_groups.length;
            let empties = 0;
            for (const count of [1, 2, 3, 4, 7, groups, groups + 3]) {
                const { merged, partials } = await shardedSummary(bytes, count);
                assert.equal(text(merged), whole, `${count} shards`);
                empties += partials.filter((p) => p.rowGroups.length === 0).length;
            }
            assert.ok(empties > 0, "some shards held no row group");
        });
    }

    it("shards with worker threads (SUMMARY_PARALLELISM) give the same partials' merge", async () => {
        const bytes = write(variedColumns(3000), { rowGroupSize: 200 });
        const whole = text(await summarizeParquet(bufferSource(bytes)));
        for (const count of [1, 3]) {
            const { merged, partials } = await shardedSummary(bytes, count, 3);
            assert.equal(text(merged), whole, `${count} shards on 3 threads each`);
            assert.ok(partials.every((p) => p.rowGroups.length > 1), "each shard had row groups for several threads");
        }
        await assert.rejects(summarizeParquetPartial(bufferSource(bytes), { start: 0, end: 10 }, { parallelism: 0 }), { message: "parallelism must be an integer >= 1" });
        // The threads did the work (not the one-thread fallback), on just the row groups asked for, samples handed back in order.
        const source = bufferSource(bytes);
        const state = createState((await readFooter(source)).metadata, bytes.length);
        const handed: number[] = [];
        assert.equal(await summarizeRowGroupsInWorkers(state, source, 2, undefined, undefined, undefined, { rowGroups: [1, 3, 4], onSamples: (r) => handed.push(r) }), true);
        assert.deepEqual([handed, state.rows], [[1, 3, 4], 600]);
    });

    it("a file with one row group, or none, in 4 shards", async () => {
        for (const rows of [50, 0]) {
            const bytes = write([{ name: "n", data: Array.from({ length: rows }, (_, i) => i / 3), type: "DOUBLE" }]);
            const { merged, partials } = await shardedSummary(bytes, 4);
            assert.equal(text(merged), text(await summarizeParquet(bufferSource(bytes))), `${rows} rows`);
            assert.equal(partials.filter((p) => p.rowGroups.length > 0).length, rows === 0 ? 0 : 1);
        }
    });

    it("keeps bigints, bytes, non-finite numbers and -0 exactly through JSON", () => {
        for (const v of [9007199254740993n, -1n, new Uint8Array([0, 255, 7]), Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1.5, "x", true, undefined]) {
            const back = decodeValue(JSON.parse(JSON.stringify(encodeValue(v))));
            assert.ok(Object.is(back, v) || (v instanceof Uint8Array && back instanceof Uint8Array && Buffer.compare(back, v) === 0) || back === v, String(v));
            if (typeof v === "bigint") {
                assert.equal(typeof back, "bigint");
            }
        }
    });

    it("refuses partials that leave out a row group or hold one twice, naming it", async () => {
        const bytes = write([{ name: "n", data: Array.from({ length: 600 }, (_, i) => i), type: "INT32" }], { rowGroupSize: 100 });
        const source = bufferSource(bytes);
        const parts = await Promise.all([0, 1, 2].map((i) => summarizeParquetPartial(source, shardRange(bytes.length, 3, i))));
        await assert.rejects(mergeParquetPartials(source, [parts[0], parts[2]]), /^RangeError: row group \d is in no partial/);
        await assert.rejects(mergeParquetPartials(source, [parts[0], parts[1], parts[1], parts[2]]), /^RangeError: partial 2 holds row group \d, which the file lacks or another partial holds/);
        await assert.rejects(summarizeParquetPartial(source, { start: 5, end: bytes.length + 1 }), /^RangeError: a range must be whole bytes/);
    });
});

describe("Parquet shards on the local pipeline", function () {
    this.timeout(300000);

    async function listKeys(pipeline: LocalPipeline, prefix: string): Promise<string[]> {
        const res = await pipeline.s3.client.send(new ListObjectsV2Command({ Bucket: pipeline.bucket, Prefix: prefix }));
        return (res.Contents ?? []).map((o) => o.Key as string);
    }

    it("a Parquet upload in 4 shards (by row group) writes the summary one task writes; fewer row groups than shards; any name", async () => {
        // Several row groups; two row groups for four shards; and a Parquet file named .csv (told by its bytes, as the upload rule passes it).
        const files: Record<string, Buffer> = {
            "events.parquet": write(variedColumns(12000), { rowGroupSize: 1000 }),
            "two.parquet": write(variedColumns(4000), { rowGroupSize: 2000, codec: "GZIP" }),
            "export.csv": write(variedColumns(6000), { rowGroupSize: 700, statistics: false }),
        };
        const smallest = Math.min(...Object.values(files).map((b) => b.length));
        assert.ok(smallest > 20000, `files of ${smallest} bytes at least`);
        const run = async (environment: Record<string, string>) => {
            const out: { summaries: Record<string, string>; statuses: Record<string, StatusDocument | undefined>; events: PipelineEvent[]; partials: string[] } = { summaries: {}, statuses: {}, events: [], partials: [] };
            const pipeline = await LocalPipeline.start({ concurrency: 2, environment, onEvent: (e) => out.events.push(e) });
            try {
                for (const [name, bytes] of Object.entries(files)) {
                    await pipeline.upload(`uploads/${name}`, bytes);
                }
                await pipeline.waitIdle();
                for (const name of Object.keys(files)) {
                    const summary = await readJson<Record<string, unknown>>(pipeline.s3.client, pipeline.bucket, `processed/${name}.summary.json`);
                    assert.ok(summary, `${name}: no summary`);
                    delete summary.generatedAt;
                    out.summaries[name] = text(summary);
                    out.statuses[name] = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, `status/${name}.json`);
                }
                out.partials = await listKeys(pipeline, "partials/");
            } finally {
                await pipeline.stop();
            }
            return out;
        };
        const whole = await run({});
        const sharded = await run({ SHARD_ABOVE_BYTES: "20000", SHARD_BYTES: String(Math.ceil(smallest / 4)), SHARD_MAX: "4" });
        assert.equal(whole.events.filter((e) => e.type === "shard-started").length, 0);
        for (const name of Object.keys(files)) {
            const status = sharded.statuses[name];
            assert.equal(status?.state, "succeeded", `${name}: ${JSON.stringify(status?.error)}`);
            assert.equal(JSON.parse(whole.summaries[name]).format, "parquet", name);
            assert.equal(sharded.summaries[name], whole.summaries[name], name);
            assert.deepEqual(status?.shards, { total: 4, done: 4, failed: 0, rows: whole.statuses[name]?.rowsProcessed }, name);
            assert.equal(status?.bytesRead, whole.statuses[name]?.bytesRead);
        }
        assert.equal(sharded.events.filter((e) => e.type === "shard-started").length, 9, "shards 1–3 of each file");
        assert.equal(JSON.parse(whole.summaries["two.parquet"]).parquet.rowGroups, 2, "fewer row groups than shards");
        assert.deepEqual(sharded.partials, []);
    });

    it("a Parquet shard killed as it starts is noticed by its heartbeat and run again; the summary is still the unsharded one", async () => {
        const bytes = write(variedColumns(8000), { rowGroupSize: 500 });
        const events: PipelineEvent[] = [];
        let killed: number | undefined;
        const environment = { SHARD_ABOVE_BYTES: "20000", SHARD_BYTES: String(Math.ceil(bytes.length / 4)), SHARD_MAX: "4", SHARD_STALE_MS: "3000" };
        const pipeline = await LocalPipeline.start({
            concurrency: 1,
            environment,
            onEvent: (e) => {
                events.push(e);
                // Shard 2's first task dies before it reads a byte: no word, no heartbeat.
                if (e.type === "shard-started" && e.shard === 2 && e.attempt === 1 && e.pid !== undefined) {
                    killed = e.pid;
                    process.kill(e.pid, "SIGKILL");
                }
            },
        });
        try {
            await pipeline.upload("uploads/killed.parquet", bytes);
            await pipeline.waitIdle();
            assert.ok(killed !== undefined, "shard 2 was started and killed");
            const summary = await readJson<Record<string, unknown>>(pipeline.s3.client, pipeline.bucket, "processed/killed.parquet.summary.json");
            assert.ok(summary, "no summary");
            delete summary.generatedAt;
            delete summary.source;
            assert.equal(text(summary), text(await summarizeParquet(bufferSource(bytes))));
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/killed.parquet.json");
            assert.equal(status?.state, "succeeded", JSON.stringify(status?.error));
            assert.deepEqual([status?.shards?.total, status?.shards?.done], [4, 4]);
            assert.ok((status?.shards?.failed ?? 0) >= 1);
            const shard2 = events.filter((e) => e.type === "shard-exited" && e.shard === 2) as Extract<PipelineEvent, { type: "shard-exited" }>[];
            assert.deepEqual([shard2[0]?.attempt, shard2[0]?.signal], [1, "SIGKILL"]);
            assert.ok(shard2.some((e) => e.attempt > 1 && e.exitCode === 0), JSON.stringify(shard2));
            assert.deepEqual(await listKeys(pipeline, "partials/"), []);
        } finally {
            await pipeline.stop();
        }
    });
});

describe("Parquet shards in a Kubernetes Indexed Job (batch mode, JOB_COMPLETION_INDEX)", function () {
    this.timeout(300000);

    it("four pods take the row groups of their byte ranges; the last merges the summary one task writes", async () => {
        const s3 = await startS3();
        try {
            await s3.createBucket("indexed-parquet");
            const bytes = write(variedColumns(6000), { rowGroupSize: 500 });
            await s3.put("indexed-parquet", "uploads/big.parquet", bytes);
            const env = (i: number) => ({
                PROCESSOR_MODE: "batch",
                S3_BUCKET: "indexed-parquet",
                S3_ENDPOINT: s3.endpoint,
                BATCH_SHARD_COUNT: "4",
                JOB_COMPLETION_INDEX: String(i),
                SHARD_ABOVE_BYTES: "10000",
                SHARD_BYTES: String(Math.ceil(bytes.length / 4)),
            });
            const runs = await Promise.all([0, 1, 2, 3].map((i) => startProcessor(env(i)).done));
            const failures = runs.flatMap((r, i) => (r.code === 0 ? [] : [`pod ${i} exited ${r.code}: ${JSON.stringify(r.logs.filter((l) => l.level !== "info" && l.level !== "debug"))} ${r.stderr}`]));
            assert.deepEqual(runs.map((r) => r.code), [0, 0, 0, 0], failures.join("\n"));
            const summary = JSON.parse((await s3.get("indexed-parquet", "processed/big.parquet.summary.json")) as string) as Record<string, unknown>;
            delete summary.generatedAt;
            delete summary.source;
            assert.equal(text(summary), text(await summarizeParquet(bufferSource(bytes))));
            assert.equal(runs.flatMap((r) => r.logs).filter((l) => l.msg === "every shard is done: merging").length, 1, "one pod merged");
            const left = await s3.client.send(new ListObjectsV2Command({ Bucket: "indexed-parquet", Prefix: "partials/" }));
            assert.equal(left.KeyCount ?? 0, 0);
        } finally {
            await s3.close();
        }
    });
});
