import { strict as assert } from "assert";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ProcessorError } from "../app/src/processor/exit-codes";
import { mergePartials, resolvePartials, summarizePartial } from "../app/src/processor/summarize";
import { s3RangeDefaults, s3RangeReader } from "../app/src/processor/summarize/s3-reader";
import { assertSame } from "./support/summarize-cases";
import { LocalS3, startS3 } from "./support/s3";
import { summarizeCut } from "./support/summarize-run";

async function collect(it: AsyncIterable<Uint8Array>): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const c of it) {
        parts.push(Buffer.from(c));
    }
    return Buffer.concat(parts);
}

describe("summarize: S3 ranged reader", function () {
    this.timeout(120000);
    let s3: LocalS3;
    const bucket = "ranges";
    const text = Buffer.from(["id,name,amount", ...Array.from({ length: 6000 }, (_, i) => `${i},"name ${i}\nline two",${(i * 1.25).toFixed(2)}`)].join("\n") + "\n");

    before(async () => {
        s3 = await startS3();
        await s3.createBucket(bucket);
    });
    after(async () => {
        await s3?.close();
    });

    async function etagOf(key: string): Promise<string> {
        const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return head.ETag!.replace(/"/g, "");
    }

    it("reads any range with parallel ranged GETs, in order", async () => {
        await s3.put(bucket, "a.csv", text);
        const reader = s3RangeReader(s3.client, bucket, "a.csv", await etagOf("a.csv"), text.length, { partBytes: 7000, concurrency: 4 });
        assert.deepEqual(await collect(reader.read(0, text.length)), text);
        assert.deepEqual(await collect(reader.read(12345, 54321)), text.subarray(12345, 54321));
        assert.equal((await collect(reader.read(5, 5))).length, 0);
        await assert.rejects(collect(reader.read(0, text.length + 1)), /0 <= start <= end/);
    });

    it("summarises ranges of an object into the sequential summary", async () => {
        await s3.put(bucket, "b.csv", text);
        const reader = s3RangeReader(s3.client, bucket, "b.csv", await etagOf("b.csv"), text.length, { partBytes: 10000, concurrency: 3 });
        const cuts = [0, 20000, 61111, 130000, text.length];
        const partials = await Promise.all(cuts.slice(1).map((end, i) => summarizePartial(reader, { start: cuts[i], end })));
        const summary = mergePartials(await resolvePartials(reader, partials));
        assertSame(summary, summarizeCut(text, {}), "s3");
        assert.equal(summary.rows, 6000);
    });

    it("retries a failed part alone", async () => {
        await s3.put(bucket, "c.csv", text);
        const calls = new Map<string, number>();
        let failed = false;
        const flaky = {
            send: (cmd: GetObjectCommand, opts?: { abortSignal?: AbortSignal }) => {
                const range = cmd.input.Range ?? "";
                calls.set(range, (calls.get(range) ?? 0) + 1);
                if (!failed && range === "bytes=7000-13999") {
                    failed = true;
                    return Promise.reject(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }));
                }
                return s3.client.send(cmd, opts);
            },
        } as unknown as S3Client;
        const reader = s3RangeReader(flaky, bucket, "c.csv", await etagOf("c.csv"), text.length, { partBytes: 7000, concurrency: 4 });
        assert.deepEqual(await collect(reader.read(0, text.length)), text);
        assert.equal(calls.get("bytes=7000-13999"), 2);
        for (const [range, n] of calls) {
            if (range !== "bytes=7000-13999") {
                assert.equal(n, 1, range);
            }
        }
    });

    it("cuts a range shorter than `concurrency` parts into smaller ones, down to 1 MiB, so that every connection reads", async () => {
        const MiB = 1048576;
        const bytes = Buffer.alloc(5 * MiB, 7);
        await s3.put(bucket, "parts.bin", bytes);
        const ranges: string[] = [];
        const counting = {
            send: (cmd: GetObjectCommand, opts?: { abortSignal?: AbortSignal }) => {
                ranges.push(cmd.input.Range ?? "");
                return s3.client.send(cmd, opts);
            },
        } as unknown as S3Client;
        const reader = s3RangeReader(counting, bucket, "parts.bin", await etagOf("parts.bin"), bytes.length, { partBytes: 8 * MiB, concurrency: 4 });
        assert.deepEqual(await collect(reader.read(0, 4 * MiB)), bytes.subarray(0, 4 * MiB));
        assert.deepEqual(ranges, [0, 1, 2, 3].map((k) => `bytes=${k * MiB}-${(k + 1) * MiB - 1}`), "four parts of 1 MiB, not one of 4 MiB");
        ranges.length = 0;
        assert.deepEqual(await collect(reader.read(10, 3 * MiB)), bytes.subarray(10, 3 * MiB));
        assert.deepEqual(ranges, [`bytes=10-${MiB + 9}`, `bytes=${MiB + 10}-${2 * MiB + 9}`, `bytes=${2 * MiB + 10}-${3 * MiB - 1}`], "no part under 1 MiB but the last");
        ranges.length = 0;
        const big = s3RangeReader(counting, bucket, "parts.bin", await etagOf("parts.bin"), bytes.length, { partBytes: 2 * MiB, concurrency: 2 });
        assert.deepEqual(await collect(big.read(0, 5 * MiB)), bytes);
        assert.deepEqual(ranges.length, 3, "a long range keeps parts of partBytes");
    });

    it("fails clearly when the object changed (412 on If-Match)", async () => {
        await s3.put(bucket, "d.csv", text);
        const etag = await etagOf("d.csv");
        // s3rver ignores If-Match: answer as S3 does (the SDK's error for a 412 PreconditionFailed).
        const strict = {
            send: async (cmd: GetObjectCommand, opts?: { abortSignal?: AbortSignal }) => {
                const head = await s3.client.send(new HeadObjectCommand({ Bucket: cmd.input.Bucket, Key: cmd.input.Key }));
                if (cmd.input.IfMatch !== undefined && head.ETag !== cmd.input.IfMatch) {
                    throw Object.assign(new Error("At least one of the pre-conditions you specified did not hold"), { name: "PreconditionFailed", $metadata: { httpStatusCode: 412 } });
                }
                return s3.client.send(cmd, opts);
            },
        } as unknown as S3Client;
        const same = s3RangeReader(strict, bucket, "d.csv", etag, text.length, { partBytes: 50000, concurrency: 2 });
        assert.deepEqual(await collect(same.read(0, 1000)), text.subarray(0, 1000));
        await s3.put(bucket, "d.csv", Buffer.concat([text, Buffer.from("6000,x,1\n")]));
        const reader = s3RangeReader(strict, bucket, "d.csv", etag, text.length, { partBytes: 50000, concurrency: 2 });
        await assert.rejects(collect(reader.read(0, text.length)), (e: unknown) => {
            assert.ok(e instanceof ProcessorError, String(e));
            assert.equal(e.errorClass, "ObjectChanged");
            assert.match(e.message, /s3:\/\/ranges\/d\.csv changed while it was being read/);
            return true;
        });
    });

    it("sizes its defaults from the vCPUs and memory", () => {
        const one = s3RangeDefaults(1);
        const four = s3RangeDefaults(4);
        assert.ok(one.partBytes >= 1048576 && one.partBytes <= 8 * 1048576);
        assert.ok(one.concurrency >= 4 && one.concurrency <= 16);
        assert.ok(four.concurrency * 4 <= Math.max(16, 4 * 2), `${four.concurrency} per thread for 4 threads`);
        assert.throws(() => s3RangeReader(s3.client, bucket, "x", "e", 10, { partBytes: 0 }), /integers >= 1/);
    });
});
