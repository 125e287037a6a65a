/**
 * The cross-language components (components/cross-language), which the Pulumi package hosts for
 * Python, Go, .NET, Java and YAML programs: composed as index.ts composes the TypeScript components,
 * they create the same resources; overrides are merged into the child's arguments; contradictory
 * arguments fail naming both; and the provider constructs them from inputs as the engine passes them
 * (outputs of other components as Outputs), returning every output its schema lists.
 */
import { strict as assert } from "assert";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import type { ComponentProvider, ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";
import { pulumiRuntime, readStackConfig } from "../components";
import * as xl from "../components/cross-language";
import { runProgram } from "../policy/offline/program";
import { Recorder, settle, stackConfig, useMocks, valueOf } from "./mocks";
import { COMPONENTS_PACKAGE } from "./support/component-package";
import { PACKAGE, PackageSchema, analysedProvider, servedSchema } from "./support/provider";


/** The dev stack built from the cross-language components, with the values index.ts takes from the stack's config. */
function crossLanguageDev(): void {
    const c = readStackConfig(new pulumi.Config(), pulumiRuntime());
    const bucket = new xl.UploadBucket("uploads", {
        prefixes: c.prefixes,
        versioning: c.bucketVersioning,
        expireUploadsAfterDays: c.expireUploadsAfterDays === false ? undefined : c.expireUploadsAfterDays,
        forceDestroy: c.forceDestroy,
        eventBridge: true,
    });
    const network = new xl.ProcessingNetwork("network", { assignPublicIp: c.assignPublicIp, vpcCidr: c.vpcCidr });
    const cluster = new xl.ProcessingCluster("processing", { capacity: c.capacity });
    const family = `${PACKAGE}-dev-processor`;
    const task = new xl.ProcessorTask("processor", {
        bucketName: bucket.bucketName,
        bucketArn: bucket.bucketArn,
        prefixes: c.prefixes,
        cpu: c.taskCpu,
        memory: c.taskMemory,
        cpuArchitecture: c.cpuArchitecture as xl.CpuArchitecture,
        stopTimeoutSeconds: c.stopTimeoutSeconds,
        logRetentionDays: c.logRetentionDays,
        forceDeleteRepository: c.forceDestroy,
        family,
    });
    const trigger = new xl.UploadTrigger("on-upload", {
        bucketName: bucket.bucketName,
        prefixes: c.prefixes,
        keySuffixes: c.keySuffixes,
        clusterArn: cluster.clusterArn,
        taskDefinitionArn: task.taskDefinitionArn,
        executionRoleArn: task.executionRoleArn,
        taskRoleArn: task.taskRoleArn,
        subnetIds: network.subnetIds,
        securityGroupIds: network.securityGroupIds,
        assignPublicIp: c.assignPublicIp,
        capacity: c.capacity,
        maxEventAgeSeconds: c.maxEventAgeSeconds,
        maxRetryAttempts: c.maxRetryAttempts,
    });
    new xl.Observability("monitoring", {
        clusterName: cluster.clusterName,
        clusterArn: cluster.clusterArn,
        family,
        logGroupName: task.logGroupName,
        logGroupArn: task.logGroupArn,
        triggerRuleName: trigger.ruleName,
        triggerDeadLetterQueueName: trigger.deadLetterQueueName,
        notifySpotInterruptions: c.notifySpotInterruptions,
        alarms: { cpuPercent: c.cpuAlarmPercent, memoryPercent: c.memoryAlarmPercent, evaluationPeriods: c.alarmEvaluationPeriods },
        logRetentionDays: c.logRetentionDays,
    });
}

/** Resources of our library (not the cross-language wrappers) by type and name, with their inputs. */
function childResources(recorder: Recorder): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of recorder.all().filter((r) => !r.type.startsWith(`${PACKAGE}:index:`))) {
        out[`${r.type} ${r.name}`] = r.inputs;
    }
    return out;
}

describe("cross-language components", function () {
    this.timeout(120000);

    it("composed as index.ts composes the TypeScript components, create the same resources with the same inputs (dev)", async () => {
        const config = stackConfig("dev");
        const ours = childResources((await runProgram({ stack: "dev", config })).recorder);
        const recorder = await useMocks({ stack: "dev", config });
        crossLanguageDev();
        await settle();
        const wrappers = recorder.all().filter((r) => r.type.startsWith(`${PACKAGE}:index:`)).map((r) => r.type.split(":")[2]).sort();
        assert.deepEqual(wrappers, ["Observability", "ProcessingCluster", "ProcessingNetwork", "ProcessorTask", "UploadBucket", "UploadTrigger"]);
        assert.deepEqual(childResources(recorder), ours);
        // Each TypeScript component is the child of its cross-language one, under the same name.
        assert.equal(recorder.one(`${PACKAGE}:storage:UploadBucket`).urn, `urn:pulumi:dev::${PACKAGE}::${PACKAGE}:index:UploadBucket$${PACKAGE}:storage:UploadBucket::uploads`);
    });

    it("merges an override into the child's arguments, keeping the component's other arguments, without changing the caller's object", async () => {
        const recorder = await useMocks();
        const transform = { bucket: { tags: { team: "data" } }, lifecycle: { expectedBucketOwner: "123456789012" } };
        const args: xl.UploadBucketArgs = { forceDestroy: true, transform };
        const before = JSON.stringify(args);
        new xl.UploadBucket("data", args);
        await settle();
        const bucket = recorder.one("aws:s3/bucket:Bucket").inputs;
        assert.deepEqual([bucket.tags, bucket.forceDestroy], [{ team: "data" }, true]);
        const lifecycle = recorder.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs;
        assert.equal(lifecycle.expectedBucketOwner, "123456789012");
        assert.ok(lifecycle.rules.length > 0, "the component's own rules are kept");
        assert.equal(JSON.stringify(args), before);
    });

    it("passes the job command to the container (ProcessorTask) and to the pod's args (KubernetesJobs)", async () => {
        const recorder = await useMocks();
        const command = ["python3", "/app/job/main.py", "--since", "$HOME"];
        new xl.ProcessorTask("task", { bucketName: "b", bucketArn: "arn:aws:s3:::b", image: "repo:1", command });
        new xl.KubernetesJobs("k", { bucketName: "b", bucketArn: "arn:aws:s3:::b", image: "repo:1", job: {}, kubeconfig: "{}", eksClusterName: "c", command });
        await settle();
        const containers = JSON.parse(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions) as { command?: string[] }[];
        assert.deepEqual(containers[0].command, command);
        const pod = recorder.one("kubernetes:batch/v1:Job").inputs.spec.template.spec;
        assert.deepEqual(pod.containers[0].args, ["python3", "/app/job/main.py", "--since", "$$HOME"]);
    });

    it("passes sharding to the task: its variables, and RunTask on its own family in the given cluster", async () => {
        const recorder = await useMocks();
        new xl.ProcessorTask("task", {
            bucketName: "b",
            bucketArn: "arn:aws:s3:::b",
            image: "repo:1",
            family: "pipeline-dev-task",
            sharding: { aboveBytes: 2 ** 30, maxShards: 8, clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/c", subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] },
        });
        await settle();
        const containers = JSON.parse(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions) as { environment: { name: string; value: string }[] }[];
        const env = Object.fromEntries(containers[0].environment.map((e) => [e.name, e.value]));
        assert.deepEqual([env.SHARD_ABOVE_BYTES, env.SHARD_MAX], [String(2 ** 30), "8"]);
        const policies = recorder.all().filter((r) => r.type === "aws:iam/rolePolicy:RolePolicy").map((r) => String(r.inputs.policy));
        assert.ok(policies.some((p) => p.includes("ecs:RunTask") && p.includes("cluster/c")), policies.join("\n"));
    });

    it("passes roles and log groups of the caller's (existing...Arn / existing...Name) through, and creates none of them", async () => {
        const recorder = await useMocks();
        const role = (n: string) => `arn:aws:iam::123456789012:role/${n}`;
        const task = new xl.ProcessorTask("task", {
            bucketName: "b",
            bucketArn: "arn:aws:s3:::b",
            image: "repo:1",
            existingExecutionRoleArn: role("exec"),
            existingTaskRoleArn: role("task"),
            existingLogGroupName: "/shared/task",
        });
        const target = { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"], clusterArn: "arn:c", taskDefinitionArn: task.taskDefinitionArn, executionRoleArn: task.executionRoleArn, taskRoleArn: task.taskRoleArn };
        new xl.UploadTrigger("rule", { ...target, bucketName: "b", existingRoleArn: role("rule") });
        new xl.LambdaTrigger("fn", { ...target, bucketName: "b", bucketArn: "arn:aws:s3:::b", existingRoleArn: role("fn"), existingLogGroupName: "/shared/fn" });
        new xl.ScheduledTask("nightly", { ...target, bucketName: "b", scheduleExpression: "rate(1 day)", existingRoleArn: role("scheduler") });
        new xl.KubernetesJobs("k", { bucketName: "b", bucketArn: "arn:aws:s3:::b", image: "repo:1", job: {}, kubeconfig: "{}", eksClusterName: "c", existingRoleArn: role("pods") });
        new xl.Observability("m", {
            clusterName: "c", clusterArn: "arn:c", family: "f", logGroupName: "l", logGroupArn: "arn:l",
            slackWebhookUrl: "https://hooks.slack.com/services/T/B/x", existingNotifierRoleArn: role("notifier"), existingNotifierLogGroupName: "/shared/notifier",
        });
        await settle();
        assert.deepEqual(["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:cloudwatch/logGroup:LogGroup"].map((t) => recorder.ofType(t).length), [0, 0, 0]);
        assert.deepEqual([await valueOf(task.taskRoleArn), await valueOf(task.logGroupName)], [role("task"), "/shared/task"]);
        assert.equal(recorder.one("aws:cloudwatch/eventTarget:EventTarget", "rule-target").inputs.roleArn, role("rule"));
        assert.equal(recorder.one("aws:scheduler/schedule:Schedule").inputs.target.roleArn, role("scheduler"));
        assert.equal(recorder.one("aws:eks/podIdentityAssociation:PodIdentityAssociation").inputs.roleArn, role("pods"));
        assert.deepEqual(
            recorder.ofType("aws:lambda/function:Function").map((f) => [f.inputs.role, f.inputs.loggingConfig.logGroup]).sort(),
            [[role("fn"), "/shared/fn"], [role("notifier"), "/shared/notifier"]],
        );
    });

    const network = { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] };
    const rejected: [string, () => unknown, string][] = [
        [
            "an upload rule without its dead-letter queue",
            () => new xl.Observability("m", { clusterName: "c", clusterArn: "arn:c", family: "f", logGroupName: "l", logGroupArn: "arn:l", triggerRuleName: "r" }),
            'm.triggerRuleName: "<set>" needs m.triggerDeadLetterQueueName; give both triggerRuleName and triggerDeadLetterQueueName, or neither',
        ],
        [
            "alarm thresholds with createAlarms false",
            () => new xl.Observability("m", { clusterName: "c", clusterArn: "arn:c", family: "f", logGroupName: "l", logGroupArn: "arn:l", createAlarms: false, alarms: { cpuPercent: 70 } }),
            'm.alarms: {"cpuPercent":70} cannot be combined with m.createAlarms: false; leave the thresholds unset, or create the alarms',
        ],
        [
            "a Slack channel label without a webhook",
            () => new xl.Observability("m", { clusterName: "c", clusterArn: "arn:c", family: "f", logGroupName: "l", logGroupArn: "arn:l", slackChannelLabel: "#alerts" }),
            'm.slackChannelLabel: "#alerts" needs m.slackWebhookUrl; give the webhook URL, or leave the label unset',
        ],
        [
            "a notifier role without a webhook",
            () => new xl.Observability("m", { clusterName: "c", clusterArn: "arn:c", family: "f", logGroupName: "l", logGroupArn: "arn:l", existingNotifierRoleArn: "arn:aws:iam::123456789012:role/n" }),
            'm.existingNotifierRoleArn: "<set>" needs m.slackWebhookUrl; it is the Slack notifier\'s; give the webhook URL, or leave it unset',
        ],
        [
            "feed suffixes without feeding the uploads",
            () => new xl.QueueWorkerService("q", { ...network, clusterArn: "arn:c", clusterName: "c", bucketName: "b", bucketArn: "arn:aws:s3:::b", image: "repo:1", feedKeySuffixes: [".csv"] }),
            'q.feedKeySuffixes: [".csv"] needs q.feedUploads: true; feed the uploads, or leave the suffixes unset',
        ],
        [
            "Kubernetes jobs with neither a kubeconfig nor a cluster to create",
            () => new xl.KubernetesJobs("k", { bucketName: "b", bucketArn: "arn:aws:s3:::b", image: "repo:1", job: {} }),
            "k.kubeconfig: undefined is not set and neither is k.createCluster; give the kubeconfig of an existing cluster, or createCluster to build one",
        ],
        [
            "Kubernetes jobs with both",
            () => new xl.KubernetesJobs("k", { bucketName: "b", bucketArn: "arn:aws:s3:::b", image: "repo:1", job: {}, kubeconfig: "{}", createCluster: { vpcId: "vpc-1", privateSubnetIds: ["subnet-1"] } }),
            'k.createCluster: "<set>" cannot be combined with k.kubeconfig; create a cluster, or give the kubeconfig of an existing one',
        ],
        [
            "an existing cluster with half of IRSA",
            () => new xl.KubernetesJobs("k", { bucketName: "b", bucketArn: "arn:aws:s3:::b", image: "repo:1", job: {}, kubeconfig: "{}", oidcProviderArn: "arn:aws:iam::123456789012:oidc-provider/x" }),
            "k.oidcProviderUrl: undefined is not set; an existing cluster needs oidcProviderArn and oidcProviderUrl (IRSA) or eksClusterName (EKS Pod Identity)",
        ],
        [
            "a prefix inside another, named as the cross-language argument",
            () => new xl.UploadTrigger("t", { ...network, clusterArn: "arn:c", taskDefinitionArn: "arn:t", executionRoleArn: "arn:e", taskRoleArn: "arn:r", bucketName: "b", prefixes: { upload: "data/", output: "data/out/" } }),
            't.prefixes.output: "data/out/" overlaps t.prefixes.upload "data/"; use prefixes where none starts with another (writes under an upload prefix would trigger the processor again)',
        ],
    ];
    for (const [what, construct, message] of rejected) {
        it(`rejects ${what}, naming the arguments`, async () => {
            await useMocks();
            assert.throws(construct, { message });
        });
    }

    describe("constructed by the provider, as the engine asks it to", () => {
        let provider: ComponentProvider;
        let served: PackageSchema;
        before(async () => {
            const { pluginDir: plugin, schema } = await servedSchema();
            served = schema;
            // The classes of the installed package, as the plugin loads them.
            const installed = require(path.join(plugin, "node_modules", COMPONENTS_PACKAGE, "cross-language")) as Record<string, unknown>;
            const components = Object.values(installed).filter((v): v is ComponentResourceConstructor => typeof v === "function" && v.prototype instanceof pulumi.ComponentResource);
            provider = await analysedProvider(plugin, components);
        });
        it("returns every output the schema lists, and takes other components' outputs as inputs", async () => {
            const recorder = await useMocks({ stack: "dev" });
            const schema = JSON.parse(await provider.getSchema()) as PackageSchema;
            assert.deepEqual(schema, served, "the schema the plugin process serves");
            const construct = async (type: string, name: string, inputs: pulumi.Inputs) => {
                const result = await provider.construct(name, `${PACKAGE}:index:${type}`, inputs, {});
                const required = schema.resources[`${PACKAGE}:index:${type}`].required;
                assert.deepEqual(Object.keys(result.state).filter((k) => result.state[k] !== undefined).sort(), [...required].sort(), type);
                return result.state as Record<string, pulumi.Output<string>>;
            };
            const bucket = await construct("UploadBucket", "uploads", { forceDestroy: true });
            const task = await construct("ProcessorTask", "processor", { bucketName: bucket.bucketName, bucketArn: bucket.bucketArn, image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/p:1" });
            await settle();
            assert.equal(await valueOf(bucket.uploadPrefix), "uploads/");
            const policy = JSON.parse(recorder.one("aws:iam/rolePolicy:RolePolicy", "processor-task-policy").inputs.policy) as { Statement: { Resource: string | string[] }[] };
            const bucketArn = await valueOf(bucket.bucketArn);
            assert.ok(JSON.stringify(policy.Statement.map((s) => s.Resource)).includes(bucketArn), "the task role is scoped to the constructed bucket");
            assert.match(await valueOf(task.taskDefinitionArn), /:task-definition\/s3-fargate-pipeline-dev-processor:1$/);
            assert.equal(recorder.one(`${PACKAGE}:index:ProcessorTask`).name, "processor");
        });
    });
});
