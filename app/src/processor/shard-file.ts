/**
 * One sharded file's keys under its partials prefix, and what a task does with them: run a range,
 * merge, watch the shards, stand by and take the watch over. The protocol, and why exactly one merge
 * happens, are at the top of shard.ts.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { CommonConfig, FileRef } from "./config";
import { ExitCode, ExitCodeValue, ProcessorError } from "./exit-codes";
import { Logger } from "./log";
import { ContractError, JobReport, listOutputs, uploadOutputs } from "./outputs";
import type { ShardLauncher } from "./launcher";
import { readJson } from "./s3";
import { createOnce, deletePrefix, getJson, getJsonTagged, listMarkers, putJson, replaceIfUnchanged } from "./shard-store";
import { StatusDocument, StatusError, statusKey } from "./status";
import { AbortedError } from "./summarize/types";
import { Marker, Plan, ShardContext, ShardDeps, ShardedObject, ShardOutcome, ShardProgress, ShardWork, parseMarker, partialsBase, shardRange } from "./shard-plan";
import { Workspace, createWorkspace, removeWorkspace } from "./workspace";

/** One file's sharded run, as seen by one task (the coordinator or a shard). */
export class ShardedFile {
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
        const beat = generation === undefined ? undefined : this.watcherBeat(generation);
        try {
            return await this.watchUntilFinal(plan, statusEtag, stop, beat);
        } finally {
            // The merge deletes the partials once, and the first beat is a plain PUT: one that landed after that
            // deletion (a slow request, or one the SDK sent again) would be left behind. Every beat has been
            // answered by now, so once the file is final this watcher removes its own.
            if (generation !== undefined && (await this.isFinal(plan).catch(() => undefined)) !== undefined) {
                await deletePrefix(this.s3, this.config.bucket, this.key(`watching/${generation}.json`)).catch((e: unknown) =>
                    this.deps.log.warn("could not remove the watcher's heartbeat; it stays under the partials prefix", { generation, error: (e as Error).message }),
                );
            }
        }
    }

    private async watchUntilFinal(plan: Plan, statusEtag: string | undefined, stop: AbortSignal, beat: (() => Promise<void>) | undefined): Promise<StatusDocument | undefined> {
        const staleMs = this.config.shard.staleMs;
        const seen = new Map<string, { etag: string; since: number }>();
        let etag: string | undefined = statusEtag;
        const signal = AbortSignal.any([this.deps.signal, stop]);
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
            // The merge deletes the partials once; this lease may have been written after that (the run ended
            // while this task took over): remove it, so nothing is left behind (watch removed the beat).
            await deletePrefix(this.s3, this.config.bucket, this.key(`watch/${generation}.json`)).catch((e: unknown) =>
                log.warn("could not remove the watcher's lease; it stays under the partials prefix", { generation, error: (e as Error).message }),
            );
        }
        return finalOutcome(this, final, log);
    }
}

/** What a watcher's run reports once the watch ended: the final status, counted by the run that wrote it. */
export function finalOutcome(f: ShardedFile, final: StatusDocument | undefined, log: Logger): ShardOutcome {
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

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
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

/** Whether the file's status says this version succeeded. */
export async function succeeded(f: ShardedFile, etag: string): Promise<boolean> {
    const status = await readJson<StatusDocument>(f.s3, f.config.bucket, f.statusAt);
    return status?.state === "succeeded" && status.etag === etag;
}
