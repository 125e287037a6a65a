/**
 * The Slack notifier end to end against real HTTP servers on loopback: one stands in for Slack's
 * incoming webhook, one for Secrets Manager. Real fetch, real sockets, real timeouts. The last
 * group runs the notifier as it is deployed: its sources transpiled one by one (as the
 * Observability component packages them), loaded by a plain Node process with the real AWS SDK.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import type { SNSEvent } from "aws-lambda";
import { createHandler, HandlerDeps } from "../app/src/notifier/handler";
import type { Exited } from "./support/child-process";
import { runLambdaBundle } from "./support/lambda-bundle";
import { NOTIFIER_FIXTURES, fixtureText, snsEvent } from "./support/notifier";

const ROOT = path.join(__dirname, "..");
const WEBHOOK_PATH = "/services/T0000TEST/B0000TEST/s3cr3tT0k3nValue";

interface Received {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
    at: number;
}

/** What the server does with one request. */
interface Reply {
    status: number;
    body?: string;
    headers?: Record<string, string>;
    /** Wait this long before sending anything. */
    delayMs?: number;
    /** Send the headers, then never finish the body. */
    stallBody?: boolean;
}

interface FakeServer {
    url: string;
    received: Received[];
    /** Replies for the next requests, in order; after they run out, `fallback`. */
    replies: Reply[];
    fallback: (req: Received) => Reply;
    close(): Promise<void>;
}

async function startServer(fallback: (req: Received) => Reply = () => ({ status: 200, body: "ok" })): Promise<FakeServer> {
    const received: Received[] = [];
    const state: FakeServer = {
        url: "",
        received,
        replies: [],
        fallback,
        close: async () => {},
    };
    const timers = new Set<NodeJS.Timeout>();
    const server = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => chunks.push(c));
        req.on("end", () => {
            const r: Received = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() };
            received.push(r);
            const reply = state.replies.shift() ?? state.fallback(r);
            const send = () => {
                res.writeHead(reply.status, { "content-type": "text/plain", ...reply.headers });
                if (reply.stallBody) {
                    res.write((reply.body ?? "").slice(0, 1));
                    return; // never ends
                }
                res.end(reply.body ?? "");
            };
            if (reply.delayMs) {
                const t = setTimeout(() => {
                    timers.delete(t);
                    if (!res.destroyed) send();
                }, reply.delayMs);
                timers.add(t);
            } else {
                send();
            }
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    state.url = `http://127.0.0.1:${port}`;
    state.close = () =>
        new Promise<void>((resolve) => {
            for (const t of timers) clearTimeout(t);
            server.closeAllConnections();
            server.close(() => resolve());
        });
    return state;
}

interface Block {
    type: string;
    text?: { type: string; text: string };
    fields?: Array<{ type: string; text: string }>;
    elements?: Array<{ type: string; text: string }>;
}

/** What a Slack incoming webhook accepts: JSON with a text and well-formed blocks. */
function assertSlackPayload(body: string): { text: string; blocks: Block[] } {
    const parsed = JSON.parse(body) as { text: string; blocks: Block[] };
    assert.equal(typeof parsed.text, "string");
    assert.ok(parsed.text.length > 0);
    assert.ok(Array.isArray(parsed.blocks) && parsed.blocks.length > 0 && parsed.blocks.length <= 50);
    assert.equal(parsed.blocks[0].type, "header");
    for (const b of parsed.blocks) {
        assert.ok(["header", "section", "context", "actions", "divider"].includes(b.type), b.type);
        if (b.type === "header") {
            assert.equal(b.text!.type, "plain_text");
            assert.ok(b.text!.text.length <= 150);
        }
        if (b.type === "section") {
            assert.ok(b.text || b.fields, "a section needs text or fields");
            if (b.text) assert.ok(b.text.text.length > 0 && b.text.text.length <= 3000);
            for (const f of b.fields ?? []) assert.ok(f.type === "mrkdwn" && f.text.length > 0 && f.text.length <= 2000);
            assert.ok((b.fields ?? []).length <= 10);
        }
        if (b.type === "context") {
            assert.ok(b.elements!.length > 0 && b.elements!.length <= 10);
        }
    }
    return parsed;
}

describe("notifier e2e: handler → real HTTP Slack stand-in", function () {
    this.timeout(20000);
    let slack: FakeServer;
    let logs: Array<Record<string, unknown>>;

    beforeEach(async () => {
        slack = await startServer();
        logs = [];
    });
    afterEach(async () => {
        await slack.close();
    });

    const make = (extra: Partial<HandlerDeps> = {}) =>
        createHandler({
            getWebhookUrl: async () => slack.url + WEBHOOK_PATH,
            log: (l) => logs.push(l as Record<string, unknown>),
            region: "eu-west-1",
            channelLabel: "#data-alerts (e2e)",
            logGroupName: "/ecs/s3-fargate-pipeline-dev-processor",
            logStreamPrefix: "processor",
            baseDelayMs: 20,
            ...extra,
        });

    it("success: one POST of valid Slack JSON with blocks", async () => {
        await make()(snsEvent(fixtureText("ecs-oom-137.json")));
        assert.equal(slack.received.length, 1);
        const r = slack.received[0];
        assert.equal(r.method, "POST");
        assert.equal(r.url, WEBHOOK_PATH);
        assert.match(String(r.headers["content-type"]), /^application\/json/);
        const payload = assertSlackPayload(r.body);
        assert.equal(payload.blocks[0].text!.text, "🧠 OUT OF MEMORY: huge-export.csv.gz");
        assert.match(payload.text, /^OUT OF MEMORY \(1024 MiB\): s3:\/\/s3-fargate-pipeline-dev-uploads-5f2c1a\/uploads\/2026\/03\/huge-export\.csv\.gz$/);
        assert.match(r.body, /Container logs/);
        assert.deepEqual(logs.filter((l) => l.msg === "delivered to Slack").map((l) => [l.attempts, l.status]), [[1, 200]]);
    });

    it("every fixture is posted as valid Slack JSON", async () => {
        const names = fs.readdirSync(NOTIFIER_FIXTURES).sort();
        assert.ok(names.length >= 8);
        await make()(snsEvent(...names.map(fixtureText)));
        assert.equal(slack.received.length, names.length);
        for (const r of slack.received) assertSlackPayload(r.body);
    });

    it("429 with Retry-After: waits what Slack asks (injected sleep), then succeeds", async () => {
        slack.replies.push({ status: 429, body: "rate_limited", headers: { "retry-after": "2" } });
        const waits: number[] = [];
        await make({ sleep: async (ms) => void waits.push(ms) })(snsEvent(fixtureText("alarm-alarm.json")));
        assert.equal(slack.received.length, 2);
        assert.deepEqual(waits, [2000]);
        assert.equal(slack.received[0].body, slack.received[1].body, "the same message is re-sent");
        assertSlackPayload(slack.received[1].body);
        assert.ok(logs.some((l) => l.msg === "Slack delivery failed; retrying" && l.status === 429 && l.delayMs === 2000));
    });

    it("429 with Retry-After: 1 really waits about a second with the default sleep", async () => {
        slack.replies.push({ status: 429, body: "rate_limited", headers: { "retry-after": "1" } });
        await make()(snsEvent(fixtureText("alarm-ok.json")));
        assert.equal(slack.received.length, 2);
        const gap = slack.received[1].at - slack.received[0].at;
        assert.ok(gap >= 950 && gap < 5000, `gap ${gap} ms`);
    });

    it("Retry-After is capped", async () => {
        slack.replies.push({ status: 429, body: "rate_limited", headers: { "retry-after": "3600" } });
        const waits: number[] = [];
        await make({ sleep: async (ms) => void waits.push(ms), maxRetryAfterMs: 1500 })(snsEvent("{}"));
        assert.deepEqual(waits, [1500]);
        assert.equal(slack.received.length, 2);
    });

    it("500 twice, then success: three requests, delivered", async () => {
        slack.replies.push({ status: 500, body: "rollup_error" }, { status: 503, body: "" });
        await make()(snsEvent(fixtureText("ecs-exit-1.json")));
        assert.equal(slack.received.length, 3);
        assert.deepEqual(logs.filter((l) => l.msg === "Slack delivery failed; retrying").map((l) => l.status), [500, 503]);
        assert.deepEqual(logs.filter((l) => l.msg === "delivered to Slack").map((l) => l.attempts), [3]);
    });

    it("5xx every time: gives up after SLACK_MAX_ATTEMPTS and the handler throws", async () => {
        slack.fallback = () => ({ status: 502, body: "bad gateway" });
        await assert.rejects(make({ maxAttempts: 4 })(snsEvent("{}")), /after 4 attempts: HTTP 502 bad gateway/);
        assert.equal(slack.received.length, 4);
    });

    it("400 invalid_payload: not retried, the handler throws naming status and body, not the URL", async () => {
        slack.replies.push({ status: 400, body: "invalid_payload" });
        const err = await make()(snsEvent(fixtureText("ecs-spot-interruption.json"))).then(
            () => undefined,
            (e: unknown) => e,
        );
        assert.ok(err instanceof Error, "the handler must throw");
        assert.match(err.message, /HTTP 400 invalid_payload \(not retried\)/);
        assert.ok(!err.message.includes("s3cr3tT0k3nValue"), "the webhook token must not leak into the error");
        assert.ok(!JSON.stringify(logs).includes("s3cr3tT0k3nValue"), "nor into the logs");
        assert.equal(slack.received.length, 1);
    });

    it("404 no_service: not retried either", async () => {
        slack.replies.push({ status: 404, body: "no_service" });
        await assert.rejects(make()(snsEvent("{}")), /HTTP 404 no_service/);
        assert.equal(slack.received.length, 1);
    });

    it("timeout (no response): the attempt is aborted and retried", async () => {
        slack.replies.push({ status: 200, body: "ok", delayMs: 3000 });
        await make({ timeoutMs: 300 })(snsEvent(fixtureText("ecs-failed-to-start.json")));
        assert.equal(slack.received.length, 2);
        const retry = logs.find((l) => l.msg === "Slack delivery failed; retrying");
        assert.equal(retry?.reason, "timed out");
    });

    it("timeout while reading the body: also retried", async () => {
        slack.replies.push({ status: 200, body: "ok", stallBody: true });
        await make({ timeoutMs: 300 })(snsEvent("{}"));
        assert.equal(slack.received.length, 2);
    });

    it("connection refused: retried, then the handler throws", async () => {
        const gone = await startServer();
        const url = gone.url + WEBHOOK_PATH;
        await gone.close();
        await assert.rejects(make({ getWebhookUrl: async () => url, maxAttempts: 2 })(snsEvent("{}")), /after 2 attempts: fetch failed: ECONNREFUSED/);
    });
});

// ---------------------------------------------------------------------------------------------

/** The notifier's sources transpiled one by one, as the Observability component packages them. */
function buildBundle(): string {
    const source = path.join(ROOT, "app", "src", "notifier");
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "notifier-bundle-"));
    for (const file of fs.readdirSync(source).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))) {
        const js = ts.transpileModule(fs.readFileSync(path.join(source, file), "utf8"), {
            compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
        });
        fs.writeFileSync(path.join(out, file.replace(/\.ts$/, ".js")), js.outputText);
    }
    return out;
}

/** Runs the notifier's bundle once per event (see runLambdaBundle). */
function runBundle(bundle: string, env: Record<string, string>, events: SNSEvent[]): Promise<Exited> {
    return runLambdaBundle(bundle, { region: "eu-west-1", accessKeyId: "AKIDE2ETEST", context: "{ getRemainingTimeInMillis: () => 30000 }", detailed: false, env, events });
}

describe("notifier e2e: the deployed bundle, with the real AWS SDK against a Secrets Manager stand-in", function () {
    this.timeout(60000);
    const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-webhook-AbCdEf";
    let bundle: string;
    let slack: FakeServer;
    let secrets: FakeServer;
    let secretString: string;

    before(() => {
        bundle = buildBundle();
    });
    after(() => {
        fs.rmSync(bundle, { recursive: true, force: true });
    });
    beforeEach(async () => {
        slack = await startServer();
        secrets = await startServer((req) => {
            const target = String(req.headers["x-amz-target"]);
            const body = JSON.parse(req.body || "{}") as { SecretId?: string };
            if (target !== "secretsmanager.GetSecretValue" || body.SecretId !== SECRET_ARN) {
                return { status: 400, headers: { "content-type": "application/x-amz-json-1.1" }, body: JSON.stringify({ __type: "ResourceNotFoundException", message: "no such secret" }) };
            }
            return {
                status: 200,
                headers: { "content-type": "application/x-amz-json-1.1" },
                body: JSON.stringify({ ARN: SECRET_ARN, Name: "slack-webhook", VersionId: "v1", SecretString: secretString, VersionStages: ["AWSCURRENT"], CreatedDate: 1773479683 }),
            };
        });
    });
    afterEach(async () => {
        await slack.close();
        await secrets.close();
    });

    const env = () => ({
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
        SLACK_WEBHOOK_SECRET_ARN: SECRET_ARN,
        SLACK_CHANNEL_LABEL: "#bundle-test",
        LOG_GROUP_NAME: "/ecs/s3-fargate-pipeline-dev-processor",
        LOG_STREAM_PREFIX: "processor",
        SLACK_TIMEOUT_MS: "2000",
        SLACK_MAX_ATTEMPTS: "2",
    });

    it("the bundle imports nothing outside its folder but the AWS SDK", () => {
        for (const file of fs.readdirSync(bundle)) {
            const js = fs.readFileSync(path.join(bundle, file), "utf8");
            for (const m of js.matchAll(/require\("([^"]+)"\)/g)) {
                assert.ok(m[1].startsWith("./") || m[1].startsWith("@aws-sdk/"), `${file} requires ${m[1]}`);
                if (m[1].startsWith("./")) assert.ok(fs.existsSync(path.join(bundle, m[1] + ".js")), `${file} requires missing ${m[1]}`);
            }
        }
        assert.deepEqual(fs.readdirSync(bundle).sort(), ["format.js", "handler.js", "slack.js", "smoke.js"]);
    });

    for (const form of ["raw URL", "JSON {url}"] as const) {
        it(`reads the webhook (${form}) from Secrets Manager once, and posts every invocation`, async () => {
            const url = slack.url + WEBHOOK_PATH;
            secretString = form === "raw URL" ? url : JSON.stringify({ url });
            const result = await runBundle(bundle, env(), [snsEvent(fixtureText("ecs-exit-1.json")), snsEvent(fixtureText("alarm-alarm.json"))]);
            assert.equal(result.code, 0, result.stderr);
            assert.deepEqual(result.stdout.split("\n").filter((l) => l.startsWith("RESULT")), ["RESULT ok", "RESULT ok"], result.stdout + result.stderr);
            assert.equal(secrets.received.length, 1, "the secret is cached across invocations");
            assert.match(String(secrets.received[0].headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDE2ETEST\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request/);
            assert.equal(slack.received.length, 2);
            const first = assertSlackPayload(slack.received[0].body);
            assert.equal(first.blocks[0].text!.text, "🔴 Task failed (exit 1): orders.csv");
            assert.match(slack.received[0].body, /#bundle-test/);
            assert.match(slack.received[0].body, /log-group\/\$252Fecs\$252Fs3-fargate-pipeline-dev-processor\/log-events\/processor\$252Fprocessor\$252Fa1b2c3d4e5f64718293a4b5c6d7e8f90/);
            assert.equal(assertSlackPayload(slack.received[1].body).blocks[0].text!.text, "🔴 ALARM: observability-memory-high-9f8e7d6");
            // One JSON log line per delivery, without the webhook token.
            const lines = result.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
            assert.equal(lines.filter((l) => l.msg === "delivered to Slack").length, 2);
            assert.ok(!result.stdout.includes("s3cr3tT0k3nValue"));
        });
    }

    it("a delivery that fails for good rejects the invocation (Lambda's retries and failure destination take over)", async () => {
        secretString = slack.url + WEBHOOK_PATH;
        slack.fallback = () => ({ status: 500, body: "rollup_error" });
        const result = await runBundle(bundle, env(), [snsEvent(fixtureText("malformed.txt"))]);
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stdout, /RESULT error Slack notifier: 1 of 1 message\(s\) not delivered — msg-1: SlackDeliveryError: Slack delivery failed after 2 attempts: HTTP 500 rollup_error/);
        assert.equal(slack.received.length, 2);
        assert.match(JSON.parse(slack.received[0].body).blocks[0].text.text, /Unrecognised notification/);
    });

    it("a missing secret fails the invocation; the next invocation reads it again", async () => {
        secretString = slack.url + WEBHOOK_PATH;
        const result = await runBundle(bundle, { ...env(), SLACK_WEBHOOK_SECRET_ARN: SECRET_ARN.replace("AbCdEf", "Zzzzzz") }, [snsEvent("{}"), snsEvent("{}")]);
        const results = result.stdout.split("\n").filter((l) => l.startsWith("RESULT"));
        assert.equal(results.length, 2, result.stdout + result.stderr);
        for (const r of results) assert.match(r, /RESULT error .*no such secret/);
        assert.equal(secrets.received.length, 2, "a failed read is not cached");
        assert.equal(slack.received.length, 0);
    });
});
