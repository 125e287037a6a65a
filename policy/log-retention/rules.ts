/**
 * Log retention rules. Each rule is an exported constant; the PolicyPack is created only in
 * index.ts beside this file.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { LOG_RETENTION_DAYS, forEachKnown, known, ofType, withDefaults } from "@s3-fargate-pipeline/policy-lib";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const LAMBDA = "aws:lambda/function:Function";
const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";

/** Names of the stack's log groups (those known at this point of the preview). */
function stackLogGroups(resources: PolicyResource[]): Set<string> {
    const names = ofType(resources, LOG_GROUP).map((g) => known(() => g.props.name as string | undefined));
    return new Set(names.filter((n): n is string => typeof n === "string"));
}

/** Runs `check` on each resource of the given types (skipping one whose values are not known yet), with the stack's log groups. */
function forEachWithStackGroups(resources: PolicyResource[], types: string[], check: (resource: PolicyResource, groups: Set<string>) => void): Promise<void> {
    const groups = stackLogGroups(resources);
    return forEachKnown(
        resources.filter((r) => types.includes(r.type)),
        (resource) => check(resource, groups),
    );
}

interface RetentionConfig {
    minDays: number;
    maxDays: number;
    allowNeverExpire: boolean;
}
const RETENTION_DEFAULTS: RetentionConfig = { minDays: 30, maxDays: 731, allowNeverExpire: false };

export const logGroupRetention: ResourceValidationPolicy = {
    name: "log-group-retention",
    description: "Every CloudWatch log group has retentionInDays set to a value CloudWatch accepts, within the configured range.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: `Set retentionInDays to one of ${LOG_RETENTION_DAYS.join(", ")} within the allowed range.`,
    configSchema: {
        properties: {
            minDays: { type: "integer", default: RETENTION_DEFAULTS.minDays, description: "Shortest retention allowed." },
            maxDays: { type: "integer", default: RETENTION_DEFAULTS.maxDays, description: "Longest retention allowed." },
            allowNeverExpire: { type: "boolean", default: false, description: "Accept log groups that never expire (retentionInDays unset or 0)." },
        },
    },
    validateResource: (args, report) => {
        if (args.type !== LOG_GROUP) {
            return;
        }
        const { minDays, maxDays, allowNeverExpire } = withDefaults(args, RETENTION_DEFAULTS);
        const days = args.props.retentionInDays;
        if (days === undefined || days === null || days === 0) {
            if (!allowNeverExpire) {
                report("has no retentionInDays, so its logs never expire.");
            }
            return;
        }
        if (!LOG_RETENTION_DAYS.includes(days)) {
            report(`retentionInDays ${days} is not a value CloudWatch accepts (${LOG_RETENTION_DAYS.join(", ")}).`);
        } else if (days < minDays || days > maxDays) {
            report(`retentionInDays ${days} is outside the allowed range ${minDays}–${maxDays}.`);
        }
    },
};

export const logGroupEncrypted: ResourceValidationPolicy = {
    name: "log-group-kms-encryption",
    description: "Log groups are encrypted with a customer managed KMS key (CloudWatch Logs always encrypts; a CMK adds key policy control and audit).",
    severity: "low",
    enforcementLevel: "advisory",
    remediationSteps: "Set kmsKeyId to a KMS key whose key policy allows logs.<region>.amazonaws.com to use it.",
    validateResource: (args, report) => {
        if (args.type === LOG_GROUP && !args.props.kmsKeyId) {
            report("is not encrypted with a customer managed KMS key.");
        }
    },
};

export const lambdaLogGroupManaged: StackValidationPolicy = {
    name: "lambda-log-group-managed",
    description: "Every Lambda function writes to a log group this stack manages (named /aws/lambda/<function name>, or set with loggingConfig.logGroup); otherwise AWS creates one that never expires.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Create an aws.cloudwatch.LogGroup with a retention and point the function's loggingConfig.logGroup at it.",
    validateStack: (args, report) => {
        return forEachWithStackGroups(args.resources, [LAMBDA], (fn, groups) => {
            const target: string = fn.props.loggingConfig?.logGroup || `/aws/lambda/${fn.props.name}`;
            if (!groups.has(target)) {
                report(`function ${fn.name} logs to ${target}, which is not a log group in this stack.`, fn.urn);
            }
        });
    },
};

interface Container {
    name?: string;
    logConfiguration?: { logDriver?: string; options?: Record<string, string> };
}

export const ecsAwslogsManagedGroup: StackValidationPolicy = {
    name: "ecs-awslogs-managed-group",
    description: "Every ECS container using the awslogs driver points at a log group in this stack and does not rely on awslogs-create-group (which creates a group that never expires).",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Create the log group in the stack with a retention, set awslogs-group to its name and remove awslogs-create-group.",
    validateStack: (args, report) => {
        return forEachWithStackGroups(args.resources, [TASK_DEFINITION], (td, groups) => {
            // Read before parsing: an unknown value must skip this task definition, not look like bad JSON.
            const raw: unknown = td.props.containerDefinitions;
            let containers: Container[];
            try {
                containers = JSON.parse(String(raw));
            } catch {
                report(`task definition ${td.name} has container definitions that are not valid JSON.`, td.urn);
                return;
            }
            if (!Array.isArray(containers) || !containers.every((c) => typeof c === "object" && c !== null && !Array.isArray(c))) {
                report(`task definition ${td.name} has container definitions that are not a JSON array of containers.`, td.urn);
                return;
            }
            for (const c of containers) {
                const log = c.logConfiguration;
                if (log?.logDriver !== "awslogs") {
                    continue;
                }
                const group = log.options?.["awslogs-group"];
                if (String(log.options?.["awslogs-create-group"]).toLowerCase() === "true") {
                    report(`container ${c.name} of ${td.name} sets awslogs-create-group.`, td.urn);
                }
                if (!group || !groups.has(group)) {
                    report(`container ${c.name} of ${td.name} logs to ${group ?? "no group"}, which is not a log group in this stack.`, td.urn);
                }
            }
        });
    },
};

/** EKS clusters as @pulumi/aws declares them, and as the @pulumi/eks component does (its inputs carry the same two fields). */
const EKS_CLUSTER_TYPES = ["aws:eks/cluster:Cluster", "eks:index:Cluster"];

export const eksControlPlaneLogGroupManaged: StackValidationPolicy = {
    name: "eks-control-plane-log-group-managed",
    description:
        "An EKS cluster that sends control-plane logs (enabledClusterLogTypes) writes to a log group this stack manages, /aws/eks/<cluster name>/cluster; otherwise EKS creates it with no retention.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps:
        "Give the cluster a name, create aws.cloudwatch.LogGroup /aws/eks/<name>/cluster with a retention, and make the cluster depend on it (https://docs.aws.amazon.com/eks/latest/userguide/control-plane-logs.html).",
    validateStack: (args, report) => {
        return forEachWithStackGroups(args.resources, EKS_CLUSTER_TYPES, (cluster, groups) => {
            const types: unknown = cluster.props.enabledClusterLogTypes;
            if (!Array.isArray(types) || types.length === 0) {
                return;
            }
            const name: unknown = cluster.props.name;
            if (typeof name !== "string" || name === "") {
                report(`cluster ${cluster.name} sends control-plane logs but sets no name, so its log group /aws/eks/<name>/cluster cannot be created before it.`, cluster.urn);
                return;
            }
            const group = `/aws/eks/${name}/cluster`;
            if (!groups.has(group)) {
                report(`cluster ${cluster.name} sends control-plane logs to ${group}, which is not a log group in this stack.`, cluster.urn);
            }
        });
    },
};

/** The pack's rules, in report order. */
export const logRetentionPolicies = [logGroupRetention, logGroupEncrypted, lambdaLogGroupManaged, ecsAwslogsManagedGroup, eksControlPlaneLogGroupManaged];
