import { strict as assert } from "assert";
import * as aws from "@pulumi/aws";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    ProcessingCluster,
    ProcessingNetwork,
    ProcessorTask,
    UploadBucket,
    UploadTrigger,
    matchesEventPattern,
} from "../components";
import { ACCOUNT, Recorded, Recorder, captureDependencies, parseDoc, settle, useMocks, valueOf } from "./mocks";
import { assertParented } from "./support/assertions";

const PREFIXES = { upload: "uploads/", output: "processed/", status: "status/" };
const BUCKET = { bucketName: "data-bucket", bucketArn: "arn:aws:s3:::data-bucket", prefixes: PREFIXES };

/** Every child's URN names the component as its parent. */
function statements(r: Recorded, field = "policy"): any[] {
    return parseDoc(r.inputs[field]).Statement;
}

describe("UploadBucket", () => {
    let recorder: Recorder;
    beforeEach(async () => {
        recorder = await useMocks();
    });

    it("GIVEN no args THEN private, SSE-S3, TLS-only, EventBridge on, no versioning", async () => {
        const bucket = new UploadBucket("files");
        await settle();
        assert.deepEqual(bucket.prefixes, PREFIXES);
        const pab = recorder.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").inputs;
        assert.deepEqual(
            [pab.blockPublicAcls, pab.blockPublicPolicy, pab.ignorePublicAcls, pab.restrictPublicBuckets],
            [true, true, true, true],
        );
        assert.equal(recorder.one("aws:s3/bucketOwnershipControls:BucketOwnershipControls").inputs.rule.objectOwnership, "BucketOwnerEnforced");
        assert.deepEqual(recorder.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules, [
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } },
        ]);
        const [deny] = statements(recorder.one("aws:s3/bucketPolicy:BucketPolicy"));
        assert.equal(deny.Effect, "Deny");
        assert.deepEqual(deny.Condition, { Bool: { "aws:SecureTransport": "false" } });
        const name = await valueOf(bucket.bucketName);
        assert.deepEqual(deny.Resource, [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`]);
        assert.equal(recorder.one("aws:s3/bucketNotification:BucketNotification").inputs.eventbridge, true);
        assert.equal(recorder.ofType("aws:s3/bucketVersioning:BucketVersioning").length, 0);
        assert.equal(recorder.one("aws:s3/bucket:Bucket").inputs.forceDestroy, false);
        assert.deepEqual(
            recorder.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules.map((r: any) => r.id),
            ["abort-incomplete-multipart-uploads"],
        );
        assertParented(recorder, "s3-fargate-pipeline:storage:UploadBucket");
    });

    it("GIVEN eventBridge false THEN no notification configuration, so another owner can set it", async () => {
        new UploadBucket("files", { eventBridge: false });
        await settle();
        assert.equal(recorder.ofType("aws:s3/bucketNotification:BucketNotification").length, 0);
        assert.equal(recorder.ofType("aws:s3/bucket:Bucket").length, 1);
    });

    it("GIVEN a KMS key THEN SSE-KMS with a bucket key", async () => {
        new UploadBucket("files", { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k" });
        await settle();
        assert.deepEqual(recorder.one("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").inputs.rules, [
            { applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: "arn:aws:kms:eu-west-1:123456789012:key/k" }, bucketKeyEnabled: true },
        ]);
    });

    it("GIVEN versioning and upload expiry THEN versioning on and lifecycle rules for both", async () => {
        const deps = captureDependencies();
        new UploadBucket("files", { versioning: true, expireUploadsAfterDays: 14, prefixes: { upload: "in/" } });
        await settle();
        const versioning = recorder.one("aws:s3/bucketVersioning:BucketVersioning");
        assert.equal(versioning.inputs.versioningConfiguration.status, "Enabled");
        const lifecycle = recorder.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration");
        const rules = lifecycle.inputs.rules;
        const expire = rules.find((r: any) => r.id === "expire-uploads");
        assert.deepEqual([expire.filter.prefix, expire.expiration.days], ["in/", 14]);
        assert.equal(rules.find((r: any) => r.id === "expire-noncurrent-versions").noncurrentVersionExpiration.noncurrentDays, 30);
        assert.ok((deps.get(lifecycle.name) ?? []).includes(versioning.urn), "the lifecycle rules wait for versioning");
    });

    // S3: in a versioned bucket an expiration only adds a delete marker; a marker with no versions left behind it
    // stays until an Expiration with ExpiredObjectDeleteMarker removes it, and that flag cannot share an
    // Expiration with Days or Date (lifecycle-configuration-examples.html, "Removing expired object delete markers").
    it("GIVEN versioning THEN a rule of its own removes expired object delete markers, bucket-wide", async () => {
        new UploadBucket("files", { versioning: true, expireUploadsAfterDays: 14 });
        await settle();
        const rules: any[] = recorder.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules;
        const markers = rules.filter((r) => r.expiration?.expiredObjectDeleteMarker === true);
        assert.equal(markers.length, 1);
        assert.deepEqual(markers[0], { id: "remove-expired-delete-markers", status: "Enabled", filter: {}, expiration: { expiredObjectDeleteMarker: true } });
        for (const rule of rules.filter((r) => r.expiration?.expiredObjectDeleteMarker)) {
            assert.equal(rule.expiration.days ?? rule.expiration.date, undefined, "never with Days or Date");
        }
        assert.ok(rules.some((r) => r.noncurrentVersionExpiration?.noncurrentDays > 0), "noncurrent versions expire, so markers do become expired");
    });

    it("GIVEN no versioning THEN no delete-marker rule (an unversioned bucket has no delete markers)", async () => {
        new UploadBucket("files", { expireUploadsAfterDays: 14 });
        await settle();
        const rules: any[] = recorder.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration").inputs.rules;
        assert.deepEqual(rules.map((r) => r.id), ["abort-incomplete-multipart-uploads", "expire-uploads"]);
    });

    it("GIVEN two instances THEN no child names collide", async () => {
        new UploadBucket("a");
        new UploadBucket("b");
        await settle();
        const names = recorder.all().map((r) => `${r.type}/${r.name}`);
        assert.equal(new Set(names).size, names.length);
    });

    it("GIVEN a transform THEN the child gets the changed args and the caller's args are untouched", async () => {
        const args = { transform: { bucket: (a: any) => ({ ...a, tags: { team: "data" } }) } };
        new UploadBucket("files", args);
        await settle();
        assert.deepEqual(recorder.one("aws:s3/bucket:Bucket").inputs.tags, { team: "data" });
        assert.deepEqual(Object.keys(args), ["transform"]);
    });

    it("rejects overlapping prefixes naming the component's field", () => {
        assert.throws(() => new UploadBucket("files", { prefixes: { output: "uploads/out/" } }), {
            message:
                'files.prefixes.output: "uploads/out/" overlaps files.prefixes.upload "uploads/"; use prefixes where none starts with another (writes under an upload prefix would trigger the processor again)',
        });
    });

    it("rejects an empty prefix, a bad expiry and noncurrent expiry without versioning", () => {
        assert.throws(() => new UploadBucket("f", { prefixes: { status: "" } }), /f.prefixes.status: "" is empty/);
        assert.throws(() => new UploadBucket("f", { expireUploadsAfterDays: 0 }), { message: "f.expireUploadsAfterDays: 0 is out of range; use a whole number from 1 to 3650" });
        assert.throws(() => new UploadBucket("f", { expireNoncurrentVersionsAfterDays: 5 }), {
            message: "f.expireNoncurrentVersionsAfterDays: 5 needs f.versioning: true; turn versioning on or leave it unset",
        });
    });
});

describe("ProcessingCluster", () => {
    let recorder: Recorder;
    beforeEach(async () => {
        recorder = await useMocks();
    });

    it("has Container Insights on and both Fargate providers with the given default strategy", async () => {
        const cluster = new ProcessingCluster("proc", { capacity: { fargateBase: 1, fargateWeight: 30, fargateSpotWeight: 70 } });
        await settle();
        assert.deepEqual(recorder.one("aws:ecs/cluster:Cluster").inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
        const providers = recorder.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").inputs;
        assert.deepEqual(providers.capacityProviders, ["FARGATE", "FARGATE_SPOT"]);
        assert.deepEqual(providers.defaultCapacityProviderStrategies, [
            { capacityProvider: "FARGATE", base: 1, weight: 30 },
            { capacityProvider: "FARGATE_SPOT", base: 0, weight: 70 },
        ]);
        assert.equal(providers.clusterName, await valueOf(cluster.clusterName));
        assertParented(recorder, "s3-fargate-pipeline:compute:ProcessingCluster");
    });

    it("accepts enhanced insights and rejects an unknown mode and a bad split", () => {
        assert.doesNotThrow(() => new ProcessingCluster("a", { containerInsights: "enhanced" }));
        assert.throws(() => new ProcessingCluster("b", { containerInsights: "disabled" as never }), {
            message: 'b.containerInsights: "disabled" is not a Container Insights mode; use one of enabled, enhanced',
        });
        assert.throws(() => new ProcessingCluster("c", { capacity: { fargateWeight: 0 } }), /c.capacity.fargateWeight and c.capacity.fargateSpotWeight: \[0,0\] are both 0/);
    });
});

describe("ProcessorTask", () => {
    let recorder: Recorder;
    beforeEach(async () => {
        recorder = await useMocks({ stack: "unit" });
    });

    function role(name: string): Recorded {
        return recorder.one("aws:iam/role:Role", name);
    }

    it("GIVEN defaults THEN a 1 vCPU / 2 GiB X86_64 Fargate task built from ./app", async () => {
        const task = new ProcessorTask("processor", { bucket: BUCKET });
        await settle();
        const td = recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs;
        assert.deepEqual(
            [td.family, td.cpu, td.memory, td.networkMode, td.requiresCompatibilities, td.runtimePlatform],
            ["s3-fargate-pipeline-unit-processor", "1024", "2048", "awsvpc", ["FARGATE"], { operatingSystemFamily: "LINUX", cpuArchitecture: "X86_64" }],
        );
        assert.equal(td.ephemeralStorage, undefined);
        assert.deepEqual(td.volumes, [{ name: "scratch" }]);
        const [container] = JSON.parse(td.containerDefinitions);
        assert.equal(container.readonlyRootFilesystem, true);
        assert.equal(container.stopTimeout, 60);
        assert.equal(container.image, await valueOf(task.imageUri));
        assert.equal(container.logConfiguration.options["awslogs-group"], "/ecs/s3-fargate-pipeline-unit-processor");

        const image = recorder.one("docker-build:index:Image").inputs;
        assert.deepEqual([image.context, image.platforms], [{ location: "./app" }, ["linux/amd64"]]);
        const repo = recorder.one("aws:ecr/repository:Repository").inputs;
        assert.deepEqual([repo.imageTagMutability, repo.imageScanningConfiguration.scanOnPush], ["IMMUTABLE", true]);
        assert.ok(recorder.one("aws:ecr/lifecyclePolicy:LifecyclePolicy"));
        assertParented(recorder, "s3-fargate-pipeline:compute:ProcessorTask");
    });

    it("has a log group with 30-day retention that the container logs to", async () => {
        new ProcessorTask("processor", { bucket: BUCKET });
        await settle();
        const group = recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs;
        assert.deepEqual([group.name, group.retentionInDays], ["/ecs/s3-fargate-pipeline-unit-processor", 30]);
    });

    it("uses distinct execution and task roles, each with the trust the ECS docs give it", async () => {
        new ProcessorTask("processor", { bucket: BUCKET });
        await settle();
        const td = recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs;
        assert.notEqual(td.executionRoleArn, td.taskRoleArn);
        const trustOf = (name: string) => parseDoc(role(name).inputs.assumeRolePolicy).Statement;
        // task_execution_IAM_role.html: no conditions.
        assert.deepEqual(trustOf("processor-execution-role"), [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }]);
        // task-iam-roles.html: ECS resources of this account and region.
        assert.deepEqual(trustOf("processor-task-role"), [
            {
                Effect: "Allow",
                Principal: { Service: "ecs-tasks.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: { ArnLike: { "aws:SourceArn": `arn:aws:ecs:eu-west-1:${ACCOUNT}:*` }, StringEquals: { "aws:SourceAccount": ACCOUNT } },
            },
        ]);
    });

    it("scopes the execution role to its repository and log group, the task role to its prefixes", async () => {
        new ProcessorTask("processor", { bucket: BUCKET });
        await settle();
        const exec = statements(recorder.one("aws:iam/rolePolicy:RolePolicy", "processor-execution-policy"));
        assert.deepEqual(exec.map((s) => s.Resource), [
            "*",
            `arn:aws:ecr:eu-west-1:${ACCOUNT}:repository/processor-repository-p1`,
            `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/ecs/s3-fargate-pipeline-unit-processor:*`,
        ]);
        const task = statements(recorder.one("aws:iam/rolePolicy:RolePolicy", "processor-task-policy"));
        assert.deepEqual(task.map((s) => [s.Action, s.Resource]), [
            ["s3:GetObject", ["arn:aws:s3:::data-bucket/uploads/*", "arn:aws:s3:::data-bucket/status/*"]],
            ["s3:ListBucket", "arn:aws:s3:::data-bucket"],
            [["s3:PutObject", "s3:AbortMultipartUpload"], ["arn:aws:s3:::data-bucket/processed/*", "arn:aws:s3:::data-bucket/status/*"]],
        ]);
    });

    it("GIVEN a KMS-encrypted bucket THEN the task role may use that key through S3", async () => {
        new ProcessorTask("processor", { bucket: { ...BUCKET, kmsKeyArn: "arn:aws:kms:eu-west-1:1:key/k" } });
        await settle();
        const kms = statements(recorder.one("aws:iam/rolePolicy:RolePolicy", "processor-task-policy"))[3];
        assert.deepEqual([kms.Resource, kms.Condition.StringEquals["kms:ViaService"]], ["arn:aws:kms:eu-west-1:1:key/k", "s3.eu-west-1.amazonaws.com"]);
    });

    it("GIVEN an ECR image URI THEN no repository or build, and pulls only from that repository", async () => {
        new ProcessorTask("processor", { bucket: BUCKET, image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/proc:1.2" });
        await settle();
        assert.equal(recorder.ofType("aws:ecr/repository:Repository").length, 0);
        assert.equal(recorder.ofType("docker-build:index:Image").length, 0);
        const exec = statements(recorder.one("aws:iam/rolePolicy:RolePolicy", "processor-execution-policy"));
        assert.equal(exec[1].Resource, "arn:aws:ecr:eu-west-1:123456789012:repository/team/proc");
        assert.equal(JSON.parse(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.containerDefinitions)[0].image, "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/proc:1.2");
    });

    it("GIVEN an image outside ECR THEN the execution role has no ECR permissions", async () => {
        new ProcessorTask("processor", { bucket: BUCKET, image: "ghcr.io/org/proc:1" });
        await settle();
        const exec = statements(recorder.one("aws:iam/rolePolicy:RolePolicy", "processor-execution-policy"));
        assert.deepEqual(exec.map((s) => s.Sid), ["WriteLogs"]);
    });

    it("GIVEN transforms THEN every child can be changed: a partial object, or a function with each child's name and options", async () => {
        const seen: string[] = [];
        const tag = (key: string) => (a: { tags?: unknown }, opts: { protect?: boolean }, n: string) => {
            seen.push(n);
            a.tags = { child: key };
            opts.protect = true;
        };
        const args = {
            bucket: BUCKET,
            transform: {
                taskDefinition: { tags: { child: "taskDefinition" } },
                logGroup: tag("logGroup"),
                executionRole: { tags: { child: "executionRole" } },
                executionPolicy: { name: "exec-inline" },
                taskRole: tag("taskRole"),
                taskPolicy: { name: "task-inline" },
                repository: { tags: { child: "repository" } },
                repositoryLifecycle: (a: aws.ecr.LifecyclePolicyArgs) => ({ ...a, repository: "other-repo" }),
                image: { exports: [{ cacheonly: {} }] },
            },
        };
        const before = JSON.stringify(args);
        new ProcessorTask("processor", args);
        await settle();
        assert.deepEqual(seen.sort(), ["processor-logs", "processor-task-role"]);
        assert.deepEqual(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.tags, { child: "taskDefinition" });
        assert.deepEqual(recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.tags, { child: "logGroup" });
        assert.deepEqual(role("processor-execution-role").inputs.tags, { child: "executionRole" });
        assert.deepEqual(role("processor-task-role").inputs.tags, { child: "taskRole" });
        assert.deepEqual(recorder.ofType("aws:iam/rolePolicy:RolePolicy").map((r) => r.inputs.name).sort(), ["exec-inline", "task-inline"]);
        assert.deepEqual(recorder.one("aws:ecr/repository:Repository").inputs.tags, { child: "repository" });
        assert.equal(recorder.one("aws:ecr/lifecyclePolicy:LifecyclePolicy").inputs.repository, "other-repo");
        assert.deepEqual(recorder.one("docker-build:index:Image").inputs.exports, [{ cacheonly: {} }]);
        assert.equal(JSON.stringify(args), before);
    });

    it("GIVEN ARM64, ephemeral storage, a stop timeout and a build context THEN they reach the task and the build", async () => {
        const context = fs.mkdtempSync(path.join(os.tmpdir(), "proc-context-"));
        try {
            fs.writeFileSync(path.join(context, "Dockerfile.prod"), "FROM scratch\n");
            new ProcessorTask("processor", {
                bucket: BUCKET,
                cpuArchitecture: "ARM64",
                ephemeralStorageGiB: 50,
                stopTimeoutSeconds: 120,
                cpu: 4096,
                memory: 30720,
                logRetentionDays: 365,
                build: { context, dockerfile: path.join(context, "Dockerfile.prod") },
            });
            await settle();
        } finally {
            fs.rmSync(context, { recursive: true, force: true });
        }
        const td = recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs;
        assert.deepEqual([td.cpu, td.memory, td.runtimePlatform.cpuArchitecture, td.ephemeralStorage], ["4096", "30720", "ARM64", { sizeInGib: 50 }]);
        assert.equal(JSON.parse(td.containerDefinitions)[0].stopTimeout, 120);
        const image = recorder.one("docker-build:index:Image").inputs;
        assert.deepEqual([image.context, image.dockerfile, image.platforms], [{ location: context }, { location: path.join(context, "Dockerfile.prod") }, ["linux/arm64"]]);
        assert.equal(recorder.one("aws:cloudwatch/logGroup:LogGroup").inputs.retentionInDays, 365);
    });

    const rejected: [string, object, string][] = [
        ["cpu 3000", { cpu: 3000 }, "p.cpu: 3000 is not a Fargate CPU size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384"],
        ["memory 512 with cpu 1024", { cpu: 1024, memory: 512 }, "p.memory: 512 is not a valid Fargate memory size with p.cpu 1024; use one of 2048, 3072, 4096, 5120, 6144, 7168, 8192"],
        ["retention 10", { logRetentionDays: 10 }, "p.logRetentionDays: 10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653"],
        ["ephemeral storage 20", { ephemeralStorageGiB: 20 }, "p.ephemeralStorageGiB: 20 is out of range; use a whole number from 21 to 200"],
        ["stop timeout 121", { stopTimeoutSeconds: 121 }, "p.stopTimeoutSeconds: 121 is out of range; use a whole number from 2 to 120"],
        ["image and build", { image: "x:1", build: { context: "app" } }, 'p.image: "<set>" cannot be combined with p.build; give a prebuilt image or a build context, not both'],
        ["a reserved variable", { environment: { S3_OUTPUT_PREFIX: "x/" } }, 'p.environment.S3_OUTPUT_PREFIX: "x/" is set by the pipeline; choose another variable name'],
        [
            "an image without a tag",
            { image: "public.ecr.aws/acme/processor" },
            'p.image: "public.ecr.aws/acme/processor" has no tag or digest; give one such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor:1.4.2 or …/processor@sha256:<64 hex digits>',
        ],
        ["a bad family", { family: "my family" }, 'p.family: "my family" is not a valid task definition family; use 1-255 letters, digits, hyphens and underscores'],
    ];
    for (const [what, args, message] of rejected) {
        it(`rejects ${what}`, () => {
            assert.throws(() => new ProcessorTask("p", { bucket: BUCKET, ...args }), { message });
        });
    }
});

describe("UploadTrigger", () => {
    let recorder: Recorder;
    const task = {
        taskDefinitionArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/proc:4`,
        containerName: "processor",
        executionRoleArn: `arn:aws:iam::${ACCOUNT}:role/exec`,
        taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/task`,
    };
    const base = {
        bucket: { bucketName: "data-bucket", prefixes: PREFIXES },
        cluster: { clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/proc` },
        task,
        network: { subnetIds: ["subnet-1", "subnet-2"], securityGroupIds: ["sg-1"] },
    };
    beforeEach(async () => {
        recorder = await useMocks();
    });

    it("fires on Object Created under the prefix with one of the suffixes", async () => {
        new UploadTrigger("t", { ...base, keySuffixes: [".csv", ".csv.gz"] });
        await settle();
        const pattern = JSON.parse(recorder.one("aws:cloudwatch/eventRule:EventRule").inputs.eventPattern);
        const event = (key: string) => ({ source: "aws.s3", "detail-type": "Object Created", detail: { bucket: { name: "data-bucket" }, object: { key } } });
        assert.ok(matchesEventPattern(pattern, event("uploads/x.csv")));
        assert.ok(matchesEventPattern(pattern, event("uploads/x.csv.gz")));
        assert.ok(!matchesEventPattern(pattern, event("uploads/x.txt")));
        assert.ok(!matchesEventPattern(pattern, event("processed/x.csv.summary.json")));
        assertParented(recorder, "s3-fargate-pipeline:events:UploadTrigger");
    });

    it("targets the cluster with FARGATE and no platform version (the latest), the network, the transformer, retries and the DLQ", async () => {
        const trigger = new UploadTrigger("t", { ...base, maxEventAgeSeconds: 600, maxRetryAttempts: 3 });
        await settle();
        const target = recorder.one("aws:cloudwatch/eventTarget:EventTarget").inputs;
        assert.equal(target.arn, base.cluster.clusterArn);
        assert.deepEqual(target.ecsTarget, {
            taskDefinitionArn: task.taskDefinitionArn,
            taskCount: 1,
            launchType: "FARGATE",
            networkConfiguration: { subnets: ["subnet-1", "subnet-2"], securityGroups: ["sg-1"], assignPublicIp: true },
            propagateTags: "TASK_DEFINITION",
            enableEcsManagedTags: true,
        });
        assert.deepEqual(target.retryPolicy, { maximumEventAgeInSeconds: 600, maximumRetryAttempts: 3 });
        assert.equal(target.deadLetterConfig.arn, await valueOf(trigger.deadLetterQueue.arn));
        assert.equal(target.inputTransformer.inputPaths.s3key, "$.detail.object.key");
        assert.match(target.inputTransformer.inputTemplate, /^\{"containerOverrides":\[\{"name":"processor"/);
        assert.equal(target.roleArn, await valueOf(trigger.roleArn));
        assert.equal(recorder.one("aws:sqs/queue:Queue").inputs.sqsManagedSseEnabled, true);
    });

    it("GIVEN role { existing } THEN the target assumes that role and no role or role policy is created", async () => {
        const existing = `arn:aws:iam::${ACCOUNT}:role/our-own-runner`;
        const trigger = new UploadTrigger("t", { ...base, role: { existing: { arn: existing } } });
        await settle();
        assert.equal(recorder.one("aws:cloudwatch/eventTarget:EventTarget").inputs.roleArn, existing);
        assert.deepEqual([recorder.ofType("aws:iam/role:Role").length, recorder.ofType("aws:iam/rolePolicy:RolePolicy").length], [0, 0]);
        assert.equal(trigger.role, undefined);
        assert.equal(await valueOf(trigger.roleArn), existing);
    });

    it("GIVEN a capacity provider strategy THEN uses it instead of a launch type", async () => {
        new UploadTrigger("t", {
            ...base,
            capacityProviderStrategy: [
                { capacityProvider: "FARGATE", base: 0, weight: 1 },
                { capacityProvider: "FARGATE_SPOT", base: 0, weight: 3 },
            ],
        });
        await settle();
        const ecs = recorder.one("aws:cloudwatch/eventTarget:EventTarget").inputs.ecsTarget;
        assert.equal(ecs.launchType, undefined);
        assert.deepEqual(ecs.capacityProviderStrategies.map((s: any) => [s.capacityProvider, s.weight]), [["FARGATE", 1], ["FARGATE_SPOT", 3]]);
    });

    // EventBridge's EcsParameters: "Specify only the numeric portion of the platform version, such as 1.1.0".
    it("passes a numeric platform version through, and refuses LATEST, which EventBridge's ECS target does not take", async () => {
        new UploadTrigger("t", { ...base, platformVersion: "1.4.0" });
        await settle();
        assert.equal(recorder.one("aws:cloudwatch/eventTarget:EventTarget").inputs.ecsTarget.platformVersion, "1.4.0");
        assert.throws(() => new UploadTrigger("u", { ...base, platformVersion: "LATEST" }), {
            message: 'u.platformVersion: "LATEST" is not a Fargate platform version; use the numeric form, such as "1.4.0", or leave it unset for the latest',
        });
    });

    it("lets only EventBridge, for this rule, send to the DLQ", async () => {
        const trigger = new UploadTrigger("t", base);
        await settle();
        const [allow] = statements(recorder.one("aws:sqs/queuePolicy:QueuePolicy"));
        assert.deepEqual(allow.Principal, { Service: "events.amazonaws.com" });
        assert.deepEqual(allow.Action, "sqs:SendMessage");
        assert.equal(allow.Resource, await valueOf(trigger.deadLetterQueue.arn));
        assert.deepEqual(allow.Condition, { ArnEquals: { "aws:SourceArn": await valueOf(trigger.ruleArn) } });
    });

    it("has a role trusted by EventBridge for this rule that can run only this family and pass only its two roles", async () => {
        const trigger = new UploadTrigger("t", base);
        await settle();
        const [trust] = statements(recorder.one("aws:iam/role:Role"), "assumeRolePolicy");
        assert.deepEqual(trust.Principal, { Service: "events.amazonaws.com" });
        assert.deepEqual(trust.Condition, { StringEquals: { "aws:SourceAccount": ACCOUNT }, ArnLike: { "aws:SourceArn": await valueOf(trigger.ruleArn) } });
        const [run, pass, tag] = statements(recorder.one("aws:iam/rolePolicy:RolePolicy"));
        assert.equal(run.Resource, `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/proc:*`);
        assert.deepEqual(run.Condition, { ArnEquals: { "ecs:cluster": base.cluster.clusterArn } });
        assert.deepEqual(pass.Resource, [task.executionRoleArn, task.taskRoleArn]);
        assert.deepEqual(pass.Condition, { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } });
        assert.equal(tag.Resource, `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/proc/*`);
    });

    const rejected: [string, object, string][] = [
        ["a max event age under 60 s", { maxEventAgeSeconds: 30 }, "t.maxEventAgeSeconds: 30 is out of range; use a whole number from 60 to 86400"],
        ["more than 185 retries", { maxRetryAttempts: 186 }, "t.maxRetryAttempts: 186 is out of range; use a whole number from 0 to 185"],
        ["a bad platform version", { platformVersion: "1.4" }, 't.platformVersion: "1.4" is not a Fargate platform version; use the numeric form, such as "1.4.0", or leave it unset for the latest'],
        ["an empty suffix", { keySuffixes: [""] }, 't.keySuffixes[0]: "" is empty; give a non-empty key ending such as ".csv"'],
    ];
    for (const [what, args, message] of rejected) {
        it(`rejects ${what}`, () => {
            assert.throws(() => new UploadTrigger("t", { ...base, ...args }), { message });
        });
    }

    it("accepts 0 retries (a 0 is not replaced by the default)", async () => {
        new UploadTrigger("t", { ...base, maxRetryAttempts: 0 });
        await settle();
        assert.equal(recorder.one("aws:cloudwatch/eventTarget:EventTarget").inputs.retryPolicy.maximumRetryAttempts, 0);
    });
});

describe("ProcessingNetwork", () => {
    let recorder: Recorder;
    beforeEach(async () => {
        recorder = await useMocks();
    });

    it("GIVEN no subnets THEN a VPC with public subnets only, no NAT, and an outbound-HTTPS-only group", async () => {
        const network = new ProcessingNetwork("net");
        await settle();
        assert.equal(recorder.one("aws:ec2/vpc:Vpc").inputs.cidrBlock, "10.20.0.0/16");
        const subnets = recorder.ofType("aws:ec2/subnet:Subnet").map((s) => s.inputs);
        assert.deepEqual(subnets.map((s) => [s.cidrBlock, s.availabilityZone]).sort(), [
            ["10.20.0.0/20", "eu-west-1a"],
            ["10.20.16.0/20", "eu-west-1b"],
        ]);
        const igwId = `${recorder.one("aws:ec2/internetGateway:InternetGateway").name}-id`;
        assert.deepEqual(recorder.one("aws:ec2/routeTable:RouteTable").inputs.routes, [{ cidrBlock: "0.0.0.0/0", gatewayId: igwId }]);
        assert.equal(recorder.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").length, 2);
        assert.equal(recorder.ofType("aws:ec2/natGateway:NatGateway").length, 0);
        assert.equal(recorder.ofType("aws:ec2/eip:Eip").length, 0);
        const sg = recorder.one("aws:ec2/securityGroup:SecurityGroup").inputs;
        assert.equal(sg.ingress, undefined);
        assert.deepEqual(sg.egress.map((e: any) => [e.protocol, e.fromPort, e.toPort]), [["tcp", 443, 443]]);
        const defaultSg = recorder.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs;
        assert.deepEqual([defaultSg.ingress, defaultSg.egress], [undefined, undefined]);
        assert.equal(network.assignPublicIp, true);
        assert.equal((await valueOf(network.subnetIds)).length, 2);
        assertParented(recorder, "s3-fargate-pipeline:network:ProcessingNetwork");
    });

    it("GIVEN subnets and security groups THEN uses them and creates nothing", async () => {
        const network = new ProcessingNetwork("net", { subnetIds: ["subnet-a"], securityGroupIds: ["sg-a"], assignPublicIp: false });
        await settle();
        assert.deepEqual(recorder.all().map((r) => r.type), ["s3-fargate-pipeline:network:ProcessingNetwork"]);
        assert.deepEqual(await valueOf(network.subnetIds), ["subnet-a"]);
        assert.deepEqual(await valueOf(network.securityGroupIds), ["sg-a"]);
        assert.equal(network.assignPublicIp, false);
    });

    it("GIVEN only subnets THEN creates the HTTPS-only group in their VPC", async () => {
        recorder = await useMocks({ vpcOf: { "subnet-a": "vpc-1", "subnet-b": "vpc-1" } });
        new ProcessingNetwork("net", { subnetIds: ["subnet-a", "subnet-b"] });
        await settle();
        assert.equal(recorder.ofType("aws:ec2/vpc:Vpc").length, 0);
        assert.equal(recorder.one("aws:ec2/securityGroup:SecurityGroup").inputs.vpcId, "vpc-1");
    });

    it("GIVEN transforms THEN every child can be changed: a partial object, or a function with each child's name and options", async () => {
        const subnets: string[] = [];
        const args = {
            transform: {
                vpc: { tags: { team: "data" } },
                subnet: (a: { tags?: unknown }, opts: { protect?: boolean }, n: string) => {
                    subnets.push(n);
                    a.tags = { tier: "public" };
                    opts.protect = true;
                },
                securityGroup: { description: "ours" },
                defaultSecurityGroup: { tags: { locked: "yes" } },
                internetGateway: { tags: { igw: "yes" } },
                routeTable: { tags: { rt: "yes" } },
                routeTableAssociation: { routeTableId: "rtb-other" },
            },
        };
        const before = JSON.stringify(args);
        new ProcessingNetwork("net", args);
        await settle();
        assert.deepEqual(recorder.one("aws:ec2/vpc:Vpc").inputs.tags, { team: "data" });
        assert.deepEqual(subnets, ["net-public-1", "net-public-2"]);
        assert.ok(recorder.ofType("aws:ec2/subnet:Subnet").every((r) => JSON.stringify(r.inputs.tags) === '{"tier":"public"}'));
        assert.equal(recorder.one("aws:ec2/securityGroup:SecurityGroup").inputs.description, "ours");
        assert.deepEqual(recorder.one("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup").inputs.tags, { locked: "yes" });
        assert.deepEqual(recorder.one("aws:ec2/internetGateway:InternetGateway").inputs.tags, { igw: "yes" });
        assert.deepEqual(recorder.one("aws:ec2/routeTable:RouteTable").inputs.tags, { rt: "yes" });
        assert.ok(recorder.ofType("aws:ec2/routeTableAssociation:RouteTableAssociation").every((r) => r.inputs.routeTableId === "rtb-other"));
        assert.equal(JSON.stringify(args), before);
    });

    it("rejects security groups without subnets, a bad CIDR and too many zones", () => {
        assert.throws(() => new ProcessingNetwork("n", { securityGroupIds: ["sg-a"] }), {
            message: 'n.securityGroupIds: "<set>" needs n.subnetIds; give the subnets the security groups belong with, or neither',
        });
        assert.throws(() => new ProcessingNetwork("n", { vpcCidr: "10.0.0.0/8" }), /n.vpcCidr: "10.0.0.0\/8" is not a \/16 IPv4 block/);
        assert.throws(() => new ProcessingNetwork("n", { availabilityZoneCount: 7 }), /n.availabilityZoneCount: 7 is out of range; use a whole number from 1 to 6/);
    });
});
