/**
 * Worker mode: a long-running loop over an SQS queue's messages (a queue-driven ECS service).
 *
 * For each message: parse it (messages.ts), process the files it names one after the other through
 * the same path as event mode, then
 * - delete it when every file succeeded or was already processed (duplicates are skipped by status
 *   document and ETag), and for the S3 test event;
 * - leave it when a file failed, it names another bucket, or it cannot be understood: it becomes
 *   visible again after the visibility timeout and, after the queue's maxReceiveCount, the redrive
 *   policy moves it to the dead-letter queue;
 * - release it (visibility 0) when SIGTERM interrupted it, so another worker takes it at once.
 *
 * While a message is in flight its visibility is extended (ChangeMessageVisibility) every half
 * visibility timeout, so a long file is never handed to a second worker. SIGTERM stops polling,
 * records the file in progress `interrupted`, releases its message (and any received but not
 * started), and the worker exits 0: scale-in and deployments are not failures.
 */
import { Message, ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { S3Client } from "@aws-sdk/client-s3";
import { WorkerConfig, candidateKeys, isUnderPrefix } from "./config";
import { ExitCode, ExitCodeValue } from "./exit-codes";
import { Job } from "./job";
import { Logger } from "./log";
import { parseMessage } from "./messages";
import { processOne } from "./run";
import { classifySqs, toWorkerError } from "./sqs";

export interface WorkerDeps {
    s3: S3Client;
    sqs: SQSClient;
    log: Logger;
    /** Aborted on SIGTERM. */
    signal: AbortSignal;
    taskArn?: string;
    /** What does the work for each file. @default the summariser */
    job?: Job;
}

export interface WorkerCounts {
    messages: number;
    deleted: number;
    /** Left for the visibility timeout (failures, messages not understood): redrive takes them to the DLQ. */
    left: number;
    /** Made visible again at once on SIGTERM. */
    released: number;
    filesSucceeded: number;
    filesSkipped: number;
    filesFailed: number;
    filesInterrupted: number;
}

/** The longest pause between ReceiveMessage attempts after errors the SDK's own retries did not get past. */
const MAX_BACKOFF_MS = 20000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        const done = () => {
            clearTimeout(timer);
            signal.removeEventListener("abort", done);
            resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener("abort", done, { once: true });
    });
}

/**
 * Keeps one received message invisible to other consumers while the worker has it: every half
 * visibility timeout, ChangeMessageVisibility back to the full timeout. Calls never overlap, and
 * `stop()` waits for the last one, so a release or delete is always the final word.
 */
class VisibilityKeeper {
    private readonly timer?: NodeJS.Timeout;
    private pending: Promise<void> = Promise.resolve();
    private stopped = false;
    extensions = 0;

    constructor(
        private readonly sqs: SQSClient,
        private readonly queueUrl: string,
        private readonly receiptHandle: string,
        private readonly timeoutSeconds: number,
        private readonly log: Logger,
    ) {
        if (timeoutSeconds > 0) {
            this.timer = setInterval(() => {
                this.pending = this.pending.then(() => this.extend());
            }, timeoutSeconds * 500);
        }
    }

    private async extend(): Promise<void> {
        if (this.stopped) {
            return;
        }
        try {
            await this.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.queueUrl, ReceiptHandle: this.receiptHandle, VisibilityTimeout: this.timeoutSeconds }));
            this.extensions++;
            this.log.debug("extended the message's visibility", { visibilityTimeoutSeconds: this.timeoutSeconds, extensions: this.extensions });
        } catch (e) {
            this.log.warn("could not extend the message's visibility; another worker may receive it", { error: (e as Error).message });
        }
    }

    async stop(): Promise<void> {
        this.stopped = true;
        clearInterval(this.timer);
        await this.pending;
    }
}

/** The queue's visibility timeout, unless VISIBILITY_TIMEOUT_SECONDS overrides it. */
async function visibilityTimeout(config: WorkerConfig, deps: WorkerDeps): Promise<number> {
    if (config.visibilityTimeoutSeconds !== undefined) {
        return config.visibilityTimeoutSeconds;
    }
    const res = await deps.sqs.send(new GetQueueAttributesCommand({ QueueUrl: config.queueUrl, AttributeNames: ["VisibilityTimeout"] }), { abortSignal: deps.signal });
    const seconds = Number(res.Attributes?.VisibilityTimeout);
    // SQS's default, should a compatible server leave the attribute out.
    return Number.isInteger(seconds) && seconds >= 0 ? seconds : 30;
}

/** Runs until SIGTERM; the result is the exit code (0 after SIGTERM). */
export async function runWorker(config: WorkerConfig, deps: WorkerDeps): Promise<ExitCodeValue> {
    const { sqs, signal } = deps;
    const counts: WorkerCounts = { messages: 0, deleted: 0, left: 0, released: 0, filesSucceeded: 0, filesSkipped: 0, filesFailed: 0, filesInterrupted: 0 };
    const stopped = (exitCode: ExitCodeValue): ExitCodeValue => {
        (exitCode === ExitCode.OK ? deps.log.info : deps.log.error)("worker stopped", { ...counts, exitCode });
        return exitCode;
    };

    let visibility: number;
    try {
        visibility = await visibilityTimeout(config, deps);
    } catch (e) {
        if (signal.aborted) {
            return stopped(ExitCode.OK);
        }
        const err = toWorkerError(e, config.queueUrl, "reading the queue's VisibilityTimeout (GetQueueAttributes)");
        deps.log.error("cannot read the queue", { errorClass: err.errorClass, error: err.message, exitCode: err.exitCode });
        return stopped(err.exitCode);
    }
    if (visibility === 0) {
        deps.log.warn("the queue's visibility timeout is 0: other consumers see a message while it is processed; set VISIBILITY_TIMEOUT_SECONDS");
    }
    deps.log.info("worker started", {
        queueUrl: config.queueUrl,
        bucket: config.bucket,
        maxMessages: config.maxMessages,
        waitTimeSeconds: config.waitTimeSeconds,
        visibilityTimeoutSeconds: visibility,
    });

    const settle = async (action: "delete" | "release", message: Message, log: Logger): Promise<void> => {
        try {
            if (action === "delete") {
                await sqs.send(new DeleteMessageCommand({ QueueUrl: config.queueUrl, ReceiptHandle: message.ReceiptHandle }));
                counts.deleted++;
            } else {
                await sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: config.queueUrl, ReceiptHandle: message.ReceiptHandle, VisibilityTimeout: 0 }));
                counts.released++;
                log.info("released the message: visible to other workers again now");
            }
        } catch (e) {
            const then = action === "delete" ? "it will be received again and skipped as a duplicate" : "it becomes visible when its visibility timeout ends";
            log.warn(`could not ${action} the message; ${then}`, { error: (e as Error).message });
        }
    };

    /** One message: what to do with it once its files are done. */
    const handle = async (message: Message, log: Logger): Promise<"delete" | "leave" | "release"> => {
        const parsed = parseMessage(message.Body ?? "");
        if (parsed.kind === "test") {
            log.info("S3 test event (sent when a bucket notification is configured): deleting it", { testBucket: parsed.bucket });
            return "delete";
        }
        if (parsed.kind === "invalid") {
            log.error("message not understood: leaving it for redrive to the dead-letter queue", { reason: parsed.reason, body: (message.Body ?? "").slice(0, 500) });
            return "leave";
        }
        log.info("message", { shape: parsed.shape, files: parsed.files.length });
        for (const i of parsed.ignored) {
            log.info("not an object-created event: nothing to do", { event: i.event, key: i.key });
        }
        let failed = false;
        for (const file of parsed.files) {
            if (signal.aborted) {
                return "release";
            }
            if (file.bucket !== config.bucket) {
                log.error("the message names another bucket; this worker reads only S3_BUCKET: leaving it for redrive", { messageBucket: file.bucket, bucket: config.bucket, key: file.key });
                counts.filesFailed++;
                failed = true;
                continue;
            }
            if (!candidateKeys(file.key).some((k) => isUnderPrefix(k, config.uploadPrefix))) {
                log.error("the key is not under S3_UPLOAD_PREFIX: leaving it for redrive", { key: file.key, uploadPrefix: config.uploadPrefix });
                counts.filesFailed++;
                failed = true;
                continue;
            }
            const result = await processOne(
                config,
                { key: file.key, size: file.size, etag: file.etag, eventTime: file.eventTime, eventId: file.eventId ?? message.MessageId },
                { ...deps, log, mode: "worker" },
            );
            if (result.outcome === "interrupted") {
                counts.filesInterrupted++;
                return "release";
            }
            if (result.outcome === "failed") {
                counts.filesFailed++;
                failed = true;
            } else if (result.outcome === "skipped") {
                counts.filesSkipped++;
            } else {
                counts.filesSucceeded++;
            }
        }
        if (failed) {
            log.error("a file failed: leaving the message for redrive (the dead-letter queue after maxReceiveCount receives)");
            return "leave";
        }
        return "delete";
    };

    let backoffMs = 0;
    while (!signal.aborted) {
        let messages: Message[];
        try {
            const res = await sqs.send(
                new ReceiveMessageCommand({
                    QueueUrl: config.queueUrl,
                    MaxNumberOfMessages: config.maxMessages,
                    WaitTimeSeconds: config.waitTimeSeconds,
                    VisibilityTimeout: config.visibilityTimeoutSeconds,
                    MessageSystemAttributeNames: ["ApproximateReceiveCount"],
                }),
                { abortSignal: signal },
            );
            messages = res.Messages ?? [];
            backoffMs = 0;
        } catch (e) {
            if (signal.aborted) {
                break;
            }
            if (classifySqs(e) === "transient") {
                backoffMs = Math.min(Math.max(backoffMs * 2, 1000), MAX_BACKOFF_MS);
                deps.log.warn("cannot receive messages; retrying", { error: (e as Error).message, retryInMs: backoffMs });
                await sleep(backoffMs, signal);
                continue;
            }
            const err = toWorkerError(e, config.queueUrl, "receiving messages");
            deps.log.error("cannot receive messages", { errorClass: err.errorClass, error: err.message, exitCode: err.exitCode });
            return stopped(err.exitCode);
        }
        if (messages.length === 0 && config.waitTimeSeconds === 0) {
            // Short polling on an empty queue: pause rather than spin.
            await sleep(1000, signal);
        }
        // Every received message is in flight until settled: keep them all invisible while they wait their turn.
        const batch = messages.map((message) => {
            const log = deps.log.with({ messageId: message.MessageId, receiveCount: Number(message.Attributes?.ApproximateReceiveCount ?? 0) || undefined });
            return { message, log, keeper: new VisibilityKeeper(sqs, config.queueUrl, message.ReceiptHandle ?? "", visibility, log) };
        });
        counts.messages += batch.length;
        for (const { message, log, keeper } of batch) {
            let action: "delete" | "leave" | "release";
            try {
                action = signal.aborted ? "release" : await handle(message, log);
            } catch (e) {
                log.error("unexpected error handling the message: leaving it for redrive", { error: (e as Error)?.message ?? String(e) });
                action = "leave";
            }
            await keeper.stop();
            if (action === "leave") {
                counts.left++;
            } else {
                await settle(action, message, log);
            }
        }
    }
    return stopped(ExitCode.OK);
}
