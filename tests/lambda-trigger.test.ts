/**
 * LambdaTrigger, the S3 → Lambda → ecs:RunTask trigger for accounts without EventBridge, as a component
 * under mocks: the function, its environment (which the handler's own validation accepts), log group,
 * role, S3 notification, retries and dead-letter queue, alarms, transforms and rejected arguments.
 */
import { strict as assert } from "assert";
import { readTriggerConfig } from "../app/src/trigger/config";
import { DEFAULT_TRIGGER_RUNTIME, LambdaTrigger, LambdaTriggerArgs, TRIGGER_RUNTIMES } from "../components/lambda-trigger";
import { ACCOUNT, Recorded, Recorder, captureDependencies, parseDoc, settle, useMocks, valueOf } from "./mocks";
import { BUCKET, CLUSTER_ARN, REGION, SECURITY_GROUPS, STRATEGY, SUBNETS, TASK_DEFINITION_ARN } from "./support/lambda-trigger";

const PREFIXES = { upload: "uploads/", output: "processed/", status: "status/" };
const TASK = {
    taskDefinitionArn: TASK_DEFINITION_ARN,
    containerName: "processor",
    executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/processor-execution`,
    taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/processor-task`,
};
const BASE: LambdaTriggerArgs = {
    bucket: { bucketName: BUCKET, bucketArn: `arn:aws:s3:::${BUCKET}`, prefixes: PREFIXES },
    cluster: { clusterArn: CLUSTER_ARN },
    task: TASK,
    network: { subnetIds: SUBNETS, securityGroupIds: SECURITY_GROUPS },
};
const TYPE = "s3-fargate-pipeline:events:LambdaTrigger";

const statementsOf = (r: Recorded, field = "policy"): any[] => parseDoc(r.inputs[field]).Statement;

describe("LambdaTrigger component (under mocks)", () => {
    let recorder: Recorder;
    let deps: Map<string, string[]>;
    beforeEach(async () => {
        recorder = await useMocks({ stack: "unit" });
        deps = captureDependencies();
    });

    const fn = () => recorder.one("aws:lambda/function:Function");

    it("GIVEN defaults THEN a nodejs24.x arm64 function with the trigger's code, logging to its own group", async () => {
        const trigger = new LambdaTrigger("trigger", BASE);
        await settle();
        const f = fn().inputs;
        assert.deepEqual(
            [f.name, f.runtime, f.handler, f.architectures, f.memorySize, f.timeout, f.reservedConcurrentExecutions, f.loggingConfig],
            ["s3-fargate-pipeline-unit-trigger", "nodejs24.x", "handler.handler", ["arm64"], 256, 60, undefined, { logFormat: "Text", logGroup: "/aws/lambda/s3-fargate-pipeline-unit-trigger" }],
        );
        assert.equal(f.role, recorder.one("aws:iam/role:Role").state.arn);
        assert.deepEqual(
            [await valueOf(trigger.functionName), await valueOf(trigger.logGroupName), await valueOf(trigger.deadLetterQueueUrl)],
            ["s3-fargate-pipeline-unit-trigger", "/aws/lambda/s3-fargate-pipeline-unit-trigger", recorder.one("aws:sqs/queue:Queue").state.url],
        );
        assert.equal(await valueOf(trigger.functionArn), fn().state.arn);
        for (const child of recorder.all().filter((r) => r.type !== TYPE)) {
            assert.ok(child.urn.includes(`${TYPE}$${child.type}`), `${child.type} ${child.name} is not parented to the trigger`);
            assert.ok(child.name.startsWith("trigger-"), child.name);
        }
    });

    it("the default runtime is the newest Node.js runtime @pulumi/aws knows, and older or non-Node runtimes are rejected", () => {
        const majors = TRIGGER_RUNTIMES.map((r) => Number(/^nodejs(\d+)\.x$/.exec(r)![1]));
        assert.equal(DEFAULT_TRIGGER_RUNTIME, `nodejs${Math.max(...majors)}.x`);
        assert.ok(TRIGGER_RUNTIMES.includes("nodejs22.x") && !TRIGGER_RUNTIMES.includes("nodejs20.x"));
        assert.throws(() => new LambdaTrigger("t", { ...BASE, runtime: "nodejs20.x" }), {
            message: `t.runtime: "nodejs20.x" is not a supported Node.js Lambda runtime; use one of ${TRIGGER_RUNTIMES.join(", ")}`,
        });
        assert.throws(() => new LambdaTrigger("t", { ...BASE, runtime: "python3.12" }), /t.runtime: "python3.12" is not a supported Node.js Lambda runtime/);
    });

    it("gives the function the environment the handler validates, with FARGATE, a public IP and no platform version (the latest) by default", async () => {
        new LambdaTrigger("trigger", BASE);
        await settle();
        const variables = fn().inputs.environment.variables;
        assert.deepEqual(variables, {
            CLUSTER_ARN,
            TASK_DEFINITION_ARN,
            CONTAINER_NAME: "processor",
            SUBNET_IDS: SUBNETS.join(","),
            SECURITY_GROUP_IDS: SECURITY_GROUPS.join(","),
            ASSIGN_PUBLIC_IP: "ENABLED",
            UPLOAD_PREFIX: "uploads/",
            BUCKET_NAME: BUCKET,
            LAUNCH_TYPE: "FARGATE",
        });
        const config = readTriggerConfig({ ...variables, AWS_LAMBDA_FUNCTION_NAME: fn().inputs.name });
        assert.deepEqual([config.launchType, config.assignPublicIp, config.startedBy], ["FARGATE", "ENABLED", "s3-fargate-pipeline-unit-trigger"]);
    });

    it("GIVEN a strategy, suffixes and no public IP THEN the environment carries them and the handler accepts it", async () => {
        new LambdaTrigger("trigger", { ...BASE, capacityProviderStrategy: STRATEGY, keySuffixes: [".csv", ".csv.gz"], network: { ...BASE.network, assignPublicIp: false } });
        await settle();
        const variables = fn().inputs.environment.variables;
        assert.equal(variables.LAUNCH_TYPE, undefined);
        const config = readTriggerConfig(variables);
        assert.deepEqual([config.capacityProviderStrategy, config.keySuffixes, config.assignPublicIp], [STRATEGY, [".csv", ".csv.gz"], "DISABLED"]);
    });

    it("creates the log group /aws/lambda/<function> with retention before the function, and the role policy before it too", async () => {
        new LambdaTrigger("trigger", { ...BASE, logRetentionDays: 14 });
        await settle();
        const group = recorder.one("aws:cloudwatch/logGroup:LogGroup");
        assert.deepEqual([group.inputs.name, group.inputs.retentionInDays], ["/aws/lambda/s3-fargate-pipeline-unit-trigger", 14]);
        const functionDeps = deps.get("trigger-function") ?? [];
        assert.ok(functionDeps.includes(group.urn), `function depends on ${functionDeps.join(", ")}`);
        assert.ok(functionDeps.includes(recorder.one("aws:iam/rolePolicy:RolePolicy").urn));
    });

    it("has a role with the trust Lambda documents (lambda.amazonaws.com, no conditions), with exactly the statements it needs", async () => {
        new LambdaTrigger("trigger", BASE);
        await settle();
        assert.deepEqual(parseDoc(recorder.one("aws:iam/role:Role").inputs.assumeRolePolicy), {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }],
        });
        const group = recorder.one("aws:cloudwatch/logGroup:LogGroup").state.arn;
        const queue = recorder.one("aws:sqs/queue:Queue").state.arn;
        assert.deepEqual(statementsOf(recorder.one("aws:iam/rolePolicy:RolePolicy")), [
            { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${group}:*` },
            {
                Sid: "RunTask",
                Effect: "Allow",
                Action: "ecs:RunTask",
                Resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/s3-fargate-pipeline-dev-processor:*`,
                Condition: { ArnEquals: { "ecs:cluster": CLUSTER_ARN } },
            },
            {
                Sid: "PassTaskRoles",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: [TASK.executionRoleArn, TASK.taskRoleArn],
                Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
            },
            {
                Sid: "TagStartedTasks",
                Effect: "Allow",
                Action: "ecs:TagResource",
                Resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/processing/*`,
                Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
            },
            { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: queue },
        ]);
        assert.equal(recorder.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
    });

    it("GIVEN no suffixes THEN one notification for ObjectCreated under the prefix, saved after S3 may invoke the function", async () => {
        new LambdaTrigger("trigger", BASE);
        await settle();
        const notification = recorder.one("aws:s3/bucketNotification:BucketNotification");
        assert.deepEqual(notification.inputs.bucket, BUCKET);
        assert.equal(notification.inputs.eventbridge, undefined);
        assert.deepEqual(notification.inputs.lambdaFunctions, [{ lambdaFunctionArn: fn().state.arn, events: ["s3:ObjectCreated:*"], filterPrefix: "uploads/" }]);
        const permission = recorder.one("aws:lambda/permission:Permission");
        assert.deepEqual(
            [permission.inputs.action, permission.inputs.function, permission.inputs.principal, permission.inputs.sourceArn, permission.inputs.sourceAccount],
            ["lambda:InvokeFunction", "s3-fargate-pipeline-unit-trigger", "s3.amazonaws.com", `arn:aws:s3:::${BUCKET}`, ACCOUNT],
        );
        assert.ok((deps.get("trigger-notifications") ?? []).includes(permission.urn));
    });

    it("GIVEN suffixes THEN one notification filter per suffix, each under the prefix", async () => {
        new LambdaTrigger("trigger", { ...BASE, keySuffixes: [".csv", ".csv.gz", ".tsv"] });
        await settle();
        assert.deepEqual(
            recorder.one("aws:s3/bucketNotification:BucketNotification").inputs.lambdaFunctions.map((f: any) => [f.events, f.filterPrefix, f.filterSuffix]),
            [
                [["s3:ObjectCreated:*"], "uploads/", ".csv"],
                [["s3:ObjectCreated:*"], "uploads/", ".csv.gz"],
                [["s3:ObjectCreated:*"], "uploads/", ".tsv"],
            ],
        );
    });

    it("retries failed invocations twice within 6 hours, then sends them to an SSE-SQS queue that is TLS-only", async () => {
        new LambdaTrigger("trigger", BASE);
        await settle();
        const queue = recorder.one("aws:sqs/queue:Queue");
        assert.deepEqual([queue.inputs.sqsManagedSseEnabled, queue.inputs.messageRetentionSeconds, queue.inputs.kmsMasterKeyId], [true, 1209600, undefined]);
        const config = recorder.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs;
        assert.deepEqual(
            [config.functionName, config.maximumRetryAttempts, config.maximumEventAgeInSeconds, config.destinationConfig],
            ["s3-fargate-pipeline-unit-trigger", 2, 21600, { onFailure: { destination: queue.state.arn } }],
        );
        const [deny] = statementsOf(recorder.one("aws:sqs/queuePolicy:QueuePolicy"));
        assert.deepEqual([deny.Effect, deny.Resource, deny.Condition], ["Deny", [queue.state.arn], { Bool: { "aws:SecureTransport": "false" } }]);
    });

    it("GIVEN 0 retries, a shorter event age, reserved concurrency, memory and timeout THEN they are used (0 is not replaced)", async () => {
        new LambdaTrigger("trigger", { ...BASE, maxRetryAttempts: 0, maxEventAgeSeconds: 600, reservedConcurrency: 5, memorySize: 512, timeoutSeconds: 30, architecture: "x86_64" });
        await settle();
        const config = recorder.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs;
        assert.deepEqual([config.maximumRetryAttempts, config.maximumEventAgeInSeconds], [0, 600]);
        const f = fn().inputs;
        assert.deepEqual([f.reservedConcurrentExecutions, f.memorySize, f.timeout, f.architectures], [5, 512, 30, ["x86_64"]]);
    });

    it("GIVEN no alarm topic THEN no alarms; GIVEN one THEN alarms on the function's errors and the dead-letter queue", async () => {
        new LambdaTrigger("quiet", BASE);
        await settle();
        assert.equal(recorder.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").length, 0);
        const topic = `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`;
        const trigger = new LambdaTrigger("trigger", { ...BASE, alarmTopicArn: topic });
        await settle();
        const alarms = recorder
            .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
            .map((a) => a.inputs)
            .sort((a, b) => a.namespace.localeCompare(b.namespace));
        assert.deepEqual(
            alarms.map((a) => [a.namespace, a.metricName, a.dimensions, a.statistic, a.comparisonOperator, a.threshold, a.alarmActions, a.okActions]),
            [
                ["AWS/Lambda", "Errors", { FunctionName: "s3-fargate-pipeline-unit-trigger" }, "Sum", "GreaterThanThreshold", 0, [topic], [topic]],
                ["AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: recorder.one("aws:sqs/queue:Queue", "trigger-dlq").state.name }, "Maximum", "GreaterThanThreshold", 0, [topic], [topic]],
            ],
        );
        assert.deepEqual(Object.keys(trigger.alarms), ["errors", "deadLetters"]);
    });

    it("GIVEN transforms THEN the children get the changed args and the caller's args are untouched", async () => {
        const args: LambdaTriggerArgs = {
            ...BASE,
            keySuffixes: [".csv"],
            transform: {
                function: (a) => ({ ...a, tags: { team: "data" } }),
                logGroup: (a) => ({ ...a, kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k" }),
                notification: (a) => ({ ...a, eventbridge: false }),
                deadLetterQueuePolicy: { policy: "{}" },
                rolePolicy: { name: "ours" },
                permission: { sourceAccount: "210987654321" },
            },
        };
        const before = JSON.stringify({ ...args, transform: undefined });
        new LambdaTrigger("trigger", args);
        await settle();
        assert.deepEqual(fn().inputs.tags, { team: "data" });
        assert.equal(recorder.one("aws:sqs/queuePolicy:QueuePolicy").inputs.policy, "{}");
        assert.equal(recorder.one("aws:iam/rolePolicy:RolePolicy").inputs.name, "ours");
        assert.equal(recorder.one("aws:lambda/permission:Permission").inputs.sourceAccount, "210987654321");
        assert.equal(recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.kmsKeyId, "arn:aws:kms:eu-west-1:123456789012:key/k");
        assert.equal(recorder.one("aws:s3/bucketNotification:BucketNotification").inputs.eventbridge, false);
        assert.equal(JSON.stringify({ ...args, transform: undefined }), before);
        assert.deepEqual(args.keySuffixes, [".csv"]);
    });

    it("GIVEN two instances THEN no child names collide", async () => {
        new LambdaTrigger("a", BASE);
        new LambdaTrigger("b", BASE);
        await settle();
        const names = recorder.all().map((r) => `${r.type}/${r.name}`);
        assert.equal(new Set(names).size, names.length);
        assert.deepEqual(recorder.ofType("aws:lambda/function:Function").map((f) => f.inputs.name), ["s3-fargate-pipeline-unit-a", "s3-fargate-pipeline-unit-b"]);
    });

    const rejected: [string, Partial<LambdaTriggerArgs>, string][] = [
        [
            "overlapping suffixes (S3 rejects them)",
            { keySuffixes: [".gz", ".csv.gz"] },
            't.keySuffixes[1]: ".csv.gz" overlaps t.keySuffixes[0] ".gz"; S3 rejects notification filters where one suffix ends another under the same prefix; keep the shorter one',
        ],
        ["a duplicate suffix", { keySuffixes: [".csv", ".csv"] }, 't.keySuffixes[1]: ".csv" is listed twice; list each key ending once'],
        ["a suffix needing URL encoding", { keySuffixes: [" copy.csv"] }, 't.keySuffixes[0]: " copy.csv" has characters S3 notification filters need URL-encoded; use letters, digits, \'.\', \'_\', \'-\' and \'/\''],
        [
            "an upload prefix needing URL encoding",
            { bucket: { ...BASE.bucket, prefixes: { ...PREFIXES, upload: "my uploads/" } } },
            't.bucket.prefixes.upload: "my uploads/" has characters S3 notification filters need URL-encoded; use letters, digits, \'.\', \'_\', \'-\' and \'/\' in the upload prefix (or use UploadTrigger with EventBridge)',
        ],
        ["3 retries", { maxRetryAttempts: 3 }, "t.maxRetryAttempts: 3 is out of range; use a whole number from 0 to 2"],
        ["a 7-hour event age", { maxEventAgeSeconds: 25200 }, "t.maxEventAgeSeconds: 25200 is out of range; use a whole number from 60 to 21600"],
        ["a 0 reserved concurrency", { reservedConcurrency: 0 }, "t.reservedConcurrency: 0 is out of range; use a whole number from 1 to 10000"],
        ["64 MB", { memorySize: 64 }, "t.memorySize: 64 is out of range; use a whole number from 128 to 10240"],
        ["a 16-minute timeout", { timeoutSeconds: 960 }, "t.timeoutSeconds: 960 is out of range; use a whole number from 1 to 900"],
        ["an unknown retention", { logRetentionDays: 10 }, "t.logRetentionDays: 10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"],
        ["a bad platform version", { platformVersion: "1.4" }, 't.platformVersion: "1.4" is not a Fargate platform version; use "LATEST" or a version such as "1.4.0", or leave it unset for the latest'],
        ["a bad container name", { task: { ...TASK, containerName: "my container" } }, 't.task.containerName: "my container" is not a valid ECS container name; use 1-255 letters, digits, hyphens and underscores'],
        [
            "a fractional strategy weight",
            { capacityProviderStrategy: [{ capacityProvider: "FARGATE", base: 0, weight: 0.5 }] },
            "t.capacityProviderStrategy[0].weight: 0.5 is out of range; use a whole number from 0 to 1000",
        ],
    ];
    for (const [what, args, message] of rejected) {
        it(`rejects ${what}`, () => {
            assert.throws(() => new LambdaTrigger("t", { ...BASE, ...args }), { message });
        });
    }
});
