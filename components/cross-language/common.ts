/**
 * What the cross-language components share: the argument types every Pulumi language can express
 * (strings, numbers, booleans, lists, maps, objects and string enums; no callbacks, no unions, no
 * resource objects of this library), and the conversions to the TypeScript components' arguments.
 *
 * The Pulumi package's schema is derived from these declarations by
 * `@pulumi/pulumi/provider/experimental` (its Analyzer reads each property's type and the text of its
 * doc comment, not its tags), so every optional argument states its default in the text, as
 * "Default: …".
 */
import * as pulumi from "@pulumi/pulumi";
import { BucketPrefixes, CapacityProviderStrategyItem, DEFAULT_PREFIXES, Transform, capacityProviderStrategy, invalid, validatePrefixes } from "../builders";
import { ExistingLogGroup, ExistingRole } from "../overrides";
import { PROJECT } from "../names";
import { ProcessorBucket } from "../processor-task";
import { TaskNetwork, TriggeredTask } from "../run-task";

/** The Pulumi package's name (the project's): its SDKs are generated under it (Python: pulumi_s3_fargate_pipeline). */
export const PACKAGE_NAME = PROJECT;

/** The type token of a cross-language component, `s3-fargate-pipeline:index:<Name>`, as the Pulumi package names it. */
export function packageToken(name: string): string {
    return `${PACKAGE_NAME}:index:${name}`;
}

/** Where in the bucket each kind of object goes. None may contain another. */
export interface Prefixes {
    /** Uploads under this prefix are processed. Default: "uploads/". */
    upload?: string;
    /** Summaries are written under this prefix. Default: "processed/". */
    output?: string;
    /** One status document per file is written under this prefix. Default: "status/". */
    status?: string;
}

/** How tasks split between FARGATE (on demand) and FARGATE_SPOT. */
export interface CapacitySplit {
    /** Tasks of each RunTask call (or of a service) that always run on FARGATE before weights apply. Default: 0. */
    fargateBase?: number;
    /** Relative share of FARGATE after the base, among the tasks of one call or one service. Default: 1. */
    fargateWeight?: number;
    /** Relative share of FARGATE_SPOT after the base, among the tasks of one call or one service. Default: 0. */
    fargateSpotWeight?: number;
}

/**
 * Arguments merged over the ones the component gives one of its child resources (a shallow merge: a
 * key given here replaces the component's value). Keys are the child's argument names as the Pulumi
 * AWS or Kubernetes provider spells them (camelCase, e.g. `{"tags": {"team": "data"}}`).
 */
// The keys and values are those of another resource's arguments, whatever they are: `any` is the
// schema's `pulumi.json#/Any`.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type ArgsOverride = Record<string, any>;

/** An override as the TypeScript components' transform: a partial arguments object, merged over the child's. */
export function override<Args extends object>(values: ArgsOverride | undefined): Transform<Args> | undefined {
    return values as Partial<Args> | undefined;
}

/** A role of the caller's (an `existing...RoleArn` argument) as the TypeScript components take it. */
export function existingRole(arn: pulumi.Input<string> | undefined): ExistingRole | undefined {
    return arn === undefined ? undefined : { existing: { arn } };
}

/** A log group of the caller's (an `existing...LogGroupName` argument) as the TypeScript components take it. */
export function existingLogGroup(name: pulumi.Input<string> | undefined): ExistingLogGroup | undefined {
    return name === undefined ? undefined : { existing: { name } };
}

/** Prefixes with their defaults, checked as UploadBucket checks them; errors name `<name>.prefixes.<kind>`. */
export function bucketPrefixes(name: string, prefixes: Prefixes | undefined): BucketPrefixes {
    return validatePrefixes(
        { ...DEFAULT_PREFIXES, ...prefixes },
        { upload: `${name}.prefixes.upload`, output: `${name}.prefixes.output`, status: `${name}.prefixes.status` },
    );
}

/** A capacity split as the strategy a RunTask target or a service takes; none when no split is given. */
export function strategyOf(name: string, split: CapacitySplit | undefined): CapacityProviderStrategyItem[] | undefined {
    return split === undefined
        ? undefined
        : capacityProviderStrategy(split, {
              fargateBase: `${name}.capacity.fargateBase`,
              fargateWeight: `${name}.capacity.fargateWeight`,
              fargateSpotWeight: `${name}.capacity.fargateSpotWeight`,
          });
}

/** The bucket a processor works on. */
export interface BucketArgs {
    /** The bucket's name (an UploadBucket's `bucketName`). */
    bucketName: pulumi.Input<string>;
    /** The bucket's ARN (an UploadBucket's `bucketArn`). */
    bucketArn: pulumi.Input<string>;
    /** The KMS key the bucket is encrypted with, when it uses SSE-KMS. Default: none (SSE-S3). */
    bucketKmsKeyArn?: pulumi.Input<string>;
    /** The bucket's prefixes, as given to its UploadBucket. Default: "uploads/", "processed/" and "status/". */
    prefixes?: Prefixes;
}

/** The TypeScript components' form of a bucket. */
export function processorBucket(name: string, args: BucketArgs): ProcessorBucket {
    return { bucketName: args.bucketName, bucketArn: args.bucketArn, kmsKeyArn: args.bucketKmsKeyArn, prefixes: bucketPrefixes(name, args.prefixes) };
}

/** Where a task's network interface goes (a ProcessingNetwork's outputs fit). */
export interface TaskNetworkArgs {
    /** Subnets for the task (a ProcessingNetwork's `subnetIds`). */
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Security groups for the task (a ProcessingNetwork's `securityGroupIds`). */
    securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /** Give the task a public IP; needed in public subnets without NAT. Default: true. */
    assignPublicIp?: boolean;
}

/** Byte-range shards of one large upload (docs/sharding.md). */
export interface Sharding {
    /** A file larger than this many bytes is split into byte-range shards. */
    aboveBytes: number;
    /** Target bytes per shard. Default: 1 GiB. */
    shardBytes?: number;
    /** At most this many shards per file (2–1000). Default: 16. */
    maxShards?: number;
    /** The job's command processes a byte range and merges partials (docs/sharding.md). Default: false. */
    commandAcceptsRange?: boolean;
    /** Where shards keep partial results until the merge deletes them. Default: "partials/". */
    partialsPrefix?: string;
}

/** Shards started with RunTask by the task that processes the upload: where they run. */
export interface TaskSharding extends Sharding, TaskNetworkArgs {
    /** The cluster the shard tasks run on (a ProcessingCluster's `clusterArn`). */
    clusterArn: pulumi.Input<string>;
    /** Run the shards on a FARGATE / FARGATE_SPOT strategy with this split (the upload rule's). Default: launch type FARGATE. */
    capacity?: CapacitySplit;
}

/** The TypeScript ProcessorTask's form of sharding. */
export function taskSharding(name: string, args: TaskSharding | undefined) {
    return (
        args && {
            aboveBytes: args.aboveBytes,
            shardBytes: args.shardBytes,
            maxShards: args.maxShards,
            commandAcceptsRange: args.commandAcceptsRange,
            partialsPrefix: args.partialsPrefix,
            cluster: { clusterArn: args.clusterArn },
            network: { subnetIds: args.subnetIds, securityGroupIds: args.securityGroupIds, assignPublicIp: args.assignPublicIp },
            capacityProviderStrategy: strategyOf(`${name}.sharding`, args.capacity),
        }
    );
}

/** The task a trigger or a schedule starts with RunTask (a ProcessorTask's outputs fit), and where. */
export interface RunTaskArgs extends TaskNetworkArgs {
    /** The cluster to run on (a ProcessingCluster's `clusterArn`). */
    clusterArn: pulumi.Input<string>;
    /** The task definition to run (a ProcessorTask's `taskDefinitionArn`). */
    taskDefinitionArn: pulumi.Input<string>;
    /** The task's container that gets the file's environment. Default: "processor", ProcessorTask's own default. */
    containerName?: string;
    /** The task's execution role (a ProcessorTask's `executionRoleArn`); the only role besides the task role that may be passed. */
    executionRoleArn: pulumi.Input<string>;
    /** The task's role (a ProcessorTask's `taskRoleArn`). */
    taskRoleArn: pulumi.Input<string>;
    /** Run on a FARGATE / FARGATE_SPOT strategy with this split (for example the cluster's). Default: launch type FARGATE. */
    capacity?: CapacitySplit;
}

/** A RunTask target as the TypeScript components take it. */
export interface RunTaskTarget {
    cluster: { clusterArn: pulumi.Input<string> };
    task: TriggeredTask;
    network: TaskNetwork;
    capacityProviderStrategy?: CapacityProviderStrategyItem[];
}

/** The TypeScript components' forms of a RunTask target: the task, its network and its capacity strategy. */
export function runTaskTarget(name: string, args: RunTaskArgs): RunTaskTarget {
    return {
        cluster: { clusterArn: args.clusterArn },
        task: {
            taskDefinitionArn: args.taskDefinitionArn,
            containerName: args.containerName ?? "processor",
            executionRoleArn: args.executionRoleArn,
            taskRoleArn: args.taskRoleArn,
        },
        network: { subnetIds: args.subnetIds, securityGroupIds: args.securityGroupIds, assignPublicIp: args.assignPublicIp },
        capacityProviderStrategy: strategyOf(name, args.capacity),
    };
}

/**
 * Two arguments that only make sense together: both given, or neither. Throws naming both otherwise.
 */
export function bothOrNeither<A, B>(name: string, fields: [string, string], a: A | undefined, b: B | undefined): [A, B] | undefined {
    if ((a === undefined) !== (b === undefined)) {
        const [given, missing] = a === undefined ? [fields[1], fields[0]] : fields;
        invalid(`${name}.${given}`, "<set>", `needs ${name}.${missing}`, `give both ${fields.join(" and ")}, or neither`);
    }
    return a === undefined || b === undefined ? undefined : [a, b];
}
