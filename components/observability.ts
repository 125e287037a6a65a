import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { lambdaCode } from "./lambda-code";
import {
    LOG_INSIGHTS_QUERIES,
    PolicyDocument,
    aboveThresholdAlarm,
    alertKeyPolicy,
    alertTopicPolicy,
    deadLetterQueuePolicy,
    invalid,
    dashboardBody,
    requireIntegerInRange,
    lambdaTrustPolicy,
    transformed,
    taskFailurePattern,
    utilisationPercentQueries,
    validateRetention,
} from "./builders";
import { METRICS_NAMESPACE } from "./builders/contracts";
import { ChildTransform, ExistingLogGroup, ExistingRole, existingLogGroupName, existingRoleArn, useOrCreateLogGroup, useOrCreateRole } from "./overrides";
import { typeToken } from "./names";

/** The namespace the processor's Embedded Metric Format metrics go to (see app/src/processor/metrics.ts). */
export const PROCESSOR_METRICS_NAMESPACE = METRICS_NAMESPACE;

export interface AlarmThresholds {
    /** Alarm when average CPU use of the family's tasks exceeds this percentage. @default 80 */
    cpuPercent?: number;
    /** Alarm when average memory use of the family's tasks exceeds this percentage. @default 80 */
    memoryPercent?: number;
    /** Consecutive 1-minute periods above the threshold before alarming (1–60). @default 5 */
    evaluationPeriods?: number;
}

export interface SlackArgs {
    /** The Slack incoming-webhook URL; pass a Pulumi secret (`pulumi config set --secret`). */
    webhookUrl: pulumi.Input<string>;
    /** Shown in messages, e.g. "#data-alerts (prod)". */
    channelLabel?: string;
    /**
     * The notifier's execution role: by default one created here, trusted by Lambda, that may read the
     * webhook secret, write the notifier's log group and send to its dead-letter queue.
     * `{ existing: { arn } }`: a role of yours; no role or policy is created, and yours must trust
     * `lambda.amazonaws.com` and allow `secretsmanager:GetSecretValue` on the webhook secret,
     * `logs:CreateLogStream` and `logs:PutLogEvents` on the log group and `sqs:SendMessage` on the
     * notifier's dead-letter queue. Cannot be combined with `transform.notifierRole` or
     * `transform.notifierRolePolicy`. `false` is refused: a Lambda function needs a role.
     * @default a role created here
     */
    role?: ExistingRole;
    /**
     * The notifier's log group: by default `/aws/lambda/<function name>`, created here with
     * `logRetentionDays`. `{ existing: { name } }`: a group of yours in the stack's region; nothing is
     * created. Cannot be combined with `logRetentionDays` or `transform.notifierLogGroup`. `false` is
     * refused: Lambda would create a group itself, never expiring.
     * @default a log group created here
     */
    logGroup?: ExistingLogGroup;
}

/**
 * The topic, the dashboard and what else is notified: the settings the cross-language Observability takes as
 * they are (so each default is stated in the text, as "Default: …").
 */
export interface ObservabilitySettings {
    /** Also notify when a Spot interruption stops a task. Default: false. */
    notifySpotInterruptions?: boolean;
    /** Create the CloudWatch dashboard. Default: true. */
    dashboard?: boolean;
    /** Retention of the Slack notifier's log group, one of the CloudWatch values; not with an existing log group. Default: 30. */
    logRetentionDays?: number;
    /**
     * The alert topic's name (1-256 letters, digits, hyphens and underscores). The topic's KMS key grants
     * EventBridge the key for this topic only, so the name is fixed before the topic exists.
     * Default: "<project>-<stack>-<name>-alerts".
     */
    topicName?: string;
}

export interface ObservabilityArgs extends ObservabilitySettings {
    /** The cluster tasks run on (a ProcessingCluster fits). */
    cluster: { clusterName: pulumi.Input<string>; clusterArn: pulumi.Input<string> };
    /** The task to watch (a ProcessorTask fits). */
    task: { family: string; containerName: string; logGroupName: pulumi.Input<string> };
    /**
     * The upload rule and its dead-letter queue (an UploadTrigger fits): alarms on its delivery failures and dead
     * letters. `false` when uploads do not start tasks through an EventBridge rule (LambdaTrigger, QueueWorkerService
     * and ScheduledTask alarm on their own dead letters).
     */
    trigger: { rule: { name: pulumi.Input<string> }; deadLetterQueue: { name: pulumi.Input<string> } } | false;
    /**
     * Post failures and alarms to Slack through a Lambda subscribed to the topic. `false`: the topic
     * only (subscribe e-mail, AWS Chatbot or anything else to `topicArn`).
     * @default false
     */
    slack?: SlackArgs | false;
    /** Alarm thresholds, or `false` for no alarms. @default { cpuPercent: 80, memoryPercent: 80, evaluationPeriods: 5 } */
    alarms?: AlarmThresholds | false;
    /**
     * Each child's `ChildTransform`. `alarm` applies to every alarm (the function receives each alarm's
     * name); `queryDefinition` to each saved query.
     * @example
     * transform: { topic: { tags: { team: "data" } }, alarm: (args) => { args.evaluationPeriods = 3; } }
     */
    transform?: ObservabilityTransforms;
}

/** The children of Observability that `transform` reaches. */
export interface ObservabilityTransforms {
    topicKey?: ChildTransform<aws.kms.KeyArgs>;
    topic?: ChildTransform<aws.sns.TopicArgs>;
    topicPolicy?: ChildTransform<aws.sns.TopicPolicyArgs>;
    failureRule?: ChildTransform<aws.cloudwatch.EventRuleArgs>;
    failureTarget?: ChildTransform<aws.cloudwatch.EventTargetArgs>;
    failureDeadLetterQueue?: ChildTransform<aws.sqs.QueueArgs>;
    failureDeadLetterQueuePolicy?: ChildTransform<aws.sqs.QueuePolicyArgs>;
    dashboard?: ChildTransform<aws.cloudwatch.DashboardArgs>;
    queryDefinition?: ChildTransform<aws.cloudwatch.QueryDefinitionArgs>;
    alarm?: ChildTransform<aws.cloudwatch.MetricAlarmArgs>;
    slackSecret?: ChildTransform<aws.secretsmanager.SecretArgs>;
    slackSecretVersion?: ChildTransform<aws.secretsmanager.SecretVersionArgs>;
    notifierLogGroup?: ChildTransform<aws.cloudwatch.LogGroupArgs>;
    notifierDeadLetterQueue?: ChildTransform<aws.sqs.QueueArgs>;
    notifierRole?: ChildTransform<aws.iam.RoleArgs>;
    notifierRolePolicy?: ChildTransform<aws.iam.RolePolicyArgs>;
    notifier?: ChildTransform<aws.lambda.FunctionArgs>;
    notifierRetries?: ChildTransform<aws.lambda.FunctionEventInvokeConfigArgs>;
    notifierPermission?: ChildTransform<aws.lambda.PermissionArgs>;
    notifierSubscription?: ChildTransform<aws.sns.TopicSubscriptionArgs>;
}

/** How long EventBridge keeps retrying a failure notification the topic refused, and how often. */
export const FAILURE_DELIVERY_RETRY = { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 } as const;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;

/** The stack's account, region and partition. */
interface Where {
    account: pulumi.Output<string>;
    region: pulumi.Output<string>;
    partition: pulumi.Output<string>;
}

/** Observability's arguments, validated (errors name `<name>.<field>`), with defaults applied. */
function settleObservability(name: string, args: ObservabilityArgs) {
    const field = (f: string) => `${name}.${f}`;
    const alarms: Required<AlarmThresholds> | false = args.alarms === false ? false : {
        cpuPercent: requireIntegerInRange(field("alarms.cpuPercent"), args.alarms?.cpuPercent ?? 80, 1, 100),
        memoryPercent: requireIntegerInRange(field("alarms.memoryPercent"), args.alarms?.memoryPercent ?? 80, 1, 100),
        evaluationPeriods: requireIntegerInRange(field("alarms.evaluationPeriods"), args.alarms?.evaluationPeriods ?? 5, 1, 60),
    };
    const retention = validateRetention(args.logRetentionDays ?? 30, field("logRetentionDays"));
    const topicName = args.topicName ?? `${pulumi.getProject()}-${pulumi.getStack()}-${name}-alerts`;
    if (!TOPIC_NAME.test(topicName)) {
        invalid(field("topicName"), topicName, "is not a valid SNS topic name", "use 1-256 letters, digits, hyphens and underscores");
    }
    const t = args.transform ?? {};
    const slack = args.slack || undefined;
    const notifier = {
        role: existingRoleArn(
            field("slack.role"),
            slack?.role,
            { [field("transform.notifierRole")]: t.notifierRole, [field("transform.notifierRolePolicy")]: t.notifierRolePolicy },
            "a Lambda function needs an execution role",
        ),
        logGroup: existingLogGroupName(
            field("slack.logGroup"),
            slack?.logGroup,
            { [field("logRetentionDays")]: args.logRetentionDays, [field("transform.notifierLogGroup")]: t.notifierLogGroup },
            "Lambda would create a group itself, never expiring",
        ),
    };
    return { alarms, retention, topicName, notifier };
}

/** The notifier's role and log group of the user's, when given. */
type NotifierChoices = ReturnType<typeof settleObservability>["notifier"];

/**
 * Task failures and alarms in one place: an EventBridge rule for failed tasks of this family, an
 * encrypted SNS topic for them and for the alarms (CPU % and memory % from Container Insights, the
 * upload rule's FailedInvocations, dead letters, the notifier's own errors), an optional Slack
 * notifier, a dashboard and saved Logs Insights queries. The failure rule's own deliveries are
 * watched: retries, a dead-letter queue, and alarms on its FailedInvocations and dead letters that
 * reach the topic under CloudWatch's grant, not EventBridge's.
 */
export class Observability extends pulumi.ComponentResource {
    /** The topic every failure and alarm is published to. */
    public readonly topic: aws.sns.Topic;
    /** The task-failure rule. */
    public readonly failureRule: aws.cloudwatch.EventRule;
    /** Failure notifications EventBridge could not publish to the topic land here. */
    public readonly failureDeadLetterQueue: aws.sqs.Queue;
    /** The Slack notifier, when enabled. */
    public readonly notifier?: aws.lambda.Function;
    /** Notifications the notifier could not deliver. */
    public readonly notifierDeadLetterQueue?: aws.sqs.Queue;
    /** Alarm names by purpose. */
    public readonly alarms: Record<string, aws.cloudwatch.MetricAlarm> = {};
    public readonly dashboard?: aws.cloudwatch.Dashboard;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("monitoring", "Observability"), name, {}, opts);
        const s = settleObservability(name, args);
        const parent = { parent: this };
        const where: Where = {
            account: aws.getCallerIdentityOutput({}, parent).accountId,
            region: aws.getRegionOutput({}, parent).region,
            partition: aws.getPartitionOutput({}, parent).partition,
        };

        this.topic = this.createTopic(name, args, s.topicName, where);
        ({ rule: this.failureRule, deadLetterQueue: this.failureDeadLetterQueue } = this.createFailureRule(name, args, where));
        if (args.slack) {
            const notifier = this.createNotifier(name, args, args.slack, s.retention, s.notifier);
            this.notifier = notifier.fn;
            this.notifierDeadLetterQueue = notifier.deadLetters;
        }
        if (s.alarms) {
            this.createAlarms(name, args, s.alarms);
        }
        if (args.dashboard ?? true) {
            this.dashboard = this.createDashboard(name, args, where.region);
        }
        this.createQueries(name, args);
        this.registerOutputs({ topicArn: this.topic.arn, failureDeadLetterQueueUrl: this.failureDeadLetterQueue.url });
    }

    /** The alert topic, under a KMS key whose policy lets EventBridge and CloudWatch use it for this topic only. */
    private createTopic(name: string, args: ObservabilityArgs, topicName: string, where: Where): aws.sns.Topic {
        const t = args.transform ?? {};
        const topicArn = pulumi.interpolate`arn:${where.partition}:sns:${where.region}:${where.account}:${topicName}`;
        const key = new aws.kms.Key(...transformed(t.topicKey, `${name}-topic-key`, {
            description: "Encrypts the pipeline's alert topic",
            enableKeyRotation: true,
            deletionWindowInDays: 7,
            policy: pulumi
                .all([where.account, where.partition, where.region, topicArn])
                .apply(([account, p, r, arn]) => JSON.stringify(alertKeyPolicy({ account, partition: p, region: r, topicArn: arn }))),
        }, { parent: this }));
        return new aws.sns.Topic(...transformed(t.topic, `${name}-alerts`, { name: topicName, kmsMasterKeyId: key.arn }, { parent: this }));
    }

    /** The task-failure rule and its target, the topic's policy that admits it, and the dead-letter queue of its deliveries. */
    private createFailureRule(name: string, args: ObservabilityArgs, where: Where): { rule: aws.cloudwatch.EventRule; deadLetterQueue: aws.sqs.Queue } {
        const parent = { parent: this };
        const t = args.transform ?? {};
        const rule = new aws.cloudwatch.EventRule(...transformed(t.failureRule, `${name}-task-failed`, {
            description: `Failed ${args.task.family} tasks (non-zero exit, out of memory, failed to start)`,
            eventPattern: pulumi.output(args.cluster.clusterArn).apply((clusterArn) =>
                JSON.stringify(taskFailurePattern({ clusterArn, family: args.task.family, notifySpotInterruptions: args.notifySpotInterruptions ?? false })),
            ),
        }, parent));
        const topicPolicy = new aws.sns.TopicPolicy(...transformed(t.topicPolicy, `${name}-alerts-policy`, {
            arn: this.topic.arn,
            policy: pulumi
                .all([this.topic.arn, rule.arn, where.account, where.region, where.partition])
                .apply(([topicArn, ruleArn, account, r, p]) => JSON.stringify(alertTopicPolicy({ topicArn, ruleArn, account, region: r, partition: p }))),
        }, parent));
        // Notifications the topic refuses (key policy, topic policy, throttling) are retried, then kept here.
        // SSE-SQS: a queue encrypted with the AWS managed KMS key cannot receive EventBridge dead letters
        // (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
        const deadLetterQueue = new aws.sqs.Queue(
            ...transformed(t.failureDeadLetterQueue, `${name}-task-failed-dlq`, { sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600 }, parent),
        );
        const dlqPolicy = new aws.sqs.QueuePolicy(...transformed(t.failureDeadLetterQueuePolicy, `${name}-task-failed-dlq-policy`, {
            queueUrl: deadLetterQueue.url,
            policy: pulumi
                .all([deadLetterQueue.arn, rule.arn])
                .apply(([queueArn, ruleArn]) => JSON.stringify(deadLetterQueuePolicy({ queueArn, ruleArn }))),
        }, parent));
        new aws.cloudwatch.EventTarget(...transformed(t.failureTarget, `${name}-task-failed-target`, {
            rule: rule.name,
            arn: this.topic.arn,
            retryPolicy: { ...FAILURE_DELIVERY_RETRY },
            deadLetterConfig: { arn: deadLetterQueue.arn },
        }, { parent: this, dependsOn: [topicPolicy, dlqPolicy] }));
        return { rule, deadLetterQueue };
    }

    private createDashboard(name: string, args: ObservabilityArgs, region: pulumi.Output<string>): aws.cloudwatch.Dashboard {
        return new aws.cloudwatch.Dashboard(...transformed(args.transform?.dashboard, `${name}-dashboard`, {
            dashboardName: `${pulumi.getProject()}-${pulumi.getStack()}`,
            dashboardBody: pulumi
                .all([region, args.cluster.clusterName, args.trigger ? pulumi.all([args.trigger.rule.name, args.trigger.deadLetterQueue.name]) : undefined])
                .apply(([r, clusterName, rule]) =>
                    JSON.stringify(
                        dashboardBody({
                            region: r,
                            clusterName,
                            family: args.task.family,
                            rule: rule && { ruleName: rule[0], deadLetterQueueName: rule[1] },
                            metricsNamespace: PROCESSOR_METRICS_NAMESPACE,
                        }),
                    ),
                ),
        }, { parent: this }));
    }

    /** The saved Logs Insights queries over the task's log group. */
    private createQueries(name: string, args: ObservabilityArgs): void {
        for (const q of LOG_INSIGHTS_QUERIES) {
            new aws.cloudwatch.QueryDefinition(...transformed(args.transform?.queryDefinition, `${name}-${q.name}`, {
                name: `${pulumi.getProject()}/${pulumi.getStack()}/${q.name}`,
                logGroupNames: [args.task.logGroupName],
                queryString: q.query,
            }, { parent: this }));
        }
    }

    private createNotifier(name: string, args: ObservabilityArgs, slack: SlackArgs, retentionInDays: number, existing: NotifierChoices) {
        const parent = { parent: this };
        const t = args.transform ?? {};
        const secret = new aws.secretsmanager.Secret(...transformed(t.slackSecret, `${name}-slack-webhook`, {
            description: "Slack incoming-webhook URL for pipeline alerts",
            recoveryWindowInDays: 7,
        }, parent));
        new aws.secretsmanager.SecretVersion(
            ...transformed(t.slackSecretVersion, `${name}-slack-webhook`, { secretId: secret.id, secretString: pulumi.secret(slack.webhookUrl) }, parent),
        );
        const functionName = `${pulumi.getProject()}-${pulumi.getStack()}-${name}-notifier`.slice(0, 64);
        const logs = useOrCreateLogGroup(
            existing.logGroup,
            () => new aws.cloudwatch.LogGroup(...transformed(t.notifierLogGroup, `${name}-notifier-logs`, { name: `/aws/lambda/${functionName}`, retentionInDays }, parent)),
            this,
        );
        const deadLetters = new aws.sqs.Queue(
            ...transformed(t.notifierDeadLetterQueue, `${name}-notifier-dlq`, { sqsManagedSseEnabled: true, messageRetentionSeconds: 1209600 }, parent),
        );
        const ready: pulumi.Resource[] = [];
        const role = useOrCreateRole(existing.role, () => {
            const created = new aws.iam.Role(...transformed(t.notifierRole, `${name}-notifier-role`, {
                description: "Slack notifier: read the webhook secret, write its logs, dead-letter undeliverable messages",
                assumeRolePolicy: JSON.stringify(lambdaTrustPolicy()),
            }, parent));
            ready.push(this.attachNotifierPolicy(name, t, created, secret.arn, logs.arn, deadLetters.arn));
            return created;
        });
        if (logs.logGroup !== undefined) {
            ready.push(logs.logGroup);
        }

        const fn = new aws.lambda.Function(...transformed(t.notifier, `${name}-notifier`, {
            name: functionName,
            description: "Posts task failures and alarms from the alert topic to Slack",
            runtime: "nodejs22.x",
            architectures: ["arm64"],
            handler: "handler.handler",
            code: lambdaCode("notifier"),
            role: role.arn,
            timeout: 60,
            memorySize: 256,
            loggingConfig: { logFormat: "Text", logGroup: logs.name },
            environment: {
                variables: {
                    SLACK_WEBHOOK_SECRET_ARN: secret.arn,
                    SLACK_CHANNEL_LABEL: slack.channelLabel ?? "",
                    LOG_GROUP_NAME: args.task.logGroupName,
                    LOG_STREAM_PREFIX: args.task.containerName,
                },
            },
        }, { parent: this, dependsOn: ready }));
        new aws.lambda.FunctionEventInvokeConfig(...transformed(t.notifierRetries, `${name}-notifier-retries`, {
            functionName: fn.name,
            maximumRetryAttempts: 2,
            maximumEventAgeInSeconds: 3600,
            destinationConfig: { onFailure: { destination: deadLetters.arn } },
        }, parent));
        new aws.lambda.Permission(...transformed(t.notifierPermission, `${name}-notifier-from-topic`, {
            action: "lambda:InvokeFunction",
            function: fn.name,
            principal: "sns.amazonaws.com",
            sourceArn: this.topic.arn,
        }, parent));
        new aws.sns.TopicSubscription(
            ...transformed(t.notifierSubscription, `${name}-notifier`, { topic: this.topic.arn, protocol: "lambda", endpoint: fn.arn }, parent),
        );
        return { fn, deadLetters };
    }

    /** May read the webhook secret, write the notifier's log group and send to its dead-letter queue. */
    private attachNotifierPolicy(
        name: string,
        t: ObservabilityTransforms,
        role: aws.iam.Role,
        secretArn: pulumi.Output<string>,
        logGroupArn: pulumi.Output<string>,
        queueArn: pulumi.Output<string>,
    ): aws.iam.RolePolicy {
        return new aws.iam.RolePolicy(...transformed(t.notifierRolePolicy, `${name}-notifier-policy`, {
            role: role.id,
            policy: pulumi.all([secretArn, logGroupArn, queueArn]).apply(([secret, logGroup, queue]) => {
                const doc: PolicyDocument = {
                    Version: "2012-10-17",
                    Statement: [
                        { Sid: "ReadWebhook", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: secret },
                        { Sid: "WriteLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${logGroup}:*` },
                        { Sid: "DeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: queue },
                    ],
                };
                return JSON.stringify(doc);
            }),
        }, { parent: this }));
    }

    private createAlarms(name: string, args: ObservabilityArgs, t: Required<AlarmThresholds>) {
        const parent = { parent: this };
        const transform = args.transform?.alarm;
        const actions = { alarmActions: [this.topic.arn], okActions: [this.topic.arn] };
        const percentAlarm = (resource: "Cpu" | "Memory", threshold: number) =>
            new aws.cloudwatch.MetricAlarm(...transformed(transform, `${name}-${resource.toLowerCase()}-high`, {
                alarmDescription: `${resource} use of ${args.task.family} tasks above ${threshold}% (Container Insights, 100 × ${resource}Utilized / ${resource}Reserved)`,
                comparisonOperator: "GreaterThanThreshold",
                threshold,
                evaluationPeriods: t.evaluationPeriods,
                datapointsToAlarm: t.evaluationPeriods,
                treatMissingData: "notBreaching",
                metricQueries: pulumi.output(args.cluster.clusterName).apply((clusterName) => utilisationPercentQueries(resource, clusterName, args.task.family, 60)),
                ...actions,
            }, parent));
        this.alarms.cpu = percentAlarm("Cpu", t.cpuPercent);
        this.alarms.memory = percentAlarm("Memory", t.memoryPercent);
        const countAlarm = (id: string, description: string, namespace: string, metricName: string, dimensions: Record<string, pulumi.Input<string>>, statistic: "Sum" | "Maximum") =>
            new aws.cloudwatch.MetricAlarm(
                ...transformed(transform, `${name}-${id}`, aboveThresholdAlarm({ description, namespace, metricName, dimensions, statistic, topics: [this.topic.arn] }), parent),
            );
        // The failure rule's own deliveries. These publish under CloudWatch's grant on the topic's key,
        // so a broken EventBridge grant does not also silence the alarm that reports it.
        this.alarms.failureRuleFailedInvocations = countAlarm(
            "task-failed-failed-invocations",
            "Task-failure notifications could not be published to the alert topic (topic or key policy, throttling); they are retried, then dead-lettered",
            "AWS/Events", "FailedInvocations", { RuleName: this.failureRule.name }, "Sum",
        );
        this.alarms.failureRuleDeadLetters = countAlarm(
            "task-failed-dead-letters",
            "Task-failure notifications that were never published to the alert topic are waiting in the failure rule's dead-letter queue",
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: this.failureDeadLetterQueue.name }, "Maximum",
        );
        if (args.trigger) {
            this.alarms.failedInvocations = countAlarm(
                "rule-failed-invocations",
                "The upload rule could not start a task (RunTask rejected: bad configuration, no capacity, permissions)",
                "AWS/Events", "FailedInvocations", { RuleName: args.trigger.rule.name }, "Sum",
            );
            this.alarms.deadLetters = countAlarm(
                "dead-letters",
                "Upload events that exhausted their retries are waiting in the dead-letter queue",
                "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: args.trigger.deadLetterQueue.name }, "Maximum",
            );
        }
        if (this.notifier && this.notifierDeadLetterQueue) {
            this.alarms.notifierErrors = countAlarm("notifier-errors", "The Slack notifier failed", "AWS/Lambda", "Errors", { FunctionName: this.notifier.name }, "Sum");
            this.alarms.notifierDeadLetters = countAlarm(
                "notifier-dead-letters",
                "Notifications that could not be delivered to Slack are waiting in the notifier's dead-letter queue",
                "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: this.notifierDeadLetterQueue.name }, "Maximum",
            );
        }
    }
}
