/**
 * The Slack notifier's formatting (realistic ECS task events and alarm notifications), its text
 * limits and escaping, the webhook secret, and the handler with injected dependencies.
 */
import { strict as assert } from "assert";
import * as fc from "fast-check";
import type { SNSEvent } from "aws-lambda";
import {
    FormatContext,
    LIMITS,
    SlackMessage,
    consoleEncode,
    escapeMrkdwn,
    exitCodeMeaning,
    formatNotification,
    logStreamUrl,
    mrkdwn,
    neutraliseMrkdwn,
    truncate,
} from "../app/src/notifier/format";
import { createHandler, positiveIntFromEnv, secretsManagerWebhookSource, webhookUrlFromSecret } from "../app/src/notifier/handler";
import { backoffDelay, parseRetryAfter, postToSlack, redactUrls, SlackDeliveryError } from "../app/src/notifier/slack";
import { fixtureText, snsEvent } from "./support/notifier";

const fixture = (name: string): Record<string, any> => JSON.parse(fixtureText(name));

const CTX: FormatContext = {
    region: "us-east-1",
    channelLabel: "#data-alerts (dev)",
    logGroupName: "/ecs/s3-fargate-pipeline-dev-processor",
    logStreamPrefix: "processor",
};
const BUCKET = "s3-fargate-pipeline-dev-uploads-5f2c1a";
const CLUSTER = "s3-fargate-pipeline-dev-processing";

interface TextObject {
    type: string;
    text: string;
}
interface Block {
    type: string;
    text?: TextObject;
    fields?: TextObject[];
    elements?: TextObject[];
}

const blocksOf = (m: SlackMessage) => m.blocks as Block[];
const headerOf = (m: SlackMessage) => blocksOf(m).find((b) => b.type === "header")!.text!.text;
/** Every text object in the message, with the block type it belongs to. */
function textsOf(m: SlackMessage): Array<{ block: string; kind: "text" | "field" | "element"; obj: TextObject }> {
    const out: Array<{ block: string; kind: "text" | "field" | "element"; obj: TextObject }> = [];
    for (const b of blocksOf(m)) {
        if (b.text) out.push({ block: b.type, kind: "text", obj: b.text });
        for (const f of b.fields ?? []) out.push({ block: b.type, kind: "field", obj: f });
        for (const e of b.elements ?? []) out.push({ block: b.type, kind: "element", obj: e });
    }
    return out;
}
const allText = (m: SlackMessage) => [m.text, ...textsOf(m).map((t) => t.obj.text)].join("\n");
function field(m: SlackMessage, label: string): string | undefined {
    for (const b of blocksOf(m)) {
        for (const f of b.fields ?? []) {
            if (f.text.startsWith(`*${label}*\n`)) return f.text.slice(label.length + 3);
        }
    }
    return undefined;
}
/** The `<url|label>` links in the message. */
function linksOf(m: SlackMessage): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of textsOf(m)) {
        for (const match of t.obj.text.matchAll(/<([^|>]+)\|([^>]+)>/g)) out[match[2]] = match[1];
    }
    return out;
}

/** Slack's limits, and no mrkdwn text ending in a cut entity. */
function assertWithinLimits(m: SlackMessage): void {
    assert.ok(m.text.length <= LIMITS.fallbackText, `fallback text ${m.text.length}`);
    assert.ok(m.blocks.length <= 50);
    for (const b of blocksOf(m)) {
        if (b.type === "header") assert.ok(b.text!.text.length <= 150, `header ${b.text!.text.length}`);
        if (b.type === "section" && b.text) assert.ok(b.text.text.length <= 3000, `section ${b.text.text.length}`);
        if (b.fields) {
            assert.ok(b.fields.length <= 10);
            for (const f of b.fields) assert.ok(f.text.length <= 2000, `field ${f.text.length}`);
        }
        for (const e of b.elements ?? []) assert.ok(e.text.length <= 2000);
    }
    for (const t of textsOf(m)) {
        if (t.obj.type === "mrkdwn") assert.doesNotMatch(t.obj.text, /&[a-z]{0,3}…/, "an escaped entity was cut");
    }
}

/** Outside `<url|label>` links, mrkdwn text must not hold a raw `<` or `>`, nor an `&` that is not an entity. */
function assertEscaped(m: SlackMessage): void {
    for (const t of [...textsOf(m).map((x) => x.obj).filter((o) => o.type === "mrkdwn"), { type: "mrkdwn", text: m.text }]) {
        const withoutLinks = t.text.replace(/<https:\/\/[^|>\s]+\|[^<>]+>/g, "");
        assert.doesNotMatch(withoutLinks, /[<>]/, `raw < or > in ${JSON.stringify(t.text)}`);
        assert.doesNotMatch(withoutLinks, /&(?!(amp|lt|gt);)/, `raw & in ${JSON.stringify(t.text)}`);
    }
}

function withExitCode(name: string, exitCode: number): Record<string, any> {
    const event = fixture(name);
    event.detail.containers[0].exitCode = exitCode;
    return event;
}

describe("notifier: format — ECS task state change", () => {
    it("exit 1: file, exit code and meaning, stop code, exact log and ECS links", () => {
        const m = formatNotification(fixture("ecs-exit-1.json"), CTX);
        const taskId = "a1b2c3d4e5f64718293a4b5c6d7e8f90";
        assert.equal(headerOf(m), "🔴 Task failed (exit 1): orders.csv");
        assert.equal(field(m, "File"), `s3://${BUCKET}/uploads/2026/03/orders.csv`);
        assert.match(field(m, "Exit code")!, /^1 — the job's command failed \(its exit code and last stderr lines are in the file's status document\)/);
        assert.equal(field(m, "Stop code"), "EssentialContainerExited");
        assert.equal(field(m, "Task size"), "512 CPU units / 1024 MiB");
        assert.match(allText(m), /Essential container in task exited/);
        assert.equal(field(m, "Memory"), undefined, "no OOM call-out");
        assert.doesNotMatch(allText(m), /OUT OF MEMORY/i);
        // The event's region (eu-west-1) wins over the context's (us-east-1).
        assert.deepEqual(linksOf(m), {
            "Container logs":
                "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/" +
                `$252Fecs$252Fs3-fargate-pipeline-dev-processor/log-events/processor$252Fprocessor$252F${taskId}`,
            "ECS task": `https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/${CLUSTER}/tasks/${taskId}?region=eu-west-1`,
            "File in S3": `https://s3.console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&prefix=uploads%2F2026%2F03%2Forders.csv`,
        });
        assert.match(m.text, /^Task failed, exit 1 .*: s3:\/\/s3-fargate-pipeline-dev-uploads-5f2c1a\/uploads\/2026\/03\/orders\.csv$/);
        const context = blocksOf(m).find((b) => b.type === "context")!;
        assert.match(context.elements![0].text, /^#data-alerts \(dev\)  •  cluster `s3-fargate-pipeline-dev-processing`  •  task `a1b2c3d4e5f64718293a4b5c6d7e8f90`  •  `s3-fargate-pipeline-dev-processor:3`/);
        assertWithinLimits(m);
        assertEscaped(m);
    });

    it("states the exit code once; the summary gives the processor's specific reason when the caller has it", () => {
        const withoutReason = formatNotification(withExitCode("ecs-exit-1.json", 65), CTX);
        const withReason = formatNotification(withExitCode("ecs-exit-1.json", 65), { ...CTX, processorError: { class: "InputError:binary", message: "the file is binary (NUL bytes in the first block)" } });
        for (const m of [withoutReason, withReason]) {
            const body = textsOf(m).map((t) => t.obj.text).join("\n");
            assert.equal(body.match(/bad input file/g)?.length, 1, "the exit code's meaning appears once");
            assert.equal(body.match(/exit code 65|Exit code\* ?65|\*Exit code 65/gi)?.length ?? 0, 0, "no exit-code summary line repeating the field");
            assert.match(field(m, "Exit code")!, /^65 — bad input file/);
        }
        assert.equal(blocksOf(withReason)[1].text!.text, "*Reason* — `InputError:binary`: the file is binary (NUL bytes in the first block)");
        assert.match(blocksOf(withoutReason)[1].text!.text, /^\*Reason\* — not in the ECS event: the file's status document/);
    });

    it("every processor exit code is named", () => {
        const expected: Record<number, RegExp> = {
            3: /batch run: one or more files failed/,
            64: /settings/,
            65: /bad input file/,
            66: /object not found/,
            70: /internal/,
            75: /S3 or SQS unavailable/,
            77: /access denied/,
            137: /killed.*out of memory/,
            143: /interrupted.*SIGTERM/,
        };
        for (const [code, meaning] of Object.entries(expected)) {
            const m = formatNotification(withExitCode("ecs-exit-1.json", Number(code)), CTX);
            assert.equal(headerOf(m), `🔴 Task failed (exit ${code}): orders.csv`);
            assert.match(field(m, "Exit code")!, new RegExp(`^${code} — `));
            assert.match(field(m, "Exit code")!, meaning, `exit ${code}`);
            assert.match(m.text, meaning);
        }
        assert.equal(exitCodeMeaning(0), "ok");
        assert.equal(exitCodeMeaning(139), "killed by signal 11");
        assert.equal(exitCodeMeaning(4), "not one of the processor's exit codes");
        assert.match(exitCodeMeaning(undefined), /did not run/);
    });

    it("OOM with exit 137: called out in the header with the task's memory", () => {
        const m = formatNotification(fixture("ecs-oom-137.json"), CTX);
        assert.equal(headerOf(m), "🧠 OUT OF MEMORY: huge-export.csv.gz");
        assert.match(m.text, /^OUT OF MEMORY \(1024 MiB\): s3:\/\/.*\/uploads\/2026\/03\/huge-export\.csv\.gz$/);
        assert.equal(field(m, "Memory"), "1024 MiB (task) — out of memory");
        assert.match(field(m, "Exit code")!, /^137 — killed/);
        const summary = blocksOf(m)[1].text!.text;
        assert.match(summary, /\*Out of memory\*.*\*1024 MiB\*.*exit code 137/);
        assert.match(allText(m), /OutOfMemoryError: Container killed due to memory usage/);
        assert.equal(linksOf(m)["Container logs"], logStreamUrl("eu-west-1", CTX.logGroupName!, "processor/processor/b2c3d4e5f6a7481930a4b5c6d7e8f901"));
        assertWithinLimits(m);
    });

    it("OOM with exit 0: still called out, and exit 0 is not reported as ok", () => {
        const m = formatNotification(fixture("ecs-oom-exit-0.json"), CTX);
        assert.equal(headerOf(m), "🧠 OUT OF MEMORY: wide.tsv");
        assert.equal(field(m, "Memory"), "2048 MiB (task) — out of memory");
        assert.equal(field(m, "Exit code"), "0 — misleading: the container ran out of memory");
        assert.match(m.text, /^OUT OF MEMORY \(2048 MiB\)/);
        assert.doesNotMatch(allText(m), /Task (failed|stopped)/);
    });

    it("OOM in any container counts, not only the first", () => {
        const event = fixture("ecs-exit-1.json");
        event.detail.containers.unshift({ name: "log-router", exitCode: 0, lastStatus: "STOPPED" });
        event.detail.containers[1].reason = "OutOfMemoryError: Container killed due to memory usage";
        const m = formatNotification(event, CTX);
        assert.match(headerOf(m), /^🧠 OUT OF MEMORY/);
        assert.match(allText(m), /\*Containers\*\n• `log-router`: exit 0\n• `processor`: exit 1 — OutOfMemoryError/);
        assert.match(linksOf(m)["Container logs"], /processor\$252Fprocessor\$252F/);
    });

    it("TaskFailedToStart: labelled with its reason; no exit code", () => {
        const m = formatNotification(fixture("ecs-failed-to-start.json"), CTX);
        assert.equal(headerOf(m), "🚫 Task failed to start (CannotPullContainerError): orders.csv");
        assert.equal(field(m, "Stop code"), "TaskFailedToStart");
        assert.match(field(m, "Exit code")!, /no exit code/);
        assert.match(allText(m), /\*Stopped reason\*\nCannotPullContainerError: pull image manifest has been retried 7 time\(s\)/);
        assert.match(m.text, /^Task failed to start \(CannotPullContainerError\): s3:\/\//);
        const links = linksOf(m);
        assert.ok(links["Logs (empty if the container never started)"]);
        assert.equal(links["ECS task"], `https://eu-west-1.console.aws.amazon.com/ecs/v2/clusters/${CLUSTER}/tasks/d4e5f6a7b8c94a1b3c4d5e6f708192a3?region=eu-west-1`);
        assert.match(allText(m), /`s3-fargate-pipeline-dev-processor:4`/);
    });

    it("Spot interruption: labelled as such, with the capacity provider", () => {
        const m = formatNotification(fixture("ecs-spot-interruption.json"), CTX);
        assert.equal(headerOf(m), "⚠️ Spot interruption: events.jsonl");
        assert.equal(field(m, "Stop code"), "SpotInterruption (Spot interruption)");
        assert.equal(field(m, "Capacity"), "FARGATE_SPOT");
        assert.match(field(m, "Exit code")!, /^143 — interrupted/);
        assert.match(m.text, /^Spot interruption: s3:\/\/.*events\.jsonl$/);
        assert.match(allText(m), /Your Spot Task was interrupted\./);
    });

    it("keys with &, <, > are escaped in mrkdwn and encoded in links", () => {
        const event = fixture("ecs-exit-1.json");
        const key = "uploads/q1 <draft> & \"final\" <!channel>.csv";
        const env = event.detail.overrides.containerOverrides[0].environment as Array<{ name: string; value: string }>;
        env.find((e) => e.name === "S3_KEY")!.value = key;
        event.detail.stoppedReason = "bad <@U123> & <https://evil.example|click>";
        const m = formatNotification(event, CTX);
        assert.equal(field(m, "File"), `s3://${BUCKET}/uploads/q1 &lt;draft&gt; &amp; "final" &lt;!channel&gt;.csv`);
        assert.match(allText(m), /bad &lt;@U123&gt; &amp; &lt;https:\/\/evil\.example\|click&gt;/);
        // The header is plain text: shown literally.
        assert.equal(headerOf(m), '🔴 Task failed (exit 1): q1 <draft> & "final" <!channel>.csv');
        assert.equal(linksOf(m)["File in S3"], `https://s3.console.aws.amazon.com/s3/object/${BUCKET}?region=eu-west-1&prefix=${encodeURIComponent(key)}`);
        assert.deepEqual(Object.keys(linksOf(m)).sort(), ["Container logs", "ECS task", "File in S3"]);
        assertEscaped(m);
    });

    it("without a log group or stream prefix there is no log link; without overrides the file is unknown", () => {
        const event = fixture("ecs-exit-1.json");
        delete event.detail.overrides;
        const m = formatNotification(event, { region: "us-east-1" });
        assert.deepEqual(Object.keys(linksOf(m)), ["ECS task"]);
        assert.equal(field(m, "File"), "unknown (no S3_KEY override)");
        assert.equal(headerOf(m), "🔴 Task failed (exit 1): unknown file");
    });

    it("falls back to the context's region when the event has none", () => {
        const event = fixture("ecs-exit-1.json");
        delete event.region;
        event.detail.taskArn = "not-an-arn/abc123";
        const m = formatNotification(event, { ...CTX, region: "ap-southeast-2" });
        assert.equal(linksOf(m)["ECS task"], `https://ap-southeast-2.console.aws.amazon.com/ecs/v2/clusters/${CLUSTER}/tasks/abc123?region=ap-southeast-2`);
    });

    it("very long reasons and keys stay within Slack's limits", () => {
        const event = fixture("ecs-oom-137.json");
        const env = event.detail.overrides.containerOverrides[0].environment as Array<{ name: string; value: string }>;
        env.find((e) => e.name === "S3_KEY")!.value = "uploads/" + "<&>".repeat(2000) + ".csv";
        event.detail.stoppedReason = "&".repeat(10000);
        event.detail.containers[0].reason = "OutOfMemoryError: " + "x>".repeat(5000);
        event.detail.containers[0].name = "c".repeat(500);
        const m = formatNotification(event, { ...CTX, channelLabel: "#" + "<".repeat(3000) });
        assertWithinLimits(m);
        assertEscaped(m);
        assert.match(headerOf(m), /^🧠 OUT OF MEMORY: /);
        assert.ok(headerOf(m).endsWith("…"));
        // The S3 link (a 9000-character URL) does not fit: it is left out whole, the others stay intact.
        const links = linksOf(m);
        assert.deepEqual(Object.keys(links), ["Container logs", "ECS task"]);
        assert.ok(links["ECS task"].endsWith("/tasks/b2c3d4e5f6a7481930a4b5c6d7e8f901?region=eu-west-1"));
    });
});

describe("notifier: format — CloudWatch alarms", () => {
    it("ALARM: header, reason, metric math, threshold, exact console link", () => {
        const m = formatNotification(fixture("alarm-alarm.json"), CTX);
        assert.equal(headerOf(m), "🔴 ALARM: observability-memory-high-9f8e7d6");
        assert.match(allText(m), /\*Reason\*\nThreshold Crossed: 5 out of the last 5 datapoints .* \(minimum 5 datapoints for OK -&gt; ALARM transition\)\./);
        assert.equal(field(m, "State"), "OK → ALARM");
        // The alarm's own text is untrusted too: a lone `*` is kept from starting bold.
        assert.equal(field(m, "Metric"), "Memory %: 100 \u200b*\u200b used / reserved (used = ECS/ContainerInsights MemoryUtilized; reserved = ECS/ContainerInsights MemoryReserved)");
        assert.equal(field(m, "Threshold"), "&gt; 80");
        assert.equal(field(m, "Evaluation"), "5 of 5 periods of 60 s");
        assert.match(allText(m), /Memory use of s3-fargate-pipeline-dev-processor tasks above 80%/);
        assert.deepEqual(linksOf(m), {
            "Alarm in CloudWatch": "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/observability-memory-high-9f8e7d6",
        });
        assert.match(m.text, /^ALARM: observability-memory-high-9f8e7d6 — Threshold Crossed/);
        assertWithinLimits(m);
        assertEscaped(m);
    });

    it("OK: green header, plain metric with dimensions", () => {
        const m = formatNotification(fixture("alarm-ok.json"), CTX);
        assert.equal(headerOf(m), "✅ OK: observability-upload-rule-failed-invocations-1c2d3e4");
        assert.equal(field(m, "State"), "ALARM → OK");
        assert.equal(field(m, "Metric"), "AWS/Events FailedInvocations (RuleName=s3-fargate-pipeline-dev-processor-on-upload)");
        assert.equal(field(m, "Threshold"), "≥ 1");
        assert.equal(
            linksOf(m)["Alarm in CloudWatch"],
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/observability-upload-rule-failed-invocations-1c2d3e4",
        );
    });

    it("alarm names are URL-encoded in the link; a missing ARN uses the context's region; limits hold", () => {
        const alarm = fixture("alarm-alarm.json");
        alarm.AlarmName = "cpu > 80% & <rising>/" + "n".repeat(300);
        delete alarm.AlarmArn;
        alarm.NewStateValue = "INSUFFICIENT_DATA";
        alarm.NewStateReason = "<".repeat(5000);
        const m = formatNotification(alarm, CTX);
        assert.ok(headerOf(m).startsWith("⚪ INSUFFICIENT_DATA: cpu > 80% & <rising>/nnn"));
        assert.equal(linksOf(m)["Alarm in CloudWatch"], `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/${encodeURIComponent(alarm.AlarmName)}`);
        assertWithinLimits(m);
        assertEscaped(m);
    });
});

describe("notifier: format — anything else", () => {
    it("a malformed message becomes an unrecognised notification with the raw text, truncated and escaped", () => {
        const raw = fixtureText("malformed.txt");
        assert.throws(() => JSON.parse(raw));
        const m = formatNotification(raw, CTX);
        assert.equal(headerOf(m), "📣 Unrecognised notification");
        const code = blocksOf(m)[2].text!.text;
        assert.ok(code.startsWith('```{"version":"0","id":"8b0d6fc4'));
        assert.ok(code.length <= LIMITS.rawExcerpt + 6 + 50, `excerpt ${code.length}`);
        assert.ok(code.endsWith("…```"));
        assert.ok(!code.includes(raw.slice(600, 650)), "text after the first 500 characters is left out");
        const dangerous = formatNotification("<!here> & <@U1> ```" + "x".repeat(2000), { ...CTX, subject: "Test publish" });
        assert.equal(headerOf(dangerous), "📣 Test publish");
        assertEscaped(dangerous);
        assertWithinLimits(dangerous);
        assert.match(blocksOf(dangerous)[2].text!.text, /^```&lt;!here&gt; &amp; &lt;@U1&gt; `\u200b``x/);
    });

    it("never throws, whatever arrives", () => {
        const odd: unknown[] = [
            null,
            undefined,
            42,
            "",
            [],
            [1, 2],
            { source: "aws.ecs", "detail-type": "ECS Task State Change", detail: { containers: "nope", overrides: { containerOverrides: [null, { environment: 5 }] } } },
            { source: "aws.ecs", "detail-type": "ECS Task State Change", detail: { containers: [null, 3, { exitCode: "x" }], taskArn: 7, clusterArn: null } },
            { AlarmName: "a", NewStateValue: "ALARM", Trigger: { Metrics: [null, { MetricStat: 5 }, { MetricStat: { Metric: null } }] } },
            { AlarmName: "a", NewStateValue: "ALARM", Trigger: "x" },
        ];
        const circular: Record<string, unknown> = {};
        circular.self = circular;
        odd.push(circular);
        for (const message of odd) {
            const m = formatNotification(message, CTX);
            assert.equal(typeof m.text, "string");
            assert.ok(m.blocks.length > 0);
            assertWithinLimits(m);
        }
    });

    it("property: any key, reason and label gives an escaped message within limits", () => {
        const base = fixtureText("ecs-exit-1.json");
        fc.assert(
            fc.property(fc.string({ maxLength: 3000 }), fc.string({ maxLength: 4000 }), fc.string({ maxLength: 300 }), fc.integer({ min: -1, max: 300 }), (key, reason, label, exitCode) => {
                const event = JSON.parse(base);
                event.detail.overrides.containerOverrides[0].environment[3].value = key;
                event.detail.stoppedReason = reason;
                event.detail.containers[0].reason = reason;
                event.detail.containers[0].exitCode = exitCode;
                const m = formatNotification(event, { ...CTX, channelLabel: label });
                assertWithinLimits(m);
                assertEscaped(m);
                assert.ok(field(m, "File")!.startsWith("s3://"));
            }),
            { numRuns: 150 },
        );
    });
});

describe("notifier: text helpers", () => {
    it("escapes and truncates without cutting entities or surrogate pairs", () => {
        assert.equal(escapeMrkdwn("a<b>&c"), "a&lt;b&gt;&amp;c");
        assert.equal(mrkdwn("&&&&", 12), "&amp;&amp;…");
        assert.equal(truncate("abcdef", 4), "abc…");
        assert.equal(truncate("ab😀😀", 4), "ab…");
        assert.equal(truncate("abc", 3), "abc");
    });

    it("CloudWatch console encoding matches the console's ($252F for /, $2524 for $, $255B for [)", () => {
        assert.equal(consoleEncode("/ecs/a b$[x]"), "$252Fecs$252Fa$2520b$2524$255Bx$255D");
        assert.equal(
            logStreamUrl("eu-west-1", "/aws/lambda/fn", "2026/03/14/[$LATEST]abc"),
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#logsV2:log-groups/log-group/$252Faws$252Flambda$252Ffn/log-events/2026$252F03$252F14$252F$255B$2524LATEST$255Dabc",
        );
    });
});

describe("notifier: untrusted text cannot format, mention or link", () => {
    it("sets every formatting marker that could pair between zero-width spaces, and leaves markers inside words", () => {
        const text = neutraliseMrkdwn("*bold* _italic_ ~strike~ `code` my_file_v2.csv @channel @Here <!everyone> <https://evil.example|click>");
        assert.equal(
            text,
            "\u200b*\u200bbold\u200b*\u200b \u200b_\u200bitalic\u200b_\u200b \u200b~\u200bstrike\u200b~\u200b \u200b`\u200bcode\u200b`\u200b my_file_v2.csv " +
                "@\u200bchannel @\u200bHere &lt;!everyone&gt; &lt;https://evil.example|click&gt;",
        );
        // No marker is left next to anything but a zero-width space, a letter or a digit on both sides.
        assert.doesNotMatch(text, /(?<![\u200b\p{L}\p{N}])[*_~`]|[*_~`](?![\u200b\p{L}\p{N}])/u);
    });

    it("a key, a stopped reason and a container reason that try to format are shown as text", () => {
        const event = withExitCode("ecs-exit-1.json", 1);
        event.detail.overrides.containerOverrides[0].environment = [
            { name: "S3_BUCKET", value: BUCKET },
            { name: "S3_KEY", value: "uploads/*URGENT* _pay_ ~now~.csv" },
        ];
        event.detail.stoppedReason = "*Essential* container exited";
        event.detail.containers[0].reason = "~crashed~ @here";
        const m = formatNotification(event, CTX);
        assert.equal(field(m, "File"), `s3://${BUCKET}/uploads/\u200b*\u200bURGENT\u200b*\u200b \u200b_\u200bpay\u200b_\u200b \u200b~\u200bnow\u200b~\u200b.csv`);
        assert.match(allText(m), /\*Stopped reason\*\n\u200b\*\u200bEssential\u200b\*\u200b container exited/);
        assert.match(allText(m), /\u200b~\u200bcrashed\u200b~\u200b @\u200bhere/);
        for (const t of textsOf(m)) {
            if (t.obj.type === "mrkdwn") {
                assert.equal((t.obj as { verbatim?: boolean }).verbatim, true, "Slack's own parsing of mentions and URLs is off");
            }
        }
    });
});

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
