/**
 * The processor's batch mode (PROCESSOR_MODE=batch) end to end, as a scheduled task or a Kubernetes
 * Indexed Job runs it: a child process against a real S3-compatible server on loopback (warm hosts, as the
 * local pipeline runs files, one run at a time each; the SIGTERM test starts a process of its own). Plus
 * the pure sharding function every run agrees on.
 */
import { strict as assert } from "assert";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as http from "http";
import { AddressInfo } from "net";
import { gzipSync } from "zlib";
import { excluded, fnv1a32, shardOf } from "../app/src/processor/batch";
import { ExitCode } from "../app/src/processor/exit-codes";
import { ProcessorRun as Run, runProcessor, startProcessor as start, stopProcessorHosts, until } from "./support/processor";
import { LocalS3, readStatus, startProxy, startS3 } from "./support/s3";

const xml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/**
 * A proxy to the local S3 server that answers ListObjectsV2 itself, in pages of `max-keys` with opaque
 * continuation tokens as S3 does (s3rver's own tokens need a cipher this Node's OpenSSL no longer
 * offers), and relays every other request. It records the listing requests.
 */
async function startPagingProxy(s3: LocalS3): Promise<{ endpoint: string; lists: { maxKeys: number; token?: string }[]; close(): Promise<void> }> {
    const upstream = new URL(s3.endpoint);
    const lists: { maxKeys: number; token?: string }[] = [];
    const server = http.createServer(async (req, res) => {
        const url = new URL(req.url ?? "/", "http://proxy");
        if (req.method === "GET" && url.searchParams.get("list-type") === "2") {
            const bucket = url.pathname.split("/")[1];
            const maxKeys = Number(url.searchParams.get("max-keys") ?? 1000);
            const token = url.searchParams.get("continuation-token") ?? undefined;
            lists.push({ maxKeys, token });
            const all = (await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: url.searchParams.get("prefix") ?? "" }))).Contents ?? [];
            const after = token === undefined ? undefined : Buffer.from(token, "base64").toString("utf8");
            const rest = all.filter((o) => after === undefined || o.Key! > after);
            const page = rest.slice(0, maxKeys);
            const truncated = rest.length > page.length;
            const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1].Key!, "utf8").toString("base64")}</NextContinuationToken>` : "";
            const contents = page
                .map((o) => `<Contents><Key>${xml(o.Key!)}</Key><LastModified>${o.LastModified!.toISOString()}</LastModified><ETag>${xml(o.ETag!)}</ETag><Size>${o.Size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
                .join("");
            res.writeHead(200, { "content-type": "application/xml" });
            res.end(
                `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name><Prefix>${xml(url.searchParams.get("prefix") ?? "")}</Prefix>` +
                    `${token ? `<ContinuationToken>${xml(token)}</ContinuationToken>` : ""}<KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${next}${contents}</ListBucketResult>`,
            );
            return;
        }
        const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
            res.writeHead(up.statusCode ?? 502, up.headers);
            up.pipe(res);
        });
        forward.on("error", () => res.destroy());
        req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        lists,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
    };
}

const finalLine = (r: Run) => r.logs.find((l) => /^batch (finished|interrupted|stopped)/.test(l.msg));
const counts = (r: Run) => {
    const f = finalLine(r);
    return f && { seen: f.seen, processed: f.processed, skipped: f.skipped, failed: f.failed };
};
const fileLines = (r: Run) => r.logs.filter((l) => l.msg === "batch file").map((l) => [l.key, l.outcome]);

describe("batch sharding", () => {
    it("hashes keys with 32-bit FNV-1a of their UTF-8 bytes", () => {
        // Published FNV-1a test vectors.
        assert.equal(fnv1a32(""), 0x811c9dc5);
        assert.equal(fnv1a32("a"), 0xe40c292c);
        assert.equal(fnv1a32("foobar"), 0xbf9cf968);
        // UTF-8, not UTF-16 code units: "ü" is the two bytes C3 BC.
        assert.equal(fnv1a32("ü"), Math.imul((Math.imul(0x811c9dc5 ^ 0xc3, 0x01000193) >>> 0) ^ 0xbc, 0x01000193) >>> 0);
    });

    it("puts every key in exactly one shard, the same one every time, and spreads keys evenly", () => {
        const keys = Array.from({ length: 4000 }, (_, i) => `uploads/${i % 7 === 0 ? "ünï 数据/" : ""}${i}-${(i * 7919) % 10007}.csv`);
        for (const count of [1, 2, 3, 4, 7, 16]) {
            const sizes = new Array<number>(count).fill(0);
            for (const key of keys) {
                const owners = Array.from({ length: count }, (_, index) => index).filter(
                    (index) => excluded(key, { uploadPrefix: "uploads/", keySuffixes: [], shardCount: count, shardIndex: index }) === undefined,
                );
                assert.deepEqual(owners, [shardOf(key, count)], `${key} with ${count} shards`);
                assert.equal(shardOf(key, count), shardOf(key, count));
                sizes[owners[0]]++;
            }
            const expected = keys.length / count;
            for (const size of sizes) {
                assert.ok(Math.abs(size - expected) < expected * 0.15, `${count} shards: ${sizes.join(", ")}`);
            }
        }
        assert.throws(() => shardOf("k", 0), /shardCount: 0 is not a whole number of at least 1/);
    });

    it("excludes directory markers and keys without one of the suffixes", () => {
        const config = { uploadPrefix: "uploads/", keySuffixes: [".csv", ".csv.gz"], shardCount: 1, shardIndex: 0 };
        assert.equal(excluded("uploads/", config), "directory");
        assert.equal(excluded("uploads/2026/", config), "directory");
        assert.equal(excluded("uploads/a.txt", config), "suffix");
        assert.equal(excluded("uploads/a.CSV", config), "suffix");
        assert.equal(excluded("uploads/a.csv", config), undefined);
        assert.equal(excluded("uploads/a.csv.gz", config), undefined);
    });
});

describe("processor batch mode against a local S3 server", function () {
    this.timeout(90000);
    let s3: LocalS3;
    let buckets = 0;

    before(async () => {
        s3 = await startS3();
    });
    after(async () => {
        await stopProcessorHosts();
        await s3.close();
    });

    /** A fresh bucket per test, so runs never see each other's files. */
    async function bucket(): Promise<string> {
        const name = `batch-${++buckets}`;
        await s3.createBucket(name);
        return name;
    }
    const batchEnv = (b: string, extra: Record<string, string> = {}) => ({ PROCESSOR_MODE: "batch", S3_ENDPOINT: s3.endpoint, S3_BUCKET: b, ...extra });
    const batch = (b: string, extra?: Record<string, string>) => runProcessor(batchEnv(b, extra));
    const status = (b: string, relative: string) => readStatus(s3, b, relative);

    it("catches up on unprocessed files, skips those processed for the same ETag (also by event mode), and reprocesses a changed one", async () => {
        const b = await bucket();
        for (const name of ["a", "b", "c"]) {
            await s3.put(b, `uploads/${name}.csv`, "x,y\n1,2\n");
        }
        const event = await runProcessor({ S3_ENDPOINT: s3.endpoint, S3_BUCKET: b, S3_KEY: "uploads/b.csv" });
        assert.equal(event.code, ExitCode.OK, event.stderr);
        const before = await status(b, "b.csv");

        const first = await batch(b);
        assert.equal(first.code, ExitCode.OK, JSON.stringify(first.logs));
        assert.deepEqual(counts(first), { seen: 3, processed: 2, skipped: 1, failed: 0 });
        assert.deepEqual(fileLines(first), [["uploads/a.csv", "succeeded"], ["uploads/b.csv", "skipped"], ["uploads/c.csv", "succeeded"]]);
        assert.deepEqual(await status(b, "b.csv"), before, "the processed file is not touched");
        for (const name of ["a", "c"]) {
            const st = await status(b, `${name}.csv`);
            assert.deepEqual([st.state, st.rowsProcessed, st.key], ["succeeded", 1, `uploads/${name}.csv`]);
            assert.ok(await s3.get(b, `processed/${name}.csv.summary.json`));
        }
        assert.equal(finalLine(first)!.msg, "batch finished");
        assert.deepEqual([finalLine(first)!.bucket, finalLine(first)!.mode, finalLine(first)!.exitCode], [b, "batch", 0]);
        const perFile = first.logs.filter((l) => l._aws && l.FilesProcessed === 1);
        assert.deepEqual(perFile.map((l) => [l.key, l.mode]), [["uploads/a.csv", "batch"], ["uploads/c.csv", "batch"]], "one EMF document per processed file");
        const run = first.logs.find((l) => l._aws && l.BatchFilesSeen !== undefined);
        assert.ok(run, "an EMF document for the run");
        assert.deepEqual([run!.BatchFilesSeen, run!.BatchFilesProcessed, run!.BatchFilesSkipped, run!.BatchFilesFailed], [3, 2, 1, 0]);
        assert.deepEqual(run!._aws.CloudWatchMetrics[0].Dimensions, [["Service", "Mode"]]);

        const again = await batch(b);
        assert.equal(again.code, ExitCode.OK);
        assert.deepEqual(counts(again), { seen: 3, processed: 0, skipped: 3, failed: 0 });
        assert.ok(!again.logs.some((l) => l.msg === "processing"), "no file is opened again");

        await s3.put(b, "uploads/b.csv", "x,y\n1,2\n3,4\n5,6\n");
        const changed = await batch(b);
        assert.deepEqual(counts(changed), { seen: 3, processed: 1, skipped: 2, failed: 0 });
        assert.deepEqual(fileLines(changed), [["uploads/a.csv", "skipped"], ["uploads/b.csv", "succeeded"], ["uploads/c.csv", "skipped"]]);
        const st = await status(b, "b.csv");
        assert.equal(st.rowsProcessed, 3);
        assert.notEqual(st.etag, before.etag);
    });

    it("skips directory markers, keeps to BATCH_KEY_SUFFIXES, and stops after BATCH_MAX_FILES; the next run goes on", async () => {
        const b = await bucket();
        await s3.put(b, "uploads/2026/", "");
        await s3.put(b, "uploads/2026/x.csv", "a,b\n1,2\n");
        await s3.put(b, "uploads/y.csv.gz", gzipSync("a,b\n1,2\n3,4\n"));
        await s3.put(b, "uploads/z.txt", "a,b\n1,2\n");
        const env = { BATCH_KEY_SUFFIXES: ".csv,.csv.gz", BATCH_MAX_FILES: "1" };

        const first = await batch(b, env);
        assert.equal(first.code, ExitCode.OK, JSON.stringify(first.logs));
        assert.deepEqual(fileLines(first), [["uploads/2026/x.csv", "succeeded"]]);
        assert.equal(finalLine(first)!.limitReached, true);
        const second = await batch(b, env);
        assert.deepEqual(fileLines(second), [["uploads/2026/x.csv", "skipped"], ["uploads/y.csv.gz", "succeeded"]]);
        assert.equal(finalLine(second)!.limitReached, true);
        const third = await batch(b, env);
        assert.deepEqual(counts(third), { seen: 2, processed: 0, skipped: 2, failed: 0 });
        assert.deepEqual([finalLine(third)!.limitReached, finalLine(third)!.listed], [false, 4]);

        assert.equal((await status(b, "y.csv.gz")).rowsProcessed, 2);
        assert.equal(await s3.get(b, "status/z.txt.json"), undefined, "a key without the suffixes is left alone");
        assert.equal(await s3.get(b, "status/2026/.json"), undefined, "a directory marker is not a file");
        assert.equal(await s3.get(b, "status/2026.json"), undefined);

        const all = await batch(b);
        assert.deepEqual(fileLines(all), [["uploads/2026/x.csv", "skipped"], ["uploads/y.csv.gz", "skipped"], ["uploads/z.txt", "succeeded"]], "without suffixes, every key");
    });

    it("pages through the listing with continuation tokens", async () => {
        const b = await bucket();
        const names = ["p1", "p2", "p3", "p4", "p5"];
        for (const name of names) {
            await s3.put(b, `uploads/${name}.csv`, "a,b\n1,2\n");
        }
        const proxy = await startPagingProxy(s3);
        try {
            const r = await batch(b, { BATCH_LIST_PAGE_SIZE: "2", S3_ENDPOINT: proxy.endpoint });
            assert.equal(r.code, ExitCode.OK, JSON.stringify(r.logs));
            assert.deepEqual(counts(r), { seen: 5, processed: 5, skipped: 0, failed: 0 });
            assert.deepEqual(proxy.lists.map((l) => l.maxKeys), [2, 2, 2], "three pages of at most 2 keys");
            assert.equal(proxy.lists[0].token, undefined);
            assert.ok(proxy.lists.slice(1).every((l) => l.token !== undefined), "later pages ask with the previous page's continuation token");
            for (const name of names) {
                assert.equal((await status(b, `${name}.csv`)).state, "succeeded");
            }
        } finally {
            await proxy.close();
        }
    });

    it(`goes on after a failed file, and exits ${ExitCode.SOME_FILES_FAILED} when any failed; failed files are tried again next run`, async () => {
        const b = await bucket();
        await s3.put(b, "uploads/1-good.csv", "a,b\n1,2\n");
        await s3.put(b, "uploads/2-empty.csv", "");
        await s3.put(b, "uploads/3-binary.csv", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]));
        await s3.put(b, "uploads/4-good.csv", "a,b\n1,2\n");
        const r = await batch(b);
        assert.equal(r.code, ExitCode.SOME_FILES_FAILED, JSON.stringify(r.logs));
        assert.deepEqual(counts(r), { seen: 4, processed: 2, skipped: 0, failed: 2 });
        assert.equal(finalLine(r)!.msg, "batch finished with failures");
        assert.equal(finalLine(r)!.level, "error");
        assert.deepEqual(
            [(await status(b, "1-good.csv")).state, (await status(b, "2-empty.csv")).error.class, (await status(b, "3-binary.csv")).error.class, (await status(b, "4-good.csv")).state],
            ["succeeded", "InputError:empty", "InputError:binary", "succeeded"],
        );
        const exitCodes = r.logs.filter((l) => l.msg === "batch file").map((l) => l.exitCode);
        assert.deepEqual(exitCodes, [ExitCode.OK, ExitCode.INPUT, ExitCode.INPUT, ExitCode.OK]);

        await s3.put(b, "uploads/2-empty.csv", "a,b\n9,9\n");
        const next = await batch(b);
        assert.equal(next.code, ExitCode.SOME_FILES_FAILED);
        assert.deepEqual(fileLines(next), [["uploads/1-good.csv", "skipped"], ["uploads/2-empty.csv", "succeeded"], ["uploads/3-binary.csv", "failed"], ["uploads/4-good.csv", "skipped"]]);
    });

    it(`on SIGTERM records the file in progress interrupted, starts no other, and exits ${ExitCode.INTERRUPTED} within the grace period`, async () => {
        const b = await bucket();
        const big = "id,value\n" + Array.from({ length: 200000 }, (_, i) => `${i},${i * 2}`).join("\n") + "\n";
        await s3.put(b, "uploads/a-slow.csv", big);
        await s3.put(b, "uploads/b.csv", "a,b\n1,2\n");
        await s3.put(b, "uploads/c.csv", "a,b\n1,2\n");
        const proxy = await startProxy(s3.endpoint, [{ pathIncludes: "uploads/a-slow.csv", bytesPer100ms: 4096 }]);
        try {
            const { child, logs, done } = start(batchEnv(b, { S3_ENDPOINT: proxy.endpoint, SHUTDOWN_GRACE_MS: "10000" }));
            await until(() => logs.some((l) => l.msg === "processing"), "the first file to start");
            const sent = Date.now();
            child.kill("SIGTERM");
            const r = await done;
            assert.equal(r.code, ExitCode.INTERRUPTED, JSON.stringify(r.logs));
            assert.ok(Date.now() - sent < 10000, "exits within the grace period");
            const st = await status(b, "a-slow.csv");
            assert.deepEqual([st.state, st.error.exitCode], ["interrupted", ExitCode.INTERRUPTED]);
            assert.equal(await s3.get(b, "status/b.csv.json"), undefined, "no further file starts");
            assert.equal(await s3.get(b, "status/c.csv.json"), undefined);
            assert.deepEqual([finalLine(r)!.msg, finalLine(r)!.interrupted, finalLine(r)!.seen], ["batch interrupted", 1, 1]);
        } finally {
            await proxy.close();
        }
        const resumed = await batch(b);
        assert.equal(resumed.code, ExitCode.OK);
        assert.deepEqual(counts(resumed), { seen: 3, processed: 3, skipped: 0, failed: 0 }, "an interrupted file is processed again");
    });

    it("shards the files between parallel runs (one indexed by JOB_COMPLETION_INDEX, one by BATCH_SHARD_INDEX): each file exactly once", async () => {
        const b = await bucket();
        const keys = Array.from({ length: 12 }, (_, i) => `uploads/s${i}.csv`);
        for (const key of keys) {
            await s3.put(b, key, "a,b\n1,2\n");
        }
        const [zero, one] = await Promise.all([
            batch(b, { BATCH_SHARD_COUNT: "2", JOB_COMPLETION_INDEX: "0" }),
            batch(b, { BATCH_SHARD_COUNT: "2", BATCH_SHARD_INDEX: "1", JOB_COMPLETION_INDEX: "0" }),
        ]);
        assert.deepEqual([zero.code, one.code], [ExitCode.OK, ExitCode.OK], JSON.stringify([zero.logs, one.logs]));
        const done0 = fileLines(zero).map(([k]) => k);
        const done1 = fileLines(one).map(([k]) => k);
        assert.ok(done0.length > 0 && done1.length > 0, `both shards have files: ${done0.length} and ${done1.length}`);
        assert.deepEqual([...done0, ...done1].sort(), [...keys].sort(), "together, every file once");
        assert.ok(done0.every((k) => shardOf(k, 2) === 0) && done1.every((k) => shardOf(k, 2) === 1));
        assert.deepEqual([finalLine(zero)!.shardIndex, finalLine(one)!.shardIndex, finalLine(zero)!.listed], [0, 1, 12]);
        for (const key of keys) {
            assert.equal((await status(b, key.slice("uploads/".length))).state, "succeeded");
        }
    });

    it(`exits with S3's code (${ExitCode.ACCESS_DENIED}) when it may not list the upload prefix`, async () => {
        const b = await bucket();
        await s3.put(b, "uploads/a.csv", "a,b\n1,2\n");
        const proxy = await startProxy(s3.endpoint, [{ pathIncludes: "list-type=2", deny: true }]);
        try {
            const r = await batch(b, { S3_ENDPOINT: proxy.endpoint });
            assert.equal(r.code, ExitCode.ACCESS_DENIED, JSON.stringify(r.logs));
            assert.ok(r.logs.some((l) => l.msg === "cannot list the upload prefix" && l.errorClass === "AccessDenied"));
            assert.equal(finalLine(r)!.msg, "batch stopped: cannot list the upload prefix");
        } finally {
            await proxy.close();
        }
    });

    it(`rejects S3_KEY in batch mode with exit ${ExitCode.CONFIG}`, async () => {
        const r = await batch("any", { S3_KEY: "uploads/a.csv" });
        assert.equal(r.code, ExitCode.CONFIG);
        assert.match(r.logs[0].error, /^S3_KEY: "uploads\/a.csv" is set, but batch mode processes every file under S3_UPLOAD_PREFIX/);
    });
});
