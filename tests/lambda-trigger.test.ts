/**
 * The S3 → Lambda → ecs:RunTask trigger, for accounts without EventBridge.
 *
 * The handler runs against a stand-in for the ECS API on loopback (tests/support/ecs-server.ts),
 * through the real AWS SDK: the assertions are on the RunTask requests the SDK actually sent. The
 * packaged code (the component's archive, transpiled file by file) also runs in a plain Node process
 * that finds ECS through AWS_ENDPOINT_URL_ECS, as it would in Lambda. The component runs under Pulumi
 * mocks; both policy packs are evaluated over what it registered, and its role's policy is evaluated
 * by the IAM policy simulator.
 */
import { strict as assert } from "assert";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ECSClient } from "@aws-sdk/client-ecs";
import * as pulumi from "@pulumi/pulumi";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import { readTriggerConfig, TriggerConfigError } from "../app/src/trigger/config";
import { createHandler, startToken, TaskStartError, TriggerDeps } from "../app/src/trigger/handler";
import { decodeS3Key, TASK_ENVIRONMENT } from "../app/src/trigger/records";
import { readConfig } from "../app/src/processor/config";
import type { CapacityProviderStrategyItem } from "../components/builders/capacity";
import { EVENT_ENVIRONMENT } from "../components/builders/input-transformer";
import { LAMBDA_SOURCE_DIR, lambdaCode } from "../components/lambda-code";
import { transpileLambdaSources } from "../components/lambda-build";
import { DEFAULT_TRIGGER_RUNTIME, LambdaTrigger, LambdaTriggerArgs, TRIGGER_RUNTIMES } from "../components/lambda-trigger";
import { ProcessingCluster } from "../components/processing-cluster";
import { ProcessorTask } from "../components/processor-task";
import { UploadBucket } from "../components/upload-bucket";
import { evaluatePacks } from "../policy/offline/engine";
import { PACKS } from "../policy/packs";
import { ACCOUNT, ROOT, Recorded, Recorder, captureDependencies, parseDoc, settle, useMocks, valueOf } from "./mocks";
import { EcsServer, ecsError, runTaskFailure, startEcsServer, startedTask } from "./support/ecs-server";

const REGION = "eu-west-1";
const BUCKET = "data-bucket";
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/processing`;
const TASK_DEFINITION_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/s3-fargate-pipeline-dev-processor:7`;
const SUBNETS = ["subnet-0a1b2c3d4e5f60718", "subnet-0123abcd"];
const SECURITY_GROUPS = ["sg-0fedcba987654321f"];
const STRATEGY: CapacityProviderStrategyItem[] = [
    { capacityProvider: "FARGATE", base: 1, weight: 1 },
    { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 },
];
const CREDENTIALS = { accessKeyId: "AKIDTRIGGERTEST", secretAccessKey: "trigger-test-secret" };

/** The environment the component gives the function (see the component tests below). */
const ENV: Record<string, string> = {
    CLUSTER_ARN,
    TASK_DEFINITION_ARN,
    CONTAINER_NAME: "processor",
    SUBNET_IDS: SUBNETS.join(","),
    SECURITY_GROUP_IDS: SECURITY_GROUPS.join(","),
    ASSIGN_PUBLIC_IP: "ENABLED",
    CAPACITY_PROVIDER_STRATEGY: JSON.stringify(STRATEGY),
    PLATFORM_VERSION: "LATEST",
    UPLOAD_PREFIX: "uploads/",
    BUCKET_NAME: BUCKET,
    STARTED_BY: "upload-trigger",
};

interface RecordOptions {
    bucket?: string;
    eventName?: string;
    size?: number;
    eTag?: string;
    sequencer?: string;
    eventTime?: string;
}

/** An S3 event notification record as S3 delivers it to Lambda (key URL-encoded, `+` for space). */
function s3Record(encodedKey: string, o: RecordOptions = {}): Record<string, unknown> {
    const bucket = o.bucket ?? BUCKET;
    return {
        eventVersion: "2.1",
        eventSource: "aws:s3",
        awsRegion: REGION,
        eventTime: o.eventTime ?? "2026-03-14T09:15:27.123Z",
        eventName: o.eventName ?? "ObjectCreated:Put",
        userIdentity: { principalId: "AWS:AIDAEXAMPLEUSER" },
        requestParameters: { sourceIPAddress: "203.0.113.7" },
        responseElements: { "x-amz-request-id": "C3D13FE58DE4C810", "x-amz-id-2": "FMyUVURIY8/IgAtTv8xRjskZQpcIZ9KG4V5Wp6S7S/JRWeUWerMUE5JgHvANOjpD" },
        s3: {
            s3SchemaVersion: "1.0",
            configurationId: "tf-s3-lambda-20260314091500",
            bucket: { name: bucket, ownerIdentity: { principalId: "A3NL1KOZZKExample" }, arn: `arn:aws:s3:::${bucket}` },
            object: { key: encodedKey, size: o.size ?? 1024, eTag: o.eTag ?? "0123456789abcdef0123456789abcdef", sequencer: o.sequencer ?? "0055AED6DCD90281E5" },
        },
    };
}

const event = (...records: Record<string, unknown>[]) => ({ Records: records });

const TEST_EVENT = {
    Service: "Amazon S3",
    Event: "s3:TestEvent",
    Time: "2026-03-14T09:00:00.000Z",
    Bucket: BUCKET,
    RequestId: "5582815E1AEA5ADF",
    HostId: "8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE",
};

/** Keys as S3 encodes them in notifications, and the key they name. */
const KEYS: { what: string; encoded: string; key: string }[] = [
    { what: "spaces", encoded: "uploads/Q3+report+2024.csv", key: "uploads/Q3 report 2024.csv" },
    { what: "a literal +", encoded: "uploads/a%2Bb%2Bc.csv", key: "uploads/a+b+c.csv" },
    { what: "a literal %2B and %20 (decoded once, not twice)", encoded: "uploads/already%252Bencoded%2520name.csv", key: "uploads/already%2Bencoded%20name.csv" },
    { what: "unicode", encoded: "uploads/Z%C3%BCrich+%E2%80%93+%E6%97%A5%E6%9C%AC.csv", key: "uploads/Zürich – 日本.csv" },
    { what: "quotes and a backslash", encoded: "uploads/%22quoted%22+%27single%27+back%5Cslash.csv", key: 'uploads/"quoted" \'single\' back\\slash.csv' },
];

/** The RunTask request the trigger must send for one object (clientToken aside). */
function expectedRunTask(key: string, o: { size?: string; eTag?: string; sequencer?: string; eventTime?: string } = {}) {
    return {
        cluster: CLUSTER_ARN,
        taskDefinition: TASK_DEFINITION_ARN,
        count: 1,
        capacityProviderStrategy: STRATEGY,
        platformVersion: "LATEST",
        networkConfiguration: { awsvpcConfiguration: { subnets: SUBNETS, securityGroups: SECURITY_GROUPS, assignPublicIp: "ENABLED" } },
        overrides: {
            containerOverrides: [
                {
                    name: "processor",
                    environment: [
                        { name: "S3_BUCKET", value: BUCKET },
                        { name: "S3_KEY", value: key },
                        { name: "S3_OBJECT_SIZE", value: o.size ?? "1024" },
                        { name: "S3_OBJECT_ETAG", value: o.eTag ?? "0123456789abcdef0123456789abcdef" },
                        { name: "S3_EVENT_TIME", value: o.eventTime ?? "2026-03-14T09:15:27.123Z" },
                        { name: "S3_EVENT_ID", value: o.sequencer ?? "0055AED6DCD90281E5" },
                    ],
                },
            ],
        },
        startedBy: "upload-trigger",
        propagateTags: "TASK_DEFINITION",
        enableECSManagedTags: true,
    };
}

/** RunTask's client token: at most 64 characters in ASCII 33–126 (ECS_Idempotency.html); ours is a SHA-256 in hex. */
const CLIENT_TOKEN = /^[0-9a-f]{64}$/;

/** A RunTask body without its client token (checked separately: one per object and event). */
function withoutToken(body: any): any {
    assert.match(body.clientToken, CLIENT_TOKEN);
    const { clientToken: _token, ...rest } = body;
    return rest;
}

/** The S3_KEY of a RunTask body. */
function keyOf(body: any): string {
    return body.overrides.containerOverrides[0].environment.find((e: any) => e.name === "S3_KEY").value;
}

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

// ---------------------------------------------------------------------------------------------

/** The component's code archive, written out file by file. */
async function writeBundle(): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "trigger-bundle-"));
    const assets = await lambdaCode("trigger").assets;
    for (const [file, asset] of Object.entries(assets)) {
        fs.writeFileSync(path.join(dir, file), await (asset as pulumi.asset.StringAsset).text);
    }
    return dir;
}

/** Runs handler.handler in a fresh Node process (one execution environment), once per event. */
function runBundle(bundle: string, env: Record<string, string>, events: unknown[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const script = `
        const { handler } = require(${JSON.stringify(path.join(bundle, "handler.js"))});
        const events = JSON.parse(process.env.E2E_EVENTS);
        (async () => {
            for (const e of events) {
                try { console.log("RESULT ok " + JSON.stringify(await handler(e, { awsRequestId: "bundle-req" }))); }
                catch (err) { console.log("RESULT error " + err.name + ": " + err.message); }
            }
        })();`;
    const child = spawn(process.execPath, ["-e", script], {
        cwd: bundle,
        env: {
            PATH: process.env.PATH ?? "",
            NODE_PATH: path.join(ROOT, "node_modules"), // the Lambda runtime provides the AWS SDK
            NODE_NO_WARNINGS: "1",
            AWS_REGION: REGION,
            AWS_ACCESS_KEY_ID: "AKIDBUNDLETEST",
            AWS_SECRET_ACCESS_KEY: "bundle-secret",
            AWS_CONFIG_FILE: path.join(bundle, "no-config"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(bundle, "no-credentials"),
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_LAMBDA_FUNCTION_NAME: "s3-fargate-pipeline-dev-trigger",
            E2E_EVENTS: JSON.stringify(events),
            ...env,
        },
        stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

const results = (stdout: string) => stdout.split("\n").filter((l) => l.startsWith("RESULT"));

describe("trigger: the deployed bundle in a plain Node process, finding ECS through AWS_ENDPOINT_URL_ECS", function () {
    this.timeout(60000);
    let bundle: string;
    let server: EcsServer;
    before(async () => {
        bundle = await writeBundle();
    });
    after(() => {
        fs.rmSync(bundle, { recursive: true, force: true });
    });
    beforeEach(async () => {
        server = await startEcsServer();
    });
    afterEach(async () => {
        await server.close();
    });

    it("is the trigger's sources, each transpiled on its own, importing nothing but each other, Node's built-ins and the AWS SDK", () => {
        assert.deepEqual(fs.readdirSync(bundle).sort(), ["config.js", "handler.js", "records.js"]);
        assert.deepEqual(Object.keys(transpileLambdaSources(path.join(LAMBDA_SOURCE_DIR, "trigger"))), ["config.js", "handler.js", "records.js"]);
        for (const file of fs.readdirSync(bundle)) {
            const js = fs.readFileSync(path.join(bundle, file), "utf8");
            for (const m of js.matchAll(/require\("([^"]+)"\)/g)) {
                assert.ok(m[1].startsWith("./") || m[1].startsWith("@aws-sdk/") || m[1].startsWith("node:"), `${file} requires ${m[1]}`);
                if (m[1].startsWith("./")) assert.ok(fs.existsSync(path.join(bundle, `${m[1]}.js`)), `${file} requires missing ${m[1]}`);
            }
        }
    });

    it("starts the task through the endpoint in AWS_ENDPOINT_URL_ECS, signed for the function's region, and ignores the test event", async () => {
        const result = await runBundle(bundle, { ...ENV, STARTED_BY: "", AWS_ENDPOINT_URL_ECS: server.endpoint }, [TEST_EVENT, event(s3Record(KEYS[4].encoded))]);
        assert.equal(result.code, 0, result.stderr);
        const [first, second] = results(result.stdout);
        assert.equal(first, 'RESULT ok {"started":[],"skipped":0,"testEvent":true}');
        assert.match(second, /^RESULT ok \{"started":\[\{"bucket":"data-bucket","key":"uploads\/\\"quoted\\" 'single' back\\\\slash.csv","taskArn":"arn:aws:ecs:eu-west-1:123456789012:task\/processing\/0+1"\}\]/);
        assert.equal(server.requests.length, 1);
        assert.match(String(server.requests[0].headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDBUNDLETEST\/\d{8}\/eu-west-1\/ecs\/aws4_request/);
        // Without STARTED_BY, the function's name.
        assert.deepEqual(withoutToken(server.requests[0].body), { ...expectedRunTask(KEYS[4].key), startedBy: "s3-fargate-pipeline-dev-trigger" });
        const lines = result.stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
        assert.deepEqual(lines.map((l) => l.msg), ["S3 test event ignored", "task started"]);
        assert.equal(lines[1].requestId, "bundle-req");
    });

    it("a RunTask failure rejects the invocation (Lambda's retries and failure destination take over)", async () => {
        server.onRunTask = () => runTaskFailure("RESOURCE:MEMORY", `arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/processing/abc`);
        const result = await runBundle(bundle, { ...ENV, AWS_ENDPOINT_URL_ECS: server.endpoint }, [event(s3Record("uploads/x.csv"))]);
        assert.deepEqual(results(result.stdout), [
            `RESULT error TaskStartError: Could not start 1 of 1 task(s) — "uploads/x.csv" in bucket "data-bucket": RunTask failed: RESOURCE:MEMORY (arn:aws:ecs:${REGION}:${ACCOUNT}:container-instance/processing/abc)`,
        ]);
    });

    it("GIVEN an invalid environment THEN every invocation fails naming the variable, and nothing is called", async () => {
        const { CLUSTER_ARN: _c, ...rest } = ENV;
        const result = await runBundle(bundle, { ...rest, AWS_ENDPOINT_URL_ECS: server.endpoint }, [event(s3Record("uploads/x.csv")), TEST_EVENT]);
        const message = "RESULT error TriggerConfigError: CLUSTER_ARN is not set; set it to the cluster's ARN (the LambdaTrigger component sets it)";
        assert.deepEqual(results(result.stdout), [message, message]);
        assert.equal(server.requests.length, 0);
        assert.match(result.stdout, /"msg":"invalid configuration"/);
    });
});

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

/** A small stack: UploadBucket (no EventBridge), cluster, task and the trigger, as index.ts would compose them. */
async function deployStack(transform?: LambdaTriggerArgs["transform"]): Promise<{ recorder: Recorder; trigger: LambdaTrigger; task: ProcessorTask }> {
    const recorder = await useMocks({ stack: "dev" });
    const bucket = new UploadBucket("uploads", { eventBridge: false });
    const cluster = new ProcessingCluster("processing", { capacity: { fargateBase: 1, fargateWeight: 1, fargateSpotWeight: 3 } });
    const task = new ProcessorTask("processor", {
        bucket: { bucketName: bucket.bucketName, bucketArn: bucket.bucketArn, prefixes: bucket.prefixes },
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/processor:1.0.0`,
    });
    const trigger = new LambdaTrigger("on-upload", {
        bucket: { bucketName: bucket.bucketName, bucketArn: bucket.bucketArn, prefixes: bucket.prefixes },
        keySuffixes: [".csv"],
        cluster,
        task,
        network: { subnetIds: SUBNETS, securityGroupIds: SECURITY_GROUPS },
        capacityProviderStrategy: cluster.capacityProviderStrategy,
        alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`,
        transform,
    });
    await settle();
    return { recorder, trigger, task };
}

describe("LambdaTrigger in a stack: both policy packs over the recorded resources", function () {
    this.timeout(30000);

    it("passes both packs with no finding on the trigger's resources, and the bucket has one notification configuration", async () => {
        const { recorder } = await deployStack();
        const notifications = recorder.ofType("aws:s3/bucketNotification:BucketNotification");
        assert.deepEqual(notifications.map((n) => n.name), ["on-upload-notifications"]);
        const findings = await evaluatePacks([...PACKS], recorder.all());
        assert.deepEqual(findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
        const own = findings.filter((f) => f.resourceName?.startsWith("on-upload") && f.policy !== "log-group-kms-encryption");
        assert.deepEqual(own.map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
    });

    it("GIVEN the log group's retention removed by a transform THEN the log-retention pack flags it (the packs see the trigger)", async () => {
        const { recorder } = await deployStack({ logGroup: (a) => ({ ...a, retentionInDays: undefined }) });
        const findings = await evaluatePacks([...PACKS], recorder.all());
        assert.deepEqual(
            findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}`),
            ["log-group-retention: on-upload-logs"],
        );
    });

    it("GIVEN the function pointed at another log group THEN the log-retention pack flags the function", async () => {
        const { recorder } = await deployStack({ function: (a) => ({ ...a, loggingConfig: { logFormat: "Text", logGroup: "/aws/lambda/elsewhere" } }) });
        const findings = await evaluatePacks([...PACKS], recorder.all());
        assert.deepEqual(
            findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => f.policy),
            ["lambda-log-group-managed"],
        );
    });
});

// ---------------------------------------------------------------------------------------------

type Context = Record<string, string | string[]>;
const ALLOW_ALL = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

describe("LambdaTrigger's role, proven with the IAM policy simulator", function () {
    this.timeout(60000);
    let policy: any;
    let principal: string;
    let clusterArn: string;
    let taskDefinitionArn: string;
    let executionRoleArn: string;
    let taskRoleArn: string;
    let functionRoleArn: string;
    let logGroupArn: string;
    let queueArn: string;

    const sessionOf = (roleArn: string) => `arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split("/").pop()}/simulated-session`;

    before(async () => {
        const { recorder, task } = await deployStack();
        policy = parseDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "on-upload-policy").inputs.policy);
        functionRoleArn = recorder.one("aws:iam/role:Role", "on-upload-role").state.arn;
        principal = sessionOf(functionRoleArn);
        clusterArn = recorder.one("aws:ecs/cluster:Cluster").state.arn;
        taskDefinitionArn = await valueOf(task.taskDefinitionArn);
        executionRoleArn = await valueOf(task.executionRoleArn);
        taskRoleArn = await valueOf(task.taskRoleArn);
        logGroupArn = recorder.one("aws:cloudwatch/logGroup:LogGroup", "on-upload-logs").state.arn;
        queueArn = recorder.one("aws:sqs/queue:Queue", "on-upload-dlq").state.arn;
    });

    async function evaluate(who: string, doc: any, action: string, resource: string, context: Context = {}): Promise<string> {
        const simulation: Simulation = {
            request: { principal: who, action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
            identityPolicies: [{ name: "inline", policy: doc }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        };
        const result = await runSimulation(simulation, { simulationMode: "Strict" });
        if (result.resultType === "error") {
            assert.fail(`simulator rejected ${action} on ${resource}: ${JSON.stringify(result.errors)}`);
        }
        if (result.resultType === "single") {
            assert.deepEqual(result.result.ignoredContextKeys ?? [], [], `simulator ignored context keys for ${action}`);
        }
        return result.overallResult;
    }
    async function allowed(action: string, resource: string, context?: Context): Promise<void> {
        assert.equal(await evaluate(principal, policy, action, resource, context), "Allowed", `${action} on ${resource} ${JSON.stringify(context ?? {})}`);
    }
    /** Denied to the trigger's role, while an allow-all principal is allowed the same request (so the denial is the policy's). */
    async function denied(action: string, resource: string, context?: Context): Promise<void> {
        assert.equal(await evaluate(principal, policy, action, resource, context), "ImplicitlyDenied", `${action} on ${resource} ${JSON.stringify(context ?? {})}`);
        assert.equal(await evaluate(sessionOf(`arn:aws:iam::${ACCOUNT}:role/admin`), ALLOW_ALL, action, resource, context), "Allowed", `control for ${action} on ${resource}`);
    }
    const revision = (n: number) => taskDefinitionArn.replace(/:\d+$/, `:${n}`);
    const TO_ECS_TASKS = { "iam:PassedToService": "ecs-tasks.amazonaws.com" };
    const taskIn = (cluster: string) => `${cluster.replace(":cluster/", ":task/")}/0123456789abcdef0123456789abcdef`;

    it("can run any revision of the processor's family, in its cluster only", async () => {
        await allowed("ecs:RunTask", revision(1), { "ecs:cluster": clusterArn });
        await allowed("ecs:RunTask", revision(12), { "ecs:cluster": clusterArn });
        await denied("ecs:RunTask", revision(1), { "ecs:cluster": `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other` });
        await denied("ecs:RunTask", revision(1), { "ecs:cluster": `${clusterArn}-2` });
        await denied("ecs:RunTask", taskDefinitionArn.replace(/task-definition\/([^:]+):/, "task-definition/$1-admin:"), { "ecs:cluster": clusterArn });
        await denied("ecs:RunTask", `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/other-family:1`, { "ecs:cluster": clusterArn });
    });

    it("can pass only the task's execution and task roles, and only to ECS tasks", async () => {
        await allowed("iam:PassRole", executionRoleArn, TO_ECS_TASKS);
        await allowed("iam:PassRole", taskRoleArn, TO_ECS_TASKS);
        await denied("iam:PassRole", functionRoleArn, TO_ECS_TASKS);
        await denied("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/AdministratorRole`, TO_ECS_TASKS);
        await denied("iam:PassRole", `${taskRoleArn}-2`, TO_ECS_TASKS);
        await denied("iam:PassRole", taskRoleArn, { "iam:PassedToService": "lambda.amazonaws.com" });
    });

    it("can tag only the tasks it starts, as part of RunTask, in its cluster", async () => {
        await allowed("ecs:TagResource", taskIn(clusterArn), { "ecs:CreateAction": "RunTask" });
        await denied("ecs:TagResource", taskIn(clusterArn));
        await denied("ecs:TagResource", taskIn(`arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other`), { "ecs:CreateAction": "RunTask" });
    });

    it("can write its own log group and send to its own dead-letter queue, nothing else", async () => {
        await allowed("logs:PutLogEvents", `${logGroupArn}:log-stream:2026/03/14/[$LATEST]abcdef`);
        await allowed("logs:CreateLogStream", `${logGroupArn}:log-stream:2026/03/14/[$LATEST]abcdef`);
        await denied("logs:PutLogEvents", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/ecs/s3-fargate-pipeline-dev-processor:log-stream:x`);
        await denied("logs:CreateLogGroup", `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/lambda/anything`);
        await allowed("sqs:SendMessage", queueArn);
        await denied("sqs:SendMessage", `arn:aws:sqs:${REGION}:${ACCOUNT}:another-queue`);
    });

    it("cannot stop tasks, register task definitions or read the bucket", async () => {
        await denied("ecs:StopTask", taskIn(clusterArn), { "ecs:cluster": clusterArn });
        await denied("ecs:RegisterTaskDefinition", "*");
        await denied("s3:GetObject", "arn:aws:s3:::data-bucket/uploads/x.csv");
    });
});
