/**
 * Where policy documents live on AWS resources: identity policies (what a principal may do),
 * trust policies (who may assume a role) and resource policies (who may use a bucket, queue, topic).
 */

export type DocumentKind = "identity" | "trust" | "resource";

export interface FoundDocument {
    kind: DocumentKind;
    /** The property path, for messages: `policy`, `inlinePolicies[0].policy`, `assumeRolePolicy`. */
    field: string;
    /** The document as the resource holds it: a JSON string or an object. */
    document: unknown;
}

/** Resource types whose `policy` property is an identity policy. */
export const IDENTITY_POLICY_TYPES = [
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/userPolicy:UserPolicy",
    "aws:iam/groupPolicy:GroupPolicy",
];

/** Resource types whose `policy` property is a resource policy. */
export const RESOURCE_POLICY_TYPES = [
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:sqs/queuePolicy:QueuePolicy",
    "aws:sqs/queue:Queue",
    "aws:sns/topicPolicy:TopicPolicy",
    "aws:sns/topic:Topic",
];

export const ROLE_TYPE = "aws:iam/role:Role";

/** Every policy document a resource carries, with its kind. */
export function documentsOf(type: string, props: Record<string, any>): FoundDocument[] {
    const found: FoundDocument[] = [];
    if (IDENTITY_POLICY_TYPES.includes(type) && props.policy !== undefined) {
        found.push({ kind: "identity", field: "policy", document: props.policy });
    }
    if (RESOURCE_POLICY_TYPES.includes(type) && props.policy !== undefined && props.policy !== "") {
        found.push({ kind: "resource", field: "policy", document: props.policy });
    }
    if (type === ROLE_TYPE) {
        if (props.assumeRolePolicy !== undefined) {
            found.push({ kind: "trust", field: "assumeRolePolicy", document: props.assumeRolePolicy });
        }
        const inline: { policy?: unknown }[] = Array.isArray(props.inlinePolicies) ? props.inlinePolicies : [];
        inline.forEach((p, i) => {
            if (p && p.policy !== undefined && p.policy !== "") {
                found.push({ kind: "identity", field: `inlinePolicies[${i}].policy`, document: p.policy });
            }
        });
    }
    return found;
}
