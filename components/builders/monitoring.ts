/**
 * Monitoring documents as plain objects: the task-failure event pattern, the SNS topic and KMS key
 * policies, alarm metric math, the dashboard body and Logs Insights queries.
 */
import { EventPattern } from "./event-pattern";
import { PolicyDocument, denyInsecureTransport, policyDocument, serviceForSourceStatement } from "./iam";

export interface FailurePatternArgs {
    clusterArn: string;
    /** Task definition family; every revision matches. */
    family: string;
    /** Also report tasks stopped by a Spot interruption (they exit 143 after recording `interrupted`). */
    notifySpotInterruptions: boolean;
}

/**
 * ECS Task State Change, STOPPED, for this cluster and family, and only failures: a container exited
 * non-zero, a container was killed for memory (OutOfMemoryError, whatever the exit code), or the
 * task failed to start. Successful runs (exit 0, no OOM) match nothing.
 */
export function taskFailurePattern(args: FailurePatternArgs): EventPattern {
    const taskDefinitionPrefix = args.clusterArn.replace(/:cluster\/.*$/, `:task-definition/${args.family}:`);
    const nonZeroExit: EventPattern = { containers: { exitCode: [{ "anything-but": 0 }] } };
    if (!args.notifySpotInterruptions) {
        nonZeroExit.stopCode = [{ "anything-but": "SpotInterruption" }];
    }
    return {
        source: ["aws.ecs"],
        "detail-type": ["ECS Task State Change"],
        detail: {
            clusterArn: [args.clusterArn],
            taskDefinitionArn: [{ prefix: taskDefinitionPrefix }],
            lastStatus: ["STOPPED"],
            $or: [nonZeroExit, { containers: { reason: [{ prefix: "OutOfMemoryError" }] } }, { stopCode: ["TaskFailedToStart"] }],
        },
    };
}

/** `arn:<partition>:cloudwatch:<region>:<account>:alarm:*`: every CloudWatch alarm of one account and region. */
export function accountAlarmsArn(args: { partition: string; region: string; account: string }): string {
    return `arn:${args.partition}:cloudwatch:${args.region}:${args.account}:alarm:*`;
}

/**
 * Topic policy: EventBridge may publish for this rule only (the sns:Publish grant EventBridge's SNS
 * target documents, https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-sns-permissions),
 * and CloudWatch alarms of this account (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger);
 * TLS only.
 */
export function alertTopicPolicy(args: { topicArn: string; ruleArn: string; account: string; region: string; partition: string }): PolicyDocument {
    return policyDocument(
        serviceForSourceStatement("TaskFailureRule", "events.amazonaws.com", "sns:Publish", args.topicArn, args.ruleArn),
        {
            Sid: "AccountAlarms",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: args.topicArn,
            Condition: {
                ArnLike: { "aws:SourceArn": accountAlarmsArn(args) },
                StringEquals: { "aws:SourceAccount": args.account },
            },
        },
        denyInsecureTransport("sns:Publish", [args.topicArn]),
    );
}

/** What SNS needs from the topic's key to accept a message from an AWS service (the SNS developer guide's statement). */
export const SNS_PUBLISHER_KEY_ACTIONS = ["kms:GenerateDataKey*", "kms:Decrypt"];

/**
 * Key policy of the alert topic's KMS key (a topic encrypted with the AWS managed key cannot
 * receive from either service). The account administers the key through IAM. Each publishing
 * service gets its own statement, so a grant that does not work for one cannot silence the other:
 *
 * - EventBridge (the task-failure rule): the statement the SNS developer guide documents for AWS
 *   event sources publishing to encrypted topics, "Enable compatibility between event sources from
 *   AWS services and encrypted topics"
 *   (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services).
 *   AWS does not document that EventBridge's calls to KMS carry aws:SourceAccount or aws:SourceArn,
 *   so the grant does not depend on them; it is scoped to this topic by the encryption context SNS
 *   sends with every data-key request (`aws:sns:topicArn`).
 * - CloudWatch alarms: the same actions, for alarms of this account and region, with the
 *   aws:SourceArn / aws:SourceAccount conditions CloudWatch documents for alarm actions
 *   (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns). The alarms that watch the
 *   failure rule's deliveries publish under this grant.
 */
export function alertKeyPolicy(args: { account: string; partition: string; region: string; topicArn: string }): PolicyDocument {
    return policyDocument(
        {
            Sid: "AccountAdministers",
            Effect: "Allow",
            Principal: { AWS: `arn:${args.partition}:iam::${args.account}:root` },
            Action: "kms:*",
            Resource: "*",
        },
        {
            Sid: "EventBridgePublishesToTheTopic",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: SNS_PUBLISHER_KEY_ACTIONS,
            Resource: "*",
            Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": args.topicArn } },
        },
        {
            Sid: "CloudWatchAlarmsPublish",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: SNS_PUBLISHER_KEY_ACTIONS,
            Resource: "*",
            Condition: {
                ArnLike: { "aws:SourceArn": accountAlarmsArn(args) },
                StringEquals: { "aws:SourceAccount": args.account },
            },
        },
    );
}

/** A metric-math query for MetricAlarm.metricQueries. */
export interface MetricQuery {
    id: string;
    expression?: string;
    label?: string;
    returnData: boolean;
    metric?: { namespace: string; metricName: string; dimensions: Record<string, string>; period: number; stat: string };
}

/**
 * Container Insights utilisation in percent for a task family: `100 * Utilized / Reserved`
 * (CpuUtilized is in CPU units, so the raw metric is not a percentage).
 */
export function utilisationPercentQueries(resource: "Cpu" | "Memory", clusterName: string, family: string, periodSeconds: number): MetricQuery[] {
    const metric = (name: string) => ({
        namespace: "ECS/ContainerInsights",
        metricName: `${resource}${name}`,
        dimensions: { ClusterName: clusterName, TaskDefinitionFamily: family },
        period: periodSeconds,
        stat: "Average",
    });
    return [
        { id: "utilized", metric: metric("Utilized"), returnData: false },
        { id: "reserved", metric: metric("Reserved"), returnData: false },
        { id: "percent", expression: "100 * utilized / reserved", label: `${resource} utilisation (%)`, returnData: true },
    ];
}

export interface DashboardArgs {
    region: string;
    clusterName: string;
    family: string;
    /** The upload rule and its dead-letter queue, when uploads start tasks through EventBridge. */
    rule?: { ruleName: string; deadLetterQueueName: string };
    metricsNamespace: string;
}

/** The dashboard: tasks, utilisation, delivery failures, and the processor's own metrics. */
export function dashboardBody(args: DashboardArgs): object {
    const insights = (metric: string) => ["ECS/ContainerInsights", metric, "ClusterName", args.clusterName, "TaskDefinitionFamily", args.family];
    const percent = (resource: "Cpu" | "Memory") => [
        [{ expression: `100 * ${resource.toLowerCase()}u / ${resource.toLowerCase()}r`, label: `${resource} %`, id: `${resource.toLowerCase()}p` }],
        [...insights(`${resource}Utilized`), { id: `${resource.toLowerCase()}u`, visible: false }],
        [...insights(`${resource}Reserved`), { id: `${resource.toLowerCase()}r`, visible: false }],
    ];
    const widget = (x: number, y: number, title: string, metrics: unknown[], stat = "Sum") => ({
        type: "metric",
        x,
        y,
        width: 12,
        height: 6,
        properties: { title, region: args.region, view: "timeSeries", stacked: false, period: 300, stat, metrics },
    });
    const processor = (metric: string, outcome: string) => [args.metricsNamespace, metric, "Service", "processor", "Outcome", outcome];
    return {
        widgets: [
            widget(0, 0, "Files: succeeded / failed / interrupted", [
                processor("FilesProcessed", "succeeded"),
                processor("FilesProcessed", "failed"),
                processor("FilesProcessed", "interrupted"),
                ...(args.rule ? [["AWS/Events", "TriggeredRules", "RuleName", args.rule.ruleName, { label: "tasks requested" }]] : []),
            ]),
            args.rule
                ? widget(12, 0, "Rule delivery failures and dead letters", [
                      ["AWS/Events", "FailedInvocations", "RuleName", args.rule.ruleName],
                      ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", args.rule.deadLetterQueueName, { stat: "Maximum" }],
                  ])
                : widget(12, 0, "Bytes read", [[args.metricsNamespace, "BytesRead", "Service", "processor"]]),
            widget(0, 6, "CPU utilisation (%)", percent("Cpu"), "Average"),
            widget(12, 6, "Memory utilisation (%)", percent("Memory"), "Average"),
            widget(0, 12, "Rows processed", [[args.metricsNamespace, "RowsProcessed", "Service", "processor"]]),
            widget(12, 12, "Duration per file (ms)", [[args.metricsNamespace, "DurationMs", "Service", "processor", { stat: "p90", label: "p90" }], [args.metricsNamespace, "DurationMs", "Service", "processor", { stat: "Maximum", label: "max" }]], "Average"),
        ],
    };
}

/** Saved CloudWatch Logs Insights queries over the processor's JSON logs. */
export const LOG_INSIGHTS_QUERIES: readonly { name: string; query: string }[] = [
    {
        name: "errors-by-file",
        query: [
            "fields @timestamp, key, errorClass, error, exitCode",
            'filter level = "error"',
            "stats count(*) as errors, latest(error) as lastError, latest(exitCode) as lastExitCode by key, errorClass",
            "sort errors desc",
        ].join("\n| "),
    },
    {
        name: "slowest-files",
        query: ['fields @timestamp, key, rows, durationMs', 'filter msg = "succeeded"', "sort durationMs desc", "limit 25"].join("\n| "),
    },
];

/** What an alarm on one metric going above a threshold needs; S is a plain or a deploy-time string. */
export interface AboveThresholdAlarm<S> {
    description: string;
    namespace: string;
    metricName: string;
    dimensions: Record<string, S>;
    statistic: "Sum" | "Maximum";
    /** @default 0: any occurrence */
    threshold?: number;
    /** Topics notified when the alarm fires and when it clears. */
    topics?: S[];
}

/**
 * MetricAlarm arguments: above the threshold in one 5-minute period; no data (nothing happened) is not a breach.
 */
export function aboveThresholdAlarm<S>(a: AboveThresholdAlarm<S>) {
    return {
        alarmDescription: a.description,
        namespace: a.namespace,
        metricName: a.metricName,
        dimensions: a.dimensions,
        statistic: a.statistic,
        period: 300,
        evaluationPeriods: 1,
        comparisonOperator: "GreaterThanThreshold",
        threshold: a.threshold ?? 0,
        treatMissingData: "notBreaching",
        ...(a.topics === undefined ? {} : { alarmActions: a.topics, okActions: a.topics }),
    };
}
