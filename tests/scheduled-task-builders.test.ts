/**
 * ScheduledTask's builders, without mocks: schedule expressions, time zones, the flexible window, the
 * capacity strategy, the execution role's documents, and the batch RunTask request the schedule sends,
 * checked through the ECS SDK's own RunTask serializer against a loopback ECS stand-in.
 */
import { strict as assert } from "assert";
import { AssignPublicIp, ECSClient, LaunchType, PropagateTags, RunTaskCommand, type RunTaskCommandInput } from "@aws-sdk/client-ecs";
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
import { ACCOUNT } from "./mocks";
import { deepFreeze } from "./support/assertions";
import { startEcsServer } from "./support/ecs-server";
import { CLUSTER_ARN, EXAMPLES, EXECUTION_ROLE_ARN, REGION, TARGET_ARN, TASK_DEFINITION_ARN, TASK_ROLE_ARN } from "./support/scheduled-task";

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
