import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { NetworkMember, invalid, requireIntegerInRange, requireOneVpc, transformed } from "./builders";
import { typeToken } from "./names";
import { ChildTransform } from "./overrides";

/**
 * Where the tasks go: the settings the cross-language ProcessingNetwork takes as they are (so each default
 * is stated in the text, as "Default: …").
 */
export interface ProcessingNetworkSettings {
    /**
     * Existing subnets for the tasks. When none are given, a VPC with public subnets only (no NAT gateway)
     * is created and tasks get a public IP. Default: a new VPC.
     */
    subnetIds?: pulumi.Input<string>[];
    /**
     * Existing security groups for the tasks (needs `subnetIds`). When none are given, a group that allows
     * only outbound HTTPS is created in the subnets' VPC. Default: a new outbound-HTTPS-only group.
     */
    securityGroupIds?: pulumi.Input<string>[];
    /**
     * Give tasks a public IP. Must be true for public subnets without NAT; set false for private subnets
     * with NAT or VPC endpoints. Default: true.
     */
    assignPublicIp?: boolean;
    /** CIDR block (a /16) of the VPC created when no subnets are given. Default: "10.20.0.0/16". */
    vpcCidr?: string;
    /** Number of public subnets (one per availability zone) in a created VPC (1–6). Default: 2. */
    availabilityZoneCount?: number;
}

export interface ProcessingNetworkArgs extends ProcessingNetworkSettings {
    /** Each child's `ChildTransform`; `subnet` and `routeTableAssociation` apply to each one (the function receives its name). */
    transform?: ProcessingNetworkTransforms;
}

/** The children of ProcessingNetwork that `transform` reaches (all of them are created only for a new VPC, but `securityGroup`). */
export interface ProcessingNetworkTransforms {
    vpc?: ChildTransform<aws.ec2.VpcArgs>;
    securityGroup?: ChildTransform<aws.ec2.SecurityGroupArgs>;
    defaultSecurityGroup?: ChildTransform<aws.ec2.DefaultSecurityGroupArgs>;
    internetGateway?: ChildTransform<aws.ec2.InternetGatewayArgs>;
    routeTable?: ChildTransform<aws.ec2.RouteTableArgs>;
    subnet?: ChildTransform<aws.ec2.SubnetArgs>;
    routeTableAssociation?: ChildTransform<aws.ec2.RouteTableAssociationArgs>;
}

const CIDR16 = /^(\d{1,3})\.(\d{1,3})\.0\.0\/16$/;

/**
 * Where the processor's tasks run: given subnets and security groups, or a new VPC with public
 * subnets only, no NAT gateway (no hourly NAT cost), and a security group that allows nothing in
 * and only HTTPS out (S3, ECR and CloudWatch Logs are all HTTPS).
 */
export class ProcessingNetwork extends pulumi.ComponentResource {
    /** Subnets the tasks are placed in. */
    public readonly subnetIds: pulumi.Output<string[]>;
    /** Security groups of the tasks. */
    public readonly securityGroupIds: pulumi.Output<string[]>;
    /** Whether tasks get a public IP. */
    public readonly assignPublicIp: boolean;
    /** The VPC created here, if any. */
    public readonly vpc?: aws.ec2.Vpc;

    constructor(name: string, args: ProcessingNetworkArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super(typeToken("network", "ProcessingNetwork"), name, {}, opts);
        const field = (f: string) => `${name}.${f}`;
        const givenSubnets = args.subnetIds ?? [];
        const givenGroups = args.securityGroupIds ?? [];
        if (givenGroups.length > 0 && givenSubnets.length === 0) {
            invalid(field("securityGroupIds"), "<set>", `needs ${field("subnetIds")}`, "give the subnets the security groups belong with, or neither");
        }
        this.assignPublicIp = args.assignPublicIp ?? true;
        const parent = { parent: this };

        let vpcId: pulumi.Output<string>;
        if (givenSubnets.length > 0) {
            vpcId = this.existingVpc(givenSubnets, givenGroups, `${field("subnetIds")} and ${field("securityGroupIds")}`);
            // Consumers of the IDs wait for the check, so a mismatch fails the preview.
            this.subnetIds = pulumi.all([vpcId, givenSubnets]).apply(([, ids]) => ids);
        } else {
            const cidr = args.vpcCidr ?? "10.20.0.0/16";
            const m = CIDR16.exec(cidr);
            if (!m || Number(m[1]) > 255 || Number(m[2]) > 255) {
                invalid(field("vpcCidr"), cidr, "is not a /16 IPv4 block", 'use a block such as "10.20.0.0/16"');
            }
            const azCount = requireIntegerInRange(field("availabilityZoneCount"), args.availabilityZoneCount ?? 2, 1, 6);
            this.vpc = new aws.ec2.Vpc(...transformed(args.transform?.vpc, `${name}-vpc`, { cidrBlock: cidr, enableDnsHostnames: true, enableDnsSupport: true }, parent));
            vpcId = this.vpc.id;
            this.subnetIds = this.createPublicSubnets(name, this.vpc, `${m[1]}.${m[2]}`, azCount, args.transform ?? {});
        }

        if (givenGroups.length > 0) {
            this.securityGroupIds = pulumi.all([vpcId, givenGroups]).apply(([, ids]) => ids);
        } else {
            const group = new aws.ec2.SecurityGroup(...transformed(args.transform?.securityGroup, `${name}-tasks`, {
                vpcId,
                description: "Processor tasks: no inbound, outbound HTTPS only",
                egress: [
                    { protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"], description: "HTTPS to AWS APIs" },
                ],
            }, parent));
            this.securityGroupIds = pulumi.output([group.id]);
        }
        this.registerOutputs({ subnetIds: this.subnetIds, securityGroupIds: this.securityGroupIds });
    }

    /** The VPC of the given subnets and security groups, looked up; fails when they are not all in one. */
    private existingVpc(subnetIds: pulumi.Input<string>[], groupIds: pulumi.Input<string>[], fields: string): pulumi.Output<string> {
        const parent = { parent: this };
        const members: pulumi.Output<NetworkMember>[] = [
            ...subnetIds.map((id) =>
                aws.ec2.getSubnetOutput({ id }, parent).apply((s): NetworkMember => ({ kind: "subnet", id: s.id, vpcId: s.vpcId })),
            ),
            ...groupIds.map((id) =>
                aws.ec2.getSecurityGroupOutput({ id }, parent).apply((g): NetworkMember => ({ kind: "security group", id: g.id, vpcId: g.vpcId })),
            ),
        ];
        return pulumi.all(members).apply((found) => requireOneVpc(found, fields));
    }

    private createPublicSubnets(name: string, vpc: aws.ec2.Vpc, firstOctets: string, count: number, t: ProcessingNetworkTransforms): pulumi.Output<string[]> {
        const parent = { parent: this };
        // The VPC's default security group is locked down: nothing may use it by accident.
        new aws.ec2.DefaultSecurityGroup(...transformed(t.defaultSecurityGroup, `${name}-default-sg`, { vpcId: vpc.id }, parent));
        const gateway = new aws.ec2.InternetGateway(...transformed(t.internetGateway, `${name}-igw`, { vpcId: vpc.id }, parent));
        const routes = new aws.ec2.RouteTable(...transformed(t.routeTable, `${name}-public`, {
            vpcId: vpc.id,
            routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }],
        }, parent));
        const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent).names;
        const subnets: pulumi.Output<string>[] = [];
        for (let i = 0; i < count; i++) {
            const subnet = new aws.ec2.Subnet(...transformed(t.subnet, `${name}-public-${i + 1}`, {
                vpcId: vpc.id,
                cidrBlock: `${firstOctets}.${i * 16}.0/20`,
                availabilityZone: zones.apply((z) => {
                    if (z.length <= i) {
                        throw new Error(`${name}.availabilityZoneCount: ${count} is more than the ${z.length} zones available in this region; use at most ${z.length}`);
                    }
                    return z[i];
                }),
                // Tasks get their public IP from the target's assignPublicIp, not from the subnet.
                mapPublicIpOnLaunch: false,
            }, parent));
            new aws.ec2.RouteTableAssociation(...transformed(t.routeTableAssociation, `${name}-public-${i + 1}`, { subnetId: subnet.id, routeTableId: routes.id }, parent));
            subnets.push(subnet.id);
        }
        return pulumi.all(subnets);
    }
}
