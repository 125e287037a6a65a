/**
 * Least-privilege IAM rules. Each rule is an exported constant; the PolicyPack is created only in
 * index.ts beside this file, so tests and the offline runner import the rules without starting a
 * policy server.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { IDENTITY_POLICY_TYPES, RESOURCE_POLICY_TYPES, ROLE_TYPE } from "../lib/documents";
import { ActionInfo, expandAction, expandActions } from "../lib/iam-actions";
import { PolicyDocumentError, Statement, allows, conditionKeys, iamPatternMatches, parsePolicyDocument, statementLabel } from "../lib/iam-document";
import { belongsToRole, forEachKnown, known, listForMessage, ofType, readDocuments, withDefaults } from "../lib/rule";

const POLICY_HOLDERS = [...IDENTITY_POLICY_TYPES, ...RESOURCE_POLICY_TYPES, ROLE_TYPE];

function lower(list: string[]): Set<string> {
    return new Set(list.map((s) => s.toLowerCase()));
}

/** Every action the Allow statements grant, with the statement that grants it. */
async function granted(statements: Statement[]): Promise<{ action: ActionInfo; statement: Statement }[]> {
    const out: { action: ActionInfo; statement: Statement }[] = [];
    for (const statement of allows(statements)) {
        for (const expansion of await expandActions(statement.actions)) {
            for (const action of expansion.actions) {
                out.push({ action, statement });
            }
        }
    }
    return out;
}

/** A resource pattern that matches every role (or everything). */
function matchesAnyRole(resource: string): boolean {
    return resource === "*" || /^arn:[^:]*:iam::[^:]*:(role\/)?\*$/.test(resource) || /^arn:\*/.test(resource);
}

export const noWildcardActions: ResourceValidationPolicy = {
    name: "iam-no-wildcard-actions",
    description: 'No Allow statement grants every action ("*") or every action of a service ("s3:*").',
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: 'List the actions the principal needs (for example "s3:GetObject"), or add the pattern to allowedActions if it is truly intended.',
    configSchema: {
        properties: {
            allowedActions: { type: "array", items: { type: "string" }, default: [], description: 'Wildcard actions accepted anyway, e.g. ["logs:*"].' },
        },
    },
    validateResource: (args, report) => {
        if (!POLICY_HOLDERS.includes(args.type)) {
            return;
        }
        const { allowedActions } = withDefaults(args, { allowedActions: [] as string[] });
        const allowed = lower(allowedActions);
        for (const doc of readDocuments(args.type, args.props, ["identity", "resource"])) {
            for (const s of allows(doc.statements)) {
                for (const action of s.actions) {
                    if ((action === "*" || /^[^:]+:\*$/.test(action)) && !allowed.has(action.toLowerCase())) {
                        report(`${doc.field} ${statementLabel(s)} allows "${action}".`);
                    }
                }
            }
        }
    },
};

/**
 * Accepted on "*" by default although AWS lists a resource type for them. cloudwatch:PutMetricData
 * lists an optional dataset, but publishing metrics to a namespace has no resource ARN. Of EC2's
 * ~190 Describe actions, 17 (DescribeInstanceAttribute, DescribeClientVpnConnections, …) list a
 * resource type; the rest take only "*", so "ec2:Describe*" on "*" is the usual read-only grant.
 */
const DEFAULT_WILDCARD_RESOURCE_ACTIONS = ["cloudwatch:PutMetricData", "ec2:Describe*"];

export const noWildcardResource: ResourceValidationPolicy = {
    name: "iam-no-wildcard-resource",
    description: 'No Allow statement grants an action that supports resource-level scoping on Resource "*" (scoping decided from AWS\'s Service Authorization Reference).',
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: 'Name the ARNs the action applies to (a bucket prefix, a log group, a task family). Actions AWS marks as wildcard-only, such as ecr:GetAuthorizationToken, may keep "*".',
    configSchema: {
        properties: {
            allowWildcardResource: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_WILDCARD_RESOURCE_ACTIONS,
                description:
                    'Actions (or IAM patterns such as "ec2:Describe*") accepted on "*" although AWS lists a resource type for them (cloudwatch:PutMetricData lists an optional dataset; publishing metrics to a namespace has no resource ARN).',
            },
        },
    },
    validateResource: async (args, report) => {
        if (!IDENTITY_POLICY_TYPES.includes(args.type) && args.type !== ROLE_TYPE) {
            return;
        }
        const { allowWildcardResource } = withDefaults(args, { allowWildcardResource: DEFAULT_WILDCARD_RESOURCE_ACTIONS });
        const allowed = (name: string) => allowWildcardResource.some((pattern) => iamPatternMatches(pattern, name));
        for (const doc of readDocuments(args.type, args.props, ["identity"])) {
            for (const s of allows(doc.statements)) {
                if (!s.resources.includes("*")) {
                    continue;
                }
                // Name exact actions; summarise a wildcard by its pattern and how many scopable actions it covers.
                const parts: string[] = [];
                let count = 0;
                for (const expansion of await expandActions(s.actions)) {
                    const scopable = expansion.actions.filter((a) => !a.wildcardOnly && !allowed(a.name));
                    count += scopable.length;
                    if (scopable.length > 0) {
                        parts.push(/[*?]/.test(expansion.pattern) ? `${expansion.pattern} (${scopable.length} scopable action${scopable.length === 1 ? "" : "s"}, e.g. ${scopable[0].name})` : scopable[0].name);
                    }
                }
                if (parts.length > 0) {
                    report(`${doc.field} ${statementLabel(s)} grants ${listForMessage(parts)} on "*"; ${count === 1 ? "it supports" : "they support"} resource-level scoping.`);
                }
            }
        }
    },
};

export const noUnknownActions: ResourceValidationPolicy = {
    name: "iam-no-unknown-actions",
    description: "Every action an Allow statement names exists in AWS's Service Authorization Reference (catches typos that silently grant nothing), and every document can be read.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Fix the spelling of the action (see the service's 'Actions, resources, and condition keys' page), or fix the document's JSON.",
    validateResource: async (args, report) => {
        if (!POLICY_HOLDERS.includes(args.type)) {
            return;
        }
        for (const doc of readDocuments(args.type, args.props, ["identity", "resource", "trust"])) {
            if (doc.error) {
                report(`${doc.field} cannot be read: ${doc.error}.`);
                continue;
            }
            for (const s of allows(doc.statements)) {
                for (const pattern of [...s.actions, ...(s.notActions ?? [])]) {
                    if ((await expandAction(pattern)).actions.length === 0) {
                        report(`${doc.field} ${statementLabel(s)} names "${pattern}", which matches no action AWS defines.`);
                    }
                }
            }
        }
    },
};

export const passRoleScoped: ResourceValidationPolicy = {
    name: "iam-pass-role-scoped",
    description: "iam:PassRole is granted only on named roles and only with an iam:PassedToService condition.",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: 'List the role ARNs to pass, and add "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}} (or the service that needs them).',
    validateResource: async (args, report) => {
        if (!IDENTITY_POLICY_TYPES.includes(args.type) && args.type !== ROLE_TYPE) {
            return;
        }
        for (const doc of readDocuments(args.type, args.props, ["identity"])) {
            for (const s of allows(doc.statements)) {
                const grants = (await granted([s])).some((g) => g.action.name.toLowerCase() === "iam:passrole");
                if (!grants) {
                    continue;
                }
                const unscoped = s.resources.filter(matchesAnyRole);
                if (unscoped.length > 0) {
                    report(`${doc.field} ${statementLabel(s)} allows iam:PassRole on ${unscoped.map((r) => `"${r}"`).join(", ")}, which is any role.`);
                }
                if (!conditionKeys(s).has("iam:passedtoservice")) {
                    report(`${doc.field} ${statementLabel(s)} allows iam:PassRole without an iam:PassedToService condition.`);
                }
            }
        }
    },
};

export const noNotActionOrNotResource: ResourceValidationPolicy = {
    name: "iam-no-not-action-not-resource",
    description: "No Allow statement uses NotAction, NotResource or NotPrincipal (they grant everything not listed, including actions AWS adds later).",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Rewrite the statement with Action and Resource lists; use a Deny statement to carve out exceptions.",
    validateResource: (args, report) => {
        if (!POLICY_HOLDERS.includes(args.type)) {
            return;
        }
        for (const doc of readDocuments(args.type, args.props, ["identity", "resource", "trust"])) {
            for (const s of allows(doc.statements)) {
                const used = [s.notActions && "NotAction", s.notResources && "NotResource", s.notPrincipals && "NotPrincipal"].filter(Boolean);
                if (used.length > 0) {
                    report(`${doc.field} ${statementLabel(s)} is an Allow with ${used.join(" and ")}.`);
                }
            }
        }
    },
};

const ATTACHMENT_TYPES = [
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    "aws:iam/userPolicyAttachment:UserPolicyAttachment",
    "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
    "aws:iam/policyAttachment:PolicyAttachment",
];
const PRINCIPAL_TYPES = [ROLE_TYPE, "aws:iam/user:User", "aws:iam/group:Group"];

export const noAdminManagedPolicies: ResourceValidationPolicy = {
    name: "iam-no-admin-managed-policies",
    description: "No role, user or group gets an administrator or power-user AWS managed policy.",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: "Replace the managed policy with a policy that lists the actions and resources the principal needs.",
    configSchema: {
        properties: {
            deniedPolicies: {
                type: "array",
                items: { type: "string" },
                default: ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"],
                description: "Names of AWS managed policies that may not be attached.",
            },
        },
    },
    validateResource: (args, report) => {
        const { deniedPolicies } = withDefaults(args, { deniedPolicies: ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"] });
        const denied = lower(deniedPolicies);
        const arns: string[] = [];
        if (ATTACHMENT_TYPES.includes(args.type) && typeof args.props.policyArn === "string") {
            arns.push(args.props.policyArn);
        }
        if (PRINCIPAL_TYPES.includes(args.type) && Array.isArray(args.props.managedPolicyArns)) {
            arns.push(...args.props.managedPolicyArns);
        }
        for (const arn of arns) {
            const m = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn);
            if (m && denied.has(m[1].toLowerCase())) {
                report(`attaches the AWS managed policy ${m[1]} (${arn}).`);
            }
        }
    },
};

/** Actions that on their own let a principal raise its own privileges. */
export const ESCALATION_ACTIONS = [
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:AttachUserPolicy",
    "iam:AttachGroupPolicy",
    "iam:AttachRolePolicy",
    "iam:PutUserPolicy",
    "iam:PutGroupPolicy",
    "iam:PutRolePolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:AddUserToGroup",
    "iam:UpdateAssumeRolePolicy",
    "lambda:UpdateFunctionCode",
];

/** Sets that escalate when iam:PassRole is granted on any role: pass a stronger role to new compute. */
export const PASS_ROLE_ESCALATION_SETS = [
    ["lambda:CreateFunction", "lambda:InvokeFunction"],
    ["lambda:CreateFunction", "lambda:CreateEventSourceMapping"],
    ["ec2:RunInstances"],
    ["cloudformation:CreateStack"],
    ["glue:CreateDevEndpoint"],
    ["datapipeline:CreatePipeline"],
    ["ecs:RegisterTaskDefinition", "ecs:RunTask"],
];

export const noPrivilegeEscalation: ResourceValidationPolicy = {
    name: "iam-no-privilege-escalation",
    description: "No identity policy grants a known privilege-escalation action, or iam:PassRole on any role together with a way to start compute with it.",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: "Remove the action, or move it to a separate, tightly guarded role; scope iam:PassRole to named roles.",
    configSchema: {
        properties: {
            allowedActions: { type: "array", items: { type: "string" }, default: [], description: "Escalation actions accepted anyway." },
        },
    },
    validateResource: async (args, report) => {
        if (!IDENTITY_POLICY_TYPES.includes(args.type) && args.type !== ROLE_TYPE) {
            return;
        }
        const { allowedActions } = withDefaults(args, { allowedActions: [] as string[] });
        const allowed = lower(allowedActions);
        for (const doc of readDocuments(args.type, args.props, ["identity"])) {
            const grants = await granted(doc.statements);
            const names = lower(grants.map((g) => g.action.name));
            const singles = ESCALATION_ACTIONS.filter((a) => names.has(a.toLowerCase()) && !allowed.has(a.toLowerCase()));
            if (singles.length > 0) {
                report(`${doc.field} grants ${listForMessage(singles)}, which let a principal raise its own privileges.`);
            }
            const passAnyRole = grants.some((g) => g.action.name.toLowerCase() === "iam:passrole" && g.statement.resources.some(matchesAnyRole));
            const sets = PASS_ROLE_ESCALATION_SETS.filter((set) => set.every((a) => names.has(a.toLowerCase())));
            if (passAnyRole && sets.length > 0) {
                report(`${doc.field} grants iam:PassRole on any role together with ${sets.map((set) => set.join(" + ")).join("; ")}.`);
            }
        }
    },
};

export const trustPolicySpecificPrincipal: ResourceValidationPolicy = {
    name: "iam-trust-policy-specific-principal",
    description: 'A role\'s trust policy names a specific service or account, never "*"; federated principals carry a condition, OIDC ones on the token\'s subject.',
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: 'Name the service ("Service": "ecs-tasks.amazonaws.com") or account; add aws:SourceAccount / aws:SourceArn conditions; for OIDC, condition on the token\'s sub and aud.',
    validateResource: (args, report) => {
        if (args.type !== ROLE_TYPE) {
            return;
        }
        for (const doc of readDocuments(args.type, args.props, ["trust"])) {
            for (const s of allows(doc.statements)) {
                const p = s.principals;
                if (!p) {
                    report(`${doc.field} ${statementLabel(s)} has no Principal.`);
                    continue;
                }
                if (p.any) {
                    report(`${doc.field} ${statementLabel(s)} trusts every principal ("*").`);
                }
                for (const aws of p.aws.filter((a) => a !== "*" && a.includes("*"))) {
                    report(`${doc.field} ${statementLabel(s)} trusts the wildcard principal "${aws}".`);
                }
                if (p.federated.length > 0 && Object.keys(s.conditions).length === 0) {
                    report(`${doc.field} ${statementLabel(s)} trusts ${p.federated.join(", ")} without a condition on the token.`);
                    continue;
                }
                for (const provider of p.federated) {
                    const issuer = /:oidc-provider\/(.+)$/.exec(provider)?.[1];
                    if (issuer === undefined) {
                        continue;
                    }
                    // An OIDC token's audience alone admits every subject of the issuer (every GitHub repository,
                    // every service account of the cluster): the subject must be pinned.
                    const subjects = Object.values(s.conditions).flatMap((block) =>
                        Object.entries(block).filter(([key]) => key.toLowerCase() === `${issuer.toLowerCase()}:sub`).flatMap(([, values]) => values),
                    );
                    if (subjects.length === 0) {
                        report(`${doc.field} ${statementLabel(s)} trusts ${provider} without a condition on the token's subject (${issuer}:sub).`);
                    } else if (subjects.some((v) => /^[*?]*$/.test(v) || /^repo:[*?]/.test(v))) {
                        report(`${doc.field} ${statementLabel(s)} trusts ${provider} for any subject (${issuer}:sub is a bare wildcard).`);
                    }
                }
            }
        }
    },
};

const DEFAULT_LIMITING_KEYS = ["aws:SourceArn", "aws:SourceAccount", "aws:SecureTransport"];

export const publicResourcePolicyConditioned: ResourceValidationPolicy = {
    name: "resource-policy-public-principal-conditioned",
    description: 'An S3, SQS or SNS resource policy that allows the "*" principal limits it with an aws:SourceArn, aws:SourceAccount or aws:SecureTransport condition.',
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: 'Name the service principal (e.g. "Service": "events.amazonaws.com") and add "ArnEquals": {"aws:SourceArn": "<the sender>"}.',
    configSchema: {
        properties: {
            limitingConditionKeys: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_LIMITING_KEYS,
                description: 'Condition keys that make an Allow to "*" acceptable.',
            },
        },
    },
    validateResource: (args, report) => {
        if (!RESOURCE_POLICY_TYPES.includes(args.type)) {
            return;
        }
        const { limitingConditionKeys } = withDefaults(args, { limitingConditionKeys: DEFAULT_LIMITING_KEYS });
        const limiting = lower(limitingConditionKeys);
        for (const doc of readDocuments(args.type, args.props, ["resource"])) {
            for (const s of allows(doc.statements)) {
                if (s.principals?.any && ![...conditionKeys(s)].some((k) => limiting.has(k))) {
                    report(`${doc.field} ${statementLabel(s)} allows "*" without an ${listForMessage(limitingConditionKeys, limitingConditionKeys.length, "or")} condition.`);
                }
            }
        }
    },
};

export const ecsDistinctRoles: ResourceValidationPolicy = {
    name: "ecs-distinct-execution-and-task-roles",
    description: "An ECS task definition's execution role (ECS pulls images, writes logs) is not also its task role (what the code may do).",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Create a separate task role with only the permissions the container needs.",
    validateResource: (args, report) => {
        if (args.type !== "aws:ecs/taskDefinition:TaskDefinition") {
            return;
        }
        const { executionRoleArn, taskRoleArn } = args.props;
        if (executionRoleArn !== undefined && executionRoleArn === taskRoleArn) {
            report(`uses ${executionRoleArn} as both execution role and task role.`);
        }
    },
};

/**
 * Identity statements of a role: its inline policies and the RolePolicy resources attached to it.
 * Empty entries (`inlinePolicies: [{}]`) grant nothing; unreadable documents are skipped here
 * (iam-no-unknown-actions reports them).
 */
function roleStatements(role: PolicyResource, resources: PolicyResource[]): Statement[] {
    const docs: unknown[] = [];
    for (const p of Array.isArray(role.props.inlinePolicies) ? role.props.inlinePolicies : []) {
        docs.push(p?.policy);
    }
    for (const rp of ofType(resources, "aws:iam/rolePolicy:RolePolicy")) {
        if (belongsToRole(rp, role)) {
            docs.push(rp.props.policy);
        }
    }
    return docs
        .filter((d) => d !== undefined && d !== null && d !== "")
        .flatMap((d) => {
            try {
                return parsePolicyDocument(d);
            } catch (e) {
                if (e instanceof PolicyDocumentError) {
                    return [];
                }
                throw e;
            }
        });
}

export const eventBridgeTargetRoleScoped: StackValidationPolicy = {
    name: "eventbridge-target-role-scoped",
    description: "The role of an EventBridge ECS target may only run that target's task definition family and pass that task's execution and task roles.",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Grant ecs:RunTask on arn:…:task-definition/<family>:* (with an ecs:cluster condition) and iam:PassRole on exactly the task's two roles.",
    validateStack: async (args, report) => {
        await forEachKnown(ofType(args.resources, "aws:cloudwatch/eventTarget:EventTarget"), async (target) => {
            const ecs = target.props.ecsTarget;
            if (!ecs || !target.props.roleArn || typeof ecs.taskDefinitionArn !== "string") {
                return;
            }
            const role = ofType(args.resources, ROLE_TYPE).find((r) => known(() => r.props.arn) === target.props.roleArn);
            const taskDef = ofType(args.resources, "aws:ecs/taskDefinition:TaskDefinition").find((t) => known(() => t.props.arn) === ecs.taskDefinitionArn);
            if (!role || !taskDef) {
                return;
            }
            const familyArns = new Set([taskDef.props.arn, taskDef.props.arn.replace(/:\d+$/, ":*"), taskDef.props.arn.replace(/:\d+$/, "")]);
            const roleArns = new Set([taskDef.props.executionRoleArn, taskDef.props.taskRoleArn].filter(Boolean));
            const problems: string[] = [];
            for (const { action, statement } of await granted(roleStatements(role, args.resources))) {
                const name = action.name.toLowerCase();
                if (name === "ecs:runtask") {
                    const other = statement.resources.filter((r) => !familyArns.has(r));
                    if (other.length > 0) {
                        problems.push(`ecs:RunTask on ${other.join(", ")} (only ${taskDef.props.family} may run)`);
                    }
                } else if (name === "iam:passrole") {
                    const other = statement.resources.filter((r) => !roleArns.has(r));
                    if (other.length > 0) {
                        problems.push(`iam:PassRole on ${other.join(", ")} (only the task's execution and task roles)`);
                    }
                } else if (name !== "ecs:tagresource") {
                    problems.push(`${action.name}, which running the task does not need`);
                }
            }
            for (const problem of [...new Set(problems)]) {
                report(`role ${role.name} of target ${target.name} grants ${problem}.`, role.urn);
            }
        });
    },
};

export const rolePolicyStylesConsistent: StackValidationPolicy = {
    name: "iam-role-policy-styles-consistent",
    description: "A role does not mix inlinePolicies with RolePolicy resources, or managedPolicyArns with RolePolicyAttachment resources: each side removes the other's policies on the next update.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Use RolePolicy for inline documents and RolePolicyAttachment for managed policies, and drop inlinePolicies / managedPolicyArns (deprecated) from the role.",
    validateStack: (args, report) =>
        forEachKnown(ofType(args.resources, ROLE_TYPE), (role) => {
            const forRole = (type: string) => ofType(args.resources, type).filter((r) => belongsToRole(r, role));
            const inline = Array.isArray(role.props.inlinePolicies) && role.props.inlinePolicies.length > 0;
            const managed = Array.isArray(role.props.managedPolicyArns) && role.props.managedPolicyArns.length > 0;
            if (inline && forRole("aws:iam/rolePolicy:RolePolicy").length > 0) {
                report(`role ${role.name} has inlinePolicies and RolePolicy resources; they overwrite each other.`, role.urn);
            }
            if (managed && forRole("aws:iam/rolePolicyAttachment:RolePolicyAttachment").length > 0) {
                report(`role ${role.name} has managedPolicyArns and RolePolicyAttachment resources; they detach each other's policies.`, role.urn);
            }
        }),
};

/** The pack's rules, in report order. */
export const leastPrivilegeIamPolicies = [
    noWildcardActions,
    noWildcardResource,
    noUnknownActions,
    passRoleScoped,
    noNotActionOrNotResource,
    noAdminManagedPolicies,
    noPrivilegeEscalation,
    trustPolicySpecificPrincipal,
    publicResourcePolicyConditioned,
    ecsDistinctRoles,
    eventBridgeTargetRoleScoped,
    rolePolicyStylesConsistent,
];
