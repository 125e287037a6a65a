import { strict as assert } from "assert";
import * as os from "os";
import { candidateKeys, defaultCommandGraceMs, readShardConfig, readBatchConfig, readConfig, readMode, readSettings, readWorkerConfig, relativeName } from "../app/src/processor/config";
import { ExitCode, ProcessorError } from "../app/src/processor/exit-codes";
import { commandOutputKey, statusKey, summaryKey } from "../app/src/processor/status";

const BASE = { S3_BUCKET: "b", S3_KEY: "uploads/a.csv" };

function configError(env: Record<string, string>, message: string, read: (env: Record<string, string>) => unknown = readConfig): void {
    assert.throws(
        () => read(env),
        (e: unknown) => e instanceof ProcessorError && e.exitCode === ExitCode.CONFIG && e.message === message,
        `expected: ${message}`,
    );
}

describe("processor settings", () => {
    it("reads the rule's variables with the pipeline's defaults", () => {
        const c = readConfig({ ...BASE, S3_OBJECT_SIZE: "12", S3_OBJECT_ETAG: '"abc"', S3_EVENT_TIME: "2026-11-23T10:00:00Z", S3_EVENT_ID: "e1" });
        assert.deepEqual(
            [c.bucket, c.key, c.size, c.etag, c.eventId, c.uploadPrefix, c.outputPrefix, c.statusPrefix, c.region, c.endpoint, c.forcePathStyle, c.shutdownGraceMs],
            ["b", "uploads/a.csv", 12, "abc", "e1", "uploads/", "processed/", "status/", "us-east-1", undefined, false, 20000],
        );
    });

    it("uses path-style addressing with a custom endpoint, and reads summary overrides", () => {
        const c = readConfig({ ...BASE, S3_ENDPOINT: "http://127.0.0.1:9000", SUMMARY_FORMAT: "tsv", SUMMARY_DELIMITER: "\\t", SUMMARY_HEADER: "false", SUMMARY_QUOTES: "true", MAX_LINE_BYTES: "4096", SUMMARY_PARALLELISM: "2" });
        assert.equal(c.forcePathStyle, true);
        assert.deepEqual(c.summary, { format: "tsv", delimiter: "\t", header: false, quotes: true, maxLineBytes: 4096, parallelism: 2 });
        assert.equal(readConfig(BASE).summary.parallelism, 1);
        assert.deepEqual(readConfig({ ...BASE, SUMMARY_S3_PART_BYTES: "1048576", SUMMARY_S3_CONCURRENCY: "8" }).rangedRead, { partBytes: 1048576, concurrency: 8 });
        assert.deepEqual(readConfig(BASE).rangedRead, { partBytes: undefined, concurrency: undefined });
    });

    it("rejects each missing or invalid setting, naming the variable and what is allowed", () => {
        configError({ S3_KEY: "uploads/a.csv" }, "S3_BUCKET is not set; the upload rule sets it for each file (for a local run: S3_BUCKET=… npm run …)");
        configError({ S3_BUCKET: "b" }, "S3_KEY is not set; the upload rule sets it for each file (for a local run: S3_KEY=… npm run …)");
        configError({ ...BASE, S3_OBJECT_SIZE: "-1" }, `S3_OBJECT_SIZE: "-1" is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
        configError({ ...BASE, S3_ENDPOINT: "localhost:9000" }, 'S3_ENDPOINT: "localhost:9000" is not an http(s) URL such as http://127.0.0.1:4566');
        configError({ ...BASE, SUMMARY_FORMAT: "xml" }, 'SUMMARY_FORMAT: "xml" is not one of auto, csv, tsv, jsonl');
        configError({ ...BASE, SUMMARY_DELIMITER: ";;" }, 'SUMMARY_DELIMITER: ";;" is not a single character (use \\t for a tab)');
        configError({ ...BASE, SUMMARY_PARALLELISM: "0" }, 'SUMMARY_PARALLELISM: "0" is not a whole number from 1 to 16');
        configError({ ...BASE, SUMMARY_HEADER: "yes" }, 'SUMMARY_HEADER: "yes" is not true or false');
        configError({ ...BASE, SUMMARY_S3_PART_BYTES: "1000" }, 'SUMMARY_S3_PART_BYTES: "1000" is not a whole number from 65536 to 268435456');
        configError({ ...BASE, SUMMARY_S3_CONCURRENCY: "0" }, 'SUMMARY_S3_CONCURRENCY: "0" is not a whole number from 1 to 64');
        configError({ ...BASE, SUMMARY_QUOTES: "1" }, 'SUMMARY_QUOTES: "1" is not true or false');
        configError({ ...BASE, S3_EVENT_TIME: "yesterday" }, 'S3_EVENT_TIME: "yesterday" is not an ISO-8601 time');
        configError({ ...BASE, S3_STATUS_PREFIX: "uploads/status/" }, 'S3_STATUS_PREFIX: "uploads/status/" overlaps S3_UPLOAD_PREFIX "uploads/"; the processor\'s writes would trigger it again');
        configError({ ...BASE, S3_KEY: "other/a.csv" }, 'S3_KEY: "other/a.csv" is not a file under the upload prefix "uploads/"');
        configError({ ...BASE, S3_KEY: "uploads/" }, 'S3_KEY: "uploads/" is not a file under the upload prefix "uploads/"');
    });

    it("reads the job settings: the scratch folder, stdin for a command, and its grace period below the shutdown grace", () => {
        const c = readConfig(BASE);
        assert.deepEqual([c.scratchDir, c.commandStdin, c.commandGraceMs], [process.env.TMPDIR || os.tmpdir(), false, 15000]);
        assert.equal(readConfig({ ...BASE, TMPDIR: "/scratch" }).scratchDir, "/scratch");
        assert.equal(readConfig({ ...BASE, TMPDIR: "/scratch", SCRATCH_DIR: "/big" }).scratchDir, "/big");
        const set = readConfig({ ...BASE, COMMAND_STDIN: "true", SHUTDOWN_GRACE_MS: "55000", COMMAND_GRACE_MS: "30000" });
        assert.deepEqual([set.commandStdin, set.commandGraceMs], [true, 30000]);
        // Derived from the task's stopTimeout: 60 s → SHUTDOWN_GRACE_MS 55000 → 50 s for the command.
        assert.equal(readConfig({ ...BASE, SHUTDOWN_GRACE_MS: "55000" }).commandGraceMs, 50000);
        assert.deepEqual([defaultCommandGraceMs(55000), defaultCommandGraceMs(6000), defaultCommandGraceMs(1000), defaultCommandGraceMs(0)], [50000, 3000, 500, 0]);
        configError({ ...BASE, SHUTDOWN_GRACE_MS: "10000", COMMAND_GRACE_MS: "10000" }, "COMMAND_GRACE_MS: 10000 is not below SHUTDOWN_GRACE_MS (10000); the processor needs time after killing the command to record interrupted");
        configError({ ...BASE, COMMAND_GRACE_MS: "-1" }, 'COMMAND_GRACE_MS: "-1" is not a whole number from 0 to 115000');
        configError({ ...BASE, COMMAND_STDIN: "1" }, 'COMMAND_STDIN: "1" is not true or false');
        configError({ ...BASE, SCRATCH_DIR: "scratch" }, 'SCRATCH_DIR: "scratch" is not an absolute path (the task\'s scratch volume, e.g. /tmp)');
        configError({ ...BASE, TMPDIR: "tmp" }, 'TMPDIR: "tmp" is not an absolute path (the task\'s scratch volume, e.g. /tmp)');
    });

    it("never changes the environment object it reads", () => {
        const env = { ...BASE, S3_OBJECT_ETAG: '"x"' };
        readConfig(env);
        assert.deepEqual(env, { ...BASE, S3_OBJECT_ETAG: '"x"' });
    });
});

describe("processor settings: byte-range shards", () => {
    const read = (env: Record<string, string>) => readShardConfig(env, "uploads/", "processed/", "status/");

    it("is off by default, with 1 GiB shards, at most 16, 3 attempts and the partials under partials/", () => {
        const c = readConfig(BASE).shard;
        assert.deepEqual(c, {
            aboveBytes: undefined,
            shardBytes: 2 ** 30,
            maxShards: 16,
            maxAttempts: 3,
            staleMs: 600000,
            partialsPrefix: "partials/",
            commandAcceptsRange: false,
            ecsEndpoint: undefined,
            subnets: [],
            securityGroups: [],
            assignPublicIp: false,
            capacityProviders: [],
            role: undefined,
        });
    });

    it("reads the coordinator's placement and a shard task's role", () => {
        const c = read({ SHARD_ABOVE_BYTES: "100", SHARD_SUBNETS: "subnet-a, subnet-b", SHARD_SECURITY_GROUPS: "sg-1", SHARD_ASSIGN_PUBLIC_IP: "true", SHARD_CAPACITY_PROVIDERS: "FARGATE:1:2,FARGATE_SPOT:3" });
        assert.deepEqual([c.aboveBytes, c.subnets, c.securityGroups, c.assignPublicIp], [100, ["subnet-a", "subnet-b"], ["sg-1"], true]);
        assert.deepEqual(c.capacityProviders, [{ capacityProvider: "FARGATE", weight: 1, base: 2 }, { capacityProvider: "FARGATE_SPOT", weight: 3, base: 0 }]);
        assert.deepEqual(read({ SHARD_INDEX: "2", SHARD_COUNT: "4", SHARD_ETAG: '"e1"', SHARD_ATTEMPT: "2" }).role, { index: 2, count: 4, etag: "e1", attempt: 2 });
    });

    it("rejects each invalid setting, naming the variable and what is allowed", () => {
        const bad = (env: Record<string, string>, message: string) => configError({ ...BASE, ...env }, message);
        bad({ SHARD_ABOVE_BYTES: "ten" }, `SHARD_ABOVE_BYTES: "ten" is not a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
        bad({ SHARD_MAX: "1" }, 'SHARD_MAX: "1" is not a whole number from 2 to 10000');
        bad({ SHARD_CAPACITY_PROVIDERS: "FARGATE" }, 'SHARD_CAPACITY_PROVIDERS: "FARGATE" is not name:weight or name:weight:base, such as FARGATE:1,FARGATE_SPOT:3');
        bad({ S3_PARTIALS_PREFIX: "processed/partials/" }, 'S3_PARTIALS_PREFIX: "processed/partials/" overlaps S3_OUTPUT_PREFIX "processed/"; give the partials their own prefix such as partials/');
        bad({ SHARD_INDEX: "1" }, "SHARD_COUNT is not set; a shard task needs SHARD_INDEX, SHARD_COUNT and SHARD_ETAG (its coordinator sets them)");
        bad({ SHARD_INDEX: "4", SHARD_COUNT: "4", SHARD_ETAG: "e" }, 'SHARD_INDEX: "4" is not a whole number from 0 to 3 (SHARD_COUNT is 4)');
        bad({ SHARD_INDEX: "1", SHARD_COUNT: "4" }, "SHARD_ETAG is not set; a shard task needs SHARD_INDEX, SHARD_COUNT and SHARD_ETAG (its coordinator sets them)");
        bad({ ECS_ENDPOINT: "ecs.local" }, 'ECS_ENDPOINT: "ecs.local" is not an http(s) URL such as http://127.0.0.1:4566');
    });
});

describe("processor modes", () => {
    const BATCH = { PROCESSOR_MODE: "batch", S3_BUCKET: "b" };
    const QUEUE = "https://sqs.us-east-1.amazonaws.com/123456789012/uploads";
    const WORKER = { PROCESSOR_MODE: "worker", S3_BUCKET: "b", SQS_QUEUE_URL: QUEUE };

    it("is event mode unless PROCESSOR_MODE says otherwise, and rejects other values naming the allowed ones", () => {
        assert.equal(readMode({}), "event");
        assert.equal(readMode({ PROCESSOR_MODE: "" }), "event");
        assert.deepEqual(readSettings(BASE), { mode: "event", config: readConfig(BASE) });
        assert.deepEqual(readSettings({ ...BASE, PROCESSOR_MODE: "event" }).config, readConfig(BASE));
        assert.equal(readSettings(BATCH).mode, "batch");
        assert.equal(readSettings(WORKER).mode, "worker");
        configError({ ...BASE, PROCESSOR_MODE: "Batch" }, 'PROCESSOR_MODE: "Batch" is not one of event, batch, worker (unset means event)', readSettings);
    });

    it("batch: every key, no limit, one shard, pages of 1000, and the shared defaults", () => {
        const c = readBatchConfig(BATCH);
        assert.deepEqual(
            [c.bucket, c.keySuffixes, c.maxFiles, c.shardCount, c.shardIndex, c.listPageSize, c.uploadPrefix, c.outputPrefix, c.statusPrefix, c.shutdownGraceMs],
            ["b", [], undefined, 1, 0, 1000, "uploads/", "processed/", "status/", 20000],
        );
    });

    it("batch: reads suffixes, the limit and the shard; BATCH_SHARD_INDEX, else Kubernetes' JOB_COMPLETION_INDEX", () => {
        const c = readBatchConfig({ ...BATCH, BATCH_KEY_SUFFIXES: " .csv, .csv.gz ,", BATCH_MAX_FILES: "50", BATCH_SHARD_COUNT: "4", JOB_COMPLETION_INDEX: "3", BATCH_LIST_PAGE_SIZE: "10" });
        assert.deepEqual([c.keySuffixes, c.maxFiles, c.shardCount, c.shardIndex, c.listPageSize], [[".csv", ".csv.gz"], 50, 4, 3, 10]);
        assert.equal(readBatchConfig({ ...BATCH, BATCH_SHARD_COUNT: "4", JOB_COMPLETION_INDEX: "3", BATCH_SHARD_INDEX: "1" }).shardIndex, 1);
        assert.equal(readBatchConfig({ ...BATCH, JOB_COMPLETION_INDEX: "0" }).shardIndex, 0);
    });

    it("batch: rejects each invalid setting, naming the variable and what is allowed", () => {
        const batchError = (env: Record<string, string>, message: string) => configError({ ...BATCH, ...env }, message, readSettings);
        configError({ PROCESSOR_MODE: "batch" }, "S3_BUCKET is not set; batch mode needs the bucket whose upload prefix it processes", readSettings);
        batchError({ S3_KEY: "uploads/a.csv" }, 'S3_KEY: "uploads/a.csv" is set, but batch mode processes every file under S3_UPLOAD_PREFIX; unset S3_KEY, or set PROCESSOR_MODE=event to process one file');
        batchError({ BATCH_KEY_SUFFIXES: " , " }, 'BATCH_KEY_SUFFIXES: " , " names no suffix; use a comma-separated list such as .csv,.csv.gz, or leave it unset for every key');
        batchError({ BATCH_MAX_FILES: "0" }, `BATCH_MAX_FILES: "0" is not a whole number from 1 to ${Number.MAX_SAFE_INTEGER}`);
        batchError({ BATCH_SHARD_COUNT: "0" }, 'BATCH_SHARD_COUNT: "0" is not a whole number from 1 to 100000');
        batchError({ BATCH_SHARD_COUNT: "2", BATCH_SHARD_INDEX: "2" }, 'BATCH_SHARD_INDEX: "2" is not a whole number from 0 to 1 (BATCH_SHARD_COUNT is 2)');
        batchError({ BATCH_SHARD_INDEX: "-1" }, 'BATCH_SHARD_INDEX: "-1" is not a whole number from 0 to 0 (BATCH_SHARD_COUNT is 1)');
        batchError({ JOB_COMPLETION_INDEX: "3" }, 'JOB_COMPLETION_INDEX: "3" is not a whole number from 0 to 0 (BATCH_SHARD_COUNT is 1); set BATCH_SHARD_COUNT to the Job\'s completions');
        batchError({ BATCH_SHARD_COUNT: "4" }, "BATCH_SHARD_INDEX is not set; with BATCH_SHARD_COUNT 4 each run needs its shard, 0 to 3 (a Kubernetes Indexed Job sets JOB_COMPLETION_INDEX)");
        batchError({ BATCH_LIST_PAGE_SIZE: "1001" }, 'BATCH_LIST_PAGE_SIZE: "1001" is not a whole number from 1 to 1000');
        batchError({ S3_STATUS_PREFIX: "uploads/status/" }, 'S3_STATUS_PREFIX: "uploads/status/" overlaps S3_UPLOAD_PREFIX "uploads/"; the processor\'s writes would trigger it again');
    });

    it("worker: one message per receive, 20 s long polling, the queue's visibility timeout", () => {
        const c = readWorkerConfig(WORKER);
        assert.deepEqual(
            [c.bucket, c.queueUrl, c.sqsEndpoint, c.maxMessages, c.waitTimeSeconds, c.visibilityTimeoutSeconds, c.uploadPrefix, c.region],
            ["b", QUEUE, undefined, 1, 20, undefined, "uploads/", "us-east-1"],
        );
        const d = readWorkerConfig({ ...WORKER, MAX_MESSAGES: "10", WAIT_TIME_SECONDS: "0", VISIBILITY_TIMEOUT_SECONDS: "900", SQS_ENDPOINT: "http://127.0.0.1:9324" });
        assert.deepEqual([d.maxMessages, d.waitTimeSeconds, d.visibilityTimeoutSeconds, d.sqsEndpoint], [10, 0, 900, "http://127.0.0.1:9324"]);
    });

    it("worker: rejects each missing or invalid setting, naming the variable and what is allowed", () => {
        const workerError = (env: Record<string, string>, message: string) => configError({ ...WORKER, ...env }, message, readSettings);
        configError({ PROCESSOR_MODE: "worker", S3_BUCKET: "b" }, "SQS_QUEUE_URL is not set; worker mode needs the queue it polls, such as https://sqs.us-east-1.amazonaws.com/123456789012/uploads", readSettings);
        configError({ PROCESSOR_MODE: "worker", SQS_QUEUE_URL: QUEUE }, "S3_BUCKET is not set; worker mode needs the one bucket its messages may name", readSettings);
        workerError({ SQS_QUEUE_URL: "uploads" }, 'SQS_QUEUE_URL: "uploads" is not a queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/uploads');
        workerError({ S3_KEY: "uploads/a.csv" }, 'S3_KEY: "uploads/a.csv" is set, but worker mode takes its files from the queue\'s messages; unset S3_KEY, or set PROCESSOR_MODE=event to process one file');
        workerError({ MAX_MESSAGES: "0" }, 'MAX_MESSAGES: "0" is not a whole number from 1 to 10');
        workerError({ MAX_MESSAGES: "11" }, 'MAX_MESSAGES: "11" is not a whole number from 1 to 10');
        workerError({ WAIT_TIME_SECONDS: "21" }, 'WAIT_TIME_SECONDS: "21" is not a whole number from 0 to 20');
        workerError({ VISIBILITY_TIMEOUT_SECONDS: "0" }, 'VISIBILITY_TIMEOUT_SECONDS: "0" is not a whole number from 1 to 43200');
        workerError({ SQS_ENDPOINT: "localhost:9324" }, 'SQS_ENDPOINT: "localhost:9324" is not an http(s) URL such as http://127.0.0.1:9324');
        workerError({ SUMMARY_FORMAT: "xml" }, 'SUMMARY_FORMAT: "xml" is not one of auto, csv, tsv, jsonl');
    });
});

describe("keys", () => {
    it("tries the key as given, then decoded once the way S3 notifications encode keys", () => {
        assert.deepEqual(candidateKeys("uploads/a.csv"), ["uploads/a.csv"]);
        assert.deepEqual(candidateKeys("uploads/a+b.csv"), ["uploads/a+b.csv", "uploads/a b.csv"]);
        assert.deepEqual(candidateKeys("uploads/%C3%BC%2B.csv"), ["uploads/%C3%BC%2B.csv", "uploads/ü+.csv"]);
        assert.deepEqual(candidateKeys("uploads/100%252B.csv"), ["uploads/100%252B.csv", "uploads/100%2B.csv"]);
        assert.deepEqual(candidateKeys("uploads/bad%zz.csv"), ["uploads/bad%zz.csv"]);
    });

    it("puts outputs and status documents at the same relative name under their prefixes", () => {
        const rel = relativeName("uploads/2026/11/day one.csv", "uploads/");
        assert.equal(rel, "2026/11/day one.csv");
        assert.equal(summaryKey("processed/", rel), "processed/2026/11/day one.csv.summary.json");
        assert.equal(statusKey("status/", rel), "status/2026/11/day one.csv.json");
        assert.equal(commandOutputKey("processed/", rel, "charts/by region.png"), "processed/2026/11/day one.csv/charts/by region.png");
    });
});
