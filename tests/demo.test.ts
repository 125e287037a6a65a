/**
 * `npm run demo` end to end: the local pipeline with the rule's pattern and transformer, the
 * processor as a local process, and the status page — started, fed good, bad and ignored files,
 * waited on, checked, and shut down.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { objectCreatedEvent, routeEvent, uploadRoute } from "../app/src/local/events";
import { parseDemoArgs, startDemo, UsageError } from "../app/src/local/demo";
import { loadStackConfig } from "../app/src/local/stack";
import { ROOT } from "./mocks";

describe("the local pipeline's event path", () => {
    const record = (key: string) => ({
        eventTime: "2026-11-23T10:00:00.000Z",
        eventName: "ObjectCreated:Put",
        awsRegion: "us-east-1",
        s3: { bucket: { name: "b" }, object: { key, size: 10, eTag: "abc", sequencer: "0A" } },
    });

    it("reads the dev stack's prefixes and suffixes through the same validation as a preview", () => {
        const config = loadStackConfig("dev");
        assert.deepEqual([config.prefixes.upload, config.keySuffixes], ["uploads/", [".csv", ".csv.gz", ".tsv", ".jsonl"]]);
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

    it("rejects bad demo arguments with a message naming what is allowed", () => {
        assert.throws(() => parseDemoArgs(["--rows", "0"]), { message: '--rows: "0" is not a whole number from 1 to 10000000' });
        assert.throws(() => parseDemoArgs(["--nope"]), UsageError);
        assert.throws(() => parseDemoArgs(["/no/such/file.csv"]), { message: "/no/such/file.csv: no such file; give paths of files to upload" });
    });
});

describe("npm run demo", function () {
    this.timeout(120000);

    it("processes the sample, fails the broken file with the notifier's message, ignores notes.txt, serves the status page, and stops cleanly", async () => {
        const extra = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "demo-in-")), "extra.tsv");
        fs.writeFileSync(extra, "a\tb\n1\t2\n3\t4\n");
        const lines: string[] = [];
        const demo = await startDemo({ ...parseDemoArgs(["--rows", "3000", extra]) }, (l) => lines.push(l));
        try {
            await demo.initialUploads;
            const out = lines.join("\n");
            assert.match(out, /✔ {2}uploads\/sample\.csv: 3,000 rows in/);
            assert.match(out, /✔ {2}uploads\/extra\.tsv: 2 rows in/);
            assert.match(out, /✘ {2}uploads\/broken\.csv: failed, exit 65 \(InputError:binary\)/);
            assert.match(out, /the Slack message the notifier would send:/);
            assert.match(out, /s3:\/\/demo-uploads\/uploads\/broken\.csv/);
            assert.match(out, /·  uploads\/notes\.txt: ignored/);
            const keys = ((await demo.pipeline.s3.client.send(new ListObjectsV2Command({ Bucket: "demo-uploads" }))).Contents ?? []).map((o) => o.Key).sort();
            assert.deepEqual(keys, [
                "processed/extra.tsv.summary.json",
                "processed/sample.csv.summary.json",
                "status/broken.csv.json",
                "status/extra.tsv.json",
                "status/sample.csv.json",
                "uploads/broken.csv",
                "uploads/extra.tsv",
                "uploads/notes.txt",
                "uploads/sample.csv",
            ]);
            const page = await (await fetch(demo.statusUrl)).text();
            assert.match(page, /sample\.csv/);
            assert.match(page, /broken\.csv/);
        } finally {
            await demo.stop();
        }
        await assert.rejects(fetch(demo.statusUrl), "the status server is closed");
        await assert.rejects(fetch(demo.pipeline.endpoint), "the S3 server is closed");
    });

    it("runs from the command line with --once, twice in a row (free ports, fresh data)", async () => {
        for (let i = 0; i < 2; i++) {
            const r = await new Promise<{ code: number | null; out: string }>((resolve) => {
                const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "app/src/local/demo.ts"), "--once", "--rows", "500"], {
                    cwd: ROOT,
                    stdio: ["ignore", "pipe", "pipe"],
                });
                let out = "";
                child.stdout.on("data", (d) => (out += d));
                child.stderr.on("data", (d) => (out += d));
                child.on("exit", (code) => resolve({ code, out }));
            });
            assert.equal(r.code, 0, r.out);
            assert.match(r.out, /Status page {6}http:\/\/127\.0\.0\.1:\d+/);
            assert.match(r.out, /✔ {2}uploads\/sample\.csv: 500 rows/);
        }
    });

    it("stops on Ctrl-C while files are being processed", async () => {
        const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(ROOT, "app/src/local/demo.ts"), "--rows", "200000"], {
            cwd: ROOT,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let out = "";
        child.stdout.on("data", (d) => (out += d));
        await new Promise<void>((resolve) => child.stdout.on("data", () => out.includes("▶  uploads/sample.csv") && resolve()));
        child.kill("SIGINT");
        const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
        assert.equal(code, 0, out);
        assert.match(out, /Stopping…/);
    });
});

