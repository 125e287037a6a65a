/**
 * The processor's worker mode (PROCESSOR_MODE=worker) end to end, as a queue-driven ECS service runs
 * it: a child process polling a loopback SQS-compatible server (tests/support/sqs-server.ts, spoken to
 * by @aws-sdk/client-sqs) and reading a real S3-compatible server on loopback. Plus the pure parser of
 * the message shapes it accepts.
 */
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { strict as assert } from "assert";
import * as http from "http";
import { AddressInfo } from "net";
import { ExitCode } from "../app/src/processor/exit-codes";
import { parseMessage } from "../app/src/processor/messages";
import { RunningProcessor as Worker, startProcessor as start, until } from "./support/processor";
import { LocalS3, readStatus, startProxy, startS3 } from "./support/s3";
import { objectCreatedEvent } from "./support/s3-events";
import { LocalSqs, startSqs } from "./support/sqs-server";

const BUCKET = "worker-uploads";
const OTHER = "someone-elses";

/** An S3 event notification record, as S3 sends it to SQS (keys URL-encoded, `+` for space). */
function s3Record(bucket: string, encodedKey: string, extra: { eTag?: string; size?: number; eventName?: string } = {}) {
    return {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: "us-east-1",
        eventTime: "2026-11-23T10:00:00.000Z",
        eventName: extra.eventName ?? "ObjectCreated:Put",
        s3: { s3SchemaVersion: "1.0", bucket: { name: bucket, arn: `arn:aws:s3:::${bucket}` }, object: { key: encodedKey, size: extra.size ?? 8, eTag: extra.eTag, sequencer: "0055AED6DCD90281E5" } },
    };
}

/**
 * A front for the local S3 server that (1) answers a GET with If-Match as S3 does, 412 PreconditionFailed
 * when the object's ETag differs (s3rver ignores the header), and (2) optionally relays the bodies of
 * matching requests slowly, after reading them whole (so the upstream's keep-alive timer cannot cut a
 * long, slow response short).
 */
async function startS3Front(s3: LocalS3, slow?: { pathIncludes: string; bytesPer100ms: number }): Promise<{ endpoint: string; close(): Promise<void> }> {
    const upstream = new URL(s3.endpoint);
    const sockets = new Set<import("net").Socket>();
    const server = http.createServer(async (req, res) => {
        const url = new URL(req.url ?? "/", "http://front");
        const ifMatch = req.headers["if-match"];
        if (req.method === "GET" && typeof ifMatch === "string") {
            const [, bucket, ...rest] = url.pathname.split("/");
            try {
                const head = await s3.client.send(new HeadObjectCommand({ Bucket: bucket, Key: decodeURIComponent(rest.join("/")) }));
                if (ifMatch !== "*" && head.ETag !== ifMatch) {
                    res.writeHead(412, { "content-type": "application/xml" });
                    res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message><Condition>If-Match</Condition></Error>');
                    return;
                }
            } catch {
                // Missing: the upstream answers 404.
            }
        }
        const throttled = slow !== undefined && decodeURIComponent(req.url ?? "").includes(slow.pathIncludes);
        const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
            if (!throttled) {
                res.writeHead(up.statusCode ?? 502, up.headers);
                up.pipe(res);
                return;
            }
            const chunks: Buffer[] = [];
            up.on("data", (c: Buffer) => chunks.push(c));
            up.on("end", () => {
                const body = Buffer.concat(chunks);
                res.writeHead(up.statusCode ?? 502, up.headers);
                let offset = 0;
                const step = () => {
                    if (res.destroyed) {
                        return;
                    }
                    res.write(body.subarray(offset, offset + slow.bytesPer100ms));
                    offset += slow.bytesPer100ms;
                    if (offset < body.length) {
                        setTimeout(step, 100);
                    } else {
                        res.end();
                    }
                };
                step();
            });
        });
        forward.on("error", () => res.destroy());
        req.pipe(forward);
    });
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return {
        endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
            new Promise<void>((resolve) => {
                for (const s of sockets) {
                    s.destroy();
                }
                server.close(() => resolve());
            }),
    };
}

const s3Encode = (key: string) => encodeURIComponent(key).replace(/%2F/g, "/").replace(/%20/g, "+");

describe("queue messages the worker accepts", () => {
    it("reads every record of an S3 event notification, keeping the key as encoded, and ignores events other than object creation", () => {
        const body = JSON.stringify({ Records: [s3Record("b", "uploads/a+b.csv", { eTag: "abc", size: 12 }), s3Record("b", "uploads/gone.csv", { eventName: "ObjectRemoved:Delete" }), s3Record("b", "uploads/c.csv")] });
        assert.deepEqual(parseMessage(body), {
            kind: "files",
            shape: "s3-notification",
            files: [
                { bucket: "b", key: "uploads/a+b.csv", size: 12, etag: "abc", eventTime: "2026-11-23T10:00:00.000Z" },
                { bucket: "b", key: "uploads/c.csv", size: 8, etag: undefined, eventTime: "2026-11-23T10:00:00.000Z" },
            ],
            ignored: [{ event: "ObjectRemoved:Delete", key: "uploads/gone.csv" }],
        });
    });

    it("reads an EventBridge Object Created event with its id, time and ETag", () => {
        assert.deepEqual(parseMessage(JSON.stringify(objectCreatedEvent("b", "uploads/x y.csv", { etag: '"e1"' }))), {
            kind: "files",
            shape: "eventbridge",
            files: [{ bucket: "b", key: "uploads/x y.csv", size: 8, etag: "e1", eventTime: "2026-11-23T10:00:00Z", eventId: "17793124-05d4-b198-2fde-7ededc63b103" }],
            ignored: [],
        });
        const deleted = { ...objectCreatedEvent("b", "uploads/x.csv"), "detail-type": "Object Deleted" };
        assert.deepEqual(parseMessage(JSON.stringify(deleted)), { kind: "files", shape: "eventbridge", files: [], ignored: [{ event: "Object Deleted", key: "uploads/x.csv" }] });
    });

    it("reads a plain {bucket, key} and recognises S3's test event", () => {
        assert.deepEqual(parseMessage('{"bucket":"b","key":"uploads/a.csv"}'), { kind: "files", shape: "plain", files: [{ bucket: "b", key: "uploads/a.csv" }], ignored: [] });
        const test = { Service: "Amazon S3", Event: "s3:TestEvent", Time: "2026-11-23T10:00:00.000Z", Bucket: "b", RequestId: "5582815E1AEA5ADF", HostId: "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE" };
        assert.deepEqual(parseMessage(JSON.stringify(test)), { kind: "test", bucket: "b" });
    });

    it("calls anything else invalid, saying why", () => {
        const invalid = (body: string) => {
            const p = parseMessage(body);
            assert.equal(p.kind, "invalid", body);
            return (p as { reason: string }).reason;
        };
        assert.match(invalid("not json{"), /^not JSON \(.+\); expected an S3 event notification/);
        assert.match(invalid("[1,2]"), /^not a JSON object/);
        assert.match(invalid('{"hello":"world"}'), /^unknown message shape; expected an S3 event notification \(\{"Records":\[…\]\}\), an EventBridge "Object Created" event or \{"bucket","key"\}$/);
        assert.equal(invalid('{"Records":[]}'), "an S3 event notification with no Records");
        assert.equal(invalid('{"Records":[{"eventSource":"aws:sqs"}]}'), 'Records[0].eventSource is "aws:sqs", not "aws:s3"');
        assert.equal(invalid('{"Records":[{"eventSource":"aws:s3","s3":{"bucket":{"name":"b"}}}]}'), "Records[0] has no s3.bucket.name or s3.object.key");
        assert.equal(invalid('{"bucket":"b"}'), 'a {"bucket","key"} message needs both as non-empty strings');
        assert.equal(invalid('{"source":"aws.s3","detail-type":"Object Created","detail":{}}'), "an EventBridge Object Created event with no detail.bucket.name or detail.object.key");
    });
});

describe("processor worker mode against local SQS and S3 servers", function () {
    this.timeout(90000);
    let s3: LocalS3;
    let sqs: LocalSqs;
    let queues = 0;
    let running: Worker[] = [];

    before(async () => {
        [s3, sqs] = await Promise.all([startS3(), startSqs()]);
        await s3.createBucket(BUCKET);
        await s3.createBucket(OTHER);
    });
    afterEach(() => {
        for (const w of running) {
            if (w.child.exitCode === null && w.child.signalCode === null) {
                w.child.kill("SIGKILL");
            }
        }
        running = [];
    });
    after(async () => {
        await Promise.all([s3.close(), sqs.close()]);
    });

    /** A fresh queue per test (with a DLQ after 3 receives). */
    function queue(visibilityTimeoutSeconds = 30): string {
        const name = `q${++queues}`;
        sqs.createQueue(name, { visibilityTimeoutSeconds, maxReceiveCount: 3, deadLetterQueue: `${name}-dlq` });
        return name;
    }
    function worker(q: string, extra: Record<string, string> = {}): Worker {
        const w = start({ PROCESSOR_MODE: "worker", SQS_QUEUE_URL: sqs.queueUrl(q), SQS_ENDPOINT: sqs.endpoint, S3_ENDPOINT: s3.endpoint, S3_BUCKET: BUCKET, WAIT_TIME_SECONDS: "1", ...extra });
        running.push(w);
        return w;
    }
    /** SIGTERM, as ECS sends on scale-in or a deployment: the worker must exit 0. */
    async function stop(w: Worker): Promise<void> {
        w.child.kill("SIGTERM");
        const { code, stderr } = await w.done;
        assert.equal(code, ExitCode.OK, `${stderr}\n${JSON.stringify(w.logs)}`);
    }
    const status = (relative: string, bucket = BUCKET) => readStatus(s3, bucket, relative);
    const calls = (q: string, action: string) => sqs.calls.filter((c) => c.action === action && c.input.QueueUrl === sqs.queueUrl(q));

    it("processes each message shape, deletes each message on success, and deletes S3's test event", async () => {
        const q = queue();
        const files = ["uploads/n1.csv", "uploads/with space.csv", "uploads/eb.csv", "uploads/plain.csv"];
        for (const key of files) {
            await s3.put(BUCKET, key, "a,b\n1,2\n");
        }
        const notification = sqs.send(q, JSON.stringify({ Records: [s3Record(BUCKET, "uploads/n1.csv"), s3Record(BUCKET, s3Encode("uploads/with space.csv")), s3Record(BUCKET, "uploads/old.csv", { eventName: "ObjectRemoved:Delete" })] }));
        sqs.send(q, JSON.stringify({ Service: "Amazon S3", Event: "s3:TestEvent", Time: "2026-11-23T10:00:00.000Z", Bucket: BUCKET, RequestId: "R", HostId: "H" }));
        sqs.send(q, JSON.stringify(objectCreatedEvent(BUCKET, "uploads/eb.csv")));
        sqs.send(q, JSON.stringify({ bucket: BUCKET, key: "uploads/plain.csv" }));
        const w = worker(q);
        await until(() => sqs.messages(q).length === 0, "the queue to empty");
        await stop(w);

        assert.equal(sqs.deleted(q).length, 4);
        assert.ok(sqs.deleted(q).every((m) => m.receiveCount === 1), "each received once");
        assert.equal(sqs.messages(`${q}-dlq`).length, 0);
        for (const key of files) {
            const st = await status(key.slice("uploads/".length));
            assert.deepEqual([st?.state, st?.key], ["succeeded", key], key);
        }
        assert.equal((await status("n1.csv")).eventId, notification, "an S3 record's event id is its message's id");
        assert.equal((await status("eb.csv")).eventId, "17793124-05d4-b198-2fde-7ededc63b103", "an EventBridge event keeps its id");
        assert.equal(await s3.get(BUCKET, "status/old.csv.json"), undefined, "a deletion event is not processed");
        assert.ok(w.logs.some((l) => /^S3 test event/.test(l.msg) && l.testBucket === BUCKET));
        assert.ok(w.logs.some((l) => l.msg === "found the object under the decoded key" && l.decodedKey === "uploads/with space.csv"));
        assert.deepEqual(w.logs.filter((l) => l.msg === "message").map((l) => l.shape), ["s3-notification", "eventbridge", "plain"]);
        assert.ok(w.logs.filter((l) => l.msg === "succeeded").every((l) => l.mode === "worker" && l.bucket === BUCKET && typeof l.messageId === "string" && l.receiveCount === 1));
        assert.equal(w.logs.filter((l) => l._aws && l.FilesProcessed === 1 && l.mode === "worker").length, 4, "an EMF document per file");
        assert.deepEqual(calls(q, "GetQueueAttributes").map((c) => c.input.AttributeNames), [["VisibilityTimeout"]], "the queue's visibility timeout, read once");
        assert.ok(calls(q, "ReceiveMessage").every((c) => c.input.MaxNumberOfMessages === 1 && c.input.WaitTimeSeconds === 1));
        const stopped = w.logs.find((l) => l.msg === "worker stopped");
        assert.deepEqual([stopped?.messages, stopped?.deleted, stopped?.left, stopped?.filesSucceeded, stopped?.exitCode], [4, 4, 0, 4, 0]);
    });

    it("deletes a message for a file already processed at that ETag without processing it again", async () => {
        const q = queue();
        await s3.put(BUCKET, "uploads/dup.csv", "a,b\n1,2\n");
        sqs.send(q, JSON.stringify({ bucket: BUCKET, key: "uploads/dup.csv" }));
        const w = worker(q);
        await until(() => sqs.deleted(q).length === 1, "the first message to be deleted");
        const first = await status("dup.csv");
        sqs.send(q, JSON.stringify({ Records: [s3Record(BUCKET, "uploads/dup.csv", { eTag: first.etag })] }));
        await until(() => sqs.deleted(q).length === 2, "the duplicate to be deleted");
        await stop(w);
        assert.ok(w.logs.some((l) => /already processed/.test(l.msg)), JSON.stringify(w.logs));
        assert.deepEqual(await status("dup.csv"), first, "the status document is not rewritten");
        assert.equal(w.logs.filter((l) => l.msg === "processing").length, 1);
    });

    it("reads the object the encoded key means: a raw key naming another version is not taken for it, and a key is decoded once only", async () => {
        const q = queue();
        await s3.put(BUCKET, "uploads/a+b.csv", "p,q\n1,2\n");
        await s3.put(BUCKET, "uploads/a b.csv", "p,q\n1,2\n3,4\n5,6\n");
        await s3.put(BUCKET, "uploads/100%2B.csv", "p,q\n1,2\n");
        const spaced = (await s3.client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: "uploads/a b.csv" }))).ETag!.replace(/"/g, "");
        sqs.send(q, JSON.stringify({ Records: [s3Record(BUCKET, "uploads/a+b.csv", { eTag: spaced }), s3Record(BUCKET, s3Encode("uploads/100%2B.csv"))] }));
        const front = await startS3Front(s3);
        try {
            const w = worker(q, { S3_ENDPOINT: front.endpoint });
            await until(() => sqs.deleted(q).length === 1, "the message to be deleted");
            await stop(w);
        } finally {
            await front.close();
        }
        const st = await status("a b.csv");
        assert.deepEqual([st.state, st.rowsProcessed, st.etag], ["succeeded", 3, spaced]);
        assert.equal(await s3.get(BUCKET, "status/a+b.csv.json"), undefined, "the object whose raw key matches, with another ETag, is left alone");
        assert.equal((await status("100%2B.csv")).state, "succeeded");
    });

    it("leaves failures on the queue (no delete): a bad file, a message naming another bucket, invalid JSON, an unknown shape; each reaches the DLQ after 3 receives", async () => {
        const q = queue(1);
        await s3.put(BUCKET, "uploads/empty.csv", "");
        await s3.put(OTHER, "uploads/theirs.csv", "a,b\n1,2\n");
        const bodies = [
            JSON.stringify({ bucket: BUCKET, key: "uploads/empty.csv" }),
            JSON.stringify({ Records: [s3Record(OTHER, "uploads/theirs.csv")] }),
            "not json{",
            JSON.stringify({ hello: "world" }),
        ];
        const ids = bodies.map((b) => sqs.send(q, b));
        const w = worker(q, { MAX_MESSAGES: "10" });
        await until(() => sqs.messages(`${q}-dlq`).length === 4, "all four messages in the dead-letter queue", 40000);
        await stop(w);

        assert.deepEqual(sqs.messages(`${q}-dlq`).map((m) => m.messageId).sort(), [...ids].sort());
        assert.equal(calls(q, "DeleteMessage").length, 0, "no failure is deleted");
        assert.equal(sqs.messages(q).length, 0);
        const byMessage = (id: string, msg: RegExp) => w.logs.filter((l) => l.messageId === id && msg.test(l.msg)).map((l) => l.receiveCount);
        assert.deepEqual(byMessage(ids[0], /^failed$/), [1, 2, 3], "the bad file fails on each of 3 receives");
        assert.equal((await status("empty.csv")).error.class, "InputError:empty");
        assert.deepEqual(byMessage(ids[1], /another bucket/), [1, 2, 3]);
        assert.equal(await s3.get(OTHER, "status/theirs.csv.json"), undefined, "nothing written to another bucket");
        assert.equal(await s3.get(BUCKET, "status/theirs.csv.json"), undefined);
        for (const id of ids.slice(2)) {
            assert.deepEqual(byMessage(id, /^message not understood/), [1, 2, 3]);
        }
        const invalid = w.logs.find((l) => l.messageId === ids[2] && /^message not understood/.test(l.msg));
        assert.equal(invalid!.level, "error");
        assert.match(invalid!.reason, /^not JSON/);
        assert.equal(invalid!.body, "not json{");
    });

    it("extends the visibility of the message it is working on, so a job longer than the visibility timeout is never handed out again", async () => {
        const q = queue(2);
        const rows = Array.from({ length: 20000 }, (_, i) => `${i},${i * 3}`).join("\n");
        await s3.put(BUCKET, "uploads/long.csv", `id,value\n${rows}\n`);
        const proxy = await startS3Front(s3, { pathIncludes: "uploads/long.csv", bytesPer100ms: 4096 });
        try {
            const id = sqs.send(q, JSON.stringify({ bucket: BUCKET, key: "uploads/long.csv" }));
            const w = worker(q, { S3_ENDPOINT: proxy.endpoint });
            await until(() => sqs.deleted(q).length === 1, "the long job to finish", 60000);
            await stop(w);
            // The proxy lets through 4 KiB per 100 ms, so the ~220 KB file takes more than 5 s: over two visibility timeouts.
            const [done] = sqs.deleted(q);
            assert.deepEqual([done.messageId, done.receiveCount, done.expiries], [id, 1, 0], "received once; its visibility never ran out");
            const extensions = calls(q, "ChangeMessageVisibility");
            assert.ok(extensions.length >= 2, `extended again and again, not once: ${extensions.length} extensions`);
            assert.ok(extensions.every((c) => c.input.VisibilityTimeout === 2), "each back to the queue's full visibility timeout");
            const order = sqs.calls.filter((c) => c.input.QueueUrl === sqs.queueUrl(q) && (c.action === "ChangeMessageVisibility" || c.action === "DeleteMessage")).map((c) => c.action);
            assert.equal(order.lastIndexOf("ChangeMessageVisibility") < order.indexOf("DeleteMessage"), true, "every extension before the delete");
            assert.equal((await status("long.csv")).rowsProcessed, 20000);
        } finally {
            await proxy.close();
        }
    });

    it("on SIGTERM records the file in progress interrupted, makes its message (and any received but not started) visible again at once, and exits 0", async () => {
        const q = queue(60);
        const big = "id,value\n" + Array.from({ length: 200000 }, (_, i) => `${i},${i * 2}`).join("\n") + "\n";
        await s3.put(BUCKET, "uploads/slow.csv", big);
        await s3.put(BUCKET, "uploads/next.csv", "a,b\n1,2\n");
        const proxy = await startProxy(s3.endpoint, [{ pathIncludes: "uploads/slow.csv", bytesPer100ms: 4096 }]);
        try {
            const slow = sqs.send(q, JSON.stringify({ bucket: BUCKET, key: "uploads/slow.csv" }));
            const next = sqs.send(q, JSON.stringify({ bucket: BUCKET, key: "uploads/next.csv" }));
            const w = worker(q, { S3_ENDPOINT: proxy.endpoint, MAX_MESSAGES: "2", SHUTDOWN_GRACE_MS: "10000" });
            await until(() => w.logs.some((l) => l.msg === "processing"), "the slow file to start");
            assert.equal(sqs.messages(q).filter((m) => m.inFlight).length, 2, "both messages received together");
            await stop(w);
            assert.ok(!w.logs.some((l) => l.msg === "the shutdown grace period is over: exiting now"), "stopped within the grace period");

            const st = await status("slow.csv");
            assert.deepEqual([st.state, st.error.exitCode], ["interrupted", ExitCode.INTERRUPTED]);
            assert.equal(await s3.get(BUCKET, "processed/slow.csv.summary.json"), undefined, "no partial summary");
            assert.equal(await s3.get(BUCKET, "status/next.csv.json"), undefined, "the next message is not started");
            const released = calls(q, "ChangeMessageVisibility").filter((c) => c.input.VisibilityTimeout === 0);
            assert.equal(released.length, 2);
            const now = Date.now();
            for (const m of sqs.messages(q)) {
                assert.ok(!m.inFlight && m.visibleAt <= now, `${m.messageId} is visible again now, not in 60 s`);
                assert.equal(m.receiveCount, 1);
            }
            assert.deepEqual(sqs.messages(q).map((m) => m.messageId), [slow, next]);
            assert.equal(calls(q, "DeleteMessage").length, 0);
            assert.ok(w.logs.some((l) => l.msg === "released the message: visible to other workers again now" && l.messageId === slow));
        } finally {
            await proxy.close();
        }

        // Another worker takes both at once.
        const w2 = worker(q);
        await until(() => sqs.deleted(q).length === 2, "both messages to be processed by the next worker", 60000);
        await stop(w2);
        assert.equal((await status("slow.csv")).state, "succeeded");
    });

    it("stops long polling at once on SIGTERM and exits 0", async () => {
        const q = queue();
        const w = worker(q, { WAIT_TIME_SECONDS: "20" });
        await until(() => calls(q, "ReceiveMessage").length > 0, "the worker to poll");
        await new Promise((r) => setTimeout(r, 300));
        await stop(w);
        // The worker hung up on its 20 s poll instead of waiting for the answer.
        const receives = calls(q, "ReceiveMessage");
        assert.equal(receives[0].input.WaitTimeSeconds, 20);
        // The server sees the closed connection on its next look at the poll (every 20 ms).
        await until(() => receives[receives.length - 1].abandoned === true, "the last long poll to be abandoned at SIGTERM");
        assert.ok(w.logs.some((l) => l.msg === "worker stopped" && l.level === "info" && l.exitCode === 0));
    });

    it("uses VISIBILITY_TIMEOUT_SECONDS instead of the queue's, asking for it on every receive", async () => {
        const q = queue(60);
        await s3.put(BUCKET, "uploads/vt.csv", "a,b\n1,2\n");
        sqs.send(q, JSON.stringify({ bucket: BUCKET, key: "uploads/vt.csv" }));
        const w = worker(q, { VISIBILITY_TIMEOUT_SECONDS: "5" });
        await until(() => sqs.deleted(q).length === 1, "the message to be deleted");
        await stop(w);
        assert.equal(calls(q, "GetQueueAttributes").length, 0);
        assert.ok(calls(q, "ReceiveMessage").every((c) => c.input.VisibilityTimeout === 5));
        assert.equal(w.logs.find((l) => l.msg === "worker started")!.visibilityTimeoutSeconds, 5);
    });

    it(`exits ${ExitCode.CONFIG} naming SQS_QUEUE_URL when the queue does not exist`, async () => {
        const w = start({ PROCESSOR_MODE: "worker", SQS_QUEUE_URL: `${sqs.endpoint}/000000000000/missing`, SQS_ENDPOINT: sqs.endpoint, S3_ENDPOINT: s3.endpoint, S3_BUCKET: BUCKET });
        running.push(w);
        const { code } = await w.done;
        assert.equal(code, ExitCode.CONFIG);
        const e = w.logs.find((l) => l.msg === "cannot read the queue");
        assert.match(e!.error, /^SQS_QUEUE_URL: ".+\/missing" is not an existing queue/);
    });

    it(`rejects missing settings with exit ${ExitCode.CONFIG}`, async () => {
        const w = start({ PROCESSOR_MODE: "worker", S3_BUCKET: BUCKET });
        running.push(w);
        assert.equal((await w.done).code, ExitCode.CONFIG);
        assert.match(w.logs[0].error, /^SQS_QUEUE_URL is not set/);
    });
});
