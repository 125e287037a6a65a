/**
 * The QueueWorkerService component under mocks: its queues and their policies, the worker's task and
 * queue access, the service, its scaling and alarms, a feed from the upload bucket, transforms, and
 * rejected arguments.
 */
import { strict as assert } from "assert";
import { getMonitor } from "@pulumi/pulumi/runtime/settings";
import { matchesEventPattern, uploadEventPattern } from "../components/builders/event-pattern";
import { WORKER_QUEUE_ACTIONS, backlogPerTaskMetrics } from "../components/builders/queue-worker";
import { ProcessingCluster } from "../components/processing-cluster";
import { QueueWorkerService, QueueWorkerServiceArgs } from "../components/queue-worker-service";
import { UploadBucket } from "../components/upload-bucket";
import { PROJECT, Recorded, Recorder, parseDoc, settle, useMocks, valueOf } from "./mocks";
import { inputDoc } from "./support/assertions";
import { backlogPerTask } from "./support/metric-math";
import { BUCKET, CLUSTER, IMAGE, KEY_ARN, NETWORK, PREFIXES, TLS_DENY, TOPIC_ARN, baseArgs } from "./support/queue-worker";

const COMPONENT = `${PROJECT}:compute:QueueWorkerService`;

interface Registration {
    /** The parent's URN. */
    parent: string;
    ignoreChanges: string[];
    deleteBeforeReplace: boolean;
    dependencies: string[];
}

/** Captures the options each resource registration carries (the mocks record only inputs). */
function captureRegistrations(): Map<string, Registration> {
    const monitor = getMonitor() as unknown as { registerResource: (req: any, callback: unknown) => unknown };
    const original = monitor.registerResource.bind(monitor);
    const registrations = new Map<string, Registration>();
    monitor.registerResource = (req: any, callback: unknown) => {
        registrations.set(`${req.getType()}::${req.getName()}`, {
            parent: req.getParent(),
            ignoreChanges: req.getIgnorechangesList(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            dependencies: req.getDependenciesList(),
        });
        return original(req, callback);
    };
    return registrations;
}

function environmentOf(recorder: Recorder): Record<string, string> {
    const [container] = JSON.parse(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
    return Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
}

describe("QueueWorkerService", () => {
    let recorder: Recorder;
    let registrations: Map<string, Registration>;
    beforeEach(async () => {
        recorder = await useMocks();
        registrations = captureRegistrations();
    });

    describe("GIVEN the defaults", () => {
        let worker: QueueWorkerService;
        let queue: Recorded;
        let dlq: Recorded;
        beforeEach(async () => {
            worker = new QueueWorkerService("jobs", baseArgs());
            await settle();
            queue = recorder.one("aws:sqs/queue:Queue", "jobs-queue");
            dlq = recorder.one("aws:sqs/queue:Queue", "jobs-dlq");
        });

        it("creates the queues, their policies, the task, its queue access, the service, its scaling and two alarms — and no feed", () => {
            const count = (t: string) => recorder.ofType(t).length;
            assert.deepEqual(
                {
                    queues: count("aws:sqs/queue:Queue"),
                    queuePolicies: count("aws:sqs/queuePolicy:QueuePolicy"),
                    redriveAllow: count("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy"),
                    taskDefinitions: count("aws:ecs/taskDefinition:TaskDefinition"),
                    logGroups: count("aws:cloudwatch/logGroup:LogGroup"),
                    roles: count("aws:iam/role:Role"),
                    rolePolicies: count("aws:iam/rolePolicy:RolePolicy"),
                    services: count("aws:ecs/service:Service"),
                    scalingTargets: count("aws:appautoscaling/target:Target"),
                    scalingPolicies: count("aws:appautoscaling/policy:Policy"),
                    alarms: count("aws:cloudwatch/metricAlarm:MetricAlarm"),
                    rules: count("aws:cloudwatch/eventRule:EventRule"),
                    targets: count("aws:cloudwatch/eventTarget:EventTarget"),
                    repositories: count("aws:ecr/repository:Repository"),
                },
                {
                    queues: 2, queuePolicies: 2, redriveAllow: 1, taskDefinitions: 1, logGroups: 1, roles: 2, rolePolicies: 3, services: 1,
                    scalingTargets: 1, scalingPolicies: 1, alarms: 2, rules: 0, targets: 0, repositories: 0,
                },
            );
            assert.equal(worker.feedRule, undefined);
        });

        it("the work queue: SSE-SQS, long polling, 960 s visibility (900 s job + 60), 4 days, redrive to the DLQ after 3 receives", () => {
            assert.deepEqual(queue.inputs, {
                sqsManagedSseEnabled: true,
                visibilityTimeoutSeconds: 960,
                receiveWaitTimeSeconds: 20,
                messageRetentionSeconds: 345600,
                redrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.state.arn, maxReceiveCount: 3 }),
            });
            assert.equal(worker.visibilityTimeoutSeconds, 960);
        });

        it("the dead-letter queue: SSE-SQS, 14 days, and only the work queue may redrive into it", () => {
            assert.deepEqual(dlq.inputs, { sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600 });
            const allow = recorder.one("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy").inputs;
            assert.equal(allow.queueUrl, dlq.state.url);
            assert.deepEqual(JSON.parse(allow.redriveAllowPolicy), { redrivePermission: "byQueue", sourceQueueArns: [queue.state.arn] });
        });

        it("both queues refuse anything but TLS, and without a feed the work queue's policy allows no one", () => {
            const workPolicy = recorder.one("aws:sqs/queuePolicy:QueuePolicy", "jobs-queue-policy").inputs;
            assert.equal(workPolicy.queueUrl, queue.state.url);
            assert.deepEqual(parseDoc(workPolicy.policy), { Version: "2012-10-17", Statement: [TLS_DENY(queue.state.arn)] });
            const dlqPolicy = recorder.one("aws:sqs/queuePolicy:QueuePolicy", "jobs-dlq-policy").inputs;
            assert.equal(dlqPolicy.queueUrl, dlq.state.url);
            assert.deepEqual(parseDoc(dlqPolicy.policy), { Version: "2012-10-17", Statement: [TLS_DENY(dlq.state.arn)] });
        });

        it("runs the processor in worker mode on this queue and bucket, one message per poll, with the given image and no image build", () => {
            const env = environmentOf(recorder);
            assert.deepEqual(
                { mode: env.PROCESSOR_MODE, queue: env.SQS_QUEUE_URL, bucket: env.S3_BUCKET, max: env.MAX_MESSAGES },
                { mode: "worker", queue: queue.state.url, bucket: "data-bucket", max: "1" },
            );
            assert.equal(env.S3_UPLOAD_PREFIX, "uploads/");
            const [container] = JSON.parse(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
            assert.equal(container.image, IMAGE);
            assert.equal(worker.task.containerName, "processor");
        });

        it("adds exactly the four queue actions on the work queue to the task role (not the execution role)", () => {
            const access = recorder.one("aws:iam/rolePolicy:RolePolicy", "jobs-queue-access");
            assert.equal(access.inputs.role, recorder.one("aws:iam/role:Role", "jobs-processor-task-role").state.id);
            assert.deepEqual(inputDoc(access), {
                Version: "2012-10-17",
                Statement: [{ Sid: "ConsumeWorkQueue", Effect: "Allow", Action: [...WORKER_QUEUE_ACTIONS], Resource: queue.state.arn }],
            });
            assert.deepEqual([...WORKER_QUEUE_ACTIONS].sort(), ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]);
        });

        it("the service: on the cluster, the worker's task definition, min tasks, FARGATE base 1 then 70/30 Spot, rollback on failure, no exec", () => {
            const svc = recorder.one("aws:ecs/service:Service").inputs;
            const taskDef = recorder.one("aws:ecs/taskDefinition:TaskDefinition");
            assert.deepEqual(svc, {
                name: `${PROJECT}-test-jobs`,
                cluster: CLUSTER.clusterArn,
                taskDefinition: taskDef.state.arn,
                desiredCount: 0,
                capacityProviderStrategies: [
                    { capacityProvider: "FARGATE", base: 1, weight: 30 },
                    { capacityProvider: "FARGATE_SPOT", base: 0, weight: 70 },
                ],
                networkConfiguration: { subnets: NETWORK.subnetIds, securityGroups: NETWORK.securityGroupIds, assignPublicIp: true },
                deploymentMinimumHealthyPercent: 100,
                deploymentMaximumPercent: 200,
                deploymentCircuitBreaker: { enable: true, rollback: true },
                propagateTags: "SERVICE",
                enableEcsManagedTags: true,
                enableExecuteCommand: false,
            });
            assert.equal(worker.serviceName, `${PROJECT}-test-jobs`);
        });

        it("leaves the desired count to autoscaling, replaces the named service delete-first, and starts tasks only once the role may consume the queue", () => {
            const reg = registrations.get("aws:ecs/service:Service::jobs-service");
            assert.ok(reg);
            assert.deepEqual(reg.ignoreChanges, ["desiredCount"]);
            assert.equal(reg.deleteBeforeReplace, true);
            const access = recorder.one("aws:iam/rolePolicy:RolePolicy", "jobs-queue-access");
            assert.ok(reg.dependencies.includes(access.urn), JSON.stringify(reg.dependencies));
        });

        it("scales the service's desired count between 0 and 10", () => {
            assert.deepEqual(recorder.one("aws:appautoscaling/target:Target").inputs, {
                serviceNamespace: "ecs",
                scalableDimension: "ecs:service:DesiredCount",
                resourceId: `service/work/${PROJECT}-test-jobs`,
                minCapacity: 0,
                maxCapacity: 10,
            });
            assert.deepEqual([worker.minTasks, worker.maxTasks], [0, 10]);
        });

        it("tracks 5 messages per running task with metric math over this queue and this service, out after 60 s, in after 300 s", () => {
            const policy = recorder.one("aws:appautoscaling/policy:Policy").inputs;
            assert.deepEqual(
                { type: policy.policyType, ns: policy.serviceNamespace, dim: policy.scalableDimension, id: policy.resourceId },
                { type: "TargetTrackingScaling", ns: "ecs", dim: "ecs:service:DesiredCount", id: `service/work/${PROJECT}-test-jobs` },
            );
            assert.deepEqual(policy.targetTrackingScalingPolicyConfiguration, {
                targetValue: 5,
                scaleOutCooldown: 60,
                scaleInCooldown: 300,
                customizedMetricSpecification: {
                    metrics: backlogPerTaskMetrics({ queueName: queue.state.name, clusterName: "work", serviceName: `${PROJECT}-test-jobs`, target: 5 }),
                },
            });
            const metrics = policy.targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.metrics;
            assert.equal(backlogPerTask(metrics, { visible: 1, inflight: 0, running: 0 }), 6);
        });

        it("alarms on dead letters (> 0) and on a message older than an hour, with no actions when no topic is given", () => {
            const dead = recorder.one("aws:cloudwatch/metricAlarm:MetricAlarm", "jobs-dead-letters").inputs;
            const old = recorder.one("aws:cloudwatch/metricAlarm:MetricAlarm", "jobs-oldest-message").inputs;
            const shape = (a: any) => [a.namespace, a.metricName, a.dimensions, a.statistic, a.period, a.evaluationPeriods, a.comparisonOperator, a.threshold, a.treatMissingData];
            assert.deepEqual(shape(dead), ["AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: dlq.state.name }, "Maximum", 300, 1, "GreaterThanThreshold", 0, "notBreaching"]);
            assert.deepEqual(shape(old), ["AWS/SQS", "ApproximateAgeOfOldestMessage", { QueueName: queue.state.name }, "Maximum", 300, 1, "GreaterThanThreshold", 3600, "notBreaching"]);
            for (const a of [dead, old]) {
                assert.equal(a.alarmActions, undefined);
                assert.equal(a.okActions, undefined);
            }
            assert.deepEqual(Object.keys(worker.alarms).sort(), ["deadLetters", "oldestMessage"]);
        });

        it("parents every child (the task's too) under the component", () => {
            const component = recorder.one(COMPONENT);
            const byUrn = new Map(recorder.all().map((r) => [r.urn, r]));
            const children = recorder.all().filter((r) => r.type !== COMPONENT);
            assert.ok(children.length > 15);
            for (const child of children) {
                // Walk up the parent chain (the mocks' URNs only name the immediate parent's type).
                const chain: string[] = [];
                let urn = registrations.get(`${child.type}::${child.name}`)?.parent ?? "";
                while (urn !== "" && urn !== component.urn && chain.length < 5) {
                    chain.push(urn);
                    const up = byUrn.get(urn);
                    urn = up === undefined ? "" : (registrations.get(`${up.type}::${up.name}`)?.parent ?? "");
                }
                assert.equal(urn, component.urn, `${child.type} ${child.name} is not under the component: ${chain.join(" <- ")}`);
            }
            const direct = children.filter((c) => registrations.get(`${c.type}::${c.name}`)?.parent === component.urn).map((c) => c.name);
            assert.ok(direct.includes("jobs-processor") && direct.includes("jobs-service") && direct.includes("jobs-queue"));
        });

        it("exposes the queues, the service name and the task", async () => {
            assert.equal(await valueOf(worker.queueUrl), queue.state.url);
            assert.equal(await valueOf(worker.queueArn), queue.state.arn);
            assert.equal(await valueOf(worker.queueName), queue.state.name);
            assert.equal(await valueOf(worker.deadLetterQueueUrl), dlq.state.url);
            assert.equal(await valueOf(worker.deadLetterQueueArn), dlq.state.arn);
            assert.equal(await valueOf(worker.task.taskDefinitionArn), recorder.one("aws:ecs/taskDefinition:TaskDefinition").state.arn);
        });
    });

    it("GIVEN a customer managed key THEN both queues use it (no SSE-SQS) and the worker may decrypt through SQS", async () => {
        new QueueWorkerService("jobs", baseArgs({ kmsKeyArn: KEY_ARN }));
        await settle();
        for (const q of recorder.ofType("aws:sqs/queue:Queue")) {
            assert.equal(q.inputs.kmsMasterKeyId, KEY_ARN, q.name);
            assert.equal(q.inputs.sqsManagedSseEnabled, undefined, q.name);
        }
        assert.deepEqual(inputDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "jobs-queue-access")).Statement[1], {
            Sid: "DecryptQueueMessages",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: KEY_ARN,
            Condition: { StringEquals: { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" } },
        });
    });

    it("GIVEN a feed THEN a rule with the upload pattern targets the queue, and only that rule may send to it", async () => {
        const worker = new QueueWorkerService("jobs", baseArgs({ feed: { keySuffixes: [".csv"] } }));
        await settle();
        const rule = recorder.one("aws:cloudwatch/eventRule:EventRule", "jobs-feed-rule");
        const pattern = inputDoc(rule, "eventPattern");
        assert.deepEqual(pattern, uploadEventPattern({ bucketName: "data-bucket", prefix: "uploads/", suffixes: [".csv"] }));
        const event = (key: string, bucket = "data-bucket") => ({ source: "aws.s3", "detail-type": "Object Created", detail: { bucket: { name: bucket }, object: { key } } });
        assert.ok(matchesEventPattern(pattern, event("uploads/day.csv")));
        assert.ok(!matchesEventPattern(pattern, event("uploads/day.json")));
        assert.ok(!matchesEventPattern(pattern, event("processed/day.csv")));
        assert.ok(!matchesEventPattern(pattern, event("uploads/day.csv", "other-bucket")));

        const queue = recorder.one("aws:sqs/queue:Queue", "jobs-queue");
        const target = recorder.one("aws:cloudwatch/eventTarget:EventTarget", "jobs-feed-target").inputs;
        assert.deepEqual(target, { rule: rule.state.name, arn: queue.state.arn });
        const statements = inputDoc(recorder.one("aws:sqs/queuePolicy:QueuePolicy", "jobs-queue-policy")).Statement;
        assert.deepEqual(statements, [
            {
                Sid: "UploadEvents",
                Effect: "Allow",
                Principal: { Service: "events.amazonaws.com" },
                Action: "sqs:SendMessage",
                Resource: queue.state.arn,
                Condition: { ArnEquals: { "aws:SourceArn": rule.state.arn } },
            },
            TLS_DENY(queue.state.arn),
        ]);
        const reg = registrations.get("aws:cloudwatch/eventTarget:EventTarget::jobs-feed-target");
        assert.ok(reg && reg.dependencies.includes(recorder.one("aws:sqs/queuePolicy:QueuePolicy", "jobs-queue-policy").urn), "the target waits for the queue policy");
        assert.equal(await valueOf(worker.feedRule!.arn), rule.state.arn);
    });

    it("GIVEN an UploadBucket as the task's bucket and the feed THEN the rule matches that bucket and its upload prefix", async () => {
        const uploads = new UploadBucket("inbox", { prefixes: { upload: "incoming/" } });
        new QueueWorkerService("jobs", baseArgs({
            task: { bucket: { bucketName: uploads.bucketName, bucketArn: uploads.bucketArn, prefixes: uploads.prefixes }, image: IMAGE },
            feed: { bucket: uploads },
        }));
        await settle();
        const bucketName = recorder.one("aws:s3/bucket:Bucket").state.bucket;
        const pattern = inputDoc(recorder.one("aws:cloudwatch/eventRule:EventRule", "jobs-feed-rule"), "eventPattern");
        assert.deepEqual(pattern, uploadEventPattern({ bucketName, prefix: "incoming/" }));
        assert.equal(environmentOf(recorder).S3_BUCKET, bucketName);
    });

    it("GIVEN an alarm topic THEN both alarms notify it on alarm and on recovery", async () => {
        new QueueWorkerService("jobs", baseArgs({ alarmTopicArn: TOPIC_ARN, maxJobSeconds: 7200 }));
        await settle();
        for (const a of recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm")) {
            assert.deepEqual([a.inputs.alarmActions, a.inputs.okActions], [[TOPIC_ARN], [TOPIC_ARN]], a.name);
        }
        assert.equal(recorder.one("aws:cloudwatch/metricAlarm:MetricAlarm", "jobs-oldest-message").inputs.threshold, 14400);
    });

    it("GIVEN alarms: false THEN no alarm; GIVEN an age threshold THEN it is used", async () => {
        new QueueWorkerService("quiet", baseArgs({ alarms: false }));
        new QueueWorkerService("tuned", baseArgs({ alarms: { oldestMessageAgeSeconds: 600 } }));
        await settle();
        assert.deepEqual(recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name).sort(), ["tuned-dead-letters", "tuned-oldest-message"]);
        assert.equal(recorder.one("aws:cloudwatch/metricAlarm:MetricAlarm", "tuned-oldest-message").inputs.threshold, 600);
    });

    it("GIVEN explicit settings THEN the queue, the task, the service and the scaling use them", async () => {
        new QueueWorkerService("jobs", baseArgs({
            maxJobSeconds: 3600,
            visibilityTimeoutSeconds: 7200,
            maxReceiveCount: 5,
            messageRetentionSeconds: 86400,
            messagesPerPoll: 10,
            minTasks: 1,
            maxTasks: 50,
            backlogPerTaskTarget: 20,
            capacity: { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 },
            platformVersion: "1.4.0",
            serviceName: "jobs-worker",
            network: { ...NETWORK, assignPublicIp: false },
        }));
        await settle();
        const queue = recorder.one("aws:sqs/queue:Queue", "jobs-queue").inputs;
        assert.deepEqual([queue.visibilityTimeoutSeconds, queue.messageRetentionSeconds, JSON.parse(queue.redrivePolicy).maxReceiveCount], [7200, 86400, 5]);
        assert.equal(environmentOf(recorder).MAX_MESSAGES, "10");
        const svc = recorder.one("aws:ecs/service:Service").inputs;
        assert.deepEqual(
            [svc.name, svc.desiredCount, svc.capacityProviderStrategies, svc.platformVersion, svc.networkConfiguration.assignPublicIp],
            ["jobs-worker", 1, [{ capacityProvider: "FARGATE", base: 0, weight: 1 }], "1.4.0", false],
        );
        const target = recorder.one("aws:appautoscaling/target:Target").inputs;
        assert.deepEqual([target.minCapacity, target.maxCapacity, target.resourceId], [1, 50, "service/work/jobs-worker"]);
        const config = recorder.one("aws:appautoscaling/policy:Policy").inputs.targetTrackingScalingPolicyConfiguration;
        assert.equal(config.targetValue, 20);
        assert.equal(config.customizedMetricSpecification.metrics[5].expression, "backlog * 21 / IF(tasks > 0, tasks * 21, 1)");
        assert.equal(recorder.one("aws:cloudwatch/metricAlarm:MetricAlarm", "jobs-dead-letters").inputs.alarmDescription.includes("received 5 times"), true);
    });

    it("GIVEN a ProcessingCluster THEN its providers are known, and the service waits for them to be attached", async () => {
        const cluster = new ProcessingCluster("compute");
        new QueueWorkerService("jobs", baseArgs({ cluster }));
        await settle();
        const svc = recorder.one("aws:ecs/service:Service").inputs;
        assert.equal(svc.cluster, recorder.one("aws:ecs/cluster:Cluster").state.arn);
        assert.equal(svc.capacityProviderStrategies.length, 2);
        const providers = recorder.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders");
        assert.ok(registrations.get("aws:ecs/service:Service::jobs-service")!.dependencies.includes(providers.urn), "the service depends on the cluster's capacity providers");
        const clusterName = recorder.one("aws:ecs/cluster:Cluster").state.name;
        assert.equal(recorder.one("aws:appautoscaling/target:Target").inputs.resourceId, `service/${clusterName}/${PROJECT}-test-jobs`);
        const metrics = recorder.one("aws:appautoscaling/policy:Policy").inputs.targetTrackingScalingPolicyConfiguration.customizedMetricSpecification.metrics;
        assert.deepEqual(metrics[2].metricStat.metric.dimensions, [
            { name: "ClusterName", value: clusterName },
            { name: "ServiceName", value: `${PROJECT}-test-jobs` },
        ]);
    });

    it("GIVEN a cluster without FARGATE_SPOT THEN the default split is rejected and an on-demand split accepted", async () => {
        const onDemandCluster = { ...CLUSTER, capacityProviders: ["FARGATE"] };
        assert.throws(() => new QueueWorkerService("jobs", baseArgs({ cluster: onDemandCluster })), {
            message:
                "jobs.capacity.fargateSpotWeight: 70 needs the FARGATE_SPOT capacity provider, which the cluster does not have (it has FARGATE); add FARGATE_SPOT to the cluster or set jobs.capacity.fargateSpotWeight to 0",
        });
        new QueueWorkerService("ok", baseArgs({ cluster: onDemandCluster, capacity: { fargateSpotWeight: 0 } }));
        await settle();
        assert.deepEqual(recorder.one("aws:ecs/service:Service").inputs.capacityProviderStrategies, [{ capacityProvider: "FARGATE", base: 1, weight: 30 }]);
    });

    it("GIVEN a transform per child THEN each child gets the changed args, and the caller's args are untouched", async () => {
        const tag = <T extends { tags?: unknown }>(a: T): T => ({ ...a, tags: { team: "data" } });
        const args = baseArgs({
            feed: {},
            task: { bucket: BUCKET, image: IMAGE, environment: { EXTRA: "1" } },
            transform: {
                queue: tag,
                deadLetterQueue: tag,
                queuePolicy: (a) => ({ ...a, policy: JSON.stringify({ Version: "2012-10-17", Statement: [TLS_DENY("arn:changed")] }) }),
                service: tag,
                scalingTarget: tag,
                scalingPolicy: (a) => ({ ...a, name: "backlog-per-task" }),
                feedRule: tag,
                feedTarget: (a) => ({ ...a, retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 3600 } }),
                deadLetterAlarm: tag,
                oldestMessageAlarm: tag,
                deadLetterQueueRedriveAllowPolicy: { redriveAllowPolicy: '{"redrivePermission":"denyAll"}' },
                deadLetterQueuePolicy: { policy: "{}" },
                queueAccessPolicy: (a, _opts, n) => ({ ...a, name: n }),
            },
        });
        const before = JSON.stringify(args);
        new QueueWorkerService("jobs", args);
        await settle();
        const tags = (type: string, name: string) => recorder.one(type, name).inputs.tags;
        for (const [type, name] of [
            ["aws:sqs/queue:Queue", "jobs-queue"],
            ["aws:sqs/queue:Queue", "jobs-dlq"],
            ["aws:ecs/service:Service", "jobs-service"],
            ["aws:appautoscaling/target:Target", "jobs-scaling-target"],
            ["aws:cloudwatch/eventRule:EventRule", "jobs-feed-rule"],
            ["aws:cloudwatch/metricAlarm:MetricAlarm", "jobs-dead-letters"],
            ["aws:cloudwatch/metricAlarm:MetricAlarm", "jobs-oldest-message"],
        ]) {
            assert.deepEqual(tags(type, name), { team: "data" }, name);
        }
        assert.deepEqual(inputDoc(recorder.one("aws:sqs/queuePolicy:QueuePolicy", "jobs-queue-policy")).Statement[0].Resource, ["arn:changed"]);
        assert.equal(recorder.one("aws:appautoscaling/policy:Policy").inputs.name, "backlog-per-task");
        assert.equal(recorder.one("aws:sqs/redriveAllowPolicy:RedriveAllowPolicy").inputs.redriveAllowPolicy, '{"redrivePermission":"denyAll"}');
        assert.equal(recorder.one("aws:sqs/queuePolicy:QueuePolicy", "jobs-dlq-policy").inputs.policy, "{}");
        assert.equal(recorder.one("aws:iam/rolePolicy:RolePolicy", "jobs-queue-access").inputs.name, "jobs-queue-access");
        assert.equal(recorder.one("aws:cloudwatch/eventTarget:EventTarget").inputs.retryPolicy.maximumRetryAttempts, 3);
        assert.equal(JSON.stringify(args), before);
        assert.deepEqual(args.task.environment, { EXTRA: "1" });
        assert.equal(environmentOf(recorder).EXTRA, "1");
    });

    it("GIVEN two instances THEN no child names collide", async () => {
        new QueueWorkerService("a", baseArgs());
        new QueueWorkerService("b", baseArgs());
        await settle();
        const names = recorder.all().map((r) => `${r.type}/${r.name}`);
        assert.equal(new Set(names).size, names.length);
        assert.deepEqual(recorder.ofType("aws:ecs/service:Service").map((s) => s.inputs.name).sort(), [`${PROJECT}-test-a`, `${PROJECT}-test-b`]);
    });

    const rejected: [string, Partial<QueueWorkerServiceArgs>, string][] = [
        ["a job of 0 s", { maxJobSeconds: 0 }, "jobs.maxJobSeconds: 0 is out of range; use a whole number from 1 to 43140"],
        ["a job too long for SQS's 12-hour visibility", { maxJobSeconds: 43200 }, "jobs.maxJobSeconds: 43200 is out of range; use a whole number from 1 to 43140"],
        [
            "a visibility timeout equal to the longest job",
            { visibilityTimeoutSeconds: 900 },
            "jobs.visibilityTimeoutSeconds: 900 is not longer than jobs.maxJobSeconds 900; use more seconds than the longest job, or leave it unset for jobs.maxJobSeconds + 60",
        ],
        [
            "a visibility timeout shorter than the longest job",
            { maxJobSeconds: 1200, visibilityTimeoutSeconds: 960 },
            "jobs.visibilityTimeoutSeconds: 960 is not longer than jobs.maxJobSeconds 1200; use more seconds than the longest job, or leave it unset for jobs.maxJobSeconds + 60",
        ],
        ["a visibility timeout over 12 hours", { visibilityTimeoutSeconds: 50000 }, "jobs.visibilityTimeoutSeconds: 50000 is out of range; use a whole number from 1 to 43200"],
        ["maxReceiveCount 0", { maxReceiveCount: 0 }, "jobs.maxReceiveCount: 0 is out of range; use a whole number from 1 to 1000"],
        ["maxReceiveCount 1001", { maxReceiveCount: 1001 }, "jobs.maxReceiveCount: 1001 is out of range; use a whole number from 1 to 1000"],
        ["a retention under a minute", { messageRetentionSeconds: 30 }, "jobs.messageRetentionSeconds: 30 is out of range; use a whole number from 60 to 1209600"],
        ["11 messages per poll", { messagesPerPoll: 11 }, "jobs.messagesPerPoll: 11 is out of range; use a whole number from 1 to 10"],
        ["0 messages per poll", { messagesPerPoll: 0 }, "jobs.messagesPerPoll: 0 is out of range; use a whole number from 1 to 10"],
        ["minTasks above maxTasks", { minTasks: 5, maxTasks: 2 }, "jobs.minTasks: 5 is more than jobs.maxTasks 2; use a minimum no larger than the maximum"],
        ["maxTasks 0", { maxTasks: 0 }, "jobs.maxTasks: 0 is out of range; use a whole number from 1 to 5000"],
        ["a fractional minTasks", { minTasks: 0.5 }, "jobs.minTasks: 0.5 is out of range; use a whole number from 0 to 5000"],
        ["a backlog target of 0", { backlogPerTaskTarget: 0 }, "jobs.backlogPerTaskTarget: 0 is out of range; use a whole number from 1 to 10000"],
        [
            "Spot and on-demand weights both 0",
            { capacity: { fargateWeight: 0, fargateSpotWeight: 0 } },
            "jobs.capacity.fargateWeight and jobs.capacity.fargateSpotWeight: [0,0] are both 0; give at least one of them a weight above 0",
        ],
        ["a platform version without patch", { platformVersion: "1.4" }, 'jobs.platformVersion: "1.4" is not a Fargate platform version; use "LATEST" or a version such as "1.4.0", or leave it unset for the latest'],
        ["a service name with a space", { serviceName: "my service" }, 'jobs.serviceName: "my service" is not a valid ECS service name; use 1-255 letters, digits, hyphens and underscores'],
        ["an alarm age under a minute", { alarms: { oldestMessageAgeSeconds: 10 } }, "jobs.alarms.oldestMessageAgeSeconds: 10 is out of range; use a whole number from 60 to 1209600"],
        [
            "a feed from another upload prefix than the worker reads",
            { feed: { bucket: { bucketName: "data-bucket", prefixes: { ...PREFIXES, upload: "incoming/" } } } },
            'jobs.feed.bucket.prefixes.upload: "incoming/" differs from jobs.task.bucket.prefixes.upload "uploads/"; feed the prefix the worker may read',
        ],
        [
            "a feed from another bucket than the worker reads",
            { feed: { bucket: { bucketName: "other-bucket", prefixes: PREFIXES } } },
            'jobs.feed.bucket.bucketName: "other-bucket" differs from jobs.task.bucket.bucketName "data-bucket"; feed the bucket the worker reads (it fails messages naming another bucket)',
        ],
        ["an empty feed suffix", { feed: { keySuffixes: [""] } }, 'jobs.feed.keySuffixes[0]: "" is empty; give a non-empty key ending such as ".csv"'],
        [
            "a task environment that sets the worker's mode",
            { task: { bucket: BUCKET, image: IMAGE, environment: { PROCESSOR_MODE: "batch" } } },
            'jobs.task.environment.PROCESSOR_MODE: "batch" is set by the queue worker; choose another variable name',
        ],
        [
            "a task environment that sets the queue URL",
            { task: { bucket: BUCKET, image: IMAGE, environment: { SQS_QUEUE_URL: "https://elsewhere" } } },
            'jobs.task.environment.SQS_QUEUE_URL: "https://elsewhere" is set by the queue worker; choose another variable name',
        ],
    ];
    for (const [what, extra, message] of rejected) {
        it(`rejects ${what}, naming the field`, () => {
            assert.throws(() => new QueueWorkerService("jobs", baseArgs(extra)), { message });
        });
    }
});

