import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { CapacityProviderStrategyItem, CapacitySplit, Transform, applyTransform, capacityProviderStrategy, requireOneOf } from "./builders";
import { typeToken } from "./names";

export const CONTAINER_INSIGHTS_MODES = ["enabled", "enhanced"] as const;
export type ContainerInsightsMode = (typeof CONTAINER_INSIGHTS_MODES)[number];

export interface ProcessingClusterArgs {
    /**
     * The default capacity provider strategy, split between FARGATE and FARGATE_SPOT. Weights divide the
     * tasks of one RunTask call or one service; a per-upload trigger's call starts one task, so only
     * all-or-nothing splits have a documented placement per file (see SINGLE_TASK_WEIGHTS).
     * @default { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 } (all on demand)
     * @example { fargateBase: 0, fargateWeight: 0, fargateSpotWeight: 1 } (every task on Spot)
     */
    capacity?: CapacitySplit;
    /**
     * Container Insights level. It cannot be switched off here: the alarms rely on its metrics.
     * @default "enabled"
     */
    containerInsights?: ContainerInsightsMode;
    /** Adjust the arguments of a child resource. */
    transform?: { cluster?: Transform<aws.ecs.ClusterArgs> };
}

/** An ECS cluster for Fargate tasks with Container Insights on and FARGATE / FARGATE_SPOT providers. */
export class ProcessingCluster extends pulumi.ComponentResource {
    /** The cluster resource. */
    public readonly cluster: aws.ecs.Cluster;
    /** The cluster's name. */
    public readonly clusterName: pulumi.Output<string>;
    /** The cluster's ARN. */
    public readonly clusterArn: pulumi.Output<string>;
    /** The validated default strategy; pass it to RunTask targets and services. */
    public readonly capacityProviderStrategy: CapacityProviderStrategyItem[];

    constructor(name: string, args: ProcessingClusterArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("compute", "ProcessingCluster"), name, {}, opts);
        const field = (f: string) => `${name}.${f}`;
        this.capacityProviderStrategy = capacityProviderStrategy(args.capacity ?? {}, {
            fargateBase: field("capacity.fargateBase"),
            fargateWeight: field("capacity.fargateWeight"),
            fargateSpotWeight: field("capacity.fargateSpotWeight"),
        });
        const insights = requireOneOf(
            field("containerInsights"),
            args.containerInsights ?? "enabled",
            CONTAINER_INSIGHTS_MODES,
            "a Container Insights mode",
        );

        this.cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            applyTransform<aws.ecs.ClusterArgs>({ settings: [{ name: "containerInsights", value: insights }] }, args.transform?.cluster),
            { parent: this },
        );
        new aws.ecs.ClusterCapacityProviders(
            `${name}-capacity-providers`,
            {
                clusterName: this.cluster.name,
                capacityProviders: ["FARGATE", "FARGATE_SPOT"],
                defaultCapacityProviderStrategies: this.capacityProviderStrategy.map((s) => ({ ...s })),
            },
            { parent: this },
        );
        this.clusterName = this.cluster.name;
        this.clusterArn = this.cluster.arn;
        this.registerOutputs({ clusterName: this.clusterName, clusterArn: this.clusterArn });
    }
}
