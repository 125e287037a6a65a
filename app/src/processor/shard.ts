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
import { S3Client } from "@aws-sdk/client-s3";
import { CommonConfig, FileRef, ShardConfig } from "./config";
import { ExitCode, ExitCodeValue, ProcessorError } from "./exit-codes";
import { Logger } from "./log";
import { ContractError, JobReport, listOutputs, uploadOutputs } from "./outputs";
import { ShardLauncher } from "./launcher";
import { readJson } from "./s3";
import { createOnce, deletePrefix, getJson, getJsonTagged, listMarkers, putJson, replaceIfUnchanged } from "./shard-store";
import { StatusDocument, StatusError, statusKey } from "./status";
import { AbortedError } from "./summarize/types";
import { Workspace, createWorkspace, removeWorkspace } from "./workspace";

/** What a job does to take part in sharding. */
export interface ShardWork {
    /** Processes the records that start in [ctx.start, ctx.end); resolves with a JSON-serialisable partial and its good rows. */
    partial(ctx: RangeContext): Promise<{ partial: unknown; rows: number }>;
    /** Merges the partials (in shard order) into files in ctx.workspace.outputDir; resolves with the job's report. */
    merge(ctx: ShardContext, partials: unknown[]): Promise<JobReport>;
}

/** The object a sharded run works on, found and pinned to its ETag. */
export interface ShardedObject {
    key: string;
    etag: string;
    size: number;
}

export interface ShardContext {
    config: CommonConfig;
    file: FileRef;
    object: ShardedObject;
    s3: S3Client;
    workspace: Workspace;
    log: Logger;
    signal: AbortSignal;
    now: () => number;
    count: number;
}

export interface RangeContext extends ShardContext {
    index: number;
    start: number;
    end: number;
}

export interface ShardDeps {
    s3: S3Client;
    log: Logger;
    signal: AbortSignal;
    now: () => number;
    taskArn?: string;
    /**
     * Made on first use: only a task that starts shards needs one. None in a Kubernetes Indexed Job:
     * every pod is a shard already, and the Job runs a failed pod's index again (backoffLimitPerIndex).
     */
    launcher?: () => Promise<ShardLauncher>;
    /** The final key of an output at `path` under OUTPUT_DIR. */
    outputKey: (path: string) => string;
}

export interface ShardOutcome {
    exitCode: ExitCodeValue;
    outcome: "succeeded" | "failed" | "interrupted" | "skipped";
    status?: StatusDocument;
    report?: JobReport;
    /** This run did its part of a sharded file; the run that wrote the file's final status counts the file (metrics). */
    partOnly?: true;
}

/** The shards a file of `size` bytes is split into: 1 (not sharded) unless sharding is on and the file is above the threshold. */
export function shardCount(size: number, shard: Pick<ShardConfig, "aboveBytes" | "shardBytes" | "maxShards">): number {
    if (shard.aboveBytes === undefined || size <= shard.aboveBytes) {
        return 1;
    }
    return Math.max(1, Math.min(shard.maxShards, Math.ceil(size / shard.shardBytes)));
}

/** Shard i's bytes [start, end): equal cuts of the object; a record belongs to the shard its first byte is in. */
export function shardRange(size: number, count: number, index: number): { start: number; end: number } {
    return { start: Math.floor((index * size) / count), end: Math.floor(((index + 1) * size) / count) };
}

/** Where a file's shards keep their markers and partials: `<partialsPrefix><relative>/<etag>/`. */
export function partialsBase(partialsPrefix: string, relative: string, etag: string): string {
    return `${partialsPrefix}${relative}/${etag}/`;
}

/** Shards done, failed attempts, and rows so far: what the status document shows while shards run. */
export interface ShardProgress {
    total: number;
    done: number;
    /** Failed attempts (each was retried, until the last). */
    failed: number;
    rows: number;
}

interface Plan {
    count: number;
    size: number;
    etag: string;
    key: string;
    maxAttempts: number;
    /** Every shard task's variables besides SHARD_INDEX and SHARD_ATTEMPT. */
    env: Record<string, string>;
    /** The status document as the coordinator started it. */
    status: StatusDocument;
}

interface Marker {
    kind: "launch" | "running" | "done" | "failed" | "partial" | "merge" | "plan" | "watch" | "watching";
    index?: number;
    attempt?: number;
    /** watch/<g>.json, watching/<g>.json: the watcher's generation. */
    generation?: number;
}

/** What a key under the base is. */
function parseMarker(rest: string): Marker | undefined {
    let m: RegExpExecArray | null;
    if (rest === "plan.json" || rest === "merge.json") {
        return { kind: rest === "plan.json" ? "plan" : "merge" };
    }
    if ((m = /^(\d+)\.json$/.exec(rest))) {
        return { kind: "partial", index: Number(m[1]) };
    }
    if ((m = /^done\/(\d+)\.json$/.exec(rest))) {
        return { kind: "done", index: Number(m[1]) };
    }
    if ((m = /^(watch|watching)\/(\d+)\.json$/.exec(rest))) {
        return { kind: m[1] as "watch" | "watching", generation: Number(m[2]) };
    }
    if ((m = /^(launch|running|failed)\/(\d+)\.(\d+)(?:\.json)?$/.exec(rest))) {
        return { kind: m[1] as "launch" | "running" | "failed", index: Number(m[2]), attempt: Number(m[3]) };
    }
    return undefined;
}

/** One file's sharded run, as seen by one task (the coordinator or a shard). */
class ShardedFile {
    readonly base: string;
    readonly statusAt: string;
    private launcherMade?: Promise<ShardLauncher>;
    /** This task wrote the file's final status (so it, not another, counts the file). */
    wroteFinal = false;
    /** Rows of each done marker read so far (a done marker never changes). */
    private readonly doneRows = new Map<string, number>();

    constructor(
        readonly config: CommonConfig,
        readonly file: FileRef,
        readonly object: ShardedObject,
        readonly relative: string,
        readonly work: ShardWork,
        readonly deps: ShardDeps,
    ) {
        this.base = partialsBase(config.shard.partialsPrefix, relative, object.etag);
        this.statusAt = statusKey(config.statusPrefix, relative);
    }

    get s3(): S3Client {
        return this.deps.s3;
    }

    key(rest: string): string {
        return `${this.base}${rest}`;
    }

    async list(): Promise<{ key: string; etag: string; marker: Marker }[]> {
        const listed = await listMarkers(this.s3, this.config.bucket, this.base);
        return listed.flatMap((l) => {
            const marker = parseMarker(l.key.slice(this.base.length));
            return marker ? [{ ...l, marker }] : [];
        });
    }

    private launcher(): Promise<ShardLauncher> {
        const make = this.deps.launcher;
        if (make === undefined) {
            return Promise.reject(new Error("this run starts no tasks (an Indexed Job's pods are its shards)"));
        }
        return (this.launcherMade ??= make());
    }

    /** Starts attempt `attempt` of shard `index`, unless someone already did; a start that fails is a failed attempt. */
    async launch(plan: Plan, index: number, attempt: number): Promise<void> {
        if (!(await createOnce(this.s3, this.config.bucket, this.key(`launch/${index}.${attempt}`), { at: new Date(this.deps.now()).toISOString(), by: this.deps.taskArn }))) {
            return;
        }
        try {
            const launcher = await this.launcher();
            const taskArn = await launcher.launch({ ...plan.env, SHARD_INDEX: String(index), SHARD_ATTEMPT: String(attempt) });
            this.deps.log.info("started a shard", { shard: index, attempt, shardTaskArn: taskArn });
        } catch (e) {
            await this.recordFailure(plan, index, attempt, { class: "ShardNotStarted", message: `the shard's task could not be started: ${(e as Error).message}`, exitCode: ExitCode.TRANSIENT });
        }
    }

    /**
     * Records that attempt `attempt` of shard `index` failed (once, whoever notices), then starts the
     * next attempt, or after the last one fails the file naming the shard. Returns the file's final
     * status when this call wrote it; undefined when the shard is run again or it was recorded already.
     */
    async recordFailure(plan: Plan, index: number, attempt: number, error: StatusError): Promise<StatusDocument | undefined> {
        if (!(await createOnce(this.s3, this.config.bucket, this.key(`failed/${index}.${attempt}.json`), error))) {
            return undefined;
        }
        this.deps.log.warn("a shard failed", { shard: index, attempt, maxAttempts: plan.maxAttempts, errorClass: error.class, error: error.message });
        if (attempt < plan.maxAttempts) {
            if (this.deps.launcher === undefined) {
                this.deps.log.info("the Job runs this shard's pod again", { shard: index, nextAttempt: attempt + 1 });
            } else {
                await this.launch(plan, index, attempt + 1);
            }
            return undefined;
        }
        return this.failFile(plan, index, attempt, error);
    }

    /** The file's final `failed` status after shard `index` failed its last attempt. */
    failFile(plan: Plan, index: number, attempt: number, error: StatusError): Promise<StatusDocument> {
        const { start, end } = shardRange(plan.size, plan.count, index);
        return this.writeFinal(plan, "failed", {
            error: {
                ...error,
                class: `ShardFailed:${error.class}`,
                message: `shard ${index} of ${plan.count} (bytes ${start}–${end}) failed ${attempt} time${attempt === 1 ? "" : "s"}; the last: ${error.message}`,
            },
        });
    }

    async progress(listed?: Awaited<ReturnType<ShardedFile["list"]>>): Promise<ShardProgress & { merging: boolean }> {
        const all = listed ?? (await this.list());
        const done = all.filter((l) => l.marker.kind === "done");
        const rows = await Promise.all(
            done.map(async (d) => {
                if (!this.doneRows.has(d.key)) {
                    const got = await getJson<{ rows: number }>(this.s3, this.config.bucket, d.key).catch(() => undefined);
                    if (got === undefined) {
                        return 0;
                    }
                    this.doneRows.set(d.key, got.rows);
                }
                return this.doneRows.get(d.key) ?? 0;
            }),
        );
        return {
            total: 0,
            done: done.length,
            failed: all.filter((l) => l.marker.kind === "failed").length,
            rows: rows.reduce((a, b) => a + b, 0),
            merging: all.some((l) => l.marker.kind === "merge"),
        };
    }

    /** The file's final status, written by the merge or a final failure. */
    async writeFinal(plan: Plan, state: "succeeded" | "failed" | "interrupted", extra: Partial<StatusDocument>): Promise<StatusDocument> {
        const p = await this.progress().catch(() => ({ done: 0, failed: 0, rows: 0 }));
        const completed = this.deps.now();
        const started = Date.parse(plan.status.startedAt);
        const doc: StatusDocument = {
            ...plan.status,
            ...extra,
            state,
            // Rows so far come from the shards' own counts; the merged count replaces them (a shard whose
            // first record was guessed inside a multi-line quoted field counted a few rows twice).
            shards: { total: plan.count, done: p.done, failed: p.failed, rows: extra.rowsProcessed ?? p.rows },
            completedAt: new Date(completed).toISOString(),
            durationMs: completed - started,
        };
        await putJson(this.s3, this.config.bucket, this.statusAt, doc);
        return doc;
    }

    /** Shard `index`, attempt `attempt`, in this task: partial, done marker, then the merge if it is last. */
    async runRange(plan: Plan, index: number, attempt: number): Promise<ShardOutcome> {
        const log = this.deps.log.with({ shard: index, attempt });
        const { start, end } = shardRange(plan.size, plan.count, index);
        let beat = 0;
        // One beat in flight at a time, and stopBeating() waits for it: no beat reaches S3 after this shard's
        // done marker, which may let a merge delete the base (a beat landing after that would be left behind).
        let inFlight: Promise<void> | undefined;
        const heartbeat = (): Promise<void> =>
            (inFlight ??= putJson(this.s3, this.config.bucket, this.key(`running/${index}.${attempt}.json`), { beat: beat++, at: new Date(this.deps.now()).toISOString(), taskArn: this.deps.taskArn })
                .then(
                    () => undefined,
                    (e: unknown) => log.warn("could not write the shard's heartbeat", { error: (e as Error).message }),
                )
                .finally(() => (inFlight = undefined)));
        await heartbeat();
        const timer = setInterval(() => void heartbeat(), Math.max(50, Math.floor(this.config.shard.staleMs / 4)));
        const stopBeating = async (): Promise<void> => {
            clearInterval(timer);
            await inFlight;
        };
        let workspace: Workspace | undefined;
        let rows: number;
        try {
            log.info("processing a shard", { start, end, count: plan.count });
            workspace = await createWorkspace(this.config.scratchDir);
            const result = await this.work.partial({ ...this.context(plan, workspace, log), index, start, end });
            if (this.deps.signal.aborted) {
                throw new AbortedError();
            }
            rows = result.rows;
            await putJson(this.s3, this.config.bucket, this.key(`${index}.json`), { index, start, end, attempt, rows, partial: result.partial });
            await stopBeating();
            await createOnce(this.s3, this.config.bucket, this.key(`done/${index}.json`), { attempt, rows });
        } catch (e) {
            await stopBeating();
            const error = describeError(e, this.deps.signal);
            log.error("the shard failed", { errorClass: error.class, error: error.message });
            const final = await this.recordFailure(plan, index, attempt, error).catch((err: unknown) => {
                log.error("could not record the shard's failure", { error: (err as Error).message });
                return undefined;
            });
            const interrupted = error.class.startsWith("Interrupted");
            const exitCode = interrupted ? ExitCode.INTERRUPTED : (error.exitCode as ExitCodeValue);
            // The file fails once, with the run that wrote its final status; an attempt that is run again is only a part.
            return final === undefined ? { exitCode, outcome: interrupted ? "interrupted" : "failed", partOnly: true } : { exitCode, outcome: "failed", status: final };
        } finally {
            await stopBeating();
            if (workspace !== undefined) {
                await removeWorkspace(workspace).catch(() => undefined);
            }
        }
        log.info("shard done", { rows });
        return this.mergeIfLast(plan);
    }

    private context(plan: Plan, workspace: Workspace, log: Logger): ShardContext {
        return { config: this.config, file: this.file, object: this.object, s3: this.s3, workspace, log, signal: this.deps.signal, now: this.deps.now, count: plan.count };
    }

    /** Whether every shard of the plan has its done marker. */
    private async allDone(plan: Plan): Promise<boolean> {
        const done = new Set((await this.list()).flatMap((l) => (l.marker.kind === "done" && (l.marker.index ?? plan.count) < plan.count ? [l.marker.index] : [])));
        return done.size >= plan.count;
    }

    /**
     * What a merge.json this task has just created stands for. If-None-Match asks only whether the key
     * exists when the write arrives (https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html),
     * so a task that listed every shard done and then paused while another task merged and deleted
     * everything under the base, merge.json included, creates merge.json again:
     * - "merged": that merge wrote the file's final status before it deleted anything, and S3 reads are
     *   strongly consistent (shard-store.ts), so the status read now shows it;
     * - "replanned": the run this task listed is over in another way (the file failed, and a new run for
     *   the same ETag deleted the base and started over): the plan is missing or cuts other ranges;
     * - "unfinished": the same ranges are planned, but not every shard is done (a new run's, as above);
     * - "merge": the plan and every done marker are there: this task merges.
     */
    private async claimed(plan: Plan): Promise<"merge" | "merged" | "replanned" | "unfinished"> {
        if (await succeeded(this, plan.etag)) {
            return "merged";
        }
        const [current, allDone] = await Promise.all([readJson<Plan>(this.s3, this.config.bucket, this.key("plan.json")), this.allDone(plan)]);
        if (current?.count !== plan.count || current.size !== plan.size) {
            return "replanned";
        }
        return allDone ? "merge" : "unfinished";
    }

    /** Merges when every shard is done and this task wins merge.json (see the comment at the top). */
    async mergeIfLast(plan: Plan): Promise<ShardOutcome> {
        const partOnly: ShardOutcome = { exitCode: ExitCode.OK, outcome: "succeeded", partOnly: true };
        const log = this.deps.log.with({ shards: plan.count });
        for (;;) {
            if (!(await this.allDone(plan))) {
                return partOnly;
            }
            if (!(await createOnce(this.s3, this.config.bucket, this.key("merge.json"), { at: new Date(this.deps.now()).toISOString(), by: this.deps.taskArn }))) {
                return partOnly;
            }
            const claim = await this.claimed(plan);
            if (claim === "merge") {
                break;
            }
            if (claim === "merged") {
                // What is left under the base (this claim, a late heartbeat) belongs to a finished run.
                log.info("another task merged this file and removed its partials already: not merging again", { etag: plan.etag });
                await deletePrefix(this.s3, this.config.bucket, this.base);
                return partOnly;
            }
            // Not this task's to merge: give the claim back. With the same ranges planned, look again: a shard
            // that finished while this task held merge.json lost its claim to it, and its done marker is in the
            // next listing, so this task merges in its place.
            log.info("the shards' run this task listed is over (its plan or a done marker is gone): giving the merge back", { etag: plan.etag, found: claim });
            await deletePrefix(this.s3, this.config.bucket, this.key("merge.json"));
            if (claim === "replanned") {
                return partOnly;
            }
        }
        log.info("every shard is done: merging");
        let workspace: Workspace | undefined;
        try {
            const partials: unknown[] = [];
            for (let i = 0; i < plan.count; i++) {
                partials.push((await getJson<{ partial: unknown }>(this.s3, this.config.bucket, this.key(`${i}.json`))).partial);
            }
            workspace = await createWorkspace(this.config.scratchDir);
            const done = await this.work.merge(this.context(plan, workspace, log), partials);
            const { files, report } = await listOutputs(workspace.outputDir);
            if (files.length === 0) {
                throw new ContractError("no-output", "the merge exited 0 but wrote nothing to OUTPUT_DIR; write at least one file (an empty result is an empty file)");
            }
            const outputs = await uploadOutputs(this.s3, this.config.bucket, files, this.deps.outputKey, this.deps.signal);
            const counts: JobReport = { ...done, ...report };
            const seconds = Math.max((this.deps.now() - Date.parse(plan.status.startedAt)) / 1000, 0.001);
            const status = await this.writeFinal(plan, "succeeded", {
                rowsProcessed: counts.rowsProcessed,
                bytesRead: counts.bytesRead ?? plan.size,
                badRows: counts.badRows,
                records: counts.records,
                badRowsByReason: counts.badRowsByReason,
                outputKey: plan.status.job === "summary" ? outputs[0]?.key : undefined,
                outputs,
                message: counts.message,
                metrics: counts.metrics,
                throughputRowsPerSecond: counts.rowsProcessed === undefined ? undefined : Math.round(counts.rowsProcessed / seconds),
            });
            const removed = await deletePrefix(this.s3, this.config.bucket, this.base);
            log.info("succeeded", { rows: counts.rowsProcessed, badRows: counts.badRows, outputKeys: outputs.map((o) => o.key), durationMs: status.durationMs, partialsRemoved: removed });
            return { exitCode: ExitCode.OK, outcome: "succeeded", status, report: counts };
        } catch (e) {
            const error = describeError(e, this.deps.signal);
            log.error("the merge failed", { errorClass: error.class, error: error.message });
            // Interrupted (SIGTERM): `interrupted`, so that a new event for this version starts it over.
            const interrupted = error.class === "Interrupted";
            const status = await this.writeFinal(plan, interrupted ? "interrupted" : "failed", {
                error: { ...error, class: interrupted ? error.class : `MergeFailed:${error.class}`, message: `merging the ${plan.count} shards ${interrupted ? "was interrupted" : "failed"}: ${error.message}` },
            });
            return { exitCode: error.exitCode as ExitCodeValue, outcome: interrupted ? "interrupted" : "failed", status };
        } finally {
            if (workspace !== undefined) {
                await removeWorkspace(workspace).catch(() => undefined);
            }
        }
    }

    /**
     * The watch, until the file has a final status: progress into the status document, and a shard
     * whose heartbeat stopped changing for SHARD_STALE_MS (or that never started) recorded as a failed
     * attempt, which starts the next one. The coordinator watches as generation 0; a shard that takes
     * the watch over (standBy) as the generation it won; both beat `watching/<g>.json` so that the
     * shards still running can tell whether anyone watches. A duplicate event's run watches without a
     * generation (and without a beat).
     */
    async watch(plan: Plan, statusEtag: string | undefined, stop: AbortSignal, generation?: number): Promise<StatusDocument | undefined> {
        const staleMs = this.config.shard.staleMs;
        const seen = new Map<string, { etag: string; since: number }>();
        let etag: string | undefined = statusEtag;
        const signal = AbortSignal.any([this.deps.signal, stop]);
        const beat = generation === undefined ? undefined : this.watcherBeat(generation);
        await beat?.();
        while (!signal.aborted) {
            await sleep(watchIntervalMs(staleMs), signal);
            if (signal.aborted) {
                break;
            }
            await beat?.();
            const status = await this.isFinal(plan);
            if (status !== undefined) {
                return status;
            }
            const listed = await this.list();
            const now = this.deps.now();
            for (let i = 0; i < plan.count; i++) {
                const mine = listed.filter((l) => l.marker.index === i);
                if (mine.some((l) => l.marker.kind === "done")) {
                    continue;
                }
                const attempt = Math.max(0, ...mine.filter((l) => l.marker.kind === "launch").map((l) => l.marker.attempt ?? 0));
                if (attempt === 0) {
                    continue;
                }
                if (mine.some((l) => l.marker.kind === "failed" && l.marker.attempt === attempt)) {
                    // The last attempt failed but the file has no final status (whoever recorded the failure
                    // stopped before writing it): the watch writes it, so the file never stays `running`.
                    const error = attempt >= plan.maxAttempts ? await getJson<StatusError>(this.s3, this.config.bucket, this.key(`failed/${i}.${attempt}.json`)).catch(() => undefined) : undefined;
                    if (error !== undefined) {
                        this.wroteFinal = true;
                        return this.failFile(plan, i, attempt, error);
                    }
                    continue;
                }
                const beat = mine.find((l) => l.marker.kind === "running" && l.marker.attempt === attempt)?.etag ?? "";
                const id = `${i}.${attempt}`;
                const last = seen.get(id);
                if (last === undefined || last.etag !== beat) {
                    seen.set(id, { etag: beat, since: now });
                } else if (now - last.since > staleMs) {
                    const final = await this.recordFailure(plan, i, attempt, {
                        class: beat === "" ? "ShardNotStarted" : "ShardLost",
                        message: beat === ""
                            ? `the shard's task did not start within ${staleMs} ms`
                            : `no heartbeat for ${staleMs} ms: the task stopped without recording why (killed, out of memory, or stopped)`,
                        exitCode: ExitCode.INTERNAL,
                    });
                    if (final !== undefined) {
                        this.wroteFinal = true;
                        return final;
                    }
                }
            }
            const p = await this.progress(listed);
            if (!p.merging && etag !== undefined) {
                etag = await replaceIfUnchanged(this.s3, this.config.bucket, this.statusAt, etag, { ...plan.status, shards: { total: plan.count, done: p.done, failed: p.failed, rows: p.rows } });
            }
        }
        return undefined;
    }

    /**
     * The watcher's heartbeat, `watching/<g>.json`, written at most every watcherBeatMs: created by the
     * first call, then replaced only while it still has the ETag written last (If-Match). Once the merge
     * has deleted the partials, a late beat fails (404/412) instead of leaving an object behind, and
     * the beat stops.
     */
    private watcherBeat(generation: number): () => Promise<void> {
        const key = this.key(`watching/${generation}.json`);
        const every = watcherBeatMs(this.config.shard.staleMs);
        let last: { etag: string; at: number } | undefined;
        let beats = 0;
        let gone = false;
        return async () => {
            const now = this.deps.now();
            if (gone || (last !== undefined && now - last.at < every)) {
                return;
            }
            const value = { generation, beat: beats++, at: new Date(now).toISOString(), taskArn: this.deps.taskArn };
            try {
                const etag = last === undefined ? await putJson(this.s3, this.config.bucket, key, value) : await replaceIfUnchanged(this.s3, this.config.bucket, key, last.etag, value);
                if (etag === undefined) {
                    gone = true;
                } else {
                    last = { etag, at: now };
                }
            } catch (e) {
                this.deps.log.warn("could not write the watcher's heartbeat", { generation, error: (e as Error).message });
            }
        };
    }

    /**
     * A shard task that finished its range without merging (others are still running) makes sure
     * someone watches them before it exits: it looks at the newest watcher's heartbeat
     * (`watching/<g>.json` of the highest `watch/<g>.json`) until it changes (someone watches: exit)
     * or stays unchanged for SHARD_STALE_MS (the watcher is gone: the coordinator was stopped, or a
     * shard that took over died). Then it tries to take the watch over by creating `watch/<g+1>.json`
     * once, and the one task whose write succeeds watches the file to its final status, running
     * stale shards again within SHARD_MAX_ATTEMPTS.
     *
     * Why this is correct under concurrency: S3 lets exactly one `If-None-Match: *` write of a key
     * succeed (shard-store.ts), so each generation has one watcher, however many shards see the same
     * stale heartbeat at once; the others see the new generation and wait for its beat. A watcher
     * that only looked dead (a long pause) may go on watching beside its successor: harmless, since
     * everything a watch does is claimed once (`failed/<i>.<a>.json` before a failed attempt is
     * recorded and run again, `launch/<i>.<a>` before a start) or is the same final status, and
     * progress writes are conditional (If-Match). Staleness is judged on this task's clock from the
     * heartbeat's ETag not changing, as the watch judges shards: no clocks are compared.
     */
    async standBy(plan: Plan, index: number, attempt: number): Promise<ShardOutcome> {
        const log = this.deps.log.with({ shard: index, attempt });
        const staleMs = this.config.shard.staleMs;
        const idle: ShardOutcome = { exitCode: ExitCode.OK, outcome: "succeeded", partOnly: true };
        let seen: { generation: number; etag: string; since: number } | undefined;
        while (!this.deps.signal.aborted) {
            const listed = await this.list();
            if ((await this.isFinal(plan)) || !listed.some((l) => l.marker.kind === "plan")) {
                // The file has its final status, or the merge deleted the plan with the partials.
                return idle;
            }
            if (new Set(listed.filter((l) => l.marker.kind === "done").map((l) => l.marker.index)).size >= plan.count) {
                // Every shard is done: the last one merges (or its merge's outcome is the final status).
                return idle;
            }
            const generation = Math.max(-1, ...listed.filter((l) => l.marker.kind === "watch").map((l) => l.marker.generation ?? 0));
            const beat = listed.find((l) => l.marker.kind === "watching" && l.marker.generation === generation)?.etag ?? "";
            const now = this.deps.now();
            if (seen === undefined || seen.generation !== generation) {
                seen = { generation, etag: beat, since: now };
            } else if (seen.etag !== beat) {
                log.info("another task watches the shards: this shard's part is done", { watcher: generation });
                return idle;
            } else if (now - seen.since > staleMs) {
                const next = generation + 1;
                if (await createOnce(this.s3, this.config.bucket, this.key(`watch/${next}.json`), { at: new Date(now).toISOString(), by: this.deps.taskArn, shard: index, attempt })) {
                    return this.takeOver(plan, next, log);
                }
            }
            await sleep(watchIntervalMs(staleMs), this.deps.signal);
        }
        return idle;
    }

    /** Whether the status document holds this version's final status. */
    private async isFinal(plan: Plan): Promise<StatusDocument | undefined> {
        const status = await getJson<StatusDocument>(this.s3, this.config.bucket, this.statusAt).catch(() => undefined);
        return status !== undefined && status.etag === plan.etag && status.state !== "running" ? status : undefined;
    }

    /** Watches as generation `generation`, won by this shard task in standBy, until the file's final status. */
    private async takeOver(plan: Plan, generation: number, log: Logger): Promise<ShardOutcome> {
        log.warn("no heartbeat from the shards' watcher: this shard takes the watch over", { generation, staleMs: this.config.shard.staleMs });
        // Progress goes on into the status, replacing only the running status read here (If-Match).
        const current = await getJsonTagged<StatusDocument>(this.s3, this.config.bucket, this.statusAt).catch(() => undefined);
        const statusEtag = current?.value.state === "running" && current.value.etag === plan.etag ? current.etag : undefined;
        const final = await this.watch(plan, statusEtag, new AbortController().signal, generation);
        if (final !== undefined) {
            // The merge deletes the partials once; this lease and the first beat may have been written after
            // that (the run ended while this task took over): remove them, so nothing is left behind.
            for (const rest of [`watch/${generation}.json`, `watching/${generation}.json`]) {
                await deletePrefix(this.s3, this.config.bucket, this.key(rest)).catch(() => undefined);
            }
        }
        return finalOutcome(this, final, log);
    }
}

/** What a watcher's run reports once the watch ended: the final status, counted by the run that wrote it. */
function finalOutcome(f: ShardedFile, final: StatusDocument | undefined, log: Logger): ShardOutcome {
    if (final === undefined) {
        return { exitCode: ExitCode.INTERRUPTED, outcome: "interrupted" };
    }
    if (final.state === "succeeded") {
        log.info("succeeded", { rows: final.rowsProcessed, badRows: final.badRows, outputKeys: (final.outputs ?? []).map((o) => o.key), durationMs: final.durationMs, shards: final.shards, mergedElsewhere: true });
        return { exitCode: ExitCode.OK, outcome: "succeeded", status: final, partOnly: true };
    }
    const outcome = final.state === "interrupted" ? ("interrupted" as const) : ("failed" as const);
    const failed = { exitCode: (final.error?.exitCode ?? ExitCode.INTERNAL) as ExitCodeValue, outcome, status: final };
    return f.wroteFinal ? failed : { ...failed, partOnly: true };
}

/** How often a watcher beats: a quarter of SHARD_STALE_MS, 50 ms to 5 s (a shard that finished waits about this long to see it). */
export function watcherBeatMs(staleMs: number): number {
    return Math.max(50, Math.min(5000, Math.floor(staleMs / 4)));
}

/** How often the coordinator looks at its shards: a twentieth of SHARD_STALE_MS, 50 ms to 1 s (each look is a LIST and a GET). */
export function watchIntervalMs(staleMs: number): number {
    return Math.min(1000, Math.max(50, Math.floor(staleMs / 20)));
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
            clearTimeout(t);
            signal.removeEventListener("abort", done);
            resolve();
        }
        signal.addEventListener("abort", done, { once: true });
    });
}

/** An error as a status error: SIGTERM is `Interrupted`, a processor error keeps its class and exit code. */
export function describeError(e: unknown, signal: AbortSignal): StatusError {
    if (signal.aborted || e instanceof AbortedError) {
        return { class: "Interrupted", message: "stopped by SIGTERM before the shard was finished", exitCode: ExitCode.INTERRUPTED };
    }
    if (e instanceof ProcessorError) {
        return { class: e.errorClass, message: e.message, exitCode: e.exitCode };
    }
    return { class: (e as Error)?.name ?? "Error", message: (e as Error)?.message ?? String(e), exitCode: ExitCode.INTERNAL };
}

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

/** Whether the file's status says this version succeeded. */
async function succeeded(f: ShardedFile, etag: string): Promise<boolean> {
    const status = await readJson<StatusDocument>(f.s3, f.config.bucket, f.statusAt);
    return status?.state === "succeeded" && status.etag === etag;
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
