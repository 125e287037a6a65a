/**
 * The stack: an upload bucket, a rule that runs a Fargate task for each upload, and the task's
 * cluster, network, roles and logs. Reads stack config and composes components, nothing else.
 */
import * as pulumi from "@pulumi/pulumi";
import { Observability, ProcessingCluster, ProcessingNetwork, ProcessorTask, UploadBucket, UploadTrigger, readStackConfig } from "./components";

const config = readStackConfig(new pulumi.Config());

const bucket = new UploadBucket("uploads", {
    prefixes: config.prefixes,
    kmsKeyArn: config.bucketKmsKeyArn,
    versioning: config.bucketVersioning,
    expireUploadsAfterDays: config.expireUploadsAfterDays,
    forceDestroy: config.forceDestroy,
});

const network = new ProcessingNetwork("network", {
    subnetIds: config.subnetIds,
    securityGroupIds: config.securityGroupIds,
    assignPublicIp: config.assignPublicIp,
    vpcCidr: config.vpcCidr,
});

const cluster = new ProcessingCluster("processing", { capacity: config.capacity });

const task = new ProcessorTask("processor", {
    bucket,
    image: config.image,
    cpu: config.taskCpu,
    memory: config.taskMemory,
    cpuArchitecture: config.cpuArchitecture,
    ephemeralStorageGiB: config.ephemeralStorageGiB,
    stopTimeoutSeconds: config.stopTimeoutSeconds,
    logRetentionDays: config.logRetentionDays,
    forceDeleteRepository: config.forceDestroy,
});

const trigger = new UploadTrigger("on-upload", {
    bucket,
    keySuffixes: config.keySuffixes,
    cluster,
    task,
    network: { subnetIds: network.subnetIds, securityGroupIds: network.securityGroupIds, assignPublicIp: network.assignPublicIp },
    capacityProviderStrategy: cluster.capacityProviderStrategy,
    maxEventAgeSeconds: config.maxEventAgeSeconds,
    maxRetryAttempts: config.maxRetryAttempts,
});

const observability = new Observability("monitoring", {
    cluster,
    task,
    trigger,
    slack: config.slackWebhookUrl ? { webhookUrl: config.slackWebhookUrl, channelLabel: config.slackChannelLabel } : false,
    notifySpotInterruptions: config.notifySpotInterruptions,
    alarms: { cpuPercent: config.cpuAlarmPercent, memoryPercent: config.memoryAlarmPercent, evaluationPeriods: config.alarmEvaluationPeriods },
    logRetentionDays: config.logRetentionDays,
});

const sampleName = `sample${config.keySuffixes[0] ?? ".csv"}`;

/** The bucket files are uploaded to. */
export const bucketName = bucket.bucketName;
/** Upload files under this prefix to process them. */
export const uploadPrefix = config.prefixes.upload;
/** Summaries appear under this prefix. */
export const outputPrefix = config.prefixes.output;
/** One status document per file appears under this prefix. */
export const statusPrefix = config.prefixes.status;
/** The EventBridge rule that starts a task per upload. */
export const ruleArn = trigger.ruleArn;
/** The ECS cluster the tasks run on. */
export const clusterName = cluster.clusterName;
/** The processor's task definition. */
export const taskDefinitionArn = task.taskDefinitionArn;
/** The processor's log group. */
export const logGroupName = task.logGroup.name;
/** Events that could not start a task land here. */
export const deadLetterQueueUrl = trigger.deadLetterQueue.url;
/** Task failures and alarms are published here (subscribe e-mail or chat to it as well). */
export const alertTopicArn = observability.topic.arn;
/** The CloudWatch dashboard. */
export const dashboardName = observability.dashboard?.dashboardName;
/** A first upload, ready to paste. */
export const uploadCommand = pulumi.interpolate`aws s3 cp ./${sampleName} "s3://${bucket.bucketName}/${config.prefixes.upload}${sampleName}"`;
