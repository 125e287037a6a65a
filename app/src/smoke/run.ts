/**
 * The smoke check's steps, against a deployed stack or the local pipeline:
 *
 * 1. upload a small CSV under the upload prefix; wait for its status document to say `succeeded`
 *    and its summary to appear; check the row count;
 * 2. with the alert inbox open, upload a file that must fail (binary content under a data
 *    suffix); wait for `failed`, then for the failure rule's notification on the alert topic;
 * 3. the upload rule's and the failure rule's FailedInvocations are zero and the dead-letter
 *    queues are empty;
 * 4. clean up everything the check created: its objects (all versions), the inbox's subscription
 *    and queue. This step runs whatever happened before, also after an interruption.
 *
 * Each step is printed with its start time and duration; the result names the first step that
 * failed. Nothing here imports the Pulumi SDK.
 */
import { CloudWatchClient, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { SMOKE_CHECK_FOLDER, SMOKE_CHECK_SLACK_FOLDER } from "../notifier/smoke";
import { StatusDocument, statusKey, summaryKey } from "../processor/status";
import { AlertInbox, isTaskFailureFor, sleep } from "./alerts";
import { SmokeTarget } from "./target";

export interface SmokeClients {
    s3: Pick<S3Client, "send">;
    /** For the dead-letter queues (AWS only). */
    sqs?: Pick<SQSClient, "send">;
    /** For FailedInvocations (AWS only). */
    cloudwatch?: Pick<CloudWatchClient, "send">;
}

export interface SmokeOptions {
    target: SmokeTarget;
    /** Opens the alert inbox (the temporary queue in AWS, the local topic's directory locally). */
    openInbox: () => Promise<AlertInbox>;
    /** A short id that names this run's files and queue. */
    runId: string;
    /** Data rows in the CSV of step 1. @default 5 */
    rows?: number;
    /** How long each wait may take. @default 600000 */
    timeoutMs?: number;
    /** Interval between status reads. @default 2000 */
    pollMs?: number;
    /** Let step 2's failure notification reach Slack. @default false */
    slack?: boolean;
    /** How far back step 3 reads FailedInvocations. @default 60 minutes */
    lookbackMinutes?: number;
    /** Aborting it interrupts the current step; clean-up still runs. */
    signal?: AbortSignal;
    print: (line: string) => void;
    now?: () => number;
}

export interface StepResult {
    name: string;
    ok: boolean;
    startedMs: number;
    durationMs: number;
    detail: string;
}

export interface SmokeResult {
    ok: boolean;
    /** The first step that failed, or the one that was running when interrupted. */
    failedStep?: string;
    interrupted: boolean;
    steps: StepResult[];
}

export const STEP_NAMES = ["processed upload", "failure alert", "delivery health", "clean-up"] as const;

class StepFailure extends Error {}

function isAbort(e: unknown): boolean {
    return (e as Error)?.name === "AbortError";
}

/** The suffix the check's files take so the upload rule matches them: `.csv` unless the rule does not take it. */
export function dataSuffix(keySuffixes: readonly string[]): string {
    if (keySuffixes.length === 0 || keySuffixes.includes(".csv")) {
        return ".csv";
    }
    const plain = keySuffixes.find((s) => /^\.(tsv|txt|jsonl)$/.test(s));
    if (plain === undefined) {
        throw new StepFailure(`the upload rule takes only ${keySuffixes.join(", ")}; the smoke check uploads .csv, .tsv, .txt or .jsonl files`);
    }
    return plain;
}

/** A small file with `rows` data rows in the format `suffix` names (a header, then numbered rows). */
export function smokeFile(suffix: string, rows: number, runId: string): string {
    if (suffix === ".jsonl") {
        return Array.from({ length: rows }, (_, i) => `${JSON.stringify({ n: i + 1, run: runId, amount: (i + 1) * 1.5 })}\n`).join("");
    }
    const sep = suffix === ".tsv" ? "\t" : ",";
    return [["n", "run", "amount"].join(sep), ...Array.from({ length: rows }, (_, i) => [i + 1, runId, ((i + 1) * 1.5).toFixed(2)].join(sep))].join("\n") + "\n";
}

/** Bytes that are not text: the processor fails such a file (InputError:binary, exit 65). */
export function failingFile(): Buffer {
    return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(512, 0)]);
}

async function readJson<T>(s3: SmokeClients["s3"], bucket: string, key: string, signal?: AbortSignal): Promise<T | undefined> {
    try {
        const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
        return JSON.parse(await (out.Body as { transformToString(): Promise<string> }).transformToString()) as T;
    } catch (e) {
        if ((e as Error).name === "NoSuchKey" || (e as Error).name === "NotFound") {
            return undefined;
        }
        throw e;
    }
}

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

export async function runSmoke(options: SmokeOptions, clients: SmokeClients): Promise<SmokeResult> {
    const { target, print, signal } = options;
    const now = options.now ?? Date.now;
    const rows = options.rows ?? 5;
    const timeoutMs = options.timeoutMs ?? 600_000;
    const pollMs = options.pollMs ?? 2000;
    const start = now();
    const folder = `${target.prefixes.upload}${options.slack ? SMOKE_CHECK_SLACK_FOLDER : SMOKE_CHECK_FOLDER}/${options.runId}/`;
    const created = new Set<string>();
    let inbox: AlertInbox | undefined;
    const steps: StepResult[] = [];

    /** The keys a processed upload produces (status, summary), to clean up with it. */
    const products = (key: string) => {
        const relative = key.slice(target.prefixes.upload.length);
        return { status: statusKey(target.prefixes.status, relative), summary: summaryKey(target.prefixes.output, relative) };
    };
    const note = (text: string) => print(`[${seconds(now() - start).padStart(8)}]     ${text}`);
    const upload = async (key: string, body: string | Buffer) => {
        const { status, summary } = products(key);
        [key, status, summary].forEach((k) => created.add(k));
        await clients.s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: key, Body: body }), { abortSignal: signal });
        note(`uploaded s3://${target.bucket}/${key}; waiting for s3://${target.bucket}/${status}`);
    };
    /** Waits until the file's status document reaches `state` (failing fast on the other final state). */
    const waitForStatus = async (key: string, state: "succeeded" | "failed"): Promise<StatusDocument> => {
        const { status } = products(key);
        const deadline = now() + timeoutMs;
        let last: StatusDocument | undefined;
        for (;;) {
            last = await readJson<StatusDocument>(clients.s3, target.bucket, status, signal);
            if (last?.state === state) {
                return last;
            }
            if (last !== undefined && last.state !== "running") {
                const error = last.error ? `: ${last.error.class} ${last.error.message} (exit ${last.error.exitCode})` : "";
                throw new StepFailure(`s3://${target.bucket}/${status} says ${last.state}${error}, expected ${state}`);
            }
            if (now() >= deadline) {
                throw new StepFailure(
                    `s3://${target.bucket}/${status} ${last === undefined ? "never appeared" : "still says running"} after ${seconds(timeoutMs)}; ` +
                        "check the upload rule's FailedInvocations and dead-letter queue, and the processor's log group",
                );
            }
            await sleep(pollMs, signal);
        }
    };

    const step = async (index: number, run: () => Promise<string>): Promise<boolean> => {
        const name = STEP_NAMES[index];
        const startedMs = now() - start;
        print(`[${seconds(startedMs).padStart(8)}] ${index + 1}/${STEP_NAMES.length} ${name} …`);
        try {
            const detail = await run();
            const durationMs = now() - start - startedMs;
            steps.push({ name, ok: true, startedMs, durationMs, detail });
            print(`[${seconds(now() - start).padStart(8)}]     ok in ${seconds(durationMs)}: ${detail}`);
            return true;
        } catch (e) {
            const durationMs = now() - start - startedMs;
            const detail = isAbort(e) ? "interrupted" : (e as Error).message;
            steps.push({ name, ok: false, startedMs, durationMs, detail });
            print(`[${seconds(now() - start).padStart(8)}]     FAILED after ${seconds(durationMs)}: ${detail}`);
            return false;
        }
    };

    const checks: (() => Promise<string>)[] = [
        // 1. A file the processor must handle.
        async () => {
            const key = `${folder}ok${dataSuffix(target.keySuffixes)}`;
            await upload(key, smokeFile(dataSuffix(target.keySuffixes), rows, options.runId));
            const status = await waitForStatus(key, "succeeded");
            const summary = await readJson<{ rows?: number }>(clients.s3, target.bucket, products(key).summary, signal);
            if (summary === undefined) {
                throw new StepFailure(`status says succeeded but s3://${target.bucket}/${products(key).summary} is missing`);
            }
            if (summary.rows !== rows || status.rowsProcessed !== rows) {
                throw new StepFailure(`expected ${rows} rows; the summary says ${summary.rows}, the status ${status.rowsProcessed}`);
            }
            return `s3://${target.bucket}/${key} → succeeded, ${rows} rows, summary ${products(key).summary}`;
        },
        // 2. A file that must fail, and its notification on the alert topic.
        async () => {
            inbox = await options.openInbox();
            note(`reading the alert topic through ${inbox.description}`);
            const key = `${folder}must-fail${dataSuffix(target.keySuffixes)}`;
            await upload(key, failingFile());
            const status = await waitForStatus(key, "failed");
            const topicArn = "topicArn" in target.alerts ? target.alerts.topicArn : undefined;
            note(`status failed; waiting for the failure notification on ${inbox.description}`);
            const notification = await inbox.waitFor(
                (n) => isTaskFailureFor(n, topicArn ?? n.TopicArn, target.bucket, key),
                timeoutMs,
                signal,
            );
            return `${key} → failed (${status.error?.class ?? "?"}, exit ${status.error?.exitCode ?? "?"}); failure notification ${notification.MessageId} read from ${inbox.description}${options.slack ? "; posted to Slack (--slack)" : "; not posted to Slack"}`;
        },
        // 3. Nothing is failing to deliver, and nothing waits in a dead-letter queue.
        async () => {
            const found: string[] = [];
            if (target.rules.length > 0) {
                if (!clients.cloudwatch) {
                    throw new StepFailure("no CloudWatch client to read the rules' FailedInvocations");
                }
                const lookback = (options.lookbackMinutes ?? 60) * 60_000;
                const out = await clients.cloudwatch.send(
                    new GetMetricDataCommand({
                        StartTime: new Date(start - lookback),
                        EndTime: new Date(now() + 60_000),
                        MetricDataQueries: target.rules.map((rule, i) => ({
                            Id: `rule${i}`,
                            Label: rule,
                            MetricStat: { Metric: { Namespace: "AWS/Events", MetricName: "FailedInvocations", Dimensions: [{ Name: "RuleName", Value: rule }] }, Period: 60, Stat: "Sum" },
                        })),
                    }),
                    { abortSignal: signal },
                );
                target.rules.forEach((rule, i) => {
                    const sum = (out.MetricDataResults ?? []).find((r) => r.Id === `rule${i}`)?.Values?.reduce((a, b) => a + b, 0) ?? 0;
                    if (sum > 0) {
                        found.push(`rule ${rule}: ${sum} FailedInvocations in the last ${options.lookbackMinutes ?? 60} min`);
                    }
                });
            }
            for (const url of target.deadLetterQueueUrls) {
                if (!clients.sqs) {
                    throw new StepFailure("no SQS client to read the dead-letter queues");
                }
                const out = await clients.sqs.send(
                    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed"] }),
                    { abortSignal: signal },
                );
                const count = Object.values(out.Attributes ?? {}).reduce((a, v) => a + Number(v ?? 0), 0);
                if (count > 0) {
                    found.push(`${url}: ${count} message(s) (see docs/operations.md, Redriving the dead-letter queues)`);
                }
            }
            if (found.length > 0) {
                throw new StepFailure(found.join("; "));
            }
            if (target.rules.length === 0 && target.deadLetterQueueUrls.length === 0) {
                return "no rules or dead-letter queues in the outputs to check (the local pipeline has none)";
            }
            return `FailedInvocations 0 on ${target.rules.join(", ") || "no rules"}; ${target.deadLetterQueueUrls.length} dead-letter queue(s) empty`;
        },
    ];

    let failedStep: string | undefined;
    for (let i = 0; i < checks.length && failedStep === undefined; i++) {
        if (!(await step(i, checks[i]))) {
            failedStep = STEP_NAMES[i];
        }
    }
    // 4. Clean up, whatever happened; not interruptible.
    const cleaned = await step(3, async () => {
        const errors: string[] = [];
        for (const key of created) {
            try {
                await deleteEveryVersion(clients.s3, target.bucket, key);
            } catch (e) {
                errors.push(`s3://${target.bucket}/${key}: ${(e as Error).message}`);
            }
        }
        let inboxNote = "";
        if (inbox) {
            try {
                await inbox.close();
                inboxNote = `; closed ${inbox.description}`;
            } catch (e) {
                errors.push((e as Error).message);
            }
        }
        if (errors.length > 0) {
            throw new StepFailure(`left behind: ${errors.join("; ")}`);
        }
        return `${created.size} key(s) deleted with every version (the uploads under s3://${target.bucket}/${folder}, their status and summary documents)${inboxNote}`;
    });
    if (!cleaned && failedStep === undefined) {
        failedStep = STEP_NAMES[3];
    }
    const interrupted = signal?.aborted === true;
    return { ok: failedStep === undefined && !interrupted, failedStep, interrupted, steps };
}

/**
 * Deletes a key: every version and delete marker where the bucket keeps versions, else the object
 * (deleting a missing key succeeds). A store without version listing (the local S3 server) gets a
 * plain delete.
 */
async function deleteEveryVersion(s3: SmokeClients["s3"], bucket: string, key: string): Promise<void> {
    let versions: { VersionId?: string }[] | undefined;
    try {
        const out = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
        versions = [...(out.Versions ?? []), ...(out.DeleteMarkers ?? [])].filter((v) => (v as { Key?: string }).Key === key);
    } catch (e) {
        if (!/NotImplemented|MethodNotAllowed/.test((e as Error).name)) {
            throw e;
        }
    }
    if (versions === undefined || versions.every((v) => v.VersionId === undefined || v.VersionId === "null")) {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
        return;
    }
    for (const v of versions) {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: v.VersionId }));
    }
}
