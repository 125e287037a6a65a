/**
 * The stack: an upload bucket and the processor's cluster, network, task, roles and logs; uploads reach the
 * processor through the configured trigger (an EventBridge rule per upload, S3 → Lambda, or a queue worker
 * service), optionally with a scheduled batch run and Kubernetes jobs. Reads stack config and composes
 * components, nothing else.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    KubernetesJobs,
    KubernetesJobsArgs,
    LambdaTrigger,
    Observability,
    ProcessingCluster,
    ProcessingNetwork,
    ProcessorTask,
    QueueWorkerService,
    ScheduledTask,
    ScheduleState,
    UploadBucket,
    UploadTrigger,
    inConfig,
    pulumiRuntime,
    readStackConfig,
} from "@s3-fargate-pipeline/components";

const config = readStackConfig(new pulumi.Config(), pulumiRuntime());
const configKey = (key: string) => `${pulumi.getProject()}:${key}`;

const bucket = new UploadBucket("uploads", {
    prefixes: config.prefixes,
    kmsKeyArn: config.bucketKmsKeyArn,
    versioning: config.bucketVersioning,
    expireUploadsAfterDays: config.expireUploadsAfterDays,
    forceDestroy: config.forceDestroy,
    // S3 → Lambda owns the bucket's one notification configuration.
    eventBridge: config.trigger !== "lambda",
});

const network = new ProcessingNetwork("network", {
    subnetIds: config.subnetIds,
    securityGroupIds: config.securityGroupIds,
    assignPublicIp: config.assignPublicIp,
    vpcCidr: config.vpcCidr,
});
const taskNetwork = { subnetIds: network.subnetIds, securityGroupIds: network.securityGroupIds, assignPublicIp: network.assignPublicIp };

const cluster = new ProcessingCluster("processing", { capacity: config.capacity });

const taskSize = {
    cpu: config.taskCpu,
    memory: config.taskMemory,
    cpuArchitecture: config.cpuArchitecture,
    ephemeralStorageGiB: config.ephemeralStorageGiB,
    stopTimeoutSeconds: config.stopTimeoutSeconds,
    logRetentionDays: config.logRetentionDays,
};

// Batch runs (schedule, Kubernetes) take the same keys the upload trigger does.
const batchEnvironment: Record<string, string> = config.keySuffixes.length > 0 ? { BATCH_KEY_SUFFIXES: config.keySuffixes.join(",") } : {};

// Your own job (processor.command), run by the processor runtime in every task and pod; unset, the summariser.
const job = {
    command: config.processorCommand,
    environment: config.processorStdin ? { COMMAND_STDIN: "true" } : undefined,
};

const task = new ProcessorTask("processor", {
    bucket,
    image: config.image,
    ...taskSize,
    ...job,
    forceDeleteRepository: config.forceDestroy,
    // Byte-range shards of large uploads (docs/sharding.md), started where the upload rule starts tasks.
    sharding: config.sharding && { ...config.sharding, cluster, network: taskNetwork, capacityProviderStrategy: cluster.capacityProviderStrategy },
});

// What a per-upload trigger starts: the processor's task on the cluster, for the configured keys.
const perUpload = { bucket, keySuffixes: config.keySuffixes, cluster, task, network: taskNetwork, capacityProviderStrategy: cluster.capacityProviderStrategy };

const uploadTrigger =
    config.trigger === "eventbridge"
        ? new UploadTrigger("on-upload", {
              ...perUpload,
              maxEventAgeSeconds: config.maxEventAgeSeconds,
              maxRetryAttempts: config.maxRetryAttempts,
          })
        : undefined;

const queueWorker =
    config.queueWorker &&
    inConfig(configKey("queueWorker"), "queue-worker", () =>
        new QueueWorkerService("queue-worker", {
            cluster,
            network: taskNetwork,
            task: { bucket, image: task.imageUri, ...taskSize, ...job },
            feed: { bucket, keySuffixes: config.keySuffixes },
            ...config.queueWorker,
        }),
    );

const observability = new Observability("monitoring", {
    cluster,
    // Failures of the tasks that handle uploads: the queue workers when there are any, else the processor's.
    task: queueWorker?.task ?? task,
    trigger: uploadTrigger ?? false,
    slack: config.slackWebhookUrl ? { webhookUrl: config.slackWebhookUrl, channelLabel: config.slackChannelLabel } : false,
    notifySpotInterruptions: config.notifySpotInterruptions,
    alarms: { cpuPercent: config.cpuAlarmPercent, memoryPercent: config.memoryAlarmPercent, evaluationPeriods: config.alarmEvaluationPeriods },
    logRetentionDays: config.logRetentionDays,
});
const alarmTopicArn = observability.topic.arn;

const lambdaTrigger =
    config.trigger === "lambda"
        ? new LambdaTrigger("on-upload", {
              ...perUpload,
              logRetentionDays: config.logRetentionDays,
              alarmTopicArn,
          })
        : undefined;

const schedule =
    config.schedule &&
    inConfig(configKey("schedule"), "catch-up", () =>
        new ScheduledTask("catch-up", {
            cluster,
            task,
            network: taskNetwork,
            bucketName: bucket.bucketName,
            capacityProviderStrategy: cluster.capacityProviderStrategy,
            alarmTopicArn,
            environment: batchEnvironment,
            ...config.schedule!,
            state: config.schedule!.state as ScheduleState | undefined,
        }),
    );

const kubernetes =
    config.kubernetes &&
    inConfig(configKey("kubernetes"), "kubernetes", () =>
        new KubernetesJobs("kubernetes", {
            ...(config.kubernetes as unknown as Omit<KubernetesJobsArgs, "image" | "bucket">),
            image: task.imageUri,
            bucket,
            command: job.command,
            environment: { ...job.environment, ...batchEnvironment },
            // With job.shards, each pod takes its byte range of a large file (docs/sharding.md).
            sharding: config.sharding,
        }),
    );

const sampleName = `sample${config.keySuffixes[0] ?? ".csv"}`;

/** The bucket files are uploaded to. */
export const bucketName = bucket.bucketName;
/** Upload files under this prefix to process them. */
export const uploadPrefix = config.prefixes.upload;
/** Summaries appear under this prefix. */
export const outputPrefix = config.prefixes.output;
/** One status document per file appears under this prefix. */
export const statusPrefix = config.prefixes.status;
/** Only uploads ending in one of these are processed (empty: every key under the upload prefix). */
export const keySuffixes = config.keySuffixes;
/** How uploads reach the processor. */
export const trigger = config.trigger;
/** The EventBridge rule that starts a task per upload (trigger eventbridge). */
export const ruleArn = uploadTrigger?.ruleArn;
/** The ECS cluster the tasks run on. */
export const clusterName = cluster.clusterName;
/** The processor's task definition (per-upload and scheduled runs). */
export const taskDefinitionArn = task.taskDefinitionArn;
/** The processor's log group. */
export const logGroupName = task.logGroupName;
/** Uploads that could not start a task land here (trigger eventbridge, lambda or queue). */
export const deadLetterQueueUrl = uploadTrigger?.deadLetterQueue.url ?? lambdaTrigger?.deadLetterQueueUrl ?? queueWorker?.deadLetterQueueUrl;
/** The Lambda that starts a task per upload (trigger lambda). */
export const triggerFunctionName = lambdaTrigger?.functionName;
/** The work queue (trigger queue): send `{"bucket","key"}` messages or let uploads feed it. */
export const queueUrl = queueWorker?.queueUrl;
/** The queue workers' ECS service (trigger queue). */
export const workerServiceName = queueWorker?.serviceName;
/** The queue workers' log group (trigger queue). */
export const workerLogGroupName = queueWorker?.task.logGroupName;
/** The scheduled batch run. */
export const scheduleArn = schedule?.scheduleArn;
/** Scheduled runs that could not start land here. */
export const scheduleDeadLetterQueueUrl = schedule?.deadLetterQueue.url;
/** The namespace the Kubernetes jobs run in. */
export const kubernetesNamespace = kubernetes?.namespace;
/** Task failures and alarms are published here (subscribe e-mail or chat to it as well). */
export const alertTopicArn = observability.topic.arn;
/** The rule that publishes failed tasks to the alert topic. */
export const failureRuleArn = observability.failureRule.arn;
/** Failure notifications that could not be published to the alert topic land here. */
export const failureDeadLetterQueueUrl = observability.failureDeadLetterQueue.url;
/** The CloudWatch dashboard. */
export const dashboardName = observability.dashboard?.dashboardName;
/** A first upload, ready to paste. */
export const uploadCommand = pulumi.interpolate`aws s3 cp ./${sampleName} "s3://${bucket.bucketName}/${config.prefixes.upload}${sampleName}"`;
