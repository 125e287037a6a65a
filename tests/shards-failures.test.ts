/**
 * Byte-range shards on the local pipeline when things go wrong: a shard killed without a word, the coordinator
 * stopped or killed, a shard failing every attempt, a duplicate event while the shards run (docs/sharding.md).
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { LocalPipeline, PipelineEvent } from "../app/src/local/pipeline";
import { readJson } from "../app/src/processor/s3";
import type { StatusDocument } from "../app/src/processor/status";
import { until } from "./support/processor";
import { RANGE_COMMAND, listKeys, totalsFile, withPipeline } from "./support/shards";

describe("byte-range shards on the local pipeline: failures", function () {
    this.timeout(300000);

    it("a shard killed mid-run (no word, no heartbeat) is run again; the merge still counts every row once", async () => {
        const file = totalsFile(8000);
        const env = { SHARD_ABOVE_BYTES: "1000", SHARD_MAX: "4", SHARD_BYTES: "1000", COMMAND_ACCEPTS_RANGE: "true", SHARD_STALE_MS: "4000", RANGE_TOTALS_SLOW: "2.1", RANGE_TOTALS_SLOW_MS: "30000" };
        await withPipeline(env, RANGE_COMMAND, async (pipeline, events, logs) => {
            await pipeline.upload("uploads/killed.csv", file.text);
            // Shard 2's first attempt runs its command (which sleeps): kill the task and its command without warning.
            const commandOf21 = () => logs.find((l) => l.msg === "command started" && l.shard === 2 && l.attempt === 1);
            await until(() => commandOf21() !== undefined, "shard 2 running its command");
            const task = events.find((e) => e.type === "shard-started" && e.shard === 2 && e.attempt === 1) as Extract<PipelineEvent, { type: "shard-started" }>;
            process.kill(task.pid as number, "SIGKILL");
            process.kill(-(commandOf21()?.pid as number), "SIGKILL");
            await pipeline.waitIdle();
            const totals = await readJson<{ rows: number; sum: string }>(pipeline.s3.client, pipeline.bucket, "processed/killed.csv/totals.json");
            assert.deepEqual(totals, { rows: file.rows, sum: file.sum });
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/killed.csv.json");
            assert.equal(status?.state, "succeeded");
            // At least the killed attempt failed (on a loaded machine a slow heartbeat may count as lost too: it is run again, harmlessly).
            assert.deepEqual([status?.shards?.total, status?.shards?.done, status?.shards?.rows], [4, 4, file.rows]);
            assert.ok((status?.shards?.failed ?? 0) >= 1);
            const shard2 = events.filter((e) => e.type === "shard-exited" && e.shard === 2) as Extract<PipelineEvent, { type: "shard-exited" }>[];
            assert.deepEqual([shard2[0].attempt, shard2[0].signal], [1, "SIGKILL"]);
            assert.ok(shard2.some((e) => e.attempt > 1 && e.exitCode === 0), JSON.stringify(shard2));
            assert.deepEqual(await listKeys(pipeline, "partials/"), []);
        });
    });

    it("the coordinator stopped by SIGTERM (a Spot interruption) orphans nothing: its shard runs again in a new task, and a shard merges", async () => {
        const file = totalsFile(8000);
        const env = { SHARD_ABOVE_BYTES: "1000", SHARD_MAX: "4", SHARD_BYTES: "1000", COMMAND_ACCEPTS_RANGE: "true", RANGE_TOTALS_SLOW: "0.1", RANGE_TOTALS_SLOW_MS: "30000" };
        const events: PipelineEvent[] = [];
        const logs: Record<string, unknown>[] = [];
        const pipeline = await LocalPipeline.start({ concurrency: 1, runner: "process", command: RANGE_COMMAND, environment: env, onEvent: (e) => events.push(e), onLog: (_k, l) => logs.push(l) });
        try {
            await pipeline.upload("uploads/spot.csv", file.text);
            await until(() => logs.some((l) => l.msg === "command started" && l.shard === 0 && l.attempt === 1), "the coordinator running its own shard");
            await until(() => events.filter((e) => e.type === "shard-exited").length === 3, "shards 1–3 done");
            const shardPids = new Set(events.flatMap((e) => (e.type === "shard-started" && e.pid !== undefined ? [e.pid] : [])));
            const children = fs.readdirSync(path.join(pipeline.dataDir, "state", "children")).map(Number).filter((pid) => !shardPids.has(pid));
            assert.equal(children.length, 1, `the coordinator's process among ${children.join(", ")}`);
            process.kill(children[0], "SIGTERM");
            await pipeline.waitIdle();
            assert.ok(events.some((e) => e.type === "interrupted" && e.key === "uploads/spot.csv"), "the coordinator's task was interrupted");
            assert.ok(events.some((e) => e.type === "shard-started" && e.shard === 0 && e.attempt === 2), "shard 0 ran again as its own task");
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/spot.csv.json");
            assert.deepEqual([status?.state, status?.shards?.done, status?.shards?.failed], ["succeeded", 4, 1]);
            assert.deepEqual(await readJson(pipeline.s3.client, pipeline.bucket, "processed/spot.csv/totals.json"), { rows: file.rows, sum: file.sum });
        } finally {
            await pipeline.stop();
        }
    });

    it("the coordinator killed without a word (SIGKILL): the run of the re-queued event starts nothing new, watches, and runs the dead shard again", async () => {
        const file = totalsFile(8000);
        const env = { SHARD_ABOVE_BYTES: "1000", SHARD_MAX: "4", SHARD_BYTES: "1000", COMMAND_ACCEPTS_RANGE: "true", SHARD_STALE_MS: "3000", RANGE_TOTALS_SLOW: "0.1", RANGE_TOTALS_SLOW_MS: "30000" };
        const events: PipelineEvent[] = [];
        const logs: Record<string, unknown>[] = [];
        const pipeline = await LocalPipeline.start({ concurrency: 1, runner: "process", command: RANGE_COMMAND, environment: env, onEvent: (e) => events.push(e), onLog: (_k, l) => logs.push(l) });
        try {
            await pipeline.upload("uploads/lost.csv", file.text);
            const command = () => logs.find((l) => l.msg === "command started" && l.shard === 0 && l.attempt === 1);
            await until(() => command() !== undefined, "the coordinator running its own shard");
            await until(() => events.filter((e) => e.type === "shard-exited").length === 3, "shards 1–3 done");
            const shardPids = new Set(events.flatMap((e) => (e.type === "shard-started" && e.pid !== undefined ? [e.pid] : [])));
            const [coordinator] = fs.readdirSync(path.join(pipeline.dataDir, "state", "children")).map(Number).filter((pid) => !shardPids.has(pid));
            process.kill(coordinator, "SIGKILL");
            process.kill(-(command()?.pid as number), "SIGKILL");
            await pipeline.waitIdle();
            assert.ok(events.some((e) => e.type === "requeued" && e.key === "uploads/lost.csv"), "the pipeline ran the event again");
            assert.ok(logs.some((l) => typeof l.msg === "string" && l.msg.includes("starts nothing and watches it")));
            assert.deepEqual(
                events.filter((e) => e.type === "shard-started").map((e) => `${(e as { shard: number }).shard}.${(e as { attempt: number }).attempt}`).sort(),
                ["0.2", "1.1", "2.1", "3.1"],
            );
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/lost.csv.json");
            assert.deepEqual([status?.state, status?.shards?.done], ["succeeded", 4]);
            assert.deepEqual(await readJson(pipeline.s3.client, pipeline.bucket, "processed/lost.csv/totals.json"), { rows: file.rows, sum: file.sum });
        } finally {
            await pipeline.stop();
        }
    });

    /**
     * The coordinator's task is interrupted (SIGTERM: it starts shard 0 again as a task and stops watching), and then
     * shard 2's task dies without a word, so only a watcher can notice it; `killAgain` kills shard 2's second attempt
     * the same way. Returns the run's events, logs and the file's final status.
     */
    async function coordinatorAndShardDie(name: string, file: { text: string }, env: Record<string, string>, killAgain: boolean) {
        const events: PipelineEvent[] = [];
        const logs: Record<string, unknown>[] = [];
        const pipeline = await LocalPipeline.start({ concurrency: 1, runner: "process", command: RANGE_COMMAND, environment: env, onEvent: (e) => events.push(e), onLog: (_k, l) => logs.push(l) });
        try {
            await pipeline.upload(`uploads/${name}`, file.text);
            const commandOf = (shard: number, attempt: number) => logs.find((l) => l.msg === "command started" && l.shard === shard && l.attempt === attempt);
            const killShard = (attempt: number) => {
                const task = events.find((e) => e.type === "shard-started" && e.shard === 2 && e.attempt === attempt) as Extract<PipelineEvent, { type: "shard-started" }>;
                process.kill(task.pid as number, "SIGKILL");
                process.kill(-(commandOf(2, attempt)?.pid as number), "SIGKILL");
            };
            await until(() => commandOf(0, 1) !== undefined && commandOf(2, 1) !== undefined, "shards 0 and 2 running their commands");
            await until(() => events.filter((e) => e.type === "shard-exited").length === 2, "shards 1 and 3 done");
            const shardPids = new Set(events.flatMap((e) => (e.type === "shard-started" && e.pid !== undefined ? [e.pid] : [])));
            const [coordinator] = fs.readdirSync(path.join(pipeline.dataDir, "state", "children")).map(Number).filter((pid) => !shardPids.has(pid));
            process.kill(coordinator, "SIGTERM");
            killShard(1);
            if (killAgain) {
                await until(() => commandOf(2, 2) !== undefined, "shard 2's second attempt running its command");
                killShard(2);
            }
            await pipeline.waitIdle();
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, `status/${name}.json`);
            const totals = await readJson(pipeline.s3.client, pipeline.bucket, `processed/${name}/totals.json`);
            return { events, logs, status, totals, partials: await listKeys(pipeline, "partials/") };
        } finally {
            await pipeline.stop();
        }
    }

    const takeoverEnv = { SHARD_ABOVE_BYTES: "1000", SHARD_MAX: "4", SHARD_BYTES: "1000", COMMAND_ACCEPTS_RANGE: "true", SHARD_STALE_MS: "5000", RANGE_TOTALS_SLOW_MS: "30000" };
    const tookOver = (logs: Record<string, unknown>[]) => logs.filter((l) => l.msg === "no heartbeat from the shards' watcher: this shard takes the watch over").map((l) => [l.shard, l.attempt, l.generation]);
    const started = (events: PipelineEvent[]) => events.filter((e) => e.type === "shard-started").map((e) => `${(e as { shard: number }).shard}.${(e as { attempt: number }).attempt}`).sort();

    it("the coordinator stopped (Spot) and then a shard killed without a word: a shard still running takes the watch over when it finishes, runs the dead shard again, and the file succeeds", async () => {
        const file = totalsFile(8000);
        const run = await coordinatorAndShardDie("orphan.csv", file, { ...takeoverEnv, RANGE_TOTALS_SLOW: "0.1,2.1" }, false);
        assert.ok(!run.events.some((e) => e.type === "requeued"), "no event ran again: the shards recovered on their own");
        assert.deepEqual(tookOver(run.logs), [[0, 2, 1]], "shard 0's new task took the watch over, once");
        assert.deepEqual(started(run.events), ["0.2", "1.1", "2.1", "2.2", "3.1"]);
        assert.deepEqual([run.status?.state, run.status?.shards?.done, run.status?.shards?.failed], ["succeeded", 4, 2]);
        assert.deepEqual(run.totals, { rows: file.rows, sum: file.sum });
        assert.deepEqual(run.partials, []);
    });

    it("the coordinator stopped and a shard dying on every attempt: the shard that took the watch over fails the file, naming the shard", async () => {
        const file = totalsFile(8000);
        const run = await coordinatorAndShardDie("lost-twice.csv", file, { ...takeoverEnv, SHARD_MAX_ATTEMPTS: "2", RANGE_TOTALS_SLOW: "0.1,2.1,2.2" }, true);
        assert.deepEqual(tookOver(run.logs), [[0, 2, 1]]);
        assert.deepEqual(started(run.events), ["0.2", "1.1", "2.1", "2.2", "3.1"]);
        assert.equal(run.status?.state, "failed");
        assert.equal(run.status?.error?.class, "ShardFailed:ShardLost");
        assert.match(run.status?.error?.message ?? "", /^shard 2 of 4 \(bytes \d+–\d+\) failed 2 times; the last: no heartbeat for 5000 ms/);
        assert.equal(run.totals, undefined, "no output");
        const watcher = run.events.find((e) => e.type === "shard-exited" && e.shard === 0 && e.attempt === 2) as Extract<PipelineEvent, { type: "shard-exited" }> | undefined;
        assert.notEqual(watcher?.exitCode, 0, "the task that failed the file exits non-zero, so the task-stopped alert names it");
    });

    it("a shard that fails every attempt fails the file after SHARD_MAX_ATTEMPTS, naming the shard and the reason", async () => {
        const file = totalsFile(4000);
        const env = { SHARD_ABOVE_BYTES: "1000", SHARD_MAX: "4", SHARD_BYTES: "1000", COMMAND_ACCEPTS_RANGE: "true", SHARD_MAX_ATTEMPTS: "2", RANGE_TOTALS_FAIL: "1" };
        await withPipeline(env, RANGE_COMMAND, async (pipeline, events) => {
            await pipeline.upload("uploads/doomed.csv", file.text);
            await pipeline.waitIdle();
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/doomed.csv.json");
            assert.equal(status?.state, "failed");
            assert.equal(status?.error?.class, "ShardFailed:CommandFailed:exit");
            assert.match(status?.error?.message ?? "", /^shard 1 of 4 \(bytes \d+–\d+\) failed 2 times; the last: the command exited 3: cannot total the range of shard 1$/);
            assert.equal(status?.shards?.failed, 2);
            assert.deepEqual(events.filter((e) => e.type === "shard-started" && e.shard === 1).map((e) => (e as { attempt: number }).attempt), [1, 2]);
            const failed = events.find((e) => e.type === "failed") as Extract<PipelineEvent, { type: "failed" }> | undefined;
            assert.equal(failed?.key, "uploads/doomed.csv", "the coordinator's task fails, so the alert fires");
            assert.equal(await readJson(pipeline.s3.client, pipeline.bucket, "processed/doomed.csv/totals.json"), undefined, "no output");
        });
    });

    it("a duplicate event for the same ETag while the shards run starts nothing new; the status shows progress", async () => {
        const file = totalsFile(8000);
        const env = { SHARD_ABOVE_BYTES: "1000", SHARD_MAX: "4", SHARD_BYTES: "1000", COMMAND_ACCEPTS_RANGE: "true", SHARD_STALE_MS: "60000", RANGE_TOTALS_SLOW: "3.1", RANGE_TOTALS_SLOW_MS: "8000" };
        await withPipeline(env, RANGE_COMMAND, async (pipeline, events, logs) => {
            await pipeline.upload("uploads/twice.csv", file.text);
            await until(() => events.some((e) => e.type === "shard-started" && e.shard === 3), "shard 3 started");
            // The same bytes again: S3 sends another event with the same ETag.
            await pipeline.upload("uploads/twice.csv", file.text);
            let progress: StatusDocument | undefined;
            await until(() => logs.some((l) => typeof l.msg === "string" && l.msg.includes("this duplicate event starts nothing")), "the duplicate seen");
            for (let i = 0; i < 100 && !(progress?.shards && progress.shards.done === 3); i++) {
                progress = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/twice.csv.json");
                await new Promise((r) => setTimeout(r, 100));
            }
            assert.equal(progress?.state, "running");
            assert.equal(progress?.shards?.total, 4);
            assert.equal(progress?.shards?.done, 3);
            assert.ok((progress?.shards?.rows ?? 0) > 0 && (progress?.shards?.rows ?? 0) < file.rows, `rows so far: ${progress?.shards?.rows}`);
            await pipeline.waitIdle();
            assert.equal(events.filter((e) => e.type === "skipped").length, 1, "the duplicate ends without processing");
            assert.equal(events.filter((e) => e.type === "shard-started").length, 3, "shards 1–3, once each");
            const totals = await readJson<{ rows: number; sum: string }>(pipeline.s3.client, pipeline.bucket, "processed/twice.csv/totals.json");
            assert.deepEqual(totals, { rows: file.rows, sum: file.sum });
            const status = await readJson<StatusDocument>(pipeline.s3.client, pipeline.bucket, "status/twice.csv.json");
            assert.deepEqual([status?.state, status?.shards?.done], ["succeeded", 4]);
        });
    });
});
