import { strict as assert } from "assert";
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { AbortedError, FileSummary, SummaryOptions } from "../app/src/processor/summarize";
import { spawnSync } from "child_process";
import { cutRanges, rangeStats, rangeTesting, summarizeSource } from "../app/src/processor/summarize/ranges";
import { stopIdleWorkers, warmStats } from "../app/src/processor/summarize/workers";
import { assertSame, csvCase, jsonCase, sameAsSerial } from "./support/summarize-cases";
import { LocalS3, startS3 } from "./support/s3";
import { summarizeCut } from "./support/summarize-run";
import { TS_REGISTER } from "./support/ts-process";

const RANGES = require.resolve("../app/src/processor/summarize/ranges");
const WORKERS = require.resolve("../app/src/processor/summarize/workers");

// summarizeSource: worker threads summarise byte ranges that they read themselves; the merged summary must be the
// sequential one, whatever the thread count and however tiny the ranges.

describe("summarize: range-parallel summarizeSource == serial", function () {
    this.timeout(300000);
    let dir: string;

    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "ranges-"));
    });
    after(() => {
        fs.rmSync(dir, { recursive: true, force: true });
    });

    let n = 0;
    function fileOf(bytes: Buffer): string {
        const file = path.join(dir, `in-${n++}`);
        fs.writeFileSync(file, bytes);
        return file;
    }

    async function same(bytes: Buffer, options: SummaryOptions, what: string): Promise<FileSummary | undefined> {
        const file = fileOf(bytes);
        try {
            return await sameAsSerial(bytes, options, () => summarizeSource({ kind: "file", path: file }, options), what);
        } finally {
            fs.rmSync(file);
        }
    }

    // These inputs are small enough for the calling thread to summarise every range before a worker has started: the
    // workers take the even-numbered ranges and the calling thread the odd-numbered ones, so that both are checked.
    async function withWorkers<T>(run: () => Promise<T>): Promise<T> {
        rangeTesting.split = true;
        try {
            return await run();
        } finally {
            rangeTesting.split = false;
        }
    }

    for (const threads of [1, 2, 4, 8]) {
        it(`on generated CSV and JSON Lines with ${threads} thread(s) and tiny ranges`, () => withWorkers(async () => {
            await fc.assert(
                fc.asyncProperty(csvCase(","), fc.integer({ min: 16, max: 4000 }), async (c, rangeBytes) => {
                    await same(c.text, { ...c.options, parallelism: threads, parallelMinBytes: 0, parallelRangeBytes: rangeBytes }, `csv ${threads}`);
                }),
                { numRuns: threads === 1 ? 10 : 12 },
            );
            await fc.assert(
                fc.asyncProperty(jsonCase, fc.integer({ min: 16, max: 4000 }), async (c, rangeBytes) => {
                    await same(c.text, { ...c.options, parallelism: threads, parallelMinBytes: 0, parallelRangeBytes: rangeBytes }, `jsonl ${threads}`);
                }),
                { numRuns: 6 },
            );
        }));
    }

    it("shares the ranges between the worker threads and the calling thread, and summarises again a range cut inside a quoted field", async () => {
        // Every record spans two lines, and its second line reads as a record too: a range cut inside a record starts
        // at that line, and is summarised again from the right record start.
        const text = Buffer.from(["id,note", ...Array.from({ length: 5000 }, (_, i) => `${i},"first ${i}\n${i},second"`)].join("\n") + "\n");
        const before = { ...rangeStats };
        const summary = await withWorkers(() => same(text, { parallelism: 3, parallelMinBytes: 0, parallelRangeBytes: 997 }, "shared"));
        assert.equal(summary?.rows, 5000);
        assert.ok(rangeStats.byWorkers > before.byWorkers, "workers summarised ranges");
        assert.ok(rangeStats.byCaller > before.byCaller, "the calling thread summarised ranges");
        assert.ok(rangeStats.again > before.again, "some ranges were summarised again");
    });

    it("on one thread, streams a multi-MiB file through reused buffers exactly as the whole input", async () => {
        // Records up to ~3 KiB with quoted line ends: many span the reader's 1 MiB chunks.
        const lines = ["id,text,n"];
        for (let i = 0; i < 12000; i++) {
            lines.push(`${i},"${"y".repeat((i * 41) % 900)}\n${"é".repeat(i % 4)}""q""",${(i * 7919) % 10007}.${i % 10}`);
        }
        const text = Buffer.from(lines.join("\n") + "\n");
        assert.ok(text.length > 5 * 1048576, String(text.length));
        const summary = await same(text, { parallelism: 1 }, "one thread");
        assert.equal(summary?.rows, 12000);
    });

    it("reads gzip as one stream, parsed behind one inflater", async () => {
        const text = Buffer.from(["a,b", ...Array.from({ length: 20000 }, (_, i) => `${i},"x${i % 97}\ny"`)].join("\n"));
        const file = fileOf(zlib.gzipSync(text));
        const summary = await summarizeSource({ kind: "file", path: file }, { parallelism: 2, parallelMinBytes: 0, parallelRangeBytes: 1000 });
        assert.equal(summary.compression, "gzip");
        assertSame(summary, summarizeCut(text, {}), "gzip");
    });

    it("fails like serial on an input that cannot be summarised", async () => {
        await same(Buffer.from("\0\0\0\0binary"), { parallelism: 2, parallelMinBytes: 0 }, "binary");
        await same(Buffer.from("   \n\n  "), { parallelism: 2, parallelMinBytes: 0 }, "empty");
    });

    it("stops on abort", async () => {
        const text = Buffer.from(["a,b", ...Array.from({ length: 200000 }, (_, i) => `${i},v${i}`)].join("\n"));
        const file = fileOf(text);
        const ac = new AbortController();
        const run = summarizeSource({ kind: "file", path: file }, { parallelism: 2, parallelMinBytes: 0, parallelRangeBytes: 50000 }, ac.signal);
        setTimeout(() => ac.abort(), 5);
        await assert.rejects(run, (e: unknown) => e instanceof AbortedError);
    });

    it("keeps its workers warm for the next run, and stops those of a run that did not end well", async () => {
        const text = Buffer.from(["a,b,c", ...Array.from({ length: 30000 }, (_, i) => `${i},"v${i % 101}\nw",${(i * 13) % 997}.5`)].join("\n") + "\n");
        const file = fileOf(text);
        const options = { parallelism: 3, parallelMinBytes: 0, parallelRangeBytes: 40000 };
        const serial = summarizeCut(text, {});
        await stopIdleWorkers();
        const first = { ...warmStats };
        assertSame(await withWorkers(() => summarizeSource({ kind: "file", path: file }, options)), serial, "first run");
        assert.equal(warmStats.started - first.started, 2, "two workers started");
        assert.equal(warmStats.idle, 2, "both wait for the next run");
        // The next run (another file) takes them: nothing starts, and the summary is the same.
        const second = { ...warmStats };
        const copy = fileOf(text);
        assertSame(await withWorkers(() => summarizeSource({ kind: "file", path: copy }, options)), serial, "second run");
        assert.equal(warmStats.started, second.started, "no worker started");
        assert.equal(warmStats.reused - second.reused, 2, "both workers served again");
        // An aborted run's workers may still be working: they are stopped, not kept.
        const ac = new AbortController();
        // Aborted as the first range is done, with the others being summarised.
        const aborted = summarizeSource({ kind: "file", path: file }, { ...options, onProgress: () => ac.abort() }, ac.signal);
        await assert.rejects(aborted, (e: unknown) => e instanceof AbortedError);
        assert.equal(warmStats.idle, 0, "the aborted run's workers were not kept");
        for (let i = 0; i < 100 && warmStats.alive > 0; i++) {
            await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(warmStats.alive, 0, "the aborted run's workers were stopped");
        assertSame(await withWorkers(() => summarizeSource({ kind: "file", path: copy }, options)), serial, "after the abort");
        // Runs at the same time each take their own workers: the 2 kept, and 2 new ones.
        const together = { ...warmStats };
        const both = await withWorkers(() => Promise.all([file, copy].map((f) => summarizeSource({ kind: "file", path: f }, options))));
        both.forEach((summary, i) => assertSame(summary, serial, `run ${i} of two at once`));
        assert.deepEqual([warmStats.reused - together.reused, warmStats.started - together.started, warmStats.idle], [2, 2, 4]);
    });

    it("lets a process end while its warm workers wait", () => {
        const text = ["a,b", ...Array.from({ length: 20000 }, (_, i) => `${i},v${i}`)].join("\n");
        const file = fileOf(Buffer.from(text));
        const code = `require(${JSON.stringify(RANGES)}).summarizeSource({ kind: "file", path: ${JSON.stringify(file)} }, { parallelism: 2, parallelMinBytes: 0, parallelRangeBytes: 10000 })
            .then((s) => console.log(s.rows, require(${JSON.stringify(WORKERS)}).warmStats.idle));`;
        // The idle workers stop after a minute; the process must end long before.
        const run = spawnSync(process.execPath, [...TS_REGISTER, "-e", code], { encoding: "utf8", timeout: 30000 });
        assert.equal(run.error, undefined, `the process did not end: ${String(run.error)}`);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout.trim(), "20000 1");
    });

    it("starts its worker threads from the TypeScript sources in a process run with V8 flags (node --expose-gc --max-semi-space-size=32)", () => {
        const text = ["a,b", ...Array.from({ length: 20000 }, (_, i) => `${i},v${i}`)].join("\n");
        const file = fileOf(Buffer.from(text));
        const code = `require(${JSON.stringify(RANGES)}).summarizeSource({ kind: "file", path: ${JSON.stringify(file)} }, { parallelism: 2, parallelMinBytes: 0, parallelRangeBytes: 10000 })
            .then((s) => { console.log(s.rows, require(${JSON.stringify(WORKERS)}).warmStats.started, typeof gc); process.exit(0); });`;
        const run = spawnSync(process.execPath, ["--expose-gc", "--max-semi-space-size=32", ...TS_REGISTER, "-e", code], { encoding: "utf8", timeout: 30000 });
        assert.equal(run.status, 0, run.stderr);
        // Every row, through a worker thread; the flags held in the process.
        assert.equal(run.stdout.trim(), "20000 1 function");
    });

    it("cuts an input into ranges that cover it", () => {
        assert.deepEqual(cutRanges(10, 2, 4), [
            { start: 0, end: 4 },
            { start: 4, end: 8 },
            { start: 8, end: 10 },
        ]);
        assert.deepEqual(cutRanges(0, 4), [{ start: 0, end: 0 }]);
        // By default, ranges shrink towards the end (a share of what is left), 4 to 256 MiB, and cover the input.
        const MiB = 1048576;
        const big = cutRanges(4000 * MiB, 4);
        assert.deepEqual(big[0], { start: 0, end: 256 * MiB });
        assert.deepEqual(cutRanges(1000 * MiB, 4)[0], { start: 0, end: 125 * MiB });
        big.forEach((r, i) => {
            assert.equal(r.start, i === 0 ? 0 : big[i - 1].end, `range ${i} starts where the one before ends`);
            assert.ok(r.end - r.start >= 4 * MiB && r.end - r.start <= 256 * MiB, `range ${i}: ${r.end - r.start} bytes`);
            if (i > 0 && i < big.length - 1) {
                assert.ok(r.end - r.start <= big[i - 1].end - big[i - 1].start, `range ${i} is no longer than the one before`);
            }
        });
        assert.equal(big[big.length - 1].end, 4000 * MiB);
        assert.equal(big[big.length - 2].end - big[big.length - 2].start, 4 * MiB);
        assert.deepEqual(cutRanges(10 * MiB, 2), [
            { start: 0, end: 4 * MiB },
            { start: 4 * MiB, end: 10 * MiB },
        ]);
        assert.throws(() => cutRanges(10, 2, 0), /parallelRangeBytes/);
    });

    describe("from S3", () => {
        let s3: LocalS3;
        const saved = { ...process.env };
        before(async () => {
            s3 = await startS3();
            await s3.createBucket("src");
            // The workers' clients take their credentials from the environment, as in a task.
            process.env.AWS_ACCESS_KEY_ID = "S3RVER";
            process.env.AWS_SECRET_ACCESS_KEY = "S3RVER";
        });
        after(async () => {
            process.env = saved;
            await s3?.close();
        });

        it("summarises an object with ranged GETs on every thread", async () => {
            const text = Buffer.from(["id,name,v", ...Array.from({ length: 30000 }, (_, i) => `${i},"n${i}\n2",${i / 4}`)].join("\r\n") + "\r\n");
            await s3.put("src", "o.csv", text);
            const { HeadObjectCommand } = await import("@aws-sdk/client-s3");
            const head = await s3.client.send(new HeadObjectCommand({ Bucket: "src", Key: "o.csv" }));
            const source = {
                kind: "s3" as const,
                bucket: "src",
                key: "o.csv",
                etag: head.ETag!,
                size: text.length,
                region: "us-east-1",
                endpoint: s3.endpoint,
                forcePathStyle: true,
                partBytes: 20000,
                concurrency: 3,
            };
            const summary = await summarizeSource(source, { parallelism: 3, parallelMinBytes: 0, parallelRangeBytes: 100000 });
            assertSame(summary, summarizeCut(text, {}), "s3");
            assert.equal(summary.rows, 30000);
        });
    });
});
