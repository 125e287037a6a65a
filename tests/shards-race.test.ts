/**
 * Byte-range shards under interleavings that timing alone rarely produces (docs/sharding.md): each pod of a
 * Kubernetes Indexed Job runs in this process with its own S3 client, and a middleware on a client holds one of
 * its requests until another pod has reached a given point. No sleeps and no timing assertions: the order is forced.
 */
import { strict as assert } from "assert";
import { HeadObjectCommand, S3Client } from "@aws-sdk/client-s3";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { localS3Client } from "../app/src/local/s3-server";
import { readBatchConfig } from "../app/src/processor/config";
import { createLogger } from "../app/src/processor/log";
import { RunResult, processFile } from "../app/src/processor/run";
import { ShardedFile } from "../app/src/processor/shard-file";
import type { Plan, ShardWork } from "../app/src/processor/shard-plan";
import type { StatusDocument } from "../app/src/processor/status";
import { summarizeStream } from "../app/src/processor/summarize";
import { LocalS3, listAll, startS3 } from "./support/s3";

const BUCKET = "race";
const KEY = "uploads/race.csv";

const ROWS = 3000;
/** The upload: a CSV well above the sharding threshold used here. */
const TEXT = `${["id,amount,city", ...Array.from({ length: ROWS }, (_, i) => `${i},${(i * 7919) % 100003},city-${i % 37}`)].join("\n")}\n`;

/** A request of one S3 command, as the middleware sees it. */
interface Request {
    command: string;
    key?: string;
    prefix?: string;
}

/**
 * A pod's own S3 client whose requests pass through `gate` first: it resolves when the request may go on, and
 * `after` is told once the request has completed (answered or failed).
 */
function podClient(endpoint: string, gate: (r: Request) => Promise<void>, after: (r: Request) => void = () => undefined): S3Client {
    const client = localS3Client(endpoint);
    client.middlewareStack.add(
        (next, context) => async (args) => {
            const input = args.input as { Key?: string; Prefix?: string };
            const request = { command: String(context.commandName), key: input.Key, prefix: input.Prefix };
            await gate(request);
            try {
                return await next(args);
            } finally {
                after(request);
            }
        },
        { step: "initialize", name: "orderRequests" },
    );
    return client;
}

/** A promise with its resolve function, to release a held request; `opened` once it was called. */
function latch(): { promise: Promise<void>; open: () => void; opened: boolean } {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    const l = {
        promise,
        opened: false,
        open: () => {
            l.opened = true;
            resolve();
        },
    };
    return l;
}

/** Its warnings and errors, to name in a failed assertion. */
function problems(lines: Record<string, unknown>[]): string {
    return JSON.stringify(lines.filter((l) => l.level === "warn" || l.level === "error"));
}

/** The file's final status is `succeeded` with both shards, its summary is the one a single task writes, and nothing is left under partials/. */
async function assertSucceeded(s3: LocalS3): Promise<void> {
    const status = JSON.parse((await s3.get(BUCKET, "status/race.csv.json")) ?? "null") as StatusDocument | null;
    assert.equal(status?.state, "succeeded", JSON.stringify(status?.error));
    assert.deepEqual(status?.shards, { total: 2, done: 2, failed: 0, rows: ROWS });
    const summary = JSON.parse((await s3.get(BUCKET, "processed/race.csv.summary.json")) ?? "null") as Record<string, unknown>;
    delete summary.generatedAt;
    delete summary.source;
    const whole = await summarizeStream(
        (async function* () {
            yield Buffer.from(TEXT);
        })(),
    );
    assert.equal(JSON.stringify(summary), JSON.stringify(whole));
    assert.deepEqual(await listAll(s3.client, BUCKET, "partials/"), [], "nothing is left under the partials prefix");
}

describe("byte-range shards: forced interleavings of an Indexed Job's pods (local S3 server)", function () {
    this.timeout(120000);
    let s3: LocalS3;
    let scratch: string;
    let clients: S3Client[];
    /** Every pod's log lines. */
    let lines: Record<string, unknown>[];

    beforeEach(async () => {
        s3 = await startS3();
        await s3.createBucket(BUCKET);
        await s3.put(BUCKET, KEY, TEXT);
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "shards-race-"));
        clients = [];
        lines = [];
    });

    afterEach(async () => {
        clients.forEach((c) => c.destroy());
        await s3.close();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    /** A pod's own S3 client (see podClient), destroyed after the test. */
    function client(gate: (r: Request) => Promise<void> = async () => undefined, after?: (r: Request) => void): S3Client {
        const made = podClient(s3.endpoint, gate, after);
        clients.push(made);
        return made;
    }

    /** Runs pod `index` of 2 on the upload, as a batch pod does for a file above SHARD_ABOVE_BYTES (a failed file makes a batch pod exit 3). */
    function runPod(podS3: S3Client, index: number, env: Record<string, string> = {}): Promise<RunResult> {
        const config = readBatchConfig({
            PROCESSOR_MODE: "batch",
            S3_BUCKET: BUCKET,
            S3_ENDPOINT: s3.endpoint,
            BATCH_SHARD_COUNT: "2",
            JOB_COMPLETION_INDEX: String(index),
            SHARD_ABOVE_BYTES: "1000",
            SHARD_BYTES: String(Math.ceil(TEXT.length / 2)),
            SCRATCH_DIR: scratch,
            ...env,
        });
        const log = createLogger({ pod: index }, (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
        return processFile(config, { key: KEY, size: TEXT.length, exactKey: true }, { s3: podS3, log, signal: new AbortController().signal, indexedShard: { index, count: 2 } });
    }

    it("a pod that saw every shard done but claims the merge after another pod merged and removed the partials does not merge again", async () => {
        // Both pods write their done marker before either lists them (so both see every shard done and both try to
        // claim merge.json); pod 0's claim reaches S3 only after pod 1 has merged, written the final status and
        // deleted everything under the partials prefix, merge.json included. S3 then lets pod 0 create merge.json
        // again: If-None-Match only asks whether the key exists at the time of the write.
        const done = [latch(), latch()];
        const wroteDone = [false, false];
        const pod1Finished = latch();
        let claimHeld = false;
        const podS3 = (pod: number) =>
            client(
                async (r) => {
                    if (r.command === "ListObjectsV2Command" && wroteDone[pod]) {
                        // Listing the done markers: not before the other pod's done marker is there.
                        await done[1 - pod].promise;
                    }
                    if (pod === 0 && r.command === "PutObjectCommand" && r.key?.endsWith("/merge.json") && !claimHeld) {
                        claimHeld = true;
                        await pod1Finished.promise;
                    }
                },
                (r) => {
                    if (r.command === "PutObjectCommand" && r.key?.endsWith(`/done/${pod}.json`)) {
                        wroteDone[pod] = true;
                        done[pod].open();
                    }
                },
            );
        const pod1 = runPod(podS3(1), 1).finally(() => pod1Finished.open());
        const results = await Promise.all([runPod(podS3(0), 0), pod1]);
        assert.ok(claimHeld, "pod 0 tried to claim the merge (it saw both shards done)");
        assert.deepEqual(
            results.map((r) => [r.outcome, r.exitCode]),
            [
                ["succeeded", 0],
                ["succeeded", 0],
            ],
            problems(lines),
        );
        assert.deepEqual(
            lines.filter((l) => l.msg === "every shard is done: merging" || String(l.msg).startsWith("another task merged")).map((l) => [l.pod, l.msg]),
            [
                [1, "every shard is done: merging"],
                [0, "another task merged this file and removed its partials already: not merging again"],
            ],
        );
        await assertSucceeded(s3);
    });

    it("a pod whose S3 requests fail after another pod merged leaves the file's succeeded status as it is, and exits non-zero", async () => {
        // Pod 0 writes its partial and done marker; its listing of the done markers waits until pod 1 has merged (pod 1
        // lists only once pod 0's marker is there), then fails as an unreachable S3 would. Its failure is its own: the
        // file has its result already.
        let wroteDone0 = false;
        const done0 = latch();
        let wroteDone1 = false;
        const pod1Finished = latch();
        let failed = false;
        const pod0 = client(
            async (r) => {
                if (r.command === "ListObjectsV2Command" && wroteDone0) {
                    await pod1Finished.promise;
                    failed = true;
                    throw Object.assign(new Error("connect ECONNREFUSED (S3 unreachable)"), { name: "Error" });
                }
            },
            (r) => {
                if (r.command === "PutObjectCommand" && r.key?.endsWith("/done/0.json")) {
                    wroteDone0 = true;
                    done0.open();
                }
            },
        );
        const pod1S3 = client(
            async (r) => {
                if (r.command === "ListObjectsV2Command" && wroteDone1) {
                    await done0.promise;
                }
            },
            (r) => {
                if (r.command === "PutObjectCommand" && r.key?.endsWith("/done/1.json")) {
                    wroteDone1 = true;
                }
            },
        );
        const pod1 = runPod(pod1S3, 1).finally(() => pod1Finished.open());
        const [r0, r1] = await Promise.all([runPod(pod0, 0), pod1]);
        assert.ok(failed, "pod 0's listing failed after pod 1 finished");
        assert.deepEqual([r1.outcome, r1.exitCode], ["succeeded", 0], problems(lines));
        assert.equal(r0.outcome, "failed");
        assert.notEqual(r0.exitCode, 0);
        assert.equal(r0.partOnly, true, "pod 0's failure is a part: the file is counted once, by the pod that merged");
        assert.ok(lines.some((l) => l.pod === 0 && l.msg === "the file has its final status from another task already: this task's failure is left out of it"), problems(lines));
        await assertSucceeded(s3);
    });

    it("a watcher whose first heartbeat lands after the merge removed the partials removes it once it sees the final status", async () => {
        // The file is final already (the merge wrote its status and deleted the partials) when the coordinator's watch
        // beats for the first time: that beat is a plain PUT, so it lands; the watch must not leave it behind.
        const etag = (await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }))).ETag!.replace(/"/g, "");
        const config = readBatchConfig({ PROCESSOR_MODE: "batch", S3_BUCKET: BUCKET, S3_ENDPOINT: s3.endpoint, SHARD_STALE_MS: "400", SCRATCH_DIR: scratch });
        const status: StatusDocument = { schemaVersion: 1, state: "succeeded", bucket: BUCKET, key: KEY, etag, size: TEXT.length, attempt: 1, startedAt: new Date().toISOString() };
        await s3.put(BUCKET, "status/race.csv.json", JSON.stringify(status));
        const notUsed = (): Promise<never> => Promise.reject(new Error("a watch does not process ranges"));
        const work: ShardWork = { partial: notUsed, merge: notUsed };
        const log = createLogger({}, (l) => lines.push(JSON.parse(l) as Record<string, unknown>));
        const file = new ShardedFile(config, { key: KEY, size: TEXT.length }, { key: KEY, etag, size: TEXT.length }, "race.csv", work, {
            s3: client(),
            log,
            signal: new AbortController().signal,
            now: Date.now,
            outputKey: (p) => p,
        });
        const plan: Plan = { count: 2, size: TEXT.length, etag, key: KEY, maxAttempts: 3, env: {}, status: { ...status, state: "running" } };
        const final = await file.watch(plan, undefined, new AbortController().signal, 0);
        assert.equal(final?.state, "succeeded");
        assert.deepEqual(await listAll(s3.client, BUCKET, "partials/"), [], "the watcher's heartbeat is not left behind");
    });

    it("a shard's heartbeat still in flight when its range is done reaches S3 before the done marker, so no beat lands after the merge removed the partials", async () => {
        // Pod 0's partial is written only once a heartbeat (every 50 ms with SHARD_STALE_MS 100) is on its way, and
        // that beat is held until the partial is written: the beat is in flight as the shard finishes its range.
        const beatSent = latch();
        const partialWritten = latch();
        let partialHeld = false;
        let partialDone = false;
        let beatsInFlight = 0;
        let doneSentDuringBeat: boolean | undefined;
        const isBeat = (r: Request) => r.command === "PutObjectCommand" && /\/running\/0\.\d+\.json$/.test(r.key ?? "");
        const isPartial = (r: Request) => r.command === "PutObjectCommand" && /\/0\.json$/.test(r.key ?? "") && !/\/(running|done|failed)\//.test(r.key ?? "");
        const pod0 = client(
            async (r) => {
                if (isBeat(r)) {
                    beatsInFlight++;
                    if (partialHeld && !partialDone) {
                        beatSent.open();
                        await partialWritten.promise;
                    }
                }
                if (isPartial(r)) {
                    partialHeld = true;
                    await beatSent.promise;
                }
                if (r.command === "PutObjectCommand" && r.key?.endsWith("/done/0.json")) {
                    doneSentDuringBeat = beatsInFlight > 0;
                }
            },
            (r) => {
                if (isBeat(r)) {
                    beatsInFlight--;
                }
                if (isPartial(r)) {
                    partialDone = true;
                    partialWritten.open();
                }
            },
        );
        const env = { SHARD_STALE_MS: "100" };
        const results = await Promise.all([runPod(pod0, 0, env), runPod(client(), 1, env)]);
        assert.deepEqual(
            results.map((r) => r.exitCode),
            [0, 0],
            problems(lines),
        );
        assert.equal(doneSentDuringBeat, false, "pod 0 sent its done marker while a heartbeat was still on its way");
        await assertSucceeded(s3);
    });

    it("a merge claim whose answer was lost after S3 stored it (a reset connection, re-sent by the SDK) is still the claimer's: the file is merged", async () => {
        // Pod 1 finishes first and does not merge; pod 0, the last, claims merge.json. Its first PUT is stored,
        // then the connection resets before the answer arrives; the SDK sends the PUT again and that gets 412.
        const pod0 = client();
        const claims: string[] = [];
        pod0.middlewareStack.add(
            (next, context) => async (args) => {
                const input = args.input as { Key?: string };
                if (context.commandName !== "PutObjectCommand" || !input.Key?.endsWith("/merge.json")) {
                    return next(args);
                }
                // Below the deserializer (added after it, in the same step): each attempt's raw HTTP answer.
                const result = await next(args);
                const status = (result.response as { statusCode?: number }).statusCode;
                claims.push(String(status));
                if (claims.length === 1 && status === 200) {
                    throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
                }
                return result;
            },
            { step: "deserialize", name: "loseFirstClaimAnswer" },
        );
        const first = await runPod(client(), 1);
        const last = await runPod(pod0, 0);
        assert.deepEqual(claims, ["200", "412"], "the claim was stored, its answer lost, and the re-sent PUT refused");
        assert.deepEqual([first.exitCode, last.exitCode, last.status?.state], [0, 0, "succeeded"], problems(lines));
        await assertSucceeded(s3);
    });

    it("a claim from a run that failed meanwhile, landing in the new run's prefix, gives the merge back and merges once the new run's shards are all done", async () => {
        // The old run: pod 1 finishes first; pod 0 lists both shards done, and its claim is held. Meanwhile the file
        // fails and a new run starts over (it deletes the prefix and plans the same ranges); its pod 1 finishes. Pod 0's
        // claim then lands in the new run's prefix: shard 0 is not done there, so it gives the claim back, and that
        // give-back is held until the new run's pod 0 has finished and lost its own claim to it. Pod 0 of the old run
        // looks again, finds every shard done, and merges the new run's partials.
        const etag = ((await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }))).ETag ?? "").replace(/"/g, "");
        const claimHeld = latch();
        const restarted = latch();
        const giveBackHeld = latch();
        const newPod0Finished = latch();
        let claims = 0;
        let deletes = 0;
        const oldPod0 = client(async (r) => {
            if (r.command === "PutObjectCommand" && r.key?.endsWith("/merge.json") && claims++ === 0) {
                claimHeld.open();
                await restarted.promise;
            }
            if (r.command === "DeleteObjectsCommand" && deletes++ === 0) {
                giveBackHeld.open();
                await newPod0Finished.promise;
            }
        });
        const oldPod1 = await runPod(client(), 1);
        const oldPod0Run = runPod(oldPod0, 0);
        await claimHeld.promise;
        // The file fails (its final status), and the Job runs again: the new run's pod 1 starts it over.
        await s3.put(BUCKET, "status/race.csv.json", JSON.stringify({ schemaVersion: 1, state: "failed", bucket: BUCKET, key: KEY, etag, attempt: 1, startedAt: new Date().toISOString() }));
        const newPod1 = await runPod(client(), 1);
        restarted.open();
        const first = await Promise.race([giveBackHeld.promise.then(() => "gave the claim back"), oldPod0Run.then(() => "finished")]);
        assert.equal(first, "gave the claim back", problems(lines));
        const newPod0 = await runPod(client(), 0);
        newPod0Finished.open();
        const merged = await oldPod0Run;
        assert.deepEqual([oldPod1.exitCode, newPod1.exitCode, newPod0.exitCode, merged.exitCode], [0, 0, 0, 0], problems(lines));
        assert.equal(merged.status?.state, "succeeded", "the old run's pod 0 merged");
        assert.deepEqual(
            lines.filter((l) => l.msg === "every shard is done: merging" || String(l.msg).startsWith("the shards' run this task listed is over")).map((l) => [l.pod, l.msg, l.found]),
            [
                [0, "the shards' run this task listed is over (its plan or a done marker is gone): giving the merge back", "unfinished"],
                [0, "every shard is done: merging", undefined],
            ],
        );
        await assertSucceeded(s3);
    });

    it("after a failed status, the pods run again start the file over once: a pod that read the failed status late does not delete the plan another pod made", async () => {
        // The previous run failed and left its plan and a done marker. Both pods find plan.json (412) and read the
        // failed status before either acts on it. Pod 0 starts the file over first; pod 1 acts only once pod 0 has
        // created the new plan, and pod 0 goes on only once pod 1 has deleted that plan (or finished without it).
        const etag = ((await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: KEY }))).ETag ?? "").replace(/"/g, "");
        const base = `partials/race.csv/${etag}/`;
        const oldStatus = { schemaVersion: 1, state: "running", bucket: BUCKET, key: KEY, etag, attempt: 1, startedAt: "2026-01-01T00:00:00.000Z" };
        await s3.put(BUCKET, `${base}plan.json`, JSON.stringify({ count: 2, size: TEXT.length, etag, key: KEY, maxAttempts: 3, env: {}, status: oldStatus }));
        await s3.put(BUCKET, `${base}done/1.json`, JSON.stringify({ attempt: 1, rows: 1 }));
        await s3.put(BUCKET, "status/race.csv.json", JSON.stringify({ ...oldStatus, state: "failed", error: { class: "ShardFailed:Error", message: "shard 0 failed", exitCode: 70 } }));
        const readStatus = [latch(), latch()];
        const pod0Replanned = latch();
        const pod1Deleted = latch();
        const finished = [latch(), latch()];
        // Per pod: PUTs of plan.json sent (a 409 while the other pod's is in flight is sent again), whether it has
        // read the failed status after them, and whether its next request was held.
        const pods = [0, 1].map(() => ({ planPuts: 0, read: false, held: false }));
        let pod0AfterPlan = false;
        const isPlan = (r: Request) => r.command === "PutObjectCommand" && r.key === `${base}plan.json`;
        const podS3 = (pod: number) =>
            client(
                async (r) => {
                    const me = pods[pod];
                    if (me.read && !me.held) {
                        // The first thing the pod does about the failed status it read.
                        me.held = true;
                        await Promise.all(readStatus.map((l) => l.promise));
                        if (pod === 1) {
                            await pod0Replanned.promise;
                        }
                    }
                    if (pod === 0 && me.read && pod0Replanned.opened && !pod0AfterPlan) {
                        pod0AfterPlan = true;
                        await Promise.race([pod1Deleted.promise, finished[1].promise]);
                    }
                    if (pod === 1 && isPlan(r) && me.read) {
                        // Pod 1 creating the plan again (it deleted pod 0's).
                        await finished[0].promise;
                    }
                },
                (r) => {
                    const me = pods[pod];
                    if (isPlan(r)) {
                        me.planPuts++;
                        if (pod === 0 && me.read) {
                            pod0Replanned.open();
                        }
                    }
                    if (r.command === "GetObjectCommand" && r.key === "status/race.csv.json" && me.planPuts > 0 && !me.read) {
                        me.read = true;
                        readStatus[pod].open();
                    }
                    if (pod === 1 && r.command === "DeleteObjectsCommand") {
                        pod1Deleted.open();
                    }
                },
            );
        const results = await Promise.all([0, 1].map((pod) => runPod(podS3(pod), pod).finally(() => finished[pod].open())));
        assert.deepEqual(
            results.map((r) => [r.outcome, r.exitCode]),
            [
                ["succeeded", 0],
                ["succeeded", 0],
            ],
            problems(lines),
        );
        assert.equal(lines.filter((l) => l.msg === "every shard is done: merging").length, 1);
        await assertSucceeded(s3);
    });
});
