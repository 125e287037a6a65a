import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { LambdaTrigger as Lambda, LambdaTriggerSettings } from "../lambda-trigger";
import { UploadTrigger as Rule, UploadTriggerSettings } from "../upload-trigger";
import { ArgsOverride, Prefixes, RunTaskArgs, bucketPrefixes, existingLogGroup, existingRole, override, packageToken, runTaskTarget } from "./common";

/** The bucket uploads land in and the keys that start a task. */
export interface UploadSource {
    /** The bucket uploads land in (an UploadBucket's `bucketName`). */
    bucketName: pulumi.Input<string>;
    /** The bucket's prefixes, as given to its UploadBucket. Default: "uploads/", "processed/" and "status/". */
    prefixes?: Prefixes;
    /** Only keys under the upload prefix that end in one of these start a task, e.g. [".csv", ".csv.gz"]. Default: every key under the upload prefix. */
    keySuffixes?: string[];
}

/** Arguments merged over those of the trigger's children. */
export interface UploadTriggerTransforms {
    /** Merged over the rule's arguments (aws.cloudwatch.EventRule). Default: none. */
    rule?: ArgsOverride;
    /** Merged over the target's arguments (aws.cloudwatch.EventTarget). Default: none. */
    target?: ArgsOverride;
}

export interface UploadTriggerArgs extends RunTaskArgs, UploadSource, UploadTriggerSettings {
    /** A role of yours that EventBridge assumes to run the task; no role or policy is created, so it must allow what docs/components.md lists for UploadTrigger's `role`. Default: a role created here. */
    existingRoleArn?: pulumi.Input<string>;
    /** Arguments merged over those of the trigger's children. Default: none. */
    transform?: UploadTriggerTransforms;
}

/**
 * The EventBridge rule that turns "an object was created under the upload prefix" into an ECS RunTask
 * with the object's bucket, key, size, ETag and event time in the container's environment, a retry
 * policy, a dead-letter queue, and a target role that can only run this task definition and pass its
 * two roles. The bucket must send its events to EventBridge (UploadBucket does by default).
 */
export class UploadTrigger extends pulumi.ComponentResource {
    /** The rule's ARN. */
    public readonly ruleArn: pulumi.Output<string>;
    /** The rule's name. */
    public readonly ruleName: pulumi.Output<string>;
    /** Events that exhausted their retries land in this queue. */
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The dead-letter queue's name. */
    public readonly deadLetterQueueName: pulumi.Output<string>;
    /** The role EventBridge assumes to run the task. */
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: UploadTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("UploadTrigger"), name, {}, opts);
        const trigger = new Rule(
            name,
            {
                ...runTaskTarget(name, args),
                bucket: { bucketName: args.bucketName, prefixes: bucketPrefixes(name, args.prefixes) },
                keySuffixes: args.keySuffixes,
                platformVersion: args.platformVersion,
                maxEventAgeSeconds: args.maxEventAgeSeconds,
                maxRetryAttempts: args.maxRetryAttempts,
                deadLetterRetentionSeconds: args.deadLetterRetentionSeconds,
                role: existingRole(args.existingRoleArn),
                transform: {
                    rule: override<aws.cloudwatch.EventRuleArgs>(args.transform?.rule),
                    target: override<aws.cloudwatch.EventTargetArgs>(args.transform?.target),
                },
            },
            { parent: this },
        );
        this.ruleArn = trigger.ruleArn;
        this.ruleName = trigger.rule.name;
        this.deadLetterQueueUrl = trigger.deadLetterQueue.url;
        this.deadLetterQueueName = trigger.deadLetterQueue.name;
        this.roleArn = trigger.roleArn;
        this.registerOutputs({ ruleArn: this.ruleArn, ruleName: this.ruleName, deadLetterQueueUrl: this.deadLetterQueueUrl, deadLetterQueueName: this.deadLetterQueueName, roleArn: this.roleArn });
    }
}

/** The instruction set of a Lambda function. */
export enum LambdaArchitecture {
    /** 64-bit Arm (Graviton). */
    Arm64 = "arm64",
    /** x86-64. */
    X86_64 = "x86_64",
}

/** Arguments merged over those of the Lambda trigger's children. */
export interface LambdaTriggerTransforms {
    /** Merged over the function's arguments (aws.lambda.Function). Default: none. */
    function?: ArgsOverride;
    /** Merged over the function role's arguments (aws.iam.Role). Default: none. */
    role?: ArgsOverride;
    /** Merged over the function's log group's arguments (aws.cloudwatch.LogGroup). Default: none. */
    logGroup?: ArgsOverride;
    /** Merged over the dead-letter queue's arguments (aws.sqs.Queue). Default: none. */
    deadLetterQueue?: ArgsOverride;
    /** Merged over the asynchronous invocation settings' arguments (aws.lambda.FunctionEventInvokeConfig). Default: none. */
    invokeConfig?: ArgsOverride;
    /** Merged over the bucket notification's arguments (aws.s3.BucketNotification). Default: none. */
    notification?: ArgsOverride;
}

export interface LambdaTriggerArgs extends RunTaskArgs, UploadSource, LambdaTriggerSettings {
    /** The bucket's ARN (an UploadBucket's `bucketArn`). Create the bucket with `eventBridge: false`: this component owns its notification configuration. */
    bucketArn: pulumi.Input<string>;
    /** The function's Node.js runtime, nodejs22.x or newer. Default: "nodejs24.x", the newest the AWS provider package knows. */
    runtime?: string;
    /** The function's architecture. Default: "arm64". */
    architecture?: LambdaArchitecture;
    /** A role of yours for the function; no role or policy is created, so it must allow what docs/components.md lists for LambdaTrigger's `role`. Default: a role created here. */
    existingRoleArn?: pulumi.Input<string>;
    /** A log group of yours (its name) the function logs to; cannot be combined with `logRetentionDays`. Default: a log group created here. */
    existingLogGroupName?: pulumi.Input<string>;
    /** Arguments merged over those of the Lambda trigger's children. Default: none. */
    transform?: LambdaTriggerTransforms;
}

/**
 * S3 notification → Lambda → ECS RunTask, for accounts or buckets without EventBridge: the bucket's
 * notification configuration, a function with a managed log group and a scoped role, asynchronous
 * retries and a dead-letter queue for events it could not hand to ECS.
 */
export class LambdaTrigger extends pulumi.ComponentResource {
    /** The function's name. */
    public readonly functionName: pulumi.Output<string>;
    /** The function's ARN. */
    public readonly functionArn: pulumi.Output<string>;
    /** The function's role. */
    public readonly roleArn: pulumi.Output<string>;
    /** The function's log group. */
    public readonly logGroupName: pulumi.Output<string>;
    /** Events the function could not hand to ECS land in this queue. */
    public readonly deadLetterQueueUrl: pulumi.Output<string>;

    constructor(name: string, args: LambdaTriggerArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("LambdaTrigger"), name, {}, opts);
        const trigger = new Lambda(
            name,
            {
                ...runTaskTarget(name, args),
                bucket: { bucketName: args.bucketName, bucketArn: args.bucketArn, prefixes: bucketPrefixes(name, args.prefixes) },
                keySuffixes: args.keySuffixes,
                platformVersion: args.platformVersion,
                runtime: args.runtime as aws.lambda.Runtime | undefined,
                architecture: args.architecture,
                memorySize: args.memorySize,
                timeoutSeconds: args.timeoutSeconds,
                reservedConcurrency: args.reservedConcurrency,
                logRetentionDays: args.logRetentionDays,
                maxRetryAttempts: args.maxRetryAttempts,
                maxEventAgeSeconds: args.maxEventAgeSeconds,
                deadLetterRetentionSeconds: args.deadLetterRetentionSeconds,
                alarmTopicArn: args.alarmTopicArn,
                role: existingRole(args.existingRoleArn),
                logGroup: existingLogGroup(args.existingLogGroupName),
                transform: {
                    function: override<aws.lambda.FunctionArgs>(args.transform?.function),
                    role: override<aws.iam.RoleArgs>(args.transform?.role),
                    logGroup: override<aws.cloudwatch.LogGroupArgs>(args.transform?.logGroup),
                    deadLetterQueue: override<aws.sqs.QueueArgs>(args.transform?.deadLetterQueue),
                    invokeConfig: override<aws.lambda.FunctionEventInvokeConfigArgs>(args.transform?.invokeConfig),
                    notification: override<aws.s3.BucketNotificationArgs>(args.transform?.notification),
                },
            },
            { parent: this },
        );
        this.functionName = trigger.functionName;
        this.functionArn = trigger.functionArn;
        this.roleArn = trigger.roleArn;
        this.logGroupName = trigger.logGroupName;
        this.deadLetterQueueUrl = trigger.deadLetterQueueUrl;
        this.registerOutputs({ functionName: this.functionName, functionArn: this.functionArn, roleArn: this.roleArn, logGroupName: this.logGroupName, deadLetterQueueUrl: this.deadLetterQueueUrl });
    }
}
