/**
 * An SQS-compatible server on loopback for end-to-end tests of the queue worker: the AWS JSON 1.0
 * protocol that @aws-sdk/client-sqs speaks (POST /, `X-Amz-Target: AmazonSQS.<Action>`, a JSON body;
 * errors as `{"__type": "com.amazonaws.sqs#<Code>", "message"}` with status 400 and the
 * `x-amzn-query-error` header), with only what the worker uses plus SendMessage:
 *
 * - ReceiveMessage: up to MaxNumberOfMessages visible messages, in order; long polling (WaitTimeSeconds)
 *   that ends when a message becomes visible, the wait is over or the client goes away; a VisibilityTimeout
 *   per request or the queue's; ApproximateReceiveCount; MD5OfBody (the SDK checks it).
 * - Redrive: a message already received maxReceiveCount times moves to the dead-letter queue instead of
 *   being delivered again, as SQS does when the receive count would exceed maxReceiveCount.
 * - ChangeMessageVisibility (0 makes a message visible at once), DeleteMessage (a stale receipt handle
 *   succeeds without deleting, as SQS documents), GetQueueAttributes, SendMessage.
 *
 * Visibility expiries (a message becoming visible again while nobody deleted or extended it) are counted
 * per message, so a test can prove that a worker kept its message invisible.
 */
import { createHash, randomUUID } from "crypto";
import * as http from "http";
import { AddressInfo, Socket } from "net";

export const ACCOUNT = "000000000000";

export interface QueueOptions {
    /** Seconds a received message stays invisible. @default 30 */
    visibilityTimeoutSeconds?: number;
    /** With `deadLetterQueue`: receives before a message moves there. */
    maxReceiveCount?: number;
    /** Name of the dead-letter queue (created if missing). */
    deadLetterQueue?: string;
}

export interface StoredMessage {
    messageId: string;
    body: string;
    md5: string;
    sentAt: number;
    receiveCount: number;
    firstReceivedAt?: number;
    /** Epoch ms when it is (or became) visible. */
    visibleAt: number;
    /** Received and not yet visible again. */
    inFlight: boolean;
    receiptHandle?: string;
    /** Times its visibility timeout ran out while it was in flight. */
    expiries: number;
}

interface Queue {
    name: string;
    url: string;
    options: Required<Pick<QueueOptions, "visibilityTimeoutSeconds">> & QueueOptions;
    messages: StoredMessage[];
    deleted: StoredMessage[];
}

/** One request as the server received it. */
export interface RecordedCall {
    action: string;
    input: Record<string, any>;
    at: number;
    /** ReceiveMessage: the client closed the connection before the long poll ended (it gave up waiting). */
    abandoned?: boolean;
}

export interface LocalSqs {
    endpoint: string;
    /** Creates a queue (and its dead-letter queue); returns its URL. */
    createQueue(name: string, options?: QueueOptions): string;
    queueUrl(name: string): string;
    /** Enqueues a message as SendMessage would; returns its id. */
    send(queue: string, body: string): string;
    /** The queue's messages (copies), in order. */
    messages(queue: string): StoredMessage[];
    /** Messages deleted from the queue (copies, as they were when deleted), in order. */
    deleted(queue: string): StoredMessage[];
    /** Every request so far, in order. */
    calls: RecordedCall[];
    close(): Promise<void>;
}

class SqsError extends Error {
    constructor(
        readonly code: string,
        readonly queryCode: string,
        message: string,
    ) {
        super(message);
    }
}

const md5 = (s: string) => createHash("md5").update(s, "utf8").digest("hex");

export async function startSqs(): Promise<LocalSqs> {
    const queues = new Map<string, Queue>();
    /** Every receipt handle ever issued → message id. */
    const handles = new Map<string, string>();
    const calls: RecordedCall[] = [];
    const sockets = new Set<Socket>();
    let endpoint = "";

    const createQueue = (name: string, options: QueueOptions = {}): string => {
        if (options.deadLetterQueue !== undefined && !queues.has(options.deadLetterQueue)) {
            createQueue(options.deadLetterQueue);
        }
        const url = `${endpoint}/${ACCOUNT}/${name}`;
        queues.set(name, { name, url, options: { visibilityTimeoutSeconds: 30, ...options }, messages: [], deleted: [] });
        return url;
    };

    const queueOf = (input: Record<string, any>): Queue => {
        const name = typeof input.QueueUrl === "string" ? input.QueueUrl.split("/").pop() : undefined;
        const queue = name !== undefined ? queues.get(name) : undefined;
        if (!queue || queue.url !== input.QueueUrl) {
            throw new SqsError("QueueDoesNotExist", "AWS.SimpleQueueService.NonExistentQueue", "The specified queue does not exist.");
        }
        return queue;
    };

    const enqueue = (queue: Queue, body: string, delaySeconds = 0): StoredMessage => {
        const now = Date.now();
        const message: StoredMessage = { messageId: randomUUID(), body, md5: md5(body), sentAt: now, receiveCount: 0, visibleAt: now + delaySeconds * 1000, inFlight: false, expiries: 0 };
        queue.messages.push(message);
        return message;
    };

    /** Marks in-flight messages whose visibility timeout ran out as visible again. */
    const sweep = () => {
        const now = Date.now();
        for (const q of queues.values()) {
            for (const m of q.messages) {
                if (m.inFlight && m.visibleAt <= now) {
                    m.inFlight = false;
                    m.expiries++;
                }
            }
        }
    };
    const sweeper = setInterval(sweep, 10);
    sweeper.unref();

    const tryReceive = (queue: Queue, max: number, visibilitySeconds: number): StoredMessage[] => {
        sweep();
        const now = Date.now();
        const out: StoredMessage[] = [];
        for (const m of [...queue.messages]) {
            if (out.length >= max) {
                break;
            }
            if (m.inFlight || m.visibleAt > now) {
                continue;
            }
            const { maxReceiveCount, deadLetterQueue } = queue.options;
            if (deadLetterQueue !== undefined && maxReceiveCount !== undefined && m.receiveCount >= maxReceiveCount) {
                queue.messages.splice(queue.messages.indexOf(m), 1);
                const dlq = queues.get(deadLetterQueue)!;
                dlq.messages.push({ ...m, receiveCount: 0, inFlight: false, visibleAt: now, receiptHandle: undefined, expiries: 0, firstReceivedAt: undefined });
                continue;
            }
            m.receiveCount++;
            m.firstReceivedAt ??= now;
            m.receiptHandle = `${m.messageId}#${m.receiveCount}#${randomUUID()}`;
            handles.set(m.receiptHandle, m.messageId);
            m.visibleAt = now + visibilitySeconds * 1000;
            m.inFlight = visibilitySeconds > 0;
            out.push(m);
        }
        return out;
    };

    const findByHandle = (queue: Queue, handle: unknown): StoredMessage | "stale" => {
        if (typeof handle !== "string" || !handles.has(handle)) {
            throw new SqsError("ReceiptHandleIsInvalid", "ReceiptHandleIsInvalid", `The input receipt handle "${String(handle)}" is not a valid receipt handle.`);
        }
        const m = queue.messages.find((x) => x.receiptHandle === handle);
        return m ?? "stale";
    };

    const attributesOf = (queue: Queue): Record<string, string> => {
        sweep();
        const now = Date.now();
        const attrs: Record<string, string> = {
            QueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${queue.name}`,
            VisibilityTimeout: String(queue.options.visibilityTimeoutSeconds),
            ApproximateNumberOfMessages: String(queue.messages.filter((m) => !m.inFlight && m.visibleAt <= now).length),
            ApproximateNumberOfMessagesNotVisible: String(queue.messages.filter((m) => m.inFlight).length),
            ApproximateNumberOfMessagesDelayed: String(queue.messages.filter((m) => !m.inFlight && m.visibleAt > now).length),
        };
        if (queue.options.deadLetterQueue !== undefined) {
            attrs.RedrivePolicy = JSON.stringify({ deadLetterTargetArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:${queue.options.deadLetterQueue}`, maxReceiveCount: queue.options.maxReceiveCount });
        }
        return attrs;
    };

    const wire = (m: StoredMessage, names: string[]) => {
        const all = names.includes("All");
        const system: Record<string, string> = {
            ApproximateReceiveCount: String(m.receiveCount),
            SentTimestamp: String(m.sentAt),
            ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? ""),
        };
        const attributes = Object.fromEntries(Object.entries(system).filter(([k]) => all || names.includes(k)));
        return {
            MessageId: m.messageId,
            ReceiptHandle: m.receiptHandle,
            MD5OfBody: m.md5,
            Body: m.body,
            ...(Object.keys(attributes).length > 0 ? { Attributes: attributes } : {}),
        };
    };

    const actions: Record<string, (input: Record<string, any>, res: http.ServerResponse, call: RecordedCall) => Promise<unknown> | unknown> = {
        SendMessage: (input) => {
            const queue = queueOf(input);
            if (typeof input.MessageBody !== "string" || input.MessageBody === "") {
                throw new SqsError("InvalidParameterValue", "InvalidParameterValue", "The request must contain the parameter MessageBody.");
            }
            const m = enqueue(queue, input.MessageBody, Number(input.DelaySeconds ?? 0));
            return { MessageId: m.messageId, MD5OfMessageBody: m.md5 };
        },
        GetQueueAttributes: (input) => {
            const queue = queueOf(input);
            const names: string[] = Array.isArray(input.AttributeNames) ? input.AttributeNames : [];
            const all = attributesOf(queue);
            return { Attributes: Object.fromEntries(Object.entries(all).filter(([k]) => names.includes("All") || names.includes(k))) };
        },
        ReceiveMessage: async (input, res, call) => {
            const queue = queueOf(input);
            const max = Number(input.MaxNumberOfMessages ?? 1);
            if (!Number.isInteger(max) || max < 1 || max > 10) {
                throw new SqsError("InvalidParameterValue", "InvalidParameterValue", `Value ${max} for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.`);
            }
            const wait = Number(input.WaitTimeSeconds ?? 0);
            if (!Number.isInteger(wait) || wait < 0 || wait > 20) {
                throw new SqsError("InvalidParameterValue", "InvalidParameterValue", `Value ${wait} for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.`);
            }
            const visibility = Number(input.VisibilityTimeout ?? queue.options.visibilityTimeoutSeconds);
            const names: string[] = [...(input.MessageSystemAttributeNames ?? []), ...(input.AttributeNames ?? [])];
            const deadline = Date.now() + wait * 1000;
            // The client gave up (an aborted long poll): deliver nothing to a closed connection.
            let gone = false;
            res.once("close", () => (gone = true));
            for (;;) {
                if (gone) {
                    call.abandoned = true;
                    return {};
                }
                const got = tryReceive(queue, max, visibility);
                if (got.length > 0 || Date.now() >= deadline) {
                    return got.length > 0 ? { Messages: got.map((m) => wire(m, names)) } : {};
                }
                await new Promise((r) => setTimeout(r, 20));
            }
        },
        ChangeMessageVisibility: (input) => {
            const queue = queueOf(input);
            const m = findByHandle(queue, input.ReceiptHandle);
            const seconds = Number(input.VisibilityTimeout);
            if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43200) {
                throw new SqsError("InvalidParameterValue", "InvalidParameterValue", `Value ${input.VisibilityTimeout} for parameter VisibilityTimeout is invalid. Reason: Must be between 0 and 43200.`);
            }
            sweep();
            if (m === "stale" || !m.inFlight) {
                throw new SqsError("MessageNotInflight", "AWS.SimpleQueueService.MessageNotInflight", "The message referred to isn't in flight.");
            }
            m.visibleAt = Date.now() + seconds * 1000;
            m.inFlight = seconds > 0;
            return {};
        },
        DeleteMessage: (input) => {
            const queue = queueOf(input);
            const m = findByHandle(queue, input.ReceiptHandle);
            if (m !== "stale") {
                queue.messages.splice(queue.messages.indexOf(m), 1);
                queue.deleted.push(m);
            }
            return {};
        },
    };

    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", async () => {
            const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
                if (res.destroyed) {
                    return;
                }
                const text = JSON.stringify(body);
                res.writeHead(status, { "content-type": "application/x-amz-json-1.0", "content-length": Buffer.byteLength(text), "x-amzn-requestid": randomUUID(), ...headers });
                res.end(text);
            };
            const target = String(req.headers["x-amz-target"] ?? "");
            const action = target.startsWith("AmazonSQS.") ? target.slice("AmazonSQS.".length) : "";
            try {
                if (req.method !== "POST" || !String(req.headers["content-type"] ?? "").startsWith("application/x-amz-json-1.0")) {
                    throw new SqsError("InvalidAction", "InvalidAction", `expected POST with content-type application/x-amz-json-1.0, got ${req.method} ${req.headers["content-type"]}`);
                }
                const input = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Record<string, any>;
                const call: RecordedCall = { action, input, at: Date.now() };
                calls.push(call);
                const handler = actions[action];
                if (!handler) {
                    throw new SqsError("InvalidAction", "InvalidAction", `The action ${action || "(none)"} is not valid for this endpoint.`);
                }
                reply(200, await handler(input, res, call));
            } catch (e) {
                if (e instanceof SqsError) {
                    reply(400, { __type: `com.amazonaws.sqs#${e.code}`, message: e.message }, { "x-amzn-query-error": `${e.queryCode};Sender` });
                } else {
                    reply(500, { __type: "com.amazonaws.sqs#InternalError", message: (e as Error).message });
                }
            }
        });
    });
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const named = (name: string): Queue => {
        const q = queues.get(name);
        if (!q) {
            throw new Error(`no queue ${name}`);
        }
        return q;
    };
    return {
        endpoint,
        createQueue,
        queueUrl: (name) => named(name).url,
        send: (name, body) => enqueue(named(name), body).messageId,
        messages: (name) => {
            sweep();
            return named(name).messages.map((m) => ({ ...m }));
        },
        deleted: (name) => named(name).deleted.map((m) => ({ ...m })),
        calls,
        close: () =>
            new Promise<void>((resolve) => {
                clearInterval(sweeper);
                for (const s of sockets) {
                    s.destroy();
                }
                server.close(() => resolve());
            }),
    };
}
