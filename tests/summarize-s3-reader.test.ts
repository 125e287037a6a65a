import { strict as assert } from "assert";
import { GetObjectCommand, HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ProcessorError } from "../app/src/processor/exit-codes";
import { AbortedError, mergePartials, resolvePartials, summarizePartial } from "../app/src/processor/summarize";
import { claimEach, isGzipInput, prefetchRanges } from "../app/src/processor/summarize/partial";
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

    /** The local server's client, noting the Range of each GET in `ranges`. */
    function countingClient(ranges: string[]): S3Client {
        return {
            send: (cmd: GetObjectCommand, opts?: { abortSignal?: AbortSignal }) => {
                ranges.push(cmd.input.Range ?? "");
                return s3.client.send(cmd, opts);
            },
        } as unknown as S3Client;
    }

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
        const counting = countingClient(ranges);
        const reader = s3RangeReader(counting, bucket, "parts.bin", await etagOf("parts.bin"), bytes.length, { partBytes: 8 * MiB, concurrency: 4 });
        assert.deepEqual(await collect(reader.read(0, 4 * MiB)), bytes.subarray(0, 4 * MiB));
        assert.deepEqual(ranges, [0, 1, 2, 3].map((k) => `bytes=${k * MiB}-${(k + 1) * MiB - 1}`), "four parts of 1 MiB, not one of 4 MiB");
        ranges.length = 0;
        // Whether it is gzip is asked by the caller, the layout's detection and the first range: one GET answers all.
        assert.deepEqual([await isGzipInput(reader), await isGzipInput(reader)], [false, false]);
        assert.deepEqual(ranges, ["bytes=0-1"]);
        ranges.length = 0;
        assert.deepEqual(await collect(reader.read(10, 3 * MiB)), bytes.subarray(10, 3 * MiB));
        assert.deepEqual(ranges, [`bytes=10-${MiB + 9}`, `bytes=${MiB + 10}-${2 * MiB + 9}`, `bytes=${2 * MiB + 10}-${3 * MiB - 1}`], "no part under 1 MiB but the last");
        ranges.length = 0;
        const big = s3RangeReader(counting, bucket, "parts.bin", await etagOf("parts.bin"), bytes.length, { partBytes: 2 * MiB, concurrency: 2 });
        assert.deepEqual(await collect(big.read(0, 5 * MiB)), bytes);
        assert.deepEqual(ranges.length, 3, "a long range keeps parts of partBytes");
    });

    it("fetches a range ahead when told it comes next, and a read takes those parts instead of fetching them again", async () => {
        const MiB = 1048576;
        const bytes = Buffer.alloc(12 * MiB);
        for (let i = 0; i < bytes.length; i += 4) {
            bytes.writeUInt32LE(i, i);
        }
        await s3.put(bucket, "ahead.bin", bytes);
        const ranges: string[] = [];
        const counting = countingClient(ranges);
        const reader = s3RangeReader(counting, bucket, "ahead.bin", await etagOf("ahead.bin"), bytes.length, { partBytes: MiB, concurrency: 2 });
        assert.ok(reader.prefetch !== undefined);
        // The first `concurrency` parts of the range start at once.
        reader.prefetch(MiB - 1, 6 * MiB);
        assert.deepEqual(ranges, [`bytes=${MiB - 1}-${2 * MiB - 2}`, `bytes=${2 * MiB - 1}-${3 * MiB - 2}`]);
        ranges.length = 0;
        // A read inside them and one across them and on: only the bytes not fetched ahead are fetched.
        assert.deepEqual(await collect(reader.read(MiB - 1, MiB + 65535)), bytes.subarray(MiB - 1, MiB + 65535));
        assert.deepEqual(ranges, []);
        assert.deepEqual(await collect(reader.read(MiB + 10, 4 * MiB)), bytes.subarray(MiB + 10, 4 * MiB));
        assert.deepEqual(ranges, [`bytes=${3 * MiB - 1}-${4 * MiB - 1}`]);
        ranges.length = 0;
        // Read to their ends, the parts are dropped: reading them again fetches them again.
        assert.deepEqual(await collect(reader.read(MiB, 2 * MiB)), bytes.subarray(MiB, 2 * MiB));
        assert.equal(ranges.length, 1);
        ranges.length = 0;
        // Prefetches of ranges never read keep at most 2 × concurrency parts: the oldest go.
        for (const start of [0, 3 * MiB, 6 * MiB]) {
            reader.prefetch(start, start + 2 * MiB);
        }
        ranges.length = 0;
        assert.deepEqual(await collect(reader.read(6 * MiB, 8 * MiB)), bytes.subarray(6 * MiB, 8 * MiB));
        assert.deepEqual(await collect(reader.read(3 * MiB, 5 * MiB)), bytes.subarray(3 * MiB, 5 * MiB));
        assert.deepEqual(ranges, [], "the last two ranges' parts are kept");
        assert.deepEqual(await collect(reader.read(0, 2 * MiB)), bytes.subarray(0, 2 * MiB));
        assert.equal(ranges.length, 2, "the first range's parts were dropped");
        // The next range starts a byte inside the last part fetched ahead: its own parts start where that one ends.
        reader.prefetch(9 * MiB, 10 * MiB);
        ranges.length = 0;
        reader.prefetch(10 * MiB - 1, 12 * MiB);
        assert.deepEqual(ranges, [`bytes=${10 * MiB}-${11 * MiB - 1}`, `bytes=${11 * MiB}-${12 * MiB - 1}`]);
        assert.deepEqual(await collect(reader.read(10 * MiB - 1, 12 * MiB)), bytes.subarray(10 * MiB - 1, 12 * MiB));
        assert.equal(ranges.length, 2, "every byte of it was fetched ahead");
    });

    it("fails a read with the error of a part fetched ahead", async () => {
        await s3.put(bucket, "gone.csv", text);
        const failing = {
            send: () => Promise.reject(Object.assign(new Error("Access Denied"), { name: "AccessDenied", $metadata: { httpStatusCode: 403 } })),
        } as unknown as S3Client;
        const reader = s3RangeReader(failing, bucket, "gone.csv", await etagOf("gone.csv"), text.length, { partBytes: 50000, concurrency: 2 });
        reader.prefetch!(0, 80000);
        await assert.rejects(collect(reader.read(0, 80000)), (e: unknown) => {
            assert.ok(e instanceof ProcessorError, String(e));
            assert.match(e.message, /reading bytes 0-49999 of s3:\/\/ranges\/gone\.csv/);
            return true;
        });
    });

    it("stops a read on abort while a part fetched ahead is still on its way", async () => {
        await s3.put(bucket, "slow.csv", text);
        let answer: (() => void) | undefined;
        const slow = {
            // Each GET answers only when told to.
            send: (cmd: GetObjectCommand, opts?: { abortSignal?: AbortSignal }) => new Promise<void>((resolve) => (answer = resolve)).then(() => s3.client.send(cmd, opts)),
        } as unknown as S3Client;
        const reader = s3RangeReader(slow, bucket, "slow.csv", await etagOf("slow.csv"), text.length, { partBytes: 50000, concurrency: 1 });
        reader.prefetch!(0, 50000);
        const ac = new AbortController();
        const read = collect(reader.read(0, 50000, ac.signal));
        setImmediate(() => ac.abort());
        await assert.rejects(read, AbortedError);
        // The part is still fetched and serves the next read.
        answer!();
        assert.deepEqual(await collect(reader.read(0, 50000)), text.subarray(0, 50000));
    });

    it("claims each range before the one before it is summarised, so that its bytes can be fetched meanwhile", async () => {
        const counter = new Int32Array(new SharedArrayBuffer(4));
        const events: string[] = [];
        await claimEach(
            counter,
            4,
            async (i) => {
                events.push(`run ${i}`);
                await new Promise((r) => setImmediate(r));
            },
            0,
            1,
            (i) => events.push(`ahead ${i}`),
        );
        assert.deepEqual(events, ["ahead 1", "run 0", "ahead 2", "run 1", "ahead 3", "run 2", "run 3"]);
        // Without `ahead`, one claim at a time (a local file is read at once: claiming early would only unbalance).
        const plain = new Int32Array(new SharedArrayBuffer(4));
        const runs: number[] = [];
        await claimEach(plain, 3, async (i) => void runs.push(i));
        assert.deepEqual(runs, [0, 1, 2]);
        assert.equal(prefetchRanges({ size: 10, read: () => (async function* () {})() }, [{ start: 0, end: 10 }]), undefined);
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
