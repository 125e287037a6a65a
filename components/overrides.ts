/**
 * What a user can change of a component's children beyond its arguments: each child's `transform`
 * (the one helper is builders/transform.ts), and roles and log groups of their own.
 *
 * Roles and log groups a user manages: every component that creates a role or a log group takes
 * `{ existing: { arn } }` / `{ existing: { name } }` for it instead, as awsx does (`taskRole: { roleArn }`,
 * `logGroup: { existing }`). With `existing` nothing is created for that child: neither the role nor the
 * policy we would attach to it (the component's doc comment lists what the role must allow), nor the log
 * group. `false` (leave the child out) is refused with the reason, because every role and log group of
 * this library is needed (the processor reads S3, awslogs needs a group, a Lambda without its group loses
 * the retention). Giving `existing` together with an argument that only applies to a created child (its
 * `transform`, its policy's `transform`, its retention) is an error naming both.
 */
import * as aws from "./aws";
import * as pulumi from "@pulumi/pulumi";
import { Transform, checkExistingChoice, logGroupArn } from "./builders";

/** A child's `transform`: a partial arguments object, or a function `(args, opts, name)` (see builders/transform.ts). */
export type ChildTransform<Args> = Transform<Args, pulumi.CustomResourceOptions>;

/** A role managed elsewhere, used instead of the one the component would create. */
export interface ExistingRole {
    existing: {
        /** The role's ARN (`arn:aws:iam::<account>:role/<name>`). */
        arn: pulumi.Input<string>;
    };
}

/** A log group managed elsewhere (in the stack's account and region), used instead of the one the component would create. */
export interface ExistingLogGroup {
    existing: {
        /** The log group's name (not its ARN). */
        name: pulumi.Input<string>;
    };
}

/** A role used or created: the resource when created here, and its ARN either way. */
export interface RoleRef {
    role?: aws.iam.Role;
    arn: pulumi.Output<string>;
}

/** A log group used or created: the resource when created here, its name and ARN either way. */
export interface LogGroupRef {
    logGroup?: aws.cloudwatch.LogGroup;
    name: pulumi.Output<string>;
    arn: pulumi.Output<string>;
}

/**
 * Checks a role argument (see `checkExistingChoice`): undefined to create the role, or the ARN of the
 * user's. `conflicts` names the arguments that apply only to a created role (`transform.role`, the
 * transform of its policy).
 */
export function existingRoleArn(field: string, choice: ExistingRole | undefined, conflicts: Record<string, unknown>, whyNeeded: string): pulumi.Input<string> | undefined {
    return checkExistingChoice<pulumi.Input<string>>(field, "role", choice, conflicts, whyNeeded);
}

/** Checks a log group argument as `existingRoleArn` checks a role: undefined to create it, or the user's group's name. */
export function existingLogGroupName(field: string, choice: ExistingLogGroup | undefined, conflicts: Record<string, unknown>, whyNeeded: string): pulumi.Input<string> | undefined {
    return checkExistingChoice<pulumi.Input<string>>(field, "log group", choice, conflicts, whyNeeded);
}

/** The given role, or the one `create` makes. */
export function useOrCreateRole(existingArn: pulumi.Input<string> | undefined, create: () => aws.iam.Role): RoleRef {
    if (existingArn !== undefined) {
        return { arn: pulumi.output(existingArn) };
    }
    const role = create();
    return { role, arn: role.arn };
}

/** The given log group (its ARN built from the stack's partition, region and account), or the one `create` makes. */
export function useOrCreateLogGroup(existingName: pulumi.Input<string> | undefined, create: () => aws.cloudwatch.LogGroup, parent: pulumi.Resource): LogGroupRef {
    if (existingName !== undefined) {
        const opts = { parent };
        const arn = pulumi
            .all([aws.getPartitionOutput({}, opts).partition, aws.getRegionOutput({}, opts).region, aws.getCallerIdentityOutput({}, opts).accountId, existingName])
            .apply(([partition, region, account, name]) => logGroupArn({ partition, region, account, name }));
        return { name: pulumi.output(existingName), arn };
    }
    const logGroup = create();
    return { logGroup, name: logGroup.name, arn: logGroup.arn };
}
