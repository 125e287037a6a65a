/**
 * The log-retention pack's rules, run through the offline engine over hand-built resources (each
 * rule has fixtures it must flag and fixtures it must pass), then over both real stacks.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { EnforcementLevel, Policy, PolicyPackConfig } from "@pulumi/policy";
import { evaluatePacks, ResourceRecord } from "../policy/offline/engine";
import { eksControlPlaneLogGroupManaged, logGroupEncrypted, logGroupRetention, lambdaLogGroupManaged, ecsAwslogsManagedGroup, logRetentionPolicies } from "../policy/log-retention/rules";
import { LOG_RETENTION_DAYS } from "@s3-fargate-pipeline/policy-lib";
import { LOG_RETENTION_DAYS as COMPONENT_RETENTION_DAYS } from "../components/builders/retention";
import { PROJECT, ROOT, settle, stackConfig, useMocks } from "./mocks";
import { resourceRecord, unknownStringValue } from "./support/policy";

// How the Policy SDK represents a preview-time unknown: deserialize.js passes the engine's
// unknown sentinel (the string `unknownValue` of @pulumi/pulumi/runtime/rpc) through unchanged,
// and proxy.js throws UnknownValueError when a rule reads a property holding it (unknownStringValue).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { unknownValue } = require("@pulumi/pulumi/runtime/rpc") as { unknownValue: string };

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const LAMBDA = "aws:lambda/function:Function";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const PACK = "log-retention";
const ALL_DAYS = LOG_RETENTION_DAYS.join(", ");

/** A log group; its state carries the group name (as the provider returns it). */
function logGroup(name: string, props: Record<string, unknown> = {}): ResourceRecord {
    const r = resourceRecord(LOG_GROUP, name, props);
    return { ...r, state: { name, ...props } };
}

function lambda(name: string, state: Record<string, unknown>): ResourceRecord {
    return resourceRecord(LAMBDA, name, state);
}

function taskDefinition(name: string, containers: unknown[] | string): ResourceRecord {
    const containerDefinitions = typeof containers === "string" ? containers : JSON.stringify(containers);
    return resourceRecord(TASK_DEFINITION, name, { family: name, containerDefinitions });
}

function awslogsContainer(name: string, options: Record<string, string>): Record<string, unknown> {
    return { name, image: "nginx", logConfiguration: { logDriver: "awslogs", options: { "awslogs-region": "eu-west-1", "awslogs-stream-prefix": name, ...options } } };
}

type Finding = [EnforcementLevel, string];

/** Runs the given rules with a pack config; returns `[level, message]` per finding. */
async function findings(policies: Policy[], records: ResourceRecord[], config?: PolicyPackConfig): Promise<Finding[]> {
    const found = await evaluatePacks([{ name: PACK, policies, config }], records);
    return found.map((f) => [f.enforcementLevel, f.message]);
}

/** Runs one rule (with optional rule config) and returns its messages. */
async function messages(policy: Policy, records: ResourceRecord[], config?: Record<string, unknown>): Promise<string[]> {
    const found = await findings([policy], records, config === undefined ? undefined : { [policy.name]: config });
    return found.map(([, message]) => message);
}

describe("log-retention pack", () => {
    describe("log-group-retention", () => {
        const retention = (days: unknown, config?: Record<string, unknown>) =>
            messages(logGroupRetention, [logGroup("logs", days === undefined ? {} : { retentionInDays: days })], config);

        it("flags a log group without retentionInDays: its logs never expire", async () => {
            assert.deepEqual(await retention(undefined), ["has no retentionInDays, so its logs never expire."]);
        });

        it("flags retentionInDays 0, which Pulumi treats as never expire", async () => {
            assert.deepEqual(await retention(0), ["has no retentionInDays, so its logs never expire."]);
        });

        it("flags retentionInDays 10, which CloudWatch does not accept", async () => {
            assert.deepEqual(await retention(10), [`retentionInDays 10 is not a value CloudWatch accepts (${ALL_DAYS}).`]);
        });

        it("flags 14 days: below the default minimum of 30", async () => {
            assert.deepEqual(await retention(14), ["retentionInDays 14 is outside the allowed range 30–731."]);
        });

        it("flags 1096 days: above the default maximum of 731", async () => {
            assert.deepEqual(await retention(1096), ["retentionInDays 1096 is outside the allowed range 30–731."]);
        });

        for (const days of [30, 365, 731]) {
            it(`passes ${days} days under the defaults`, async () => {
                assert.deepEqual(await retention(days), []);
            });
        }

        it("applies the defaults itself when the rule config is empty", async () => {
            assert.deepEqual(await retention(14, {}), ["retentionInDays 14 is outside the allowed range 30–731."]);
            assert.deepEqual(await retention(undefined, {}), ["has no retentionInDays, so its logs never expire."]);
        });

        it("passes 14 days with minDays 7, keeping the default maximum", async () => {
            assert.deepEqual(await retention(14, { minDays: 7 }), []);
            assert.deepEqual(await retention(1096, { minDays: 7 }), ["retentionInDays 1096 is outside the allowed range 7–731."]);
        });

        it("passes 1096 days with maxDays 3653, keeping the default minimum", async () => {
            assert.deepEqual(await retention(1096, { maxDays: 3653 }), []);
            assert.deepEqual(await retention(14, { maxDays: 3653 }), ["retentionInDays 14 is outside the allowed range 30–3653."]);
        });

        it("passes an unset retention (and 0) with allowNeverExpire, but still checks set values", async () => {
            assert.deepEqual(await retention(undefined, { allowNeverExpire: true }), []);
            assert.deepEqual(await retention(0, { allowNeverExpire: true }), []);
            assert.deepEqual(await retention(14, { allowNeverExpire: true }), ["retentionInDays 14 is outside the allowed range 30–731."]);
        });

        it("is not applicable while retentionInDays is unknown (preview)", async () => {
            assert.equal(unknownStringValue, unknownValue, "the policy SDK's unknown sentinel is the engine's");
            assert.deepEqual(await retention(unknownStringValue), []);
            // The same record with a known bad value is flagged, so the empty result above is the skip.
            assert.deepEqual(await retention(10), [`retentionInDays 10 is not a value CloudWatch accepts (${ALL_DAYS}).`]);
        });

        it("ignores resources that are not log groups", async () => {
            assert.deepEqual(await messages(logGroupRetention, [resourceRecord("aws:sqs/queue:Queue", "q", {})]), []);
        });
    });

    describe("log-group-kms-encryption (advisory)", () => {
        it("flags a log group without kmsKeyId at the advisory level", async () => {
            assert.deepEqual(await findings([logGroupEncrypted], [logGroup("logs", { retentionInDays: 30 })]), [
                ["advisory", "is not encrypted with a customer managed KMS key."],
            ]);
        });

        it("passes a log group with kmsKeyId", async () => {
            const kmsKeyId = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
            assert.deepEqual(await findings([logGroupEncrypted], [logGroup("logs", { retentionInDays: 30, kmsKeyId })]), []);
        });
    });

    describe("lambda-log-group-managed (stack rule)", () => {
        it("flags a function whose default group /aws/lambda/<name> is not in the stack", async () => {
            assert.deepEqual(await messages(lambdaLogGroupManaged, [lambda("fn", { name: "fn-1" })]), [
                "function fn logs to /aws/lambda/fn-1, which is not a log group in this stack.",
            ]);
        });

        it("passes a function whose /aws/lambda/<name> group is in the stack", async () => {
            assert.deepEqual(await messages(lambdaLogGroupManaged, [lambda("fn", { name: "fn-1" }), logGroup("/aws/lambda/fn-1")]), []);
        });

        it("reads the function name from its state, not its resource name", async () => {
            assert.deepEqual(await messages(lambdaLogGroupManaged, [lambda("fn", { name: "fn-1" }), logGroup("/aws/lambda/fn")]), [
                "function fn logs to /aws/lambda/fn-1, which is not a log group in this stack.",
            ]);
        });

        it("passes a function whose loggingConfig.logGroup is a group in the stack", async () => {
            const fn = lambda("fn", { name: "fn-1", loggingConfig: { logFormat: "JSON", logGroup: "/custom/group" } });
            assert.deepEqual(await messages(lambdaLogGroupManaged, [fn, logGroup("/custom/group")]), []);
        });

        it("flags a function whose loggingConfig.logGroup is not in the stack, even if /aws/lambda/<name> is", async () => {
            const fn = lambda("fn", { name: "fn-1", loggingConfig: { logFormat: "JSON", logGroup: "/custom/group" } });
            assert.deepEqual(await messages(lambdaLogGroupManaged, [fn, logGroup("/aws/lambda/fn-1")]), [
                "function fn logs to /custom/group, which is not a log group in this stack.",
            ]);
        });

        it("reports against the function's URN", async () => {
            const found = await evaluatePacks([{ name: PACK, policies: [lambdaLogGroupManaged] }], [lambda("fn", { name: "fn-1" })]);
            assert.deepEqual(
                found.map((f) => [f.urn, f.resourceType, f.enforcementLevel]),
                [[`urn:pulumi:test::${PROJECT}::${LAMBDA}::fn`, LAMBDA, "mandatory"]],
            );
        });
    });

    describe("ecs-awslogs-managed-group (stack rule)", () => {
        it("passes an awslogs container whose awslogs-group is a group in the stack", async () => {
            const td = taskDefinition("proc", [awslogsContainer("app", { "awslogs-group": "/ecs/proc" })]);
            assert.deepEqual(await messages(ecsAwslogsManagedGroup, [td, logGroup("/ecs/proc")]), []);
        });

        it("flags an awslogs container whose awslogs-group is not in the stack", async () => {
            const td = taskDefinition("proc", [awslogsContainer("app", { "awslogs-group": "/ecs/elsewhere" })]);
            assert.deepEqual(await messages(ecsAwslogsManagedGroup, [td, logGroup("/ecs/proc")]), [
                "container app of proc logs to /ecs/elsewhere, which is not a log group in this stack.",
            ]);
        });

        it("flags an awslogs container without awslogs-group", async () => {
            const td = taskDefinition("proc", [awslogsContainer("app", {})]);
            assert.deepEqual(await messages(ecsAwslogsManagedGroup, [td, logGroup("/ecs/proc")]), [
                "container app of proc logs to no group, which is not a log group in this stack.",
            ]);
        });

        it("flags awslogs-create-group \"true\" even when the group is in the stack", async () => {
            const td = taskDefinition("proc", [awslogsContainer("app", { "awslogs-group": "/ecs/proc", "awslogs-create-group": "true" })]);
            assert.deepEqual(await messages(ecsAwslogsManagedGroup, [td, logGroup("/ecs/proc")]), ["container app of proc sets awslogs-create-group."]);
        });

        it("ignores a container that uses another log driver", async () => {
            const other = { name: "sidecar", image: "fluent-bit", logConfiguration: { logDriver: "awsfirelens", options: { Name: "cloudwatch" } } };
            const none = { name: "plain", image: "busybox" };
            const td = taskDefinition("proc", [other, none, awslogsContainer("app", { "awslogs-group": "/ecs/proc" })]);
            assert.deepEqual(await messages(ecsAwslogsManagedGroup, [td, logGroup("/ecs/proc")]), []);
        });

        it("flags only the offending container of several", async () => {
            const td = taskDefinition("proc", [awslogsContainer("app", { "awslogs-group": "/ecs/proc" }), awslogsContainer("worker", { "awslogs-group": "/ecs/other" })]);
            assert.deepEqual(await messages(ecsAwslogsManagedGroup, [td, logGroup("/ecs/proc")]), [
                "container worker of proc logs to /ecs/other, which is not a log group in this stack.",
            ]);
        });

        it("flags container definitions that are not valid JSON", async () => {
            const td = taskDefinition("proc", "[{ not json");
            assert.deepEqual(await messages(ecsAwslogsManagedGroup, [td, logGroup("/ecs/proc")]), [
                "task definition proc has container definitions that are not valid JSON.",
            ]);
        });

        it("flags container definitions that are JSON but not an array of containers, without crashing", async () => {
            for (const text of ["{}", "null", "[null]"]) {
                assert.deepEqual(await messages(ecsAwslogsManagedGroup, [taskDefinition("proc", text)]), [
                    "task definition proc has container definitions that are not a JSON array of containers.",
                ], text);
            }
        });
    });

    describe("eks-control-plane-log-group-managed (stack rule)", () => {
        const cluster = (type: string, name: string, props: Record<string, unknown>) => resourceRecord(type, name, props);
        const AWS_EKS = "aws:eks/cluster:Cluster";
        const PULUMI_EKS = "eks:index:Cluster";

        it("flags a cluster that logs its control plane without the /aws/eks/<name>/cluster log group, for @pulumi/aws and @pulumi/eks clusters", async () => {
            const records = [
                cluster(AWS_EKS, "platform", { name: "platform", enabledClusterLogTypes: ["api", "audit"] }),
                cluster(PULUMI_EKS, "jobs", { name: "jobs", enabledClusterLogTypes: ["api"] }),
                logGroup("/aws/eks/other/cluster", { retentionInDays: 30 }),
            ];
            assert.deepEqual(await messages(eksControlPlaneLogGroupManaged, records), [
                "cluster platform sends control-plane logs to /aws/eks/platform/cluster, which is not a log group in this stack.",
                "cluster jobs sends control-plane logs to /aws/eks/jobs/cluster, which is not a log group in this stack.",
            ]);
        });

        it("flags a logging cluster with no name: its log group cannot exist before it", async () => {
            assert.deepEqual(await messages(eksControlPlaneLogGroupManaged, [cluster(PULUMI_EKS, "nameless", { enabledClusterLogTypes: ["audit"] })]), [
                "cluster nameless sends control-plane logs but sets no name, so its log group /aws/eks/<name>/cluster cannot be created before it.",
            ]);
        });

        it("passes a logging cluster with its log group in the stack, and clusters that do not log their control plane", async () => {
            const records = [
                cluster(AWS_EKS, "platform", { name: "platform", enabledClusterLogTypes: ["api"] }),
                logGroup("/aws/eks/platform/cluster", { retentionInDays: 30 }),
                cluster(AWS_EKS, "quiet", { name: "quiet", enabledClusterLogTypes: [] }),
                cluster(PULUMI_EKS, "silent", {}),
            ];
            assert.deepEqual(await messages(eksControlPlaneLogGroupManaged, records), []);
        });

        it("skips a cluster whose name is unknown at preview", async () => {
            assert.deepEqual(await messages(eksControlPlaneLogGroupManaged, [cluster(AWS_EKS, "pending", { name: unknownStringValue, enabledClusterLogTypes: ["api"] })]), []);
        });
    });

    describe("retention values", () => {
        it("are the same list in the policy library and in the components' builders", () => {
            assert.deepEqual([...LOG_RETENTION_DAYS], [...COMPONENT_RETENTION_DAYS]);
        });
    });

    describe("stack rules at preview, with some values still unknown", () => {
        it("skip only the resources whose values are unknown and still check the rest", async () => {
            const records = [
                lambda("fn-pending", { name: unknownStringValue }),
                lambda("fn-known", { name: "fn-known" }),
                taskDefinition("td-pending", unknownStringValue),
                taskDefinition("td-known", [awslogsContainer("app", { "awslogs-group": "/ecs/elsewhere" })]),
                logGroup(unknownStringValue),
            ];
            assert.deepEqual(await messages(lambdaLogGroupManaged, records), ["function fn-known logs to /aws/lambda/fn-known, which is not a log group in this stack."]);
            assert.deepEqual(await messages(ecsAwslogsManagedGroup, records), [
                "container app of td-known logs to /ecs/elsewhere, which is not a log group in this stack.",
            ]);
        });
    });

    describe("enforcement levels and config from the pack config", () => {
        const bad = () => [logGroup("logs", { retentionInDays: 14 }), lambda("fn", { name: "fn-1" })];

        it("reports every rule at its own level without config", async () => {
            assert.deepEqual(await findings(logRetentionPolicies, bad()), [
                ["mandatory", "retentionInDays 14 is outside the allowed range 30–731."],
                ["advisory", "is not encrypted with a customer managed KMS key."],
                ["mandatory", "function fn logs to /aws/lambda/fn-1, which is not a log group in this stack."],
            ]);
        });

        it("removes a rule's findings when it is disabled", async () => {
            assert.deepEqual(await findings(logRetentionPolicies, bad(), { "log-group-retention": "disabled", "log-group-kms-encryption": { enforcementLevel: "disabled" } }), [
                ["mandatory", "function fn logs to /aws/lambda/fn-1, which is not a log group in this stack."],
            ]);
        });

        it("changes the level and the rule config together", async () => {
            const config = { "log-group-retention": { enforcementLevel: "advisory" as EnforcementLevel, minDays: 7 } };
            const records = [logGroup("short", { retentionInDays: 14 }), logGroup("long", { retentionInDays: 1096 })];
            assert.deepEqual(await findings([logGroupRetention], records, config), [["advisory", "retentionInDays 1096 is outside the allowed range 7–731."]]);
        });
    });
});

for (const stack of ["dev", "prod"]) {
    describe(`the log-retention pack over the ${stack} stack`, () => {
        it(`finds nothing mandatory in what index.ts registers with Pulumi.${stack}.yaml`, async () => {
            const recorder = await useMocks({ stack, config: stackConfig(stack) });
            const index = path.join(ROOT, "index.ts");
            delete require.cache[require.resolve(index)];
            require(index);
            await settle();
            const records = recorder.all();
            // The rules must have something to look at: a log group and a task definition using awslogs.
            const usesAwslogs = (r: ResourceRecord) =>
                r.type === TASK_DEFINITION && JSON.parse(r.state.containerDefinitions as string).some((c: any) => c.logConfiguration?.logDriver === "awslogs");
            assert.ok(records.some((r) => r.type === LOG_GROUP), "a log group");
            assert.ok(records.some(usesAwslogs), "a task definition with an awslogs container");
            assert.ok(records.every((r) => r.urn !== ""), "every record has its URN");
            const found = await evaluatePacks([{ name: PACK, policies: logRetentionPolicies }], records);
            assert.deepEqual(
                found.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`),
                [],
            );
        });
    });
}
