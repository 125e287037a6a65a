import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { ScheduleSettings, ScheduledTask as Schedule } from "../scheduled-task";
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

export interface ScheduledTaskArgs extends RunTaskArgs, ScheduleSettings {
    /** The task definition family, used in descriptions (a ProcessorTask's `family`). Default: descriptions say "the processor". */
    family?: string;
    /** Let Scheduler start the run up to this many minutes (1–1440) after the scheduled time. Default: unset, runs on time. */
    flexibleTimeWindowMinutes?: number;
    /** Whether the schedule runs. Default: "ENABLED". */
    state?: ScheduleState;
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
