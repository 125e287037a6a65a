/**
 * QueueWorkerService: the pure builders without mocks, the component under mocks, both policy packs
 * over everything it registers, and its queue permissions in the IAM policy simulator.
 *
 * `@cloud-copilot/iam-simulate` is AGPL-licensed and a devDependency: tests only.
 */
import { strict as assert } from "assert";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { getMonitor } from "@pulumi/pulumi/runtime/settings";
import { matchesEventPattern, uploadEventPattern } from "../components/builders/event-pattern";
import {
    DEFAULT_WORKER_CAPACITY,
    TargetTrackingMetricQuery,
    WORKER_QUEUE_ACTIONS,
    backlogPerTaskExpression,
    backlogPerTaskMetrics,
    deadLetterTlsPolicy,
    defaultOldestMessageAgeSeconds,
    idleBacklogFactor,
    queueVisibilityTimeout,
    redriveAllowPolicy,
    redrivePolicy,
    validateServiceName,
    validateTaskRange,
    workQueuePolicy,
    workerCapacityStrategy,
    workerEnvironment,
    workerQueuePolicy,
} from "../components/builders/queue-worker";
import { ProcessingCluster } from "../components/processing-cluster";
import { QueueWorkerService, QueueWorkerServiceArgs } from "../components/queue-worker-service";
import { UploadBucket } from "../components/upload-bucket";
import { evaluatePacks } from "../policy/offline/engine";
import { PACKS } from "../policy/packs";
import { ACCOUNT, PROJECT, Recorded, Recorder, parseDoc, settle, useMocks, valueOf } from "./mocks";
import { inputDoc } from "./support/assertions";

const REGION = "eu-west-1";
const PREFIXES = { upload: "uploads/", output: "processed/", status: "status/" };
const BUCKET = { bucketName: "data-bucket", bucketArn: "arn:aws:s3:::data-bucket", prefixes: PREFIXES };
const IMAGE = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/processor:1.4.2`;
const CLUSTER = { clusterArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/work`, clusterName: "work" };
const NETWORK = { subnetIds: ["subnet-1", "subnet-2"], securityGroupIds: ["sg-1"] };
const KEY_ARN = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const TOPIC_ARN = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;
const TLS_DENY = (resource: string) => ({
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: "sqs:*",
    Resource: [resource],
    Condition: { Bool: { "aws:SecureTransport": "false" } },
});
const COMPONENT = `${PROJECT}:compute:QueueWorkerService`;

function baseArgs(extra: Partial<QueueWorkerServiceArgs> = {}): QueueWorkerServiceArgs {
    return { cluster: CLUSTER, network: NETWORK, task: { bucket: BUCKET, image: IMAGE }, ...extra };
}

// ---------------------------------------------------------------------------------------------
// A small evaluator for the CloudWatch metric math the scaling policy uses (numbers, ids, + - * /,
// comparisons, FILL(x, n), IF(c, a, b)), applied to one datapoint: a missing datapoint is undefined
// and stays missing through arithmetic, as in CloudWatch. Division by zero throws, so a test proves
// the expression never divides by zero.
// ---------------------------------------------------------------------------------------------

type Value = number | undefined;

function evaluateMath(expression: string, vars: Record<string, Value>): Value {
    const tokens = expression.match(/\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|>=|<=|==|!=|[-+*/(),<>]/g) ?? [];
    assert.equal(tokens.join(""), expression.replace(/\s+/g, ""), `unexpected characters in ${expression}`);
    let i = 0;
    const peek = () => tokens[i];
    const take = (expected?: string) => {
        const t = tokens[i++];
        if (expected !== undefined && t !== expected) {
            throw new Error(`expected ${expected} at ${i} in ${expression}, got ${t}`);
        }
        return t;
    };
    const arith = (a: Value, b: Value, f: (x: number, y: number) => number): Value => (a === undefined || b === undefined ? undefined : f(a, b));
    const primary = (): Value => {
        const t = take();
        if (t === "(") {
            const v = comparison();
            take(")");
            return v;
        }
        if (t === "-") {
            return arith(0, primary(), (x, y) => x - y);
        }
        if (/^\d/.test(t)) {
            return Number(t);
        }
        if (peek() === "(") {
            take("(");
            const argsList: Value[] = [comparison()];
            while (peek() === ",") {
                take(",");
                argsList.push(comparison());
            }
            take(")");
            if (t === "FILL" && argsList.length === 2) {
                return argsList[0] ?? argsList[1];
            }
            if (t === "IF" && argsList.length === 3) {
                return argsList[0] === undefined ? undefined : argsList[0] !== 0 ? argsList[1] : argsList[2];
            }
            throw new Error(`unsupported function ${t}/${argsList.length}`);
        }
        if (!(t in vars)) {
            throw new Error(`unknown id ${t} in ${expression}`);
        }
        return vars[t];
    };
    const product = (): Value => {
        let v = primary();
        while (peek() === "*" || peek() === "/") {
            const op = take();
            const r = primary();
            if (op === "/" && r === 0) {
                throw new Error(`division by zero in ${expression} with ${JSON.stringify(vars)}`);
            }
            v = arith(v, r, op === "*" ? (x, y) => x * y : (x, y) => x / y);
        }
        return v;
    };
    const sum = (): Value => {
        let v = product();
        while (peek() === "+" || peek() === "-") {
            const op = take();
            v = arith(v, product(), op === "+" ? (x, y) => x + y : (x, y) => x - y);
        }
        return v;
    };
    const comparison = (): Value => {
        const left = sum();
        const op = peek();
        const compare: Record<string, (x: number, y: number) => boolean> = {
            ">": (x, y) => x > y,
            ">=": (x, y) => x >= y,
            "<": (x, y) => x < y,
            "<=": (x, y) => x <= y,
            "==": (x, y) => x === y,
            "!=": (x, y) => x !== y,
        };
        if (op !== undefined && op in compare) {
            take();
            return arith(left, sum(), (x, y) => (compare[op](x, y) ? 1 : 0));
        }
        return left;
    };
    const result = comparison();
    assert.equal(i, tokens.length, `trailing tokens in ${expression}`);
    return result;
}

/** Evaluates the policy's queries for one minute's raw datapoints and returns the one returned value. */
function backlogPerTask(queries: TargetTrackingMetricQuery[], raw: { visible?: number; inflight?: number; running?: number }): Value {
    const vars: Record<string, Value> = {};
    for (const q of queries) {
        vars[q.id] = q.metricStat ? raw[q.id as keyof typeof raw] : evaluateMath(q.expression ?? "", vars);
    }
    const returned = queries.filter((q) => q.returnData);
    assert.equal(returned.length, 1, "exactly one query returns data");
    return vars[returned[0].id];
}

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

describe("QueueWorkerService under both policy packs", () => {
    async function findings(build: () => void): Promise<{ recorder: Recorder; found: Awaited<ReturnType<typeof evaluatePacks>> }> {
        const recorder = await useMocks();
        build();
        await settle();
        return { recorder, found: await evaluatePacks([...PACKS], recorder.all()) };
    }

    it("passes every mandatory rule with a bucket, a cluster, a feed, a CMK and an alarm topic; only the advisory CMK-for-logs note remains", async () => {
        const { recorder, found } = await findings(() => {
            const bucket = new UploadBucket("files");
            const cluster = new ProcessingCluster("compute");
            new QueueWorkerService("jobs", {
                cluster,
                network: NETWORK,
                task: { bucket: { bucketName: bucket.bucketName, bucketArn: bucket.bucketArn, prefixes: bucket.prefixes }, image: IMAGE },
                feed: { bucket },
                kmsKeyArn: KEY_ARN,
                alarmTopicArn: TOPIC_ARN,
            });
        });
        assert.ok(recorder.ofType("aws:iam/rolePolicy:RolePolicy").some((p) => p.name === "jobs-queue-access"));
        assert.deepEqual(found.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
        // The packs did look at the worker's resources: the one advisory finding is about its log group.
        assert.deepEqual(found.map((f) => `${f.policy}: ${f.resourceName}`), ["log-group-kms-encryption: jobs-processor-logs"]);
        assert.equal(recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 30);
    });

    it("flags a queue policy opened to everyone and a worker log group without retention (the packs see the component's children)", async () => {
        const { found } = await findings(() => {
            new QueueWorkerService("jobs", baseArgs({
                task: { bucket: BUCKET, image: IMAGE, transform: { logGroup: (a) => ({ ...a, retentionInDays: undefined }) } },
                transform: {
                    queuePolicy: (a) => ({
                        ...a,
                        policy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "sqs:SendMessage", Resource: "*" }] }),
                    }),
                },
            }));
        });
        const mandatory = found.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}`);
        assert.deepEqual(mandatory.sort(), ["log-group-retention: jobs-processor-logs", "resource-policy-no-public-access: jobs-queue-policy"]);
    });
});

// ---------------------------------------------------------------------------------------------

describe("the worker's queue permissions, proven with the IAM policy simulator", function () {
    this.timeout(60000);

    interface Deployed {
        workerPolicy: any;
        queuePolicy: any;
        dlqPolicy: any;
        queueArn: string;
        dlqArn: string;
        ruleArn: string;
        taskRoleArn: string;
    }
    let d: Deployed;

    before(async () => {
        const recorder = await useMocks();
        new QueueWorkerService("jobs", baseArgs({ feed: {}, kmsKeyArn: KEY_ARN }));
        await settle();
        const policy = (name: string) => {
            const raw = recorder.one(name.endsWith("access") ? "aws:iam/rolePolicy:RolePolicy" : "aws:sqs/queuePolicy:QueuePolicy", name).inputs.policy;
            assert.equal(typeof raw, "string", `${name}: policy should be a JSON string`);
            return JSON.parse(raw);
        };
        d = {
            workerPolicy: policy("jobs-queue-access"),
            queuePolicy: policy("jobs-queue-policy"),
            dlqPolicy: policy("jobs-dlq-policy"),
            queueArn: recorder.one("aws:sqs/queue:Queue", "jobs-queue").state.arn,
            dlqArn: recorder.one("aws:sqs/queue:Queue", "jobs-dlq").state.arn,
            ruleArn: recorder.one("aws:cloudwatch/eventRule:EventRule").state.arn,
            taskRoleArn: recorder.one("aws:iam/role:Role", "jobs-processor-task-role").state.arn,
        };
    });

    const ALLOW_ALL = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
    const session = (roleArn: string) => roleArn.replace(/^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/, "arn:aws:sts::$1:assumed-role/$2/simulated-session");
    const otherQueue = `arn:aws:sqs:${REGION}:${ACCOUNT}:some-other-queue`;
    /** A key policy that lets the account's IAM policies decide, as KMS's default key policy does. */
    const DEFAULT_KEY_POLICY = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "kms:*", Resource: "*" }],
    };

    function resourcePolicyFor(resource: string): any | undefined {
        return resource === d.queueArn ? d.queuePolicy : resource === d.dlqArn ? d.dlqPolicy : resource === KEY_ARN ? DEFAULT_KEY_POLICY : undefined;
    }

    async function evaluate(principal: string, identityPolicy: any | undefined, action: string, resource: string, context: Record<string, string> = {}): Promise<string> {
        const resourcePolicy = resourcePolicyFor(resource);
        const contextVariables: Record<string, string> = { "aws:SecureTransport": "true", ...context };
        const simulation: Simulation = {
            request: { principal, action, resource: { resource, accountId: ACCOUNT }, contextVariables },
            identityPolicies: identityPolicy === undefined ? [] : [{ name: "inline", policy: identityPolicy }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
            ...(resourcePolicy ? { resourcePolicy } : {}),
        };
        const result = await runSimulation(simulation, { simulationMode: "Strict" });
        const what = `${principal} ${action} on ${resource} with ${JSON.stringify(contextVariables)}`;
        if (result.resultType === "error") {
            assert.fail(`simulator rejected ${what}: ${JSON.stringify(result.errors)}`);
        }
        if (result.resultType === "single") {
            assert.deepEqual(result.result.ignoredContextKeys ?? [], [], `simulator ignored context keys for ${what}`);
        }
        return result.overallResult;
    }

    const worker = (action: string, resource: string, context?: Record<string, string>) => evaluate(session(d.taskRoleArn), d.workerPolicy, action, resource, context);

    /** Denied for the worker, and allowed for an allow-all principal with the same resource policy (so the denial is the worker policy's doing). */
    async function deniedToWorker(action: string, resource: string, context?: Record<string, string>): Promise<void> {
        assert.equal(await worker(action, resource, context), "ImplicitlyDenied", `${action} on ${resource}`);
        const control = await evaluate(session(`arn:aws:iam::${ACCOUNT}:role/simulated-admin`), ALLOW_ALL, action, resource, context);
        assert.equal(control, "Allowed", `control: allow-all should be allowed ${action} on ${resource}; the denial proves nothing`);
    }

    it("the worker may receive, delete, extend and read the attributes of messages on its queue", async () => {
        for (const action of WORKER_QUEUE_ACTIONS) {
            assert.equal(await worker(action, d.queueArn), "Allowed", action);
        }
    });

    it("the worker may not do the same on the dead-letter queue or another queue", async () => {
        for (const action of WORKER_QUEUE_ACTIONS) {
            await deniedToWorker(action, d.dlqArn);
            await deniedToWorker(action, otherQueue);
        }
    });

    it("the worker may not send, purge, reconfigure or delete its queue", async () => {
        for (const action of ["sqs:SendMessage", "sqs:PurgeQueue", "sqs:SetQueueAttributes", "sqs:DeleteQueue", "sqs:StartMessageMoveTask"]) {
            await deniedToWorker(action, d.queueArn);
        }
    });

    it("nobody, not even the worker, reaches the queues over plain HTTP", async () => {
        assert.equal(await worker("sqs:ReceiveMessage", d.queueArn, { "aws:SecureTransport": "false" }), "ExplicitlyDenied");
        const admin = session(`arn:aws:iam::${ACCOUNT}:role/simulated-admin`);
        assert.equal(await evaluate(admin, ALLOW_ALL, "sqs:ReceiveMessage", d.dlqArn, { "aws:SecureTransport": "false" }), "ExplicitlyDenied");
    });

    it("the worker may decrypt with the queue's key only through SQS, and no other key", async () => {
        assert.equal(await worker("kms:Decrypt", KEY_ARN, { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" }), "Allowed");
        assert.equal(await worker("kms:Decrypt", KEY_ARN, { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }), "ImplicitlyDenied");
        assert.equal(await worker("kms:Decrypt", KEY_ARN), "ImplicitlyDenied");
        assert.equal(await worker("kms:Decrypt", KEY_ARN.replace(/key\/.*/, "key/other"), { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" }), "ImplicitlyDenied");
        assert.equal(await worker("kms:GenerateDataKey", KEY_ARN, { "kms:ViaService": "sqs.eu-west-1.amazonaws.com" }), "ImplicitlyDenied");
    });

    it("EventBridge may send to the work queue for the feed rule only, and never to the dead-letter queue", async () => {
        const events = "events.amazonaws.com";
        assert.equal(await evaluate(events, undefined, "sqs:SendMessage", d.queueArn, { "aws:SourceArn": d.ruleArn }), "Allowed");
        assert.equal(await evaluate(events, undefined, "sqs:SendMessage", d.queueArn, { "aws:SourceArn": `${d.ruleArn}-2` }), "ImplicitlyDenied");
        assert.equal(await evaluate(events, undefined, "sqs:SendMessage", d.queueArn, { "aws:SourceArn": d.ruleArn.replace(/rule\/.*/, "rule/other") }), "ImplicitlyDenied");
        assert.equal(await evaluate(events, undefined, "sqs:SendMessage", d.dlqArn, { "aws:SourceArn": d.ruleArn }), "ImplicitlyDenied");
        assert.equal(await evaluate(events, undefined, "sqs:ReceiveMessage", d.queueArn, { "aws:SourceArn": d.ruleArn }), "ImplicitlyDenied");
    });
});
