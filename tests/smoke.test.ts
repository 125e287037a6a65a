/**
 * `npm run smoke`: the check a team runs after a deploy, run here against `npm run demo` (the real
 * demo process, its S3 endpoint and its local alert topic), the same code that runs against AWS.
 * Also: what it reads from a stack's outputs, its SQS alert inbox (against a scripted SQS/SNS), the
 * local topic, and the notifier's rule that the check's expected failure stays out of Slack.
 */
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { LOCAL_ALERT_TOPIC_ARN, LocalAlertTopic, readLocalNotifications } from "../app/src/local/alert-topic";
import { localS3Client } from "../app/src/local/s3-server";
import { createHandler } from "../app/src/notifier/handler";
import { isQuietSmokeCheckKey } from "../app/src/notifier/smoke";
import { NoNotificationError, isTaskFailureFor, openLocalInbox, openSqsInbox, parseNotification } from "../app/src/smoke/alerts";
import { parseSmokeArgs, verdict } from "../app/src/smoke/cli";
import { dataSuffix, failingFile, runSmoke, smokeFile } from "../app/src/smoke/run";
import { SmokeUsageError, localOutputs, resolveTarget, ruleName } from "../app/src/smoke/target";
import * as pulumi from "@pulumi/pulumi";
import { runProgram } from "../policy/offline/program";
import { ROOT, valueOf } from "./mocks";
import { TS_REGISTER } from "./support/ts-process";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:s3-fargate-pipeline-dev-monitoring-alerts";

/** The ECS Task State Change the failure rule publishes for a task that processed `key`. */
function taskStopped(key: string, exitCode = 65, bucket = "b"): Record<string, unknown> {
    return {
        source: "aws.ecs",
        "detail-type": "ECS Task State Change",
        region: "eu-west-1",
        detail: {
            clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/proc",
            taskArn: "arn:aws:ecs:eu-west-1:123456789012:task/proc/abc",
            taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/s3-fargate-pipeline-dev-processor:3",
            lastStatus: "STOPPED",
            stopCode: "EssentialContainerExited",
            containers: [{ name: "processor", exitCode }],
            overrides: { containerOverrides: [{ name: "processor", environment: [{ name: "S3_BUCKET", value: bucket }, { name: "S3_KEY", value: key }] }] },
        },
    };
}

function notification(message: unknown, topicArn = TOPIC) {
    return { Type: "Notification" as const, MessageId: "m1", TopicArn: topicArn, Message: JSON.stringify(message), Timestamp: "2026-11-23T10:00:00.000Z" };
}

describe("smoke check: what it reads", () => {
    const outputs = {
        bucketName: "uploads-bucket-1a2b3c4",
        uploadPrefix: "uploads/",
        outputPrefix: "processed/",
        statusPrefix: "status/",
        keySuffixes: [".csv", ".tsv"],
        trigger: "eventbridge",
        alertTopicArn: TOPIC,
        ruleArn: "arn:aws:events:eu-west-1:123456789012:rule/on-upload-rule-1a2b3c4",
        failureRuleArn: "arn:aws:events:eu-west-1:123456789012:rule/monitoring-task-failed-9f8e7d6",
        deadLetterQueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/on-upload-dlq-1",
        failureDeadLetterQueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/monitoring-task-failed-dlq-2",
    };

    it("takes a deployed stack's outputs from `pulumi stack output --json`: bucket, prefixes, topic, both rules and the dead-letter queues", () => {
        const asked: string[] = [];
        const target = resolveTarget({ stack: "dev" }, {}, (stack) => (asked.push(stack), outputs));
        assert.deepEqual(asked, ["dev"]);
        assert.deepEqual(target, {
            bucket: "uploads-bucket-1a2b3c4",
            prefixes: { upload: "uploads/", output: "processed/", status: "status/" },
            keySuffixes: [".csv", ".tsv"],
            endpoint: undefined,
            region: "eu-west-1",
            alerts: { topicArn: TOPIC },
            rules: ["on-upload-rule-1a2b3c4", "monitoring-task-failed-9f8e7d6"],
            deadLetterQueueUrls: [outputs.deadLetterQueueUrl, outputs.failureDeadLetterQueueUrl],
        });
    });

    it("finds everything it needs among the outputs index.ts exports (the dev stack under Pulumi mocks, as `pulumi stack output --json` would print them)", async () => {
        const { outputs: exported } = await runProgram({ stack: "dev" });
        const printed: Record<string, unknown> = {};
        for (const [name, value] of Object.entries(exported)) {
            printed[name] = pulumi.Output.isInstance(value) ? await valueOf(value) : value;
        }
        const target = resolveTarget({ stack: "dev" }, {}, () => JSON.parse(JSON.stringify(printed)));
        assert.deepEqual(target.prefixes, { upload: "uploads/", output: "processed/", status: "status/" });
        assert.deepEqual(target.keySuffixes, [".csv", ".csv.gz", ".tsv", ".jsonl", ".parquet"]);
        assert.match(("topicArn" in target.alerts && target.alerts.topicArn) || "", /^arn:aws:sns:eu-west-1:\d{12}:s3-fargate-pipeline-dev-monitoring-alerts$/);
        assert.deepEqual(target.rules.map((r) => r.replace(/-[a-z0-9]+$/, "")), ["on-upload-rule", "monitoring-task-failed"]);
        assert.equal(target.deadLetterQueueUrls.length, 2, "the upload rule's and the failure rule's dead-letter queues");
        assert.equal(target.region, "eu-west-1");
    });

    it("reads an outputs file, lets flags override it, and takes the region from the environment before the topic's ARN", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "smoke-outputs-"));
        try {
            const file = path.join(dir, "outputs.json");
            fs.writeFileSync(file, JSON.stringify(outputs));
            const target = resolveTarget({ outputs: file, bucket: "other", ruleArns: [] }, { AWS_REGION: "us-east-1" });
            assert.deepEqual([target.bucket, target.region, target.rules], ["other", "us-east-1", []]);
            assert.throws(() => resolveTarget({ outputs: path.join(dir, "nope.json") }, {}), { message: `--outputs: ${path.join(dir, "nope.json")}: no such file; write it with \`pulumi stack output --json > FILE\`` });
            fs.writeFileSync(file, "[]");
            assert.throws(() => resolveTarget({ outputs: file }, {}), { message: `${file}: not a JSON object of stack outputs` });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses stacks whose uploads are not processed one task per upload, and says what is missing", () => {
        assert.throws(() => resolveTarget({ stack: "x" }, {}, () => ({ ...outputs, trigger: "none" })), {
            message: 'the stack\'s trigger is "none"; the smoke check needs a per-upload trigger (eventbridge or lambda)',
        });
        assert.throws(() => resolveTarget({ stack: "x" }, {}, () => ({ ...outputs, alertTopicArn: undefined })), {
            message: "no alert topic; give --stack NAME, --outputs FILE or --alert-topic-arn ARN",
        });
        assert.throws(() => resolveTarget({ stack: "x" }, {}, () => ({ ...outputs, bucketName: undefined })), SmokeUsageError);
        assert.throws(() => ruleName("arn:aws:sqs:eu-west-1:123456789012:q"), /is not an EventBridge rule ARN/);
        assert.equal(ruleName("arn:aws:events:eu-west-1:123456789012:rule/bus/name"), "name");
        assert.throws(() => parseSmokeArgs([]), { message: "say which stack: --stack NAME, --outputs FILE, or the outputs as flags; see --help" });
        assert.throws(() => parseSmokeArgs(["--stack", "dev", "--endpoint", "http://127.0.0.1:1", "--alert-dir", "/tmp/x", "--rows", "0"]), {
            message: '--rows: "0" is not a whole number from 1 to 100000',
        });
        assert.throws(() => parseSmokeArgs(["--nope"]), SmokeUsageError);
    });

    it("for the local pipeline, reads Pulumi.<stack>.yaml as the demo does (no Pulumi CLI, no Pulumi SDK)", () => {
        const options = parseSmokeArgs(["--stack", "dev", "--endpoint", "http://127.0.0.1:1", "--alert-dir", "/tmp/alerts"]);
        assert.notEqual(options, "help");
        if (options !== "help") {
            assert.deepEqual(options.target, { ...resolveTarget({ stack: "dev", endpoint: "http://127.0.0.1:1", alertDir: "/tmp/alerts" }, {}), region: undefined });
            assert.deepEqual([options.target.bucket, options.target.prefixes.upload, options.target.keySuffixes], ["demo-uploads", "uploads/", [".csv", ".csv.gz", ".tsv", ".jsonl", ".parquet"]]);
            assert.deepEqual([options.target.rules, options.target.deadLetterQueueUrls, options.target.alerts], [[], [], { directory: "/tmp/alerts" }]);
        }
        assert.equal(localOutputs("prod").uploadPrefix, "uploads/");
    });

    it("uploads files the upload rule takes: .csv, else another plain data suffix", () => {
        assert.equal(dataSuffix([]), ".csv");
        assert.equal(dataSuffix([".csv.gz", ".tsv"]), ".tsv");
        assert.throws(() => dataSuffix([".parquet"]), /the upload rule takes only \.parquet/);
        assert.equal(smokeFile(".csv", 2, "r1"), "n,run,amount\n1,r1,1.50\n2,r1,3.00\n");
        assert.equal(smokeFile(".tsv", 1, "r1"), "n\trun\tamount\n1\tr1\t1.50\n");
        assert.ok(failingFile().includes(0), "binary content");
    });

    it("names the failed step on its last line", () => {
        const step = { startedMs: 0, durationMs: 1, detail: "" };
        assert.equal(verdict({ ok: true, interrupted: false, steps: [] }, 2500), "smoke check passed in 2.5 s (4 steps)");
        assert.equal(verdict({ ok: false, failedStep: "failure alert", interrupted: false, steps: [{ ...step, name: "failure alert", ok: false }] }, 1000), 'smoke check FAILED at step 2 "failure alert" after 1.0 s');
        assert.equal(verdict({ ok: false, failedStep: "processed upload", interrupted: true, steps: [] }, 1000), 'smoke check INTERRUPTED during step "processed upload" after 1.0 s; cleaned up');
    });
});

describe("smoke check: the failure notification", () => {
    it("is the failure rule's event for the check's own file, on the stack's topic", () => {
        const key = "uploads/smoke-check/r1/must-fail.csv";
        assert.ok(isTaskFailureFor(notification(taskStopped(key)), TOPIC, "b", key));
        assert.ok(!isTaskFailureFor(notification(taskStopped("uploads/broken.csv")), TOPIC, "b", key), "another file's failure");
        assert.ok(!isTaskFailureFor(notification(taskStopped(key), "arn:aws:sns:eu-west-1:123456789012:other"), TOPIC, "b", key), "another topic");
        assert.ok(!isTaskFailureFor(notification({ AlarmName: "x", NewStateValue: "ALARM" }), TOPIC, "b", key), "an alarm");
        assert.equal(parseNotification("not json"), undefined);
        assert.equal(parseNotification(JSON.stringify({ Type: "SubscriptionConfirmation", TopicArn: TOPIC, Message: "" })), undefined);
    });

    it("local topic: publishes only what the failure rule's pattern matches, whole files only, read in order by the local inbox", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alert-topic-"));
        try {
            const topic = LocalAlertTopic.open(dir);
            const old = topic.deliverTaskStateChange(taskStopped("uploads/old.csv"));
            assert.ok(old, "a failed task is published");
            assert.equal(topic.deliverTaskStateChange(taskStopped("uploads/fine.csv", 0)), undefined, "exit 0 is not a failure");
            const inbox = openLocalInbox(dir, 20);
            topic.deliverTaskStateChange(taskStopped("uploads/other.csv"));
            const later = setTimeout(() => topic.deliverTaskStateChange(taskStopped("uploads/mine.csv")), 100);
            const got = await inbox.waitFor((n) => isTaskFailureFor(n, LOCAL_ALERT_TOPIC_ARN, "b", "uploads/mine.csv"), 5000);
            clearTimeout(later);
            assert.equal(got.TopicArn, LOCAL_ALERT_TOPIC_ARN);
            fs.writeFileSync(path.join(dir, "20260101T000000000Z-00000000-0000-0000-0000-000000000000.json"), "{half");
            await assert.rejects(inbox.waitFor((n) => isTaskFailureFor(n, LOCAL_ALERT_TOPIC_ARN, "b", "uploads/old.csv"), 300), (e: Error) => {
                assert.ok(e instanceof NoNotificationError);
                assert.match(e.message, /nothing else arrived; 1 unreadable file\(s\): 20260101T000000000Z-/, "the earlier message was from before the inbox opened");
                return true;
            });
            assert.deepEqual(readLocalNotifications(dir).notifications.length, 3);
            assert.ok(!fs.readdirSync(dir).some((f) => f.endsWith(".tmp")));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("SQS inbox: a queue that admits only the topic, subscribed, read and emptied; unsubscribed and deleted on close", async () => {
        const calls: { command: string; input: any }[] = [];
        const pending = [notification(taskStopped("uploads/other.csv")), notification(taskStopped("uploads/smoke-check/r1/must-fail.csv"))];
        const send = async (command: { constructor: { name: string }; input: any }) => {
            calls.push({ command: command.constructor.name, input: command.input });
            switch (command.constructor.name) {
                case "CreateQueueCommand":
                    return { QueueUrl: "https://sqs.eu-west-1.amazonaws.com/123456789012/smoke-check-r1" };
                case "GetQueueAttributesCommand":
                    return { Attributes: { QueueArn: "arn:aws:sqs:eu-west-1:123456789012:smoke-check-r1" } };
                case "SubscribeCommand":
                    return { SubscriptionArn: `${TOPIC}:sub-1` };
                case "ReceiveMessageCommand": {
                    const n = pending.shift();
                    return { Messages: n ? [{ Body: JSON.stringify(n), ReceiptHandle: `rh-${calls.length}` }, { Body: "garbage", ReceiptHandle: "rh-x" }] : [] };
                }
                default:
                    return {};
            }
        };
        const client = { send } as any;
        const inbox = await openSqsInbox({ sqs: client, sns: client, topicArn: TOPIC, queueName: "smoke-check-r1", waitSeconds: 1 });
        const got = await inbox.waitFor((n) => isTaskFailureFor(n, TOPIC, "b", "uploads/smoke-check/r1/must-fail.csv"), 10000);
        assert.equal(got.TopicArn, TOPIC);
        await inbox.close();
        await inbox.close();
        const create = calls.find((c) => c.command === "CreateQueueCommand")?.input;
        assert.deepEqual(create, { QueueName: "smoke-check-r1", Attributes: { SqsManagedSseEnabled: "true", MessageRetentionPeriod: "3600" } });
        const policy = JSON.parse(calls.find((c) => c.command === "SetQueueAttributesCommand")?.input.Attributes.Policy);
        assert.deepEqual(policy.Statement, [
            { Effect: "Allow", Principal: { Service: "sns.amazonaws.com" }, Action: "sqs:SendMessage", Resource: "arn:aws:sqs:eu-west-1:123456789012:smoke-check-r1", Condition: { ArnEquals: { "aws:SourceArn": TOPIC } } },
        ]);
        assert.deepEqual(calls.find((c) => c.command === "SubscribeCommand")?.input, { TopicArn: TOPIC, Protocol: "sqs", Endpoint: "arn:aws:sqs:eu-west-1:123456789012:smoke-check-r1", ReturnSubscriptionArn: true });
        assert.equal(calls.filter((c) => c.command === "DeleteMessageBatchCommand").length, 2, "every received message is deleted");
        assert.deepEqual(
            calls.filter((c) => ["UnsubscribeCommand", "DeleteQueueCommand"].includes(c.command)).map((c) => c.command),
            ["UnsubscribeCommand", "DeleteQueueCommand"],
            "closed once, subscription first",
        );
    });

    it("SQS inbox: when subscribing fails, the queue it created is deleted before the error is thrown", async () => {
        const commands: string[] = [];
        const send = async (command: { constructor: { name: string } }) => {
            commands.push(command.constructor.name);
            if (command.constructor.name === "SubscribeCommand") {
                throw Object.assign(new Error("not authorized to perform SNS:Subscribe"), { name: "AuthorizationErrorException" });
            }
            return command.constructor.name === "CreateQueueCommand" ? { QueueUrl: "u" } : { Attributes: { QueueArn: "arn:aws:sqs:eu-west-1:1:q" } };
        };
        const client = { send } as any;
        await assert.rejects(openSqsInbox({ sqs: client, sns: client, topicArn: TOPIC, queueName: "q" }), /not authorized to perform SNS:Subscribe/);
        assert.equal(commands[commands.length - 1], "DeleteQueueCommand");
    });

    it("the notifier leaves the check's expected failure out of Slack, unless the check ran with --slack", async () => {
        assert.ok(isQuietSmokeCheckKey("uploads/smoke-check/r1/must-fail.csv"));
        assert.ok(!isQuietSmokeCheckKey("uploads/smoke-check-slack/r1/must-fail.csv"));
        assert.ok(!isQuietSmokeCheckKey("uploads/smoke-check.csv"), "a file named like the folder is an ordinary upload");
        const posted: string[] = [];
        const logs: object[] = [];
        const handler = createHandler({
            getWebhookUrl: async () => "https://hooks.slack.com/services/T/B/X",
            post: (async (_url: string, init: { body: string }) => (posted.push(init.body), new Response("ok", { status: 200 }))) as unknown as typeof fetch,
            log: (l) => logs.push(l),
        });
        const record = (key: string) => ({ Sns: { MessageId: key, Message: JSON.stringify(taskStopped(key)) } });
        await handler({ Records: [record("uploads/smoke-check/r1/must-fail.csv"), record("uploads/smoke-check-slack/r1/must-fail.csv"), record("uploads/real.csv")] } as any);
        assert.equal(posted.length, 2);
        assert.ok(posted.every((b) => !b.includes("smoke-check/r1")));
        assert.ok(logs.some((l) => (l as { msg?: string }).msg === "smoke check failure, not posted to Slack"));
    });
});

describe("smoke check: steps (scripted S3, no AWS)", () => {
    it("fails step 1 with the status document's error when the upload fails instead, and still cleans up", async () => {
        const deleted: string[] = [];
        const s3 = {
            send: async (command: { constructor: { name: string }; input: any }) => {
                switch (command.constructor.name) {
                    case "GetObjectCommand":
                        return { Body: { transformToString: async () => JSON.stringify({ state: "failed", error: { class: "InputError:empty", message: "the file is empty", exitCode: 65 } }) } };
                    case "ListObjectVersionsCommand":
                        return { Versions: [{ Key: command.input.Prefix, VersionId: "v1" }], DeleteMarkers: [{ Key: command.input.Prefix, VersionId: "m1" }] };
                    case "DeleteObjectCommand":
                        deleted.push(`${command.input.Key}@${command.input.VersionId}`);
                        return {};
                    default:
                        return {};
                }
            },
        };
        const lines: string[] = [];
        const result = await runSmoke(
            {
                target: { bucket: "b", prefixes: { upload: "uploads/", output: "processed/", status: "status/" }, keySuffixes: [], alerts: { topicArn: TOPIC }, rules: [], deadLetterQueueUrls: [] },
                openInbox: () => Promise.reject(new Error("not reached")),
                runId: "r1",
                pollMs: 1,
                print: (l) => lines.push(l),
            },
            { s3 },
        );
        assert.equal(result.ok, false);
        assert.equal(result.failedStep, "processed upload");
        assert.match(lines.join("\n"), /FAILED after .*: s3:\/\/b\/status\/smoke-check\/r1\/ok\.csv\.json says failed: InputError:empty the file is empty \(exit 65\), expected succeeded/);
        assert.deepEqual(result.steps.map((s) => [s.name, s.ok]), [["processed upload", false], ["clean-up", true]]);
        assert.deepEqual(deleted.sort(), [
            "processed/smoke-check/r1/ok.csv.summary.json@m1",
            "processed/smoke-check/r1/ok.csv.summary.json@v1",
            "status/smoke-check/r1/ok.csv.json@m1",
            "status/smoke-check/r1/ok.csv.json@v1",
            "uploads/smoke-check/r1/ok.csv@m1",
            "uploads/smoke-check/r1/ok.csv@v1",
        ], "every version and delete marker of every key it created");
    });
});

// ---------------------------------------------------------------------------------------------
// Against `npm run demo`

interface Ran {
    code: number | null;
    out: string;
}

/** `npm run smoke -- …`, to completion. */
function smoke(args: string[]): Promise<Ran> {
    return collect(spawn("npm", ["run", "--silent", "smoke", "--", ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] }));
}

/** The smoke check's own process (what `npm run smoke` starts), sent `signal` twice once a line matches. */
function smokeProcess(args: string[], line: RegExp, signal: NodeJS.Signals): Promise<Ran> {
    const child = spawn(process.execPath, [...TS_REGISTER, path.join(ROOT, "app/src/smoke/cli.ts"), ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let seen = "";
    let sent = false;
    child.stdout.on("data", (d: Buffer) => {
        seen += d.toString();
        if (!sent && line.test(seen)) {
            sent = true;
            child.kill(signal);
            setTimeout(() => child.kill(signal), 50);
        }
    });
    return collect(child);
}

function collect(child: ChildProcess): Promise<Ran> {
    return new Promise((resolve) => {
        let out = "";
        child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
        child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
        child.on("exit", (code) => resolve({ code, out }));
    });
}

describe("npm run smoke against npm run demo", function () {
    this.timeout(240000);
    let demo: ChildProcess;
    let demoOut = "";
    let endpoint: string;
    let alerts: string;
    let emptyAlerts: string;
    const smokeKeys = async () => {
        const client = localS3Client(endpoint);
        try {
            const listed = await client.send(new ListObjectsV2Command({ Bucket: "demo-uploads" }));
            return (listed.Contents ?? []).map((o) => o.Key as string).filter((k) => k.includes("smoke-check"));
        } finally {
            client.destroy();
        }
    };

    before(async () => {
        alerts = fs.mkdtempSync(path.join(os.tmpdir(), "demo-alerts-"));
        emptyAlerts = fs.mkdtempSync(path.join(os.tmpdir(), "no-alerts-"));
        // In its own process group, as a terminal runs it, so that Ctrl-C reaches npm, the demo and its processors.
        demo = spawn("npm", ["run", "--silent", "demo", "--", "--alerts", alerts, "--rows", "50"], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
        await new Promise<void>((resolve, reject) => {
            const take = (d: Buffer) => {
                demoOut += d.toString();
                const m = /Local S3 server {2}(http:\/\/127\.0\.0\.1:\d+)/.exec(demoOut);
                if (m && /Alert topic {6}/.test(demoOut)) {
                    endpoint = m[1];
                    resolve();
                }
            };
            demo.stdout!.on("data", take);
            demo.stderr!.on("data", take);
            demo.on("exit", (code) => reject(new Error(`npm run demo exited (${code}) before it was ready:\n${demoOut}`)));
        });
    });

    after(async () => {
        if (demo.exitCode === null) {
            const exited = new Promise((resolve) => demo.on("exit", resolve));
            // Ctrl-C, as a terminal sends it to the foreground process group: the demo stops its processors and servers and removes its data.
            process.kill(-(demo.pid as number), "SIGINT");
            await exited;
        }
        fs.rmSync(alerts, { recursive: true, force: true });
        fs.rmSync(emptyAlerts, { recursive: true, force: true });
    });

    it("passes: the CSV is processed with its row count, the failing file's notification is read from the local topic, and nothing is left behind", async () => {
        const r = await smoke(["--stack", "dev", "--endpoint", endpoint, "--alert-dir", alerts, "--rows", "7"]);
        assert.equal(r.code, 0, r.out);
        assert.match(r.out, /1\/4 processed upload …\n[\s\S]*ok in [\d.]+ s: s3:\/\/demo-uploads\/uploads\/smoke-check\/[\w-]+\/ok\.csv → succeeded, 7 rows/);
        assert.match(r.out, /2\/4 failure alert …[\s\S]*ok in [\d.]+ s: uploads\/smoke-check\/[\w-]+\/must-fail\.csv → failed \(InputError:binary, exit 65\); failure notification [0-9a-f-]+ read from local alert topic/);
        assert.match(r.out, /3\/4 delivery health …[\s\S]*ok in/);
        assert.match(r.out, /4\/4 clean-up …[\s\S]*ok in [\d.]+ s: 6 key\(s\) deleted/);
        assert.match(r.out, /smoke check passed in [\d.]+ s \(4 steps\)\n$/);
        assert.deepEqual(await smokeKeys(), []);
        // The demo's own failure (broken.csv) reached the topic too, through the same rule.
        const messages = readLocalNotifications(alerts).notifications.map((n) => JSON.parse(n.notification.Message).detail.overrides.containerOverrides[0].environment.find((e: any) => e.name === "S3_KEY").value);
        assert.ok(messages.includes("uploads/broken.csv"), messages.join(", "));
        assert.ok(messages.some((k: string) => /^uploads\/smoke-check\/[\w-]+\/must-fail\.csv$/.test(k)));
    });

    it("fails naming step 2 when no failure notification arrives, exits 1, and still cleans up", async () => {
        const r = await smoke(["--stack", "dev", "--endpoint", endpoint, "--alert-dir", emptyAlerts, "--timeout-seconds", "20"]);
        assert.equal(r.code, 1, r.out);
        assert.match(r.out, /FAILED after [\d.]+ s: no matching notification in .* within 20 s; nothing else arrived/);
        assert.match(r.out, /4\/4 clean-up …\n[\s\S]*ok in/);
        assert.match(r.out, /smoke check FAILED at step 2 "failure alert" after [\d.]+ s\n$/);
        assert.deepEqual(await smokeKeys(), []);
    });

    it("on SIGTERM (sent twice, as npm forwards it) stops the current step, cleans up and exits 143 naming the step", async () => {
        const r = await smokeProcess(["--stack", "dev", "--endpoint", endpoint, "--alert-dir", emptyAlerts, "--timeout-seconds", "120"], /waiting for the failure notification/, "SIGTERM");
        assert.equal(r.code, 143, r.out);
        assert.match(r.out, /SIGTERM: stopping the current step, then cleaning up/);
        assert.match(r.out, /FAILED after [\d.]+ s: interrupted/);
        assert.match(r.out, /4\/4 clean-up …\n[\s\S]*ok in/);
        assert.match(r.out, /smoke check INTERRUPTED during step "failure alert" after [\d.]+ s; cleaned up\n$/);
        assert.deepEqual(await smokeKeys(), []);
    });
});
