/**
 * The Slack notifier's delivery: the retry helpers and postToSlack's refusals, the webhook secret, and
 * the handler with injected dependencies (a fake Slack, an injected sleep and secret source).
 */
import { strict as assert } from "assert";
import type { SNSEvent } from "aws-lambda";
import { SlackMessage } from "../app/src/notifier/format";
import { createHandler, positiveIntFromEnv, secretsManagerWebhookSource, webhookUrlFromSecret } from "../app/src/notifier/handler";
import { backoffDelay, parseRetryAfter, postToSlack, redactUrls, SlackDeliveryError } from "../app/src/notifier/slack";
import { CTX, allText, fixtureText, headerOf, linksOf, snsEvent } from "./support/notifier";

describe("notifier: slack retry helpers", () => {
    it("parses Retry-After as seconds or an HTTP date", () => {
        assert.equal(parseRetryAfter("3", 0), 3000);
        assert.equal(parseRetryAfter(null, 0), undefined);
        assert.equal(parseRetryAfter("soon", 0), undefined);
        const now = Date.parse("2026-03-14T09:00:00Z");
        assert.equal(parseRetryAfter("Sat, 14 Mar 2026 09:00:07 GMT", now), 7000);
    });

    it("backs off exponentially with jitter, capped", () => {
        assert.equal(backoffDelay(1, 500, 8000, () => 0), 250);
        assert.equal(backoffDelay(1, 500, 8000, () => 0.999999), 500);
        assert.equal(backoffDelay(3, 500, 8000, () => 0), 1000);
        assert.equal(backoffDelay(10, 500, 8000, () => 0.999999), 8000);
    });

    it("does not start an attempt that would end after the deadline", async () => {
        let calls = 0;
        let clock = 1000;
        const fetchStub = (async () => {
            calls++;
            clock += 600; // each attempt takes a while
            return new Response("rollup_error", { status: 500 });
        }) as typeof fetch;
        const err = await postToSlack("https://hooks.example/x", { text: "t", blocks: [] }, {
            fetch: fetchStub,
            sleep: async (ms) => void (clock += ms),
            now: () => clock,
            random: () => 0,
            timeoutMs: 1000,
            deadline: 3000,
        }).catch((e: unknown) => e);
        assert.ok(err instanceof SlackDeliveryError);
        assert.match(err.message, /no time left/);
        assert.equal(calls, 2);
    });

    it("refuses a webhook URL with a user name or password without a request, a retry or an echo", async () => {
        let calls = 0;
        const secretUrl = "https://alice:hunter2@hooks.slack.com/services/T0/B0/SECRETPATH";
        const err = await postToSlack(secretUrl, { text: "t", blocks: [] }, { fetch: (async () => (calls++, new Response("ok"))) as typeof fetch, sleep: async () => undefined }).catch((e: unknown) => e);
        assert.ok(err instanceof SlackDeliveryError);
        assert.equal(err.retryable, false);
        assert.equal(calls, 0);
        assert.match(err.message, /must not hold a user name or password/);
        assert.ok(!/alice|hunter2|SECRETPATH|hooks\.slack\.com/.test(err.message), err.message);
    });

    it("network errors that quote a URL are logged without it", async () => {
        const reasons: string[] = [];
        const failing = (async (url: string) => {
            throw new TypeError(`fetch failed for ${url}`, { cause: Object.assign(new Error(`connect ECONNREFUSED ${url}`), { code: "ECONNREFUSED" }) });
        }) as unknown as typeof fetch;
        const err = await postToSlack("https://hooks.slack.com/services/T0/B0/SECRETPATH", { text: "t", blocks: [] }, {
            fetch: failing,
            sleep: async () => undefined,
            maxAttempts: 2,
            onRetry: (info) => reasons.push(info.reason),
        }).catch((e: unknown) => e);
        assert.ok(err instanceof SlackDeliveryError);
        assert.ok(![err.message, ...reasons].some((t) => t.includes("SECRETPATH")), [err.message, ...reasons].join(" | "));
        assert.match(err.message, /<URL redacted>: ECONNREFUSED/);
        assert.equal(redactUrls("see http://u:p@x.example/a?b=c and ftp://y"), "see <URL redacted> and <URL redacted>");
    });

    it("refuses a URL that is not http(s), without echoing it", async () => {
        await assert.rejects(postToSlack("ftp://hooks.example/secret-token", { text: "t", blocks: [] }), (e: Error) => e instanceof SlackDeliveryError && !e.message.includes("secret-token"));
    });
});

describe("notifier: webhook secret", () => {
    const URL = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX";

    it("accepts the URL itself or JSON {url}", () => {
        assert.equal(webhookUrlFromSecret(URL), URL);
        assert.equal(webhookUrlFromSecret(`  ${URL}\n`), URL);
        assert.equal(webhookUrlFromSecret(JSON.stringify({ url: URL })), URL);
        assert.equal(webhookUrlFromSecret(JSON.stringify({ url: URL, channel: "#x" }, null, 2)), URL);
    });

    it("rejects empty, JSON without url, or non-URLs without echoing the secret", () => {
        for (const bad of [undefined, "", "  ", "{not json", '{"webhook":"x"}', '{"url": 5}', "hooks.slack.com/services/T/B/SECRETVALUE", "ftp://SECRETVALUE"]) {
            assert.throws(() => webhookUrlFromSecret(bad), (e: Error) => !e.message.includes("SECRETVALUE"), String(bad));
        }
    });

    it("reads the secret once and caches it; a failed read is not cached; invalidate re-reads", async () => {
        const reads: string[] = [];
        let fail = true;
        const source = secretsManagerWebhookSource("arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf", async (arn) => {
            reads.push(arn);
            if (fail) throw new Error("throttled");
            return JSON.stringify({ url: URL });
        });
        await assert.rejects(source.get(), /throttled/);
        fail = false;
        assert.equal(await source.get(), URL);
        assert.equal(await source.get(), URL);
        assert.equal(reads.length, 2);
        source.invalidate();
        assert.equal(await source.get(), URL);
        assert.equal(reads.length, 3);
        assert.equal(reads[0], "arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf");
    });

    it("without a secret ARN, fails clearly", async () => {
        await assert.rejects(secretsManagerWebhookSource("", async () => URL).get(), /SLACK_WEBHOOK_SECRET_ARN is not set/);
    });

    it("reads numeric settings from the environment", () => {
        assert.equal(positiveIntFromEnv(undefined, 5000), 5000);
        assert.equal(positiveIntFromEnv("2500", 5000), 2500);
        assert.equal(positiveIntFromEnv("0", 4), 4);
        assert.equal(positiveIntFromEnv("abc", 4), 4);
    });
});

// ---------------------------------------------------------------------------------------------

interface Posted {
    url: string;
    body: SlackMessage;
}

function fakeSlack(statuses: number[] = []) {
    const posted: Posted[] = [];
    const post = (async (input: string | URL | Request, init?: RequestInit) => {
        posted.push({ url: String(input), body: JSON.parse(String(init?.body)) });
        const status = statuses.shift() ?? 200;
        return new Response(status === 200 ? "ok" : status === 404 ? "no_service" : "error", { status });
    }) as typeof fetch;
    return { posted, post };
}

describe("notifier: handler with injected dependencies", () => {
    const URL = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXX";

    it("formats and posts each record to the webhook URL", async () => {
        const slack = fakeSlack();
        const logs: Array<Record<string, unknown>> = [];
        const handler = createHandler({ getWebhookUrl: async () => URL, post: slack.post, log: (l) => logs.push(l as Record<string, unknown>), ...CTX, region: "us-east-1" });
        await handler(snsEvent({ message: fixtureText("ecs-oom-137.json") }, { message: fixtureText("alarm-ok.json"), subject: 'ALARM: "x"' }));
        assert.equal(slack.posted.length, 2);
        assert.ok(slack.posted.every((p) => p.url === URL));
        assert.equal(headerOf(slack.posted[0].body), "🧠 OUT OF MEMORY: huge-export.csv.gz");
        assert.match(allText(slack.posted[0].body), /#data-alerts \(dev\)/);
        assert.match(linksOf(slack.posted[0].body)["Container logs"], /log-group\/\$252Fecs\$252Fs3-fargate-pipeline-dev-processor\//);
        assert.equal(headerOf(slack.posted[1].body), "✅ OK: observability-upload-rule-failed-invocations-1c2d3e4");
        const delivered = logs.filter((l) => l.msg === "delivered to Slack");
        assert.deepEqual(delivered.map((l) => [l.messageId, l.kind, l.attempts]), [["msg-1", "ecs-task", 1], ["msg-2", "alarm", 1]]);
        assert.ok(!JSON.stringify(logs).includes("XXXXXXXXXXXXXXXX"), "the webhook URL is never logged");
    });

    it("reads the secret (raw URL or JSON) through the source, once across invocations", async () => {
        for (const secret of [URL, JSON.stringify({ url: URL })]) {
            let reads = 0;
            const source = secretsManagerWebhookSource("arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack", async () => {
                reads++;
                return secret;
            });
            const slack = fakeSlack();
            const handler = createHandler({ getWebhookUrl: () => source.get(), post: slack.post, log: () => {}, region: "eu-west-1" });
            await handler(snsEvent({ message: fixtureText("ecs-exit-1.json") }));
            await handler(snsEvent({ message: fixtureText("alarm-alarm.json") }));
            assert.equal(reads, 1);
            assert.deepEqual(slack.posted.map((p) => p.url), [URL, URL]);
        }
    });

    it("a malformed message is logged and delivered as unrecognised, never a crash", async () => {
        const slack = fakeSlack();
        const logs: Array<Record<string, unknown>> = [];
        const handler = createHandler({ getWebhookUrl: async () => URL, post: slack.post, log: (l) => logs.push(l as Record<string, unknown>), region: "eu-west-1" });
        await handler(snsEvent({ message: fixtureText("malformed.txt") }, { message: "" }, { message: "null" }));
        assert.equal(slack.posted.length, 3);
        assert.ok(slack.posted.every((p) => headerOf(p.body) === "📣 Unrecognised notification"));
        const warnings = logs.filter((l) => l.level === "warn" && String(l.msg).includes("not JSON"));
        assert.equal(warnings.length, 2);
        assert.equal(warnings[0].messageId, "msg-1");
    });

    it("an event without records does nothing", async () => {
        const slack = fakeSlack();
        const handler = createHandler({ getWebhookUrl: async () => URL, post: slack.post, log: () => {} });
        await handler({ Records: [] });
        await handler({} as SNSEvent);
        assert.equal(slack.posted.length, 0);
    });

    it("throws when delivery fails, after trying every record, so Lambda retries it", async () => {
        const slack = fakeSlack([400, 200]);
        const logs: Array<Record<string, unknown>> = [];
        const handler = createHandler({ getWebhookUrl: async () => URL, post: slack.post, log: (l) => logs.push(l as Record<string, unknown>), region: "eu-west-1" });
        await assert.rejects(
            handler(snsEvent({ message: fixtureText("ecs-exit-1.json") }, { message: fixtureText("alarm-ok.json") })),
            /1 of 2 message\(s\) not delivered — msg-1: SlackDeliveryError: Slack rejected the message: HTTP 400 error \(not retried\)/,
        );
        assert.equal(slack.posted.length, 2);
        assert.ok(logs.some((l) => l.level === "error" && l.status === 400 && l.messageId === "msg-1"));
    });

    it("retries 5xx with backoff through the injected sleep, up to the attempts configured", async () => {
        const slack = fakeSlack([500, 503, 502, 500, 500]);
        const waits: number[] = [];
        const handler = createHandler({ getWebhookUrl: async () => URL, post: slack.post, sleep: async (ms) => void waits.push(ms), log: () => {}, maxAttempts: 3 });
        await assert.rejects(handler(snsEvent({ message: "{}" })), /after 3 attempts: HTTP 502/);
        assert.equal(slack.posted.length, 3);
        assert.equal(waits.length, 2);
        assert.ok(waits[0] >= 250 && waits[0] <= 500 && waits[1] >= 500 && waits[1] <= 1000, String(waits));
    });

    it("a webhook Slack no longer knows (404) invalidates the cached URL", async () => {
        const slack = fakeSlack([404]);
        let invalidated = 0;
        const handler = createHandler({ getWebhookUrl: async () => URL, invalidateWebhookUrl: () => invalidated++, post: slack.post, log: () => {} });
        await assert.rejects(handler(snsEvent({ message: "{}" })), /HTTP 404 no_service/);
        assert.equal(invalidated, 1);
    });

    it("a failure to read the secret fails the invocation", async () => {
        const handler = createHandler({ getWebhookUrl: async () => Promise.reject(new Error("AccessDeniedException: not authorized")), post: fakeSlack().post, log: () => {} });
        await assert.rejects(handler(snsEvent({ message: "{}" })), /AccessDeniedException/);
    });

    it("takes its settings from the environment when not injected", async () => {
        const saved = { ...process.env };
        try {
            Object.assign(process.env, { SLACK_CHANNEL_LABEL: "#env-label", LOG_GROUP_NAME: "/ecs/from-env", LOG_STREAM_PREFIX: "envprefix", SLACK_MAX_ATTEMPTS: "2", AWS_REGION: "sa-east-1" });
            const slack = fakeSlack([500, 500, 500]);
            const handler = createHandler({ getWebhookUrl: async () => URL, post: slack.post, sleep: async () => {}, log: () => {} });
            await assert.rejects(handler(snsEvent({ message: fixtureText("ecs-exit-1.json") })), /after 2 attempts/);
            assert.equal(slack.posted.length, 2);
            const body = slack.posted[0].body;
            assert.match(allText(body), /#env-label/);
            assert.match(linksOf(body)["Container logs"], /log-group\/\$252Fecs\$252Ffrom-env\/log-events\/envprefix\$252Fprocessor\$252F/);
        } finally {
            for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
            Object.assign(process.env, saved);
        }
    });
});
