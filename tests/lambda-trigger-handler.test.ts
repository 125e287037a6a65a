/**
 * The S3 → Lambda → ecs:RunTask trigger's handler, for accounts without EventBridge: its environment,
 * validated before the first event; the S3 keys it decodes; and its RunTask requests, sent through the
 * real AWS SDK to a stand-in for the ECS API on loopback (tests/support/ecs-server.ts), so the
 * assertions are on the requests the SDK actually sent.
 */
import { strict as assert } from "assert";
import { ECSClient } from "@aws-sdk/client-ecs";
import { readTriggerConfig, TriggerConfigError } from "../app/src/trigger/config";
import { createHandler, startToken, TaskStartError, TriggerDeps } from "../app/src/trigger/handler";
import { decodeS3Key, TASK_ENVIRONMENT } from "../app/src/trigger/records";
import { readConfig } from "../app/src/processor/config";
import { EVENT_ENVIRONMENT } from "../components/builders/input-transformer";
import { ACCOUNT } from "./mocks";
import { EcsServer, ecsError, runTaskFailure, startEcsServer, startedTask } from "./support/ecs-server";
import {
    BUCKET,
    CLIENT_TOKEN,
    CLUSTER_ARN,
    ENV,
    KEYS,
    REGION,
    SECURITY_GROUPS,
    STRATEGY,
    SUBNETS,
    TASK_DEFINITION_ARN,
    TEST_EVENT,
    event,
    expectedRunTask,
    keyOf,
    s3Record,
    withoutToken,
} from "./support/lambda-trigger";

const CREDENTIALS = { accessKeyId: "AKIDTRIGGERTEST", secretAccessKey: "trigger-test-secret" };

describe("trigger: environment validated before the first event", () => {
    it("reads the component's environment", () => {
        assert.deepEqual(readTriggerConfig(ENV), {
            clusterArn: CLUSTER_ARN,
            taskDefinitionArn: TASK_DEFINITION_ARN,
            containerName: "processor",
            subnetIds: SUBNETS,
            securityGroupIds: SECURITY_GROUPS,
            assignPublicIp: "ENABLED",
            capacityProviderStrategy: STRATEGY,
            launchType: undefined,
            platformVersion: "LATEST",
            uploadPrefix: "uploads/",
            keySuffixes: [],
            bucketName: BUCKET,
            startedBy: "upload-trigger",
        });
    });

    it("GIVEN no strategy, launch type, public IP or startedBy THEN the cluster's default strategy, no public IP, the function's name", () => {
        const { CAPACITY_PROVIDER_STRATEGY: _s, ASSIGN_PUBLIC_IP: _a, STARTED_BY: _b, ...rest } = ENV;
        const config = readTriggerConfig({ ...rest, AWS_LAMBDA_FUNCTION_NAME: "s3-fargate-pipeline-dev-trigger" });
        assert.deepEqual(
            [config.capacityProviderStrategy, config.launchType, config.assignPublicIp, config.startedBy],
            [undefined, undefined, "DISABLED", "s3-fargate-pipeline-dev-trigger"],
        );
        assert.equal(readTriggerConfig(rest).startedBy, "s3-lambda-trigger");
        assert.equal(readTriggerConfig({ ...rest, LAUNCH_TYPE: "FARGATE" }).launchType, "FARGATE");
        assert.deepEqual(readTriggerConfig({ ...rest, KEY_SUFFIXES: '[".csv",".csv.gz"]' }).keySuffixes, [".csv", ".csv.gz"]);
    });

    const without = (name: string) => Object.fromEntries(Object.entries(ENV).filter(([k]) => k !== name));
    const cases: [string, Record<string, string>, string][] = [
        ["a missing cluster", without("CLUSTER_ARN"), "CLUSTER_ARN is not set; set it to the cluster's ARN (the LambdaTrigger component sets it)"],
        ["a cluster name instead of an ARN", { ...ENV, CLUSTER_ARN: "processing" }, 'CLUSTER_ARN: "processing" is not an ECS cluster ARN; use one such as arn:aws:ecs:eu-west-1:123456789012:cluster/processing'],
        [
            "a task definition without a revision",
            { ...ENV, TASK_DEFINITION_ARN: TASK_DEFINITION_ARN.replace(/:7$/, "") },
            `TASK_DEFINITION_ARN: "${TASK_DEFINITION_ARN.replace(/:7$/, "")}" is not a task definition ARN with a revision; use one such as arn:aws:ecs:eu-west-1:123456789012:task-definition/processor:3`,
        ],
        ["a bad container name", { ...ENV, CONTAINER_NAME: "proc essor" }, 'CONTAINER_NAME: "proc essor" is not an ECS container name; use 1-255 letters, digits, hyphens and underscores'],
        ["missing subnets", { ...ENV, SUBNET_IDS: " " }, "SUBNET_IDS is not set; set it to a comma-separated list such as subnet-0123456789abcdef0,subnet-0fedcba9876543210 (the LambdaTrigger component sets it)"],
        [
            "a malformed subnet",
            { ...ENV, SUBNET_IDS: "subnet-0123abcd,vpc-0123abcd" },
            'SUBNET_IDS: "subnet-0123abcd,vpc-0123abcd" has an invalid entry "vpc-0123abcd" at position 2; use a comma-separated list such as subnet-0123456789abcdef0,subnet-0fedcba9876543210',
        ],
        ["a subnet listed twice", { ...ENV, SUBNET_IDS: "subnet-0123abcd,subnet-0123abcd" }, 'SUBNET_IDS: "subnet-0123abcd,subnet-0123abcd" lists an ID twice; list each ID once'],
        [
            "six security groups",
            { ...ENV, SECURITY_GROUP_IDS: [1, 2, 3, 4, 5, 6].map((n) => `sg-0000000${n}`).join(",") },
            'SECURITY_GROUP_IDS: "sg-00000001,sg-00000002,sg-00000003,sg-00000004,sg-00000005,sg-00000006" lists 6 IDs; RunTask accepts at most 5',
        ],
        ["a boolean public IP", { ...ENV, ASSIGN_PUBLIC_IP: "true" }, 'ASSIGN_PUBLIC_IP: "true" is not ENABLED or DISABLED; use ENABLED (public subnets without NAT) or DISABLED'],
        [
            "both a strategy and a launch type",
            { ...ENV, LAUNCH_TYPE: "FARGATE" },
            'CAPACITY_PROVIDER_STRATEGY and LAUNCH_TYPE are both set ("FARGATE"); RunTask takes one of them, so set only one',
        ],
        ["an unknown launch type", { ...without("CAPACITY_PROVIDER_STRATEGY"), LAUNCH_TYPE: "SPOT" }, 'LAUNCH_TYPE: "SPOT" is not an ECS launch type; use one of FARGATE, EC2, EXTERNAL, MANAGED_INSTANCES'],
        [
            "a strategy that is not JSON",
            { ...ENV, CAPACITY_PROVIDER_STRATEGY: "FARGATE_SPOT" },
            'CAPACITY_PROVIDER_STRATEGY: "FARGATE_SPOT" is not valid JSON; use a JSON list such as [{"capacityProvider":"FARGATE","base":1,"weight":1},{"capacityProvider":"FARGATE_SPOT","weight":3}]',
        ],
        [
            "a negative weight",
            { ...ENV, CAPACITY_PROVIDER_STRATEGY: '[{"capacityProvider":"FARGATE","weight":-1}]' },
            'CAPACITY_PROVIDER_STRATEGY: "[{\\"capacityProvider\\":\\"FARGATE\\",\\"weight\\":-1}]" has weight -1 at position 1; use a whole number from 0 to 1000',
        ],
        ["a bad platform version", { ...ENV, PLATFORM_VERSION: "1.4" }, 'PLATFORM_VERSION: "1.4" is not a Fargate platform version; use LATEST or a version such as 1.4.0'],
        ["a missing upload prefix", without("UPLOAD_PREFIX"), 'UPLOAD_PREFIX is not set; set it to the key prefix uploads arrive under, such as "uploads/" (the LambdaTrigger component sets it)'],
        [
            "suffixes that are not a list",
            { ...ENV, KEY_SUFFIXES: '".csv"' },
            'KEY_SUFFIXES: "\\".csv\\"" is not a list of non-empty strings; use a JSON list of key endings such as [".csv",".csv.gz"], or leave it unset for every key',
        ],
        ["a bad startedBy", { ...ENV, STARTED_BY: "upload trigger" }, 'STARTED_BY: "upload trigger" is not a valid startedBy; use 1-128 letters, digits, hyphens and underscores'],
    ];
    for (const [what, env, message] of cases) {
        it(`rejects ${what}`, () => {
            assert.throws(() => readTriggerConfig(env), (e: unknown) => e instanceof TriggerConfigError && e.message === message && e.name === "TriggerConfigError");
            // The handler validates when it is created, before any event.
            assert.throws(() => createHandler({ env, ecs: { send: async () => assert.fail("no call expected") } }), { message });
        });
    }
});

describe("trigger: S3 keys and the task's environment", () => {
    for (const { what, encoded, key } of KEYS) {
        it(`decodes a key with ${what} exactly once`, () => {
            assert.equal(decodeS3Key(encoded), key);
        });
    }

    it("sets the variables the EventBridge rule's input transformer sets, in its order", () => {
        assert.deepEqual([...TASK_ENVIRONMENT], Object.keys(EVENT_ENVIRONMENT));
    });

    it("gives the processor an environment it accepts, with the decoded key", async () => {
        const server = await startEcsServer();
        try {
            const handler = createHandler({ env: ENV, ecs: sdk(server), log: () => {} });
            await handler(event(s3Record(KEYS[3].encoded, { size: 0, eTag: "d41d8cd98f00b204e9800998ecf8427e" })));
            const env = Object.fromEntries(server.runTaskInputs()[0].overrides.containerOverrides[0].environment.map((e: any) => [e.name, e.value]));
            const config = readConfig({ ...env, S3_UPLOAD_PREFIX: "uploads/", S3_OUTPUT_PREFIX: "processed/", S3_STATUS_PREFIX: "status/" });
            assert.deepEqual(
                [config.bucket, config.key, config.size, config.etag, config.eventTime, config.eventId],
                [BUCKET, "uploads/Zürich – 日本.csv", 0, "d41d8cd98f00b204e9800998ecf8427e", "2026-03-14T09:15:27.123Z", "0055AED6DCD90281E5"],
            );
        } finally {
            await server.close();
        }
    });
});

/** An ECS client pointed at the stand-in. */
function sdk(server: EcsServer, maxAttempts = 3): ECSClient {
    return new ECSClient({ region: REGION, endpoint: server.endpoint, credentials: CREDENTIALS, maxAttempts });
}

describe("trigger: handler → ECS stand-in on loopback (real AWS SDK)", function () {
    this.timeout(20000);
    let server: EcsServer;
    let logs: Record<string, unknown>[];
    const make = (env: Record<string, string> = ENV, deps: Partial<TriggerDeps> = {}) =>
        createHandler({ env, ecs: sdk(server), log: (l) => logs.push(l), ...deps });

    beforeEach(async () => {
        server = await startEcsServer();
        logs = [];
    });
    afterEach(async () => {
        await server.close();
    });

    for (const { what, encoded, key } of KEYS) {
        it(`starts one task for a key with ${what}: exact RunTask request, key decoded once`, async () => {
            const result = await make()(event(s3Record(encoded)), { awsRequestId: "req-1" });
            assert.equal(server.requests.length, 1);
            const req = server.requests[0];
            assert.equal(req.headers["x-amz-target"], "AmazonEC2ContainerServiceV20141113.RunTask");
            assert.match(String(req.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDTRIGGERTEST\/\d{8}\/eu-west-1\/ecs\/aws4_request/);
            assert.deepEqual(withoutToken(req.body), expectedRunTask(key));
            assert.deepEqual(result, {
                started: [{ bucket: BUCKET, key, taskArn: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/processing/${"1".padStart(32, "0")}` }],
                skipped: 0,
                testEvent: false,
            });
            const started = logs.find((l) => l.msg === "task started");
            assert.deepEqual(
                [started?.level, started?.key, started?.bucket, started?.requestId, started?.taskArn],
                ["info", key, BUCKET, "req-1", result.started[0].taskArn],
            );
        });
    }

    it("GIVEN LAUNCH_TYPE and no public IP THEN RunTask gets the launch type and DISABLED, and no strategy", async () => {
        const { CAPACITY_PROVIDER_STRATEGY: _s, ...rest } = ENV;
        await make({ ...rest, LAUNCH_TYPE: "FARGATE", ASSIGN_PUBLIC_IP: "DISABLED" })(event(s3Record("uploads/a.csv")));
        const body = withoutToken(server.runTaskInputs()[0]);
        const { capacityProviderStrategy: _c, ...expected } = expectedRunTask("uploads/a.csv");
        assert.deepEqual(body, {
            ...expected,
            launchType: "FARGATE",
            networkConfiguration: { awsvpcConfiguration: { subnets: SUBNETS, securityGroups: SECURITY_GROUPS, assignPublicIp: "DISABLED" } },
        });
    });

    it("GIVEN a record without size, ETag or sequencer THEN those variables are left out", async () => {
        const record = s3Record("uploads/a.csv");
        const object = (record.s3 as any).object;
        delete object.size;
        delete object.eTag;
        delete object.sequencer;
        await make()(event(record));
        assert.deepEqual(server.runTaskInputs()[0].overrides.containerOverrides[0].environment, [
            { name: "S3_BUCKET", value: BUCKET },
            { name: "S3_KEY", value: "uploads/a.csv" },
            { name: "S3_EVENT_TIME", value: "2026-03-14T09:15:27.123Z" },
        ]);
    });

    it("starts one task per record of a notification", async () => {
        const result = await make()(event(...KEYS.map((k, i) => s3Record(k.encoded, { sequencer: `00${i}` }))));
        assert.equal(result.started.length, KEYS.length);
        assert.deepEqual(server.runTaskInputs().map(keyOf).sort(), KEYS.map((k) => k.key).sort());
        assert.equal(new Set(server.runTaskInputs().map((b) => b.clientToken)).size, KEYS.length, "each RunTask has its own client token");
    });

    for (const [what, reason, arn, detail, expected] of [
        [
            "not enough memory",
            "RESOURCE:MEMORY",
            `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/processing/1f2e3d4c`,
            undefined,
            `RunTask failed: RESOURCE:MEMORY (arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/processing/1f2e3d4c)`,
        ],
        ["a missing task definition", "MISSING", TASK_DEFINITION_ARN, undefined, `RunTask failed: MISSING (${TASK_DEFINITION_ARN})`],
        [
            "no Fargate Spot capacity",
            "Capacity is unavailable at this time. Please try again later or in a different availability zone",
            undefined,
            "FARGATE_SPOT",
            "RunTask failed: Capacity is unavailable at this time. Please try again later or in a different availability zone: FARGATE_SPOT",
        ],
    ] as const) {
        it(`GIVEN RunTask answers failures[] (${what}) THEN the invocation rejects naming the key and the reason`, async () => {
            server.onRunTask = () => runTaskFailure(reason, arn, detail);
            const key = KEYS[0].key;
            await assert.rejects(make()(event(s3Record(KEYS[0].encoded))), (e: unknown) => {
                assert.ok(e instanceof TaskStartError);
                assert.equal(e.name, "TaskStartError");
                assert.equal(e.message, `Could not start 1 of 1 task(s) — ${JSON.stringify(key)} in bucket "data-bucket": ${expected}`);
                assert.deepEqual(e.failures, [{ bucket: BUCKET, key, reason: expected }]);
                return true;
            });
            const line = logs.find((l) => l.msg === "task not started");
            assert.deepEqual([line?.level, line?.key, line?.reason], ["error", key, expected]);
        });
    }

    it("GIVEN RunTask throws (400 InvalidParameterException) THEN the invocation rejects naming the key and the error, without retrying", async () => {
        server.onRunTask = () => ecsError("InvalidParameterException", "No Fargate configuration exists for given values: 3000 CPU, 1024 memory.");
        await assert.rejects(
            make()(event(s3Record("uploads/x.csv"))),
            { name: "TaskStartError", message: 'Could not start 1 of 1 task(s) — "uploads/x.csv" in bucket "data-bucket": InvalidParameterException: No Fargate configuration exists for given values: 3000 CPU, 1024 memory.' },
        );
        assert.equal(server.requests.length, 1);
    });

    it("GIVEN AccessDenied THEN the invocation rejects naming the key and the error", async () => {
        server.onRunTask = () => ecsError("AccessDeniedException", "User is not authorized to perform: iam:PassRole");
        await assert.rejects(make()(event(s3Record("uploads/x.csv"))), /"uploads\/x\.csv" in bucket "data-bucket": AccessDeniedException: User is not authorized to perform: iam:PassRole/);
    });

    it("GIVEN one 5xx THEN the SDK retries with the same client token and one task starts", async () => {
        server.onRunTask = (input, n) => (n === 1 ? ecsError("ServerException", "Service unavailable", 500) : startedTask(input, n));
        const result = await make()(event(s3Record("uploads/x.csv")));
        assert.equal(result.started.length, 1);
        const bodies = server.runTaskInputs();
        assert.equal(bodies.length, 2);
        assert.equal(bodies[0].clientToken, bodies[1].clientToken, "a retried RunTask reuses its client token, so ECS starts one task");
    });

    it("GIVEN one bad record THEN Lambda's retry of the event starts no task again for the good ones", async () => {
        const retried = event(s3Record("uploads/a.csv"), s3Record("uploads/bad%E0%A4%A.csv"), s3Record("uploads/b+c.csv"));
        const handler = make();
        const attempts: TaskStartError[] = [];
        for (let attempt = 1; attempt <= 3; attempt++) {
            // The first invocation and Lambda's two retries, with the same event.
            await assert.rejects(handler(retried, { awsRequestId: `req-${attempt}` }), (e: unknown) => e instanceof TaskStartError && Boolean(attempts.push(e)));
        }
        assert.equal(server.startedTaskArns().length, 2, "two tasks, not six");
        for (const e of attempts) {
            assert.deepEqual(e.failures.map((f) => f.key), ["uploads/bad%E0%A4%A.csv"]);
            assert.deepEqual(e.started.map((t) => t.taskArn).sort(), server.startedTaskArns().sort(), "each attempt reports the same two tasks");
        }
        const tokens = server.runTaskInputs().map((b) => `${keyOf(b)} ${b.clientToken}`);
        assert.equal(tokens.length, 6);
        assert.equal(new Set(tokens).size, 2, "every attempt sends the same token for a key");
    });

    it("GIVEN ECS could not place one record's task THEN the retry starts that one only", async () => {
        server.onRunTask = (input, n) => (keyOf(input) === "uploads/b.csv" && n <= 2 ? runTaskFailure("RESOURCE:CPU") : startedTask(input, n));
        const retried = event(s3Record("uploads/a.csv"), s3Record("uploads/b.csv"));
        const handler = make();
        await assert.rejects(handler(retried), /Could not start 1 of 2 task\(s\) — "uploads\/b\.csv" .*RESOURCE:CPU/);
        const result = await handler(retried);
        assert.deepEqual(result.started.map((t) => t.key).sort(), ["uploads/a.csv", "uploads/b.csv"]);
        assert.equal(server.startedTaskArns().length, 2, "a.csv started once, b.csv once on the retry");
    });

    it("the client token is one per object and event: the same for a redelivery, another for another ETag, key, bucket or upload", () => {
        const object = { bucket: BUCKET, key: "uploads/a.csv", encodedKey: "uploads/a.csv", etag: "e1", sequencer: "0A", eventName: "ObjectCreated:Put" };
        const token = startToken(object);
        assert.match(token, CLIENT_TOKEN);
        assert.equal(startToken({ ...object, eventName: "ObjectCreated:Copy", size: 5 }), token);
        for (const other of [{ etag: "e2" }, { key: "uploads/b.csv" }, { bucket: "other-bucket" }, { sequencer: "0B" }]) {
            assert.notEqual(startToken({ ...object, ...other }), token, JSON.stringify(other));
        }
    });

    it("GIVEN the token was used with other parameters (the configuration changed before the retry) THEN ECS's ConflictException counts as started", async () => {
        const record = event(s3Record("uploads/a.csv"));
        const first = await make()(record);
        const changed = await make({ ...ENV, TASK_DEFINITION_ARN: TASK_DEFINITION_ARN.replace(/:7$/, ":8") })(record);
        assert.deepEqual(changed.started, first.started);
        assert.equal(server.startedTaskArns().length, 1);
        assert.ok(logs.some((l) => l.msg === "task already started for this event" && l.taskArn === first.started[0].taskArn));
    });

    it("GIVEN ECS keeps failing with 5xx THEN the invocation rejects after the SDK's 3 attempts", async () => {
        server.onRunTask = () => ecsError("ServerException", "Service unavailable", 500);
        await assert.rejects(make()(event(s3Record("uploads/x.csv"))), { message: 'Could not start 1 of 1 task(s) — "uploads/x.csv" in bucket "data-bucket": ServerException: Service unavailable' });
        assert.equal(server.requests.length, 3);
    });

    it("GIVEN ECS is unreachable THEN the invocation rejects naming the key and the connection error", async () => {
        const handler = make();
        await server.close();
        await assert.rejects(handler(event(s3Record("uploads/x.csv"))), /^TaskStartError: Could not start 1 of 1 task\(s\) — "uploads\/x\.csv" in bucket "data-bucket": .*ECONNREFUSED/);
    });

    it("GIVEN a partial failure THEN every other record's task is still started and the error names only the failed keys", async () => {
        server.onRunTask = (input, n) => {
            const key = keyOf(input);
            if (key === "uploads/b.csv") return runTaskFailure("RESOURCE:MEMORY", `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/processing/abc`);
            if (key === "uploads/d e.csv") return ecsError("ClientException", "Tasks provisioning capacity limit exceeded.");
            return startedTask(input, n);
        };
        const records = ["uploads/a.csv", "uploads/b.csv", "uploads/c.csv", "uploads/d+e.csv", "uploads/f.csv"].map((k) => s3Record(k));
        await assert.rejects(make()(event(...records)), (e: unknown) => {
            assert.ok(e instanceof TaskStartError);
            assert.equal(
                e.message,
                `Could not start 2 of 5 task(s) — "uploads/b.csv" in bucket "data-bucket": RunTask failed: RESOURCE:MEMORY (arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/processing/abc); ` +
                    '"uploads/d e.csv" in bucket "data-bucket": ClientException: Tasks provisioning capacity limit exceeded.',
            );
            assert.deepEqual(e.started.map((s) => s.key), ["uploads/a.csv", "uploads/c.csv", "uploads/f.csv"]);
            return true;
        });
        assert.deepEqual(server.runTaskInputs().map(keyOf).sort(), ["uploads/a.csv", "uploads/b.csv", "uploads/c.csv", "uploads/d e.csv", "uploads/f.csv"]);
        assert.deepEqual(logs.filter((l) => l.msg === "task started").map((l) => l.key).sort(), ["uploads/a.csv", "uploads/c.csv", "uploads/f.csv"]);
    });

    it("GIVEN a malformed key next to a good one THEN the good one starts and the invocation rejects naming the bad one", async () => {
        await assert.rejects(make()(event(s3Record("uploads/bad%E0%A4%A.csv"), s3Record("uploads/good.csv"))), {
            message: 'Could not start 1 of 2 task(s) — "uploads/bad%E0%A4%A.csv" in bucket "data-bucket": the key "uploads/bad%E0%A4%A.csv" is not valid URL encoding',
        });
        assert.deepEqual(server.runTaskInputs().map(keyOf), ["uploads/good.csv"]);
    });

    it("ignores S3's test event: no task, no error", async () => {
        assert.deepEqual(await make()(TEST_EVENT), { started: [], skipped: 0, testEvent: true });
        assert.equal(server.requests.length, 0);
        assert.deepEqual(logs.map((l) => [l.level, l.msg, l.bucket]), [["info", "S3 test event ignored", BUCKET]]);
    });

    it("skips records that are not uploads for this trigger: other events, buckets, prefixes, suffixes, folder markers", async () => {
        const handler = make({ ...ENV, KEY_SUFFIXES: '[".csv",".csv.gz"]' });
        const result = await handler(
            event(
                s3Record("uploads/a.csv", { eventName: "ObjectRemoved:Delete" }),
                s3Record("uploads/a.csv", { bucket: "another-bucket" }),
                s3Record("processed/a.csv.summary.json"),
                s3Record("uploads/"),
                s3Record("uploads/2026/", { size: 0 }),
                s3Record("uploads/notes.txt"),
                s3Record("uploads/day.csv.gz"),
            ),
        );
        assert.deepEqual([result.skipped, result.started.map((s) => s.key)], [6, ["uploads/day.csv.gz"]]);
        assert.deepEqual(server.runTaskInputs().map(keyOf), ["uploads/day.csv.gz"]);
        assert.deepEqual(
            logs.filter((l) => l.msg === "record skipped").map((l) => l.reason),
            [
                'event "ObjectRemoved:Delete" is not an ObjectCreated event',
                'bucket "another-bucket" is not "data-bucket"',
                'the key is not a file under the upload prefix "uploads/"',
                'the key is not a file under the upload prefix "uploads/"',
                "the key is a folder marker",
                'the key does not end in ".csv" or ".csv.gz"',
            ],
        );
    });

    it("GIVEN no Records THEN nothing starts; GIVEN a payload that is not an S3 notification THEN it rejects", async () => {
        assert.deepEqual(await make()({ Records: [] }), { started: [], skipped: 0, testEvent: false });
        await assert.rejects(make()({ hello: "world" }), { name: "TypeError", message: "The event is neither an S3 event notification (Records[]) nor an s3:TestEvent" });
        assert.equal(server.requests.length, 0);
    });
});
