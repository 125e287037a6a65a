import { strict as assert } from "assert";
import { Observability, ObservabilityTransforms, matchesEventPattern, taskFailurePattern, utilisationPercentQueries } from "../components";
import { ACCOUNT, Recorded, Recorder, parseDoc, settle, useMocks, valueOf } from "./mocks";

const CLUSTER_ARN = `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/proc`;
const FAMILY = "s3-fargate-pipeline-dev-processor";

/** An ECS Task State Change event for one container. */
function stopped(container: { exitCode?: number; reason?: string }, detail: Record<string, unknown> = {}): Record<string, unknown> {
    return {
        source: "aws.ecs",
        "detail-type": "ECS Task State Change",
        detail: {
            clusterArn: CLUSTER_ARN,
            taskDefinitionArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${FAMILY}:7`,
            lastStatus: "STOPPED",
            stopCode: "EssentialContainerExited",
            containers: [{ name: "processor", ...container }],
            ...detail,
        },
    };
}

describe("task failure pattern", () => {
    const pattern = taskFailurePattern({ clusterArn: CLUSTER_ARN, family: FAMILY, notifySpotInterruptions: false });
    const withSpot = taskFailurePattern({ clusterArn: CLUSTER_ARN, family: FAMILY, notifySpotInterruptions: true });

    it("matches a non-zero exit of the container", () => {
        assert.ok(matchesEventPattern(pattern, stopped({ exitCode: 1 })));
        assert.ok(matchesEventPattern(pattern, stopped({ exitCode: 65 })));
    });

    it("matches OutOfMemoryError whatever the exit code, 137 or even 0", () => {
        assert.ok(matchesEventPattern(pattern, stopped({ exitCode: 137, reason: "OutOfMemoryError: Container killed due to memory usage" })));
        assert.ok(matchesEventPattern(pattern, stopped({ exitCode: 0, reason: "OutOfMemoryError: Container killed due to memory usage" })));
    });

    it("matches a task that failed to start (no exit code at all)", () => {
        assert.ok(matchesEventPattern(pattern, stopped({}, { stopCode: "TaskFailedToStart", stoppedReason: "CannotPullContainerError: pull access denied" })));
    });

    it("sends nothing for a successful run, a running task, another family or another cluster", () => {
        assert.ok(!matchesEventPattern(pattern, stopped({ exitCode: 0 })));
        assert.ok(!matchesEventPattern(pattern, stopped({ exitCode: 1 }, { lastStatus: "RUNNING" })));
        assert.ok(!matchesEventPattern(pattern, stopped({ exitCode: 1 }, { taskDefinitionArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/${FAMILY}-other:1` })));
        assert.ok(!matchesEventPattern(pattern, stopped({ exitCode: 1 }, { clusterArn: `${CLUSTER_ARN}-2` })));
    });

    it("reports Spot interruptions only when asked to", () => {
        const spot = stopped({ exitCode: 143 }, { stopCode: "SpotInterruption" });
        assert.ok(!matchesEventPattern(pattern, spot));
        assert.ok(matchesEventPattern(withSpot, spot));
    });
});

describe("utilisation alarm math", () => {
    it("alarms on 100 × Utilized / Reserved for the family in the cluster", () => {
        const q = utilisationPercentQueries("Memory", "proc", FAMILY, 60);
        assert.deepEqual(q.map((x) => [x.id, x.metric?.metricName, x.expression, x.returnData]), [
            ["utilized", "MemoryUtilized", undefined, false],
            ["reserved", "MemoryReserved", undefined, false],
            ["percent", undefined, "100 * utilized / reserved", true],
        ]);
        assert.deepEqual(q[0].metric?.dimensions, { ClusterName: "proc", TaskDefinitionFamily: FAMILY });
        assert.equal(q[0].metric?.namespace, "ECS/ContainerInsights");
    });
});

describe("Observability", () => {
    let recorder: Recorder;
    const base = {
        cluster: { clusterName: "proc", clusterArn: CLUSTER_ARN },
        task: { family: FAMILY, containerName: "processor", logGroupName: "/ecs/p" },
        trigger: { rule: { name: "on-upload-rule" }, deadLetterQueue: { name: "on-upload-dlq" } },
    };
    beforeEach(async () => {
        recorder = await useMocks();
    });
    const alarm = (name: string): Recorded => recorder.one("aws:cloudwatch/metricAlarm:MetricAlarm", name);

    it("routes failed tasks to an encrypted topic that admits only this rule and this account's alarms", async () => {
        new Observability("mon", base);
        await settle();
        const rule = recorder.one("aws:cloudwatch/eventRule:EventRule");
        assert.deepEqual(JSON.parse(rule.inputs.eventPattern), taskFailurePattern({ clusterArn: CLUSTER_ARN, family: FAMILY, notifySpotInterruptions: false }));
        const topic = recorder.one("aws:sns/topic:Topic");
        assert.equal(topic.inputs.name, "s3-fargate-pipeline-test-mon-alerts");
        assert.equal(topic.inputs.kmsMasterKeyId, recorder.one("aws:kms/key:Key").state.arn);
        const target = recorder.one("aws:cloudwatch/eventTarget:EventTarget").inputs;
        assert.equal(target.arn, topic.state.arn);
        assert.equal(target.roleArn, undefined, "EventBridge's SNS targets use the topic policy, never a role");
        const [events, alarms, tls] = parseDoc(recorder.one("aws:sns/topicPolicy:TopicPolicy").inputs.policy).Statement;
        assert.deepEqual([events.Principal, events.Action, events.Condition], [{ Service: "events.amazonaws.com" }, "sns:Publish", { ArnEquals: { "aws:SourceArn": rule.state.arn } }]);
        assert.deepEqual(alarms.Principal, { Service: "cloudwatch.amazonaws.com" });
        assert.deepEqual(alarms.Condition, { ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` }, StringEquals: { "aws:SourceAccount": ACCOUNT } });
        assert.equal(tls.Effect, "Deny");
        assert.equal(recorder.one("aws:kms/key:Key").inputs.enableKeyRotation, true);
    });

    // The SNS developer guide's statement for AWS event sources publishing to encrypted topics:
    // Principal <service>, kms:GenerateDataKey* and kms:Decrypt on "*". AWS does not document that
    // EventBridge's calls to KMS carry aws:SourceAccount / aws:SourceArn; CloudWatch alarms' do.
    it("grants EventBridge the topic's key as the SNS guide documents, with no aws:Source* condition, scoped to the topic by encryption context", async () => {
        new Observability("mon", base);
        await settle();
        const topicArn = recorder.one("aws:sns/topic:Topic").state.arn;
        assert.equal(topicArn, `arn:aws:sns:eu-west-1:${ACCOUNT}:s3-fargate-pipeline-test-mon-alerts`);
        const statements: any[] = parseDoc(recorder.one("aws:kms/key:Key").inputs.policy).Statement;
        const forService = (service: string) => statements.filter((s) => JSON.stringify(s.Principal).includes(service));
        const [events] = forService("events.amazonaws.com");
        assert.equal(forService("events.amazonaws.com").length, 1);
        assert.deepEqual(events.Principal, { Service: "events.amazonaws.com" }, "a statement of its own");
        assert.deepEqual([events.Effect, [...events.Action].sort(), events.Resource], ["Allow", ["kms:Decrypt", "kms:GenerateDataKey*"], "*"]);
        const keys = Object.values(events.Condition ?? {}).flatMap((block) => Object.keys(block as object));
        assert.deepEqual(keys.filter((k) => /^aws:Source/i.test(k)), [], "no aws:SourceAccount / aws:SourceArn on EventBridge's grant");
        assert.deepEqual(events.Condition, { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": topicArn } });
    });

    it("grants CloudWatch alarms the key in a separate statement, for this account's alarms only", async () => {
        new Observability("mon", base);
        await settle();
        const statements: any[] = parseDoc(recorder.one("aws:kms/key:Key").inputs.policy).Statement;
        const cloudwatch = statements.filter((s) => JSON.stringify(s.Principal).includes("cloudwatch.amazonaws.com"));
        assert.equal(cloudwatch.length, 1);
        assert.deepEqual(cloudwatch[0].Principal, { Service: "cloudwatch.amazonaws.com" });
        assert.deepEqual([...cloudwatch[0].Action].sort(), ["kms:Decrypt", "kms:GenerateDataKey*"]);
        assert.deepEqual(cloudwatch[0].Condition, { ArnLike: { "aws:SourceArn": `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:*` }, StringEquals: { "aws:SourceAccount": ACCOUNT } });
        assert.deepEqual(statements.map((s) => s.Sid), ["AccountAdministers", "EventBridgePublishesToTheTopic", "CloudWatchAlarmsPublish"]);
    });

    // EventBridge: without a dead-letter queue, events that exhaust retries are dropped; the queue's policy
    // admits events.amazonaws.com for this rule (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
    it("gives the failure rule's target a retry policy and an SSE-SQS dead-letter queue that admits only this rule", async () => {
        const mon = new Observability("mon", base);
        await settle();
        const target = recorder.one("aws:cloudwatch/eventTarget:EventTarget").inputs;
        const queue = recorder.one("aws:sqs/queue:Queue");
        assert.equal(queue.name, "mon-task-failed-dlq");
        assert.equal(queue.inputs.sqsManagedSseEnabled, true);
        assert.equal(queue.inputs.kmsMasterKeyId, undefined, "not the AWS managed key");
        assert.deepEqual(target.deadLetterConfig, { arn: queue.state.arn });
        assert.deepEqual(target.retryPolicy, { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 });
        const [allow, tls] = parseDoc(recorder.one("aws:sqs/queuePolicy:QueuePolicy").inputs.policy).Statement;
        assert.deepEqual([allow.Principal, allow.Action, allow.Resource], [{ Service: "events.amazonaws.com" }, "sqs:SendMessage", queue.state.arn]);
        assert.deepEqual(allow.Condition, { ArnEquals: { "aws:SourceArn": recorder.one("aws:cloudwatch/eventRule:EventRule").state.arn } });
        assert.equal(tls.Effect, "Deny");
        assert.equal(await valueOf(mon.failureDeadLetterQueue.url), queue.state.url);
    });

    it("alarms on the failure rule's FailedInvocations and dead letters, publishing to the topic (under CloudWatch's grant)", async () => {
        new Observability("mon", { ...base, trigger: false });
        await settle();
        const topicArn = recorder.one("aws:sns/topic:Topic").state.arn;
        const invocations = alarm("mon-task-failed-failed-invocations").inputs;
        assert.deepEqual(
            [invocations.namespace, invocations.metricName, invocations.dimensions, invocations.statistic, invocations.threshold, invocations.comparisonOperator],
            ["AWS/Events", "FailedInvocations", { RuleName: recorder.one("aws:cloudwatch/eventRule:EventRule").state.name }, "Sum", 0, "GreaterThanThreshold"],
        );
        const deadLetters = alarm("mon-task-failed-dead-letters").inputs;
        assert.deepEqual([deadLetters.metricName, deadLetters.dimensions], ["ApproximateNumberOfMessagesVisible", { QueueName: recorder.one("aws:sqs/queue:Queue").state.name }]);
        for (const a of [invocations, deadLetters]) {
            assert.deepEqual([a.alarmActions, a.okActions], [[topicArn], [topicArn]]);
        }
    });

    it("rejects a topic name SNS would refuse", () => {
        assert.throws(() => new Observability("m", { ...base, topicName: "alerts.fifo!" }), {
            message: 'm.topicName: "alerts.fifo!" is not a valid SNS topic name; use 1-256 letters, digits, hyphens and underscores',
        });
    });

    it("alarms on CPU % and memory % with the given thresholds, rule failures and dead letters, all to the topic", async () => {
        new Observability("mon", { ...base, alarms: { cpuPercent: 70, memoryPercent: 85, evaluationPeriods: 3 } });
        await settle();
        const topicArn = recorder.one("aws:sns/topic:Topic").state.arn;
        const cpu = alarm("mon-cpu-high").inputs;
        assert.deepEqual([cpu.threshold, cpu.evaluationPeriods, cpu.comparisonOperator], [70, 3, "GreaterThanThreshold"]);
        assert.equal(cpu.metricQueries.find((q: any) => q.returnData).expression, "100 * utilized / reserved");
        assert.equal(alarm("mon-memory-high").inputs.threshold, 85);
        assert.deepEqual(
            [alarm("mon-rule-failed-invocations").inputs.metricName, alarm("mon-rule-failed-invocations").inputs.dimensions],
            ["FailedInvocations", { RuleName: "on-upload-rule" }],
        );
        assert.deepEqual(alarm("mon-dead-letters").inputs.dimensions, { QueueName: "on-upload-dlq" });
        for (const a of recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
            assert.deepEqual(a.inputs.alarmActions, [topicArn], a.name);
        }
    });

    it("builds a dashboard and saved Logs Insights queries over the task's log group", async () => {
        new Observability("mon", base);
        await settle();
        const body = JSON.parse(recorder.one("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody);
        const titles = body.widgets.map((w: any) => w.properties.title);
        assert.deepEqual(titles, [
            "Files: succeeded / failed / interrupted",
            "Rule delivery failures and dead letters",
            "CPU utilisation (%)",
            "Memory utilisation (%)",
            "Rows processed",
            "Duration per file (ms)",
        ]);
        const queries = recorder.ofType("aws:cloudwatch/queryDefinition:QueryDefinition").map((q) => [q.inputs.name.split("/").pop(), q.inputs.logGroupNames]);
        assert.deepEqual(queries, [["errors-by-file", ["/ecs/p"]], ["slowest-files", ["/ecs/p"]]]);
    });

    it("GIVEN no upload rule THEN no upload-rule alarms, and the dashboard shows bytes read instead of rule delivery", async () => {
        new Observability("mon", { ...base, trigger: false });
        await settle();
        assert.deepEqual(recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name).sort(), [
            "mon-cpu-high",
            "mon-memory-high",
            "mon-task-failed-dead-letters",
            "mon-task-failed-failed-invocations",
        ]);
        const body = JSON.parse(recorder.one("aws:cloudwatch/dashboard:Dashboard").inputs.dashboardBody);
        assert.equal(body.widgets[1].properties.title, "Bytes read");
        assert.ok(!JSON.stringify(body).includes("AWS/Events"));
    });

    it("lets a user switch alarms and the dashboard off", async () => {
        new Observability("mon", { ...base, alarms: false, dashboard: false });
        await settle();
        assert.equal(recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").length, 0);
        assert.equal(recorder.ofType("aws:cloudwatch/dashboard:Dashboard").length, 0);
    });

    it("rejects thresholds outside 1–100", () => {
        assert.throws(() => new Observability("m", { ...base, alarms: { cpuPercent: 150 } }), { message: "m.alarms.cpuPercent: 150 is out of range; use a whole number from 1 to 100" });
    });

    it("GIVEN transforms THEN each child gets the changed args (a partial object or a function with the child's name) and the caller's args are untouched", async () => {
        const names: string[] = [];
        const transform: ObservabilityTransforms = {
            topic: { tags: { team: "data" } },
            alarm: (a, _opts, n) => {
                names.push(n);
                a.evaluationPeriods = 2;
            },
            queryDefinition: (a) => ({ ...a, name: "renamed" }),
            notifierRole: { description: "ours" },
        };
        const args = { ...base, slack: { webhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX" }, transform };
        const before = JSON.stringify(args);
        new Observability("mon", args);
        await settle();
        assert.deepEqual(recorder.one("aws:sns/topic:Topic").inputs.tags, { team: "data" });
        const alarms = recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
        assert.deepEqual([...names].sort(), alarms.map((a) => a.name).sort(), "the function runs once per alarm, with its name");
        assert.ok(alarms.every((a) => a.inputs.evaluationPeriods === 2));
        assert.deepEqual(recorder.ofType("aws:cloudwatch/queryDefinition:QueryDefinition").map((q) => q.inputs.name), ["renamed", "renamed"]);
        assert.equal(recorder.one("aws:iam/role:Role").inputs.description, "ours");
        assert.equal(JSON.stringify(args), before);
    });

    describe("with Slack", () => {
        it("stores the webhook in Secrets Manager, never in the function's environment, and wires a scoped notifier", async () => {
            new Observability("mon", { ...base, slack: { webhookUrl: "https://hooks.slack.com/services/T000/B000/XXXX", channelLabel: "#alerts" } });
            await settle();
            const fn = recorder.one("aws:lambda/function:Function");
            const env = fn.inputs.environment.variables;
            assert.ok(!JSON.stringify(env).includes("hooks.slack.com"));
            assert.equal(env.SLACK_WEBHOOK_SECRET_ARN, recorder.one("aws:secretsmanager/secret:Secret").state.arn);
            assert.equal(env.LOG_GROUP_NAME, "/ecs/p");
            assert.equal(fn.inputs.loggingConfig.logGroup, recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.name);
            assert.equal(recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 30);
            const statements = parseDoc(recorder.one("aws:iam/rolePolicy:RolePolicy").inputs.policy).Statement;
            assert.deepEqual(statements.map((s: any) => s.Action), ["secretsmanager:GetSecretValue", ["logs:CreateLogStream", "logs:PutLogEvents"], "sqs:SendMessage"]);
            assert.equal(recorder.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs.destinationConfig.onFailure.destination, recorder.one("aws:sqs/queue:Queue", "mon-notifier-dlq").state.arn);
            assert.equal(recorder.one("aws:sns/topicSubscription:TopicSubscription").inputs.protocol, "lambda");
            assert.ok(recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").some((a) => a.name === "mon-notifier-dead-letters"));
            const archive = fn.inputs.code;
            assert.ok(archive, "the notifier's code is packaged");
        });
    });
});
