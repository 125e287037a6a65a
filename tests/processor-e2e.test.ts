/**
 * The processor end to end, as the container runs it: a child process with the environment the
 * upload rule sets, against a real S3-compatible server on loopback. Each file runs in a warm host, as
 * the local pipeline runs them (one host runs them all, so nothing may leak from one file to the next);
 * the SIGTERM test starts a process of its own.
 */
import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { gzipSync } from "zlib";
import { ExitCode } from "../app/src/processor/exit-codes";
import { RANGED_MIN_BYTES } from "../app/src/processor/job";
import { runProcessor, startProcessor, stopProcessorHosts } from "./support/processor";
import { LocalS3, readStatus, relay, startProxy, startS3 } from "./support/s3";
import { summarizeCut } from "./support/summarize-run";

const BUCKET = "pipeline";

/** A gzip stream cut in the middle of its compressed data. */
function truncatedGzip(): Buffer {
    const gz = gzipSync(Array.from({ length: 20000 }, (_, i) => `${i},${(i * 7919) % 10007}`).join("\n"));
    return gz.subarray(0, Math.floor(gz.length / 2));
}

describe("processor end to end against a local S3 server", function () {
    this.timeout(60000);
    let s3: LocalS3;

    before(async () => {
        s3 = await startS3();
        await s3.createBucket(BUCKET);
    });
    after(async () => {
        await stopProcessorHosts();
        await s3.close();
    });

    const env = (key: string, extra: Record<string, string> = {}) => ({ S3_ENDPOINT: s3.endpoint, S3_BUCKET: BUCKET, S3_KEY: key, ...extra });
    const run = (key: string, extra?: Record<string, string>) => runProcessor(env(key, extra));
    const status = (relative: string) => readStatus(s3, BUCKET, relative);
    const summary = async (relative: string) => JSON.parse((await s3.get(BUCKET, `processed/${relative}.summary.json`)) ?? "null");

    it("summarises a CSV, writes the summary and a succeeded status, logs JSON with bucket and key, and emits EMF metrics", async () => {
        const csv = "id,amount,ok,when,name\n1,2.5,true,2026-11-23T10:00:00Z,a\n2,,false,2026-11-24T10:00:00Z,\"b, c\"\n3,7,true,2026-11-25T10:00:00Z,d\n";
        await s3.put(BUCKET, "uploads/sales.csv", csv);
        const r = await run("uploads/sales.csv", { S3_EVENT_ID: "evt-1", S3_EVENT_TIME: "2026-11-23T10:00:00Z" });
        assert.equal(r.code, ExitCode.OK, r.stderr);
        const s = await summary("sales.csv");
        assert.equal(s.rows, 3);
        assert.deepEqual(s.columns.map((c: any) => [c.name, c.type]), [["id", "integer"], ["amount", "float"], ["ok", "boolean"], ["when", "timestamp"], ["name", "string"]]);
        assert.deepEqual(s.source.key, "uploads/sales.csv");
        const st = await status("sales.csv");
        assert.deepEqual([st.state, st.rowsProcessed, st.outputKey, st.attempt, st.eventId], ["succeeded", 3, "processed/sales.csv.summary.json", 1, "evt-1"]);
        assert.ok(st.completedAt >= st.startedAt);
        assert.equal(typeof st.durationMs, "number");
        assert.equal(st.etag.length, 32);
        const info = r.logs.filter((l) => l.msg === "succeeded");
        assert.equal(info.length, 1);
        assert.deepEqual([info[0].bucket, info[0].key, info[0].level], [BUCKET, "uploads/sales.csv", "info"]);
        const emf = r.logs.find((l) => l._aws);
        assert.ok(emf, "an EMF document on stdout");
        assert.equal(emf!.RowsProcessed, 3);
        assert.deepEqual(emf!._aws.CloudWatchMetrics[0].Namespace, "S3FargatePipeline");
    });

    it("skips a duplicate event for a version it already processed, and says so", async () => {
        await s3.put(BUCKET, "uploads/dup.csv", "a,b\n1,2\n");
        assert.equal((await run("uploads/dup.csv")).code, ExitCode.OK);
        const first = await status("dup.csv");
        const r = await run("uploads/dup.csv");
        assert.equal(r.code, ExitCode.OK);
        assert.ok(r.logs.some((l) => /already processed/.test(l.msg)), JSON.stringify(r.logs));
        assert.deepEqual(await status("dup.csv"), first);
    });

    it("processes a new version of the same file again", async () => {
        await s3.put(BUCKET, "uploads/v.csv", "a\n1\n");
        assert.equal((await run("uploads/v.csv", { SUMMARY_DELIMITER: "," })).code, ExitCode.OK);
        await s3.put(BUCKET, "uploads/v.csv", "a\n1\n2\n");
        assert.equal((await run("uploads/v.csv", { SUMMARY_DELIMITER: "," })).code, ExitCode.OK);
        assert.equal((await status("v.csv")).rowsProcessed, 2);
    });

    it("counts attempts of the same event", async () => {
        await s3.put(BUCKET, "uploads/att.csv", "");
        await run("uploads/att.csv", { S3_EVENT_ID: "evt-a" });
        await run("uploads/att.csv", { S3_EVENT_ID: "evt-a" });
        assert.equal((await status("att.csv")).attempt, 2);
    });

    for (const key of ["uploads/with space.csv", "uploads/plus+sign.csv", "uploads/ünï 数据.csv", 'uploads/quote"d\'.csv']) {
        it(`finds ${JSON.stringify(key)} given raw, and given URL-encoded as S3 notifications encode keys`, async () => {
            await s3.put(BUCKET, key, "x,y\n1,2\n");
            const relative = key.slice("uploads/".length);
            assert.equal((await run(key)).code, ExitCode.OK);
            assert.equal((await status(relative)).state, "succeeded");
            const encoded = encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");
            if (encoded !== key) {
                await s3.put(BUCKET, key, "x,y\n1,2\n3,4\n");
                const r = await run(encoded);
                assert.equal(r.code, ExitCode.OK, JSON.stringify(r.logs));
                assert.equal((await status(relative)).rowsProcessed, 2);
            }
        });
    }

    it("decodes once only: a key whose real name contains %2B is not double-decoded", async () => {
        await s3.put(BUCKET, "uploads/100%2B.csv", "a,b\n1,2\n");
        const r = await run("uploads/100%252B.csv");
        assert.equal(r.code, ExitCode.OK, JSON.stringify(r.logs));
        assert.equal((await status("100%2B.csv")).state, "succeeded");
    });

    it("reads gzip input detected by its magic bytes", async () => {
        await s3.put(BUCKET, "uploads/z.csv.gz", gzipSync("a,b\n1,2\n3,4\n"));
        assert.equal((await run("uploads/z.csv.gz")).code, ExitCode.OK);
        const s = await summary("z.csv.gz");
        assert.deepEqual([s.rows, s.compression], [2, "gzip"]);
    });

    /** The large object (built once for both thread counts) and its summary in one pass. */
    let large: { csv: Buffer; expected: ReturnType<typeof summarizeCut> } | undefined;
    function largeObject(): { csv: Buffer; expected: ReturnType<typeof summarizeCut> } {
        if (large === undefined) {
            const rows = Array.from({ length: 400000 }, (_, i) => `${i},"n${i % 1000}\nsecond",${(i * 0.37).toFixed(2)},2026-11-${String((i % 28) + 1).padStart(2, "0")}`);
            const csv = Buffer.from(`id,name,amount,day\n${rows.join("\n")}\n`);
            large = { csv, expected: summarizeCut(csv, {}) };
        }
        return large;
    }

    for (const threads of [1, 2]) {
        it(`summarises a large object with parallel ranged GETs pinned to its ETag on ${threads} thread(s), the same as one pass`, async () => {
            const name = `large-${threads}.csv`;
            const { csv, expected } = largeObject();
            assert.ok(csv.length >= RANGED_MIN_BYTES);
            await s3.put(BUCKET, `uploads/${name}`, csv);
            // Counts the GETs of the object, and which of them were ranged and pinned.
            const upstream = new URL(s3.endpoint);
            const gets: { range?: string; ifMatch?: string }[] = [];
            const counter = http.createServer((req, res) => {
                if (req.method === "GET" && (req.url ?? "").includes(name)) {
                    gets.push({ range: req.headers.range, ifMatch: req.headers["if-match"] as string | undefined });
                }
                relay(upstream, req, res);
            });
            await new Promise<void>((resolve) => counter.listen(0, "127.0.0.1", resolve));
            try {
                const endpoint = `http://127.0.0.1:${(counter.address() as AddressInfo).port}`;
                const r = await runProcessor({ ...env(`uploads/${name}`), S3_ENDPOINT: endpoint, SUMMARY_PARALLELISM: String(threads) });
                assert.equal(r.code, ExitCode.OK, r.stderr);
            } finally {
                counter.closeAllConnections();
                await new Promise<void>((resolve) => counter.close(() => resolve()));
            }
            const s = await summary(name);
            assert.deepEqual(
                { rows: s.rows, bytes: s.bytes, accounting: s.accounting, columns: s.columns.map((c: any) => ({ ...c, mean: undefined })) },
                { rows: expected.rows, bytes: expected.bytes, accounting: expected.accounting, columns: expected.columns.map((c) => ({ ...c, mean: undefined })) },
            );
            const ranged = gets.filter((g) => g.range !== undefined);
            assert.ok(ranged.length >= 2, JSON.stringify(gets));
            const etag = (await status(name)).etag;
            assert.ok(ranged.every((g) => g.ifMatch === `"${etag}"`), JSON.stringify(ranged.slice(0, 3)));
        });
    }

    it("counts bad rows (ragged, invalid UTF-8) and still succeeds", async () => {
        await s3.put(BUCKET, "uploads/ragged.csv", Buffer.concat([Buffer.from("a,b\n1,2\n1,2,3\n"), Buffer.from([0x78, 0xff, 0x2c, 0x31, 0x0a]), Buffer.from("4,5\n")]));
        const r = await run("uploads/ragged.csv");
        assert.equal(r.code, ExitCode.OK, JSON.stringify(r.logs));
        const s = await summary("ragged.csv");
        assert.equal(s.rows, 2);
        assert.equal(s.badRows.count, 2);
        assert.deepEqual(s.badRows.first.map((b: any) => b.line), [3, 4]);
        assert.deepEqual(s.accounting, { lines: 5, blankLines: 0, headerRecords: 1, records: 4, rows: 2, badRows: 2 });
        const st = await status("ragged.csv");
        assert.deepEqual([st.badRows, st.records, st.badRowsByReason], [2, 4, { "field-count": 1, "invalid-utf8": 1 }]);
    });

    it("ends hostile input that the summariser can read as succeeded, every record counted: a stray quote, a deeply nested JSON value", async () => {
        const rows = Array.from({ length: 3000 }, (_, i) => (i === 9 ? '10,"oops,10' : `${i + 1},n${i + 1},${i + 1}`));
        await s3.put(BUCKET, "uploads/stray.csv", "id,name,v\n" + rows.join("\n") + "\n");
        await s3.put(BUCKET, "uploads/deep.jsonl", '{"a":' + "[".repeat(6000) + "]".repeat(6000) + '}\n{"a":1}\n');
        for (const [name, records, bad] of [["stray.csv", 3000, 1], ["deep.jsonl", 2, 0]] as const) {
            const r = await run(`uploads/${name}`);
            assert.equal(r.code, ExitCode.OK, JSON.stringify(r.logs));
            const st = await status(name);
            assert.deepEqual([st.state, st.records, st.rowsProcessed, st.badRows], ["succeeded", records, records - bad, bad]);
        }
        assert.deepEqual((await summary("stray.csv")).badRows.byReason, { "unclosed-quote": { count: 1, lines: [11] } });
    });

    const badInputs: [string, string | Buffer, string][] = [
        ["an empty file", "", "InputError:empty"],
        ["a binary file", Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]), "InputError:binary"],
        ["text that is not delimited", "just some words\nand more words here\nno separators at all\n", "InputError:not-delimited"],
        ["a truncated gzip", truncatedGzip(), "InputError:truncated-gzip"],
        ["UTF-16 text", Buffer.from("\uFEFFid,name\n1,x\n", "utf16le"), "InputError:utf-16"],
        ["old-Mac line ends mixed with LF", "id,name\r1,x\r2,y\n3,z\n", "InputError:mixed-line-endings"],
    ];
    for (const [what, body, errorClass] of badInputs) {
        it(`fails ${what} with exit ${ExitCode.INPUT} and a failed status naming the problem`, async () => {
            const name = `bad-${errorClass.split(":")[1]}.csv`;
            await s3.put(BUCKET, `uploads/${name}`, body);
            const r = await run(`uploads/${name}`);
            assert.equal(r.code, ExitCode.INPUT, JSON.stringify(r.logs));
            const st = await status(name);
            assert.equal(st.state, "failed");
            assert.equal(st.error.class, errorClass);
            assert.equal(st.error.exitCode, ExitCode.INPUT);
            assert.ok(st.error.message.length > 0);
            assert.equal(await s3.get(BUCKET, `processed/${name}.summary.json`), undefined, "no summary for a failed file");
            assert.ok(!/\n\s+at /.test(r.stderr), "no stack trace");
        });
    }

    it(`fails a missing object with exit ${ExitCode.NOT_FOUND} and a failed status`, async () => {
        const r = await run("uploads/missing.csv");
        assert.equal(r.code, ExitCode.NOT_FOUND);
        const st = await status("missing.csv");
        assert.deepEqual([st.state, st.error.class], ["failed", "ObjectNotFound"]);
    });

    it(`fails with exit ${ExitCode.ACCESS_DENIED} when S3 denies access`, async () => {
        const proxy = await startProxy(s3.endpoint, [{ pathIncludes: "uploads/secret.csv", deny: true }]);
        try {
            await s3.put(BUCKET, "uploads/secret.csv", "a,b\n1,2\n");
            const r = await runProcessor({ ...env("uploads/secret.csv"), S3_ENDPOINT: proxy.endpoint });
            assert.equal(r.code, ExitCode.ACCESS_DENIED, JSON.stringify(r.logs));
            assert.deepEqual([(await status("secret.csv")).state, (await status("secret.csv")).error.class], ["failed", "AccessDenied"]);
        } finally {
            await proxy.close();
        }
    });

    it(`stops on SIGTERM mid-file, records interrupted and exits ${ExitCode.INTERRUPTED}`, async () => {
        const big = "id,value\n" + Array.from({ length: 200000 }, (_, i) => `${i},${i * 2}`).join("\n") + "\n";
        await s3.put(BUCKET, "uploads/slow.csv", big);
        const proxy = await startProxy(s3.endpoint, [{ pathIncludes: "uploads/slow.csv", bytesPer100ms: 4096 }]);
        try {
            const { child, done } = startProcessor({ ...env("uploads/slow.csv"), S3_ENDPOINT: proxy.endpoint, SHUTDOWN_GRACE_MS: "10000" });
            await new Promise<void>((resolve) => {
                child.stdout!.on("data", (d: Buffer) => {
                    if (d.toString().includes('"msg":"processing"')) {
                        resolve();
                    }
                });
            });
            const sent = Date.now();
            child.kill("SIGTERM");
            const r = await done;
            assert.equal(r.code, ExitCode.INTERRUPTED, JSON.stringify(r.logs));
            assert.ok(Date.now() - sent < 10000, "exits within the grace period");
            const st = await status("slow.csv");
            assert.deepEqual([st.state, st.error.exitCode], ["interrupted", ExitCode.INTERRUPTED]);
            assert.equal(await s3.get(BUCKET, "processed/slow.csv.summary.json"), undefined, "no partial summary");
        } finally {
            await proxy.close();
        }
    });

    it(`rejects missing settings with exit ${ExitCode.CONFIG} and a message naming the variable`, async () => {
        const r = await runProcessor({ S3_ENDPOINT: s3.endpoint, S3_KEY: "uploads/x.csv" });
        assert.equal(r.code, ExitCode.CONFIG);
        assert.match(r.logs[0].error, /^S3_BUCKET is not set/);
        const bad = await runProcessor({ ...env("uploads/x.csv"), S3_OUTPUT_PREFIX: "uploads/out/" });
        assert.equal(bad.code, ExitCode.CONFIG);
        assert.match(bad.logs[0].error, /S3_OUTPUT_PREFIX: "uploads\/out\/" overlaps S3_UPLOAD_PREFIX "uploads\/"/);
        const outside = await run("elsewhere/x.csv");
        assert.equal(outside.code, ExitCode.CONFIG);
    });

    it("never modifies the input object", async () => {
        const body = "a,b\n1,2\n";
        await s3.put(BUCKET, "uploads/keep.csv", body);
        await run("uploads/keep.csv");
        assert.equal(await s3.get(BUCKET, "uploads/keep.csv"), body);
    });
});
