/**
 * Checks on existing network pieces a stack is given.
 */
import { ValidationError } from "./validation";

/** An existing subnet or security group and the VPC it is in. */
export interface NetworkMember {
    kind: "subnet" | "security group";
    id: string;
    vpcId: string;
}

/**
 * The one VPC all given subnets and security groups are in. ECS rejects a task whose security groups belong to
 * another VPC than its subnets only when it starts one; this makes the preview fail instead.
 */
export function requireOneVpc(members: NetworkMember[], fields: string): string {
    const vpcs = [...new Set(members.map((m) => m.vpcId))];
    if (vpcs.length !== 1) {
        const where = members.map((m) => `${m.kind} ${m.id} is in ${m.vpcId}`).join(", ");
        throw new ValidationError(`${fields}: not all in one VPC (${where}); give subnets and security groups of the same VPC`);
    }
    return vpcs[0];
}
