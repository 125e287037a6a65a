import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ScheduledTask as Schedule } from "../scheduled-task";
import { ArgsOverride, RunTaskArgs, existingRole, override, packageToken, runTaskTarget } from "./common";

/** Whether a schedule runs. */
export enum ScheduleState {
    /** The schedule runs. */
    Enabled = "ENABLED",
    /** The schedule is kept without running. */
    Disabled = "DISABLED",
}

/** Arguments merged over those of the schedule's children. */
export interface ScheduledTaskTransforms {
    /** Merged over the schedule's arguments (aws.scheduler.Schedule). Default: none. */
    schedule?: ArgsOverride;
    /** Merged over the dead-letter queue's arguments (aws.sqs.Queue). Default: none. */
    deadLetterQueue?: ArgsOverride;
    /** Merged over the dead-letter queue policy's arguments (aws.sqs.QueuePolicy). Default: none. */
    deadLetterQueuePolicy?: ArgsOverride;
    /** Merged over the Scheduler role's arguments (aws.iam.Role). Default: none. */
    role?: ArgsOverride;
    /** Merged over the Scheduler role policy's arguments (aws.iam.RolePolicy). Default: none. */
    rolePolicy?: ArgsOverride;
    /** Merged over the dead-letter alarm's arguments (aws.cloudwatch.MetricAlarm). Default: none. */
    alarm?: ArgsOverride;
}

export interface ScheduledTaskArgs extends RunTaskArgs {
    /** The task definition family, used in descriptions (a ProcessorTask's `family`). Default: descriptions say "the processor". */
    family?: string;
    /** The bucket the batch run works on (an UploadBucket's `bucketName`); the task role must already allow it. */
    bucketName: pulumi.Input<string>;
    /**
     * When to run: `cron(minutes hours day-of-month month day-of-week year)`, `rate(N minutes|hours|days)`
     * or `at(yyyy-mm-ddThh:mm:ss)`, e.g. "cron(0 6 * * ? *)" for 06:00 every day.
     */
    scheduleExpression: string;
    /** IANA time zone the expression is evaluated in. Default: "UTC". */
    timezone?: string;
    /** Let Scheduler start the run up to this many minutes (1–1440) after the scheduled time. Default: unset, runs on time. */
    flexibleTimeWindowMinutes?: number;
    /** How many times Scheduler retries a RunTask call that returned an error (0–185). Default: 2. */
    maxRetryAttempts?: number;
    /** How long Scheduler keeps retrying an invocation (60–86400 s). Default: 3600. */
    maxEventAgeSeconds?: number;
    /** Fargate platform version, numeric form ("1.4.0"). Default: the latest (not sent). */
    platformVersion?: string;
    /** Extra environment variables for the batch run's container, besides PROCESSOR_MODE=batch and S3_BUCKET. Default: {}. */
    environment?: Record<string, string>;
    /** RunTask's `startedBy` for the tasks this schedule starts (up to 128 letters, digits, hyphens, slashes, underscores). Default: "scheduler/<component name>" (other characters replaced by "-", cut to 128). */
    startedBy?: string;
    /** Whether the schedule runs. Default: "ENABLED". */
    state?: ScheduleState;
    /** An existing schedule group for the schedule. Default: "default". */
    scheduleGroupName?: string;
    /** SNS topic notified when a run lands in the dead-letter queue (an Observability's `topicArn`). Default: no alarm. */
    alarmTopicArn?: pulumi.Input<string>;
    /** A role of yours that Scheduler assumes to run the task; no role or policy is created, so it must allow what docs/components.md lists for ScheduledTask's `role`. Default: a role created here. */
    existingRoleArn?: pulumi.Input<string>;
    /** Arguments merged over those of the schedule's children. Default: none. */
    transform?: ScheduledTaskTransforms;
}

/**
 * An EventBridge Scheduler schedule that runs the processor in batch mode over everything not yet
 * processed, with retries, a dead-letter queue for runs that could not start, and a role that may
 * only run this task.
 */
export class ScheduledTask extends pulumi.ComponentResource {
    /** The schedule's ARN. */
    public readonly scheduleArn: pulumi.Output<string>;
    /** Runs that could not start land in this queue. */
    public readonly deadLetterQueueUrl: pulumi.Output<string>;
    /** The role Scheduler assumes to run the task. */
    public readonly roleArn: pulumi.Output<string>;

    constructor(name: string, args: ScheduledTaskArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("ScheduledTask"), name, {}, opts);
        const target = runTaskTarget(name, args);
        const schedule = new Schedule(
            name,
            {
                ...target,
                task: { ...target.task, family: args.family },
                bucketName: args.bucketName,
                scheduleExpression: args.scheduleExpression,
                timezone: args.timezone,
                flexibleTimeWindowMinutes: args.flexibleTimeWindowMinutes,
                maxRetryAttempts: args.maxRetryAttempts,
                maxEventAgeSeconds: args.maxEventAgeSeconds,
                platformVersion: args.platformVersion,
                environment: args.environment,
                startedBy: args.startedBy,
                state: args.state,
                scheduleGroupName: args.scheduleGroupName,
                alarmTopicArn: args.alarmTopicArn,
                role: existingRole(args.existingRoleArn),
                transform: {
                    schedule: override<aws.scheduler.ScheduleArgs>(args.transform?.schedule),
                    deadLetterQueue: override<aws.sqs.QueueArgs>(args.transform?.deadLetterQueue),
                    deadLetterQueuePolicy: override<aws.sqs.QueuePolicyArgs>(args.transform?.deadLetterQueuePolicy),
                    role: override<aws.iam.RoleArgs>(args.transform?.role),
                    rolePolicy: override<aws.iam.RolePolicyArgs>(args.transform?.rolePolicy),
                    alarm: override<aws.cloudwatch.MetricAlarmArgs>(args.transform?.alarm),
                },
            },
            { parent: this },
        );
        this.scheduleArn = schedule.scheduleArn;
        this.deadLetterQueueUrl = schedule.deadLetterQueue.url;
        this.roleArn = schedule.roleArn;
        this.registerOutputs({ scheduleArn: this.scheduleArn, deadLetterQueueUrl: this.deadLetterQueueUrl, roleArn: this.roleArn });
    }
}
