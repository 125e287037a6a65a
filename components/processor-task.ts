import * as aws from "./aws";
import * as dockerBuild from "@pulumi/docker-build";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import {
    BucketPrefixes,
    CapacityProviderStrategyItem,
    ShardingSettings,
    shardingEnvironment,
    validateSharding,
    CpuArchitecture,
    DEFAULT_LOG_RETENTION_DAYS,
    RESERVED_ENVIRONMENT,
    Transform,
    transformed,
    dockerPlatform,
    ecrRepositoryArnFromImage,
    executionRolePolicy,
    imageContentTag,
    invalid,
    processorContainerDefinition,
    ecsTaskExecutionTrustPolicy,
    ecsTaskTrustPolicy,
    taskRolePolicy,
    validateCpuArchitecture,
    validateEphemeralStorage,
    validateFargateSize,
    validateRetention,
    validateStopTimeout,
    validateImageUri,
    validateJobCommand,
} from "./builders";
import { ExistingLogGroup, ExistingRole, existingLogGroupName, existingRoleArn, useOrCreateLogGroup, useOrCreateRole } from "./overrides";
import { typeToken } from "./names";

/** The bucket the task reads from and writes to (an UploadBucket fits). */
export interface ProcessorBucket {
    bucketName: pulumi.Input<string>;
    bucketArn: pulumi.Input<string>;
    prefixes: BucketPrefixes;
    kmsKeyArn?: pulumi.Input<string>;
}

/**
 * Build the image from a directory with a Dockerfile and push it to a new ECR repository.
 *
 * The tag is a hash of what goes into the image (the context's files less its .dockerignore, the
 * Dockerfile, the platform): a change under the context pushes a new tag, unchanged content
 * builds and pushes nothing. The task definition runs the pushed digest (`repo@sha256:…`).
 * `pulumi preview` does not build: the tag already shows whether the image changes, and the
 * Dockerfile is still checked for syntax; the one build happens in `pulumi up`.
 */
export interface ImageBuild {
    /** Directory sent to Docker as the build context. */
    context: string;
    /** Path of the Dockerfile. @default "<context>/Dockerfile" */
    dockerfile?: string;
}

/**
 * What the task runs and how big it is: the settings the cross-language ProcessorTask and QueueWorkerService
 * take as they are (so each default is stated in the text, as "Default: …").
 */
export interface ProcessorTaskSettings {
    /**
     * A prebuilt image URI (`repo:tag` or `repo@sha256:…`). Cannot be combined with `build`. When it is in ECR,
     * the execution role may pull from that repository only. Default: built from `build`.
     */
    image?: pulumi.Input<string>;
    /** CPU units (1024 = 1 vCPU); one of the Fargate sizes. Default: 1024. */
    cpu?: number;
    /** Memory in MiB; must fit `cpu` in the Fargate table. Default: 2048. */
    memory?: number;
    /** Seconds between SIGTERM and SIGKILL when the task is stopped (2–120). Default: 60. */
    stopTimeoutSeconds?: number;
    /** Retention of the task's log group, one of the CloudWatch values; not with an existing log group. Default: 30. */
    logRetentionDays?: number;
    /** KMS key to encrypt the log group with; not with an existing log group. Default: CloudWatch Logs' own encryption. */
    logGroupKmsKeyArn?: pulumi.Input<string>;
    /**
     * Extra environment variables for the container; values may be outputs of other resources. The
     * pipeline's own (S3_BUCKET, S3_KEY, the prefixes…) cannot be set. Default: none.
     * @example { PROCESSOR_MODE: "worker", SQS_QUEUE_URL: queue.url }
     */
    environment?: Record<string, pulumi.Input<string>>;
    /**
     * Your own job: the command the processor runtime (the image's entry point) runs for each file, with the
     * file in INPUT_FILE and OUTPUT_DIR to write to (docs/processor.md, "Your own processing"). It is the container's
     * `command`, so the image must have our runtime as its entry point (`FROM` our image, or copied into
     * yours). The task role stays the same: read the upload prefix, write the output and status prefixes.
     * Default: the image's CMD: in our image, none (the built-in summariser).
     * @example ["python3", "/app/job/main.py"]
     */
    command?: string[];
}

export interface ProcessorTaskArgs extends ProcessorTaskSettings {
    /** The bucket the processor works on. */
    bucket: ProcessorBucket;
    /**
     * Build the image with Docker (buildx) from a directory and push it to an ECR repository of this
     * component (scan on push, immutable tags, last 20 images kept), tagged by its content (see
     * `ImageBuild`). Cannot be combined with `image`.
     * @default { context: "./app" } when `image` is not given
     */
    build?: ImageBuild;
    /** @default "X86_64" */
    cpuArchitecture?: CpuArchitecture;
    /** Ephemeral storage in GiB (21–200). @default 20 GiB, included in Fargate's price */
    ephemeralStorageGiB?: number;
    /**
     * The container's log group: by default `/ecs/<family>`, created here with `logRetentionDays`.
     * `{ existing: { name } }`: a group of yours in the stack's region (nothing is created; the execution
     * role created here may write to it). Cannot be combined with `logRetentionDays`, `logGroupKmsKeyArn`
     * or `transform.logGroup`. `false` is refused: the container logs through the awslogs driver, which
     * needs a group.
     * @default a log group created here
     */
    logGroup?: ExistingLogGroup;
    /**
     * The role ECS uses to start the task: by default one created here that may only pull the image (when
     * it is in ECR) and write the log group. `{ existing: { arn } }`: a role of yours; no role or policy is
     * created, and yours must trust `ecs-tasks.amazonaws.com` and allow `ecr:GetAuthorizationToken`,
     * `ecr:BatchCheckLayerAvailability`, `ecr:BatchGetImage`, `ecr:GetDownloadUrlForLayer` (for an image in
     * ECR) and `logs:CreateLogStream`, `logs:PutLogEvents` on the log group. Cannot be combined with
     * `transform.executionRole` or `transform.executionPolicy`. `false` is refused: awslogs and ECR pulls
     * need it.
     * @default a role created here
     */
    executionRole?: ExistingRole;
    /**
     * The role the processor runs as: by default one created here that may read the upload and status
     * prefixes, write the output and status prefixes (and, with `sharding`, run this family's tasks and
     * use the partials prefix). `{ existing: { arn } }`: a role of yours; no role or policy is created,
     * and yours must trust `ecs-tasks.amazonaws.com` and allow `s3:GetObject` on the upload and status
     * prefixes, `s3:ListBucket` on them, `s3:PutObject` and `s3:AbortMultipartUpload` on the output and
     * status prefixes, `kms:Decrypt` and `kms:GenerateDataKey` on the bucket's key (with SSE-KMS), and with
     * sharding `ecs:RunTask`, `iam:PassRole` on both roles and `s3:GetObject`, `s3:PutObject`,
     * `s3:DeleteObject`, `s3:ListBucket` on the partials prefix (builders/iam.ts `taskRolePolicy` writes
     * exactly this policy). Cannot be combined with `transform.taskRole` or `transform.taskPolicy`.
     * `false` is refused: the processor reads and writes S3 with this role.
     * @default a role created here
     */
    taskRole?: ExistingRole;
    /** The container's name, used by the rule's overrides. @default "processor" */
    containerName?: string;
    /** The task definition family. @default "<project>-<stack>-<name>" */
    family?: string;
    /** Let `pulumi destroy` delete the ECR repository while it holds images. @default false */
    forceDeleteRepository?: boolean;
    /**
     * Split an upload larger than `aboveBytes` into byte-range shards run by tasks of this task
     * definition (docs/sharding.md). The task that processes the upload starts the others with
     * RunTask on `cluster`, with `network` and `capacityProviderStrategy` (the upload rule's); its task
     * role then gets exactly ecs:RunTask on this family in that cluster, iam:PassRole on its two
     * roles to ECS tasks, and read, write, list and delete under `partialsPrefix`.
     * @default off: every file is one task
     * @example { aboveBytes: 10 * 2 ** 30, shardBytes: 2 ** 30, maxShards: 16, cluster, network }
     */
    sharding?: ShardingSettings & {
        /** The cluster the tasks run on (a ProcessingCluster fits). */
        cluster: { clusterArn: pulumi.Input<string> };
        network: { subnetIds: pulumi.Input<pulumi.Input<string>[]>; securityGroupIds: pulumi.Input<pulumi.Input<string>[]>; assignPublicIp?: pulumi.Input<boolean> };
        capacityProviderStrategy?: CapacityProviderStrategyItem[];
    };
    /** Adjust the arguments of a child resource. */
    transform?: {
        taskDefinition?: Transform<aws.ecs.TaskDefinitionArgs, pulumi.CustomResourceOptions>;
        logGroup?: Transform<aws.cloudwatch.LogGroupArgs, pulumi.CustomResourceOptions>;
        executionRole?: Transform<aws.iam.RoleArgs, pulumi.CustomResourceOptions>;
        executionPolicy?: Transform<aws.iam.RolePolicyArgs, pulumi.CustomResourceOptions>;
        taskRole?: Transform<aws.iam.RoleArgs, pulumi.CustomResourceOptions>;
        taskPolicy?: Transform<aws.iam.RolePolicyArgs, pulumi.CustomResourceOptions>;
        /** The ECR repository (only when the image is built here). */
        repository?: Transform<aws.ecr.RepositoryArgs, pulumi.CustomResourceOptions>;
        repositoryLifecycle?: Transform<aws.ecr.LifecyclePolicyArgs, pulumi.CustomResourceOptions>;
        /** The docker-build image (only when the image is built here). */
        image?: Transform<dockerBuild.ImageArgs, pulumi.CustomResourceOptions>;
    };
}

const SCRATCH = { volume: "scratch", path: "/tmp" } as const;
const DEFAULT_BUILD: ImageBuild = { context: "./app" };
const FAMILY = /^[A-Za-z0-9_-]{1,255}$/;

/** `<project>-<stack>-<name>`, reduced to the characters a family allows. */
export function defaultFamily(name: string): string {
    return `${pulumi.getProject()}-${pulumi.getStack()}-${name}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 255);
}

/** `image` and `build` exclude each other; a build needs a directory with a Dockerfile. */
function validateImageChoice(field: (f: string) => string, args: ProcessorTaskArgs): void {
    if (typeof args.image === "string") {
        validateImageUri(args.image, field("image"));
    }
    if (args.image !== undefined && args.build !== undefined) {
        invalid(field("image"), "<set>", `cannot be combined with ${field("build")}`, "give a prebuilt image or a build context, not both");
    }
    if (args.image === undefined) {
        const build = args.build ?? DEFAULT_BUILD;
        if (!fs.existsSync(build.context) || !fs.statSync(build.context).isDirectory()) {
            invalid(field("build.context"), build.context, "is not a directory", "give the directory Docker builds the image from (relative to the Pulumi project)");
        }
        const dockerfile = build.dockerfile ?? path.join(build.context, "Dockerfile");
        if (!fs.existsSync(dockerfile) || !fs.statSync(dockerfile).isFile()) {
            if (build.dockerfile === undefined) {
                invalid(field("build.context"), build.context, "has no Dockerfile", `add one or give ${field("build.dockerfile")}`);
            }
            invalid(field("build.dockerfile"), dockerfile, "is not a file", "give the path of the Dockerfile");
        }
    }
}

/**
 * A Fargate task definition for the processor: validated size, read-only root with a scratch
 * volume, its own log group with retention, an execution role that can only pull its image and write
 * its logs, and a task role that can only read uploads (and its status documents) and write results
 * of its bucket.
 */
export class ProcessorTask extends pulumi.ComponentResource {
    /** The task definition resource. */
    public readonly taskDefinition: aws.ecs.TaskDefinition;
    /** The task definition ARN (with revision). */
    public readonly taskDefinitionArn: pulumi.Output<string>;
    /** The task definition family. */
    public readonly family: string;
    /** The container the rule's overrides address. */
    public readonly containerName: string;
    /** The role ECS uses to start the task, when created here (not with `executionRole: { existing }`). */
    public readonly executionRole?: aws.iam.Role;
    /** The ARN of the role ECS uses to start the task. */
    public readonly executionRoleArn: pulumi.Output<string>;
    /** The role the processor runs as, when created here (not with `taskRole: { existing }`). */
    public readonly taskRole?: aws.iam.Role;
    /** The ARN of the role the processor runs as. */
    public readonly taskRoleArn: pulumi.Output<string>;
    /** The task's log group, when created here (not with `logGroup: { existing }`). */
    public readonly logGroup?: aws.cloudwatch.LogGroup;
    /** The task's log group's name. */
    public readonly logGroupName: pulumi.Output<string>;
    /** The task's log group's ARN (without the trailing `:*`). */
    public readonly logGroupArn: pulumi.Output<string>;
    /** The image URI the task runs. */
    public readonly imageUri: pulumi.Output<string>;
    /** The ECR repository, when the image is built here. */
    public readonly repository?: aws.ecr.Repository;
    /** The content tag of the image built here (see `ImageBuild`). */
    public readonly imageTag?: string;
    /** The task's CPU units, as validated (1024 = one vCPU). */
    public readonly cpu: number;
    /** The task's memory in MiB, as validated against `cpu`. */
    public readonly memory: number;
    /** Seconds between SIGTERM and SIGKILL when the task is stopped. */
    public readonly stopTimeoutSeconds: number;

    constructor(name: string, args: ProcessorTaskArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("compute", "ProcessorTask"), name, {}, opts);
        const s = this.settle(name, args);
        this.cpu = s.size.cpu;
        this.memory = s.size.memory;
        this.stopTimeoutSeconds = s.stopTimeoutSeconds;
        this.containerName = s.containerName;
        this.family = s.family;

        const parent = { parent: this };
        const place = {
            region: aws.getRegionOutput({}, parent).region,
            accountId: aws.getCallerIdentityOutput({}, parent).accountId,
            partition: aws.getPartitionOutput({}, parent).partition,
        };
        ({ logGroup: this.logGroup, name: this.logGroupName, arn: this.logGroupArn } = useOrCreateLogGroup(s.existing.logGroup, () => this.createLogGroup(name, s.retention, args), this));
        const image = this.resolveImage(name, args, s.architecture);
        this.imageUri = image.uri;
        this.repository = image.repository;
        this.imageTag = image.tag;
        ({ role: this.executionRole, arn: this.executionRoleArn } = useOrCreateRole(s.existing.executionRole, () => this.createExecutionRole(name, args, image.repositoryArn)));
        ({ role: this.taskRole, arn: this.taskRoleArn } = useOrCreateRole(s.existing.taskRole, () => this.createTaskRole(name, args, place)));
        this.taskDefinition = this.createTaskDefinition(name, args, s, image.uri, place.region);
        this.taskDefinitionArn = this.taskDefinition.arn;
        if (this.taskRole !== undefined) {
            this.attachTaskPolicy(name, args, this.taskRole, s.sharding, place.region);
        }

        this.registerOutputs({
            taskDefinitionArn: this.taskDefinitionArn,
            logGroupName: this.logGroupName,
            imageUri: this.imageUri,
        });
    }

    /** Validates the arguments (errors name `<name>.<field>`) and applies the defaults, once. */
    private settle(name: string, args: ProcessorTaskArgs) {
        const field = (f: string) => `${name}.${f}`;
        const size = validateFargateSize(args.cpu ?? 1024, args.memory ?? 2048, { cpu: field("cpu"), memory: field("memory") });
        const architecture = validateCpuArchitecture(args.cpuArchitecture ?? "X86_64", field("cpuArchitecture"));
        const ephemeral =
            args.ephemeralStorageGiB === undefined ? undefined : validateEphemeralStorage(args.ephemeralStorageGiB, field("ephemeralStorageGiB"));
        const stopTimeoutSeconds = validateStopTimeout(args.stopTimeoutSeconds ?? 60, field("stopTimeoutSeconds"));
        const retention = validateRetention(args.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS, field("logRetentionDays"));
        const containerName = args.containerName ?? "processor";
        const family = args.family ?? defaultFamily(name);
        if (!FAMILY.test(family)) {
            invalid(field("family"), family, "is not a valid task definition family", "use 1-255 letters, digits, hyphens and underscores");
        }
        validateImageChoice(field, args);
        const command = args.command === undefined ? undefined : validateJobCommand(args.command, field("command"));
        const prefixes = args.bucket.prefixes;
        const sharding = args.sharding === undefined ? undefined : validateSharding(args.sharding, field("sharding"), [prefixes.upload, prefixes.output, prefixes.status], command !== undefined);
        for (const reserved of RESERVED_ENVIRONMENT) {
            if (args.environment && reserved in args.environment) {
                const value = args.environment[reserved];
                invalid(field(`environment.${reserved}`), typeof value === "string" ? value : "<output>", "is set by the pipeline", "choose another variable name");
            }
        }
        const t = args.transform ?? {};
        const existing = {
            logGroup: existingLogGroupName(
                field("logGroup"),
                args.logGroup,
                { [field("logRetentionDays")]: args.logRetentionDays, [field("logGroupKmsKeyArn")]: args.logGroupKmsKeyArn, [field("transform.logGroup")]: t.logGroup },
                "the container logs through the awslogs driver, which needs a group",
            ),
            executionRole: existingRoleArn(
                field("executionRole"),
                args.executionRole,
                { [field("transform.executionRole")]: t.executionRole, [field("transform.executionPolicy")]: t.executionPolicy },
                "ECS needs it to pull the image and write the awslogs log group",
            ),
            taskRole: existingRoleArn(
                field("taskRole"),
                args.taskRole,
                { [field("transform.taskRole")]: t.taskRole, [field("transform.taskPolicy")]: t.taskPolicy },
                "the processor reads and writes S3 with this role",
            ),
        };
        return { size, architecture, ephemeral, stopTimeoutSeconds, retention, containerName, family, command, sharding, existing };
    }

    /** May only pull the image (when it is in ECR) and write the log group; trusted by ECS tasks (see the builders). */
    private createExecutionRole(name: string, args: ProcessorTaskArgs, repositoryArn: pulumi.Output<string | undefined>): aws.iam.Role {
        const parent = { parent: this };
        const t = args.transform ?? {};
        const role = new aws.iam.Role(...transformed(t.executionRole, `${name}-execution-role`, {
            description: `Starts ${this.family} tasks: pulls the image, writes the log group`,
            assumeRolePolicy: JSON.stringify(ecsTaskExecutionTrustPolicy()),
        }, parent));
        new aws.iam.RolePolicy(...transformed(t.executionPolicy, `${name}-execution-policy`, {
            role: role.id,
            policy: pulumi
                .all([this.logGroupArn, repositoryArn])
                .apply(([logGroupArn, r]) => JSON.stringify(executionRolePolicy({ logGroupArn, repositoryArn: r }))),
        }, parent));
        return role;
    }

    /** Trusted by ECS tasks of this account and region only; its policy follows the task definition (`attachTaskPolicy`). */
    private createTaskRole(name: string, args: ProcessorTaskArgs, at: { region: pulumi.Output<string>; accountId: pulumi.Output<string>; partition: pulumi.Output<string> }): aws.iam.Role {
        return new aws.iam.Role(...transformed(args.transform?.taskRole, `${name}-task-role`, {
            description: `Runs ${this.family}: reads ${args.bucket.prefixes.upload}, writes ${args.bucket.prefixes.output} and ${args.bucket.prefixes.status}`,
            assumeRolePolicy: pulumi
                .all([at.accountId, at.region, at.partition])
                .apply(([account, r, p]) => JSON.stringify(ecsTaskTrustPolicy({ partition: p, region: r, account }))),
        }, { parent: this }));
    }

    /** The processor's container (with the shards' launch settings in its environment) in a Fargate task definition. */
    private createTaskDefinition(
        name: string,
        args: ProcessorTaskArgs,
        s: ReturnType<ProcessorTask["settle"]>,
        imageUri: pulumi.Output<string>,
        region: pulumi.Output<string>,
    ): aws.ecs.TaskDefinition {
        const sharding = s.sharding;
        const shardEnvironment =
            sharding === undefined || args.sharding === undefined
                ? pulumi.output<Record<string, string>>({})
                : pulumi
                      .all([args.sharding.network.subnetIds, args.sharding.network.securityGroupIds, args.sharding.network.assignPublicIp])
                      .apply(([subnetIds, securityGroupIds, assignPublicIp]) =>
                          shardingEnvironment(sharding, { subnetIds, securityGroupIds, assignPublicIp: assignPublicIp ?? true, capacityProviderStrategy: args.sharding?.capacityProviderStrategy }),
                      );
        const containerDefinitions = pulumi
            .all([imageUri, this.logGroupName, region, pulumi.output(args.environment ?? {}), shardEnvironment])
            .apply(([uri, logGroupName, r, extra, shardVariables]) =>
                JSON.stringify([
                    processorContainerDefinition({
                        name: this.containerName,
                        image: uri,
                        logGroupName,
                        region: r,
                        prefixes: args.bucket.prefixes,
                        stopTimeoutSeconds: this.stopTimeoutSeconds,
                        cpu: this.cpu,
                        scratchPath: SCRATCH.path,
                        scratchVolumeName: SCRATCH.volume,
                        environment: { ...extra, ...shardVariables },
                        command: s.command,
                    }),
                ]),
            );
        return new aws.ecs.TaskDefinition(
            ...transformed<aws.ecs.TaskDefinitionArgs, pulumi.CustomResourceOptions>(
                args.transform?.taskDefinition,
                `${name}-task`,
                {
                    family: this.family,
                    requiresCompatibilities: ["FARGATE"],
                    networkMode: "awsvpc",
                    cpu: String(this.cpu),
                    memory: String(this.memory),
                    runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: s.architecture },
                    ephemeralStorage: s.ephemeral === undefined ? undefined : { sizeInGib: s.ephemeral },
                    executionRoleArn: this.executionRoleArn,
                    taskRoleArn: this.taskRoleArn,
                    volumes: [{ name: SCRATCH.volume }],
                    containerDefinitions,
                },
                { parent: this },
            ),
        );
    }

    /** The task role's S3 (and KMS) access, and with sharding the right to start this family's tasks. */
    private attachTaskPolicy(name: string, args: ProcessorTaskArgs, role: aws.iam.Role, sharding: ReturnType<typeof validateSharding> | undefined, region: pulumi.Output<string>): void {
        new aws.iam.RolePolicy(...transformed(args.transform?.taskPolicy, `${name}-task-policy`, {
            role: role.id,
            policy: pulumi
                .all([args.bucket.bucketArn, args.bucket.kmsKeyArn, region, this.taskDefinition.arn, args.sharding?.cluster.clusterArn, this.executionRoleArn, this.taskRoleArn])
                .apply(([bucketArn, keyArn, r, taskDefinitionArn, clusterArn, executionRoleArn, taskRoleArn]) =>
                    JSON.stringify(
                        taskRolePolicy({
                            bucketArn,
                            uploadPrefix: args.bucket.prefixes.upload,
                            outputPrefix: args.bucket.prefixes.output,
                            statusPrefix: args.bucket.prefixes.status,
                            kms: keyArn === undefined ? undefined : { keyArn, region: r },
                            sharding:
                                sharding === undefined || clusterArn === undefined
                                    ? undefined
                                    : { partialsPrefix: sharding.partialsPrefix, launch: { taskDefinitionArn, clusterArn, executionRoleArn, taskRoleArn } },
                        }),
                    ),
                ),
        }, { parent: this }));
    }

    private createLogGroup(name: string, retentionInDays: number, args: ProcessorTaskArgs): aws.cloudwatch.LogGroup {
        return new aws.cloudwatch.LogGroup(
            ...transformed<aws.cloudwatch.LogGroupArgs, pulumi.CustomResourceOptions>(
                args.transform?.logGroup,
                `${name}-logs`,
                { name: `/ecs/${this.family}`, retentionInDays, kmsKeyId: args.logGroupKmsKeyArn },
                { parent: this },
            ),
        );
    }

    /** A given URI (scoped pulls when it is in ECR), or a repository of ours and an image built into it. */
    private resolveImage(
        name: string,
        args: ProcessorTaskArgs,
        architecture: CpuArchitecture,
    ): { uri: pulumi.Output<string>; repositoryArn: pulumi.Output<string | undefined>; repository?: aws.ecr.Repository; tag?: string } {
        if (args.image !== undefined) {
            const uri = pulumi.output(args.image);
            return { uri, repositoryArn: uri.apply(ecrRepositoryArnFromImage) };
        }
        const build = args.build ?? DEFAULT_BUILD;
        const t = args.transform ?? {};
        const repository = new aws.ecr.Repository(...transformed(t.repository, `${name}-repository`, {
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "AES256" }],
            forceDelete: args.forceDeleteRepository ?? false,
        }, { parent: this }));
        new aws.ecr.LifecyclePolicy(...transformed(t.repositoryLifecycle, `${name}-repository-lifecycle`, {
            repository: repository.name,
            policy: JSON.stringify({
                rules: [
                    {
                        rulePriority: 1,
                        description: "Keep the last 20 images",
                        selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: 20 },
                        action: { type: "expire" },
                    },
                ],
            }),
        }, { parent: this }));
        const platform = dockerPlatform(architecture) as dockerBuild.Platform;
        const dockerfile = build.dockerfile ?? path.join(build.context, "Dockerfile");
        // The repository is IMMUTABLE: a tag repeated with other content would be refused on push
        // (https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html), so the tag
        // is the content's hash. awsx's ecr.Image tags by a hash of the context *path*, which repeats.
        const tag = imageContentTag({ context: build.context, dockerfile, platform });
        const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, { parent: this });
        const image = new dockerBuild.Image(...transformed(t.image, `${name}-image`, {
            context: { location: build.context },
            dockerfile: { location: dockerfile },
            platforms: [platform],
            tags: [pulumi.interpolate`${repository.repositoryUrl}:${tag}`],
            push: true,
            // Previews do not build (docker-build's default would, once per stack previewed).
            buildOnPreview: false,
            registries: [{ address: repository.repositoryUrl, username: auth.userName, password: pulumi.secret(auth.password) }],
        }, {
            parent: this,
            // A task definition revision still running may pin the old digest; ECR's lifecycle policy expires old images.
            retainOnDelete: true,
        }));
        // The task definition pins the pushed digest, whatever happens to tags later.
        const uri = pulumi.interpolate`${repository.repositoryUrl}@${image.digest}`;
        return { uri, repositoryArn: repository.arn.apply((a): string | undefined => a), repository, tag };
    }
}
