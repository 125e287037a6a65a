import * as aws from "../aws";
import * as pulumi from "@pulumi/pulumi";
import { ProcessingCluster as Cluster } from "../processing-cluster";
import { ProcessingNetwork as Network, ProcessingNetworkSettings } from "../processing-network";
import { ArgsOverride, CapacitySplit, override, packageToken } from "./common";

/** Where the tasks go (ProcessingNetwork's own settings). */
export interface ProcessingNetworkArgs extends ProcessingNetworkSettings {}

/**
 * Where the processor's tasks run: given subnets and security groups, or a new VPC with public subnets
 * only, no NAT gateway, and a security group that allows nothing in and only HTTPS out.
 */
export class ProcessingNetwork extends pulumi.ComponentResource {
    /** Subnets the tasks are placed in. */
    public readonly subnetIds: pulumi.Output<string[]>;
    /** Security groups of the tasks. */
    public readonly securityGroupIds: pulumi.Output<string[]>;
    /** Whether tasks get a public IP. */
    public readonly assignPublicIp: pulumi.Output<boolean>;
    /** The VPC created here, when no subnets were given. */
    public readonly vpcId?: pulumi.Output<string>;

    constructor(name: string, args: ProcessingNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("ProcessingNetwork"), name, {}, opts);
        const network = new Network(name, { ...args }, { parent: this });
        this.subnetIds = network.subnetIds;
        this.securityGroupIds = network.securityGroupIds;
        this.assignPublicIp = pulumi.output(network.assignPublicIp);
        this.vpcId = network.vpc?.id;
        this.registerOutputs({ subnetIds: this.subnetIds, securityGroupIds: this.securityGroupIds, assignPublicIp: this.assignPublicIp, vpcId: this.vpcId });
    }
}

/** Container Insights level; it cannot be switched off, the alarms rely on its metrics. */
export enum ContainerInsightsMode {
    /** Container Insights. */
    Enabled = "enabled",
    /** Container Insights with enhanced observability (per-container metrics, at a higher price). */
    Enhanced = "enhanced",
}

/** Arguments merged over those of the cluster's children. */
export interface ProcessingClusterTransforms {
    /** Merged over the cluster's arguments (aws.ecs.Cluster). Default: none. */
    cluster?: ArgsOverride;
}

export interface ProcessingClusterArgs {
    /** The default capacity provider strategy, split between FARGATE and FARGATE_SPOT. Default: { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 } (all on demand). */
    capacity?: CapacitySplit;
    /** Container Insights level. Default: "enabled". */
    containerInsights?: ContainerInsightsMode;
    /** Arguments merged over those of the cluster's children. Default: none. */
    transform?: ProcessingClusterTransforms;
}

/** An ECS cluster for Fargate tasks with Container Insights on and the FARGATE and FARGATE_SPOT capacity providers. */
export class ProcessingCluster extends pulumi.ComponentResource {
    /** The cluster's name. */
    public readonly clusterName: pulumi.Output<string>;
    /** The cluster's ARN. */
    public readonly clusterArn: pulumi.Output<string>;

    constructor(name: string, args: ProcessingClusterArgs, opts?: pulumi.ComponentResourceOptions) {
        super(packageToken("ProcessingCluster"), name, {}, opts);
        const cluster = new Cluster(
            name,
            { capacity: args.capacity, containerInsights: args.containerInsights, transform: { cluster: override<aws.ecs.ClusterArgs>(args.transform?.cluster) } },
            { parent: this },
        );
        this.clusterName = cluster.clusterName;
        this.clusterArn = cluster.clusterArn;
        this.registerOutputs({ clusterName: this.clusterName, clusterArn: this.clusterArn });
    }
}
