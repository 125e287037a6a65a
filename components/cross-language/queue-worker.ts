import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../builders";
import { QueueWorkerService as Workers, QueueWorkerSettings } from "../queue-worker-service";
import { ArgsOverride, CapacitySplit, TaskNetworkArgs, override, packageToken } from "./common";
import { TaskSettings, taskArgs } from "./task";

/** Arguments merged over those of the queue worker service's children. */
export interface QueueWorkerServiceTransforms {
    /** Merged over the work queue's arguments (aws.sqs.Queue). Default: none. */
    queue?: ArgsOverride;
    /** Merged over the dead-letter queue's arguments (aws.sqs.Queue). Default: none. */
    deadLetterQueue?: ArgsOverride;
    /** Merged over the work queue policy's arguments (aws.sqs.QueuePolicy). Default: none. */
    queuePolicy?: ArgsOverride;
    /** Merged over the ECS service's arguments (aws.ecs.Service). Default: none. */
    service?: ArgsOverride;
    /** Merged over the scaling target's arguments (aws.appautoscaling.Target). Default: none. */
    scalingTarget?: ArgsOverride;
    /** Merged over the scaling policy's arguments (aws.appautoscaling.Policy). Default: none. */
    scalingPolicy?: ArgsOverride;
    /** Merged over the feed rule's arguments (aws.cloudwatch.EventRule). Default: none. */
    feedRule?: ArgsOverride;
    /** Merged over the feed target's arguments (aws.cloudwatch.EventTarget). Default: none. */
    feedTarget?: ArgsOverride;
    /** Merged over the dead-letter alarm's arguments (aws.cloudwatch.MetricAlarm). Default: none. */
    deadLetterAlarm?: ArgsOverride;
    /** Merged over the oldest-message alarm's arguments (aws.cloudwatch.MetricAlarm). Default: none. */
    oldestMessageAlarm?: ArgsOverride;
}

/** The worker's task (its own ProcessorTask, run in worker mode), where it runs, its queue and its scaling. */
export interface QueueWorkerServiceArgs extends TaskSettings, TaskNetworkArgs, QueueWorkerSettings {
    /** The cluster to run on (a ProcessingCluster's `clusterArn`). */
    clusterArn: pulumi.Input<string>;
    /** The cluster's name (a ProcessingCluster's `clusterName`); its Container Insights metrics drive the scaling. */
    clusterName: pulumi.Input<string>;
    /** A customer managed KMS key for both queues; with `feedUploads` its key policy must let events.amazonaws.com use it. Default: SSE-SQS. */
    queueKmsKeyArn?: pulumi.Input<string>;
    /** Queue the bucket's uploads through an EventBridge rule (the bucket must send its events to EventBridge). Default: false, producers send messages themselves. */
    feedUploads?: boolean;
    /** With `feedUploads`: only keys ending in one of these are queued. Default: every key under the upload prefix. */
    feedKeySuffixes?: string[];
    /** How tasks split between FARGATE and FARGATE_SPOT. Default: { fargateBase: 1, fargateWeight: 30, fargateSpotWeight: 70 }. */
    capacity?: CapacitySplit;
    /** Create the queue alarms (dead letters, oldest message's age). Default: true. */
    createAlarms?: boolean;
    /** Alarm when the oldest message has waited longer than this many seconds (60–1209600). Default: 2 × maxJobSeconds, at least 3600. */
    oldestMessageAgeSeconds?: number;
    /** Arguments merged over those of the queue worker service's children. Default: none. */
    transform?: QueueWorkerServiceTransforms;
}

/**
 * An SQS work queue processed by an autoscaled ECS Fargate service running the processor in worker
 * mode, with a dead-letter queue, scaling on messages per running task (from zero), alarms, and
 * optionally the bucket's uploads fed to the queue by an EventBridge rule.
 */
export class QueueWorkerService extends pulumi.ComponentResource {
    /** The work queue: send `{"bucket","key"}` messages or S3 event notifications to it. */
    public readonly queueUrl: pulumi.Output<string>;
    /** The work queue's ARN. */
    public readonly queueArn: pulumi.Output<string>;
    /** Messages received `maxReceiveCount` times land in this queue. */
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The ECS service's name. */
    public readonly serviceName: pulumi.Output<string>;
    /** The worker's task definition. */
    public readonly taskDefinitionArn: pulumi.Output<string>;
    /** The worker's log group. */
    public readonly logGroupName: pulumi.Output<string>;

    constructor(name: string, args: QueueWorkerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("QueueWorkerService"), name, {}, opts);
        if (args.feedKeySuffixes !== undefined && args.feedUploads !== true) {
            invalid(`${name}.feedKeySuffixes`, args.feedKeySuffixes, `needs ${name}.feedUploads: true`, "feed the uploads, or leave the suffixes unset");
        }
        if (args.createAlarms === false && args.oldestMessageAgeSeconds !== undefined) {
            invalid(`${name}.oldestMessageAgeSeconds`, args.oldestMessageAgeSeconds, `cannot be combined with ${name}.createAlarms: false`, "leave it unset, or create the alarms");
        }
        const t = args.transform;
        const workers = new Workers(
            name,
            {
                cluster: { clusterArn: args.clusterArn, clusterName: args.clusterName },
                network: { subnetIds: args.subnetIds, securityGroupIds: args.securityGroupIds, assignPublicIp: args.assignPublicIp },
                task: taskArgs(name, args),
                maxJobSeconds: args.maxJobSeconds,
                visibilityTimeoutSeconds: args.visibilityTimeoutSeconds,
                maxReceiveCount: args.maxReceiveCount,
                messageRetentionSeconds: args.messageRetentionSeconds,
                kmsKeyArn: args.queueKmsKeyArn,
                messagesPerPoll: args.messagesPerPoll,
                feed: args.feedUploads === true ? { keySuffixes: args.feedKeySuffixes } : false,
                minTasks: args.minTasks,
                maxTasks: args.maxTasks,
                backlogPerTaskTarget: args.backlogPerTaskTarget,
                capacity: args.capacity,
                platformVersion: args.platformVersion,
                serviceName: args.serviceName,
                alarms: args.createAlarms === false ? false : { oldestMessageAgeSeconds: args.oldestMessageAgeSeconds },
                alarmTopicArn: args.alarmTopicArn,
                transform: {
                    queue: override<aws.sqs.QueueArgs>(t?.queue),
                    deadLetterQueue: override<aws.sqs.QueueArgs>(t?.deadLetterQueue),
                    queuePolicy: override<aws.sqs.QueuePolicyArgs>(t?.queuePolicy),
                    service: override<aws.ecs.ServiceArgs>(t?.service),
                    scalingTarget: override<aws.appautoscaling.TargetArgs>(t?.scalingTarget),
                    scalingPolicy: override<aws.appautoscaling.PolicyArgs>(t?.scalingPolicy),
                    feedRule: override<aws.cloudwatch.EventRuleArgs>(t?.feedRule),
                    feedTarget: override<aws.cloudwatch.EventTargetArgs>(t?.feedTarget),
                    deadLetterAlarm: override<aws.cloudwatch.MetricAlarmArgs>(t?.deadLetterAlarm),
                    oldestMessageAlarm: override<aws.cloudwatch.MetricAlarmArgs>(t?.oldestMessageAlarm),
                },
            },
            { parent: this },
        );
        this.queueUrl = workers.queueUrl;
        this.queueArn = workers.queueArn;
        this.deadLetterQueueUrl = workers.deadLetterQueueUrl;
        this.serviceName = pulumi.output(workers.serviceName);
        this.taskDefinitionArn = workers.task.taskDefinitionArn;
        this.logGroupName = workers.task.logGroupName;
        this.registerOutputs({
            queueUrl: this.queueUrl,
            queueArn: this.queueArn,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            serviceName: this.serviceName,
            taskDefinitionArn: this.taskDefinitionArn,
            logGroupName: this.logGroupName,
        });
    }
}
