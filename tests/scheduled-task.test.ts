/**
 * ScheduledTask: the schedule builders without mocks, the component under mocks, both policy packs
 * over what it registers, its execution role's trust and permission policies evaluated by the IAM
 * policy simulator (`@cloud-copilot/iam-simulate`, AGPL, tests only), and the RunTask request it
 * schedules sent through the ECS SDK's own RunTask serializer to a loopback ECS stand-in.
 */
import { strict as assert } from "assert";
import { AssignPublicIp, ECSClient, LaunchType, PropagateTags, RunTaskCommand, type RunTaskCommandInput } from "@aws-sdk/client-ecs";
import { runSimulation, type Simulation } from "@cloud-copilot/iam-simulate";
import * as pulumi from "@pulumi/pulumi";
import {
    BATCH_RESERVED_ENVIRONMENT,
    RUN_TASK_STAND_INS,
    RunTaskRequest,
    batchRunTaskRequest,
    defaultStartedBy,
    flexibleTimeWindow,
    longestBatchRunTaskRequest,
    runTaskTargetArn,
    parseScheduleExpression,
    scheduleGroupArn,
    schedulerRolePolicy,
    validateBatchEnvironment,
    validateBatchRunTaskLength,
    validateScheduleCapacityStrategy,
    validateStartedBy,
    validateTimezone,
} from "../components/builders/schedule";
import { schedulerTrustPolicy } from "../components/builders/iam";
import { ProcessingCluster } from "../components/processing-cluster";
import { ProcessorTask } from "../components/processor-task";
import { ScheduledTask, ScheduledTaskArgs } from "../components/scheduled-task";
import { evaluatePacks } from "../policy/offline/engine";
import { PACKS } from "../policy/packs";
import { ACCOUNT, Recorded, Recorder, parseDoc, settle, useMocks, valueOf } from "./mocks";
import { startEcsServer } from "./support/ecs-server";
import { sessionOf } from "./support/assertions";

const REGION = "eu-west-1";
const TYPE = "s3-fargate-pipeline:schedule:ScheduledTask";
const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/proc`;
const TASK_DEFINITION_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/proc-family:3`;
const EXECUTION_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/proc-execution`;
const TASK_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/proc-task`;
const TARGET_ARN = "arn:aws:scheduler:::aws-sdk:ecs:runTask";
const EXAMPLES =
    'e.g. "cron(0 6 * * ? *)" (06:00 every day), "cron(0/15 8-17 ? * MON-FRI *)", "rate(15 minutes)", "rate(1 day)", "at(2030-01-31T06:00:00)"';

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

/** A PascalCase request with every member name's first letter lowered: the member names of ECS's API model. */
function camelCase(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(camelCase);
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k[0].toLowerCase() + k.slice(1), camelCase(v)]));
    }
    return value;
}

/** Every object key in a JSON value, with its path. */
function keysOf(value: unknown, path = "$"): string[] {
    if (Array.isArray(value)) return value.flatMap((v, i) => keysOf(v, `${path}[${i}]`));
    if (value !== null && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [`${path}.${k}`, ...keysOf(v, `${path}.${k}`)]);
    return [];
}

/**
 * Sends each request through the ECS SDK's RunTask serializer (which drops members its model does not
 * have) to a loopback ECS stand-in, and returns what arrived next to what was sent, in ECS's casing.
 */
async function throughEcsSdk(requests: RunTaskRequest[]): Promise<{ sent: unknown; received: unknown }[]> {
    const server = await startEcsServer();
    const client = new ECSClient({ endpoint: server.endpoint, region: REGION, credentials: { accessKeyId: "AKIDLOOPBACK", secretAccessKey: "loopback" }, maxAttempts: 1 });
    try {
        for (const request of requests) {
            await client.send(new RunTaskCommand(camelCase(request) as RunTaskCommandInput));
        }
        return server.runTaskInputs().map((body, i) => {
            const { clientToken, ...received } = body;
            assert.equal(typeof clientToken, "string", "the SDK adds its idempotency token");
            return { sent: camelCase(requests[i]), received };
        });
    } finally {
        client.destroy();
        await server.close();
    }
}

/** Recursively freezes a value, so a component that writes into the caller's args throws. */
function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value as object)) deepFreeze(v);
    }
    return value;
}

describe("schedule builders", () => {
    describe("parseScheduleExpression", () => {
        const parse = (e: string) => parseScheduleExpression(e, "job.scheduleExpression");
        const rejects = (expression: string, message: string) => assert.throws(() => parse(expression), { name: "ValidationError", message });

        it("reads a daily cron expression into its six fields", () => {
            assert.deepEqual(parse("cron(0 6 * * ? *)"), { kind: "cron", minutes: "0", hours: "6", dayOfMonth: "*", month: "*", dayOfWeek: "?", year: "*" });
        });

        it("accepts steps, ranges, lists, names and the L, W and # forms", () => {
            for (const e of [
                "cron(0/15 8-17 ? * MON-FRI *)",
                "cron(0,30 6 ? * 2#1 *)",
                "cron(0 12 L * ? 2030)",
                "cron(0 9 15W JAN-MAR ? *)",
                "cron(0 9 LW * ? *)",
                "cron(5 23 ? * 6L 2026-2030)",
                "cron(59 23 31 12 ? 2199)",
                "cron(0 0 1 1 ? 1970)",
                "cron(*/5 * ? * SUN,SAT *)",
            ]) {
                assert.equal(parse(e).kind, "cron", e);
            }
        });

        it("reads rate expressions with the singular unit for 1 and the plural otherwise", () => {
            assert.deepEqual(parse("rate(1 minute)"), { kind: "rate", value: 1, unit: "minute" });
            assert.deepEqual(parse("rate(15 minutes)"), { kind: "rate", value: 15, unit: "minute" });
            assert.deepEqual(parse("rate(1 hour)"), { kind: "rate", value: 1, unit: "hour" });
            assert.deepEqual(parse("rate(12 hours)"), { kind: "rate", value: 12, unit: "hour" });
            assert.deepEqual(parse("rate(1 day)"), { kind: "rate", value: 1, unit: "day" });
            assert.deepEqual(parse("rate(7 days)"), { kind: "rate", value: 7, unit: "day" });
        });

        it("reads one-time at() expressions, including a leap day", () => {
            assert.deepEqual(parse("at(2030-01-31T06:00:00)"), { kind: "at", dateTime: "2030-01-31T06:00:00" });
            assert.deepEqual(parse("at(2028-02-29T23:59:59)"), { kind: "at", dateTime: "2028-02-29T23:59:59" });
        });

        it("rejects text that is none of cron(), rate() or at()", () => {
            const allowed = `use cron(minutes hours day-of-month month day-of-week year), rate(N minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss), ${EXAMPLES}`;
            rejects("every day", `job.scheduleExpression: "every day" is not a schedule expression; ${allowed}`);
            rejects("0 6 * * *", `job.scheduleExpression: "0 6 * * *" is not a schedule expression; ${allowed}`);
            rejects("cron(0 6 * * ? *) ", `job.scheduleExpression: "cron(0 6 * * ? *) " is not a schedule expression; ${allowed}`);
            rejects("", `job.scheduleExpression: "" is not a schedule expression; ${allowed}`);
        });

        it("rejects a five-field (Unix) cron expression", () => {
            rejects(
                "cron(0 6 * * *)",
                `job.scheduleExpression: "cron(0 6 * * *)" has 5 fields, cron needs 6; use cron(minutes hours day-of-month month day-of-week year), ${EXAMPLES}`,
            );
        });

        it("rejects a cron expression with both day-of-month and day-of-week set", () => {
            rejects(
                "cron(0 6 * * MON *)",
                'job.scheduleExpression: "cron(0 6 * * MON *)" sets both day-of-month "*" and day-of-week "MON"; put "?" in exactly one of them, e.g. "cron(0 6 * * ? *)" (every day), "cron(0 6 ? * MON *)" (Mondays), "cron(0 6 1 * ? *)" (the 1st of each month)',
            );
        });

        it("rejects a cron expression with ? in both day fields", () => {
            rejects(
                "cron(0 6 ? * ? *)",
                'job.scheduleExpression: "cron(0 6 ? * ? *)" has "?" in both day-of-month and day-of-week; put "?" in exactly one of them, e.g. "cron(0 6 * * ? *)" (every day), "cron(0 6 ? * MON *)" (Mondays), "cron(0 6 1 * ? *)" (the 1st of each month)',
            );
        });

        it("rejects out-of-range and malformed cron fields, naming the field", () => {
            rejects("cron(60 6 * * ? *)", `job.scheduleExpression: "cron(60 6 * * ? *)" has an invalid minutes field "60"; use 0-59 with , - * /; ${EXAMPLES}`);
            rejects("cron(0 24 * * ? *)", `job.scheduleExpression: "cron(0 24 * * ? *)" has an invalid hours field "24"; use 0-23 with , - * /; ${EXAMPLES}`);
            rejects("cron(0 6 32 * ? *)", `job.scheduleExpression: "cron(0 6 32 * ? *)" has an invalid day-of-month field "32"; use 1-31 with , - * /, ?, L, W; ${EXAMPLES}`);
            rejects("cron(0 6 * 13 ? *)", `job.scheduleExpression: "cron(0 6 * 13 ? *)" has an invalid month field "13"; use 1-12 or JAN-DEC with , - * /; ${EXAMPLES}`);
            rejects("cron(0 6 ? * MONDAY *)", `job.scheduleExpression: "cron(0 6 ? * MONDAY *)" has an invalid day-of-week field "MONDAY"; use 1-7 or SUN-SAT with , - * /, ?, L, #; ${EXAMPLES}`);
            rejects("cron(0 6 * * ? 1969)", `job.scheduleExpression: "cron(0 6 * * ? 1969)" has an invalid year field "1969"; use 1970-2199 with , - * /; ${EXAMPLES}`);
            rejects("cron(0/0 6 * * ? *)", `job.scheduleExpression: "cron(0/0 6 * * ? *)" has an invalid minutes field "0/0"; use 0-59 with , - * /; ${EXAMPLES}`);
            rejects("cron(0 ? * * ? *)", `job.scheduleExpression: "cron(0 ? * * ? *)" has an invalid hours field "?"; use 0-23 with , - * /; ${EXAMPLES}`);
            rejects("cron(0 6,,7 * * ? *)", `job.scheduleExpression: "cron(0 6,,7 * * ? *)" has an invalid hours field "6,,7"; use 0-23 with , - * /; ${EXAMPLES}`);
        });

        it("rejects a plural unit with 1 and a singular unit with more than 1", () => {
            rejects("rate(1 hours)", 'job.scheduleExpression: "rate(1 hours)" uses "hours" with 1; use "rate(1 hour)" (singular for 1, plural otherwise)');
            rejects("rate(5 minute)", 'job.scheduleExpression: "rate(5 minute)" uses "minute" with 5; use "rate(5 minutes)" (singular for 1, plural otherwise)');
            rejects("rate(2 day)", 'job.scheduleExpression: "rate(2 day)" uses "day" with 2; use "rate(2 days)" (singular for 1, plural otherwise)');
        });

        it("rejects a rate of zero, a fraction, an unknown unit and a missing unit", () => {
            rejects("rate(0 minutes)", 'job.scheduleExpression: "rate(0 minutes)" has the rate value "0"; use a whole number of 1 or more, e.g. "rate(15 minutes)"');
            rejects("rate(1.5 hours)", 'job.scheduleExpression: "rate(1.5 hours)" has the rate value "1.5"; use a whole number of 1 or more, e.g. "rate(15 minutes)"');
            rejects(
                "rate(2 weeks)",
                'job.scheduleExpression: "rate(2 weeks)" has the unknown unit "weeks"; use minute, minutes, hour, hours, day or days, e.g. "rate(15 minutes)", "rate(1 day)"',
            );
            rejects("rate(5)", `job.scheduleExpression: "rate(5)" is not rate(N unit); use rate(N minutes|hours|days), ${EXAMPLES}`);
        });

        it("rejects an at() that is not yyyy-mm-ddThh:mm:ss or not a real date and time", () => {
            const format = 'is not at(yyyy-mm-ddThh:mm:ss); use a local date and time without zone or fraction, e.g. "at(2030-01-31T06:00:00)"';
            rejects("at(2030-01-31 06:00:00)", `job.scheduleExpression: "at(2030-01-31 06:00:00)" ${format}`);
            rejects("at(2030-01-31T06:00:00Z)", `job.scheduleExpression: "at(2030-01-31T06:00:00Z)" ${format}`);
            rejects("at(2030-01-31T06:00)", `job.scheduleExpression: "at(2030-01-31T06:00)" ${format}`);
            const unreal = 'is not a real date and time; use a calendar date and a time from 00:00:00 to 23:59:59, e.g. "at(2030-01-31T06:00:00)"';
            rejects("at(2030-02-29T06:00:00)", `job.scheduleExpression: "at(2030-02-29T06:00:00)" ${unreal}`);
            rejects("at(2030-04-31T06:00:00)", `job.scheduleExpression: "at(2030-04-31T06:00:00)" ${unreal}`);
            rejects("at(2030-01-31T24:00:00)", `job.scheduleExpression: "at(2030-01-31T24:00:00)" ${unreal}`);
            rejects("at(2030-13-01T06:00:00)", `job.scheduleExpression: "at(2030-13-01T06:00:00)" ${unreal}`);
        });
    });

    describe("validateTimezone", () => {
        it("accepts IANA names", () => {
            for (const tz of ["UTC", "Europe/Paris", "America/New_York", "America/Argentina/Buenos_Aires", "Asia/Kolkata", "Etc/GMT+5"]) {
                assert.equal(validateTimezone(tz, "job.timezone"), tz);
            }
        });

        it("rejects unknown zones, offsets and misspellings", () => {
            for (const tz of ["Mars/Olympus", "+02:00", "UTC+2", "Europe/Pariss", "", "Europe Paris"]) {
                assert.throws(() => validateTimezone(tz, "job.timezone"), {
                    message: `job.timezone: ${JSON.stringify(tz)} is not an IANA time zone name; use a name such as "UTC", "Europe/Paris" or "America/New_York"`,
                });
            }
        });
    });

    describe("flexibleTimeWindow", () => {
        it("is OFF when unset or false, FLEXIBLE with the given minutes otherwise", () => {
            assert.deepEqual(flexibleTimeWindow(undefined, "f"), { mode: "OFF" });
            assert.deepEqual(flexibleTimeWindow(false, "f"), { mode: "OFF" });
            assert.deepEqual(flexibleTimeWindow(1, "f"), { mode: "FLEXIBLE", maximumWindowInMinutes: 1 });
            assert.deepEqual(flexibleTimeWindow(1440, "f"), { mode: "FLEXIBLE", maximumWindowInMinutes: 1440 });
        });

        it("rejects 0, more than a day and fractions", () => {
            for (const m of [0, 1441, 2.5, -1]) {
                assert.throws(() => flexibleTimeWindow(m, "job.flexibleTimeWindowMinutes"), {
                    message: `job.flexibleTimeWindowMinutes: ${m} is out of range; use a whole number from 1 to 1440`,
                });
            }
        });
    });

    describe("batch RunTask request (the universal target's input)", () => {
        const args = {
            clusterArn: CLUSTER_ARN,
            taskDefinitionArn: TASK_DEFINITION_ARN,
            containerName: "processor",
            bucketName: "data-bucket",
            environment: { SUMMARY_PARALLELISM: "2", LOG_LEVEL: "debug" },
            subnetIds: ["subnet-a", "subnet-b"],
            securityGroupIds: ["sg-1"],
            assignPublicIp: true,
            startedBy: "scheduler/nightly",
        };

        it("targets Scheduler's universal target for ecs:RunTask in the partition", () => {
            assert.equal(runTaskTargetArn("aws"), TARGET_ARN);
            assert.equal(runTaskTargetArn("aws-cn"), "arn:aws-cn:scheduler:::aws-sdk:ecs:runTask");
            assert.equal(runTaskTargetArn("aws-us-gov"), "arn:aws-us-gov:scheduler:::aws-sdk:ecs:runTask");
        });

        it("GIVEN no capacity provider strategy THEN one FARGATE task with a public IP, tags, and the batch environment sorted by name", () => {
            assert.equal(
                JSON.stringify(batchRunTaskRequest(args)),
                `{"Cluster":"${CLUSTER_ARN}","TaskDefinition":"${TASK_DEFINITION_ARN}","Count":1,"LaunchType":"FARGATE",` +
                    '"NetworkConfiguration":{"AwsvpcConfiguration":{"Subnets":["subnet-a","subnet-b"],"SecurityGroups":["sg-1"],"AssignPublicIp":"ENABLED"}},' +
                    '"Overrides":{"ContainerOverrides":[{"Name":"processor","Environment":[{"Name":"LOG_LEVEL","Value":"debug"},{"Name":"PROCESSOR_MODE","Value":"batch"},{"Name":"S3_BUCKET","Value":"data-bucket"},{"Name":"SUMMARY_PARALLELISM","Value":"2"}]}]},' +
                    '"PropagateTags":"TASK_DEFINITION","EnableECSManagedTags":true,"StartedBy":"scheduler/nightly"}',
            );
        });

        it("GIVEN a capacity provider strategy, no public IP and a platform version THEN the strategy replaces the launch type", () => {
            const strategy = [
                { capacityProvider: "FARGATE" as const, base: 1, weight: 1 },
                { capacityProvider: "FARGATE_SPOT" as const, base: 0, weight: 3 },
            ];
            const frozen = deepFreeze({ ...args, environment: {}, assignPublicIp: false, capacityProviderStrategy: strategy, platformVersion: "1.4.0" });
            assert.equal(
                JSON.stringify(batchRunTaskRequest(frozen)),
                `{"Cluster":"${CLUSTER_ARN}","TaskDefinition":"${TASK_DEFINITION_ARN}","Count":1,` +
                    '"CapacityProviderStrategy":[{"CapacityProvider":"FARGATE","Weight":1,"Base":1},{"CapacityProvider":"FARGATE_SPOT","Weight":3,"Base":0}],' +
                    '"PlatformVersion":"1.4.0",' +
                    '"NetworkConfiguration":{"AwsvpcConfiguration":{"Subnets":["subnet-a","subnet-b"],"SecurityGroups":["sg-1"],"AssignPublicIp":"DISABLED"}},' +
                    '"Overrides":{"ContainerOverrides":[{"Name":"processor","Environment":[{"Name":"PROCESSOR_MODE","Value":"batch"},{"Name":"S3_BUCKET","Value":"data-bucket"}]}]},' +
                    '"PropagateTags":"TASK_DEFINITION","EnableECSManagedTags":true,"StartedBy":"scheduler/nightly"}',
            );
            assert.equal(batchRunTaskRequest({ ...args, capacityProviderStrategy: [] }).LaunchType, "FARGATE", "an empty strategy means FARGATE");
        });

        it("uses only RunTask members and values of ECS's API model, which the ECS SDK serializes member for member", async function () {
            this.timeout(20000);
            const plain = batchRunTaskRequest(args);
            const spot = batchRunTaskRequest({ ...args, assignPublicIp: false, platformVersion: "1.4.0", capacityProviderStrategy: [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }] });
            for (const request of [plain, spot]) {
                for (const key of keysOf(request)) {
                    assert.match(key.split(".").pop() as string, /^[A-Z]/, `${key} is not PascalCase`);
                }
            }
            const round = await throughEcsSdk([plain, spot]);
            assert.equal(round.length, 2);
            for (const { sent, received } of round) {
                assert.deepEqual(received, sent);
            }
            assert.ok(Object.values<string>(LaunchType).includes(plain.LaunchType as string));
            assert.ok(Object.values<string>(PropagateTags).includes(plain.PropagateTags));
            assert.ok(Object.values<string>(AssignPublicIp).includes(plain.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp));
            assert.ok(Object.values<string>(AssignPublicIp).includes(spot.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp));
        });

        it("control: a member name ECS does not know is dropped by the SDK, so the round trip would catch it", async function () {
            this.timeout(20000);
            const wrong = { ...batchRunTaskRequest(args), NetworkConfiguration: { AwsVpcConfiguration: batchRunTaskRequest(args).NetworkConfiguration.AwsvpcConfiguration } };
            const [{ sent, received }] = await throughEcsSdk([wrong as unknown as RunTaskRequest]);
            assert.notDeepEqual(received, sent);
            assert.deepEqual((received as any).networkConfiguration, {});
        });

        it("reserves the mode, the bucket, the per-file variables and the task definition's own variables", () => {
            assert.deepEqual(
                [...BATCH_RESERVED_ENVIRONMENT].sort(),
                [
                    "AWS_REGION",
                    "PROCESSOR_MODE",
                    "S3_BUCKET",
                    "S3_EVENT_ID",
                    "S3_EVENT_TIME",
                    "S3_KEY",
                    "S3_OBJECT_ETAG",
                    "S3_OBJECT_SIZE",
                    "S3_OUTPUT_PREFIX",
                    "S3_STATUS_PREFIX",
                    "S3_UPLOAD_PREFIX",
                    "SHUTDOWN_GRACE_MS",
                    "TMPDIR",
                ],
            );
            for (const name of ["PROCESSOR_MODE", "S3_BUCKET", "S3_KEY", "S3_UPLOAD_PREFIX"]) {
                assert.throws(() => validateBatchEnvironment({ [name]: "x" }, "job.environment"), {
                    message: `job.environment.${name}: "x" is set by the pipeline; choose another variable name`,
                });
            }
        });

        it("rejects a bad variable name and copies the variables", () => {
            assert.throws(() => validateBatchEnvironment({ "1ST": "x" }, "job.environment"), {
                message: 'job.environment.1ST: "1ST" is not an environment variable name; use letters, digits and underscores, not starting with a digit',
            });
            const env = { LOG_LEVEL: "info" };
            const copy = validateBatchEnvironment(env, "job.environment");
            assert.deepEqual(copy, env);
            assert.notEqual(copy, env);
        });

        it("holds the whole request to 8192 characters, with the longest values for what is not known before deployment", () => {
            const unknown = { containerName: "processor", assignPublicIp: true, startedBy: "scheduler/job" };
            assert.throws(() => validateBatchRunTaskLength({ ...unknown, environment: { BIG: "x".repeat(6482) } }, "job.environment"), {
                name: "ValidationError",
                message:
                    "job.environment: \"<1 variable>\" makes the RunTask request up to 8193 characters long; keep it within 8192 (ECS's limit for overrides, held for the whole request); pass large settings another way",
            });
            // One character less fits exactly, with a 255-character cluster and family, a 63-character bucket, 16 subnets and 5 security groups.
            validateBatchRunTaskLength({ ...unknown, environment: { BIG: "x".repeat(6481) } }, "job.environment");
            const longest = longestBatchRunTaskRequest({ ...unknown, environment: { BIG: "x".repeat(6481) } });
            assert.equal(JSON.stringify(longest).length, 8192);
            assert.equal(longest.Cluster, RUN_TASK_STAND_INS.clusterArn);
            assert.equal(longest.NetworkConfiguration.AwsvpcConfiguration.Subnets.length, 16);
            assert.equal(longest.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups.length, 5);
            assert.ok(longest.Overrides.ContainerOverrides[0].Environment.some((e) => e.Name === "S3_BUCKET" && e.Value.length === 63));
        });

        it("uses the values already known instead of their stand-ins, item by item", () => {
            const known = { ...args, environment: { BIG: "x".repeat(7599) } };
            validateBatchRunTaskLength(known, "job.environment");
            assert.equal(JSON.stringify(longestBatchRunTaskRequest(known)).length, 8192);
            assert.equal(JSON.stringify(longestBatchRunTaskRequest(known)), JSON.stringify(batchRunTaskRequest(known)));
            assert.throws(() => validateBatchRunTaskLength({ ...known, environment: { BIG: "x".repeat(7600) } }, "job.environment"), /up to 8193 characters long/);
            const mixed = longestBatchRunTaskRequest({ ...known, subnetIds: [undefined, "subnet-a"] });
            assert.deepEqual(mixed.NetworkConfiguration.AwsvpcConfiguration.Subnets, [RUN_TASK_STAND_INS.subnetId, "subnet-a"]);
        });

        it("accepts RunTask's startedBy characters and derives a default from the component name", () => {
            assert.equal(validateStartedBy("scheduler/nightly_batch-1", "job.startedBy"), "scheduler/nightly_batch-1");
            assert.equal(validateStartedBy("x".repeat(128), "job.startedBy"), "x".repeat(128));
            for (const bad of ["", "x".repeat(129), "nightly batch", "scheduler:nightly"]) {
                assert.throws(() => validateStartedBy(bad, "job.startedBy"), {
                    message: `job.startedBy: ${JSON.stringify(bad)} is not a valid RunTask startedBy; use 1-128 letters, digits, hyphens, forward slashes and underscores`,
                });
            }
            assert.equal(defaultStartedBy("nightly"), "scheduler/nightly");
            assert.equal(defaultStartedBy("data.nightly job"), "scheduler/data-nightly-job");
            assert.equal(defaultStartedBy("n".repeat(200)).length, 128);
            assert.equal(validateStartedBy(defaultStartedBy("ü ".repeat(100)), "f").startsWith("scheduler/"), true);
        });
    });

    describe("capacity strategy", () => {
        it("copies a valid strategy and rejects more than 6 items, other providers and all-zero weights", () => {
            const strategy = [{ capacityProvider: "FARGATE_SPOT" as const, base: 0, weight: 3 }];
            const copy = validateScheduleCapacityStrategy(strategy, "job.capacityProviderStrategy");
            assert.deepEqual(copy, strategy);
            assert.notEqual(copy[0], strategy[0]);
            const seven = Array.from({ length: 7 }, () => ({ capacityProvider: "FARGATE" as const, base: 0, weight: 1 }));
            assert.throws(() => validateScheduleCapacityStrategy(seven, "job.capacityProviderStrategy"), {
                message: 'job.capacityProviderStrategy: "<7 items>" has more than 6 items; use at most 6 capacity providers',
            });
            assert.throws(() => validateScheduleCapacityStrategy([{ capacityProvider: "EC2" as never, base: 0, weight: 1 }], "job.capacityProviderStrategy"), {
                message: 'job.capacityProviderStrategy[0].capacityProvider: "EC2" is not a Fargate capacity provider; use FARGATE or FARGATE_SPOT',
            });
            assert.throws(() => validateScheduleCapacityStrategy([{ capacityProvider: "FARGATE", base: 1, weight: 0 }], "job.capacityProviderStrategy"), {
                message: 'job.capacityProviderStrategy: [{"capacityProvider":"FARGATE","base":1,"weight":0}] gives every provider weight 0; give at least one provider a weight above 0',
            });
        });
    });

    describe("execution role documents", () => {
        it("trusts EventBridge Scheduler of this account for schedules of one schedule group", () => {
            const groupArn = scheduleGroupArn({ partition: "aws", region: REGION, account: ACCOUNT, groupName: "batch" });
            assert.equal(groupArn, `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/batch`);
            assert.deepEqual(schedulerTrustPolicy({ account: ACCOUNT, scheduleGroupArn: groupArn }), {
                Version: "2012-10-17",
                Statement: [
                    {
                        Effect: "Allow",
                        Principal: { Service: "scheduler.amazonaws.com" },
                        Action: "sts:AssumeRole",
                        Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnLike: { "aws:SourceArn": groupArn } },
                    },
                ],
            });
        });

        it("runs the family on the cluster, passes the two task roles, tags its tasks and sends dead letters to its queue only", () => {
            const queueArn = `arn:aws:sqs:${REGION}:${ACCOUNT}:nightly-dlq`;
            assert.deepEqual(
                schedulerRolePolicy({
                    taskDefinitionArn: TASK_DEFINITION_ARN,
                    clusterArn: CLUSTER_ARN,
                    executionRoleArn: EXECUTION_ROLE_ARN,
                    taskRoleArn: TASK_ROLE_ARN,
                    deadLetterQueueArn: queueArn,
                }),
                {
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "RunTask",
                            Effect: "Allow",
                            Action: "ecs:RunTask",
                            Resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/proc-family:*`,
                            Condition: { ArnEquals: { "ecs:cluster": CLUSTER_ARN } },
                        },
                        {
                            Sid: "PassTaskRoles",
                            Effect: "Allow",
                            Action: "iam:PassRole",
                            Resource: [EXECUTION_ROLE_ARN, TASK_ROLE_ARN],
                            Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                        },
                        {
                            Sid: "TagStartedTasks",
                            Effect: "Allow",
                            Action: "ecs:TagResource",
                            Resource: `arn:aws:ecs:${REGION}:${ACCOUNT}:task/proc/*`,
                            Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
                        },
                        { Sid: "SendDeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn },
                    ],
                },
            );
        });
    });
});

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

/** A cluster, a processor task and a nightly ScheduledTask built from them, as a stack would. */
async function deployWithProcessor(recorder: Recorder, transform?: ScheduledTaskArgs["transform"]) {
    const cluster = new ProcessingCluster("proc", { capacity: { fargateWeight: 1, fargateSpotWeight: 3 } });
    const task = new ProcessorTask("processor", {
        bucket: { bucketName: "data-bucket", bucketArn: "arn:aws:s3:::data-bucket", prefixes: { upload: "uploads/", output: "processed/", status: "status/" } },
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/processor:1.0.0`,
    });
    const job = new ScheduledTask("nightly", {
        cluster,
        task,
        network: { subnetIds: ["subnet-a"], securityGroupIds: ["sg-1"] },
        bucketName: "data-bucket",
        scheduleExpression: "cron(0 6 * * ? *)",
        capacityProviderStrategy: cluster.capacityProviderStrategy,
        alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`,
        transform,
    });
    await settle();
    return { cluster, task, job, records: recorder.all() };
}

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

// ---------------------------------------------------------------------------------------------
// IAM simulation of the execution role as registered.

type Context = Record<string, string | string[]>;
const ALLOW_ALL = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

async function simulate(simulation: Simulation, what: string): Promise<string> {
    const result = await runSimulation(simulation, { simulationMode: "Strict" });
    if (result.resultType === "error") {
        assert.fail(`simulator rejected ${what}: ${JSON.stringify(result.errors)}`);
    }
    if (result.resultType === "single") {
        assert.deepEqual(result.result.ignoredContextKeys ?? [], [], `simulator ignored context keys for ${what}`);
    }
    return result.overallResult;
}

describe("the schedule's execution role, proven with the IAM policy simulator", function () {
    this.timeout(60000);

    let roleArn: string;
    let trust: any;
    let policy: any;
    let family: string;
    let taskDefinitionArn: string;
    let clusterArn: string;
    let executionRoleArn: string;
    let taskRoleArn: string;
    let queueArn: string;
    let request: RunTaskRequest;

    before(async () => {
        const recorder = await useMocks({ stack: "unit" });
        const { records } = await deployWithProcessor(recorder);
        const one = (type: string, name: string): Recorded => {
            const found = records.filter((r) => r.type === type && r.name === name);
            assert.equal(found.length, 1, `${type} ${name}`);
            return found[0];
        };
        const role = one("aws:iam/role:Role", "nightly-role");
        roleArn = role.state.arn;
        trust = parseDoc(role.inputs.assumeRolePolicy);
        policy = parseDoc(one("aws:iam/rolePolicy:RolePolicy", "nightly-role-policy").inputs.policy);
        const taskDef = one("aws:ecs/taskDefinition:TaskDefinition", "processor-task");
        family = taskDef.inputs.family;
        taskDefinitionArn = taskDef.state.arn;
        clusterArn = one("aws:ecs/cluster:Cluster", "proc-cluster").state.arn;
        executionRoleArn = one("aws:iam/role:Role", "processor-execution-role").state.arn;
        taskRoleArn = one("aws:iam/role:Role", "processor-task-role").state.arn;
        queueArn = one("aws:sqs/queue:Queue", "nightly-dlq").state.arn;
        request = JSON.parse(one("aws:scheduler/schedule:Schedule", "nightly-schedule").inputs.target.input);
    });

    const revision = (n: number) => taskDefinitionArn.replace(/:\d+$/, `:${n}`);
    const otherCluster = () => `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/other-cluster`;
    const taskIn = (cluster: string) => `${cluster.replace(":cluster/", ":task/")}/0123456789abcdef0123456789abcdef`;
    const TO_ECS_TASKS = { "iam:PassedToService": "ecs-tasks.amazonaws.com" };

    async function asRole(action: string, resource: string, context: Context = {}): Promise<string> {
        return simulate(
            {
                request: { principal: sessionOf(roleArn), action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
                identityPolicies: [{ name: "inline", policy }],
                serviceControlPolicies: [],
                resourceControlPolicies: [],
            },
            `${action} on ${resource} with ${JSON.stringify(context)}`,
        );
    }

    async function allowed(action: string, resource: string, context: Context = {}): Promise<void> {
        assert.equal(await asRole(action, resource, context), "Allowed", `${action} on ${resource} ${JSON.stringify(context)}`);
    }

    /** Denied for the role, while an allow-all principal is allowed the same request (so the request itself is sound). */
    async function denied(action: string, resource: string, context: Context = {}): Promise<void> {
        assert.equal(await asRole(action, resource, context), "ImplicitlyDenied", `${action} on ${resource} ${JSON.stringify(context)}`);
        const control = await simulate(
            {
                request: { principal: sessionOf(`arn:aws:iam::${ACCOUNT}:role/simulated-admin`), action, resource: { resource, accountId: ACCOUNT }, contextVariables: context },
                identityPolicies: [{ name: "inline", policy: ALLOW_ALL }],
                serviceControlPolicies: [],
                resourceControlPolicies: [],
            },
            `control ${action} on ${resource}`,
        );
        assert.equal(control, "Allowed", `control: an allow-all principal should be allowed ${action} on ${resource}; the denial proves nothing`);
    }

    /** Scheduler (or another service) assuming the role, judged by the role's trust policy. */
    async function assume(service: string, context: Context): Promise<string> {
        return simulate(
            {
                request: { principal: service, action: "sts:AssumeRole", resource: { resource: roleArn, accountId: ACCOUNT }, contextVariables: context },
                identityPolicies: [],
                serviceControlPolicies: [],
                resourceControlPolicies: [],
                resourcePolicy: trust,
            },
            `${service} sts:AssumeRole with ${JSON.stringify(context)}`,
        );
    }

    const DEFAULT_GROUP = `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/default`;

    it("can run the task family (this and later revisions) on its cluster", async () => {
        assert.equal(revision(1), taskDefinitionArn);
        await allowed("ecs:RunTask", revision(1), { "ecs:cluster": clusterArn });
        await allowed("ecs:RunTask", revision(12), { "ecs:cluster": clusterArn });
    });

    it("can make the very RunTask call the schedule's input describes: its task definition on its cluster, passing the task's roles, tagging the task", async () => {
        assert.equal(request.TaskDefinition, taskDefinitionArn);
        assert.equal(request.Cluster, clusterArn);
        await allowed("ecs:RunTask", request.TaskDefinition, { "ecs:cluster": request.Cluster });
        await allowed("iam:PassRole", executionRoleArn, TO_ECS_TASKS);
        await allowed("iam:PassRole", taskRoleArn, TO_ECS_TASKS);
        assert.equal(request.PropagateTags, "TASK_DEFINITION");
        await allowed("ecs:TagResource", taskIn(request.Cluster), { "ecs:CreateAction": "RunTask" });
    });

    it("cannot run the task in another cluster, or without naming a cluster", async () => {
        await denied("ecs:RunTask", revision(1), { "ecs:cluster": otherCluster() });
        await denied("ecs:RunTask", revision(1), { "ecs:cluster": `${clusterArn}-2` });
        await denied("ecs:RunTask", revision(1));
    });

    it("cannot run another family, even on its cluster", async () => {
        await denied("ecs:RunTask", `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/some-other-family:1`, { "ecs:cluster": clusterArn });
        await denied("ecs:RunTask", `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/${family}-admin:1`, { "ecs:cluster": clusterArn });
    });

    it("can pass exactly the execution and task roles, and only to ECS tasks", async () => {
        await allowed("iam:PassRole", executionRoleArn, TO_ECS_TASKS);
        await allowed("iam:PassRole", taskRoleArn, TO_ECS_TASKS);
        await denied("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/AdministratorRole`, TO_ECS_TASKS);
        await denied("iam:PassRole", roleArn, TO_ECS_TASKS);
        await denied("iam:PassRole", `${taskRoleArn}-2`, TO_ECS_TASKS);
        await denied("iam:PassRole", taskRoleArn, { "iam:PassedToService": "lambda.amazonaws.com" });
        await denied("iam:PassRole", executionRoleArn);
    });

    it("can tag the tasks it starts in its cluster, and nothing else", async () => {
        await allowed("ecs:TagResource", taskIn(clusterArn), { "ecs:CreateAction": "RunTask" });
        await denied("ecs:TagResource", taskIn(clusterArn));
        await denied("ecs:TagResource", taskIn(otherCluster()), { "ecs:CreateAction": "RunTask" });
    });

    it("can send dead letters to its own queue only, and not read or purge it", async () => {
        await allowed("sqs:SendMessage", queueArn);
        await denied("sqs:SendMessage", `arn:aws:sqs:${REGION}:${ACCOUNT}:some-other-queue`);
        await denied("sqs:SendMessage", `${queueArn}-2`);
        await denied("sqs:ReceiveMessage", queueArn);
        await denied("sqs:PurgeQueue", queueArn);
    });

    it("cannot stop tasks, register task definitions or read the bucket", async () => {
        await denied("ecs:StopTask", taskIn(clusterArn), { "ecs:cluster": clusterArn });
        await denied("ecs:RegisterTaskDefinition", "*");
        await denied("s3:GetObject", "arn:aws:s3:::data-bucket/uploads/x.csv");
    });

    it("can be assumed by EventBridge Scheduler of this account for schedules of its group", async () => {
        assert.equal(await assume("scheduler.amazonaws.com", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": DEFAULT_GROUP }), "Allowed");
    });

    it("cannot be assumed for another account, another schedule group, without the source keys, or by another service", async () => {
        assert.equal(await assume("scheduler.amazonaws.com", { "aws:SourceAccount": "210987654321", "aws:SourceArn": DEFAULT_GROUP }), "ImplicitlyDenied");
        assert.equal(
            await assume("scheduler.amazonaws.com", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/other` }),
            "ImplicitlyDenied",
        );
        assert.equal(await assume("scheduler.amazonaws.com", {}), "ImplicitlyDenied");
        assert.equal(await assume("events.amazonaws.com", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": DEFAULT_GROUP }), "ImplicitlyDenied");
        assert.equal(await assume("ecs-tasks.amazonaws.com", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": DEFAULT_GROUP }), "ImplicitlyDenied");
    });
});
