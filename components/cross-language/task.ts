import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { ProcessorTask as Task, ProcessorTaskArgs as TaskArgs, ProcessorTaskSettings } from "../processor-task";
import { ArgsOverride, BucketArgs, TaskSharding, existingLogGroup, existingRole, override, packageToken, processorBucket, taskSharding } from "./common";

/** The CPU architecture the task runs on. */
export enum CpuArchitecture {
    /** x86-64 (Intel and AMD). */
    X86_64 = "X86_64",
    /** 64-bit Arm (AWS Graviton). */
    ARM64 = "ARM64",
}

/**
 * Build the image with Docker (buildx) from a directory with a Dockerfile and push it to an ECR
 * repository of the component, tagged by a hash of its content; previews do not build.
 */
export interface ImageBuild {
    /** Directory sent to Docker as the build context, relative to the Pulumi project. */
    context: string;
    /** Path of the Dockerfile. Default: "<context>/Dockerfile". */
    dockerfile?: string;
}

/** What a processor task runs and how big it is; shared by ProcessorTask and QueueWorkerService. */
export interface TaskSettings extends BucketArgs, ProcessorTaskSettings {
    /** Build and push the image from a directory; cannot be combined with `image`. Default: { context: "./app" } when `image` is not given. */
    build?: ImageBuild;
    /** The CPU architecture. Default: "X86_64". */
    cpuArchitecture?: CpuArchitecture;
    /** Ephemeral storage in GiB (21–200). Default: 20 GiB, included in Fargate's price. */
    ephemeralStorageGib?: number;
    /** Split an upload above `sharding.aboveBytes` into byte-range shards run by tasks of this task definition (docs/sharding.md). Default: off: every file is one task. */
    sharding?: TaskSharding;
    /** A role of yours that ECS starts the task with; no execution role or policy is created, so it must allow what docs/components.md lists for `executionRole`. Default: a role created here. */
    existingExecutionRoleArn?: pulumi.Input<string>;
    /** A role of yours that the processor runs as; no task role or policy is created, so it must allow what docs/components.md lists for `taskRole`. Default: a role created here. */
    existingTaskRoleArn?: pulumi.Input<string>;
    /** A log group of yours (its name) the container logs to; cannot be combined with `logRetentionDays` or `logGroupKmsKeyArn`. Default: a log group created here. */
    existingLogGroupName?: pulumi.Input<string>;
}

/** The TypeScript ProcessorTask's arguments for the shared settings. */
export function taskArgs(name: string, args: TaskSettings): TaskArgs {
    return {
        bucket: processorBucket(name, args),
        image: args.image,
        build: args.build,
        cpu: args.cpu,
        memory: args.memory,
        cpuArchitecture: args.cpuArchitecture,
        ephemeralStorageGiB: args.ephemeralStorageGib,
        stopTimeoutSeconds: args.stopTimeoutSeconds,
        logRetentionDays: args.logRetentionDays,
        logGroupKmsKeyArn: args.logGroupKmsKeyArn,
        environment: args.environment,
        command: args.command,
        sharding: taskSharding(name, args.sharding),
        executionRole: existingRole(args.existingExecutionRoleArn),
        taskRole: existingRole(args.existingTaskRoleArn),
        logGroup: existingLogGroup(args.existingLogGroupName),
    };
}

/** Arguments merged over those of the task's children. */
export interface ProcessorTaskTransforms {
    /** Merged over the task definition's arguments (aws.ecs.TaskDefinition). Default: none. */
    taskDefinition?: ArgsOverride;
    /** Merged over the log group's arguments (aws.cloudwatch.LogGroup). Default: none. */
    logGroup?: ArgsOverride;
}

export interface ProcessorTaskArgs extends TaskSettings {
    /** The container's name, which triggers address. Default: "processor". */
    containerName?: string;
    /** The task definition family. Default: "<project>-<stack>-<name>". */
    family?: string;
    /** Let `pulumi destroy` delete the ECR repository while it holds images. Default: false. */
    forceDeleteRepository?: boolean;
    /** Arguments merged over those of the task's children. Default: none. */
    transform?: ProcessorTaskTransforms;
}

/**
 * A Fargate task definition for the processor: validated size, read-only root with a scratch volume,
 * its own log group with retention, an execution role that can only pull its image and write its
 * logs, and a task role that can only read uploads (and its status documents) and write results.
 */
export class ProcessorTask extends pulumi.ComponentResource {
    /** The task definition ARN (with revision). */
    public readonly taskDefinitionArn: pulumi.Output<string>;
    /** The task definition family. */
    public readonly family: pulumi.Output<string>;
    /** The container triggers address. */
    public readonly containerName: pulumi.Output<string>;
    /** The role ECS uses to start the task. */
    public readonly executionRoleArn: pulumi.Output<string>;
    /** The role the processor runs as. */
    public readonly taskRoleArn: pulumi.Output<string>;
    /** The task's log group. */
    public readonly logGroupName: pulumi.Output<string>;
    /** The task's log group's ARN. */
    public readonly logGroupArn: pulumi.Output<string>;
    /** The image the task runs (by digest when built here). */
    public readonly imageUri: pulumi.Output<string>;
    /** The ECR repository the image is pushed to, when it is built here. */
    public readonly repositoryUrl?: pulumi.Output<string>;

    constructor(name: string, args: ProcessorTaskArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("ProcessorTask"), name, {}, opts);
        const task = new Task(
            name,
            {
                ...taskArgs(name, args),
                containerName: args.containerName,
                family: args.family,
                forceDeleteRepository: args.forceDeleteRepository,
                transform: {
                    taskDefinition: override<aws.ecs.TaskDefinitionArgs>(args.transform?.taskDefinition),
                    logGroup: override<aws.cloudwatch.LogGroupArgs>(args.transform?.logGroup),
                },
            },
            { parent: this },
        );
        this.taskDefinitionArn = task.taskDefinitionArn;
        this.family = pulumi.output(task.family);
        this.containerName = pulumi.output(task.containerName);
        this.executionRoleArn = task.executionRoleArn;
        this.taskRoleArn = task.taskRoleArn;
        this.logGroupName = task.logGroupName;
        this.logGroupArn = task.logGroupArn;
        this.imageUri = task.imageUri;
        this.repositoryUrl = task.repository?.repositoryUrl;
        this.registerOutputs({
            taskDefinitionArn: this.taskDefinitionArn,
            family: this.family,
            containerName: this.containerName,
            executionRoleArn: this.executionRoleArn,
            taskRoleArn: this.taskRoleArn,
            logGroupName: this.logGroupName,
            logGroupArn: this.logGroupArn,
            imageUri: this.imageUri,
            repositoryUrl: this.repositoryUrl,
        });
    }
}
