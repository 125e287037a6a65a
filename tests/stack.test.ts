import { strict as assert } from "assert";
import * as path from "path";
import { LOG_RETENTION_DAYS, matchesEventPattern } from "../components";
import { readConfig } from "../app/src/processor/config";
import { evaluatePacks } from "../policy/offline/engine";
import { runProgram as run } from "../policy/offline/program";
import { PACKS } from "../policy/packs";
import { PROJECT, ROOT, Recorder, stackConfig, useMocks, valueOf } from "./mocks";
import { inputDoc } from "./support/assertions";

const INDEX = path.join(ROOT, "index.ts");

type Program = Record<string, any>;

/** Runs index.ts under mocks with the given config, as `pulumi preview` would for that stack. */
async function runProgram(stack: string, config: Record<string, string>): Promise<{ recorder: Recorder; program: Program }> {
    const { recorder, outputs } = await run({ stack, config });
    return { recorder, program: outputs as Program };
}

for (const stack of ["dev", "prod"]) {
    describe(`the ${stack} stack (index.ts with Pulumi.${stack}.yaml)`, () => {
        let recorder: Recorder;
        let program: Program;
        before(async () => {
            ({ recorder, program } = await runProgram(stack, stackConfig(stack)));
        });

        it("creates the pipeline's resources, once each", () => {
            const count = (t: string) => recorder.ofType(t).length;
            assert.deepEqual(
                {
                    bucket: count("aws:s3/bucket:Bucket"),
                    notification: count("aws:s3/bucketNotification:BucketNotification"),
                    rule: count("aws:cloudwatch/eventRule:EventRule"),
                    target: count("aws:cloudwatch/eventTarget:EventTarget"),
                    queue: count("aws:sqs/queue:Queue"),
                    cluster: count("aws:ecs/cluster:Cluster"),
                    taskDefinition: count("aws:ecs/taskDefinition:TaskDefinition"),
                    logGroup: count("aws:cloudwatch/logGroup:LogGroup"),
                    roles: count("aws:iam/role:Role"),
                    rolePolicies: count("aws:iam/rolePolicy:RolePolicy"),
                    vpc: count("aws:ec2/vpc:Vpc"),
                    natGateway: count("aws:ec2/natGateway:NatGateway"),
                    topic: count("aws:sns/topic:Topic"),
                    alarms: count("aws:cloudwatch/metricAlarm:MetricAlarm"),
                    dashboard: count("aws:cloudwatch/dashboard:Dashboard"),
                    queries: count("aws:cloudwatch/queryDefinition:QueryDefinition"),
                    lambda: count("aws:lambda/function:Function"),
                    schedule: count("aws:scheduler/schedule:Schedule"),
                },
                {
                    bucket: 1, notification: 1, rule: 2, target: 2, cluster: 1, taskDefinition: 1, logGroup: 1, vpc: 1, natGateway: 0, topic: 1,
                    dashboard: 1, queries: 2, lambda: 0,
                    // Queues: the upload rule's and the failure rule's dead letters; alarms: CPU, memory, and failed
                    // invocations and dead letters of each rule.
                    // prod adds the nightly catch-up run: a schedule with its role, dead-letter queue and alarm.
                    ...(stack === "prod"
                        ? { schedule: 1, queue: 3, roles: 4, rolePolicies: 4, alarms: 7 }
                        : { schedule: 0, queue: 2, roles: 3, rolePolicies: 3, alarms: 6 }),
                },
            );
        });

        it("wires the rule to the bucket, the target to the cluster and task, and the task to its roles and logs", async () => {
            const bucketName = await valueOf(program.bucketName as any);
            const pattern = inputDoc(recorder.one("aws:cloudwatch/eventRule:EventRule", "on-upload-rule"), "eventPattern");
            const event = (key: string) => ({ source: "aws.s3", "detail-type": "Object Created", detail: { bucket: { name: bucketName }, object: { key } } });
            assert.ok(matchesEventPattern(pattern, event("uploads/day.csv")));
            assert.ok(!matchesEventPattern(pattern, event("processed/day.csv.summary.json")));
            assert.ok(!matchesEventPattern(pattern, event("status/day.csv.json")));

            const cluster = recorder.one("aws:ecs/cluster:Cluster");
            const taskDef = recorder.one("aws:ecs/taskDefinition:TaskDefinition");
            const target = recorder.one("aws:cloudwatch/eventTarget:EventTarget", "on-upload-target").inputs;
            assert.equal(target.arn, cluster.state.arn);
            assert.equal(target.ecsTarget.taskDefinitionArn, taskDef.state.arn);
            assert.equal(target.deadLetterConfig.arn, recorder.one("aws:sqs/queue:Queue", "on-upload-dlq").state.arn);
            assert.equal(target.rule, recorder.one("aws:cloudwatch/eventRule:EventRule", "on-upload-rule").state.name);

            const roleArn = (name: string) => recorder.one("aws:iam/role:Role", name).state.arn;
            assert.equal(taskDef.inputs.executionRoleArn, roleArn("processor-execution-role"));
            assert.equal(taskDef.inputs.taskRoleArn, roleArn("processor-task-role"));
            assert.equal(target.roleArn, roleArn("on-upload-role"));
            const pass = inputDoc(recorder.one("aws:iam/rolePolicy:RolePolicy", "on-upload-role-policy"), "policy").Statement.find((s: any) => s.Action === "iam:PassRole");
            assert.deepEqual(pass.Resource, [roleArn("processor-execution-role"), roleArn("processor-task-role")]);

            const container = JSON.parse(taskDef.inputs.containerDefinitions)[0];
            assert.equal(container.logConfiguration.options["awslogs-group"], recorder.one("aws:cloudwatch/logGroup:LogGroup").state.name);
            assert.deepEqual(target.ecsTarget.networkConfiguration.subnets.length, 2);
        });

        it("gives the container an environment the processor accepts, with a shutdown grace inside stopTimeout", () => {
            const [container] = JSON.parse(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions);
            const env: Record<string, string> = Object.fromEntries(container.environment.map((e: { name: string; value: string }) => [e.name, e.value]));
            const config = readConfig({ ...env, S3_BUCKET: "b", S3_KEY: "uploads/x.csv" });
            assert.deepEqual([config.uploadPrefix, config.outputPrefix, config.statusPrefix], ["uploads/", "processed/", "status/"]);
            assert.ok(config.shutdownGraceMs > 0 && config.shutdownGraceMs < container.stopTimeout * 1000);
        });

        it("leaves no log group without a valid retention", () => {
            for (const group of recorder.ofType("aws:cloudwatch/logGroup:LogGroup")) {
                assert.ok((LOG_RETENTION_DAYS as readonly number[]).includes(group.inputs.retentionInDays), `${group.name}: ${group.inputs.retentionInDays}`);
            }
        });

        it("gives every role a scoped inline policy and no managed policy", () => {
            const policies = recorder.ofType("aws:iam/rolePolicy:RolePolicy");
            for (const role of recorder.ofType("aws:iam/role:Role")) {
                assert.equal(role.inputs.managedPolicyArns, undefined);
                const own = policies.filter((p) => p.inputs.role === role.state.id);
                assert.equal(own.length, 1, `${role.name} has ${own.length} policies`);
                for (const s of inputDoc(own[0], "policy").Statement) {
                    const resources = ([] as string[]).concat(s.Resource);
                    const actions = ([] as string[]).concat(s.Action);
                    assert.ok(!actions.some((a) => a === "*" || a.endsWith(":*")), `${role.name}: ${actions}`);
                    if (resources.includes("*")) {
                        assert.deepEqual(actions, ["ecr:GetAuthorizationToken"], `${role.name} has * on ${actions}`);
                    }
                }
            }
            assert.equal(recorder.ofType("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
        });

        it("parents every resource under one of the project's components", () => {
            for (const r of recorder.all().filter((r) => !r.type.startsWith(`${PROJECT}:`))) {
                assert.match(r.urn.split("::")[2], new RegExp(`^${PROJECT}:[a-z]+:[A-Za-z]+\\$`), r.urn);
            }
        });

        it("exports what a user needs, including a ready upload command", async () => {
            const bucketName = await valueOf(program.bucketName as any);
            assert.deepEqual(
                [program.uploadPrefix, program.outputPrefix, program.statusPrefix],
                ["uploads/", "processed/", "status/"],
            );
            assert.equal(await valueOf(program.uploadCommand), `aws s3 cp ./sample.csv "s3://${bucketName}/uploads/sample.csv"`);
            assert.match(await valueOf(program.ruleArn), /^arn:aws:events:eu-west-1:\d{12}:rule\//);
            assert.match(await valueOf(program.taskDefinitionArn), /:task-definition\/s3-fargate-pipeline-[a-z]+-processor:1$/);
            assert.equal(await valueOf(program.logGroupName), `/ecs/s3-fargate-pipeline-${stack}-processor`);
            assert.match(await valueOf(program.deadLetterQueueUrl), /^https:\/\/sqs\.eu-west-1\.amazonaws\.com\//);
            assert.ok(await valueOf(program.clusterName));
        });
    });
}

describe("dev and prod differ where they should", () => {
    it("prod has bigger tasks, longer retention, no Spot (dev: all Spot), and a versioned bucket", async () => {
        const summary = async (stack: string) => {
            const { recorder } = await runProgram(stack, stackConfig(stack));
            const td = recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs;
            const strategy = recorder.one("aws:cloudwatch/eventTarget:EventTarget", "on-upload-target").inputs.ecsTarget.capacityProviderStrategies;
            const weight = (p: string) => strategy.find((s: any) => s.capacityProvider === p)?.weight ?? 0;
            return {
                cpu: Number(td.cpu),
                retention: recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays,
                // Each upload is one task: only all-or-nothing splits have a documented placement.
                uploadsOn: strategy.map((s: any) => `${s.capacityProvider}:${s.base}:${s.weight}`).join(","),
                spot: weight("FARGATE_SPOT") > 0,
                versioned: recorder.ofType("aws:s3/bucketVersioning:BucketVersioning").length === 1,
                forceDestroy: recorder.one("aws:s3/bucket:Bucket").inputs.forceDestroy,
            };
        };
        const dev = await summary("dev");
        const prod = await summary("prod");
        assert.deepEqual(dev, { cpu: 512, retention: 30, uploadsOn: "FARGATE_SPOT:0:1", spot: true, versioned: false, forceDestroy: true });
        assert.deepEqual(prod, { cpu: 2048, retention: 365, uploadsOn: "FARGATE:0:1", spot: false, versioned: true, forceDestroy: false });
    });
});

describe("the dev stack with Slack configured", () => {
    it("adds the notifier with a managed log group and passes both policy packs", async () => {
        const { recorder } = await run({
            stack: "dev",
            config: { ...stackConfig("dev"), [`${PROJECT}:slackWebhookUrl`]: "https://hooks.slack.com/services/T0/B0/secret-part" },
            secretKeys: [`${PROJECT}:slackWebhookUrl`],
        });
        const fn = recorder.one("aws:lambda/function:Function");
        const groups = recorder.ofType("aws:cloudwatch/logGroup:LogGroup").map((g) => [g.inputs.name, g.inputs.retentionInDays]);
        assert.deepEqual(groups.find(([name]) => name === fn.inputs.loggingConfig.logGroup)?.[1], 30);
        const findings = await evaluatePacks([...PACKS], recorder.all());
        assert.deepEqual(findings.filter((f) => f.enforcementLevel === "mandatory").map((f) => `${f.policy}: ${f.resourceName}: ${f.message}`), []);
        // The webhook lives in the secret only.
        const holders = recorder.all().filter((r) => JSON.stringify(r.inputs).includes("secret-part"));
        assert.deepEqual(holders.map((r) => r.type), ["aws:secretsmanager/secretVersion:SecretVersion"]);
    });
});

describe("stack config", () => {
    it("GIVEN subnets and security groups THEN no VPC or group is created and the target uses them", async () => {
        const { recorder } = await runProgram("custom", {
            ...stackConfig("dev"),
            [`${PROJECT}:subnetIds`]: JSON.stringify(["subnet-1", "subnet-2"]),
            [`${PROJECT}:securityGroupIds`]: JSON.stringify(["sg-1"]),
            [`${PROJECT}:assignPublicIp`]: "false",
        });
        assert.equal(recorder.ofType("aws:ec2/vpc:Vpc").length, 0);
        assert.equal(recorder.ofType("aws:ec2/securityGroup:SecurityGroup").length, 0);
        assert.deepEqual(recorder.one("aws:cloudwatch/eventTarget:EventTarget", "on-upload-target").inputs.ecsTarget.networkConfiguration, {
            subnets: ["subnet-1", "subnet-2"],
            securityGroups: ["sg-1"],
            assignPublicIp: false,
        });
    });

    it("GIVEN only a region THEN defaults: 1 vCPU / 2 GiB, 30 days, on demand, every key under uploads/", async () => {
        const { recorder } = await runProgram("empty", { "aws:region": "eu-west-1" });
        const td = recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs;
        assert.deepEqual([td.cpu, td.memory], ["1024", "2048"]);
        assert.equal(recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 30);
        const ecs = recorder.one("aws:cloudwatch/eventTarget:EventTarget", "on-upload-target").inputs.ecsTarget;
        assert.deepEqual(ecs.capacityProviderStrategies, [{ capacityProvider: "FARGATE", base: 0, weight: 1 }]);
        const pattern = JSON.parse(recorder.one("aws:cloudwatch/eventRule:EventRule", "on-upload-rule").inputs.eventPattern);
        assert.deepEqual(pattern.detail.object.key, [{ prefix: "uploads/" }]);
    });

    const rejected: [string, Record<string, string>, string][] = [
        ["cpu 3000", { taskCpu: "3000" }, `${PROJECT}:taskCpu: 3000 is not a Fargate CPU size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384`],
        [
            "memory 512 with cpu 1024",
            { taskCpu: "1024", taskMemory: "512" },
            `${PROJECT}:taskMemory: 512 is not a valid Fargate memory size with ${PROJECT}:taskCpu 1024; use one of 2048, 3072, 4096, 5120, 6144, 7168, 8192`,
        ],
        ["retention 10", { logRetentionDays: "10" }, `${PROJECT}:logRetentionDays: 10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`],
        ["an empty prefix", { uploadPrefix: "" }, `${PROJECT}:uploadPrefix: "" is empty; give a non-empty key prefix such as "uploads/"`],
        [
            "overlapping upload and output prefixes",
            { uploadPrefix: "data/", outputPrefix: "data/out/" },
            `${PROJECT}:outputPrefix: "data/out/" overlaps ${PROJECT}:uploadPrefix "data/"; use prefixes where none starts with another (writes under an upload prefix would trigger the processor again)`,
        ],
        ["a bad architecture", { cpuArchitecture: "amd64" }, `${PROJECT}:cpuArchitecture: "amd64" is not a Fargate CPU architecture; use one of X86_64, ARM64`],
        ["suffixes that are not a list", { keySuffixes: '".csv"' }, `${PROJECT}:keySuffixes: ".csv" is not a list of non-empty strings; set it as a YAML list, e.g. pulumi config set --path 'keySuffixes[0]' value`],
        ["security groups without subnets", { securityGroupIds: '["sg-1"]' }, `${PROJECT}:securityGroupIds: ["sg-1"] needs ${PROJECT}:subnetIds; set the subnets the security groups belong with, or neither`],
        ["a retry count over 185", { maxRetryAttempts: "500" }, `${PROJECT}:maxRetryAttempts: 500 is out of range; use a whole number from 0 to 185`],
        [
            "an image without a tag",
            { image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor" },
            `${PROJECT}:image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor" has no tag or digest; give one such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor:1.4.2 or …/processor@sha256:<64 hex digits>`,
        ],
        [
            "a Slack channel without its webhook",
            { slackChannelLabel: "#data-alerts" },
            `${PROJECT}:slackChannelLabel: "#data-alerts" is set but ${PROJECT}:slackWebhookUrl is not; set the webhook as a secret: pulumi config set --secret slackWebhookUrl https://hooks.slack.com/services/…`,
        ],
        [
            "a Slack webhook in plaintext",
            { slackWebhookUrl: "https://hooks.slack.com/services/T0/B0/plain" },
            `${PROJECT}:slackWebhookUrl is stored in plaintext in the stack's config; set it again as a secret: pulumi config set --secret slackWebhookUrl https://hooks.slack.com/services/…`,
        ],
        ["Spot and on-demand weights both 0", { fargateWeight: "0", fargateSpotWeight: "0" }, `${PROJECT}:fargateWeight and ${PROJECT}:fargateSpotWeight: [0,0] are both 0; give at least one of them a weight above 0`],
    ];
    for (const [what, values, message] of rejected) {
        it(`fails the preview on ${what}, naming the config key`, async () => {
            const config: Record<string, string> = { "aws:region": "eu-west-1" };
            for (const [k, v] of Object.entries(values)) {
                config[`${PROJECT}:${k}`] = v;
            }
            await useMocks({ stack: "bad", config });
            delete require.cache[require.resolve(INDEX)];
            assert.throws(() => require(INDEX), { message });
        });
    }

    it("fails the preview when no region is set, in config or in the environment", async () => {
        const saved = { AWS_REGION: process.env.AWS_REGION, AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION };
        delete process.env.AWS_REGION;
        delete process.env.AWS_DEFAULT_REGION;
        try {
            const { "aws:region": _region, ...config } = stackConfig("dev");
            await assert.rejects(runProgram("no-region", config), {
                message: "aws:region is not set, so there is no region to deploy to; set it for the stack: pulumi config set aws:region eu-west-1 (or export AWS_REGION)",
            });
            process.env.AWS_REGION = "eu-central-1";
            const { recorder } = await runProgram("region-from-env", config);
            assert.equal(recorder.ofType("aws:s3/bucket:Bucket").length, 1);
        } finally {
            for (const [k, v] of Object.entries(saved)) {
                if (v === undefined) {
                    delete process.env[k];
                } else {
                    process.env[k] = v;
                }
            }
        }
    });

    it("fails the preview when the given subnets and security groups are in different VPCs, naming each", async () => {
        await assert.rejects(
            run({
                stack: "vpcs",
                config: {
                    ...stackConfig("dev"),
                    [`${PROJECT}:subnetIds`]: JSON.stringify(["subnet-1", "subnet-2"]),
                    [`${PROJECT}:securityGroupIds`]: JSON.stringify(["sg-1"]),
                },
                vpcOf: { "subnet-1": "vpc-a", "subnet-2": "vpc-a", "sg-1": "vpc-b" },
            }),
            (e: Error) => {
                assert.match(
                    e.message,
                    /network\.subnetIds and network\.securityGroupIds: not all in one VPC \(subnet subnet-1 is in vpc-a, subnet subnet-2 is in vpc-a, security group sg-1 is in vpc-b\); give subnets and security groups of the same VPC$/,
                );
                return true;
            },
        );
        const { recorder } = await run({
            stack: "vpcs",
            config: { ...stackConfig("dev"), [`${PROJECT}:subnetIds`]: JSON.stringify(["subnet-1", "subnet-2"]), [`${PROJECT}:securityGroupIds`]: JSON.stringify(["sg-1"]) },
            vpcOf: { "subnet-1": "vpc-a", "subnet-2": "vpc-a", "sg-1": "vpc-a" },
        });
        assert.equal(recorder.ofType("aws:cloudwatch/eventTarget:EventTarget").length, 2);
    });
});
