/**
 * Byte-range shards end to end on the local pipeline (docs/sharding.md): the coordinator starts
 * shards through RunTask (answered by local processes), each shard writes a partial, the last one
 * merges; the result is the unsharded one. Failures (a killed shard, a stopped coordinator, a duplicate
 * event) are in shards-failures.test.ts.
 */
import { strict as assert } from "assert";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import * as zlib from "zlib";
import type { PipelineEvent } from "../app/src/local/pipeline";
import { readJson } from "../app/src/processor/s3";
import { readShardConfig } from "../app/src/processor/config";
import { runTaskInput } from "../app/src/processor/launcher";
import { partialsBase, shardCount, shardRange } from "../app/src/processor/shard";
import { createOnce, putJson, replaceIfUnchanged } from "../app/src/processor/shard-store";
import { startLocalS3 } from "../app/src/local/s3-server";
import { renderStatusRegion } from "../app/src/status-page/page";
import type { StatusDocument } from "../app/src/processor/status";
import { PROJECT, parseDoc, stackConfig } from "./mocks";
import { evaluatePacks } from "../policy/offline/engine";
import { runProgram } from "../policy/offline/program";
import { PACKS } from "../policy/packs";
import { startProcessor } from "./support/processor";
import { RANGE_COMMAND, listKeys, totalsFile, withPipeline } from "./support/shards";
import { startS3 } from "./support/s3";
import { summarizeStream } from "../app/src/processor/summarize";
import { Readable } from "stream";




/** A CSV of every column type, with bad rows (wrong field count) spread through it, so later shards' line numbers need fixing. */
function mixedCsv(rows: number): string {
    const lines = ["id,amount,price,city,seen_at,flag"];
    for (let i = 0; i < rows; i++) {
        if (i % 997 === 13) {
            lines.push(`${i},broken`);
            continue;
        }
        const day = String(1 + (i % 28)).padStart(2, "0");
        lines.push(`${i},${(i * 7919) % 100003 - 50000},${((i * 31) % 9973) / 7},city-${i % 211},2026-03-${day}T10:${String(i % 60).padStart(2, "0")}:00Z,${i % 3 === 0}`);
    }
    return `${lines.join("\n")}\n`;
}

/** A CSV whose second field is quoted and spans several lines, so most byte offsets fall inside a quoted field. */
function multiLineCsv(rows: number): string {
    const lines = ["id,note,value"];
    for (let i = 0; i < rows; i++) {
        const note = Array.from({ length: 2 + (i % 5) }, (_, k) => `part ${k} of note ${i}, with "quotes"`.replace(/"/g, '""')).join("\n");
        lines.push(`${i},"${note}",${i * 3 - 17}`);
    }
    return `${lines.join("\n")}\n`;
}

/** Whether byte `offset` of a CSV lies inside a quoted field (RFC 4180 quote parity from the start). */
function insideQuotes(text: Buffer, offset: number): boolean {
    let inside = false;
    for (let i = 0; i < offset; i++) {
        if (text[i] === 0x22) {
            inside = !inside;
        }
    }
    return inside;
}

type Summary = Record<string, unknown>;

describe("byte-range shards: the plan", () => {
    const settings = { aboveBytes: 1000, shardBytes: 300, maxShards: 4 };

    it("does not split a file at or below the threshold, or when sharding is off", () => {
        assert.equal(shardCount(1000, settings), 1);
        assert.equal(shardCount(10 ** 12, { ...settings, aboveBytes: undefined }), 1);
    });

    it("splits into ceil(size / shardBytes) shards, capped by maxShards", () => {
        assert.equal(shardCount(1001, settings), 4);
        assert.equal(shardCount(1001, { ...settings, shardBytes: 500 }), 3);
        assert.equal(shardCount(10 ** 12, { ...settings, shardBytes: 2 ** 30, maxShards: 16 }), 16);
    });

    it("cuts the object into consecutive ranges that cover every byte once", () => {
        for (const [size, count] of [[1001, 4], [7, 3], [10 ** 11 + 7, 16]]) {
            const ranges = Array.from({ length: count }, (_, i) => shardRange(size, count, i));
            assert.equal(ranges[0].start, 0);
            assert.equal(ranges[count - 1].end, size);
            ranges.slice(1).forEach((r, i) => assert.equal(r.start, ranges[i].end));
        }
    });

    it("keeps a file's partials under the partials prefix, its name and its ETag", () => {
        assert.equal(partialsBase("partials/", "2026/day.csv", "abc-3"), "partials/2026/day.csv/abc-3/");
    });

    it("starts a shard as ECS would: the task's own definition and cluster, the rule's network and capacity strategy, the shard's variables", () => {
        const shard = readShardConfig({ SHARD_ABOVE_BYTES: "1", SHARD_SUBNETS: "subnet-a", SHARD_SECURITY_GROUPS: "sg-1", SHARD_ASSIGN_PUBLIC_IP: "true", SHARD_CAPACITY_PROVIDERS: "FARGATE_SPOT:1" }, "uploads/", "processed/", "status/");
        const input = runTaskInput({ cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/c", taskDefinition: "fam:7", container: "processor" }, shard, { SHARD_INDEX: "2" });
        assert.deepEqual(input, {
            cluster: "arn:aws:ecs:eu-west-1:123456789012:cluster/c",
            taskDefinition: "fam:7",
            count: 1,
            capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", weight: 1, base: 0 }],
            networkConfiguration: { awsvpcConfiguration: { subnets: ["subnet-a"], securityGroups: ["sg-1"], assignPublicIp: "ENABLED" } },
            startedBy: "shard-coordinator",
            overrides: { containerOverrides: [{ name: "processor", environment: [{ name: "SHARD_INDEX", value: "2" }] }] },
        });
        const plain = runTaskInput({ cluster: "c", taskDefinition: "fam:1", container: "processor" }, { ...shard, capacityProviders: [] }, {});
        assert.equal(plain.launchType, "FARGATE");
        assert.equal(plain.capacityProviderStrategy, undefined);
    });
});

describe("byte-range shards on the status page", () => {
    const options = { title: "t", generatedAt: "2026-11-23T12:00:00.000Z", source: "s3://b/status/", linkExpirySeconds: 900 };
    const status = (over: Partial<StatusDocument>): StatusDocument => ({ schemaVersion: 1, state: "running", bucket: "b", key: "uploads/big.csv", attempt: 1, startedAt: "2026-11-23T11:59:00.000Z", ...over });
    const row = (doc: StatusDocument) => renderStatusRegion([{ statusKey: "status/big.csv.json", status: doc }], options);

    it("shows a running sharded file's progress bar: shards done of total, rows so far, failed attempts", () => {
        const html = row(status({ shards: { total: 4, done: 3, failed: 1, rows: 12345 } }));
        assert.match(html, /<progress max="4" value="3" aria-label="3 of 4 shards done, 12,345 rows so far, 1 failed attempt retried">3\/4<\/progress>/);
    });

    it("says how many shards a finished file took, with no bar; a file without shards shows neither", () => {
        const done = row(status({ state: "succeeded", rowsProcessed: 20000, completedAt: "2026-11-23T12:00:00.000Z", durationMs: 60000, shards: { total: 4, done: 4, failed: 0, rows: 20000 } }));
        assert.match(done, /20,000 <span class="muted shards">in 4 shards<\/span>/);
        assert.doesNotMatch(done, /<progress/);
        assert.doesNotMatch(row(status({})), /shards|<progress/);
    });

    it("ignores shard counts that are not whole numbers (the document comes from a bucket)", () => {
        assert.doesNotMatch(row(status({ shards: { total: -1, done: 2, failed: 0, rows: 1 } })), /<progress/);
        assert.doesNotMatch(row(status({ shards: JSON.parse('{"total":"4<script>","done":1,"failed":0,"rows":0}') })), /<progress|script/);
    });
});

describe("byte-range shards: S3 conditional writes (local S3 server, as AWS documents them)", () => {
    it("creates a marker once: of many concurrent writers exactly one wins, the others are told it exists", async () => {
        const s3 = await startLocalS3({ log: () => undefined });
        try {
            await s3.createBucket("bkt");
            const wins = await Promise.all(Array.from({ length: 8 }, (_, i) => createOnce(s3.client, "bkt", "partials/x/e/merge.json", { i })));
            assert.equal(wins.filter(Boolean).length, 1);
            assert.equal(await createOnce(s3.client, "bkt", "partials/x/e/merge.json", {}), false);
        } finally {
            await s3.close();
        }
    });

    it("reads an object pinned to its ETag: If-Match with another ETag is 412, as a ranged GET of a replaced upload gets", async () => {
        const s3 = await startLocalS3({ log: () => undefined });
        try {
            await s3.createBucket("bkt");
            const etag = await putJson(s3.client, "bkt", "uploads/a.csv", { v: 1 });
            const get = (ifMatch: string) => s3.client.send(new GetObjectCommand({ Bucket: "bkt", Key: "uploads/a.csv", Range: "bytes=0-3", IfMatch: ifMatch }));
            assert.equal(await (await get(`"${etag}"`)).Body?.transformToString(), '{"v"');
            await assert.rejects(get('"0123456789abcdef0123456789abcdef"'), (e: Error & { $metadata?: { httpStatusCode?: number } }) => e.name === "PreconditionFailed" && e.$metadata?.httpStatusCode === 412);
        } finally {
            await s3.close();
        }
    });

    it("replaces a document only while it still has the ETag the writer last saw", async () => {
        const s3 = await startLocalS3({ log: () => undefined });
        try {
            await s3.createBucket("bkt");
            const first = await putJson(s3.client, "bkt", "status/a.csv.json", { state: "running" });
            const second = await replaceIfUnchanged(s3.client, "bkt", "status/a.csv.json", first, { state: "running", done: 1 });
            assert.ok(second !== undefined && second !== first);
            await putJson(s3.client, "bkt", "status/a.csv.json", { state: "succeeded" });
            assert.equal(await replaceIfUnchanged(s3.client, "bkt", "status/a.csv.json", second as string, { state: "running", done: 2 }), undefined);
            assert.deepEqual(await readJson(s3.client, "bkt", "status/a.csv.json"), { state: "succeeded" });
        } finally {
            await s3.close();
        }
    });
});

describe("byte-range shards on the local pipeline", function () {
    this.timeout(300000);


    it("the summariser in 4 shards writes the summary one task writes: every column, bad rows and their line numbers, even when cuts fall inside multi-line quoted fields", async () => {
        const files: Record<string, string> = { "mixed.csv": mixedCsv(6000), "quoted.csv": multiLineCsv(3000) };
        const quoted = Buffer.from(files["quoted.csv"]);
        const cuts = [1, 2, 3].map((i) => Math.floor((i * quoted.length) / 4));
        assert.ok(cuts.some((c) => insideQuotes(quoted, c)), "the test needs a cut inside a quoted field");
        const summarise = async (environment: Record<string, string>): Promise<{ summaries: Record<string, Summary>; statuses: Record<string, StatusDocument | undefined>; events: PipelineEvent[]; partials: string[] }> => {
            const summaries: Record<string, Summary> = {};
            const statuses: Record<string, StatusDocument | undefined> = {};
            let seen: PipelineEvent[] = [];
            let partials: string[] = [];
            await withPipeline(environment, undefined, async (pipeline, events) => {
                for (const [name, text] of Object.entries(files)) {
                    await pipeline.upload(`uploads/${name}`, text);
                }
                await pipeline.waitIdle();
                for (const name of Object.keys(files)) {
                    const summary = await readJson<Summary>(pipeline.s3.client, pipeline.bucket, `processed/${name}.summary.json`);
                    assert.ok(summary, `${name}: no summary`);
                    delete summary.generatedAt;
                    summaries[name] = summary;
                    statuses[name] = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, `status/${name}.json`);
                }
                seen = events;
                partials = await listKeys(pipeline, "partials/");
            });
            return { summaries, statuses, events: seen, partials };
        };
        const whole = await summarise({});
        const sharded = await summarise({ SHARD_ABOVE_BYTES: "10000", SHARD_BYTES: String(Math.ceil(Math.max(...Object.values(files).map((t) => t.length)) / 4)), SHARD_MAX: "4" });
        assert.equal(whole.events.filter((e) => e.type === "shard-started").length, 0);
        assert.equal(sharded.events.filter((e) => e.type === "shard-started").length, 6, "shards 1–3 of each file");
        for (const name of Object.keys(files)) {
            assert.deepEqual(sharded.summaries[name], whole.summaries[name], name);
            assert.equal(sharded.statuses[name]?.state, "succeeded");
            assert.equal(whole.statuses[name]?.shards, undefined);
            assert.deepEqual(sharded.statuses[name]?.shards, { total: 4, done: 4, failed: 0, rows: whole.statuses[name]?.rowsProcessed });
            assert.equal(sharded.statuses[name]?.badRows, whole.statuses[name]?.badRows);
        }
        assert.ok((whole.summaries["mixed.csv"].badRows as { count: number }).count >= 6, "bad rows in several shards");
        assert.deepEqual(sharded.partials, []);
    });

    it("a gzip upload whose name does not say so is one stream: the first shard summarises it whole, and the summary is the one a task writes", async () => {
        const gz = zlib.gzipSync(Buffer.from(mixedCsv(6000)));
        const env = { SHARD_ABOVE_BYTES: "1000", SHARD_MAX: "4", SHARD_BYTES: String(Math.ceil(gz.length / 4)) };
        await withPipeline(env, undefined, async (pipeline, events) => {
            await pipeline.upload("uploads/packed.csv", gz);
            await pipeline.waitIdle();
            const summary = await readJson<Summary>(pipeline.s3.client, pipeline.bucket, "processed/packed.csv.summary.json");
            assert.ok(summary, "no summary");
            delete summary.generatedAt;
            delete summary.source;
            assert.equal(summary.compression, "gzip");
            assert.equal(JSON.stringify(summary), JSON.stringify(await summarizeStream(Readable.from([gz]))));
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/packed.csv.json");
            assert.deepEqual([status?.state, status?.shards?.total, status?.shards?.done, status?.shards?.failed], ["succeeded", 4, 4, 0]);
            assert.equal(events.filter((e) => e.type === "shard-started").length, 3);
            assert.deepEqual(await listKeys(pipeline, "partials/"), []);
        });
    });

    it("a range command split into 4 shards gives the unsharded result, one status with the shards, and no partials left; the next file's shards run in the same warm hosts", async () => {
        const file = totalsFile(20000);
        await withPipeline({ SHARD_ABOVE_BYTES: "1000", SHARD_BYTES: String(Math.ceil(file.text.length / 4)), COMMAND_ACCEPTS_RANGE: "true" }, RANGE_COMMAND, async (pipeline, events) => {
            await pipeline.upload("uploads/big.csv", file.text);
            await pipeline.waitIdle();
            const totals = await readJson<{ rows: number; sum: string }>(pipeline.s3.client, pipeline.bucket, "processed/big.csv/totals.json");
            assert.deepEqual(totals, { rows: file.rows, sum: file.sum });
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/big.csv.json");
            assert.equal(status?.state, "succeeded");
            assert.deepEqual(status?.shards, { total: 4, done: 4, failed: 0, rows: file.rows });
            assert.equal(status?.rowsProcessed, file.rows);
            assert.deepEqual(
                events.filter((e) => e.type === "shard-started").map((e) => (e as { shard: number }).shard).sort(),
                [1, 2, 3],
            );
            assert.deepEqual(await listKeys(pipeline, "partials/"), []);
            // The pool runs shard tasks as it runs files: a host that finished a shard takes the next.
            const hosts = (from: number) => events.slice(from).flatMap((e) => (e.type === "shard-started" && e.pid !== undefined ? [e.pid] : []));
            const first = new Set(hosts(0));
            const seen = events.length;
            await pipeline.upload("uploads/again.csv", file.text.replace(/^row-0-/, "row-zero-"));
            await pipeline.waitIdle();
            assert.deepEqual(await readJson(pipeline.s3.client, pipeline.bucket, "processed/again.csv/totals.json"), { rows: file.rows, sum: file.sum });
            assert.equal(hosts(seen).length, 3);
            assert.ok(hosts(seen).some((pid) => first.has(pid)), `shards of the first file in ${[...first].join(", ")}, of the second in ${hosts(seen).join(", ")}`);
        });
    });
});

describe("byte-range shards in a Kubernetes Indexed Job (batch mode, JOB_COMPLETION_INDEX)", function () {
    this.timeout(300000);

    it("the pods take one byte range each of a large file, the last merges the summary one task writes; small files stay one pod's each", async () => {
        const s3 = await startS3();
        try {
            await s3.createBucket("indexed-job");
            const big = mixedCsv(6000);
            await s3.put("indexed-job", "uploads/big.csv", big);
            for (const name of ["a.csv", "b.csv", "c.csv"]) {
                await s3.put("indexed-job", `uploads/${name}`, `x,y\n1,${name}\n`);
            }
            const env = (i: number) => ({
                PROCESSOR_MODE: "batch",
                S3_BUCKET: "indexed-job",
                S3_ENDPOINT: s3.endpoint,
                BATCH_SHARD_COUNT: "4",
                JOB_COMPLETION_INDEX: String(i),
                SHARD_ABOVE_BYTES: "10000",
                SHARD_BYTES: String(Math.ceil(big.length / 4)),
            });
            const pods = [0, 1, 2, 3].map((i) => startProcessor(env(i)));
            const runs = await Promise.all(pods.map((p) => p.done));
            assert.deepEqual(runs.map((r) => r.code), [0, 0, 0, 0], runs.map((r) => r.stderr).join("\n"));
            const summary = JSON.parse((await s3.get("indexed-job", "processed/big.csv.summary.json")) as string) as Record<string, unknown>;
            delete summary.generatedAt;
            delete summary.source;
            assert.deepEqual(summary, JSON.parse(JSON.stringify(await summarizeStream(Readable.from([Buffer.from(big)])))));
            const status = JSON.parse((await s3.get("indexed-job", "status/big.csv.json")) as string) as StatusDocument;
            assert.deepEqual([status.state, status.shards?.total, status.shards?.done], ["succeeded", 4, 4]);
            const merged = runs.flatMap((r) => r.logs).filter((l) => l.msg === "every shard is done: merging");
            assert.equal(merged.length, 1, "one pod merged");
            for (const name of ["a.csv", "b.csv", "c.csv"]) {
                const processedBy = runs.filter((r) => r.logs.some((l) => l.msg === "batch file" && l.key === `uploads/${name}` && l.outcome === "succeeded"));
                assert.equal(processedBy.length, 1, `${name}: one pod`);
            }
            const left = await s3.client.send(new ListObjectsV2Command({ Bucket: "indexed-job", Prefix: "partials/" }));
            assert.equal(left.KeyCount ?? 0, 0);
        } finally {
            await s3.close();
        }
    });
});

describe("byte-range shards in the deployed stack", function () {
    this.timeout(120000);

    for (const stack of ["dev", "prod"]) {
        it(`${stack} with processor.shardAboveBytes: both policy packs find nothing more than without it, and the task gets its placement`, async () => {
            const findings = async (config: Record<string, string>) => {
                const run = await runProgram({ stack, config });
                return { resources: run.resources, findings: (await evaluatePacks([...PACKS], run.resources)).map((f) => `${f.enforcementLevel} ${f.policy} ${f.resourceName}`) };
            };
            const plain = await findings(stackConfig(stack));
            const sharded = await findings({ ...stackConfig(stack), [`${PROJECT}:processor`]: JSON.stringify({ shardAboveBytes: 10 * 2 ** 30, maxShards: 8 }) });
            assert.deepEqual(sharded.findings, plain.findings);
            assert.ok(!sharded.findings.some((f) => f.startsWith("mandatory")), sharded.findings.join("\n"));
            const taskDef = sharded.resources.find((r) => r.type === "aws:ecs/taskDefinition:TaskDefinition" && r.name === "processor-task");
            const env = Object.fromEntries((JSON.parse(String(taskDef?.inputs.containerDefinitions))[0].environment as { name: string; value: string }[]).map((e) => [e.name, e.value]));
            assert.deepEqual([env.SHARD_ABOVE_BYTES, env.SHARD_BYTES, env.SHARD_MAX, env.S3_PARTIALS_PREFIX], [String(10 * 2 ** 30), String(2 ** 30), "8", "partials/"]);
            assert.match(env.SHARD_CAPACITY_PROVIDERS, /^FARGATE(_SPOT)?:\d+:\d+(,FARGATE(_SPOT)?:\d+:\d+)?$/);
            assert.ok(env.SHARD_SUBNETS.length > 0 && env.SHARD_ASSIGN_PUBLIC_IP === "true", JSON.stringify(env));
        });
    }

    it("kubernetes with job.shards: every pod gets the sharding variables, the pods' role the partials but no RunTask or PassRole, packs pass", async () => {
        const config = {
            ...stackConfig("dev"),
            [`${PROJECT}:processor`]: JSON.stringify({ shardAboveBytes: 10 * 2 ** 30 }),
            [`${PROJECT}:kubernetes`]: JSON.stringify({
                cluster: { existing: { oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC", oidcProviderUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC" } },
                job: { shards: 4 },
            }),
            [`${PROJECT}:kubeconfig`]: "apiVersion: v1\nkind: Config\n",
        };
        const run = await runProgram({ stack: "k8s", config, secretKeys: [`${PROJECT}:kubeconfig`] });
        const job = run.recorder.one("kubernetes:batch/v1:Job").inputs;
        const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: { name: string; value: string }) => [e.name, e.value]));
        assert.deepEqual([env.BATCH_SHARD_COUNT, env.SHARD_ABOVE_BYTES, env.S3_PARTIALS_PREFIX, env.SHARD_SUBNETS], ["4", String(10 * 2 ** 30), "partials/", undefined]);
        const policy = parseDoc(run.recorder.ofType("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === "kubernetes-policy")!.inputs.policy) as { Statement: { Sid?: string; Action: string | string[] }[] };
        const sids = policy.Statement.map((st) => st.Sid);
        assert.ok(sids.includes("ShardPartials") && sids.includes("ListShardPartials"), sids.join(", "));
        assert.ok(!policy.Statement.some((st) => [st.Action].flat().some((a) => a.startsWith("ecs:") || a.startsWith("iam:"))), JSON.stringify(policy));
        const findings = await evaluatePacks([...PACKS], run.resources);
        assert.deepEqual(findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}`), []);
    });
});

