import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { CapacityProviderStrategyItem } from "./builders/capacity";
import { validateNumericPlatformVersion } from "./builders/fargate";
import { aboveThresholdAlarm } from "./builders/monitoring";
import { denyInsecureTransport, schedulerTrustPolicy } from "./builders/iam";
import {
    ScheduleState,
    SCHEDULE_STATES,
    batchRunTaskRequest,
    defaultStartedBy,
    flexibleTimeWindow,
    parseScheduleExpression,
    runTaskTargetArn,
    scheduleGroupArn,
    schedulerRolePolicy,
    validateBatchEnvironment,
    validateBatchRunTaskLength,
    validateContainerName,
    validateScheduleCapacityStrategy,
    validateScheduleGroupName,
    validateStartedBy,
    validateTimezone,
} from "./builders/schedule";
import { Transform, applyTransform } from "./builders/transform";
import { requireIntegerInRange, requireOneOf } from "./builders/validation";
import { ExistingRole, existingRoleArn, useOrCreateRole } from "./overrides";
import { typeToken } from "./names";
import { TaskNetwork, TriggeredTask } from "./run-task";

/** The task the schedule runs (a ProcessorTask fits). */
export interface ScheduledTaskDefinition extends TriggeredTask {
    /** The task definition family; used in descriptions only. @default descriptions say "the processor" */
    family?: string;
}

/**
 * What a schedule runs and how, besides the task and its network: the settings the cross-language
 * ScheduledTask takes as they are (so each default is stated in the text, as "Default: …").
 */
export interface ScheduleSettings {
    /**
     * The bucket the batch run works on; passed to the container as `S3_BUCKET`. The task role must already
     * allow it (a ProcessorTask's role covers its own bucket's prefixes).
     */
    bucketName: pulumi.Input<string>;
    /**
     * When to run: `cron(minutes hours day-of-month month day-of-week year)` with `?` in exactly one of
     * day-of-month and day-of-week, `rate(N minute|minutes|hour|hours|day|days)` (singular only for 1), or
     * `at(yyyy-mm-ddThh:mm:ss)` for a single run, evaluated in `timezone`; e.g. "cron(0 6 * * ? *)" for 06:00
     * every day.
     * @example "cron(0/30 8-18 ? * MON-FRI *)"   // every 30 minutes in office hours
     * @example "rate(6 hours)"
     */
    scheduleExpression: string;
    /** IANA time zone the expression is evaluated in (daylight saving time applies). Default: "UTC". */
    timezone?: string;
    /** How many times Scheduler retries a RunTask call that returned an error (0–185). Default: 2. */
    maxRetryAttempts?: number;
    /** How long Scheduler keeps retrying an invocation (60–86400 s). Default: 3600. */
    maxEventAgeSeconds?: number;
    /** Fargate platform version, numeric form ("1.4.0"). Default: the latest (not sent). */
    platformVersion?: string;
    /**
     * Extra environment variables for the batch run's container; merged with `PROCESSOR_MODE=batch` and
     * `S3_BUCKET`, which (like the task definition's own variables and the per-file S3_KEY…) cannot be
     * replaced here. The whole RunTask request must stay within 8192 characters, checked before deployment
     * with the longest values the cluster, task, bucket and network could have. Default: {}.
     * @example { SUMMARY_PARALLELISM: "2" }
     */
    environment?: Record<string, string>;
    /**
     * RunTask's `startedBy` for the tasks this schedule starts (find them with ListTasks `--started-by`): up
     * to 128 letters, digits, hyphens, forward slashes and underscores. Default: "scheduler/<component name>"
     * (other characters replaced by "-", cut to 128).
     */
    startedBy?: string;
    /**
     * An existing schedule group to put the schedule in; the execution role trusts Scheduler only for
     * schedules of this group. Default: "default".
     */
    scheduleGroupName?: string;
    /**
     * SNS topic notified when a run lands in the dead-letter queue (an alarm on
     * ApproximateNumberOfMessagesVisible > 0, and again when it is empty; an Observability's `topicArn`
     * fits). The topic's policy must let CloudWatch alarms publish (Observability's topic does). Default: no
     * alarm.
     */
    alarmTopicArn?: pulumi.Input<string>;
}

export interface ScheduledTaskArgs extends ScheduleSettings {
    /** The cluster to run on (a ProcessingCluster fits). */
    cluster: { clusterArn: pulumi.Input<string> };
    /**
     * The task to run; its container gets the batch environment. Only the environment is overridden:
     * the task definition's command (ProcessorTask's `command`, your own job) runs for each file as it
     * does for the per-upload trigger.
     */
    task: ScheduledTaskDefinition;
    /**
     * The task's network placement (the same shape as UploadTrigger's); sent as the request's
     * `AwsvpcConfiguration`, `assignPublicIp` as `ENABLED` / `DISABLED`.
     */
    network: TaskNetwork;
    /**
     * Let Scheduler start the run up to this many minutes (1–1440) after the scheduled time, to
     * spread load; `false` runs on time.
     * @default false (mode OFF)
     */
    flexibleTimeWindowMinutes?: number | false;
    /**
     * Run on a FARGATE / FARGATE_SPOT strategy (for example the cluster's, up to 6 items). Without it
     * the launch type is FARGATE.
     * @default launch type FARGATE
     */
    capacityProviderStrategy?: CapacityProviderStrategyItem[];
    /** `DISABLED` keeps the schedule without running it. @default "ENABLED" */
    state?: ScheduleState;
    /**
     * The role Scheduler assumes to run the task: by default one created here, trusted by Scheduler for
     * schedules of this group in this account only. `{ existing: { arn } }`: a role of yours; no role or
     * policy is created, and yours must trust `scheduler.amazonaws.com` and allow `ecs:RunTask` on the task
     * definition's family (in the cluster), `iam:PassRole` on the task's two roles (to
     * `ecs-tasks.amazonaws.com`), `ecs:TagResource` on the cluster's tasks and `sqs:SendMessage` on the
     * dead-letter queue. Cannot be combined with `transform.role` or `transform.rolePolicy`. `false` is
     * refused: Scheduler needs a role to call RunTask.
     * @default a role created here
     */
    role?: ExistingRole;
    /** Adjust the arguments of a child resource. */
    transform?: {
        schedule?: Transform<aws.scheduler.ScheduleArgs>;
        deadLetterQueue?: Transform<aws.sqs.QueueArgs>;
        deadLetterQueuePolicy?: Transform<aws.sqs.QueuePolicyArgs>;
        role?: Transform<aws.iam.RoleArgs>;
        rolePolicy?: Transform<aws.iam.RolePolicyArgs>;
        alarm?: Transform<aws.cloudwatch.MetricAlarmArgs>;
    };
}

/** Dead letters stay 14 days, SQS's maximum. */
const DEAD_LETTER_RETENTION_SECONDS = 1209600;

/** A value already known before deployment (a plain string), or undefined. */
function known(value: pulumi.Input<string>): string | undefined {
    return typeof value === "string" ? value : undefined;
}

/** A list whose length is known before deployment, with the items already known; undefined otherwise. */
function knownList(value: pulumi.Input<pulumi.Input<string>[]>): (string | undefined)[] | undefined {
    return Array.isArray(value) ? value.map((item) => known(item)) : undefined;
}

/** ScheduledTask's arguments, validated (errors name `<name>.<field>`), with defaults applied. */
function settleScheduledTask(name: string, args: ScheduledTaskArgs) {
    const field = (f: string) => `${name}.${f}`;
    parseScheduleExpression(args.scheduleExpression, field("scheduleExpression"));
    const timezone = validateTimezone(args.timezone ?? "UTC", field("timezone"));
    const window = flexibleTimeWindow(args.flexibleTimeWindowMinutes, field("flexibleTimeWindowMinutes"));
    const maxAttempts = requireIntegerInRange(field("maxRetryAttempts"), args.maxRetryAttempts ?? 2, 0, 185);
    const maxEventAge = requireIntegerInRange(field("maxEventAgeSeconds"), args.maxEventAgeSeconds ?? 3600, 60, 86400);
    const strategy = validateScheduleCapacityStrategy(args.capacityProviderStrategy ?? [], field("capacityProviderStrategy"));
    const platformVersion =
        args.platformVersion === undefined ? undefined : validateNumericPlatformVersion(args.platformVersion, field("platformVersion"));
    const containerName = validateContainerName(args.task.containerName, field("task.containerName"));
    const environment = validateBatchEnvironment(args.environment ?? {}, field("environment"));
    const startedBy = args.startedBy === undefined ? defaultStartedBy(name) : validateStartedBy(args.startedBy, field("startedBy"));
    const assignPublicIp = args.network.assignPublicIp ?? true;
    const state = requireOneOf(field("state"), args.state ?? "ENABLED", SCHEDULE_STATES, "a schedule state");
    const groupName = validateScheduleGroupName(args.scheduleGroupName ?? "default", field("scheduleGroupName"));
    // The parts of the RunTask request known now; the ARNs, bucket and network come at deployment.
    const request = { containerName, environment, assignPublicIp, capacityProviderStrategy: strategy, platformVersion, startedBy };
    validateBatchRunTaskLength(
        {
            ...request,
            clusterArn: known(args.cluster.clusterArn),
            taskDefinitionArn: known(args.task.taskDefinitionArn),
            bucketName: known(args.bucketName),
            subnetIds: knownList(args.network.subnetIds),
            securityGroupIds: knownList(args.network.securityGroupIds),
        },
        field("environment"),
    );
    const t = args.transform ?? {};
    const existingRole = existingRoleArn(
        field("role"),
        args.role,
        { [field("transform.role")]: t.role, [field("transform.rolePolicy")]: t.rolePolicy },
        "Scheduler needs a role to call RunTask",
    );
    return { timezone, window, maxAttempts, maxEventAge, state, groupName, request, existingRole };
}

type SettledSchedule = ReturnType<typeof settleScheduledTask>;

/**
 * Runs the processor on a schedule in batch mode (every upload without a result yet) with EventBridge
 * Scheduler: a validated cron / rate / one-time expression in a time zone, a retry policy, a
 * dead-letter queue (with an optional alarm), and an execution role that can only run this task
 * family on this cluster, pass its two roles and send to its own dead-letter queue.
 *
 * The target is Scheduler's universal target `arn:<partition>:scheduler:::aws-sdk:ecs:runTask`, whose
 * input is the RunTask request itself (cluster, task definition, launch type or capacity provider
 * strategy, network, container overrides, tags). Scheduler's templated ECS target (cluster ARN plus
 * `ecsParameters`) has no documented field for container overrides, and the batch run needs
 * `PROCESSOR_MODE=batch` and `S3_BUCKET` in the container.
 */
export class ScheduledTask extends pulumi.ComponentResource {
    /** The schedule. */
    public readonly schedule: aws.scheduler.Schedule;
    /** The schedule's ARN. */
    public readonly scheduleArn: pulumi.Output<string>;
    /** RunTask calls that still failed after the retries land here. */
    public readonly deadLetterQueue: aws.sqs.Queue;
    /** The role Scheduler assumes to run the task, when created here (not with `role: { existing }`). */
    public readonly role?: aws.iam.Role;
    /** The ARN of the role Scheduler assumes to run the task. */
    public readonly roleArn: pulumi.Output<string>;
    /** The dead-letter alarm, when `alarmTopicArn` is given. */
    public readonly alarm?: aws.cloudwatch.MetricAlarm;

    constructor(name: string, args: ScheduledTaskArgs, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("schedule", "ScheduledTask"), name, {}, opts);
        const s = settleScheduledTask(name, args);
        const partition = aws.getPartitionOutput({}, { parent: this }).partition;

        this.deadLetterQueue = this.createDeadLetterQueue(name, args);
        let rolePolicy: aws.iam.RolePolicy | undefined;
        ({ role: this.role, arn: this.roleArn } = useOrCreateRole(s.existingRole, () => {
            const role = this.createRole(name, args, s.groupName, partition);
            rolePolicy = this.attachRolePolicy(name, args, role);
            return role;
        }));
        // The role must be able to run the task (and send dead letters) before the first run.
        this.schedule = this.createSchedule(name, args, s, partition, rolePolicy ? [rolePolicy] : []);
        this.scheduleArn = this.schedule.arn;
        if (args.alarmTopicArn !== undefined) {
            this.alarm = this.createAlarm(name, args, args.alarmTopicArn);
        }
        this.registerOutputs({ scheduleArn: this.scheduleArn, deadLetterQueueUrl: this.deadLetterQueue.url, roleArn: this.roleArn });
    }

    /** May run the task family on the cluster, pass its two roles and send to the dead-letter queue. */
    private attachRolePolicy(name: string, args: ScheduledTaskArgs, role: aws.iam.Role): aws.iam.RolePolicy {
        return new aws.iam.RolePolicy(
            `${name}-role-policy`,
            applyTransform<aws.iam.RolePolicyArgs>(
                {
                    role: role.id,
                    policy: pulumi
                        .all([args.task.taskDefinitionArn, args.cluster.clusterArn, args.task.executionRoleArn, args.task.taskRoleArn, this.deadLetterQueue.arn])
                        .apply(([taskDefinitionArn, clusterArn, executionRoleArn, taskRoleArn, deadLetterQueueArn]) =>
                            JSON.stringify(schedulerRolePolicy({ taskDefinitionArn, clusterArn, executionRoleArn, taskRoleArn, deadLetterQueueArn })),
                        ),
                },
                args.transform?.rolePolicy,
            ),
            { parent: this },
        );
    }

    /** The schedule, whose universal target calls ecs:RunTask as the role with the batch run's request as input. */
    private createSchedule(name: string, args: ScheduledTaskArgs, s: SettledSchedule, partition: pulumi.Output<string>, dependsOn: pulumi.Resource[]): aws.scheduler.Schedule {
        return new aws.scheduler.Schedule(
            `${name}-schedule`,
            applyTransform<aws.scheduler.ScheduleArgs>(
                {
                    description: `Runs ${args.task.family ?? "the processor"} in batch mode on ${args.scheduleExpression} (${s.timezone})`,
                    groupName: s.groupName,
                    scheduleExpression: args.scheduleExpression,
                    scheduleExpressionTimezone: s.timezone,
                    flexibleTimeWindow: { ...s.window },
                    state: s.state,
                    target: {
                        // The universal target: Scheduler calls ecs:RunTask as the role, with the input as the request.
                        arn: partition.apply(runTaskTargetArn),
                        roleArn: this.roleArn,
                        input: pulumi
                            .all([args.cluster.clusterArn, args.task.taskDefinitionArn, args.bucketName, args.network.subnetIds, args.network.securityGroupIds])
                            .apply(([clusterArn, taskDefinitionArn, bucketName, subnetIds, securityGroupIds]) =>
                                JSON.stringify(batchRunTaskRequest({ ...s.request, clusterArn, taskDefinitionArn, bucketName, subnetIds, securityGroupIds })),
                            ),
                        retryPolicy: { maximumRetryAttempts: s.maxAttempts, maximumEventAgeInSeconds: s.maxEventAge },
                        deadLetterConfig: { arn: this.deadLetterQueue.arn },
                    },
                },
                args.transform?.schedule,
            ),
            { parent: this, dependsOn },
        );
    }

    /** SSE-SQS (a queue under the AWS managed KMS key cannot take a service's dead letters), 14 days, TLS only. */
    private createDeadLetterQueue(name: string, args: ScheduledTaskArgs): aws.sqs.Queue {
        const queue = new aws.sqs.Queue(
            `${name}-dlq`,
            applyTransform<aws.sqs.QueueArgs>({ sqsManagedSseEnabled: true, messageRetentionSeconds: DEAD_LETTER_RETENTION_SECONDS }, args.transform?.deadLetterQueue),
            { parent: this },
        );
        // Scheduler sends with the execution role (identity policy), so the queue policy only denies plain HTTP.
        new aws.sqs.QueuePolicy(
            `${name}-dlq-policy`,
            applyTransform<aws.sqs.QueuePolicyArgs>(
                {
                    queueUrl: queue.url,
                    policy: queue.arn.apply((arn) => JSON.stringify({ Version: "2012-10-17", Statement: [denyInsecureTransport("sqs:*", [arn])] })),
                },
                args.transform?.deadLetterQueuePolicy,
            ),
            { parent: this },
        );
        return queue;
    }

    /** Trusted by EventBridge Scheduler of this account, for schedules of the schedule's group only. */
    private createRole(name: string, args: ScheduledTaskArgs, groupName: string, partition: pulumi.Output<string>): aws.iam.Role {
        const parent = { parent: this };
        const identity = aws.getCallerIdentityOutput({}, parent);
        const region = aws.getRegionOutput({}, parent).region;
        return new aws.iam.Role(
            `${name}-role`,
            applyTransform<aws.iam.RoleArgs>(
                {
                    description: `Lets the ${name} schedule run ${args.task.family ?? "the processor"} tasks`,
                    assumeRolePolicy: pulumi
                        .all([identity.accountId, region, partition])
                        .apply(([account, r, p]) =>
                            JSON.stringify(schedulerTrustPolicy({ account, scheduleGroupArn: scheduleGroupArn({ partition: p, region: r, account, groupName }) })),
                        ),
                },
                args.transform?.role,
            ),
            parent,
        );
    }

    private createAlarm(name: string, args: ScheduledTaskArgs, topicArn: pulumi.Input<string>): aws.cloudwatch.MetricAlarm {
        return new aws.cloudwatch.MetricAlarm(
            `${name}-dead-letters`,
            applyTransform<aws.cloudwatch.MetricAlarmArgs>(
                aboveThresholdAlarm({
                    description: `Scheduled runs of ${args.task.family ?? "the processor"} could not be started and are waiting in the dead-letter queue`,
                    namespace: "AWS/SQS",
                    metricName: "ApproximateNumberOfMessagesVisible",
                    dimensions: { QueueName: this.deadLetterQueue.name },
                    statistic: "Maximum",
                    topics: [topicArn],
                }),
                args.transform?.alarm,
            ),
            { parent: this },
        );
    }
}
