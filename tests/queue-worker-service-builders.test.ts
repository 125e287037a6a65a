/**
 * QueueWorkerService's builders, without mocks: the visibility timeout, the task range, the queues'
 * redrive and access policies, the worker's environment and capacity split, and the backlog-per-task
 * metric math its scaling tracks, evaluated datapoint by datapoint (tests/support/metric-math.ts).
 */
import { strict as assert } from "assert";
import { DEFAULT_WORKER_CAPACITY, queueVisibilityTimeout, validateServiceName, validateTaskRange, workerCapacityStrategy, workerEnvironment } from "../components/builders/queue-worker";
import { deadLetterTlsPolicy, redriveAllowPolicy, redrivePolicy, workQueuePolicy, workerQueuePolicy } from "../components/builders/queue-worker";
import { backlogPerTaskExpression, backlogPerTaskMetrics, defaultOldestMessageAgeSeconds, idleBacklogFactor } from "../components/builders/queue-worker";
import { backlogPerTask, evaluateMath } from "./support/metric-math";
import { KEY_ARN, REGION, TLS_DENY } from "./support/queue-worker";

describe("queue worker builders", () => {
    describe("queueVisibilityTimeout", () => {
        it("GIVEN only the longest job THEN the visibility timeout is 60 s longer", () => {
            assert.equal(queueVisibilityTimeout(900, undefined), 960);
            assert.equal(queueVisibilityTimeout(1, undefined), 61);
            assert.equal(queueVisibilityTimeout(43140, undefined), 43200);
        });

        it("GIVEN an explicit timeout longer than the longest job THEN it is used as given", () => {
            assert.equal(queueVisibilityTimeout(900, 901), 901);
            assert.equal(queueVisibilityTimeout(900, 43200), 43200);
        });

        it("rejects an explicit timeout that is not longer than the longest job, naming both fields", () => {
            const fields = { maxJobSeconds: "w.maxJobSeconds", visibilityTimeoutSeconds: "w.visibilityTimeoutSeconds" };
            assert.throws(() => queueVisibilityTimeout(900, 900, fields), {
                message: "w.visibilityTimeoutSeconds: 900 is not longer than w.maxJobSeconds 900; use more seconds than the longest job, or leave it unset for w.maxJobSeconds + 60",
            });
            assert.throws(() => queueVisibilityTimeout(900, 600), { message: /^visibilityTimeoutSeconds: 600 is not longer than maxJobSeconds 900;/ });
        });

        it("rejects a longest job whose timeout would exceed SQS's 12 hours, and non-integers", () => {
            assert.throws(() => queueVisibilityTimeout(43141, undefined), { message: "maxJobSeconds: 43141 is out of range; use a whole number from 1 to 43140" });
            assert.throws(() => queueVisibilityTimeout(0, undefined), { message: "maxJobSeconds: 0 is out of range; use a whole number from 1 to 43140" });
            assert.throws(() => queueVisibilityTimeout(1.5, undefined), { message: "maxJobSeconds: 1.5 is out of range; use a whole number from 1 to 43140" });
            assert.throws(() => queueVisibilityTimeout(900, 43201), { message: "visibilityTimeoutSeconds: 43201 is out of range; use a whole number from 1 to 43200" });
        });
    });

    describe("validateTaskRange", () => {
        it("accepts 0..max and min = max", () => {
            assert.deepEqual(validateTaskRange(0, 10), { minTasks: 0, maxTasks: 10 });
            assert.deepEqual(validateTaskRange(3, 3), { minTasks: 3, maxTasks: 3 });
        });

        it("rejects min above max naming both fields, a max of 0 and a negative min", () => {
            assert.throws(() => validateTaskRange(5, 2), { message: "minTasks: 5 is more than maxTasks 2; use a minimum no larger than the maximum" });
            assert.throws(() => validateTaskRange(0, 0), { message: "maxTasks: 0 is out of range; use a whole number from 1 to 5000" });
            assert.throws(() => validateTaskRange(-1, 2), { message: "minTasks: -1 is out of range; use a whole number from 0 to 5000" });
        });
    });

    it("redrive policy and redrive-allow policy name each other's queue", () => {
        assert.deepEqual(redrivePolicy("arn:dlq", 3), { deadLetterTargetArn: "arn:dlq", maxReceiveCount: 3 });
        assert.deepEqual(redriveAllowPolicy("arn:work"), { redrivePermission: "byQueue", sourceQueueArns: ["arn:work"] });
    });

    it("the work queue's policy is TLS only, and with a feed lets EventBridge send for exactly that rule", () => {
        assert.deepEqual(workQueuePolicy({ queueArn: "arn:q" }), { Version: "2012-10-17", Statement: [TLS_DENY("arn:q")] });
        assert.deepEqual(workQueuePolicy({ queueArn: "arn:q", feedRuleArn: "arn:rule" }), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "UploadEvents",
                    Effect: "Allow",
                    Principal: { Service: "events.amazonaws.com" },
                    Action: "sqs:SendMessage",
                    Resource: "arn:q",
                    Condition: { ArnEquals: { "aws:SourceArn": "arn:rule" } },
                },
                TLS_DENY("arn:q"),
            ],
        });
        assert.deepEqual(deadLetterTlsPolicy("arn:dlq"), { Version: "2012-10-17", Statement: [TLS_DENY("arn:dlq")] });
    });

    it("the worker may receive, delete, extend and read attributes on one queue; with a CMK, decrypt through SQS", () => {
        assert.deepEqual(workerQueuePolicy({ queueArn: "arn:q" }), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ConsumeWorkQueue",
                    Effect: "Allow",
                    Action: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
                    Resource: "arn:q",
                },
            ],
        });
        assert.deepEqual(workerQueuePolicy({ queueArn: "arn:q", kms: { keyArn: KEY_ARN, region: REGION } }).Statement[1], {
            Sid: "DecryptQueueMessages",
            Effect: "Allow",
            Action: "kms:Decrypt",
            Resource: KEY_ARN,
            Condition: { StringEquals: { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" } },
        });
    });

    it("the worker environment selects worker mode and names the queue, the bucket and the batch size", () => {
        assert.deepEqual(workerEnvironment({ queueUrl: "https://q", bucketName: "b", messagesPerPoll: 10 }), {
            PROCESSOR_MODE: "worker",
            SQS_QUEUE_URL: "https://q",
            S3_BUCKET: "b",
            MAX_MESSAGES: "10",
        });
    });

    describe("workerCapacityStrategy", () => {
        it("GIVEN no split THEN one task on FARGATE first, then 70 % FARGATE_SPOT / 30 % FARGATE", () => {
            assert.deepEqual(workerCapacityStrategy(undefined, undefined), [
                { capacityProvider: "FARGATE", base: 1, weight: 30 },
                { capacityProvider: "FARGATE_SPOT", base: 0, weight: 70 },
            ]);
            assert.deepEqual(DEFAULT_WORKER_CAPACITY, { fargateBase: 1, fargateWeight: 30, fargateSpotWeight: 70 });
        });

        it("GIVEN a partial split THEN the rest keeps the defaults, and the caller's object is not changed", () => {
            const split = { fargateSpotWeight: 0 };
            assert.deepEqual(workerCapacityStrategy(split, ["FARGATE"]), [{ capacityProvider: "FARGATE", base: 1, weight: 30 }]);
            assert.deepEqual(split, { fargateSpotWeight: 0 });
        });

        it("rejects a provider the cluster does not have, naming the field to change", () => {
            assert.throws(() => workerCapacityStrategy(undefined, ["FARGATE"]), {
                message:
                    "capacity.fargateSpotWeight: 70 needs the FARGATE_SPOT capacity provider, which the cluster does not have (it has FARGATE); add FARGATE_SPOT to the cluster or set capacity.fargateSpotWeight to 0",
            });
            assert.throws(() => workerCapacityStrategy(undefined, ["FARGATE_SPOT"]), {
                message:
                    "capacity.fargateWeight: 30 needs the FARGATE capacity provider, which the cluster does not have (it has FARGATE_SPOT); add FARGATE to the cluster or set capacity.fargateBase and capacity.fargateWeight to 0",
            });
            assert.throws(() => workerCapacityStrategy({ fargateWeight: 0 }, []), { message: /^capacity\.fargateBase: 1 needs the FARGATE capacity provider, which the cluster does not have \(it has none\)/ });
        });
    });

    describe("the backlog-per-task metric math", () => {
        const metrics = (target: number) => backlogPerTaskMetrics({ queueName: "jobs-q", clusterName: "work", serviceName: "svc", target });

        it("queries the queue's waiting and in-flight messages and the service's running tasks, and returns one expression", () => {
            // One row per query: id, what it reads (namespace/metric and dimensions, or the expression), and whether it is returned.
            const rows = metrics(5).map((q) => [
                q.id,
                q.metricStat
                    ? `${q.metricStat.metric.namespace}/${q.metricStat.metric.metricName} ${q.metricStat.metric.dimensions.map((d) => `${d.name}=${d.value}`).join(",")} ${q.metricStat.stat}`
                    : q.expression,
                q.returnData,
            ]);
            assert.deepEqual(rows, [
                ["visible", "AWS/SQS/ApproximateNumberOfMessagesVisible QueueName=jobs-q Average", false],
                ["inflight", "AWS/SQS/ApproximateNumberOfMessagesNotVisible QueueName=jobs-q Average", false],
                ["running", "ECS/ContainerInsights/RunningTaskCount ClusterName=work,ServiceName=svc Average", false],
                ["backlog", "FILL(visible, 0) + FILL(inflight, 0)", false],
                ["tasks", "FILL(running, 0)", false],
                ["backlog_per_task", "backlog * 6 / IF(tasks > 0, tasks * 6, 1)", true],
            ]);
            assert.deepEqual(
                metrics(5).map((q) => q.label),
                ["Messages waiting", "Messages being processed", "Running tasks", "Messages waiting or in progress", "Running tasks, 0 when none report", "Messages per running task"],
            );
        });

        it("uses ids metric math accepts (start with a lowercase letter; letters, digits, underscores) and only earlier ids", () => {
            const seen = new Set<string>();
            for (const q of metrics(5)) {
                assert.match(q.id, /^[a-z][A-Za-z0-9_]*$/);
                for (const ref of (q.expression ?? "").match(/\b[a-z][A-Za-z0-9_]*\b/g) ?? []) {
                    assert.ok(seen.has(ref), `${q.id} uses ${ref} before it is defined`);
                }
                seen.add(q.id);
            }
        });

        it("GIVEN running tasks THEN it is (waiting + in flight) / running", () => {
            const q = metrics(5);
            assert.equal(backlogPerTask(q, { visible: 8, inflight: 2, running: 2 }), 5);
            assert.equal(backlogPerTask(q, { visible: 40, inflight: 10, running: 5 }), 10);
            assert.equal(backlogPerTask(q, { visible: 0, inflight: 0, running: 3 }), 0);
            assert.equal(backlogPerTask(q, { visible: 3, running: 1 }), 3);
        });

        it("GIVEN a task still working and nothing waiting THEN the value stays above 0, so scale-in keeps a task for it", () => {
            assert.equal(backlogPerTask(metrics(5), { visible: 0, inflight: 1, running: 1 }), 1);
        });

        it("GIVEN no running task (0 or no datapoint) and any message THEN the value is above the target, for every target", () => {
            for (let target = 1; target <= 200; target++) {
                const q = metrics(target);
                for (const backlog of [1, 2, 7, 1000]) {
                    for (const running of [0, undefined]) {
                        const value = backlogPerTask(q, { visible: backlog, inflight: 0, running });
                        assert.ok(value !== undefined && value > target, `target ${target}, backlog ${backlog}, running ${running}: ${value}`);
                    }
                }
            }
        });

        it("GIVEN no running task and no message (idle, metrics missing) THEN 0: nothing to start, and no 'insufficient data'", () => {
            const q = metrics(5);
            assert.equal(backlogPerTask(q, { visible: 0, inflight: 0, running: 0 }), 0);
            assert.equal(backlogPerTask(q, {}), 0);
        });

        it("shows why a plain visible / running is not used: with no task it divides by zero, and capped at one task it never exceeds the target for a small backlog", () => {
            assert.throws(() => evaluateMath("visible / running", { visible: 3, running: 0 }), /division by zero/);
            const capped = evaluateMath("visible / IF(running > 0, running, 1)", { visible: 3, running: 0 });
            assert.ok(capped !== undefined && capped <= 5, "3 waiting messages, no task: at or below a target of 5, so the high alarm never fires");
        });

        it("the factor is the smallest whole number above the target", () => {
            assert.deepEqual([1, 5, 10].map(idleBacklogFactor), [2, 6, 11]);
            assert.equal(backlogPerTaskExpression(10), "backlog * 11 / IF(tasks > 0, tasks * 11, 1)");
        });
    });

    it("the oldest-message alarm defaults to twice the longest job, at least an hour", () => {
        assert.deepEqual([60, 900, 1800, 7200].map(defaultOldestMessageAgeSeconds), [3600, 3600, 3600, 14400]);
    });

    it("service names: letters, digits, hyphens and underscores, up to 255", () => {
        assert.equal(validateServiceName("jobs_worker-1"), "jobs_worker-1");
        assert.throws(() => validateServiceName("my service", "w.serviceName"), {
            message: 'w.serviceName: "my service" is not a valid ECS service name; use 1-255 letters, digits, hyphens and underscores',
        });
        assert.throws(() => validateServiceName("x".repeat(256)), /is not a valid ECS service name/);
    });
});
