/** The processor's S3 requests and log volume per file, measured against a local S3 server: the figures the cost model's constants rest on. */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import { gzipSync } from "zlib";
import { generateFiles } from "../bench/generate";
import { COST_DEFAULTS, PROCESSOR_LOG, S3_REQUESTS_PER_FILE } from "../tools/cost";
import { rangedReadGets } from "../components/builders/contracts";
import { ROOT } from "./mocks";
import { exited } from "./support/child-process";
import { CREDENTIALS, relay, startS3 } from "./support/s3";
import { TS_REGISTER } from "./support/ts-process";

describe("cost model: the processor's measured requests and log volume", function () {
    this.timeout(120000);

    it("makes the GETs (2, and one per 8 MiB part of a large file) and the 3 PUTs per file the model counts, and logs about what PROCESSOR_LOG predicts (real processor, local S3)", async () => {
        const bucket = "s3-fargate-pipeline-prod-uploads-1a2b3c4";
        const key = "uploads/2026/11/orders-000123.csv";
        const taskArn = "arn:aws:ecs:eu-west-1:123456789012:task/s3-fargate-pipeline-prod-cluster-5e6f7a8/0123456789abcdef0123456789abcdef";
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cost-e2e-"));
        const s3 = await startS3();
        const requests: string[] = [];
        let proxy: http.Server | undefined;
        try {
            await s3.createBucket(bucket);
            // The bench's mixed CSV: ~84 bytes per row, the model's default.
            const file = await generateFiles({ rows: 400_000, seed: 7, plainPath: path.join(dir, "a.csv") });
            const bytesPerRow = file.plain.bytes / file.plain.rows;
            assert.ok(Math.abs(bytesPerRow - COST_DEFAULTS.bytesPerRow) < 1, `bytes per row ${bytesPerRow}`);
            await s3.put(bucket, key, fs.readFileSync(file.plain.path));

            // A proxy that counts S3 requests and answers the ECS task metadata endpoint.
            const upstream = new URL(s3.endpoint);
            proxy = http.createServer((req, res) => {
                if (req.url?.startsWith("/metadata/task")) {
                    res.writeHead(200, { "content-type": "application/json" });
                    res.end(JSON.stringify({ TaskARN: taskArn }));
                    return;
                }
                requests.push(req.method ?? "");
                relay(upstream, req, res);
            });
            await new Promise<void>((resolve) => proxy!.listen(0, "127.0.0.1", () => resolve()));
            const endpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;

            const child = spawn(process.execPath, [...TS_REGISTER, path.join(ROOT, "app/src/processor/main.ts")], {
                cwd: ROOT,
                env: {
                    PATH: process.env.PATH ?? "",
                    AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
                    AWS_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
                    AWS_REGION: "eu-west-1",
                    S3_ENDPOINT: endpoint,
                    S3_BUCKET: bucket,
                    S3_KEY: key,
                    ECS_CONTAINER_METADATA_URI_V4: `${endpoint}/metadata`,
                },
                stdio: ["ignore", "pipe", "pipe"],
            });
            const { code, stdout, stderr } = await exited(child);
            assert.equal(code, 0, stderr);

            // A 34 MB file: read in ranged parts (a part for each of at least 8 GETs in flight), not through one connection.
            // The processor sizes them from this machine's vCPUs, as the cost model does from the task's.
            const parts = rangedReadGets(file.plain.bytes, os.availableParallelism());
            assert.ok(parts >= 8, String(parts));
            assert.equal(requests.filter((m) => m === "GET").length, S3_REQUESTS_PER_FILE.get + parts);
            assert.equal(requests.filter((m) => m === "PUT").length, S3_REQUESTS_PER_FILE.put);
            assert.equal(requests.length, S3_REQUESTS_PER_FILE.get + parts + S3_REQUESTS_PER_FILE.put);

            const lines = stdout.split("\n").filter((l) => l.trim() !== "");
            assert.ok(lines.some((l) => l.includes(taskArn)), "the lines carry the task ARN");
            const progressLines = Math.floor(file.plain.bytes / PROCESSOR_LOG.progressEveryBytes) + 1;
            assert.equal(lines.length, 2 + progressLines + 1, "processing, progress…, succeeded, EMF");
            const predicted = PROCESSOR_LOG.fixedBytesPerFile + progressLines * PROCESSOR_LOG.progressLineBytes;
            const measured = Buffer.byteLength(stdout);
            assert.ok(Math.abs(measured - predicted) / predicted < 0.1, `measured ${measured} bytes, model ${predicted}`);
            const ratio = gzipSync(stdout, { level: 6 }).length / measured;
            assert.ok(ratio <= PROCESSOR_LOG.archiveRatio * 1.1, `gzip ratio ${ratio}`);
        } finally {
            await new Promise<void>((resolve) => (proxy ? proxy.close(() => resolve()) : resolve()));
            await s3.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
