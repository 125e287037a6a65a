/** What the ScheduledTask test files share: the ARNs of the task a schedule runs, and a small stack built around one. */
import { ProcessingCluster } from "../../components/processing-cluster";
import { ProcessorTask } from "../../components/processor-task";
import { ScheduledTask, ScheduledTaskArgs } from "../../components/scheduled-task";
import { ACCOUNT, Recorder, settle } from "../mocks";

export const REGION = "eu-west-1";
export const TYPE = "s3-fargate-pipeline:schedule:ScheduledTask";
export const CLUSTER_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/proc`;
export const TASK_DEFINITION_ARN = `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/proc-family:3`;
export const EXECUTION_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/proc-execution`;
export const TASK_ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/proc-task`;
/** EventBridge Scheduler's universal target for ecs:RunTask. */
export const TARGET_ARN = "arn:aws:scheduler:::aws-sdk:ecs:runTask";
/** The examples every schedule-expression error ends with. */
export const EXAMPLES =
    'e.g. "cron(0 6 * * ? *)" (06:00 every day), "cron(0/15 8-17 ? * MON-FRI *)", "rate(15 minutes)", "rate(1 day)", "at(2030-01-31T06:00:00)"';

/** A cluster, a processor task and a nightly ScheduledTask built from them, as a stack would. */
export async function deployWithProcessor(recorder: Recorder, transform?: ScheduledTaskArgs["transform"]) {
    const cluster = new ProcessingCluster("proc", { capacity: { fargateWeight: 1, fargateSpotWeight: 3 } });
    const task = new ProcessorTask("processor", {
        bucket: { bucketName: "data-bucket", bucketArn: "arn:aws:s3:::data-bucket", prefixes: { upload: "uploads/", output: "processed/", status: "status/" } },
        image: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/processor:1.0.0`,
    });
    const job = new ScheduledTask("nightly", {
        cluster,
        task,
        network: { subnetIds: ["subnet-a"], securityGroupIds: ["sg-1"] },
        bucketName: "data-bucket",
        scheduleExpression: "cron(0 6 * * ? *)",
        capacityProviderStrategy: cluster.capacityProviderStrategy,
        alarmTopicArn: `arn:aws:sns:${REGION}:${ACCOUNT}:alerts`,
        transform,
    });
    await settle();
    return { cluster, task, job, records: recorder.all() };
}
