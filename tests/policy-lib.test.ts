/**
 * The shared policy library on its own: which policies apply to a principal (every attachment path),
 * and when a Resource element names no particular resource.
 */
import { strict as assert } from "assert";
import { PolicyResource } from "@pulumi/policy";
import { ActionInfo, AppliedPolicy, expandAction, isUnscoped, parseArn, policiesFor } from "@s3-fargate-pipeline/policy-lib";

const ACCOUNT = "123456789012";

function res(type: string, name: string, props: Record<string, unknown>): PolicyResource {
    return {
        type,
        name,
        urn: `urn:pulumi:test::proj::${type}::${name}`,
        props,
        opts: { protect: false, ignoreChanges: [], aliases: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 }, additionalSecretOutputs: [] },
        dependencies: [],
        propertyDependencies: {},
        isType: () => false,
        asType: () => undefined,
    } as unknown as PolicyResource;
}

const doc = (action: string) => ({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] });
/** What applies, as `via field → document action | external ARN`. */
const summary = (applied: AppliedPolicy[]) =>
    applied.map((a) => {
        const document = (typeof a.document === "string" ? JSON.parse(a.document) : a.document) as ReturnType<typeof doc> | undefined;
        return `${a.via.name} ${a.field} → ${a.external ?? document?.Statement[0].Action}`;
    });

describe("policiesFor: the policies that apply to a principal", () => {
    const role = res("aws:iam/role:Role", "app", {
        name: "app-role",
        id: "app-role",
        arn: `arn:aws:iam::${ACCOUNT}:role/app-role`,
        inlinePolicies: [{ name: "inline", policy: doc("s3:GetObject") }],
        managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"],
    });
    const managed = res("aws:iam/policy:Policy", "stack-policy", { name: "stack-policy", path: "/app/", arn: `arn:aws:iam::${ACCOUNT}:policy/app/stack-policy`, policy: JSON.stringify(doc("sqs:SendMessage")) });

    it("finds a role's inline and managed policies on every path, resolving managed policies of the stack to their documents", () => {
        const resources = [
            role,
            managed,
            res("aws:iam/rolePolicy:RolePolicy", "by-name", { role: "app-role", policy: doc("sns:Publish") }),
            res("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "by-arn", { role: "app-role", policyArn: `arn:aws:iam::${ACCOUNT}:policy/app/stack-policy` }),
            res("aws:iam/policyAttachment:PolicyAttachment", "shared", { roles: ["other-role", "app-role"], policyArn: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" }),
            res("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "exclusive", { roleName: `arn:aws:iam::${ACCOUNT}:role/app-role`, policyArns: ["arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess"] }),
            res("aws:iam/rolePolicy:RolePolicy", "someone-else", { role: "other-role", policy: doc("iam:*") }),
        ];
        assert.deepEqual(summary(policiesFor(role, resources)), [
            "app inlinePolicies[0].policy → s3:GetObject",
            "app managedPolicyArns[0] → arn:aws:iam::aws:policy/ReadOnlyAccess",
            "by-name policy → sns:Publish",
            "by-arn policyArn → sqs:SendMessage",
            "shared policyArn → arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
            "exclusive policyArns[0] → arn:aws:iam::aws:policy/CloudWatchReadOnlyAccess",
        ]);
        assert.equal(policiesFor(role, resources)[3].managedPolicy, managed);
    });

    it("gives a user its own policies and those of its groups (GroupMembership and UserGroupMembership)", () => {
        const user = res("aws:iam/user:User", "alice", { name: "alice", arn: `arn:aws:iam::${ACCOUNT}:user/alice` });
        const ops = res("aws:iam/group:Group", "ops", { name: "ops" });
        const devs = res("aws:iam/group:Group", "devs", { name: "devs" });
        const resources = [
            user,
            ops,
            devs,
            res("aws:iam/userPolicy:UserPolicy", "own", { user: "alice", policy: doc("s3:GetObject") }),
            res("aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive", "own-managed", { userName: "alice", policyArns: ["arn:aws:iam::aws:policy/IAMUserChangePassword"] }),
            res("aws:iam/groupMembership:GroupMembership", "ops-members", { group: "ops", users: ["alice", "bob"] }),
            res("aws:iam/userGroupMembership:UserGroupMembership", "alice-groups", { user: "alice", groups: ["devs"] }),
            res("aws:iam/groupPolicy:GroupPolicy", "ops-inline", { group: "ops", policy: doc("ec2:RebootInstances") }),
            res("aws:iam/groupPolicyAttachment:GroupPolicyAttachment", "devs-managed", { group: "devs", policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" }),
            res("aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive", "devs-exclusive", { groupName: "devs", policyArns: ["arn:aws:iam::aws:policy/AWSCodeCommitReadOnly"] }),
            res("aws:iam/policyAttachment:PolicyAttachment", "users", { users: ["alice"], policyArn: "arn:aws:iam::aws:policy/AWSSupportAccess" }),
            res("aws:iam/userPolicyAttachment:UserPolicyAttachment", "own-attachment", { user: "alice", policyArn: "arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess" }),
        ];
        assert.deepEqual(summary(policiesFor(user, resources)), [
            "own policy → s3:GetObject",
            "own-managed policyArns[0] → arn:aws:iam::aws:policy/IAMUserChangePassword",
            "users policyArn → arn:aws:iam::aws:policy/AWSSupportAccess",
            "own-attachment policyArn → arn:aws:iam::aws:policy/AWSBillingReadOnlyAccess",
            "ops-inline policy → ec2:RebootInstances",
            "devs-managed policyArn → arn:aws:iam::aws:policy/PowerUserAccess",
            "devs-exclusive policyArns[0] → arn:aws:iam::aws:policy/AWSCodeCommitReadOnly",
        ]);
    });

    it("gives an Identity Center permission set its AWS managed, customer managed (by name and path) and inline policies", () => {
        const set = res("aws:ssoadmin/permissionSet:PermissionSet", "admins", { arn: "arn:aws:sso:::permissionSet/ssoins-1/ps-1" });
        const psArn = "arn:aws:sso:::permissionSet/ssoins-1/ps-1";
        const resources = [
            set,
            managed,
            res("aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment", "aws-managed", { permissionSetArn: psArn, managedPolicyArn: "arn:aws:iam::aws:policy/AdministratorAccess" }),
            res("aws:ssoadmin/managedPolicyAttachmentsExclusive:ManagedPolicyAttachmentsExclusive", "aws-managed-exclusive", { permissionSetArn: psArn, managedPolicyArns: ["arn:aws:iam::aws:policy/ViewOnlyAccess"] }),
            res("aws:ssoadmin/customerManagedPolicyAttachment:CustomerManagedPolicyAttachment", "customer", { permissionSetArn: psArn, customerManagedPolicyReference: { name: "stack-policy", path: "/app/" } }),
            res("aws:ssoadmin/customerManagedPolicyAttachment:CustomerManagedPolicyAttachment", "customer-elsewhere", { permissionSetArn: psArn, customerManagedPolicyReference: { name: "made-elsewhere" } }),
            res("aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy", "inline", { permissionSetArn: psArn, inlinePolicy: JSON.stringify(doc("s3:ListBucket")) }),
        ];
        assert.deepEqual(summary(policiesFor(set, resources)), [
            "aws-managed managedPolicyArn → arn:aws:iam::aws:policy/AdministratorAccess",
            "aws-managed-exclusive managedPolicyArns[0] → arn:aws:iam::aws:policy/ViewOnlyAccess",
            "customer customerManagedPolicyReference → sqs:SendMessage",
            "customer-elsewhere customerManagedPolicyReference → /made-elsewhere",
            "inline inlinePolicy → s3:ListBucket",
        ]);
    });

    it("returns nothing for a resource that is not a principal", () => {
        assert.deepEqual(policiesFor(managed, [managed]), []);
    });
});

describe("isUnscoped: a Resource element as broad as \"*\"", () => {
    let getObject: ActionInfo;
    let passRole: ActionInfo;
    let createVpc: ActionInfo;
    before(async () => {
        [getObject, passRole, createVpc] = await Promise.all(["s3:GetObject", "iam:PassRole", "ec2:CreateVpc"].map(async (a) => (await expandAction(a)).actions[0]));
    });

    it("holds for \"*\" and ARNs that leave the name open in every account", () => {
        for (const r of ["*", "arn:aws:s3:::*/*", "arn:aws:s3:::*", "arn:*:s3:::*", "arn:aws:*:*:*:*"]) {
            assert.equal(isUnscoped(r, getObject), true, r);
        }
        for (const r of ["arn:aws:iam::*:role/*", "arn:aws:iam::*:*", "arn:aws:iam::*:role*"]) {
            assert.equal(isUnscoped(r, passRole), true, r);
        }
    });

    it("does not hold for a named bucket, a prefix, another service's ARN or a value that is not an ARN", () => {
        for (const r of ["arn:aws:s3:::b/*", "arn:aws:s3:::b-*/*", "arn:aws:s3:::b/uploads/*", "arn:aws:sqs:*:*:*", "not-an-arn"]) {
            assert.equal(isUnscoped(r, getObject), false, r);
        }
    });

    it("leaves account-wide ARNs (generated IDs) scoped, unless any name in the account counts as unscoped (PassRole)", () => {
        assert.equal(isUnscoped(`arn:aws:ec2:eu-west-1:${ACCOUNT}:vpc/*`, createVpc), false);
        assert.equal(isUnscoped("arn:aws:ec2:eu-west-1:*:vpc/*", createVpc), true);
        assert.equal(isUnscoped(`arn:aws:iam::${ACCOUNT}:role/*`, passRole), false);
        assert.equal(isUnscoped(`arn:aws:iam::${ACCOUNT}:role/*`, passRole, true), true);
        assert.equal(isUnscoped(`arn:aws:iam::${ACCOUNT}:role/app-*`, passRole, true), false);
    });

    it("parses ARNs whose resource part holds colons, and nothing else", () => {
        assert.deepEqual(parseArn(`arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/ecs/app:*`), { partition: "aws", service: "logs", region: "eu-west-1", account: ACCOUNT, resource: "log-group:/ecs/app:*" });
        assert.equal(parseArn("arn:aws:s3"), undefined);
        assert.equal(parseArn("*"), undefined);
    });
});

describe("expandAction: the actions an Action element grants", () => {
    it("matches wildcards case-insensitively against AWS's list of actions; a pattern is expanded once, its frozen result shared", async () => {
        const get = await expandAction("S3:get*");
        assert.ok(get.actions.length > 20, `${get.actions.length} actions`);
        assert.ok(get.actions.every((a) => /^s3:Get/.test(a.name)), get.actions.map((a) => a.name).join(", "));
        assert.ok(get.actions.some((a) => a.name === "s3:GetObject"));
        assert.equal(await expandAction("S3:get*"), get);
        assert.ok(Object.isFrozen(get) && Object.isFrozen(get.actions));
        assert.deepEqual((await expandAction("s3:Get?bject")).actions.map((a) => a.name), ["s3:GetObject"]);
        for (const nothing of ["nosuchservice:*", "s3", "s3:"]) {
            assert.deepEqual((await expandAction(nothing)).actions, [], nothing);
        }
    });
});
