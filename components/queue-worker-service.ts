import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { BucketPrefixes, CapacitySplit, Transform, aboveThresholdAlarm, applyTransform, transformed, invalid, requireIntegerInRange, uploadEventPattern, validatePlatformVersion, validateSuffixes } from "./builders";
import * as worker from "./builders/queue-worker";
import { existingRoleArn } from "./overrides";
import { typeToken } from "./names";
import { ProcessingCluster } from "./processing-cluster";
import { ProcessorTask, ProcessorTaskArgs } from "./processor-task";
import { TaskNetwork } from "./run-task";

/** The cluster the service runs on (a ProcessingCluster fits). */
export interface WorkerCluster {
    clusterArn: pulumi.Input<string>;
    clusterName: pulumi.Input<string>;
    /**
     * The cluster's capacity providers, to check the service's strategy against before deploying.
     * @default known for a ProcessingCluster (FARGATE, FARGATE_SPOT); not checked otherwise
     */
    capacityProviders?: readonly string[];
}

/** Feed the queue from uploads: an EventBridge rule on the bucket's "Object Created" events. */
export interface QueueFeed {
    /**
     * The bucket whose uploads go to the queue (an UploadBucket fits): the task's bucket, with the
     * same upload prefix (the worker reads only that). It must send its events to EventBridge
     * (UploadBucket does by default).
     * @default the task's bucket
     */
    bucket?: { bucketName: pulumi.Input<string>; prefixes: BucketPrefixes };
    /**
     * Only keys ending in one of these are queued.
     * @default every key under the upload prefix
     * @example [".csv", ".csv.gz"]
     */
    keySuffixes?: string[];
}

/** The queue alarms. */
export interface QueueWorkerAlarms {
    /**
     * Alarm when the oldest message has waited longer than this many seconds (60–1209600): the
     * workers are not keeping up, or cannot start.
     * @default 2 × maxJobSeconds, at least 3600
     */
    oldestMessageAgeSeconds?: number;
}

/**
 * The queue, the service and its scaling: the settings the cross-language QueueWorkerService takes as
 * they are (so each default is stated in the text, as "Default: …").
 */
export interface QueueWorkerSettings {
    /**
     * The longest a job (one message) may take, in seconds. The queue's visibility timeout is this plus 60 s
     * unless `visibilityTimeoutSeconds` is given. Default: 900.
     */
    maxJobSeconds?: number;
    /** The queue's visibility timeout (1–43200 s); must be longer than `maxJobSeconds`. Default: maxJobSeconds + 60. */
    visibilityTimeoutSeconds?: number;
    /** Receives before a message moves to the dead-letter queue (1–1000). Default: 3. */
    maxReceiveCount?: number;
    /**
     * How long the work queue keeps a message (60–1209600 s). The dead-letter queue keeps messages 14 days,
     * and a moved message keeps its original enqueue time, so it is never shorter. Default: 345600 (4 days).
     */
    messageRetentionSeconds?: number;
    /** Messages a worker takes per ReceiveMessage (1–10), set as MAX_MESSAGES. Default: 1. */
    messagesPerPoll?: number;
    /**
     * The fewest tasks. 0 lets the service scale to zero when the queue is empty (nothing to pay while idle);
     * the first message then waits for a task to start (a few minutes: SQS metrics, the scaling alarm, task
     * start-up). Default: 0.
     */
    minTasks?: number;
    /** The most tasks (1–5000). Default: 10. */
    maxTasks?: number;
    /** Messages (waiting or being processed) per running task that the scaling policy holds (1–10000). Default: 5. */
    backlogPerTaskTarget?: number;
    /** Fargate platform version: "LATEST" or a version such as "1.4.0". Default: unset: the latest version. */
    platformVersion?: string;
    /**
     * The ECS service's name, unique in the cluster. A change replaces the service (the old one is deleted
     * first; messages wait in the queue meanwhile). Default: "<project>-<stack>-<name>".
     */
    serviceName?: string;
    /** SNS topic the alarms notify (an Observability's `topicArn` fits). Default: no notification. */
    alarmTopicArn?: pulumi.Input<string>;
}

export interface QueueWorkerServiceArgs extends QueueWorkerSettings {
    /** The cluster to run on (a ProcessingCluster fits; its Container Insights metrics drive the scaling). */
    cluster: WorkerCluster;
    /** The tasks' network placement (a ProcessingNetwork fits). */
    network: TaskNetwork;
    /**
     * The worker's task: a ProcessorTask of its own, run in worker mode. Pass the main task's image
     * (`image: mainTask.imageUri`) so the image is built once. `environment` may not set the worker's
     * own variables (PROCESSOR_MODE, SQS_QUEUE_URL, S3_BUCKET, MAX_MESSAGES). Its `executionRole`,
     * `taskRole` and `logGroup` take `{ existing }` as ProcessorTask's do; with `taskRole: { existing }` the
     * queue policy is not attached either, so that role must also allow `sqs:ReceiveMessage`,
     * `sqs:DeleteMessage`, `sqs:ChangeMessageVisibility` and `sqs:GetQueueAttributes` on the work queue (and
     * `kms:Decrypt` on `kmsKeyArn`, via SQS), and `transform.queueAccessPolicy` cannot be given. Scaling
     * creates no role: Application Auto Scaling uses its service-linked role for ECS.
     * @example { bucket, image: mainTask.imageUri, cpu: 1024, memory: 2048 }
     */
    task: ProcessorTaskArgs;
    /**
     * A customer managed KMS key for both queues. With a feed, its key policy must let
     * events.amazonaws.com use it (kms:GenerateDataKey, kms:Decrypt).
     * @default SSE-SQS (SQS-owned keys), which EventBridge can send to without a key policy
     */
    kmsKeyArn?: pulumi.Input<string>;
    /**
     * Queue the bucket's uploads through an EventBridge rule (the upload pattern UploadTrigger uses).
     * `false`: producers with sqs:SendMessage send `{"bucket","key"}` messages or S3 event notifications.
     * Do not feed the same prefix that an UploadTrigger already processes.
     * @default false
     */
    feed?: QueueFeed | false;
    /**
     * How tasks split between FARGATE and FARGATE_SPOT. Spot tasks get SIGTERM two minutes before
     * they are reclaimed; the worker then returns its message to the queue (one receive used).
     * @default { fargateBase: 1, fargateWeight: 30, fargateSpotWeight: 70 }
     */
    capacity?: CapacitySplit;
    /** Queue alarms, or `false` for none. @default { oldestMessageAgeSeconds: 2 × maxJobSeconds, at least 3600 } */
    alarms?: QueueWorkerAlarms | false;
    /** Adjust the arguments of a child resource. */
    transform?: {
        queue?: Transform<aws.sqs.QueueArgs>;
        deadLetterQueue?: Transform<aws.sqs.QueueArgs>;
        queuePolicy?: Transform<aws.sqs.QueuePolicyArgs>;
        service?: Transform<aws.ecs.ServiceArgs>;
        scalingTarget?: Transform<aws.appautoscaling.TargetArgs>;
        scalingPolicy?: Transform<aws.appautoscaling.PolicyArgs>;
        feedRule?: Transform<aws.cloudwatch.EventRuleArgs>;
        feedTarget?: Transform<aws.cloudwatch.EventTargetArgs>;
        deadLetterAlarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
        oldestMessageAlarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
        deadLetterQueueRedriveAllowPolicy?: Transform<aws.sqs.RedriveAllowPolicyArgs, pulumi.CustomResourceOptions>;
        deadLetterQueuePolicy?: Transform<aws.sqs.QueuePolicyArgs, pulumi.CustomResourceOptions>;
        queueAccessPolicy?: Transform<aws.iam.RolePolicyArgs, pulumi.CustomResourceOptions>;
    };
}


/** Capacity providers of every ProcessingCluster. */
const PROCESSING_CLUSTER_PROVIDERS = ["FARGATE", "FARGATE_SPOT"] as const;

/** `<project>-<stack>-<name>`, reduced to the characters a service name allows. */
export function defaultServiceName(name: string): string {
    return `${pulumi.getProject()}-${pulumi.getStack()}-${name}`.replace(/[^A-Za-z0-9_-]/g, "-").slice(0, 255);
}

/**
 * An SQS work queue processed by an autoscaled ECS Fargate service running the processor in worker
 * mode: a dead-letter queue after `maxReceiveCount` receives, both queues encrypted and TLS only, long
 * polling, a visibility timeout longer than the longest job; a task role that may only consume this
 * queue (beside the processor's S3 access); target tracking on messages per running task that also
 * starts the first task from zero; alarms on dead letters and on the oldest message's age; and,
 * optionally, the bucket's uploads fed to the queue by an EventBridge rule.
 */
export class QueueWorkerService extends pulumi.ComponentResource {
    /** The work queue. */
    public readonly queue: aws.sqs.Queue;
    public readonly queueUrl: pulumi.Output<string>;
    public readonly queueArn: pulumi.Output<string>;
    public readonly queueName: pulumi.Output<string>;
    /** Messages received `maxReceiveCount` times land here. */
    public readonly deadLetterQueue: aws.sqs.Queue;
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    public readonly deadLetterQueueArn: pulumi.Output<string>;
    /** The worker's ProcessorTask (task definition, roles, log group). */
    public readonly task: ProcessorTask;
    /** The ECS service. */
    public readonly service: aws.ecs.Service;
    /** The ECS service's name. */
    public readonly serviceName: string;
    /** The work queue's visibility timeout in seconds: `visibilityTimeoutSeconds` as given, else the longest job plus a margin. */
    public readonly visibilityTimeoutSeconds: number;
    /** The fewest tasks the service scales in to. */
    public readonly minTasks: number;
    /** The most tasks the service scales out to. */
    public readonly maxTasks: number;
    /** The scalable target (the service's desired count). */
    public readonly scalingTarget: aws.appautoscaling.Target;
    /** The target-tracking policy on messages per running task. */
    public readonly scalingPolicy: aws.appautoscaling.Policy;
    /** The queue alarms, by name (`deadLetters`, `oldestMessage`); empty with `alarms: false`. */
    public readonly alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
    /** The rule feeding uploads to the queue, when there is a feed. */
    public readonly feedRule?: aws.cloudwatch.EventRule;

    constructor(name: string, args: QueueWorkerServiceArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("compute", "QueueWorkerService"), name, {}, opts);
        const s = this.settle(name, args);
        this.visibilityTimeoutSeconds = s.visibilityTimeoutSeconds;
        this.minTasks = s.range.minTasks;
        this.maxTasks = s.range.maxTasks;
        this.serviceName = s.serviceName;

        ({ queue: this.queue, deadLetterQueue: this.deadLetterQueue } = this.createQueues(name, args, s.maxReceiveCount, s.retention));
        this.queueUrl = this.queue.url;
        this.queueArn = this.queue.arn;
        this.queueName = this.queue.name;
        this.deadLetterQueueUrl = this.deadLetterQueue.url;
        this.deadLetterQueueArn = this.deadLetterQueue.arn;
        this.feedRule = s.feedBucket === undefined ? undefined : this.createFeedRule(name, s.feedBucket, s.suffixes, args);
        this.createQueuePolicyAndFeed(name, args);
        this.task = this.createTask(name, args, s.messagesPerPoll);
        const queueAccess = this.task.taskRole === undefined ? undefined : this.grantQueueAccess(name, args, this.task.taskRole);
        this.service = this.createService(name, args, s.strategy, s.platformVersion, queueAccess);
        ({ target: this.scalingTarget, policy: this.scalingPolicy } = this.createScaling(name, args, s.target));
        if (s.oldestAge !== undefined) {
            this.createAlarms(name, args, s.oldestAge, s.maxReceiveCount);
        }

        this.registerOutputs({
            queueUrl: this.queueUrl,
            queueArn: this.queueArn,
            deadLetterQueueUrl: this.deadLetterQueueUrl,
            serviceName: this.serviceName,
            taskDefinitionArn: this.task.taskDefinitionArn,
        });
    }

    /** Validates the arguments (errors name `<name>.<field>`) and applies the defaults, once. */
    private settle(name: string, args: QueueWorkerServiceArgs) {
        const field = (f: string) => `${name}.${f}`;
        const maxJobSeconds = args.maxJobSeconds ?? 900;
        const visibilityTimeoutSeconds = worker.queueVisibilityTimeout(maxJobSeconds, args.visibilityTimeoutSeconds, {
            maxJobSeconds: field("maxJobSeconds"),
            visibilityTimeoutSeconds: field("visibilityTimeoutSeconds"),
        });
        const maxReceiveCount = requireIntegerInRange(field("maxReceiveCount"), args.maxReceiveCount ?? 3, 1, 1000);
        const retention = requireIntegerInRange(field("messageRetentionSeconds"), args.messageRetentionSeconds ?? 345600, 60, worker.MAX_RETENTION_SECONDS);
        const messagesPerPoll = requireIntegerInRange(field("messagesPerPoll"), args.messagesPerPoll ?? 1, 1, 10);
        const range = worker.validateTaskRange(args.minTasks ?? 0, args.maxTasks ?? 10, { minTasks: field("minTasks"), maxTasks: field("maxTasks") });
        const target = requireIntegerInRange(field("backlogPerTaskTarget"), args.backlogPerTaskTarget ?? 5, 1, 10000);
        const knownProviders = args.cluster instanceof ProcessingCluster ? PROCESSING_CLUSTER_PROVIDERS : args.cluster.capacityProviders;
        const strategy = worker.workerCapacityStrategy(args.capacity, knownProviders, {
            fargateBase: field("capacity.fargateBase"),
            fargateWeight: field("capacity.fargateWeight"),
            fargateSpotWeight: field("capacity.fargateSpotWeight"),
        });
        const platformVersion = args.platformVersion === undefined ? undefined : validatePlatformVersion(args.platformVersion, field("platformVersion"));
        const serviceName = worker.validateServiceName(args.serviceName ?? defaultServiceName(name), field("serviceName"));
        const feed = args.feed ?? false;
        const suffixes = feed === false ? [] : validateSuffixes(feed.keySuffixes ?? [], field("feed.keySuffixes"));
        const feedBucket = feed === false ? undefined : (feed.bucket ?? args.task.bucket);
        if (feedBucket !== undefined) {
            this.requireWorkerBucket(field, feedBucket, args.task.bucket);
        }
        const alarms = args.alarms ?? {};
        const oldestAge =
            alarms === false
                ? undefined
                : requireIntegerInRange(field("alarms.oldestMessageAgeSeconds"), alarms.oldestMessageAgeSeconds ?? worker.defaultOldestMessageAgeSeconds(maxJobSeconds), 60, worker.MAX_RETENTION_SECONDS);
        for (const reserved of worker.WORKER_ENVIRONMENT) {
            const env = args.task.environment;
            if (env !== undefined && reserved in env) {
                const value = env[reserved];
                invalid(field(`task.environment.${reserved}`), typeof value === "string" ? value : "<output>", "is set by the queue worker", "choose another variable name");
            }
        }
        // A task role of the user's gets no queue policy from us either.
        existingRoleArn(
            field("task.taskRole"),
            args.task.taskRole,
            {
                [field("transform.queueAccessPolicy")]: args.transform?.queueAccessPolicy,
                [field("task.transform.taskRole")]: args.task.transform?.taskRole,
                [field("task.transform.taskPolicy")]: args.task.transform?.taskPolicy,
            },
            "the processor reads and writes S3 and consumes the queue with this role",
        );
        return { visibilityTimeoutSeconds, maxReceiveCount, retention, messagesPerPoll, range, target, strategy, platformVersion, serviceName, suffixes, feedBucket, oldestAge };
    }

    /** The work queue and its dead-letter queue (encrypted, TLS only, redrive both ways). */
    private createQueues(name: string, args: QueueWorkerServiceArgs, maxReceiveCount: number, retention: number): { queue: aws.sqs.Queue; deadLetterQueue: aws.sqs.Queue } {
        const parent = { parent: this };
        const deadLetterQueue = new aws.sqs.Queue(
            `${name}-dlq`,
            applyTransform<aws.sqs.QueueArgs>({ ...this.encryption(args.kmsKeyArn), messageRetentionSeconds: worker.MAX_RETENTION_SECONDS }, args.transform?.deadLetterQueue),
            parent,
        );
        const queue = new aws.sqs.Queue(
            `${name}-queue`,
            applyTransform<aws.sqs.QueueArgs>(
                {
                    ...this.encryption(args.kmsKeyArn),
                    visibilityTimeoutSeconds: this.visibilityTimeoutSeconds,
                    receiveWaitTimeSeconds: worker.RECEIVE_WAIT_SECONDS,
                    messageRetentionSeconds: retention,
                    redrivePolicy: deadLetterQueue.arn.apply((arn) => JSON.stringify(worker.redrivePolicy(arn, maxReceiveCount))),
                },
                args.transform?.queue,
            ),
            parent,
        );
        // A resource of its own: the dead-letter queue naming the work queue, which names it, would be a cycle.
        new aws.sqs.RedriveAllowPolicy(...transformed(args.transform?.deadLetterQueueRedriveAllowPolicy, `${name}-dlq-redrive-allow`, {
            queueUrl: deadLetterQueue.url,
            redriveAllowPolicy: queue.arn.apply((arn) => JSON.stringify(worker.redriveAllowPolicy(arn))),
        }, parent));
        new aws.sqs.QueuePolicy(...transformed(args.transform?.deadLetterQueuePolicy, `${name}-dlq-policy`, {
            queueUrl: deadLetterQueue.url,
            policy: deadLetterQueue.arn.apply((arn) => JSON.stringify(worker.deadLetterTlsPolicy(arn))),
        }, parent));
        return { queue, deadLetterQueue };
    }

    /** The work queue's policy (which names the feed's rule), then the feed's target, which needs it. */
    private createQueuePolicyAndFeed(name: string, args: QueueWorkerServiceArgs): void {
        const queuePolicy = new aws.sqs.QueuePolicy(
            `${name}-queue-policy`,
            applyTransform<aws.sqs.QueuePolicyArgs>(
                {
                    queueUrl: this.queue.url,
                    policy: pulumi
                        .all([this.queue.arn, this.feedRule?.arn])
                        .apply(([queueArn, feedRuleArn]) => JSON.stringify(worker.workQueuePolicy({ queueArn, feedRuleArn }))),
                },
                args.transform?.queuePolicy,
            ),
            { parent: this },
        );
        if (this.feedRule !== undefined) {
            new aws.cloudwatch.EventTarget(
                `${name}-feed-target`,
                applyTransform<aws.cloudwatch.EventTargetArgs>({ rule: this.feedRule.name, arn: this.queue.arn }, args.transform?.feedTarget),
                // EventBridge may only send once the queue policy allows it.
                { parent: this, dependsOn: [queuePolicy] },
            );
        }
    }

    /** The worker's ProcessorTask, in worker mode on this queue. */
    private createTask(name: string, args: QueueWorkerServiceArgs, messagesPerPoll: number): ProcessorTask {
        return new ProcessorTask(
            `${name}-processor`,
            {
                ...args.task,
                environment: {
                    ...args.task.environment,
                    ...worker.workerEnvironment<pulumi.Input<string>>({ queueUrl: this.queue.url, bucketName: args.task.bucket.bucketName, messagesPerPoll }),
                },
            },
            { parent: this },
        );
    }

    /** The task role's right to consume the queue (and decrypt its messages under a customer managed key). */
    private grantQueueAccess(name: string, args: QueueWorkerServiceArgs, taskRole: aws.iam.Role): aws.iam.RolePolicy {
        const region = aws.getRegionOutput({}, { parent: this }).region;
        return new aws.iam.RolePolicy(...transformed(args.transform?.queueAccessPolicy, `${name}-queue-access`, {
            role: taskRole.id,
            policy: pulumi
                .all([this.queue.arn, args.kmsKeyArn, region])
                .apply(([queueArn, keyArn, r]) => JSON.stringify(worker.workerQueuePolicy({ queueArn, kms: keyArn === undefined ? undefined : { keyArn, region: r } }))),
        }, { parent: this }));
    }

    /**
     * The worker reads one bucket, under its upload prefix, and fails messages naming another bucket:
     * a feed must queue exactly those objects. (Bucket names given as outputs are not known yet and are not compared.)
     */
    private requireWorkerBucket(
        field: (f: string) => string,
        feedBucket: { bucketName: pulumi.Input<string>; prefixes: BucketPrefixes },
        taskBucket: { bucketName: pulumi.Input<string>; prefixes: BucketPrefixes },
    ): void {
        if (feedBucket.prefixes.upload !== taskBucket.prefixes.upload) {
            invalid(
                field("feed.bucket.prefixes.upload"),
                feedBucket.prefixes.upload,
                `differs from ${field("task.bucket.prefixes.upload")} ${JSON.stringify(taskBucket.prefixes.upload)}`,
                "feed the prefix the worker may read",
            );
        }
        if (typeof feedBucket.bucketName === "string" && typeof taskBucket.bucketName === "string" && feedBucket.bucketName !== taskBucket.bucketName) {
            invalid(
                field("feed.bucket.bucketName"),
                feedBucket.bucketName,
                `differs from ${field("task.bucket.bucketName")} ${JSON.stringify(taskBucket.bucketName)}`,
                "feed the bucket the worker reads (it fails messages naming another bucket)",
            );
        }
    }

    /** SSE-SQS, or the given customer managed key. */
    private encryption(kmsKeyArn: pulumi.Input<string> | undefined): Pick<aws.sqs.QueueArgs, "sqsManagedSseEnabled" | "kmsMasterKeyId"> {
        return kmsKeyArn === undefined ? { sqsManagedSseEnabled: true } : { kmsMasterKeyId: kmsKeyArn };
    }

    private createFeedRule(
        name: string,
        bucket: { bucketName: pulumi.Input<string>; prefixes: BucketPrefixes },
        suffixes: string[],
        args: QueueWorkerServiceArgs,
    ): aws.cloudwatch.EventRule {
        return new aws.cloudwatch.EventRule(
            `${name}-feed-rule`,
            applyTransform<aws.cloudwatch.EventRuleArgs>(
                {
                    description: `Queues objects created under ${bucket.prefixes.upload} for the ${this.serviceName} workers`,
                    eventPattern: pulumi
                        .output(bucket.bucketName)
                        .apply((bucketName) => JSON.stringify(uploadEventPattern({ bucketName, prefix: bucket.prefixes.upload, suffixes }))),
                },
                args.transform?.feedRule,
            ),
            { parent: this },
        );
    }

    private createService(
        name: string,
        args: QueueWorkerServiceArgs,
        strategy: ReturnType<typeof worker.workerCapacityStrategy>,
        platformVersion: string | undefined,
        queueAccess: aws.iam.RolePolicy | undefined,
    ): aws.ecs.Service {
        // A ProcessingCluster's capacity providers must be attached before a service can use them.
        const dependsOn: pulumi.Resource[] = queueAccess === undefined ? [] : [queueAccess];
        if (args.cluster instanceof ProcessingCluster) {
            dependsOn.push(args.cluster);
        }
        return new aws.ecs.Service(
            `${name}-service`,
            applyTransform<aws.ecs.ServiceArgs>(
                {
                    name: this.serviceName,
                    cluster: args.cluster.clusterArn,
                    taskDefinition: this.task.taskDefinitionArn,
                    desiredCount: this.minTasks,
                    capacityProviderStrategies: strategy.map((s) => ({ ...s })),
                    platformVersion,
                    networkConfiguration: {
                        subnets: args.network.subnetIds,
                        securityGroups: args.network.securityGroupIds,
                        assignPublicIp: args.network.assignPublicIp ?? true,
                    },
                    ...worker.WORKER_DEPLOYMENT,
                    propagateTags: "SERVICE",
                    enableEcsManagedTags: true,
                    enableExecuteCommand: false,
                },
                args.transform?.service,
            ),
            {
                parent: this,
                dependsOn,
                // Autoscaling owns the desired count after creation.
                ignoreChanges: ["desiredCount"],
                // The service has a fixed name, so a replacement must delete the old one first.
                deleteBeforeReplace: true,
            },
        );
    }

    private createScaling(name: string, args: QueueWorkerServiceArgs, target: number): { target: aws.appautoscaling.Target; policy: aws.appautoscaling.Policy } {
        const clusterName = pulumi.output(args.cluster.clusterName);
        const scalingTarget = new aws.appautoscaling.Target(
            `${name}-scaling-target`,
            applyTransform<aws.appautoscaling.TargetArgs>(
                {
                    serviceNamespace: "ecs",
                    scalableDimension: "ecs:service:DesiredCount",
                    resourceId: pulumi.interpolate`service/${clusterName}/${this.service.name}`,
                    minCapacity: this.minTasks,
                    maxCapacity: this.maxTasks,
                },
                args.transform?.scalingTarget,
            ),
            { parent: this },
        );
        const policy = new aws.appautoscaling.Policy(
            `${name}-scaling-policy`,
            applyTransform<aws.appautoscaling.PolicyArgs>(
                {
                    policyType: "TargetTrackingScaling",
                    serviceNamespace: scalingTarget.serviceNamespace,
                    scalableDimension: scalingTarget.scalableDimension,
                    resourceId: scalingTarget.resourceId,
                    targetTrackingScalingPolicyConfiguration: {
                        targetValue: target,
                        scaleOutCooldown: worker.SCALE_OUT_COOLDOWN_SECONDS,
                        scaleInCooldown: worker.SCALE_IN_COOLDOWN_SECONDS,
                        customizedMetricSpecification: {
                            metrics: pulumi
                                .all([this.queue.name, clusterName])
                                .apply(([queueName, cluster]) => worker.backlogPerTaskMetrics({ queueName, clusterName: cluster, serviceName: this.serviceName, target })),
                        },
                    },
                },
                args.transform?.scalingPolicy,
            ),
            { parent: this },
        );
        return { target: scalingTarget, policy };
    }

    private createAlarms(name: string, args: QueueWorkerServiceArgs, oldestAgeSeconds: number, maxReceiveCount: number): void {
        const alarm = (id: string, description: string, queueName: pulumi.Input<string>, metricName: string, threshold: number, transform?: Transform<aws.cloudwatch.MetricAlarmArgs>) =>
            new aws.cloudwatch.MetricAlarm(
                `${name}-${id}`,
                applyTransform<aws.cloudwatch.MetricAlarmArgs>(
                    aboveThresholdAlarm({
                        description,
                        namespace: "AWS/SQS",
                        metricName,
                        dimensions: { QueueName: queueName },
                        statistic: "Maximum",
                        threshold,
                        topics: args.alarmTopicArn === undefined ? undefined : [args.alarmTopicArn],
                    }),
                    transform,
                ),
                { parent: this },
            );
        this.alarms.deadLetters = alarm(
            "dead-letters",
            `Messages received ${maxReceiveCount} time${maxReceiveCount === 1 ? "" : "s"} by ${this.serviceName} workers without success wait in the dead-letter queue`,
            this.deadLetterQueue.name,
            "ApproximateNumberOfMessagesVisible",
            0,
            args.transform?.deadLetterAlarm,
        );
        this.alarms.oldestMessage = alarm(
            "oldest-message",
            `A message has waited over ${oldestAgeSeconds} s in the ${this.serviceName} queue: workers are not keeping up or cannot start`,
            this.queue.name,
            "ApproximateAgeOfOldestMessage",
            oldestAgeSeconds,
            args.transform?.oldestMessageAlarm,
        );
    }
}
