/**
 * The Slack notifier's formatting: realistic ECS task events and alarm notifications, anything else,
 * its text limits and escaping, and untrusted text that must not format, mention or link.
 */
import { strict as assert } from "assert";
import * as fc from "fast-check";
import {
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
import { CTX, allText, blocksOf, fixtureText, headerOf, linksOf, textsOf } from "./support/notifier";

const fixture = (name: string): Record<string, any> => JSON.parse(fixtureText(name));
const BUCKET = "s3-fargate-pipeline-dev-uploads-5f2c1a";
const CLUSTER = "s3-fargate-pipeline-dev-processing";

/** The value of the message's field with this label. */
function field(m: SlackMessage, label: string): string | undefined {
    for (const b of blocksOf(m)) {
        for (const f of b.fields ?? []) {
            if (f.text.startsWith(`*${label}*\n`)) return f.text.slice(label.length + 3);
        }
    }
    return undefined;
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
