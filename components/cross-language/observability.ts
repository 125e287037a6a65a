import * as pulumi from "@pulumi/pulumi";
import { invalid } from "../builders";
import { Observability as Monitoring, ObservabilitySettings } from "../observability";
import { bothOrNeither, existingLogGroup, existingRole, packageToken } from "./common";

/** When the processor's tasks alarm. */
export interface AlarmThresholds {
    /** Alarm when average CPU use of the family's tasks exceeds this percentage (1–100). Default: 80. */
    cpuPercent?: number;
    /** Alarm when average memory use of the family's tasks exceeds this percentage (1–100). Default: 80. */
    memoryPercent?: number;
    /** Consecutive 1-minute periods above the threshold before alarming (1–60). Default: 5. */
    evaluationPeriods?: number;
}

export interface ObservabilityArgs extends ObservabilitySettings {
    /** The cluster tasks run on (a ProcessingCluster's `clusterName`). */
    clusterName: pulumi.Input<string>;
    /** The cluster's ARN (a ProcessingCluster's `clusterArn`). */
    clusterArn: pulumi.Input<string>;
    /** The task family to watch (a ProcessorTask's `family`, given as the same value). */
    family: string;
    /** The task's container (a ProcessorTask's `containerName`, given as the same value). Default: "processor". */
    containerName?: string;
    /** The task's log group, for the saved Logs Insights queries (a ProcessorTask's `logGroupName`). */
    logGroupName: pulumi.Input<string>;
    /** The task's log group's ARN (a ProcessorTask's `logGroupArn`). */
    logGroupArn: pulumi.Input<string>;
    /** The upload rule (an UploadTrigger's `ruleName`), to alarm on its failed invocations; needs `triggerDeadLetterQueueName`. Default: no rule alarms. */
    triggerRuleName?: pulumi.Input<string>;
    /** The upload rule's dead-letter queue (an UploadTrigger's `deadLetterQueueName`), to alarm on dead letters; needs `triggerRuleName`. Default: no rule alarms. */
    triggerDeadLetterQueueName?: pulumi.Input<string>;
    /** A Slack incoming-webhook URL (pass a secret): failures and alarms are posted there by a Lambda subscribed to the topic. Default: the topic only. */
    slackWebhookUrl?: pulumi.Input<string>;
    /** Shown in Slack messages, e.g. "#data-alerts (prod)"; needs `slackWebhookUrl`. Default: none. */
    slackChannelLabel?: string;
    /** A role of yours for the Slack notifier; no role or policy is created, so it must allow what docs/components.md lists for `slack.role`; needs `slackWebhookUrl`. Default: a role created here. */
    existingNotifierRoleArn?: pulumi.Input<string>;
    /** A log group of yours (its name) the Slack notifier logs to; needs `slackWebhookUrl`, cannot be combined with `logRetentionDays`. Default: a log group created here. */
    existingNotifierLogGroupName?: pulumi.Input<string>;
    /** Create the CPU, memory, delivery and dead-letter alarms. Default: true. */
    createAlarms?: boolean;
    /** The CPU and memory alarms' thresholds. Default: { cpuPercent: 80, memoryPercent: 80, evaluationPeriods: 5 }. */
    alarms?: AlarmThresholds;
}

/**
 * Task failures and alarms in one place: a rule for failed tasks of the family, a KMS-encrypted SNS
 * topic for them and for the alarms (CPU and memory from Container Insights, the upload rule's failed
 * invocations and dead letters), an optional Slack notifier, a dashboard and saved Logs Insights queries.
 */
export class Observability extends pulumi.ComponentResource {
    /** The topic every failure and alarm is published to; subscribe e-mail or chat to it. */
    public readonly topicArn: pulumi.Output<string>;
    /** The rule that publishes failed tasks to the topic. */
    public readonly failureRuleArn: pulumi.Output<string>;
    /** Failure notifications that could not be published land in this queue. */
    public readonly failureDeadLetterQueueUrl: pulumi.Output<string>;
    /** The CloudWatch dashboard, when created. */
    public readonly dashboardName?: pulumi.Output<string>;
    /** The Slack notifier function, when a webhook is given. */
    public readonly notifierFunctionName?: pulumi.Output<string>;

    constructor(name: string, args: ObservabilityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("Observability"), name, {}, opts);
        const trigger = bothOrNeither(name, ["triggerRuleName", "triggerDeadLetterQueueName"], args.triggerRuleName, args.triggerDeadLetterQueueName);
        if (args.slackChannelLabel !== undefined && args.slackWebhookUrl === undefined) {
            invalid(`${name}.slackChannelLabel`, args.slackChannelLabel, `needs ${name}.slackWebhookUrl`, "give the webhook URL, or leave the label unset");
        }
        for (const f of ["existingNotifierRoleArn", "existingNotifierLogGroupName"] as const) {
            if (args[f] !== undefined && args.slackWebhookUrl === undefined) {
                invalid(`${name}.${f}`, "<set>", `needs ${name}.slackWebhookUrl`, "it is the Slack notifier's; give the webhook URL, or leave it unset");
            }
        }
        if (args.createAlarms === false && args.alarms !== undefined) {
            invalid(`${name}.alarms`, args.alarms, `cannot be combined with ${name}.createAlarms: false`, "leave the thresholds unset, or create the alarms");
        }
        const monitoring = new Monitoring(
            name,
            {
                cluster: { clusterName: args.clusterName, clusterArn: args.clusterArn },
                task: { family: args.family, containerName: args.containerName ?? "processor", logGroupName: args.logGroupName },
                trigger: trigger === undefined ? false : { rule: { name: trigger[0] }, deadLetterQueue: { name: trigger[1] } },
                slack:
                    args.slackWebhookUrl === undefined
                        ? false
                        : {
                              webhookUrl: args.slackWebhookUrl,
                              channelLabel: args.slackChannelLabel,
                              role: existingRole(args.existingNotifierRoleArn),
                              logGroup: existingLogGroup(args.existingNotifierLogGroupName),
                          },
                notifySpotInterruptions: args.notifySpotInterruptions,
                alarms: args.createAlarms === false ? false : args.alarms,
                dashboard: args.dashboard,
                logRetentionDays: args.logRetentionDays,
                topicName: args.topicName,
            },
            { parent: this },
        );
        this.topicArn = monitoring.topic.arn;
        this.failureRuleArn = monitoring.failureRule.arn;
        this.failureDeadLetterQueueUrl = monitoring.failureDeadLetterQueue.url;
        this.dashboardName = monitoring.dashboard?.dashboardName;
        this.notifierFunctionName = monitoring.notifier?.name;
        this.registerOutputs({
            topicArn: this.topicArn,
            failureRuleArn: this.failureRuleArn,
            failureDeadLetterQueueUrl: this.failureDeadLetterQueueUrl,
            dashboardName: this.dashboardName,
            notifierFunctionName: this.notifierFunctionName,
        });
    }
}
