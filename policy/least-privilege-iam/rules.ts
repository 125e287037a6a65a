/**
 * Least-privilege IAM rules. Each rule is an exported constant; the PolicyPack is created only in
 * index.ts beside this file, so tests and the offline runner import the rules without starting a
 * policy server.
 */
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    ActionInfo,
    IDENTITY_POLICY_TYPES,
    POLICY_HOLDER_TYPES,
    ROLE_TYPE,
    Statement,
    allows,
    analyzeStatements,
    attachmentsOf,
    conditionKeys,
    expandAction,
    expandActions,
    forEachKnown,
    iamPatternMatches,
    isUnscoped,
    known,
    listForMessage,
    ofType,
    parseArn,
    policiesFor,
    propertyGrants,
    readDocument,
    readDocuments,
    statementLabel,
    withDefaults,
} from "@s3-fargate-pipeline/policy-lib";

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

/** The Resource entries of a statement that name no particular resource of the action, in any account (for iam:PassRole: any role). */
function anyResource(statement: Statement, action: ActionInfo): string[] {
    return statement.resources.filter((r) => isUnscoped(r, action, true));
}

/**
 * A key policy statement that gives an account's root "kms:*": the default key policy statement,
 * which lets the account's IAM policies govern the key rather than granting anything itself
 * (https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 * Another account named this way is reported by resource-policy-cross-account-limited.
 */
function delegatesToIam(s: Statement): boolean {
    const p = s.principals;
    return (
        p !== undefined &&
        !p.any &&
        p.services.length + p.federated.length + p.canonicalUsers.length === 0 &&
        p.aws.length > 0 &&
        p.aws.every((a) => /^\d{12}$/.test(a) || /^arn:[^:]+:iam::\d{12}:root$/.test(a)) &&
        s.actions.every((a) => a.toLowerCase() === "kms:*")
    );
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
        if (!POLICY_HOLDER_TYPES.includes(args.type)) {
            return;
        }
        const { allowedActions } = withDefaults(args, { allowedActions: [] as string[] });
        const allowed = lower(allowedActions);
        for (const doc of readDocuments(args.type, args.props, ["identity", "resource"])) {
            for (const s of allows(doc.statements)) {
                if (args.type.startsWith("aws:kms/") && delegatesToIam(s)) {
                    continue;
                }
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
    description:
        'No Allow statement grants an action that supports resource-level scoping on Resource "*" or on an ARN as broad, naming no particular resource in no particular account (arn:aws:s3:::*/*, arn:aws:iam::*:role/*, arn:aws:logs:*:*:*); scoping and ARN formats come from AWS\'s Service Authorization Reference.',
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
                const expansions = await expandActions(s.actions);
                for (const resource of [...new Set(s.resources)]) {
                    // Name exact actions; summarise a wildcard by its pattern and how many scopable actions it covers.
                    const parts: string[] = [];
                    let count = 0;
                    for (const expansion of expansions) {
                        const scopable = expansion.actions.filter((a) => !a.wildcardOnly && !allowed(a.name) && isUnscoped(resource, a));
                        count += scopable.length;
                        if (scopable.length > 0) {
                            parts.push(/[*?]/.test(expansion.pattern) ? `${expansion.pattern} (${scopable.length} scopable action${scopable.length === 1 ? "" : "s"}, e.g. ${scopable[0].name})` : scopable[0].name);
                        }
                    }
                    if (parts.length > 0) {
                        const broad = resource === "*" ? "" : ", which names no particular resource in any account";
                        report(`${doc.field} ${statementLabel(s)} grants ${listForMessage(parts)} on "${resource}"${broad}; ${count === 1 ? "it supports" : "they support"} resource-level scoping.`);
                    }
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
        if (!POLICY_HOLDER_TYPES.includes(args.type)) {
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
                const passRole = (await granted([s])).find((g) => g.action.name.toLowerCase() === "iam:passrole");
                if (!passRole) {
                    continue;
                }
                const unscoped = anyResource(s, passRole.action);
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
        if (!POLICY_HOLDER_TYPES.includes(args.type)) {
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

/**
 * AWS managed policies that give a principal administrator power or every action of a service:
 * AdministratorAccess ("*" on "*") and its per-service variants (AdministratorAccess-Amplify, …),
 * PowerUserAccess (everything but IAM and Organizations, plus iam:CreateServiceLinkedRole),
 * IAMFullAccess ("iam:*") and every other "<service>FullAccess" policy ("<service>:*" on "*", the grant
 * iam-no-wildcard-actions refuses in a document). IAM patterns, matched against the policy's name.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_job-functions.html
 */
const DEFAULT_DENIED_MANAGED_POLICIES = ["AdministratorAccess", "AdministratorAccess-*", "PowerUserAccess", "IAMFullAccess", "*FullAccess"];

export const noAdminManagedPolicies: ResourceValidationPolicy = {
    name: "iam-no-admin-managed-policies",
    description:
        "No role, user, group or Identity Center permission set gets an administrator, power-user or full-access AWS managed policy, whatever attaches it (managedPolicyArns, RolePolicyAttachment, PolicyAttachment, *PolicyAttachmentsExclusive, ssoadmin ManagedPolicyAttachment…).",
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: "Replace the managed policy with a policy that lists the actions and resources the principal needs.",
    configSchema: {
        properties: {
            deniedPolicies: {
                type: "array",
                items: { type: "string" },
                default: DEFAULT_DENIED_MANAGED_POLICIES,
                description: 'Names (or IAM patterns such as "*FullAccess") of AWS managed policies that may not be attached.',
            },
        },
    },
    validateResource: (args, report) => {
        const { deniedPolicies } = withDefaults(args, { deniedPolicies: DEFAULT_DENIED_MANAGED_POLICIES });
        for (const attachment of attachmentsOf(args.type, args.props)) {
            if (!("arn" in attachment.policy)) {
                continue;
            }
            const arn = attachment.policy.arn;
            const name = /^arn:[^:]+:iam::aws:policy\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
            if (name !== undefined && deniedPolicies.some((pattern) => iamPatternMatches(pattern, name))) {
                report(`attaches the AWS managed policy ${name} (${arn}).`);
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
            const passAnyRole = grants.some((g) => g.action.name.toLowerCase() === "iam:passrole" && anyResource(g.statement, g.action).length > 0);
            const sets = PASS_ROLE_ESCALATION_SETS.filter((set) => set.every((a) => names.has(a.toLowerCase())));
            if (passAnyRole && sets.length > 0) {
                report(`${doc.field} grants iam:PassRole on any role together with ${sets.map((set) => set.join(" + ")).join("; ")}.`);
            }
        }
    },
};

export const trustPolicySpecificPrincipal: ResourceValidationPolicy = {
    name: "iam-trust-policy-specific-principal",
    description:
        'A role\'s trust policy names a specific service or account: never everyone ("*", {"AWS": "*"}, any account, NotPrincipal) unless a condition limits it to an organization, account or source; federated principals carry a condition, OIDC ones on the token\'s subject.',
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps: 'Name the service ("Service": "ecs-tasks.amazonaws.com") or account; add aws:SourceAccount / aws:SourceArn conditions; for OIDC, condition on the token\'s sub and aud.',
    validateResource: (args, report) => {
        if (args.type !== ROLE_TYPE) {
            return;
        }
        for (const doc of readDocuments(args.type, args.props, ["trust"])) {
            for (const { statement: s, publicVia } of analyzeStatements(doc.statements)) {
                const p = s.principals;
                if (!p && !s.notPrincipals) {
                    report(`${doc.field} ${statementLabel(s)} has no Principal.`);
                    continue;
                }
                if (publicVia !== undefined) {
                    report(`${doc.field} ${statementLabel(s)} ${p?.any ? 'trusts every principal ("*")' : `trusts everyone through ${publicVia}`}, and no condition limits it to an organization, account or source.`);
                }
                if (!p) {
                    continue;
                }
                for (const aws of p.aws.filter((a) => a !== "*" && a.includes("*") && !publicVia?.includes(a))) {
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

export const resourcePolicyNoPublicAccess: ResourceValidationPolicy = {
    name: "resource-policy-no-public-access",
    description:
        'No resource-based policy, permission or ACL lets everyone in: an Allow to "*", {"AWS": "*"}, any account or NotPrincipal must be limited by a condition on the caller\'s organization, account, ARN, source resource, VPC, VPC endpoint or a bounded IP range (as IAM Access Analyzer judges public access); Lambda permissions to "*" need a source ARN, source account or organization; function URLs need IAM auth.',
    severity: "critical",
    enforcementLevel: "mandatory",
    remediationSteps:
        'Name the principal (an account, role or "Service": "events.amazonaws.com"), or keep "*" and add a condition such as "StringEquals": {"aws:PrincipalOrgID": "o-…"} or "ArnEquals": {"aws:SourceArn": "<the sender>"}. aws:SecureTransport only requires HTTPS; it does not limit who.',
    validateResource: (args, report) => {
        for (const doc of readDocuments(args.type, args.props, ["resource"])) {
            for (const { statement, publicVia } of analyzeStatements(doc.statements)) {
                if (publicVia !== undefined) {
                    report(`${doc.field} ${statementLabel(statement)} allows everyone (${publicVia}) to ${listForMessage(statement.actions.length > 0 ? statement.actions : ["(NotAction)"])}; no condition limits the caller.`);
                }
            }
        }
        for (const grant of propertyGrants(args.type, args.props)) {
            if (grant.publicVia !== undefined) {
                report(`${grant.publicVia} lets everyone in; nothing limits the caller.`);
            }
        }
    },
};

/** Accounts the stack's own resources live in, from the ARNs it knows. */
function stackAccounts(resources: PolicyResource[]): Set<string> {
    const accounts = new Set<string>();
    for (const r of resources) {
        const arn = known(() => r.props.arn);
        const account = typeof arn === "string" ? parseArn(arn)?.account : undefined;
        if (account && /^\d{12}$/.test(account)) {
            accounts.add(account);
        }
    }
    return accounts;
}

/**
 * Accounts a resource's own policy shows to be its owner's: the account of any ARN in a Resource
 * element (a policy names the resource it is attached to), of a trusted OIDC or SAML provider (it
 * lives in the role's account), and, in a key policy that names a single account, that account when
 * its root gets "kms:*" (the default key policy statement).
 */
function ownerAccounts(type: string, statements: Statement[]): Set<string> {
    const owners = new Set<string>();
    const add = (arn: string) => {
        const account = parseArn(arn)?.account;
        if (account && /^\d{12}$/.test(account)) {
            owners.add(account);
        }
    };
    for (const s of statements) {
        s.resources.forEach(add);
        s.principals?.federated.forEach(add);
    }
    const named = new Set(analyzeStatements(statements).flatMap((a) => a.accounts.map((p) => p.account)));
    if (type.startsWith("aws:kms/") && named.size === 1 && allows(statements).some(delegatesToIam)) {
        named.forEach((account) => owners.add(account));
    }
    return owners;
}

export const resourcePolicyCrossAccountLimited: StackValidationPolicy = {
    name: "resource-policy-cross-account-limited",
    description:
        "A resource policy, trust policy or permission that grants another AWS account access limits it to an organization (aws:PrincipalOrgID / aws:PrincipalOrgPaths) or, for a role trust, to the holder of an external ID (sts:ExternalId). Own accounts: those of the stack's resource ARNs, of the ARNs the policy itself names as its Resource, and trustedAccounts.",
    severity: "medium",
    enforcementLevel: "advisory",
    remediationSteps:
        'Add "StringEquals": {"aws:PrincipalOrgID": "o-…"} (or, in a trust policy for a third party, "sts:ExternalId"), or list the account in trustedAccounts if it is yours.',
    configSchema: {
        properties: {
            trustedAccounts: {
                type: "array",
                items: { type: "string", pattern: "^[0-9]{12}$" },
                default: [],
                description: "Account IDs inside the zone of trust besides those of the stack's own resources.",
            },
        },
    },
    validateStack: (args, report) => {
        const { trustedAccounts } = withDefaults(args, { trustedAccounts: [] as string[] });
        const own = new Set([...stackAccounts(args.resources), ...trustedAccounts]);
        return forEachKnown(args.resources, (r) => {
            const docs = readDocuments(r.type, r.props, ["resource", "trust"]);
            const owners = new Set(docs.flatMap((d) => [...ownerAccounts(r.type, d.statements)]));
            const external = (account: string) => !own.has(account) && !owners.has(account);
            for (const doc of docs) {
                const limits = doc.kind === "trust" ? "aws:PrincipalOrgID, aws:PrincipalOrgPaths or sts:ExternalId" : "aws:PrincipalOrgID or aws:PrincipalOrgPaths";
                for (const access of analyzeStatements(doc.statements)) {
                    const outside = access.accounts.filter((a) => external(a.account));
                    const limited = access.crossAccountLimit !== undefined && (doc.kind === "trust" || !/sts:externalid/i.test(access.crossAccountLimit));
                    if (outside.length > 0 && !limited) {
                        report(`${r.name}: ${doc.field} ${statementLabel(access.statement)} grants ${listForMessage(outside.map((a) => `account ${a.account} (${a.principal})`))} without an ${limits} condition.`, r.urn);
                    }
                }
            }
            for (const grant of propertyGrants(r.type, r.props)) {
                if (grant.account && external(grant.account.account) && grant.crossAccountLimit === undefined) {
                    report(`${r.name}: ${grant.field} grants account ${grant.account.account} (${grant.account.principal}) without an organization condition.`, r.urn);
                }
            }
        });
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

/** The short name of a resource type for messages: `RolePolicyAttachment`. */
function typeName(type: string): string {
    return type.split(":").pop() ?? type;
}

export const eventBridgeTargetRoleScoped: StackValidationPolicy = {
    name: "eventbridge-target-role-scoped",
    description:
        "The role of an EventBridge ECS target may only run that target's task definition family and pass that task's execution and task roles, counting every policy that applies to the role (inline, RolePolicy, attached managed policies).",
    severity: "high",
    enforcementLevel: "mandatory",
    remediationSteps: "Grant ecs:RunTask on arn:…:task-definition/<family>:* (with an ecs:cluster condition) and iam:PassRole on exactly the task's two roles; attach no managed policy to the role.",
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
            const statements: Statement[] = [];
            for (const applied of policiesFor(role, args.resources)) {
                if (applied.external !== undefined) {
                    problems.push(`the managed policy ${applied.external} (through ${applied.via.name}), whose grants are not limited to this task`);
                    continue;
                }
                statements.push(...(readDocument({ document: applied.document })?.statements ?? []));
            }
            for (const { action, statement } of await granted(statements)) {
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
    description:
        "A role does not mix inlinePolicies with RolePolicy resources, or managedPolicyArns with attachment resources (RolePolicyAttachment, PolicyAttachment, RolePolicyAttachmentsExclusive): each side removes the other's policies on the next update.",
    severity: "medium",
    enforcementLevel: "mandatory",
    remediationSteps: "Use RolePolicy for inline documents and RolePolicyAttachment for managed policies, and drop inlinePolicies / managedPolicyArns (deprecated) from the role.",
    validateStack: (args, report) =>
        forEachKnown(ofType(args.resources, ROLE_TYPE), (role) => {
            const applied = policiesFor(role, args.resources);
            const own = (field: string) => applied.some((a) => a.via === role && a.field.startsWith(field));
            const others = (document: boolean) => [...new Set(applied.filter((a) => a.via !== role && (a.document !== undefined && a.managedPolicy === undefined) === document).map((a) => typeName(a.via.type)))];
            const inlineRivals = others(true);
            const managedRivals = others(false);
            if (own("inlinePolicies") && inlineRivals.length > 0) {
                report(`role ${role.name} has inlinePolicies and ${inlineRivals.join(", ")} resources; they overwrite each other.`, role.urn);
            }
            if (own("managedPolicyArns") && managedRivals.length > 0) {
                report(`role ${role.name} has managedPolicyArns and ${managedRivals.join(", ")} resources; they detach each other's policies.`, role.urn);
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
    resourcePolicyNoPublicAccess,
    resourcePolicyCrossAccountLimited,
    ecsDistinctRoles,
    eventBridgeTargetRoleScoped,
    rolePolicyStylesConsistent,
];
