/**
 * Load and faults, as a user might inflict them: 100 uploads at once into a running `npm run demo`
 * (hostile keys among them: `..`, absolute, empty and over-long segments, NUL, newlines, a
 * right-to-left override, a key over S3's limit), the demo killed with SIGKILL mid-run, and a
 * restart on the same --data. Then every accepted upload the rule matches has exactly one final
 * status for its ETag (and a summary when it succeeded), nothing was written outside --data, no
 * processor outlived the killed demo, and the restarted demo is still up.
 */
import { strict as assert } from "assert";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localS3Client } from "../app/src/local/s3-server";
import { processStartTime } from "../app/src/local/state";
import { readJson } from "../app/src/processor/s3";
import type { StatusDocument } from "../app/src/processor/status";
import { DemoProcess, startDemoProcess } from "./support/demo-cli";
import { until } from "./support/processor";
import { PATH_HOSTILE_KEYS, listAll } from "./support/s3";

const BUCKET = "demo-uploads";

/** Every file and folder under `dir` (relative paths). */
function tree(dir: string): string[] {
    if (!fs.existsSync(dir)) {
        return [];
    }
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const rel = e.name;
        return e.isDirectory() ? [rel + "/", ...tree(path.join(dir, e.name)).map((r) => `${rel}/${r}`)] : [rel];
    });
}

function csv(i: number, rows: number): string {
    const lines = ["id,amount,region"];
    for (let r = 0; r < rows; r++) {
        lines.push(`${i * 100000 + r},${(r * 0.5).toFixed(2)},r${r % 5}`);
    }
    return `${lines.join("\n")}\n`;
}

const relative = (key: string) => key.slice("uploads/".length);
const matchesRule = (key: string) => key.startsWith("uploads/") && key.length > "uploads/".length && [".csv", ".csv.gz", ".tsv", ".jsonl", ".parquet"].some((s) => key.endsWith(s));

describe("npm run demo under load and faults", function () {
    this.timeout(240000);
    const nonce = `${process.pid}-${Date.now()}`;
    let root: string;
    let demo: DemoProcess | undefined;

    before(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "demo-load-"));
    });

    after(async () => {
        if (demo && demo.child.exitCode === null && demo.child.signalCode === null) {
            demo.child.kill("SIGINT");
            await demo.exited;
        }
        fs.rmSync(root, { recursive: true, force: true });
        for (const leaked of [`/tmp/escape-${nonce}.csv`, `/tmp/escape-${nonce}.csv._S3rver_object`]) {
            fs.rmSync(leaked, { force: true });
        }
    });

    it("100 uploads with hostile keys, a SIGKILL mid-run, a restart: every accepted upload ends with exactly one final status", async () => {
        const data = path.join(root, "data");
        const hostile = [
            `uploads/../../../../../../../../../../../tmp/escape-${nonce}.csv`,
            "uploads/../../outside-data.csv",
            "uploads/a/../../b.csv",
            ...PATH_HOSTILE_KEYS,
            "uploads/<script>alert(1)</script>.csv",
            "uploads/quote\"apos'back\\slash.csv",
            "uploads/space and+plus%20.csv",
            "uploads/ünïcødé 数据 😀.csv",
            "uploads/a._S3rver_object.csv",
            "uploads/.~=looks-encoded.csv",
            "/uploads/absolute.csv",
            `uploads/${"é".repeat(520)}.csv`, // over 1,024 bytes: S3 refuses it
        ];
        const keys = [...hostile];
        for (let i = keys.length; i < 100; i++) {
            keys.push(`uploads/load/file-${String(i).padStart(3, "0")}.csv`);
        }
        const bodies = keys.map((_, i) => (i === 25 ? Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0]) : Buffer.from(csv(i, i % 10 === 0 ? 60000 : 20))));

        // 1. A demo on --data, no samples; 100 uploads at once.
        demo = startDemoProcess(["--data", data, "--no-samples", "--concurrency", "2"]);
        const endpoint = (await demo.waitFor(/Local S3 server {2}(http:\/\/127\.0\.0\.1:\d+)/))[1];
        const client = localS3Client(endpoint);
        const accepted = new Map<string, string>();
        const refused = new Map<string, string>();
        await Promise.all(
            keys.map(async (key, i) => {
                try {
                    const out = await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: bodies[i] }));
                    accepted.set(key, (out.ETag ?? "").replace(/"/g, ""));
                } catch (e) {
                    refused.set(key, (e as Error).name);
                }
            }),
        );
        client.destroy();
        assert.deepEqual([...refused], [[`uploads/${"é".repeat(520)}.csv`, "KeyTooLongError"]], "only the over-long key is refused");
        assert.equal(accepted.size, 99);

        // 2. SIGKILL while files are still being processed.
        const done = () => (demo!.output().match(/✔ {2}uploads\//g) ?? []).length;
        await until(() => done() >= 5, "five files processed", 120000);
        const children = path.join(data, "state", "children");
        const processors = fs.readdirSync(children).map((pid) => ({ pid: Number(pid), startTime: processStartTime(Number(pid)) }));
        demo.child.kill("SIGKILL");
        assert.equal(await demo.exited, "SIGKILL");
        assert.ok(done() < accepted.size, "the kill came before every file was done");

        // 3. Restart on the same --data; it resumes and finishes.
        demo = startDemoProcess(["--data", data, "--no-samples", "--concurrency", "2"]);
        const endpoint2 = (await demo.waitFor(/Local S3 server {2}(http:\/\/127\.0\.0\.1:\d+)/))[1];
        const statusUrl = (await demo.waitFor(/Status page {6}(http:\/\/127\.0\.0\.1:\d+\/)/))[1];
        await demo.waitFor(/↻ {2}resuming \d+ unfinished upload/);
        for (const p of processors) {
            // No processor of the killed demo is still running (a reused pid has another start time).
            assert.notEqual(processStartTime(p.pid) ?? "gone", p.startTime, `processor ${p.pid} outlived the killed demo`);
        }
        const client2 = localS3Client(endpoint2);
        try {
            const expected = [...accepted.keys()].filter(matchesRule);
            assert.ok(expected.length >= 95, `${expected.length} uploads match the rule`);
            const deadline = Date.now() + 150000;
            let statuses: (StatusDocument | undefined)[] = [];
            for (;;) {
                statuses = await Promise.all(expected.map((key) => readJson<StatusDocument>(client2, BUCKET, `status/${relative(key)}.json`)));
                if (statuses.every((s, i) => (s?.state === "succeeded" || s?.state === "failed") && s.etag === accepted.get(expected[i]))) {
                    break;
                }
                assert.ok(Date.now() < deadline, `not every upload reached a final status:\n${demo.output()}`);
                await new Promise((r) => setTimeout(r, 500));
            }

            // Exactly one status document per matching accepted upload, and nothing else under status/.
            const statusKeys = await listAll(client2, BUCKET, "status/");
            assert.deepEqual(statusKeys.sort(), expected.map((k) => `status/${relative(k)}.json`).sort());
            for (const [i, key] of expected.entries()) {
                const status = statuses[i]!;
                assert.equal(status.key, key);
                const summary = await readJson<Record<string, unknown>>(client2, BUCKET, `processed/${relative(key)}.summary.json`);
                if (status.state === "succeeded") {
                    assert.ok(summary, `${JSON.stringify(key)} succeeded and has its summary`);
                    assert.equal(status.rowsProcessed, keys.indexOf(key) % 10 === 0 ? 60000 : 20);
                } else {
                    assert.equal(summary, undefined);
                    assert.equal(keys.indexOf(key), 25, `${JSON.stringify(key)} failed: ${JSON.stringify(status.error)}`);
                }
            }
            assert.equal(statuses.filter((s) => s?.state === "failed").length, 1, "only the binary file failed");

            // Nothing outside --data: the root holds only the data folder, and no key escaped to /tmp.
            assert.deepEqual(tree(root), tree(root).filter((p) => p === "data/" || p.startsWith("data/")));
            assert.ok(!fs.existsSync(`/tmp/escape-${nonce}.csv`) && !fs.existsSync(`/tmp/escape-${nonce}.csv._S3rver_object`), "no file escaped to /tmp");
            assert.ok(!fs.existsSync(path.join(root, "outside-data.csv._S3rver_object")));

            // 4. The demo is still up and serving.
            assert.equal(demo.child.exitCode, null, demo.output());
            const page = await (await fetch(statusUrl)).text();
            assert.match(page, /report<span class="hidden-char" title="hidden character U\+202E in the name">⟨U\+202E⟩<\/span>vsc\.csv/);
            assert.ok(!page.includes("<script>alert(1)</script>"));
        } finally {
            client2.destroy();
        }
        demo.child.kill("SIGINT");
        assert.equal(await demo.exited, 0, demo.output());
    });
});
