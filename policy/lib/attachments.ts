/**
 * The policies that apply to a role, user, group or IAM Identity Center permission set, found on
 * every path AWS (and @pulumi/aws) offers to attach one:
 * - documents: `inlinePolicies` of a Role, RolePolicy / UserPolicy / GroupPolicy,
 *   ssoadmin PermissionSetInlinePolicy;
 * - managed policies by ARN: `managedPolicyArns` of a Role, Role/User/GroupPolicyAttachment,
 *   PolicyAttachment (roles, users, groups), Role/User/GroupPolicyAttachmentsExclusive,
 *   ssoadmin ManagedPolicyAttachment and ManagedPolicyAttachmentsExclusive;
 * - customer managed policies by name: ssoadmin CustomerManagedPolicyAttachment;
 * - a user's groups (GroupMembership, UserGroupMembership) bring the groups' policies.
 * A managed policy defined in the stack (aws.iam.Policy) is resolved to its document; any other
 * (AWS managed, or created elsewhere) is returned by ARN.
 */
import { PolicyResource } from "@pulumi/policy";
import { parseArn } from "./arn";
import { ROLE_TYPE } from "./documents";
import { known, readPath } from "./unknown";

export type PrincipalKind = "role" | "user" | "group" | "permission-set";

/** Resource types that are principals (or, for Identity Center, sets of permissions given to users). */
export const PRINCIPAL_TYPES: Readonly<Record<string, PrincipalKind>> = {
    [ROLE_TYPE]: "role",
    "aws:iam/user:User": "user",
    "aws:iam/group:Group": "group",
    "aws:ssoadmin/permissionSet:PermissionSet": "permission-set",
};

export const MANAGED_POLICY_TYPE = "aws:iam/policy:Policy";

export type PolicyRef = { document: unknown } | { arn: string } | { customerManaged: { name: string; path: string } };

/** One policy a resource applies, and to whom. */
export interface Attachment {
    /** The principals it applies to, as the resource names them (name, id or ARN); "self" for a principal's own properties. */
    principals: { kind: PrincipalKind; ref: string }[] | "self";
    /** The property that holds it, for messages: `policyArn`, `managedPolicyArns[1]`, `inlinePolicies[0].policy`. */
    field: string;
    policy: PolicyRef;
}

function strings(props: Record<string, any>, path: string): { value: string; index: number }[] {
    const list = readPath(props, path);
    if (!Array.isArray(list)) {
        return [];
    }
    return list
        .map((_, index) => ({ value: readPath(props, `${path}.${index}`), index }))
        .filter((x): x is { value: string; index: number } => typeof x.value === "string" && x.value !== "");
}

function one(props: Record<string, any>, path: string): string | undefined {
    const v = readPath(props, path);
    return typeof v === "string" && v !== "" ? v : undefined;
}

/** Principal references of the given kind held in `path` (a single value or a list). */
function refs(props: Record<string, any>, kind: PrincipalKind, path: string): { kind: PrincipalKind; ref: string }[] {
    const single = one(props, path);
    const values = single !== undefined ? [single] : strings(props, path).map((s) => s.value);
    return values.map((ref) => ({ kind, ref }));
}

const DOCUMENT_ATTACHMENTS: Readonly<Record<string, { kind: PrincipalKind; principal: string; field: string }>> = {
    "aws:iam/rolePolicy:RolePolicy": { kind: "role", principal: "role", field: "policy" },
    "aws:iam/userPolicy:UserPolicy": { kind: "user", principal: "user", field: "policy" },
    "aws:iam/groupPolicy:GroupPolicy": { kind: "group", principal: "group", field: "policy" },
    "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": { kind: "permission-set", principal: "permissionSetArn", field: "inlinePolicy" },
};

const ARN_ATTACHMENTS: Readonly<Record<string, { kind: PrincipalKind; principal: string; field: string; list: boolean }>> = {
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": { kind: "role", principal: "role", field: "policyArn", list: false },
    "aws:iam/userPolicyAttachment:UserPolicyAttachment": { kind: "user", principal: "user", field: "policyArn", list: false },
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment": { kind: "group", principal: "group", field: "policyArn", list: false },
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": { kind: "role", principal: "roleName", field: "policyArns", list: true },
    "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive": { kind: "user", principal: "userName", field: "policyArns", list: true },
    "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive": { kind: "group", principal: "groupName", field: "policyArns", list: true },
    "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment": { kind: "permission-set", principal: "permissionSetArn", field: "managedPolicyArn", list: false },
    "aws:ssoadmin/managedPolicyAttachmentsExclusive:ManagedPolicyAttachmentsExclusive": { kind: "permission-set", principal: "permissionSetArn", field: "managedPolicyArns", list: true },
};

function arnAttachments(principals: Attachment["principals"], props: Record<string, any>, field: string, list: boolean): Attachment[] {
    if (!list) {
        const arn = one(props, field);
        return arn === undefined ? [] : [{ principals, field, policy: { arn } }];
    }
    return strings(props, field).map(({ value, index }) => ({ principals, field: `${field}[${index}]`, policy: { arn: value } }));
}

/** Every policy a resource applies to principals. Values unknown at preview are left out. */
export function attachmentsOf(type: string, props: Record<string, any>): Attachment[] {
    if (type === ROLE_TYPE) {
        const inline = readPath(props, "inlinePolicies");
        const documents: Attachment[] = (Array.isArray(inline) ? inline : []).flatMap((_, i) => {
            const document = readPath(props, `inlinePolicies.${i}.policy`);
            return document === undefined || document === null || document === "" ? [] : [{ principals: "self" as const, field: `inlinePolicies[${i}].policy`, policy: { document } }];
        });
        return [...documents, ...arnAttachments("self", props, "managedPolicyArns", true)];
    }
    if (type in DOCUMENT_ATTACHMENTS) {
        const d = DOCUMENT_ATTACHMENTS[type];
        const document = readPath(props, d.field);
        return document === undefined || document === null || document === "" ? [] : [{ principals: refs(props, d.kind, d.principal), field: d.field, policy: { document } }];
    }
    if (type in ARN_ATTACHMENTS) {
        const a = ARN_ATTACHMENTS[type];
        return arnAttachments(refs(props, a.kind, a.principal), props, a.field, a.list);
    }
    if (type === "aws:iam/policyAttachment:PolicyAttachment") {
        const principals = [...refs(props, "role", "roles"), ...refs(props, "user", "users"), ...refs(props, "group", "groups")];
        return arnAttachments(principals, props, "policyArn", false);
    }
    if (type === "aws:ssoadmin/customerManagedPolicyAttachment:CustomerManagedPolicyAttachment") {
        const name = one(props, "customerManagedPolicyReference.name");
        const path = one(props, "customerManagedPolicyReference.path") ?? "/";
        return name === undefined ? [] : [{ principals: refs(props, "permission-set", "permissionSetArn"), field: "customerManagedPolicyReference", policy: { customerManaged: { name, path } } }];
    }
    return [];
}

/** A policy that applies to a principal, with the resource that applies it. */
export interface AppliedPolicy {
    /** The resource that attaches it (the principal itself for inline policies and managedPolicyArns). */
    via: PolicyResource;
    field: string;
    /** The document, when the stack holds it. */
    document?: unknown;
    /** The aws.iam.Policy the document comes from, when it is a managed policy of the stack. */
    managedPolicy?: PolicyResource;
    /** The ARN (or name) of a managed policy whose document the stack does not hold (AWS managed, or made elsewhere). */
    external?: string;
}

/** The names, IDs and ARN a principal can be referred to by. */
function identifiers(r: PolicyResource): Set<string> {
    const ids = ["name", "id", "arn"].map((k) => known(() => r.props[k])).filter((v): v is string => typeof v === "string" && v !== "");
    return new Set(ids);
}

/** The aws.iam.Policy of the stack with this ARN (by its ARN, or by the path and name the ARN carries). */
function managedPolicyByArn(arn: string, resources: PolicyResource[]): PolicyResource | undefined {
    const policies = resources.filter((r) => r.type === MANAGED_POLICY_TYPE);
    const exact = policies.find((p) => known(() => p.props.arn) === arn);
    if (exact) {
        return exact;
    }
    const parsed = parseArn(arn);
    const m = parsed && parsed.service === "iam" && parsed.account !== "aws" ? /^policy(\/(?:.*\/)?)([^/]+)$/.exec(parsed.resource) : null;
    return m ? managedPolicyByName(m[2], m[1], policies) : undefined;
}

function managedPolicyByName(name: string, path: string, resources: PolicyResource[]): PolicyResource | undefined {
    return resources.find(
        (p) => p.type === MANAGED_POLICY_TYPE && known(() => p.props.name) === name && (known(() => p.props.path) ?? "/") === path,
    );
}

function resolve(via: PolicyResource, a: Attachment, resources: PolicyResource[]): AppliedPolicy {
    const base = { via, field: a.field };
    if ("document" in a.policy) {
        return { ...base, document: a.policy.document };
    }
    const managed =
        "arn" in a.policy ? managedPolicyByArn(a.policy.arn, resources) : managedPolicyByName(a.policy.customerManaged.name, a.policy.customerManaged.path, resources);
    const document = managed ? known(() => managed.props.policy) : undefined;
    if (managed && document !== undefined) {
        return { ...base, document, managedPolicy: managed };
    }
    return { ...base, external: "arn" in a.policy ? a.policy.arn : `${a.policy.customerManaged.path}${a.policy.customerManaged.name}` };
}

/** Groups a user belongs to, by the references GroupMembership and UserGroupMembership hold. */
function groupsOf(user: PolicyResource, resources: PolicyResource[]): PolicyResource[] {
    const ids = identifiers(user);
    const groupRefs = new Set<string>();
    for (const r of resources) {
        if (r.type === "aws:iam/groupMembership:GroupMembership" && refs(r.props, "user", "users").some((u) => ids.has(u.ref))) {
            refs(r.props, "group", "group").forEach((g) => groupRefs.add(g.ref));
        }
        if (r.type === "aws:iam/userGroupMembership:UserGroupMembership" && refs(r.props, "user", "user").some((u) => ids.has(u.ref))) {
            refs(r.props, "group", "groups").forEach((g) => groupRefs.add(g.ref));
        }
    }
    return resources.filter((r) => r.type === "aws:iam/group:Group" && [...identifiers(r)].some((id) => groupRefs.has(id)));
}

/** Every policy that applies to a principal (a role, user, group or permission set) of the stack. */
export function policiesFor(principal: PolicyResource, resources: PolicyResource[]): AppliedPolicy[] {
    const kind = PRINCIPAL_TYPES[principal.type];
    if (kind === undefined) {
        return [];
    }
    const ids = identifiers(principal);
    const applied: AppliedPolicy[] = [];
    for (const r of resources) {
        for (const a of attachmentsOf(r.type, r.props)) {
            const mine = a.principals === "self" ? r === principal : a.principals.some((p) => p.kind === kind && ids.has(p.ref));
            if (mine) {
                applied.push(resolve(r, a, resources));
            }
        }
    }
    if (kind === "user") {
        for (const group of groupsOf(principal, resources)) {
            applied.push(...policiesFor(group, resources));
        }
    }
    return applied;
}
