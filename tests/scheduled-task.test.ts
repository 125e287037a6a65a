/**
 * The ScheduledTask component under mocks: the schedule, its RunTask input, role, dead-letter queue,
 * alarm, transforms and rejected arguments; then built on a ProcessingCluster and a ProcessorTask, with
 * both policy packs over what it registers.
 */
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { RunTaskRequest, schedulerRolePolicy } from "../components/builders/schedule";
import { ScheduledTask, ScheduledTaskArgs } from "../components/scheduled-task";
import { evaluatePacks } from "../policy/offline/engine";
import { PACKS } from "../policy/packs";
import { ACCOUNT, Recorder, parseDoc, settle, useMocks, valueOf } from "./mocks";
import { deepFreeze } from "./support/assertions";
import {
    CLUSTER_ARN,
    EXAMPLES,
    EXECUTION_ROLE_ARN,
    REGION,
    TARGET_ARN,
    TASK_DEFINITION_ARN,
    TASK_ROLE_ARN,
    TYPE,
    deployWithProcessor,
} from "./support/scheduled-task";

function baseArgs(overrides: Partial<ScheduledTaskArgs> = {}): ScheduledTaskArgs {
    return {
        cluster: { clusterArn: CLUSTER_ARN },
        task: {
            taskDefinitionArn: TASK_DEFINITION_ARN,
            family: "proc-family",
            containerName: "processor",
            executionRoleArn: EXECUTION_ROLE_ARN,
            taskRoleArn: TASK_ROLE_ARN,
        },
        network: { subnetIds: ["subnet-a", "subnet-b"], securityGroupIds: ["sg-1"] },
        bucketName: "data-bucket",
        scheduleExpression: "cron(0 6 * * ? *)",
        ...overrides,
    };
}

/** The request of baseArgs() as the component sends it (environment entries sorted by name). */
function expectedRequest(overrides: Partial<RunTaskRequest> = {}, environment: { Name: string; Value: string }[] = []): RunTaskRequest {
    return {
        Cluster: CLUSTER_ARN,
        TaskDefinition: TASK_DEFINITION_ARN,
        Count: 1,
        LaunchType: "FARGATE",
        NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ["subnet-a", "subnet-b"], SecurityGroups: ["sg-1"], AssignPublicIp: "ENABLED" } },
        Overrides: {
            ContainerOverrides: [
                {
                    Name: "processor",
                    Environment: [{ Name: "PROCESSOR_MODE", Value: "batch" }, { Name: "S3_BUCKET", Value: "data-bucket" }, ...environment].sort((a, b) => (a.Name < b.Name ? -1 : 1)),
                },
            ],
        },
        PropagateTags: "TASK_DEFINITION",
        EnableECSManagedTags: true,
        StartedBy: "scheduler/nightly",
        ...overrides,
    };
}

describe("ScheduledTask (under mocks)", () => {
    let recorder: Recorder;
    beforeEach(async () => {
        recorder = await useMocks({ stack: "unit" });
    });

    const schedule = () => recorder.one("aws:scheduler/schedule:Schedule").inputs;

    it("GIVEN the defaults THEN a daily 06:00 UTC cron on FARGATE with 2 retries over an hour, no window, enabled, in the default group", async () => {
        const job = new ScheduledTask("nightly", baseArgs());
        await settle();
        const s = schedule();
        assert.deepEqual(
            {
                scheduleExpression: s.scheduleExpression,
                scheduleExpressionTimezone: s.scheduleExpressionTimezone,
                flexibleTimeWindow: s.flexibleTimeWindow,
                state: s.state,
                groupName: s.groupName,
                description: s.description,
            },
            {
                scheduleExpression: "cron(0 6 * * ? *)",
                scheduleExpressionTimezone: "UTC",
                flexibleTimeWindow: { mode: "OFF" },
                state: "ENABLED",
                groupName: "default",
                description: "Runs proc-family in batch mode on cron(0 6 * * ? *) (UTC)",
            },
        );
        const { input, ...target } = s.target;
        assert.deepEqual(target, {
            arn: TARGET_ARN,
            roleArn: await valueOf(job.roleArn),
            retryPolicy: { maximumRetryAttempts: 2, maximumEventAgeInSeconds: 3600 },
            deadLetterConfig: { arn: await valueOf(job.deadLetterQueue.arn) },
        });
        assert.equal(s.target.ecsParameters, undefined, "the universal target takes no ecsParameters");
        assert.equal(input, JSON.stringify(expectedRequest()));
        assert.equal(await valueOf(job.scheduleArn), recorder.one("aws:scheduler/schedule:Schedule").state.arn);
        assert.equal(recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").length, 0);
        assert.equal(job.alarm, undefined);
    });

    it("GIVEN a rate, a time zone, a flexible window and the rest THEN the schedule carries them", async () => {
        new ScheduledTask(
            "hourly",
            baseArgs({
                scheduleExpression: "rate(6 hours)",
                timezone: "Europe/Paris",
                flexibleTimeWindowMinutes: 15,
                maxRetryAttempts: 0,
                maxEventAgeSeconds: 60,
                state: "DISABLED",
                scheduleGroupName: "batch-jobs",
                platformVersion: "1.4.0",
                capacityProviderStrategy: [
                    { capacityProvider: "FARGATE", base: 0, weight: 1 },
                    { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 },
                ],
                network: { subnetIds: ["subnet-private"], securityGroupIds: ["sg-2"], assignPublicIp: false },
            }),
        );
        await settle();
        const s = schedule();
        assert.deepEqual(
            [s.scheduleExpression, s.scheduleExpressionTimezone, s.flexibleTimeWindow, s.state, s.groupName],
            ["rate(6 hours)", "Europe/Paris", { mode: "FLEXIBLE", maximumWindowInMinutes: 15 }, "DISABLED", "batch-jobs"],
        );
        assert.deepEqual(s.target.retryPolicy, { maximumRetryAttempts: 0, maximumEventAgeInSeconds: 60 });
        assert.equal(s.target.arn, TARGET_ARN);
        const { LaunchType, ...withoutLaunchType } = expectedRequest({
            CapacityProviderStrategy: [
                { CapacityProvider: "FARGATE", Weight: 1, Base: 0 },
                { CapacityProvider: "FARGATE_SPOT", Weight: 3, Base: 0 },
            ],
            PlatformVersion: "1.4.0",
            NetworkConfiguration: { AwsvpcConfiguration: { Subnets: ["subnet-private"], SecurityGroups: ["sg-2"], AssignPublicIp: "DISABLED" } },
            StartedBy: "scheduler/hourly",
        });
        assert.equal(LaunchType, "FARGATE");
        assert.deepEqual(JSON.parse(s.target.input), withoutLaunchType, "a capacity provider strategy excludes a launch type");
        const [trust] = parseDoc(recorder.one("aws:iam/role:Role").inputs.assumeRolePolicy).Statement;
        assert.equal(trust.Condition.ArnLike["aws:SourceArn"], `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/batch-jobs`);
    });

    it("accepts a one-time at() run", async () => {
        new ScheduledTask("backfill", baseArgs({ scheduleExpression: "at(2030-01-31T06:00:00)", timezone: "America/New_York" }));
        await settle();
        assert.deepEqual([schedule().scheduleExpression, schedule().scheduleExpressionTimezone], ["at(2030-01-31T06:00:00)", "America/New_York"]);
    });

    it("passes PROCESSOR_MODE=batch and S3_BUCKET (from the bucket output) to the task's container in the RunTask request's overrides", async () => {
        const bucketName = new Promise<string>((resolve) => setTimeout(() => resolve("uploads-a1b2c3d"), 10));
        new ScheduledTask("nightly", baseArgs({ bucketName, environment: { SUMMARY_PARALLELISM: "2" }, task: { ...baseArgs().task, containerName: "worker" } }));
        await settle();
        assert.deepEqual(JSON.parse(schedule().target.input).Overrides, {
            ContainerOverrides: [
                {
                    Name: "worker",
                    Environment: [
                        { Name: "PROCESSOR_MODE", Value: "batch" },
                        { Name: "S3_BUCKET", Value: "uploads-a1b2c3d" },
                        { Name: "SUMMARY_PARALLELISM", Value: "2" },
                    ],
                },
            ],
        });
    });

    it("resolves the cluster, task definition, bucket and network outputs into the request, and takes a startedBy", async () => {
        const later = <T>(value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), 10));
        new ScheduledTask(
            "nightly",
            baseArgs({
                cluster: { clusterArn: pulumi.output(later(CLUSTER_ARN)) },
                task: { ...baseArgs().task, taskDefinitionArn: later(TASK_DEFINITION_ARN) },
                network: { subnetIds: pulumi.output(["subnet-a", later("subnet-b")]), securityGroupIds: [pulumi.output("sg-1")], assignPublicIp: true },
                bucketName: pulumi.output("data-bucket"),
                environment: { LOG_LEVEL: "debug" },
                startedBy: "nightly/batch",
            }),
        );
        await settle();
        assert.equal(schedule().target.input, JSON.stringify(expectedRequest({ StartedBy: "nightly/batch" }, [{ Name: "LOG_LEVEL", Value: "debug" }])));
    });

    it("gives the role a trust policy for Scheduler of this account and the default group, and exactly the run/pass/tag/dead-letter statements", async () => {
        const job = new ScheduledTask("nightly", baseArgs());
        await settle();
        const role = recorder.one("aws:iam/role:Role");
        assert.equal(role.name, "nightly-role");
        assert.deepEqual(parseDoc(role.inputs.assumeRolePolicy), {
            Version: "2012-10-17",
            Statement: [
                {
                    Effect: "Allow",
                    Principal: { Service: "scheduler.amazonaws.com" },
                    Action: "sts:AssumeRole",
                    Condition: {
                        StringEquals: { "aws:SourceAccount": ACCOUNT },
                        ArnLike: { "aws:SourceArn": `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/default` },
                    },
                },
            ],
        });
        const policy = recorder.one("aws:iam/rolePolicy:RolePolicy");
        assert.ok(job.role, "the role is created here");
        assert.equal(policy.inputs.role, await valueOf(job.role.id));
        assert.deepEqual(
            parseDoc(policy.inputs.policy),
            schedulerRolePolicy({
                taskDefinitionArn: TASK_DEFINITION_ARN,
                clusterArn: CLUSTER_ARN,
                executionRoleArn: EXECUTION_ROLE_ARN,
                taskRoleArn: TASK_ROLE_ARN,
                deadLetterQueueArn: await valueOf(job.deadLetterQueue.arn),
            }),
        );
        assert.deepEqual(
            parseDoc(policy.inputs.policy).Statement.map((s: any) => [s.Sid, s.Action, s.Resource]),
            [
                ["RunTask", "ecs:RunTask", `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/proc-family:*`],
                ["PassTaskRoles", "iam:PassRole", [EXECUTION_ROLE_ARN, TASK_ROLE_ARN]],
                ["TagStartedTasks", "ecs:TagResource", `arn:aws:ecs:${REGION}:${ACCOUNT}:task/proc/*`],
                ["SendDeadLetters", "sqs:SendMessage", `arn:aws:sqs:${REGION}:${ACCOUNT}:nightly-dlq-q1`],
            ],
        );
        assert.equal(recorder.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
        assert.equal(role.inputs.managedPolicyArns, undefined);
    });

    it("wires an SSE-SQS, 14-day, TLS-only dead-letter queue to the schedule and the role", async () => {
        const job = new ScheduledTask("nightly", baseArgs());
        await settle();
        const queue = recorder.one("aws:sqs/queue:Queue");
        assert.deepEqual([queue.inputs.sqsManagedSseEnabled, queue.inputs.messageRetentionSeconds, queue.inputs.kmsMasterKeyId, queue.inputs.fifoQueue], [true, 1209600, undefined, undefined]);
        const queueArn = await valueOf(job.deadLetterQueue.arn);
        assert.equal(schedule().target.deadLetterConfig.arn, queueArn);
        const send = parseDoc(recorder.one("aws:iam/rolePolicy:RolePolicy").inputs.policy).Statement.filter((s: any) => String(s.Action).startsWith("sqs:"));
        assert.deepEqual(send, [{ Sid: "SendDeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn }]);
        const queuePolicy = recorder.one("aws:sqs/queuePolicy:QueuePolicy").inputs;
        assert.equal(queuePolicy.queueUrl, await valueOf(job.deadLetterQueue.url));
        assert.deepEqual(parseDoc(queuePolicy.policy).Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sqs:*",
                Resource: [queueArn],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
    });

    it("GIVEN an alarm topic THEN an alarm on visible dead letters > 0 notifies it (and again when cleared)", async () => {
        const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;
        const job = new ScheduledTask("nightly", baseArgs({ alarmTopicArn: topic }));
        await settle();
        const alarm = recorder.one("aws:cloudwatch/metricAlarm:MetricAlarm");
        assert.equal(alarm.name, "nightly-dead-letters");
        const a = alarm.inputs;
        assert.deepEqual(
            [a.namespace, a.metricName, a.dimensions, a.statistic, a.comparisonOperator, a.threshold, a.period, a.evaluationPeriods, a.treatMissingData],
            ["AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: await valueOf(job.deadLetterQueue.name) }, "Maximum", "GreaterThanThreshold", 0, 300, 1, "notBreaching"],
        );
        assert.deepEqual([a.alarmActions, a.okActions], [[topic], [topic]]);
        assert.ok(job.alarm);
    });

    it("GIVEN transforms THEN each child gets the changed args and the caller's args stay untouched", async () => {
        const args = deepFreeze(
            baseArgs({
                alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts",
                environment: { LOG_LEVEL: "info" },
                capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }],
                transform: {
                    schedule: (s) => ({ ...s, name: "nightly-batch" }),
                    deadLetterQueue: (q) => ({ ...q, tags: { team: "data" } }),
                    deadLetterQueuePolicy: (p) => {
                        p.queueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/elsewhere";
                    },
                    role: (r) => ({ ...r, maxSessionDuration: 7200 }),
                    rolePolicy: (p) => ({ ...p, name: "run-processor" }),
                    alarm: (a) => ({ ...a, evaluationPeriods: 3 }),
                },
            }),
        );
        const snapshot = JSON.stringify(args);
        new ScheduledTask("nightly", args);
        await settle();
        assert.equal(schedule().name, "nightly-batch");
        assert.deepEqual(recorder.one("aws:sqs/queue:Queue").inputs.tags, { team: "data" });
        assert.equal(recorder.one("aws:sqs/queuePolicy:QueuePolicy").inputs.queueUrl, "https://sqs.eu-west-1.amazonaws.com/123456789012/elsewhere");
        assert.equal(recorder.one("aws:iam/role:Role").inputs.maxSessionDuration, 7200);
        assert.equal(recorder.one("aws:iam/rolePolicy:RolePolicy").inputs.name, "run-processor");
        assert.equal(recorder.one("aws:cloudwatch/metricAlarm:MetricAlarm").inputs.evaluationPeriods, 3);
        assert.equal(JSON.stringify(args), snapshot);
    });

    it("parents every child to the component and names it after the component, so two instances never collide", async () => {
        new ScheduledTask("nightly", baseArgs({ alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts" }));
        new ScheduledTask("weekly", baseArgs({ scheduleExpression: "cron(0 3 ? * SUN *)", alarmTopicArn: "arn:aws:sns:eu-west-1:123456789012:alerts" }));
        await settle();
        const components = recorder.ofType(TYPE);
        assert.deepEqual(components.map((c) => c.name).sort(), ["nightly", "weekly"]);
        const children = recorder.all().filter((r) => r.type !== TYPE);
        assert.equal(children.length, 12);
        for (const child of children) {
            assert.ok(child.urn.includes(`${TYPE}$${child.type}::`), `${child.type} ${child.name} is not parented to ${TYPE}: ${child.urn}`);
            assert.match(child.name, /^(nightly|weekly)-(schedule|dlq|dlq-policy|role|role-policy|dead-letters)$/);
        }
        const names = children.map((r) => `${r.type}/${r.name}`);
        assert.equal(new Set(names).size, names.length);
    });

    describe("rejects bad args before creating anything, naming the component's field", () => {
        const rejects = (overrides: Partial<ScheduledTaskArgs>, message: string) => {
            assert.throws(() => new ScheduledTask("job", baseArgs(overrides)), { name: "ValidationError", message });
            assert.equal(recorder.all().filter((r) => r.type !== TYPE).length, 0);
        };

        it("a schedule expression", () => {
            rejects({ scheduleExpression: "cron(0 6 * * *)" }, `job.scheduleExpression: "cron(0 6 * * *)" has 5 fields, cron needs 6; use cron(minutes hours day-of-month month day-of-week year), ${EXAMPLES}`);
            rejects({ scheduleExpression: "rate(1 days)" }, 'job.scheduleExpression: "rate(1 days)" uses "days" with 1; use "rate(1 day)" (singular for 1, plural otherwise)');
        });

        it("a time zone", () => {
            rejects({ timezone: "CEST" }, 'job.timezone: "CEST" is not an IANA time zone name; use a name such as "UTC", "Europe/Paris" or "America/New_York"');
        });

        it("a flexible window", () => {
            rejects({ flexibleTimeWindowMinutes: 0 }, "job.flexibleTimeWindowMinutes: 0 is out of range; use a whole number from 1 to 1440");
            rejects({ flexibleTimeWindowMinutes: 1441 }, "job.flexibleTimeWindowMinutes: 1441 is out of range; use a whole number from 1 to 1440");
        });

        it("the retry policy", () => {
            rejects({ maxRetryAttempts: 186 }, "job.maxRetryAttempts: 186 is out of range; use a whole number from 0 to 185");
            rejects({ maxRetryAttempts: -1 }, "job.maxRetryAttempts: -1 is out of range; use a whole number from 0 to 185");
            rejects({ maxEventAgeSeconds: 59 }, "job.maxEventAgeSeconds: 59 is out of range; use a whole number from 60 to 86400");
            rejects({ maxEventAgeSeconds: 86401 }, "job.maxEventAgeSeconds: 86401 is out of range; use a whole number from 60 to 86400");
        });

        it("a state, a schedule group, a platform version", () => {
            rejects({ state: "PAUSED" as never }, 'job.state: "PAUSED" is not a schedule state; use one of ENABLED, DISABLED');
            rejects({ scheduleGroupName: "batch jobs" }, 'job.scheduleGroupName: "batch jobs" is not a schedule group name; use 1-64 letters, digits, hyphens, underscores and dots');
            rejects({ platformVersion: "LATEST" }, 'job.platformVersion: "LATEST" is not a Fargate platform version; use the numeric form, such as "1.4.0", or leave it unset for the latest');
        });

        it("a capacity provider strategy", () => {
            rejects(
                { capacityProviderStrategy: [{ capacityProvider: "FARGATE", base: 0, weight: 1001 }] },
                "job.capacityProviderStrategy[0].weight: 1001 is out of range; use a whole number from 0 to 1000",
            );
        });

        it("environment variables the pipeline sets, and a bad container name", () => {
            rejects({ environment: { PROCESSOR_MODE: "single" } }, 'job.environment.PROCESSOR_MODE: "single" is set by the pipeline; choose another variable name');
            rejects({ environment: { S3_BUCKET: "other" } }, 'job.environment.S3_BUCKET: "other" is set by the pipeline; choose another variable name');
            rejects({ task: { ...baseArgs().task, containerName: "my container" } }, 'job.task.containerName: "my container" is not a valid ECS container name; use 1-255 letters, digits, hyphens and underscores');
        });

        it("a startedBy", () => {
            rejects({ startedBy: "nightly batch" }, 'job.startedBy: "nightly batch" is not a valid RunTask startedBy; use 1-128 letters, digits, hyphens, forward slashes and underscores');
        });

        it("a RunTask request longer than 8192 characters, counting the known values as they are", () => {
            // baseArgs() knows the cluster, task definition, bucket and network: 7604 characters of value make 8193 in all.
            rejects(
                { environment: { BIG: "x".repeat(7604) } },
                "job.environment: \"<1 variable>\" makes the RunTask request up to 8193 characters long; keep it within 8192 (ECS's limit for overrides, held for the whole request); pass large settings another way",
            );
            // The same variable with the bucket name not known yet: counted at 63 characters.
            rejects(
                { environment: { BIG: "x".repeat(7552) }, bucketName: pulumi.output("data-bucket") },
                "job.environment: \"<1 variable>\" makes the RunTask request up to 8193 characters long; keep it within 8192 (ECS's limit for overrides, held for the whole request); pass large settings another way",
            );
        });

        it("control: the longest request that fits is accepted", async () => {
            new ScheduledTask("job", baseArgs({ environment: { BIG: "x".repeat(7603) } }));
            await settle();
            assert.equal(recorder.one("aws:scheduler/schedule:Schedule").inputs.target.input.length, 8192);
        });
    });
});

describe("ScheduledTask with a ProcessingCluster and a ProcessorTask", () => {
    let recorder: Recorder;
    beforeEach(async () => {
        recorder = await useMocks({ stack: "unit" });
    });

    it("targets the cluster's ARN and the task's definition, roles and container", async () => {
        const { cluster, task, job } = await deployWithProcessor(recorder);
        const s = recorder.one("aws:scheduler/schedule:Schedule").inputs;
        assert.equal(s.target.arn, TARGET_ARN);
        const request = JSON.parse(s.target.input);
        assert.equal(request.Cluster, await valueOf(cluster.clusterArn));
        assert.equal(request.TaskDefinition, await valueOf(task.taskDefinitionArn));
        assert.equal(request.Overrides.ContainerOverrides[0].Name, task.containerName);
        assert.deepEqual(
            request.CapacityProviderStrategy,
            cluster.capacityProviderStrategy.map((i) => ({ CapacityProvider: i.capacityProvider, Weight: i.weight, Base: i.base })),
        );
        assert.equal(request.LaunchType, undefined);
        const pass = parseDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "nightly-role-policy").inputs.policy).Statement.find((st: any) => st.Action === "iam:PassRole");
        assert.deepEqual(pass.Resource, [await valueOf(task.executionRoleArn), await valueOf(task.taskRoleArn)]);
        assert.ok(job.alarm);
    });

    it("passes both policy packs with no finding on the schedule's resources and no mandatory finding at all", async () => {
        const { records } = await deployWithProcessor(recorder);
        const findings = await evaluatePacks([...PACKS], records);
        const ours = records.filter((r) => r.urn.includes(`${TYPE}$`) || r.type === TYPE).map((r) => r.urn);
        assert.equal(ours.length, 7);
        assert.deepEqual(findings.filter((f) => f.urn !== undefined && ours.includes(f.urn)).map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
        assert.deepEqual(findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
    });

    it("control: the packs do read the schedule's role policy (a widened one is flagged)", async () => {
        const widen = (p: any) => ({
            ...p,
            policy: pulumi.output(p.policy).apply((doc: string) => {
                const parsed = JSON.parse(doc);
                parsed.Statement[0].Resource = "*";
                parsed.Statement[1].Resource = "*";
                return JSON.stringify(parsed);
            }),
        });
        const { records } = await deployWithProcessor(recorder, { rolePolicy: widen });
        const findings = await evaluatePacks([...PACKS], records);
        const onPolicy = findings.filter((f) => f.resourceName === "nightly-role-policy" && f.enforcementLevel === "mandatory").map((f) => f.policy);
        assert.ok(onPolicy.includes("iam-no-wildcard-resource"), JSON.stringify(onPolicy));
        assert.ok(onPolicy.includes("iam-pass-role-scoped"), JSON.stringify(onPolicy));
    });
});
