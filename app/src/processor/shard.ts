/**
 * Byte-range shards of one large upload (docs/sharding.md). The task the upload rule starts is the
 * coordinator when the file is larger than SHARD_ABOVE_BYTES: it splits the object into
 * `min(SHARD_MAX, ceil(size / SHARD_BYTES))` ranges, starts shards 1..N-1 as tasks of its own task
 * definition (launcher.ts), processes shard 0 itself, and watches the others until the file has a
 * final status. Each shard processes the records that START in its range and writes a partial
 * result; the last shard to finish merges them into the one output, writes the final status and
 * deletes the partials.
 *
 * Everything shards share lives under `<S3_PARTIALS_PREFIX><name>/<etag>/`:
 *
 *   plan.json             created once (If-None-Match: *) by the coordinator: the ranges, the
 *                         shards' environment, the status document's start. A second event for the
 *                         same ETag cannot create it, so it starts nothing.
 *   launch/<i>.<a>        created once before attempt a of shard i is started: one start per attempt,
 *                         whoever asks (coordinator, a failing shard, the watchdog).
 *   running/<i>.<a>.json  the heartbeat of attempt a, rewritten every SHARD_STALE_MS / 4.
 *   <i>.json              shard i's partial result (the same bytes whoever writes them: same range,
 *                         same ETag).
 *   done/<i>.json         created once when shard i's partial is written: its row count.
 *   failed/<i>.<a>.json   created once when attempt a failed: the reason. Whoever creates it starts
 *                         attempt a+1, or, after SHARD_MAX_ATTEMPTS, fails the file naming the shard.
 *   merge.json            created once by the shard that merges.
 *   watch/<g>.json        created once by the shards' watcher of generation g: 0 the coordinator, 1, 2,
 *                         … a shard task that took the watch over (ShardedFile.standBy).
 *   watching/<g>.json     the heartbeat of watcher g, rewritten every watcherBeatMs.
 *
 * Why exactly one merge happens, under any interleaving, retries and duplicates. Each shard writes
 * its partial, then creates its done marker, then lists the done markers. S3 is strongly
 * consistent (shard-store.ts): a listing started after a PUT completed shows it. Take the done
 * marker whose PUT completed last; every other marker completed before it, so the listing its
 * writer starts afterwards shows all N. Hence at least one shard sees all N (no merge is lost). Two
 * or more may see all N when they finish together, or a retried shard may finish again; the merge
 * itself is claimed with a create-once write of merge.json, which exactly one caller wins (S3
 * answers 412 to the others). The partials it reads exist: each was written before its done marker.
 * Create-once holds only while the key exists, and the merge ends by deleting everything under the
 * base, merge.json included: a shard that listed all N before that deletion and claims after it
 * creates merge.json again. So the winner first reads the status and the plan (ShardedFile.claimed):
 * the merge wrote the final status before deleting anything, so a late winner sees it and stands
 * down instead of merging partials that are gone.
 * A shard retried after its first attempt only looked lost (it was slow, not dead) writes the same
 * partial again and finds its done marker present: harmless.
 *
 * The coordinator is not needed for the merge: any shard can win it, so a coordinator stopped by a
 * Spot interruption orphans nothing (its own shard is recorded failed and started again). It is
 * needed for one thing: a shard that dies without a word (SIGKILL, out of memory, never started)
 * is noticed by its heartbeat going stale while someone watches. The coordinator watches first; a
 * shard task that finishes its range without merging does not exit before it has seen the watcher's
 * heartbeat change, and takes the watch over when it stays unchanged for SHARD_STALE_MS (standBy:
 * one taker per generation, by a create-once lease). So a coordinator stopped (Spot) and a shard
 * dying after it leave the file `running` only when no shard task was still running to finish
 * after them; then the next event for the same ETag (the same bytes uploaded again, an event
 * re-sent) starts nothing new but watches in its place, and until then the task-stopped alert
 * names the dead tasks.
 *
 * Progress: the coordinator rewrites the status document with the shards done and failed and the
 * rows so far, each time with If-Match on the version it wrote last, so it can never overwrite the
 * final status the merge (or a final failure) wrote in between.
 */
import { CommonConfig, FileRef } from "./config";
import { ExitCode, ProcessorError } from "./exit-codes";
import { readJson } from "./s3";
import { createOnce, deletePrefix, getJson, getJsonTagged, putJson, replaceIfUnchanged } from "./shard-store";
import { StatusDocument } from "./status";
import { AbortedError } from "./summarize/types";
import { ShardedFile, finalOutcome, sleep, succeeded, watchIntervalMs } from "./shard-file";
import { Plan, ShardDeps, ShardOutcome, ShardedObject, ShardWork } from "./shard-plan";

export { partialsBase, shardCount, shardRange } from "./shard-plan";
export type { RangeContext, ShardContext, ShardDeps, ShardedObject, ShardOutcome, ShardProgress, ShardWork } from "./shard-plan";

/** What the coordinator and the shards are told about the file. */
export interface ShardedRun {
    config: CommonConfig;
    file: FileRef;
    object: ShardedObject;
    relative: string;
    work: ShardWork;
    deps: ShardDeps;
}

/** The plan of a file's shards, with the variables every shard task gets and the status's start. */
function makePlan(run: ShardedRun, count: number, status: StatusDocument): Plan {
    return {
        count,
        size: run.object.size,
        etag: run.object.etag,
        key: run.object.key,
        maxAttempts: run.config.shard.maxAttempts,
        env: Object.fromEntries(
            Object.entries({
                S3_BUCKET: run.config.bucket,
                S3_KEY: run.object.key,
                S3_OBJECT_SIZE: String(run.object.size),
                S3_OBJECT_ETAG: run.object.etag,
                S3_EVENT_TIME: run.file.eventTime,
                S3_EVENT_ID: run.file.eventId,
                SHARD_COUNT: String(count),
                SHARD_ETAG: run.object.etag,
            }).filter((e): e is [string, string] => e[1] !== undefined),
        ),
        status: { ...status, state: "running", shards: { total: count, done: 0, failed: 0, rows: 0 } },
    };
}

/**
 * Creates plan.json once for this version of the file: "created" by this call, "exists" when another
 * task did (a duplicate event, or another pod of an Indexed Job), "done" when this version has
 * succeeded meanwhile.
 *
 * After a final `failed` status (or an interrupted merge) for this version the file starts over: the
 * task whose write replaces that status with `running` (If-Match on the ETag it read) removes the old
 * plan and partials and creates the plan. Every pod of an Indexed Job run again finds the failed
 * status at once; If-Match lets one of them replace it and answers the others 412
 * (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html), so no task deletes
 * a plan another has just created.
 *
 * The merge deletes plan.json after it has written the final status, so a task that created the plan
 * after that deletion reads `succeeded` now, and takes its plan back.
 */
async function createPlan(f: ShardedFile, run: ShardedRun, plan: Plan): Promise<"created" | "exists" | "done"> {
    const { s3 } = run.deps;
    const bucket = run.config.bucket;
    if (!(await createOnce(s3, bucket, f.key("plan.json"), plan))) {
        const previous = await getJsonTagged<StatusDocument>(s3, bucket, f.statusAt).catch(() => undefined);
        const state = previous?.value.state;
        if (previous === undefined || (state !== "failed" && state !== "interrupted") || previous.value.etag !== plan.etag) {
            return "exists";
        }
        if ((await replaceIfUnchanged(s3, bucket, f.statusAt, previous.etag, plan.status)) === undefined) {
            // Another task is starting the file over.
            return "exists";
        }
        await deletePrefix(s3, bucket, f.base);
        if (!(await createOnce(s3, bucket, f.key("plan.json"), plan))) {
            return "exists";
        }
    }
    if (await succeeded(f, plan.etag)) {
        await deletePrefix(s3, bucket, f.key("plan.json"));
        return "done";
    }
    return "created";
}

/**
 * The plan another task created, or undefined when this version has succeeded meanwhile. While a task
 * starts the file over (its `running` status has replaced the failed one; it deletes the old run's
 * keys, then creates the plan), plan.json is still the old run's, or missing: this waits, up to
 * SHARD_STALE_MS, for the plan whose status start is the one recorded, so that nothing is written for
 * the old run and then deleted.
 */
async function awaitPlan(f: ShardedFile, run: ShardedRun): Promise<Plan | undefined> {
    const { s3, signal } = run.deps;
    const staleMs = run.config.shard.staleMs;
    const since = run.deps.now();
    for (;;) {
        // The status first: a plan read after it is at least as new (S3 reads are strongly consistent).
        const status = await readJson<StatusDocument>(s3, run.config.bucket, f.statusAt);
        if (status?.state === "succeeded" && status.etag === run.object.etag) {
            return undefined;
        }
        const plan = await readJson<Plan>(s3, run.config.bucket, f.key("plan.json"));
        const startingOver = status?.state === "running" && status.etag === run.object.etag && status.startedAt !== plan?.status.startedAt;
        if (plan !== undefined && !startingOver) {
            return plan;
        }
        if (signal.aborted) {
            throw new AbortedError();
        }
        if (run.deps.now() - since > staleMs) {
            throw new ProcessorError(
                `s3://${run.config.bucket}/${f.key("plan.json")} is ${plan === undefined ? "missing" : "still the previous run's"} ${staleMs} ms after another task began to start the file over (SHARD_STALE_MS)`,
                ExitCode.TRANSIENT,
                "ShardPlanMissing",
            );
        }
        await sleep(watchIntervalMs(staleMs), signal);
    }
}

/**
 * The coordinator: creates the plan (a duplicate event for the same ETag finds it and starts
 * nothing), records `running` with the shards, starts shards 1..N-1, runs shard 0, and watches
 * until the file has a final status.
 */
export async function coordinate(run: ShardedRun, count: number, status: StatusDocument): Promise<ShardOutcome> {
    const f = new ShardedFile(run.config, run.file, run.object, run.relative, run.work, run.deps);
    const log = run.deps.log;
    const plan = makePlan(run, count, status);
    const created = await createPlan(f, run, plan);
    if (created === "done") {
        log.info("this version of the file was processed in shards meanwhile (same ETag); nothing to do", { etag: plan.etag });
        return { exitCode: ExitCode.OK, outcome: "skipped" };
    }
    if (created === "exists") {
        // A duplicate event (or a re-drive after the coordinator died): start nothing, but watch the run
        // to its end, so that shards that died with no one watching are run again (after SHARD_STALE_MS).
        log.info("this version of the file is already being processed in shards (same ETag); this duplicate event starts nothing and watches it", { etag: plan.etag, shards: count });
        const existing = await awaitPlan(f, run).catch(() => undefined);
        const final = existing === undefined ? undefined : await f.watch(existing, undefined, new AbortController().signal);
        return { exitCode: ExitCode.OK, outcome: "skipped", status: final, partOnly: true };
    }
    const statusEtag = await putJson(run.deps.s3, run.config.bucket, f.statusAt, plan.status);
    log.info("processing in shards", { shards: count, size: plan.size, etag: plan.etag, shardBytes: run.config.shard.shardBytes });
    // The coordinator is the shards' first watcher (generation 0; see standBy).
    await createOnce(run.deps.s3, run.config.bucket, f.key("watch/0.json"), { at: new Date(run.deps.now()).toISOString(), by: run.deps.taskArn, coordinator: true });
    const stopWatching = new AbortController();
    const watching = f.watch(plan, statusEtag, stopWatching.signal, 0);
    await Promise.all(Array.from({ length: count - 1 }, (_, k) => f.launch(plan, k + 1, 1)));
    if (await createOnce(run.deps.s3, run.config.bucket, f.key("launch/0.1"), { at: new Date(run.deps.now()).toISOString(), by: run.deps.taskArn, inCoordinator: true })) {
        const own = await f.runRange(plan, 0, 1);
        if (own.outcome === "interrupted") {
            await watching.catch(() => undefined);
            log.warn("interrupted: the other shards go on, shard 0 runs again in a new task, and any shard merges");
            return own;
        }
        if (own.status !== undefined) {
            // This task merged (or failed the file for good): the file has its final status.
            stopWatching.abort();
            await watching.catch(() => undefined);
            return own;
        }
    }
    return finalOutcome(f, await watching, log);
}

/** A shard task (SHARD_INDEX set): runs its range unless the file is finished or the shard done, then merges if last. */
export async function runShardTask(run: ShardedRun, index: number, attempt: number): Promise<ShardOutcome> {
    const f = new ShardedFile(run.config, run.file, run.object, run.relative, run.work, run.deps);
    const plan = await getJson<Plan>(run.deps.s3, run.config.bucket, f.key("plan.json")).catch(() => undefined);
    if (plan === undefined) {
        run.deps.log.info("this file's sharded run is over (its plan is gone): nothing to do", { shard: index });
        return { exitCode: ExitCode.OK, outcome: "skipped" };
    }
    const listed = await f.list();
    let outcome: ShardOutcome;
    if (listed.some((l) => l.marker.kind === "done" && l.marker.index === index)) {
        run.deps.log.info("this shard is already done: nothing to do", { shard: index, attempt });
        outcome = await f.mergeIfLast(plan);
    } else {
        outcome = await f.runRange(plan, index, attempt);
    }
    // Its part done and no merge of its own: before exiting, make sure the others are watched.
    const partDone = outcome.outcome === "succeeded" && outcome.status === undefined;
    return partDone ? f.standBy(plan, index, attempt) : outcome;
}

/**
 * One pod of a Kubernetes Indexed Job in batch mode, for a file above SHARD_ABOVE_BYTES: every pod
 * is a shard already (JOB_COMPLETION_INDEX), so nothing is started. The first pod creates the plan
 * and records `running`; each pod runs its own range, attempt 1 + its failed attempts so far (the
 * Job runs a failed index again, up to backoffLimitPerIndex); the last to finish merges, as above.
 */
export async function runIndexedShard(run: ShardedRun, index: number, count: number, status: StatusDocument): Promise<ShardOutcome> {
    const f = new ShardedFile(run.config, run.file, run.object, run.relative, run.work, run.deps);
    const planned = makePlan(run, count, status);
    const created = await createPlan(f, run, planned);
    if (created === "created") {
        await putJson(run.deps.s3, run.config.bucket, f.statusAt, planned.status);
    }
    const plan = created === "created" ? planned : created === "exists" ? await awaitPlan(f, run) : undefined;
    if (plan === undefined) {
        run.deps.log.info("this version of the file was processed in shards meanwhile (same ETag); nothing to do", { etag: planned.etag, shard: index });
        return { exitCode: ExitCode.OK, outcome: "skipped" };
    }
    if (index >= plan.count) {
        return { exitCode: ExitCode.OK, outcome: "skipped" };
    }
    const mine = (await f.list()).filter((l) => l.marker.index === index);
    if (mine.some((l) => l.marker.kind === "done")) {
        return f.mergeIfLast(plan);
    }
    const attempt = 1 + mine.filter((l) => l.marker.kind === "failed").length;
    if (attempt > plan.maxAttempts) {
        return { exitCode: ExitCode.OK, outcome: "skipped" };
    }
    return f.runRange(plan, index, attempt);
}
