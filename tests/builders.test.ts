import { strict as assert } from "assert";
import {
    FARGATE_SIZES,
    LOG_RETENTION_DAYS,
    applyTransform,
    transformed,
    capacityProviderStrategy,
    clusterTaskArns,
    deadLetterQueuePolicy,
    ecrRepositoryArnFromImage,
    environmentFromOverrides,
    escapeWildcard,
    executionRolePolicy,
    iamLiteral,
    matchesEventPattern,
    processorContainerDefinition,
    summaryParallelism,
    requireOneVpc,
    validateImageUri,
    renderInputTemplate,
    runTaskInputTransformer,
    ecsTaskExecutionTrustPolicy,
    ecsTaskTrustPolicy,
    eventBridgeTargetTrustPolicy,
    lambdaTrustPolicy,
    schedulerTrustPolicy,
    targetRolePolicy,
    taskDefinitionFamilyArn,
    taskRolePolicy,
    tlsOnlyBucketPolicy,
    uploadEventPattern,
    validateCpuArchitecture,
    validateEphemeralStorage,
    validateFargateSize,
    validatePrefixes,
    validateRetention,
    validateStopTimeout,
    validateSuffixes,
} from "../components/builders";
import { objectCreatedEvent } from "./support/s3-events";

/** An S3 "Object Created" event as EventBridge delivers it. */
const objectCreated = (key: string, bucket = "my-bucket") => objectCreatedEvent(bucket, key, { size: 1234, etag: "b1946ac92492d2347c6235b4d2611184", region: "eu-west-1" });

describe("Fargate size table", () => {
    it("accepts every documented pair, including both ends of each range", () => {
        const pairs: [number, number][] = [
            [256, 512], [256, 2048], [512, 1024], [512, 4096], [1024, 2048], [1024, 8192],
            [2048, 4096], [2048, 16384], [4096, 8192], [4096, 30720], [8192, 16384], [8192, 61440],
            [16384, 32768], [16384, 122880],
        ];
        for (const [cpu, memory] of pairs) {
            assert.deepEqual(validateFargateSize(cpu, memory), { cpu, memory });
        }
    });

    it("has the documented number of memory sizes per CPU size", () => {
        const counts = Object.fromEntries(Object.entries(FARGATE_SIZES).map(([cpu, m]) => [cpu, m.length]));
        assert.deepEqual(counts, { 256: 3, 512: 4, 1024: 7, 2048: 13, 4096: 23, 8192: 12, 16384: 12 });
    });

    it("rejects a CPU size that Fargate does not have, listing the sizes", () => {
        assert.throws(
            () => validateFargateSize(3000, 4096, { cpu: "processor.cpu", memory: "processor.memory" }),
            { message: "processor.cpu: 3000 is not a Fargate CPU size; use one of 256, 512, 1024, 2048, 4096, 8192, 16384" },
        );
    });

    it("rejects memory that does not fit the CPU size, listing what does", () => {
        assert.throws(() => validateFargateSize(1024, 512), {
            message: "memory: 512 is not a valid Fargate memory size with cpu 1024; use one of 2048, 3072, 4096, 5120, 6144, 7168, 8192",
        });
    });

    it("rejects values just outside a range and off the step", () => {
        assert.throws(() => validateFargateSize(256, 3072), /memory: 3072 is not a valid/);
        assert.throws(() => validateFargateSize(4096, 31744), /memory: 31744 is not a valid/);
        assert.throws(() => validateFargateSize(8192, 17408), /memory: 17408 is not a valid/);
        assert.throws(() => validateFargateSize(16384, 36864), /memory: 36864 is not a valid/);
    });

    it("checks architecture, ephemeral storage and stop timeout bounds", () => {
        assert.equal(validateCpuArchitecture("ARM64"), "ARM64");
        assert.throws(() => validateCpuArchitecture("arm64"), { message: 'cpuArchitecture: "arm64" is not a Fargate CPU architecture; use one of X86_64, ARM64' });
        assert.equal(validateEphemeralStorage(21), 21);
        assert.equal(validateEphemeralStorage(200), 200);
        assert.throws(() => validateEphemeralStorage(20), { message: "ephemeralStorageGiB: 20 is out of range; use a whole number from 21 to 200" });
        assert.throws(() => validateEphemeralStorage(201), /201 is out of range/);
        assert.equal(validateStopTimeout(120), 120);
        assert.throws(() => validateStopTimeout(121), { message: "stopTimeoutSeconds: 121 is out of range; use a whole number from 2 to 120" });
        assert.throws(() => validateStopTimeout(30.5), /30.5 is out of range/);
    });
});

describe("log retention values", () => {
    it("accepts every value CloudWatch accepts", () => {
        for (const days of LOG_RETENTION_DAYS) {
            assert.equal(validateRetention(days), days);
        }
    });

    it("rejects 10 and 0 (never expire), listing the allowed values", () => {
        assert.throws(() => validateRetention(10), {
            message:
                "logRetentionDays: 10 is not a CloudWatch Logs retention; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653",
        });
        assert.throws(() => validateRetention(0), /logRetentionDays: 0 is not a CloudWatch Logs retention/);
    });
});

describe("bucket prefixes", () => {
    const ok = { upload: "uploads/", output: "processed/", status: "status/" };

    it("returns a copy and leaves the input unchanged", () => {
        const input = { ...ok };
        const result = validatePrefixes(input);
        assert.deepEqual(result, ok);
        assert.notEqual(result, input);
        assert.deepEqual(input, ok);
    });

    it("rejects an empty prefix", () => {
        assert.throws(() => validatePrefixes({ ...ok, upload: "" }), { message: 'uploadPrefix: "" is empty; give a non-empty key prefix such as "uploads/"' });
    });

    it("rejects a leading slash", () => {
        assert.throws(() => validatePrefixes({ ...ok, output: "/out/" }), /outputPrefix: "\/out\/" starts with a slash/);
    });

    it("rejects an output prefix inside the upload prefix (the processor would trigger itself)", () => {
        assert.throws(() => validatePrefixes({ ...ok, output: "uploads/processed/" }), {
            message:
                'outputPrefix: "uploads/processed/" overlaps uploadPrefix "uploads/"; use prefixes where none starts with another (writes under an upload prefix would trigger the processor again)',
        });
    });

    it("rejects an upload prefix that contains the status prefix and identical prefixes", () => {
        assert.throws(() => validatePrefixes({ ...ok, upload: "data/in/", status: "data/" }), /statusPrefix: "data\/" overlaps uploadPrefix "data\/in\/"/);
        assert.throws(() => validatePrefixes({ ...ok, status: "processed/" }), /statusPrefix: "processed\/" overlaps outputPrefix "processed\/"/);
    });

    it("checks suffixes: non-empty and not repeated", () => {
        assert.deepEqual(validateSuffixes([".csv", ".csv.gz"]), [".csv", ".csv.gz"]);
        assert.throws(() => validateSuffixes([".csv", ""]), { message: 'keySuffixes[1]: "" is empty; give a non-empty key ending such as ".csv"' });
        assert.throws(() => validateSuffixes([".csv", ".csv"]), { message: 'keySuffixes[1]: ".csv" is listed twice; list each key ending once' });
    });
});

describe("upload event pattern", () => {
    it("matches Object Created in the bucket under the prefix, with no suffixes", () => {
        const pattern = uploadEventPattern({ bucketName: "my-bucket", prefix: "uploads/" });
        assert.deepEqual(pattern, {
            source: ["aws.s3"],
            "detail-type": ["Object Created"],
            detail: { bucket: { name: ["my-bucket"] }, object: { key: [{ prefix: "uploads/" }] } },
        });
        assert.ok(matchesEventPattern(pattern, objectCreated("uploads/a.bin")));
        assert.ok(!matchesEventPattern(pattern, objectCreated("processed/a.bin")));
        assert.ok(!matchesEventPattern(pattern, objectCreated("uploads/a.bin", "other-bucket")));
        assert.ok(!matchesEventPattern(pattern, { ...objectCreated("uploads/a.bin"), "detail-type": "Object Deleted" }));
    });

    it("with suffixes, requires the prefix AND one of the suffixes (one wildcard per suffix)", () => {
        const pattern = uploadEventPattern({ bucketName: "my-bucket", prefix: "uploads/", suffixes: [".csv", ".csv.gz"] });
        assert.deepEqual((pattern.detail as any).object.key, [{ wildcard: "uploads/*.csv" }, { wildcard: "uploads/*.csv.gz" }]);
        assert.ok(matchesEventPattern(pattern, objectCreated("uploads/2026/11/data.csv")));
        assert.ok(matchesEventPattern(pattern, objectCreated("uploads/data.csv.gz")));
        assert.ok(!matchesEventPattern(pattern, objectCreated("uploads/data.json")));
        assert.ok(!matchesEventPattern(pattern, objectCreated("processed/data.csv")));
        assert.ok(!matchesEventPattern(pattern, objectCreated("data.csv")));
    });

    it("escapes * and \\ in prefixes and suffixes so they match literally", () => {
        assert.equal(escapeWildcard("a*b\\c"), "a\\*b\\\\c");
        const pattern = uploadEventPattern({ bucketName: "b", prefix: "in*/", suffixes: [".csv"] });
        assert.ok(matchesEventPattern(pattern, objectCreated("in*/x.csv", "b")));
        assert.ok(!matchesEventPattern(pattern, objectCreated("inbox/x.csv", "b")));
    });

    it("never changes the suffix list it was given", () => {
        const suffixes = [".csv"];
        uploadEventPattern({ bucketName: "b", prefix: "u/", suffixes });
        assert.deepEqual(suffixes, [".csv"]);
    });
});

describe("event pattern matcher", () => {
    it("supports exists, anything-but, numeric and arrays in the event", () => {
        const event = { detail: { size: 10, tags: ["a", "b"], kind: "x" } };
        assert.ok(matchesEventPattern({ detail: { size: [{ numeric: [">", 0, "<=", 10] }] } }, event));
        assert.ok(!matchesEventPattern({ detail: { size: [{ numeric: [">", 10] }] } }, event));
        assert.ok(matchesEventPattern({ detail: { tags: ["b"] } }, event));
        assert.ok(matchesEventPattern({ detail: { missing: [{ exists: false }] } }, event));
        assert.ok(!matchesEventPattern({ detail: { kind: [{ exists: false }] } }, event));
        assert.ok(matchesEventPattern({ detail: { kind: [{ "anything-but": ["y", "z"] }] } }, event));
        assert.ok(!matchesEventPattern({ detail: { kind: [{ "anything-but": "x" }] } }, event));
        assert.ok(matchesEventPattern({ detail: { kind: [{ suffix: "x" }] } }, event));
        assert.ok(!matchesEventPattern({ detail: { kind: ["x"] } }, null));
    });
});

describe("RunTask input transformer", () => {
    const transformer = runTaskInputTransformer("processor");

    it("uses alphanumeric inputPaths names and JSON paths into the event", () => {
        assert.deepEqual(transformer.inputPaths, {
            s3bucket: "$.detail.bucket.name",
            s3key: "$.detail.object.key",
            s3objectsize: "$.detail.object.size",
            s3objectetag: "$.detail.object.etag",
            s3eventtime: "$.time",
            s3eventid: "$.id",
        });
        for (const name of Object.keys(transformer.inputPaths)) {
            assert.match(name, /^[A-Za-z0-9]+$/);
        }
        assert.ok(transformer.inputTemplate.length <= 8192);
    });

    it("renders container overrides with S3_BUCKET, S3_KEY, size, ETag, time and event id as strings", () => {
        const overrides = JSON.parse(renderInputTemplate(transformer, objectCreated("uploads/a.csv")));
        assert.deepEqual(environmentFromOverrides(overrides, "processor"), {
            S3_BUCKET: "my-bucket",
            S3_KEY: "uploads/a.csv",
            S3_OBJECT_SIZE: "1234",
            S3_OBJECT_ETAG: "b1946ac92492d2347c6235b4d2611184",
            S3_EVENT_TIME: "2026-11-23T10:00:00Z",
            S3_EVENT_ID: "17793124-05d4-b198-2fde-7ededc63b103",
        });
        assert.equal(overrides.containerOverrides[0].name, "processor");
    });

    for (const key of [
        "uploads/with space.csv",
        "uploads/plus+sign.csv",
        'uploads/quote"double.csv',
        "uploads/single'quote.csv",
        "uploads/back\\slash.csv",
        "uploads/ünïcødé/数据/😀.csv",
        "uploads/percent%20encoded.csv",
        "uploads/<angle>&amp.csv",
        "uploads/tab\there.csv",
    ]) {
        it(`renders valid JSON that round-trips the key ${JSON.stringify(key)}`, () => {
            const rendered = renderInputTemplate(transformer, objectCreated(key));
            const env = environmentFromOverrides(JSON.parse(rendered), "processor");
            assert.equal(env.S3_KEY, key);
        });
    }

    it("rejects a container name ECS would not accept", () => {
        assert.throws(() => runTaskInputTransformer('bad"name'), {
            message: 'containerName: "bad\\"name" is not a valid ECS container name; use 1-255 letters, digits, hyphens and underscores',
        });
    });
});

describe("IAM documents", () => {
    const bucketArn = "arn:aws:s3:::data-bucket";

    it("task role: read uploads and status, list only those, write output and status, nothing else", () => {
        const doc = taskRolePolicy({ bucketArn, uploadPrefix: "uploads/", outputPrefix: "processed/", statusPrefix: "status/" });
        assert.deepEqual(doc.Statement, [
            {
                Sid: "ReadUploadsAndStatus",
                Effect: "Allow",
                Action: "s3:GetObject",
                Resource: ["arn:aws:s3:::data-bucket/uploads/*", "arn:aws:s3:::data-bucket/status/*"],
            },
            {
                Sid: "ListUploadsAndStatus",
                Effect: "Allow",
                Action: "s3:ListBucket",
                Resource: bucketArn,
                Condition: { StringLike: { "s3:prefix": ["uploads/*", "status/*"] } },
            },
            {
                Sid: "WriteResults",
                Effect: "Allow",
                Action: ["s3:PutObject", "s3:AbortMultipartUpload"],
                Resource: ["arn:aws:s3:::data-bucket/processed/*", "arn:aws:s3:::data-bucket/status/*"],
            },
        ]);
    });

    it("task role: KMS use only through S3 in the region, on the bucket's key", () => {
        const doc = taskRolePolicy({
            bucketArn,
            uploadPrefix: "u/",
            outputPrefix: "o/",
            statusPrefix: "s/",
            kms: { keyArn: "arn:aws:kms:eu-west-1:123456789012:key/abc", region: "eu-west-1" },
        });
        assert.deepEqual(doc.Statement[3], {
            Sid: "UseBucketKey",
            Effect: "Allow",
            Action: ["kms:Decrypt", "kms:GenerateDataKey"],
            Resource: "arn:aws:kms:eu-west-1:123456789012:key/abc",
            Condition: { StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" } },
        });
    });

    it("makes wildcard characters in prefixes literal", () => {
        assert.equal(iamLiteral("a*b?c$d"), "a${*}b${?}c${$}d");
        const doc = taskRolePolicy({ bucketArn, uploadPrefix: "in*/", outputPrefix: "o/", statusPrefix: "s/" });
        assert.deepEqual(doc.Statement[0].Resource, ["arn:aws:s3:::data-bucket/in${*}/*", "arn:aws:s3:::data-bucket/s/*"]);
    });

    it("execution role: ECR pulls scoped to the repository, logs to the log group", () => {
        const doc = executionRolePolicy({
            logGroupArn: "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/p",
            repositoryArn: "arn:aws:ecr:eu-west-1:123456789012:repository/p",
        });
        assert.deepEqual(doc.Statement.map((s) => [s.Action, s.Resource]), [
            ["ecr:GetAuthorizationToken", "*"],
            [["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], "arn:aws:ecr:eu-west-1:123456789012:repository/p"],
            [["logs:CreateLogStream", "logs:PutLogEvents"], "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/p:*"],
        ]);
    });

    it("execution role without an ECR image has no ECR statements at all", () => {
        const doc = executionRolePolicy({ logGroupArn: "arn:aws:logs:eu-west-1:1:log-group:g" });
        assert.deepEqual(doc.Statement.map((s) => s.Sid), ["WriteLogs"]);
    });

    it("target role: RunTask on the family in the cluster, PassRole on exactly two roles to ECS tasks", () => {
        const doc = targetRolePolicy({
            taskDefinitionArn: "arn:aws:ecs:eu-west-1:123456789012:task-definition/proc:12",
            clusterArn: "arn:aws:ecs:eu-west-1:123456789012:cluster/c",
            executionRoleArn: "arn:aws:iam::123456789012:role/exec",
            taskRoleArn: "arn:aws:iam::123456789012:role/task",
        });
        assert.deepEqual(doc.Statement, [
            {
                Sid: "RunTask",
                Effect: "Allow",
                Action: "ecs:RunTask",
                Resource: "arn:aws:ecs:eu-west-1:123456789012:task-definition/proc:*",
                Condition: { ArnEquals: { "ecs:cluster": "arn:aws:ecs:eu-west-1:123456789012:cluster/c" } },
            },
            {
                Sid: "PassTaskRoles",
                Effect: "Allow",
                Action: "iam:PassRole",
                Resource: ["arn:aws:iam::123456789012:role/exec", "arn:aws:iam::123456789012:role/task"],
                Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
            },
            {
                Sid: "TagStartedTasks",
                Effect: "Allow",
                Action: "ecs:TagResource",
                Resource: "arn:aws:ecs:eu-west-1:123456789012:task/c/*",
                Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
            },
        ]);
        assert.equal(taskDefinitionFamilyArn("arn:aws:ecs:r:1:task-definition/f:3"), "arn:aws:ecs:r:1:task-definition/f:*");
        assert.equal(clusterTaskArns("arn:aws:ecs:r:1:cluster/c"), "arn:aws:ecs:r:1:task/c/*");
    });

    it("no Allow statement anywhere has a * resource except ecr:GetAuthorizationToken", () => {
        const docs = [
            taskRolePolicy({ bucketArn, uploadPrefix: "u/", outputPrefix: "o/", statusPrefix: "s/" }),
            executionRolePolicy({ logGroupArn: "arn:aws:logs:r:1:log-group:g", repositoryArn: "arn:aws:ecr:r:1:repository/p" }),
            targetRolePolicy({ taskDefinitionArn: "arn:aws:ecs:r:1:task-definition/f:1", clusterArn: "arn:aws:ecs:r:1:cluster/c", executionRoleArn: "e", taskRoleArn: "t" }),
        ];
        const starred = docs
            .flatMap((d) => d.Statement)
            .filter((s) => s.Effect === "Allow" && ([] as string[]).concat(s.Resource ?? []).includes("*"))
            .map((s) => s.Action);
        assert.deepEqual(starred, ["ecr:GetAuthorizationToken"]);
    });

    // The documents as each service's page shows them (URLs next to the builders in components/builders/iam.ts).
    it("trust policies are the ones AWS documents per role: conditions only where the service's page shows them", () => {
        const trust = (service: string, Condition?: object) => ({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(Condition ? { Condition } : {}) }],
        });
        assert.deepEqual(ecsTaskExecutionTrustPolicy(), trust("ecs-tasks.amazonaws.com"));
        assert.deepEqual(
            ecsTaskTrustPolicy({ partition: "aws", region: "us-west-2", account: "111122223333" }),
            trust("ecs-tasks.amazonaws.com", { ArnLike: { "aws:SourceArn": "arn:aws:ecs:us-west-2:111122223333:*" }, StringEquals: { "aws:SourceAccount": "111122223333" } }),
        );
        assert.deepEqual(lambdaTrustPolicy(), trust("lambda.amazonaws.com"));
        const rule = "arn:aws:events:us-east-1:123456789012:rule/myRule";
        assert.deepEqual(
            eventBridgeTargetTrustPolicy({ account: "123456789012", ruleArn: rule }),
            trust("events.amazonaws.com", { ArnLike: { "aws:SourceArn": rule }, StringEquals: { "aws:SourceAccount": "123456789012" } }),
        );
        const group = "arn:aws:scheduler:us-west-2:123456789012:schedule-group/your-schedule-group";
        assert.deepEqual(
            schedulerTrustPolicy({ account: "123456789012", scheduleGroupArn: group }),
            trust("scheduler.amazonaws.com", { ArnLike: { "aws:SourceArn": group }, StringEquals: { "aws:SourceAccount": "123456789012" } }),
        );
    });

    it("dead-letter queue admits only EventBridge for this rule, over TLS", () => {
        const doc = deadLetterQueuePolicy({ queueArn: "arn:aws:sqs:r:1:q", ruleArn: "arn:aws:events:r:1:rule/x" });
        assert.deepEqual(doc.Statement[0].Principal, { Service: "events.amazonaws.com" });
        assert.deepEqual(doc.Statement[0].Condition, { ArnEquals: { "aws:SourceArn": "arn:aws:events:r:1:rule/x" } });
        assert.equal(doc.Statement[1].Effect, "Deny");
        assert.deepEqual(doc.Statement[1].Condition, { Bool: { "aws:SecureTransport": "false" } });
    });

    it("bucket policy denies every non-TLS request on the bucket and its objects", () => {
        assert.deepEqual(tlsOnlyBucketPolicy(bucketArn).Statement, [
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "s3:*",
                Resource: [bucketArn, `${bucketArn}/*`],
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ]);
    });

    it("derives the ECR repository ARN from an image URI, and nothing for other registries", () => {
        assert.equal(
            ecrRepositoryArnFromImage("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/processor:1.4"),
            "arn:aws:ecr:eu-west-1:123456789012:repository/team/processor",
        );
        assert.equal(
            ecrRepositoryArnFromImage(`123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/p@sha256:${"a".repeat(64)}`),
            "arn:aws-cn:ecr:cn-north-1:123456789012:repository/p",
        );
        assert.equal(ecrRepositoryArnFromImage("public.ecr.aws/docker/library/node:24"), undefined);
        assert.equal(ecrRepositoryArnFromImage("ghcr.io/org/processor:1"), undefined);
    });
});

describe("capacity provider strategy", () => {
    it("defaults to all on-demand FARGATE", () => {
        assert.deepEqual(capacityProviderStrategy({}), [{ capacityProvider: "FARGATE", base: 0, weight: 1 }]);
    });

    it("splits between FARGATE and FARGATE_SPOT with a base on FARGATE", () => {
        assert.deepEqual(capacityProviderStrategy({ fargateBase: 1, fargateWeight: 30, fargateSpotWeight: 70 }), [
            { capacityProvider: "FARGATE", base: 1, weight: 30 },
            { capacityProvider: "FARGATE_SPOT", base: 0, weight: 70 },
        ]);
    });

    it("supports Spot only, and keeps a weight of 0 from becoming a default (?? not ||)", () => {
        assert.deepEqual(capacityProviderStrategy({ fargateWeight: 0, fargateSpotWeight: 1 }), [{ capacityProvider: "FARGATE_SPOT", base: 0, weight: 1 }]);
    });

    it("rejects all-zero weights and out-of-range values", () => {
        assert.throws(() => capacityProviderStrategy({ fargateWeight: 0 }), {
            message: "fargateWeight and fargateSpotWeight: [0,0] are both 0; give at least one of them a weight above 0",
        });
        assert.throws(() => capacityProviderStrategy({ fargateSpotWeight: 1001 }), { message: "fargateSpotWeight: 1001 is out of range; use a whole number from 0 to 1000" });
        assert.throws(() => capacityProviderStrategy({ fargateBase: -1 }), /fargateBase: -1 is out of range/);
    });
});

describe("container definition", () => {
    const container = (args: { cpu: number; environment: Record<string, string> }) =>
        processorContainerDefinition({
            name: "processor",
            image: "img:1",
            logGroupName: "/ecs/p",
            region: "eu-west-1",
            prefixes: { upload: "uploads/", output: "processed/", status: "status/" },
            stopTimeoutSeconds: 60,
            scratchPath: "/tmp",
            scratchVolumeName: "scratch",
            ...args,
        });

    it("has a read-only root, a writable scratch mount, awslogs to the given group and the prefixes in its environment", () => {
        const def = container({ cpu: 2048, environment: { LOG_LEVEL: "debug" } });
        assert.equal(def.readonlyRootFilesystem, true);
        assert.deepEqual(def.mountPoints, [{ sourceVolume: "scratch", containerPath: "/tmp", readOnly: false }]);
        assert.deepEqual(def.logConfiguration, {
            logDriver: "awslogs",
            options: { "awslogs-group": "/ecs/p", "awslogs-region": "eu-west-1", "awslogs-stream-prefix": "processor" },
        });
        assert.ok(!("awslogs-create-group" in def.logConfiguration.options));
        assert.deepEqual(def.environment, [
            { name: "AWS_REGION", value: "eu-west-1" },
            { name: "LOG_LEVEL", value: "debug" },
            { name: "S3_OUTPUT_PREFIX", value: "processed/" },
            { name: "S3_STATUS_PREFIX", value: "status/" },
            { name: "S3_UPLOAD_PREFIX", value: "uploads/" },
            { name: "SHUTDOWN_GRACE_MS", value: "55000" },
            { name: "SUMMARY_PARALLELISM", value: "2" },
            { name: "TMPDIR", value: "/tmp" },
        ]);
    });

    it("runs one summarising thread per whole vCPU, which the stack's environment may override", () => {
        assert.deepEqual([256, 512, 1024, 2048, 4096, 16384].map(summaryParallelism), [1, 1, 1, 2, 4, 16]);
        const def = container({ cpu: 4096, environment: { SUMMARY_PARALLELISM: "1" } });
        assert.deepEqual(def.environment.find((e) => e.name === "SUMMARY_PARALLELISM"), { name: "SUMMARY_PARALLELISM", value: "1" });
    });
});

describe("image references", () => {
    it("accepts a tag or a digest, with or without a registry", () => {
        for (const ok of [
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor:1.4.2",
            "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/processor@sha256:" + "a".repeat(64),
            "public.ecr.aws/acme/processor:v2",
            "registry.local:5000/processor:latest-build.7",
            "processor:1",
        ]) {
            assert.equal(validateImageUri(ok, "image"), ok);
        }
    });

    it("rejects a reference without a tag or digest, and malformed ones, naming the field", () => {
        const example = "give one such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor:1.4.2 or …/processor@sha256:<64 hex digits>";
        assert.throws(() => validateImageUri("123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor", "p.image"), {
            message: `p.image: "123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor" has no tag or digest; ${example}`,
        });
        assert.throws(() => validateImageUri("registry.local:5000/processor", "p.image"), { message: `p.image: "registry.local:5000/processor" has no tag or digest; ${example}` });
        assert.throws(() => validateImageUri("repo@sha256:abc", "p.image"), { message: `p.image: "repo@sha256:abc" is not a valid image reference; ${example}` });
        assert.throws(() => validateImageUri("Repo:1", "p.image"), { message: `p.image: "Repo:1" is not a valid image reference; ${example}` });
    });
});

describe("one VPC", () => {
    it("returns the VPC all subnets and security groups share", () => {
        assert.equal(
            requireOneVpc([{ kind: "subnet", id: "subnet-1", vpcId: "vpc-a" }, { kind: "security group", id: "sg-1", vpcId: "vpc-a" }], "f"),
            "vpc-a",
        );
    });

    it("names every member and its VPC when they differ", () => {
        assert.throws(
            () => requireOneVpc([{ kind: "subnet", id: "subnet-1", vpcId: "vpc-a" }, { kind: "subnet", id: "subnet-2", vpcId: "vpc-b" }], "n.subnetIds"),
            { message: "n.subnetIds: not all in one VPC (subnet subnet-1 is in vpc-a, subnet subnet-2 is in vpc-b); give subnets and security groups of the same VPC" },
        );
    });
});

describe("transform hook", () => {
    it("gives the hook a copy, uses its result, and leaves the original alone", () => {
        const args = { a: 1, b: 2 };
        assert.deepEqual(applyTransform(args, (c) => ({ ...c, b: 3 })), { a: 1, b: 3 });
        assert.deepEqual(applyTransform(args, (c) => { c.a = 9; }), { a: 9, b: 2 });
        assert.deepEqual(args, { a: 1, b: 2 });
        assert.equal(applyTransform(args), args);
    });

    it("merges a partial arguments object over ours, shallowly, leaving ours alone", () => {
        const args = { a: 1, b: { c: 2 } };
        assert.deepEqual(applyTransform(args, { b: { c: 5 } }), { a: 1, b: { c: 5 } });
        assert.deepEqual(args, { a: 1, b: { c: 2 } });
    });

    it("gives a function transform copies of the arguments and options, and the child's name", () => {
        const args = { a: 1 };
        const opts = { parent: "p", protect: false };
        const seen: string[] = [];
        const [name, a, o] = transformed<{ a: number }, { parent: string; protect: boolean }>(
            (x, y, n) => {
                seen.push(n);
                x.a = 2;
                y.protect = true;
            },
            "data-bucket",
            args,
            opts,
        );
        assert.deepEqual([name, a, o, seen], ["data-bucket", { a: 2 }, { parent: "p", protect: true }, ["data-bucket"]]);
        assert.deepEqual([args, opts], [{ a: 1 }, { parent: "p", protect: false }]);
        const [, same, sameOpts] = transformed(undefined, "x", args, opts);
        assert.ok(same === args && sameOpts === opts, "without a transform, the very objects");
    });

    it("rejects a transform that is neither an object nor a function, naming the child", () => {
        assert.throws(() => transformed(3 as unknown as Partial<{ a: number }>, "data-bucket", { a: 1 }, {}), {
            message: "transform of data-bucket: 3 is neither a partial arguments object nor a function (args, opts, name)",
        });
    });
});
