import { strict as assert } from "assert";
import fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as zlib from "zlib";
import { AbortedError, FileSummary, InputError, SummaryOptions } from "../app/src/processor/summarize";
import { cutRanges, summarizeSource } from "../app/src/processor/summarize/ranges";
import { assertSame, csvCase, jsonCase } from "./support/summarize-cases";
import { LocalS3, startS3 } from "./support/s3";
import { summarizeCut } from "./support/summarize-run";

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
        let serial: FileSummary | undefined;
        let error: unknown;
        try {
            serial = summarizeCut(bytes, options);
        } catch (e) {
            error = e;
        }
        const file = fileOf(bytes);
        try {
            if (serial === undefined) {
                await assert.rejects(summarizeSource({ kind: "file", path: file }, options), (e: unknown) => {
                    assert.ok(e instanceof InputError && error instanceof InputError, `${what}: ${String(e)} vs ${String(error)}`);
                    assert.equal(e.code, error.code);
                    return true;
                });
                return undefined;
            }
            const summary = await summarizeSource({ kind: "file", path: file }, options);
            assertSame(summary, serial, what);
            return summary;
        } finally {
            fs.rmSync(file);
        }
    }

    for (const threads of [1, 2, 4, 8]) {
        it(`on generated CSV and JSON Lines with ${threads} thread(s) and tiny ranges`, async () => {
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
        });
    }

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

    it("cuts an input into ranges that cover it", () => {
        assert.deepEqual(cutRanges(10, 2, 4), [
            { start: 0, end: 4 },
            { start: 4, end: 8 },
            { start: 8, end: 10 },
        ]);
        assert.deepEqual(cutRanges(0, 4), [{ start: 0, end: 0 }]);
        const big = cutRanges(1000 * 1048576, 4);
        assert.equal(big.length, 16);
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
