/**
 * Where the smoke check reads the alert topic's notifications: an "alert inbox". In AWS it is a
 * temporary SQS queue subscribed to the topic for the length of the check; against the local
 * pipeline it is the local topic's directory (app/src/local/alert-topic.ts). Both hand the check the
 * same thing, the SNS notification an SQS subscriber receives, so the check reads them one way.
 */
import {
    CreateQueueCommand,
    DeleteMessageBatchCommand,
    DeleteQueueCommand,
    GetQueueAttributesCommand,
    ReceiveMessageCommand,
    SQSClient,
    SetQueueAttributesCommand,
} from "@aws-sdk/client-sqs";
import { SNSClient, SubscribeCommand, UnsubscribeCommand } from "@aws-sdk/client-sns";
import { readLocalNotifications, TopicNotification } from "../local/alert-topic";
import { isEcsTaskStateChange, readFile } from "../notifier/format";

export type { TopicNotification } from "../local/alert-topic";

export interface AlertInbox {
    /** What is read, for the report (the queue and topic, or the directory). */
    readonly description: string;
    /**
     * Resolves with the first notification `accept` takes, published after the inbox was opened;
     * rejects after `timeoutMs` naming what else arrived, or when `signal` aborts.
     */
    waitFor(accept: (n: TopicNotification) => boolean, timeoutMs: number, signal?: AbortSignal): Promise<TopicNotification>;
    /** Removes what opening the inbox created (subscription, queue). Safe to call twice. */
    close(): Promise<void>;
}

/** Thrown when no notification was taken in time. */
export class NoNotificationError extends Error {}

/** A notification as an SQS message body (or a local file), if it is one. */
export function parseNotification(body: string): TopicNotification | undefined {
    try {
        const n = JSON.parse(body) as Partial<TopicNotification>;
        return n.Type === "Notification" && typeof n.Message === "string" && typeof n.TopicArn === "string" ? (n as TopicNotification) : undefined;
    } catch {
        return undefined;
    }
}

/** Whether a notification from `topicArn` is the failure rule's message for the task that processed `bucket`/`key`. */
export function isTaskFailureFor(n: TopicNotification, topicArn: string, bucket: string, key: string): boolean {
    if (n.TopicArn !== topicArn) {
        return false;
    }
    let message: unknown;
    try {
        message = JSON.parse(n.Message);
    } catch {
        return false;
    }
    if (!isEcsTaskStateChange(message)) {
        return false;
    }
    const file = readFile(message.detail);
    return file.key === key && (file.bucket === undefined || file.bucket === bucket);
}

function aborted(signal: AbortSignal | undefined): boolean {
    return signal?.aborted === true;
}

export function abortError(): Error {
    const e = new Error("interrupted");
    e.name = "AbortError";
    return e;
}

/** Waits `ms`, or rejects with an AbortError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
        if (aborted(signal)) {
            reject(abortError());
            return;
        }
        const timer = setTimeout(() => {
            signal?.removeEventListener("abort", onAbort);
            resolve();
        }, ms);
        const onAbort = () => {
            clearTimeout(timer);
            reject(abortError());
        };
        signal?.addEventListener("abort", onAbort, { once: true });
    });
}

/** Summary of what arrived but was not taken, for the timeout message. */
function others(seen: TopicNotification[]): string {
    if (seen.length === 0) {
        return "nothing else arrived";
    }
    const subjects = seen.slice(0, 3).map((n) => n.Subject ?? n.Message.slice(0, 80).replace(/\s+/g, " "));
    return `${seen.length} other notification(s) arrived: ${subjects.join(" | ")}${seen.length > 3 ? " …" : ""}`;
}

/** The local topic's directory: notifications written after opening, read in order. */
export function openLocalInbox(directory: string, pollMs = 200): AlertInbox {
    const before = new Set(readLocalNotifications(directory).notifications.map((n) => n.file));
    const seen = new Set<string>();
    return {
        description: `local alert topic ${directory}`,
        async waitFor(accept, timeoutMs, signal) {
            const deadline = Date.now() + timeoutMs;
            const skipped: TopicNotification[] = [];
            for (;;) {
                const { notifications, unreadable } = readLocalNotifications(directory);
                for (const { file, notification } of notifications) {
                    if (before.has(file) || seen.has(file)) {
                        continue;
                    }
                    seen.add(file);
                    if (accept(notification)) {
                        return notification;
                    }
                    skipped.push(notification);
                }
                if (Date.now() >= deadline) {
                    const bad = unreadable.length > 0 ? `; ${unreadable.length} unreadable file(s): ${unreadable.join(", ")}` : "";
                    throw new NoNotificationError(`no matching notification in ${directory} within ${Math.round(timeoutMs / 1000)} s; ${others(skipped)}${bad}`);
                }
                await sleep(Math.min(pollMs, Math.max(0, deadline - Date.now())), signal);
            }
        },
        close: async () => undefined,
    };
}

export interface SqsInboxOptions {
    sqs: Pick<SQSClient, "send">;
    sns: Pick<SNSClient, "send">;
    topicArn: string;
    /** The temporary queue's name (≤ 80 letters, digits, hyphens, underscores). */
    queueName: string;
    /** Long-poll wait per receive, at most 20 s. @default 20 */
    waitSeconds?: number;
}

/**
 * Creates a queue (SSE-SQS, a policy that admits only this topic), subscribes it to the topic and
 * reads it. `close` unsubscribes and deletes the queue; call it whatever happens. If opening fails
 * half way, what was created is removed before the error is thrown.
 */
export async function openSqsInbox(options: SqsInboxOptions): Promise<AlertInbox> {
    const { sqs, sns, topicArn } = options;
    const created = await sqs.send(new CreateQueueCommand({ QueueName: options.queueName, Attributes: { SqsManagedSseEnabled: "true", MessageRetentionPeriod: "3600" } }));
    const queueUrl = created.QueueUrl as string;
    let subscriptionArn: string | undefined;
    let closed = false;
    const close = async () => {
        if (closed) {
            return;
        }
        closed = true;
        const errors: string[] = [];
        if (subscriptionArn !== undefined && subscriptionArn.startsWith("arn:")) {
            await sns.send(new UnsubscribeCommand({ SubscriptionArn: subscriptionArn })).catch((e: Error) => errors.push(`unsubscribe ${subscriptionArn}: ${e.message}`));
        }
        await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch((e: Error) => errors.push(`delete queue ${queueUrl}: ${e.message}`));
        if (errors.length > 0) {
            throw new Error(errors.join("; "));
        }
    };
    try {
        const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }));
        const queueArn = attributes.Attributes?.QueueArn as string;
        // SNS may send to the queue for this topic only (https://docs.aws.amazon.com/sns/latest/dg/subscribe-sqs-queue-to-sns-topic.html).
        const policy = {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: queueArn, Condition: { ArnEquals: { "aws:SourceArn": topicArn } } }],
        };
        await sqs.send(new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: JSON.stringify(policy) } }));
        const subscribed = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queueArn, ReturnSubscriptionArn: true }));
        subscriptionArn = subscribed.SubscriptionArn;
    } catch (e) {
        await close().catch(() => undefined);
        throw e;
    }
    const waitSeconds = Math.min(20, options.waitSeconds ?? 20);
    return {
        description: `SQS queue ${options.queueName} subscribed to ${topicArn}`,
        async waitFor(accept, timeoutMs, signal) {
            const deadline = Date.now() + timeoutMs;
            const skipped: TopicNotification[] = [];
            let unreadable = 0;
            while (Date.now() < deadline) {
                if (aborted(signal)) {
                    throw abortError();
                }
                const wait = Math.max(0, Math.min(waitSeconds, Math.floor((deadline - Date.now()) / 1000)));
                const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: wait }), { abortSignal: signal });
                const messages = received.Messages ?? [];
                if (messages.length > 0) {
                    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle as string })) }));
                }
                for (const m of messages) {
                    const n = parseNotification(m.Body ?? "");
                    if (n === undefined) {
                        unreadable++;
                    } else if (accept(n)) {
                        return n;
                    } else {
                        skipped.push(n);
                    }
                }
                if (wait === 0 && messages.length === 0) {
                    await sleep(Math.min(1000, Math.max(0, deadline - Date.now())), signal);
                }
            }
            const bad = unreadable > 0 ? `; ${unreadable} message(s) were not SNS notifications` : "";
            throw new NoNotificationError(`no matching notification on ${topicArn} within ${Math.round(timeoutMs / 1000)} s; ${others(skipped)}${bad}`);
        },
        close,
    };
}
