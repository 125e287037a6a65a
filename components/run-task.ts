/**
 * What several components share about running the processor's task: the task itself, where its network
 * interface goes, and the fields both triggers (UploadTrigger, LambdaTrigger) take to start it.
 */
import * as pulumi from "@pulumi/pulumi";
import { CapacityProviderStrategyItem } from "./builders";

/** The task to run (a ProcessorTask fits). */
export interface TriggeredTask {
    taskDefinitionArn: pulumi.Input<string>;
    containerName: string;
    /** The ARN of the task's execution role (passed to ECS with the task role). */
    executionRoleArn: pulumi.Input<string>;
    /** The ARN of the task's role. */
    taskRoleArn: pulumi.Input<string>;
}

/** Where the task's network interface goes. */
export interface TaskNetwork {
    subnetIds: pulumi.Input<pulumi.Input<string>[]>;
    securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Give the task a public IP. Needed in public subnets without NAT (to reach S3, ECR and logs).
     * @default true
     */
    assignPublicIp?: boolean;
}

/** The arguments both triggers take: which uploads start a task, and the task they start. */
export interface RunTaskTriggerArgs {
    /**
     * Only keys ending in one of these start a task.
     * @default every key under the upload prefix
     * @example [".csv", ".csv.gz"]
     */
    keySuffixes?: string[];
    /** The cluster to run on (a ProcessingCluster fits). */
    cluster: { clusterArn: pulumi.Input<string> };
    /** The task to run (a ProcessorTask fits). */
    task: TriggeredTask;
    /** The task's network placement; `assignPublicIp` defaults to true (public subnets, no NAT). */
    network: TaskNetwork;
    /**
     * Run on a FARGATE / FARGATE_SPOT strategy (for example the cluster's); the task then names no
     * launch type, which ECS requires when a strategy is given. Each upload is its own RunTask of one
     * task: see `CapacitySplit` for what the weights mean then.
     * @default launch type FARGATE
     */
    capacityProviderStrategy?: CapacityProviderStrategyItem[];
}
