/**
 * `npm run demo` end to end: the local pipeline with the rule's pattern and transformer, the
 * processor run per file, and the status page — started, fed good, bad and ignored files, waited
 * on, checked, stopped, restarted; its command line, its watch folder, and what it does when a
 * processor is killed.
 */
import { strict as assert } from "assert";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { objectCreatedEvent, routeEvent, uploadRoute } from "../app/src/local/events";
import { DemoOptions, USAGE, parseDemoArgs, printable, startDemo, UsageError } from "../app/src/local/demo";
import { LocalPipeline, PipelineEvent } from "../app/src/local/pipeline";
import { sampleCsv } from "../app/src/local/sample";
import { loadStackConfig } from "../app/src/local/stack";
import { readJson } from "../app/src/processor/s3";
import type { StatusDocument } from "../app/src/processor/status";
import { runDemo, startDemoProcess } from "./support/demo-cli";
import { until } from "./support/processor";

function options(argv: string[]): DemoOptions {
    const parsed = parseDemoArgs(argv);
    assert.notEqual(parsed, "help");
    return parsed as DemoOptions;
}

function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

describe("the local pipeline's event path", () => {
    const record = (key: string) => ({
        eventTime: "2026-11-23T10:00:00.000Z",
        eventName: "ObjectCreated:Put",
        awsRegion: "us-east-1",
        s3: { bucket: { name: "b" }, object: { key, size: 10, eTag: "abc", sequencer: "0A" } },
    });

    it("reads the dev stack's prefixes and suffixes through the same validation as a preview", () => {
        const config = loadStackConfig("dev");
        assert.deepEqual([config.prefixes.upload, config.keySuffixes], ["uploads/", [".csv", ".csv.gz", ".tsv", ".jsonl", ".parquet"]]);
        assert.throws(() => loadStackConfig("nope"), /--stack: there is no Pulumi.nope.yaml; use one of dev, prod/);
    });

    it("routes a matching upload to the container environment the target's transformer gives, and ignores the rest", () => {
        const route = uploadRoute("b", "uploads/", [".csv"]);
        assert.deepEqual(routeEvent(route, objectCreatedEvent(record('uploads/a "b".csv'))), {
            S3_BUCKET: "b",
            S3_KEY: 'uploads/a "b".csv',
            S3_OBJECT_SIZE: "10",
            S3_OBJECT_ETAG: "abc",
            S3_EVENT_TIME: "2026-11-23T10:00:00.000Z",
            S3_EVENT_ID: objectCreatedEvent(record('uploads/a "b".csv')).id,
        });
        assert.equal(routeEvent(route, objectCreatedEvent(record("uploads/a.txt"))), undefined);
        assert.equal(routeEvent(route, objectCreatedEvent(record("processed/a.csv"))), undefined);
    });
});

describe("npm run demo: arguments", () => {
    it("rejects bad arguments with a message naming what was wrong and what is allowed", () => {
        assert.throws(() => parseDemoArgs(["--rows", "0"]), { message: '--rows: "0" is not a whole number from 1 to 10000000' });
        assert.throws(() => parseDemoArgs(["--concurrency", "0"]), { message: '--concurrency: "0" is not a whole number from 1 to 64' });
        assert.throws(() => parseDemoArgs(["--runner", "threads"]), { message: '--runner: "threads" is not one of pool, process' });
        assert.throws(() => parseDemoArgs(["--nope"]), (e: Error) => e instanceof UsageError && /^unknown option --nope; the options are --stack, --data, --watch/.test(e.message) && /\(see --help\)$/.test(e.message));
        assert.throws(() => parseDemoArgs(["--rows"]), { message: /^--rows needs a value; the options are/ });
        assert.throws(() => parseDemoArgs(["/no/such/file.csv"]), { message: "/no/such/file.csv: no such file; give paths of files to upload" });
        assert.throws(() => parseDemoArgs(["--once", "--watch", os.tmpdir()]), { message: /^--once and --watch cannot be combined/ });
        assert.throws(() => parseDemoArgs(["--create"]), { message: "--create applies to the --watch folder; give --watch DIR too" });
    });

    it("--watch on a missing folder is an error unless --create is given", () => {
        const missing = path.join(os.tmpdir(), `demo-missing-${process.pid}-${Date.now()}`);
        assert.throws(() => parseDemoArgs(["--watch", missing]), { message: `--watch: ${missing} does not exist; create it, or add --create` });
        assert.equal(options(["--watch", missing, "--create"]).watchDir, missing);
        assert.ok(!fs.existsSync(missing), "parsing creates nothing");
    });

    it("the local pipeline page's demo examples pass only files the dev stack's rule accepts", () => {
        const readme = fs.readFileSync(path.join(__dirname, "..", "docs", "local-pipeline.md"), "utf8");
        const section = readme.slice(readme.indexOf("## The pipeline on one machine: `npm run demo`"));
        const block = /```bash\n([\s\S]*?)```/.exec(section)![1];
        const files = block
            .split("\n")
            .filter((l) => l.startsWith("npm run demo"))
            .flatMap((l) => l.replace(/#.*/, "").split(/\s+/))
            .filter((w) => /^[\w-]+\.[\w.]+$/.test(w));
        assert.ok(files.length >= 2, files.join(" "));
        const suffixes = loadStackConfig("dev").keySuffixes;
        for (const file of files) {
            assert.ok(suffixes.some((s) => file.endsWith(s)), `${file} does not end in ${suffixes.join(", ")}`);
        }
    });

    it("--help is recognised; keys are printed with hidden and control characters escaped", () => {
        assert.equal(parseDemoArgs(["--help"]), "help");
        assert.match(USAGE, /--concurrency N/);
        assert.equal(printable("uploads/report\u202evsc.csv\n\u001b[2J"), "uploads/report\\u{202E}vsc.csv\\u{000A}\\u{001B}[2J");
    });

    it("on the command line: --help prints the usage (exit 0); an unknown option says so (exit 2)", async () => {
        const help = await runDemo(["--help"]);
        assert.equal(help.code, 0, help.out);
        assert.ok(help.out.startsWith("Usage: npm run demo -- [options] [FILE…]"), help.out);
        const bad = await runDemo(["--bogus"]);
        assert.equal(bad.code, 2, bad.out);
        assert.match(bad.out, /^usage: unknown option --bogus; the options are /m);
        assert.doesNotMatch(bad.out, /To specify a positional argument/, "not Node's raw parser message");
    });
});

describe("npm run demo: the sample", () => {
    it("is generated as a stream of bounded chunks, not built in memory", async () => {
        const stream = sampleCsv(2500);
        let lines = 0;
        let largest = 0;
        for await (const chunk of stream) {
            largest = Math.max(largest, (chunk as Buffer).length);
            lines += (chunk as Buffer).toString("utf8").split("\n").length - 1;
        }
        assert.equal(lines, 2501, "header and 2,500 rows");
        assert.ok(largest < 200_000, `chunks stay small (largest ${largest} bytes)`);
    });
});

describe("npm run demo", function () {
    this.timeout(180000);

    it("processes the sample, fails the broken file with the notifier's message, ignores notes.txt, serves the status page, and stops cleanly", async () => {
        const inputs = tempDir("demo-in-");
        const extra = path.join(inputs, "extra.tsv");
        fs.writeFileSync(extra, "a\tb\n1\t2\n3\t4\n");
        const lines: string[] = [];
        const demo = await startDemo(options(["--rows", "3000", "--concurrency", "2", extra]), (l) => lines.push(l));
        try {
            await demo.initialUploads;
            const out = lines.join("\n");
            assert.match(out, /✔ {2}uploads\/sample\.csv: 3,000 rows in/);
            assert.match(out, /✔ {2}uploads\/extra\.tsv: 2 rows in/);
            assert.match(out, /✘ {2}uploads\/broken\.csv: failed, exit 65 \(InputError:binary\)/);
            assert.match(out, /the Slack message the notifier would send:/);
            assert.match(out, /│ \*Reason\* — `InputError:binary`: the input looks binary/, "the preview gives the specific reason");
            assert.equal(out.match(/bad input file/g)?.length, 1, "and the exit code's meaning once");
            assert.match(out, /s3:\/\/demo-uploads\/uploads\/broken\.csv/);
            assert.match(out, /·  uploads\/notes\.txt: ignored/);
            assert.match(out, /✔ {2}uploads\/sample\.parquet: 2,000 rows in/);
            assert.match(out, /Processors {7}2 at once/);
            assert.deepEqual(demo.totals, { succeeded: 3, failed: 1, ignored: 1, skipped: 0, interrupted: 0 });
            const keys = ((await demo.pipeline.s3.client.send(new ListObjectsV2Command({ Bucket: "demo-uploads" }))).Contents ?? []).map((o) => o.Key).sort();
            assert.deepEqual(keys, [
                "processed/extra.tsv.summary.json",
                "processed/sample.csv.summary.json",
                "processed/sample.parquet.summary.json",
                "status/broken.csv.json",
                "status/extra.tsv.json",
                "status/sample.csv.json",
                "status/sample.parquet.json",
                "uploads/broken.csv",
                "uploads/extra.tsv",
                "uploads/notes.txt",
                "uploads/sample.csv",
                "uploads/sample.parquet",
            ]);
            const parquet = await readJson<{ format: string; rows: number; columns: { name: string; type: string }[] }>(
                demo.pipeline.s3.client,
                "demo-uploads",
                "processed/sample.parquet.summary.json",
            );
            assert.deepEqual(
                [parquet?.format, parquet?.rows, parquet?.columns.map((c) => `${c.name}:${c.type}`)],
                ["parquet", 2000, ["order_id:integer", "amount:float", "paid:boolean", "ordered_at:timestamp", "region:string", "note:string", "tags.list.element:string"]],
            );
            const page = await (await fetch(demo.statusUrl)).text();
            assert.match(page, /sample\.csv/);
            assert.match(page, /broken\.csv/);
            assert.match(page, /sample\.parquet/);
        } finally {
            await demo.stop();
            fs.rmSync(inputs, { recursive: true, force: true });
        }
        await assert.rejects(fetch(demo.statusUrl), "the status server is closed");
        await assert.rejects(fetch(demo.pipeline.endpoint), "the S3 server is closed");
        assert.ok(!fs.existsSync(demo.pipeline.dataDir), "the temporary data folder is removed");
    });

    it("--once prints totals, no Ctrl-C line, and exits 1 when a file failed, 0 when none did (free ports, fresh data each run)", async () => {
        const withBroken = await runDemo(["--once", "--rows", "500"]);
        assert.equal(withBroken.code, 1, withBroken.out);
        assert.match(withBroken.out, /Status page {6}http:\/\/127\.0\.0\.1:\d+/);
        assert.match(withBroken.out, /✔ {2}uploads\/sample\.csv: 500 rows/);
        assert.match(withBroken.out, /^Totals: 2 succeeded, 1 failed, 1 ignored$/m);
        assert.doesNotMatch(withBroken.out, /Ctrl-C/);

        const inputs = tempDir("demo-once-");
        const good = path.join(inputs, "good.csv");
        fs.writeFileSync(good, "a,b\n1,2\n");
        try {
            const clean = await runDemo(["--once", "--no-samples", good]);
            assert.equal(clean.code, 0, clean.out);
            assert.match(clean.out, /^Totals: 1 succeeded, 0 failed, 0 ignored$/m);
        } finally {
            fs.rmSync(inputs, { recursive: true, force: true });
        }
    });

    it("Ctrl-C stops the processors (interrupted) and keeps the queue in --data; the next start finishes it", async () => {
        const data = tempDir("demo-data-");
        try {
            // One processor: broken.csv waits behind the sample, which takes a while.
            const first = startDemoProcess(["--data", data, "--rows", "400000", "--concurrency", "1"]);
            await first.waitFor(/▶ {2}uploads\/sample\.csv: processing/);
            first.child.kill("SIGINT");
            assert.equal(await first.exited, 0, first.output());
            assert.match(first.output(), /Stopping…/);
            assert.match(first.output(), /^\d+ files? still queued: they run when the demo starts again with --data /m);

            const second = await runDemo(["--data", data, "--once", "--no-samples"]);
            assert.match(second.out, /↻ {2}resuming \d+ unfinished upload/);
            assert.match(second.out, /^Totals: /m);

            // Everything uploaded before the Ctrl-C now has its final status.
            const check = await LocalPipeline.start({ dataDir: data });
            try {
                const uploads = ((await check.s3.client.send(new ListObjectsV2Command({ Bucket: check.bucket, Prefix: "uploads/" }))).Contents ?? []).map((o) => o.Key!);
                assert.ok(uploads.includes("uploads/sample.csv"));
                for (const key of uploads.filter((k) => k.endsWith(".csv"))) {
                    const status = await readJson<StatusDocument>(check.s3.client, check.bucket, `status/${key.slice("uploads/".length)}.json`);
                    assert.equal(status?.state, key === "uploads/broken.csv" ? "failed" : "succeeded", key);
                }
                const sample = await readJson<StatusDocument>(check.s3.client, check.bucket, "status/sample.csv.json");
                assert.equal(sample?.rowsProcessed, 400_000);
                assert.equal(second.code, uploads.includes("uploads/broken.csv") ? 1 : 0, second.out);
            } finally {
                await check.stop();
            }
        } finally {
            fs.rmSync(data, { recursive: true, force: true });
        }
    });

    it("refuses a second demo on the same --data while the first runs", async () => {
        const data = tempDir("demo-lock-");
        const first = startDemoProcess(["--data", data, "--no-samples"]);
        try {
            await first.waitFor(/Status page/);
            const second = await runDemo(["--data", data, "--once", "--no-samples"]);
            assert.equal(second.code, 1, second.out);
            assert.match(second.out, /is in use by another local pipeline \(pid \d+\); stop it, or give another --data folder/);
        } finally {
            first.child.kill("SIGINT");
            await first.exited;
            fs.rmSync(data, { recursive: true, force: true });
        }
    });
});

describe("npm run demo -- --watch", function () {
    this.timeout(120000);

    it("uploads a file only once it stops changing, and again when it changes or is created again", async () => {
        const inbox = tempDir("demo-inbox-");
        const lines: string[] = [];
        const demo = await startDemo({ ...options(["--watch", inbox, "--no-samples", "--concurrency", "1"]), stableMs: 600 }, (l) => lines.push(l));
        const statusOf = () => readJson<StatusDocument>(demo.pipeline.s3.client, demo.pipeline.bucket, "status/slow.csv.json");
        try {
            await demo.initialUploads;
            // Written in three parts, 250 ms apart: never still for 600 ms until it is complete.
            const file = path.join(inbox, "slow.csv");
            const rows = Array.from({ length: 3000 }, (_, i) => `${i},${i * 2}\n`);
            fs.writeFileSync(file, "id,value\n" + rows.slice(0, 1000).join(""));
            for (const part of [rows.slice(1000, 2000), rows.slice(2000)]) {
                await new Promise((r) => setTimeout(r, 250));
                fs.appendFileSync(file, part.join(""));
            }
            await until(() => lines.some((l) => l.startsWith("✔  uploads/slow.csv")), "slow.csv processed", 60000);
            assert.equal((await statusOf())?.rowsProcessed, 3000, "uploaded whole, not while it was written");
            assert.equal(lines.filter((l) => l.startsWith("▶  uploads/slow.csv")).length, 1, "uploaded once");

            fs.writeFileSync(file, "id,value\n1,2\n");
            await until(() => lines.filter((l) => l.startsWith("✔  uploads/slow.csv")).length === 2, "the new content processed", 60000);
            assert.equal((await statusOf())?.rowsProcessed, 1);

            fs.rmSync(file);
            await new Promise((r) => setTimeout(r, 400));
            fs.writeFileSync(file, "id,value\n1,2\n3,4\n");
            await until(() => lines.filter((l) => l.startsWith("✔  uploads/slow.csv")).length === 3, "the file created again processed", 60000);
            assert.equal((await statusOf())?.rowsProcessed, 2);
        } finally {
            await demo.stop();
            fs.rmSync(inbox, { recursive: true, force: true });
        }
    });
});

describe("the local pipeline when a processor is killed", function () {
    this.timeout(120000);

    it("reports a kill by its signal (137), queues the file again once, then records it failed with the signal", async () => {
        const events: PipelineEvent[] = [];
        // A stand-in processor that never finishes, run by the process runner like any processor command.
        const pipeline = await LocalPipeline.start({ runner: "process", concurrency: 1, processorCommand: [process.execPath, "-e", "setInterval(() => {}, 1000)"], onEvent: (e) => events.push(e) });
        const childPid = () => {
            const dir = path.join(pipeline.dataDir, "state", "children");
            const pids = fs.readdirSync(dir);
            return pids.length === 1 ? Number(pids[0]) : undefined;
        };
        try {
            await pipeline.upload("uploads/victim.csv", "a\n1\n");
            for (let kill = 1; kill <= 2; kill++) {
                await until(() => events.filter((e) => e.type === "started").length === kill && childPid() !== undefined, `processor run ${kill}`);
                process.kill(childPid()!, "SIGKILL");
                await until(() => events.some((e) => (kill === 1 ? e.type === "requeued" : e.type === "failed")), `the outcome of kill ${kill}`);
            }
            await pipeline.waitIdle();
            assert.deepEqual(
                events.filter((e) => e.type === "requeued").map((e) => [e.key, (e as { exitCode: number }).exitCode, (e as { signal?: string }).signal]),
                [["uploads/victim.csv", 137, "SIGKILL"]],
            );
            const failed = events.find((e) => e.type === "failed") as Extract<PipelineEvent, { type: "failed" }>;
            assert.equal(failed.exitCode, 137);
            assert.equal(failed.signal, "SIGKILL");
            assert.equal(failed.errorClass, "KilledBySignal");
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/victim.csv.json");
            assert.equal(status?.state, "failed");
            assert.deepEqual(status?.error, { class: "KilledBySignal", message: "the processor was killed by SIGKILL (exit 137) before it recorded an outcome", exitCode: 137 });
            assert.deepEqual(fs.readdirSync(path.join(pipeline.dataDir, "state", "queue")), [], "nothing left queued");
        } finally {
            await pipeline.stop();
        }
    });

    it("reads 137 and 143 from a wrapper as SIGKILL (re-queued, then failed) and SIGTERM (interrupted), not as errors", async () => {
        for (const [code, expected] of [
            [137, ["requeued", "failed"]],
            [143, ["interrupted"]],
        ] as const) {
            const events: PipelineEvent[] = [];
            const pipeline = await LocalPipeline.start({ runner: "process", concurrency: 1, processorCommand: ["sh", "-c", `exit ${code}`], onEvent: (e) => events.push(e) });
            try {
                await pipeline.upload("uploads/wrapped.csv", "a\n1\n");
                await pipeline.waitIdle();
                assert.deepEqual(events.filter((e) => e.type !== "started").map((e) => e.type), expected, `exit ${code}`);
                if (code === 137) {
                    const failed = events.find((e) => e.type === "failed") as Extract<PipelineEvent, { type: "failed" }>;
                    assert.deepEqual([failed.exitCode, failed.signal, failed.errorClass], [137, "SIGKILL", "KilledBySignal"]);
                }
            } finally {
                await pipeline.stop();
            }
        }
    });
});
