/**
 * Every rule of the least-privilege-iam pack against hand-built resources: for each rule, fixtures it
 * must flag and fixtures it must pass, in the shapes AWS accepts (documents as JSON strings or
 * objects; Action, Resource and Principal as a string or a list; Statement as one object), plus
 * rule config, enforcement levels and unknown (preview-time) values.
 */
import { strict as assert } from "assert";
import { PolicyPackConfig, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    ecsDistinctRoles,
    eventBridgeTargetRoleScoped,
    leastPrivilegeIamPolicies,
    noAdminManagedPolicies,
    noNotActionOrNotResource,
    noPrivilegeEscalation,
    noUnknownActions,
    noWildcardActions,
    noWildcardResource,
    passRoleScoped,
    resourcePolicyCrossAccountLimited,
    resourcePolicyNoPublicAccess,
    rolePolicyStylesConsistent,
    trustPolicySpecificPrincipal,
} from "../policy/least-privilege-iam/rules";
import { Finding, ResourceRecord, evaluatePacks } from "../policy/offline/engine";
import { RESOURCE_POLICY_FIELDS } from "@s3-fargate-pipeline/policy-lib";

// The Policy SDK marks a value that is unknown during preview with a sentinel string; its proxy
// throws UnknownValueError when a rule reads a property holding one. The constant is @internal, so
// it is read from the module rather than imported as a typed export.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

const ACCOUNT = "123456789012";
const T = {
    rolePolicy: "aws:iam/rolePolicy:RolePolicy",
    policy: "aws:iam/policy:Policy",
    role: "aws:iam/role:Role",
    attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
    queuePolicy: "aws:sqs/queuePolicy:QueuePolicy",
    topicPolicy: "aws:sns/topicPolicy:TopicPolicy",
    taskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
    eventTarget: "aws:cloudwatch/eventTarget:EventTarget",
};

type Policy = ResourceValidationPolicy | StackValidationPolicy;
type Props = Record<string, any>;
type Shape = "string" | "object";

/** A resource whose inputs and outputs are the same object. */
function resource(type: string, name: string, props: Props): ResourceRecord {
    return { type, name, urn: `urn:pulumi:test::proj::${type}::${name}`, inputs: props, state: props };
}

/** A policy document with these statements (one statement stays a single object), as a string or an object. */
function doc(statements: Props | Props[], shape: Shape = "object"): string | Props {
    const d = { Version: "2012-10-17", Statement: statements };
    return shape === "string" ? JSON.stringify(d) : d;
}

const rolePolicy = (statements: Props | Props[], shape: Shape = "object") =>
    resource(T.rolePolicy, "rp", { role: "some-role", policy: doc(statements, shape) });

/** Runs one rule (as the only rule of the pack) and returns its findings. */
function findings(rule: Policy, records: ResourceRecord[], config?: PolicyPackConfig): Promise<Finding[]> {
    return evaluatePacks([{ name: "least-privilege-iam", policies: [rule], config }], records);
}

/** Runs one rule and returns the messages it reports, in order. */
async function messages(rule: Policy, records: ResourceRecord[], config?: PolicyPackConfig): Promise<string[]> {
    return (await findings(rule, records, config)).map((f) => f.message);
}

const allow = (Action: string | string[], Resource: string | string[] = "*", extra: Props = {}) => ({ Effect: "Allow", Action, Resource, ...extra });
const deny = (Action: string | string[], Resource: string | string[] = "*", extra: Props = {}) => ({ Effect: "Deny", Action, Resource, ...extra });
const PASSED_TO_ECS = { Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } } };
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

describe("least-privilege-iam rules", () => {
    it("exports exactly the rules this file tests, with unique kebab-case names", () => {
        assert.deepEqual(
            leastPrivilegeIamPolicies.map((p) => p.name),
            [
                "iam-no-wildcard-actions",
                "iam-no-wildcard-resource",
                "iam-no-unknown-actions",
                "iam-pass-role-scoped",
                "iam-no-not-action-not-resource",
                "iam-no-admin-managed-policies",
                "iam-no-privilege-escalation",
                "iam-trust-policy-specific-principal",
                "resource-policy-no-public-access",
                "resource-policy-cross-account-limited",
                "ecs-distinct-execution-and-task-roles",
                "eventbridge-target-role-scoped",
                "iam-role-policy-styles-consistent",
            ],
        );
    });

    describe("iam-no-wildcard-actions", () => {
        for (const shape of ["string", "object"] as Shape[]) {
            it(`flags "*" and "service:*" in a document given as a JSON ${shape}`, async () => {
                const records = [rolePolicy([allow("*"), allow(["s3:GetObject", "s3:*"], "arn:aws:s3:::b/*")], shape)];
                assert.deepEqual(await messages(noWildcardActions, records), ['policy statement 0 allows "*".', 'policy statement 1 allows "s3:*".']);
            });
        }

        it("flags a single Statement object and names it by its Sid", async () => {
            const records = [rolePolicy({ Sid: "Logs", ...allow("logs:*") })];
            assert.deepEqual(await messages(noWildcardActions, records), ['policy statement "Logs" allows "logs:*".']);
        });

        it("flags a wildcard action in a bucket policy and in a role's inline policy", async () => {
            const records = [
                resource(T.bucketPolicy, "bp", { bucket: "b", policy: doc(allow("s3:*", "arn:aws:s3:::b/*", { Principal: { AWS: roleArn("r") } })) }),
                resource(T.role, "r", { assumeRolePolicy: doc(allow("sts:AssumeRole", [], { Principal: { Service: "ecs-tasks.amazonaws.com" } })), inlinePolicies: [{ name: "p", policy: doc(allow("sqs:*"), "string") }] }),
            ];
            assert.deepEqual(await messages(noWildcardActions, records), ['policy statement 0 allows "s3:*".', 'inlinePolicies[0].policy statement 0 allows "sqs:*".']);
        });

        it('passes the default key policy statement that gives the account\'s root "kms:*", and flags "kms:*" to anyone else', async () => {
            const key = (principal: Props) =>
                resource("aws:kms/key:Key", "k", { policy: doc([allow("kms:*", "*", { Principal: principal })], "string") });
            assert.deepEqual(await messages(noWildcardActions, [key({ AWS: `arn:aws:iam::${ACCOUNT}:root` }), key({ AWS: ACCOUNT })]), []);
            assert.deepEqual(await messages(noWildcardActions, [key({ AWS: roleArn("admin") }), key({ Service: "events.amazonaws.com" })]), [
                'policy statement 0 allows "kms:*".',
                'policy statement 0 allows "kms:*".',
            ]);
        });

        it("passes named actions and prefix patterns such as s3:Get*", async () => {
            assert.deepEqual(await messages(noWildcardActions, [rolePolicy(allow(["s3:GetObject", "s3:Get*"], "arn:aws:s3:::b/*"))]), []);
        });

        it("passes a Deny statement with a wildcard action (a TLS-only bucket policy)", async () => {
            const records = [resource(T.bucketPolicy, "bp", { policy: doc(deny("s3:*", ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], { Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } })) })];
            assert.deepEqual(await messages(noWildcardActions, records), []);
        });

        it("passes a wildcard action listed in allowedActions (case-insensitively) but still flags others", async () => {
            const records = [rolePolicy([allow("logs:*"), allow("s3:*")])];
            assert.deepEqual(await messages(noWildcardActions, records, { "iam-no-wildcard-actions": { allowedActions: ["LOGS:*"] } }), ['policy statement 1 allows "s3:*".']);
        });
    });

    describe("iam-no-wildcard-resource", () => {
        for (const shape of ["string", "object"] as Shape[]) {
            it(`flags a scopable action on "*" in a document given as a JSON ${shape}`, async () => {
                assert.deepEqual(await messages(noWildcardResource, [rolePolicy(allow("s3:GetObject"), shape)]), ['policy statement 0 grants s3:GetObject on "*"; it supports resource-level scoping.']);
            });
        }

        it('flags "*" among other resources, given as a list', async () => {
            const records = [rolePolicy(allow(["sqs:SendMessage"], ["arn:aws:sqs:eu-west-1:123456789012:q", "*"]))];
            assert.deepEqual(await messages(noWildcardResource, records), ['policy statement 0 grants sqs:SendMessage on "*"; it supports resource-level scoping.']);
        });

        it("flags s3:Get* on \"*\" because it expands to actions that can be scoped", async () => {
            assert.deepEqual(await messages(noWildcardResource, [rolePolicy(allow("s3:Get*"))]), [
                'policy statement 0 grants s3:Get* (61 scopable actions, e.g. s3:GetAccelerateConfiguration) on "*"; they support resource-level scoping.',
            ]);
        });

        it("lists only the scopable actions of a statement that mixes them with wildcard-only ones", async () => {
            const records = [rolePolicy(allow(["ecr:GetAuthorizationToken", "ecr:BatchGetImage", "logs:PutLogEvents"]))];
            assert.deepEqual(await messages(noWildcardResource, records), ['policy statement 0 grants ecr:BatchGetImage and logs:PutLogEvents on "*"; they support resource-level scoping.']);
        });

        it("passes wildcard-only actions and the default exceptions on \"*\" (ecr:GetAuthorizationToken, ec2:Describe*, xray:PutTraceSegments, cloudwatch:PutMetricData)", async () => {
            const records = [rolePolicy([allow("ecr:GetAuthorizationToken"), allow(["ec2:Describe*", "xray:PutTraceSegments"]), allow("cloudwatch:PutMetricData")], "string")];
            assert.deepEqual(await messages(noWildcardResource, records), []);
        });

        it("passes scopable actions on named ARNs", async () => {
            assert.deepEqual(await messages(noWildcardResource, [rolePolicy(allow(["s3:GetObject", "s3:PutObject"], "arn:aws:s3:::b/uploads/*"))]), []);
        });

        it("passes a Deny statement on \"*\"", async () => {
            assert.deepEqual(await messages(noWildcardResource, [rolePolicy(deny("s3:DeleteObject"))]), []);
        });

        it("honours allowWildcardResource: an empty list flags cloudwatch:PutMetricData, a listed action passes", async () => {
            const records = [rolePolicy([allow("cloudwatch:PutMetricData"), allow("sns:Publish")])];
            assert.deepEqual(await messages(noWildcardResource, records, { "iam-no-wildcard-resource": { allowWildcardResource: [] } }), [
                'policy statement 0 grants cloudwatch:PutMetricData on "*"; it supports resource-level scoping.',
                'policy statement 1 grants sns:Publish on "*"; it supports resource-level scoping.',
            ]);
            assert.deepEqual(await messages(noWildcardResource, records, { "iam-no-wildcard-resource": { allowWildcardResource: ["cloudwatch:PutMetricData", "sns:Publish"] } }), []);
        });

        it("flags ARNs as broad as \"*\": any bucket's objects, any account's roles, any log group anywhere", async () => {
            const records = [rolePolicy([allow("s3:GetObject", "arn:aws:s3:::*/*"), allow("iam:GetRole", "arn:aws:iam::*:role/*"), allow(["logs:PutLogEvents"], "arn:aws:logs:*:*:*")])];
            assert.deepEqual(await messages(noWildcardResource, records), [
                'policy statement 0 grants s3:GetObject on "arn:aws:s3:::*/*", which names no particular resource in any account; it supports resource-level scoping.',
                'policy statement 1 grants iam:GetRole on "arn:aws:iam::*:role/*", which names no particular resource in any account; it supports resource-level scoping.',
                'policy statement 2 grants logs:PutLogEvents on "arn:aws:logs:*:*:*", which names no particular resource in any account; it supports resource-level scoping.',
            ]);
        });

        it("passes ARNs that name a bucket, a prefix, a family or a log group, and an account-wide pattern for generated IDs", async () => {
            const records = [
                rolePolicy([
                    allow("s3:GetObject", ["arn:aws:s3:::b/*", "arn:aws:s3:::logs-*/2026/*"]),
                    allow("ecs:RunTask", `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/processor:*`),
                    allow("logs:PutLogEvents", `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:/ecs/app:*`),
                    allow(["ec2:CreateSecurityGroup", "ec2:DeleteSecurityGroup"], `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/*`),
                ]),
            ];
            assert.deepEqual(await messages(noWildcardResource, records), []);
        });

        it("checks a permission set's inline policy and a managed policy of the stack", async () => {
            const records = [
                resource("aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy", "inline", { permissionSetArn: "ps", inlinePolicy: doc(allow("sqs:SendMessage"), "string") }),
                resource(T.policy, "managed", { policy: doc(allow("s3:PutObject", "arn:aws:s3:::*")) }),
            ];
            assert.deepEqual(await messages(noWildcardResource, records), [
                'inlinePolicy statement 0 grants sqs:SendMessage on "*"; it supports resource-level scoping.',
                'policy statement 0 grants s3:PutObject on "arn:aws:s3:::*", which names no particular resource in any account; it supports resource-level scoping.',
            ]);
        });

        it("checks identity policies only: a bucket policy on \"*\" is left to the resource-policy rule", async () => {
            const records = [resource(T.bucketPolicy, "bp", { policy: doc(allow("s3:GetObject", "*", { Principal: { AWS: roleArn("r") } })) })];
            assert.deepEqual(await messages(noWildcardResource, records), []);
        });
    });

    describe("iam-no-unknown-actions", () => {
        for (const shape of ["string", "object"] as Shape[]) {
            it(`flags a misspelt action and an unknown service in a document given as a JSON ${shape}`, async () => {
                const records = [rolePolicy(allow(["s3:GetObjet", "s3:GetObject", "notaservice:Foo"], "arn:aws:s3:::b/*"), shape)];
                assert.deepEqual(await messages(noUnknownActions, records), [
                    'policy statement 0 names "s3:GetObjet", which matches no action AWS defines.',
                    'policy statement 0 names "notaservice:Foo", which matches no action AWS defines.',
                ]);
            });
        }

        it("flags a pattern that matches nothing, an action without a service, and a typo in NotAction", async () => {
            const records = [rolePolicy([allow(["s3:Gett*", "GetObject"], "arn:aws:s3:::b/*"), { Effect: "Allow", NotAction: "s3:DeleteObjet", Resource: "arn:aws:s3:::b/*" }])];
            assert.deepEqual(await messages(noUnknownActions, records), [
                'policy statement 0 names "s3:Gett*", which matches no action AWS defines.',
                'policy statement 0 names "GetObject", which matches no action AWS defines.',
                'policy statement 1 names "s3:DeleteObjet", which matches no action AWS defines.',
            ]);
        });

        it("flags a typo in a trust policy", async () => {
            const records = [resource(T.role, "r", { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRol" }, "string") })];
            assert.deepEqual(await messages(noUnknownActions, records), ['assumeRolePolicy statement 0 names "sts:AssumeRol", which matches no action AWS defines.']);
        });

        it("flags a document it cannot read", async () => {
            const records = [rolePolicy({ Effect: "Permit", Action: "s3:GetObject", Resource: "*" }, "string")];
            assert.deepEqual(await messages(noUnknownActions, records), ['policy cannot be read: Statement 0 has Effect "Permit"; expected "Allow" or "Deny".']);
        });

        it("passes real actions in any case and patterns that match something", async () => {
            const records = [rolePolicy([allow(["S3:getobject", "s3:Get*", "*:Describe*", "*"]), allow("sqs:SendMessage")])];
            assert.deepEqual(await messages(noUnknownActions, records), []);
        });

        it("passes a typo in a Deny statement (it grants nothing)", async () => {
            assert.deepEqual(await messages(noUnknownActions, [rolePolicy(deny("s3:DeleteObjet"))]), []);
        });
    });

    describe("iam-pass-role-scoped", () => {
        for (const shape of ["string", "object"] as Shape[]) {
            it(`flags iam:PassRole on "*" without iam:PassedToService in a document given as a JSON ${shape}`, async () => {
                assert.deepEqual(await messages(passRoleScoped, [rolePolicy(allow("iam:PassRole"), shape)]), [
                    'policy statement 0 allows iam:PassRole on "*", which is any role.',
                    "policy statement 0 allows iam:PassRole without an iam:PassedToService condition.",
                ]);
            });
        }

        for (const pattern of ["iam:Pass*", "iam:*", "*"]) {
            it(`flags iam:PassRole granted through "${pattern}"`, async () => {
                assert.deepEqual(await messages(passRoleScoped, [rolePolicy(allow([pattern], "*", PASSED_TO_ECS))]), ['policy statement 0 allows iam:PassRole on "*", which is any role.']);
            });
        }

        it("flags every-role ARN patterns even with the condition", async () => {
            const records = [rolePolicy(allow("iam:PassRole", [roleArn("task"), `arn:aws:iam::${ACCOUNT}:role/*`, "arn:aws:iam::*:*"], PASSED_TO_ECS))];
            assert.deepEqual(await messages(passRoleScoped, records), [`policy statement 0 allows iam:PassRole on "arn:aws:iam::${ACCOUNT}:role/*", "arn:aws:iam::*:*", which is any role.`]);
        });

        it("flags named roles without an iam:PassedToService condition", async () => {
            assert.deepEqual(await messages(passRoleScoped, [rolePolicy(allow("iam:PassRole", [roleArn("exec"), roleArn("task")]))]), [
                "policy statement 0 allows iam:PassRole without an iam:PassedToService condition.",
            ]);
        });

        it("passes iam:PassRole on named roles to one service, and ignores Deny and other actions", async () => {
            const records = [rolePolicy([allow("iam:PassRole", [roleArn("exec"), roleArn("task")], PASSED_TO_ECS), deny("iam:PassRole"), allow("iam:GetRole")])];
            assert.deepEqual(await messages(passRoleScoped, records), []);
        });
    });

    describe("iam-no-not-action-not-resource", () => {
        for (const shape of ["string", "object"] as Shape[]) {
            it(`flags an Allow with NotAction or NotResource in a document given as a JSON ${shape}`, async () => {
                const records = [
                    rolePolicy(
                        [
                            { Effect: "Allow", NotAction: "iam:*", Resource: "*" },
                            { Effect: "Allow", Action: "s3:GetObject", NotResource: ["arn:aws:s3:::secret/*"] },
                            { Sid: "Both", Effect: "Allow", NotAction: ["iam:*"], NotResource: "arn:aws:s3:::secret/*" },
                        ],
                        shape,
                    ),
                ];
                assert.deepEqual(await messages(noNotActionOrNotResource, records), [
                    "policy statement 0 is an Allow with NotAction.",
                    "policy statement 1 is an Allow with NotResource.",
                    'policy statement "Both" is an Allow with NotAction and NotResource.',
                ]);
            });
        }

        it("flags an Allow with NotPrincipal in a bucket policy", async () => {
            const records = [resource(T.bucketPolicy, "bp", { policy: doc({ Effect: "Allow", NotPrincipal: { AWS: roleArn("admin") }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }) })];
            assert.deepEqual(await messages(noNotActionOrNotResource, records), ["policy statement 0 is an Allow with NotPrincipal."]);
        });

        it("passes Deny statements with NotAction, NotResource or NotPrincipal", async () => {
            const records = [
                rolePolicy([allow("s3:GetObject", "arn:aws:s3:::b/*"), { Effect: "Deny", NotAction: "s3:GetObject", NotResource: "arn:aws:s3:::b/*" }]),
                resource(T.bucketPolicy, "bp", { policy: doc({ Effect: "Deny", NotPrincipal: { AWS: roleArn("admin") }, Action: "s3:*", Resource: "arn:aws:s3:::b/*" }, "string") }),
            ];
            assert.deepEqual(await messages(noNotActionOrNotResource, records), []);
        });
    });

    describe("iam-no-admin-managed-policies", () => {
        it("flags AdministratorAccess attached with a RolePolicyAttachment", async () => {
            const records = [resource(T.attachment, "att", { role: "r", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })];
            assert.deepEqual(await messages(noAdminManagedPolicies, records), ["attaches the AWS managed policy AdministratorAccess (arn:aws:iam::aws:policy/AdministratorAccess)."]);
        });

        it("flags PowerUserAccess in a role's managedPolicyArns, in any partition", async () => {
            const records = [resource(T.role, "r", { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws-us-gov:iam::aws:policy/PowerUserAccess"] })];
            assert.deepEqual(await messages(noAdminManagedPolicies, records), ["attaches the AWS managed policy PowerUserAccess (arn:aws-us-gov:iam::aws:policy/PowerUserAccess)."]);
        });

        const ADMIN = "arn:aws:iam::aws:policy/AdministratorAccess";
        const PATHS: [string, Props][] = [
            ["aws:iam/userPolicyAttachment:UserPolicyAttachment", { user: "u", policyArn: ADMIN }],
            ["aws:iam/groupPolicyAttachment:GroupPolicyAttachment", { group: "g", policyArn: ADMIN }],
            ["aws:iam/policyAttachment:PolicyAttachment", { roles: ["r"], users: ["u"], policyArn: ADMIN }],
            ["aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", { roleName: "r", policyArns: [`arn:aws:iam::${ACCOUNT}:policy/mine`, ADMIN] }],
            ["aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive", { userName: "u", policyArns: [ADMIN] }],
            ["aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive", { groupName: "g", policyArns: [ADMIN] }],
            ["aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment", { instanceArn: "i", permissionSetArn: "ps", managedPolicyArn: ADMIN }],
            ["aws:ssoadmin/managedPolicyAttachmentsExclusive:ManagedPolicyAttachmentsExclusive", { instanceArn: "i", permissionSetArn: "ps", managedPolicyArns: [ADMIN] }],
        ];
        for (const [type, props] of PATHS) {
            it(`flags AdministratorAccess attached through ${type.split(":").pop()}`, async () => {
                assert.deepEqual(await messages(noAdminManagedPolicies, [resource(type, "att", props)]), [`attaches the AWS managed policy AdministratorAccess (${ADMIN}).`]);
            });
        }

        it("flags the administrator-level and full-access AWS managed policies by default", async () => {
            const names = ["AdministratorAccess-Amplify", "IAMFullAccess", "AmazonS3FullAccess", "AWSLambda_FullAccess"];
            const records = names.map((n) => resource(T.attachment, n, { role: "r", policyArn: `arn:aws:iam::aws:policy/${n}` }));
            assert.deepEqual(
                await messages(noAdminManagedPolicies, records),
                names.map((n) => `attaches the AWS managed policy ${n} (arn:aws:iam::aws:policy/${n}).`),
            );
        });

        it("passes a customer managed policy that happens to be called AdministratorAccess (its document is what the other rules check)", async () => {
            assert.deepEqual(await messages(noAdminManagedPolicies, [resource(T.attachment, "att", { role: "r", policyArn: `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess` })]), []);
        });

        it("passes ReadOnlyAccess, service-role policies and customer-managed policies", async () => {
            const records = [
                resource(T.attachment, "ro", { role: "r", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
                resource(T.attachment, "exec", { role: "r", policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }),
                resource(T.role, "r", { managedPolicyArns: [`arn:aws:iam::${ACCOUNT}:policy/pipeline-read`] }),
            ];
            assert.deepEqual(await messages(noAdminManagedPolicies, records), []);
        });

        it("honours deniedPolicies", async () => {
            const records = [resource(T.attachment, "ro", { role: "r", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })];
            assert.deepEqual(await messages(noAdminManagedPolicies, records, { "iam-no-admin-managed-policies": { deniedPolicies: ["ReadOnlyAccess"] } }), [
                "attaches the AWS managed policy ReadOnlyAccess (arn:aws:iam::aws:policy/ReadOnlyAccess).",
            ]);
        });
    });

    describe("iam-no-privilege-escalation", () => {
        for (const shape of ["string", "object"] as Shape[]) {
            it(`flags a single escalation action such as iam:PutRolePolicy in a document given as a JSON ${shape}`, async () => {
                const records = [rolePolicy(allow(["iam:PutRolePolicy", "iam:GetRole"], roleArn("r")), shape)];
                assert.deepEqual(await messages(noPrivilegeEscalation, records), ["policy grants iam:PutRolePolicy, which let a principal raise its own privileges."]);
            });
        }

        it("flags escalation actions granted through a wildcard, listing the first four", async () => {
            assert.deepEqual(await messages(noPrivilegeEscalation, [rolePolicy(allow("iam:*"))]), [
                "policy grants iam:CreatePolicyVersion, iam:SetDefaultPolicyVersion, iam:AttachUserPolicy, iam:AttachGroupPolicy and 9 more, which let a principal raise its own privileges.",
            ]);
        });

        it("flags iam:PassRole on any role together with ec2:RunInstances, across statements", async () => {
            const records = [rolePolicy([allow("iam:PassRole", "*", PASSED_TO_ECS), allow("ec2:RunInstances", "*")])];
            assert.deepEqual(await messages(noPrivilegeEscalation, records), ["policy grants iam:PassRole on any role together with ec2:RunInstances."]);
        });

        it("flags iam:PassRole on role/* together with lambda:CreateFunction and lambda:InvokeFunction", async () => {
            const records = [rolePolicy([allow("iam:PassRole", `arn:aws:iam::${ACCOUNT}:role/*`), allow(["lambda:CreateFunction", "lambda:InvokeFunction"], "*")], "string")];
            assert.deepEqual(await messages(noPrivilegeEscalation, records), ["policy grants iam:PassRole on any role together with lambda:CreateFunction + lambda:InvokeFunction."]);
        });

        it("passes a scoped iam:PassRole with ecs:RunTask and ecs:RegisterTaskDefinition", async () => {
            const records = [rolePolicy([allow("iam:PassRole", [roleArn("exec"), roleArn("task")], PASSED_TO_ECS), allow(["ecs:RunTask", "ecs:RegisterTaskDefinition"], "*")])];
            assert.deepEqual(await messages(noPrivilegeEscalation, records), []);
        });

        it("passes escalation actions in Deny statements", async () => {
            assert.deepEqual(await messages(noPrivilegeEscalation, [rolePolicy([deny(["iam:PutRolePolicy", "iam:PassRole"]), allow("ec2:RunInstances", "*")])]), []);
        });

        it("honours allowedActions", async () => {
            const records = [rolePolicy(allow(["iam:PutRolePolicy", "iam:AttachRolePolicy"], roleArn("r")))];
            assert.deepEqual(await messages(noPrivilegeEscalation, records, { "iam-no-privilege-escalation": { allowedActions: ["iam:PutRolePolicy"] } }), [
                "policy grants iam:AttachRolePolicy, which let a principal raise its own privileges.",
            ]);
        });
    });

    describe("iam-trust-policy-specific-principal", () => {
        const trust = (statement: Props, shape: Shape = "object") => resource(T.role, "r", { assumeRolePolicy: doc(statement, shape) });

        for (const shape of ["string", "object"] as Shape[]) {
            it(`flags Principal "*" in a trust policy given as a JSON ${shape}`, async () => {
                assert.deepEqual(await messages(trustPolicySpecificPrincipal, [trust({ Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" }, shape)]), [
                    'assumeRolePolicy statement 0 trusts every principal ("*"), and no condition limits it to an organization, account or source.',
                ]);
            });
        }

        it('flags {"AWS": "*"} and {"AWS": ["*"]}', async () => {
            const records = [trust({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }), trust({ Effect: "Allow", Principal: { AWS: [roleArn("ci"), "*"] }, Action: "sts:AssumeRole" })];
            assert.deepEqual(await messages(trustPolicySpecificPrincipal, records), [
                'assumeRolePolicy statement 0 trusts every principal ("*"), and no condition limits it to an organization, account or source.',
                'assumeRolePolicy statement 0 trusts every principal ("*"), and no condition limits it to an organization, account or source.',
            ]);
        });

        it('flags the every-account principal "arn:aws:iam::*:root", given as a string or in a list', async () => {
            const records = [
                trust({ Effect: "Allow", Principal: { AWS: "arn:aws:iam::*:root" }, Action: "sts:AssumeRole" }),
                trust({ Effect: "Allow", Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:root`, "arn:aws:iam::*:root"] }, Action: "sts:AssumeRole" }),
            ];
            const message = 'assumeRolePolicy statement 0 trusts everyone through Principal "arn:aws:iam::*:root" (any account), and no condition limits it to an organization, account or source.';
            assert.deepEqual(await messages(trustPolicySpecificPrincipal, records), [message, message]);
        });

        it("flags a wildcard role of one account, and an Allow with NotPrincipal", async () => {
            const records = [
                trust({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/ci-*` }, Action: "sts:AssumeRole" }),
                trust({ Effect: "Allow", NotPrincipal: { AWS: roleArn("blocked") }, Action: "sts:AssumeRole" }),
            ];
            assert.deepEqual(await messages(trustPolicySpecificPrincipal, records), [
                `assumeRolePolicy statement 0 trusts the wildcard principal "arn:aws:iam::${ACCOUNT}:role/ci-*".`,
                "assumeRolePolicy statement 0 trusts everyone through NotPrincipal (everyone not listed), and no condition limits it to an organization, account or source.",
            ]);
        });

        it('passes "*" limited to an organization or to this account; "*" with only sts:ExternalId is still everyone', async () => {
            const star = (Condition: Props) => trust({ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole", Condition: Condition });
            assert.deepEqual(await messages(trustPolicySpecificPrincipal, [star({ StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }), star({ StringEquals: { "aws:PrincipalAccount": ACCOUNT } })]), []);
            assert.equal((await messages(trustPolicySpecificPrincipal, [star({ StringEquals: { "sts:ExternalId": "x" } })])).length, 1);
        });

        it("flags a federated principal without a condition, and a statement without a Principal", async () => {
            const oidc = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
            const records = [trust({ Effect: "Allow", Principal: { Federated: oidc }, Action: "sts:AssumeRoleWithWebIdentity" }), trust({ Effect: "Allow", Action: "sts:AssumeRole" })];
            assert.deepEqual(await messages(trustPolicySpecificPrincipal, records), [
                `assumeRolePolicy statement 0 trusts ${oidc} without a condition on the token.`,
                "assumeRolePolicy statement 0 has no Principal.",
            ]);
        });

        it("flags an OIDC provider trusted on its audience only, or for any subject", async () => {
            const oidc = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
            const web = (condition: Props) => trust({ Effect: "Allow", Principal: { Federated: oidc }, Action: "sts:AssumeRoleWithWebIdentity", Condition: condition });
            const records = [
                web({ StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" } }),
                web({ StringLike: { "token.actions.githubusercontent.com:sub": "repo:*" } }),
                web({ StringLike: { "token.actions.githubusercontent.com:sub": "*" } }),
            ];
            assert.deepEqual(await messages(trustPolicySpecificPrincipal, records), [
                `assumeRolePolicy statement 0 trusts ${oidc} without a condition on the token's subject (token.actions.githubusercontent.com:sub).`,
                `assumeRolePolicy statement 0 trusts ${oidc} for any subject (token.actions.githubusercontent.com:sub is a bare wildcard).`,
                `assumeRolePolicy statement 0 trusts ${oidc} for any subject (token.actions.githubusercontent.com:sub is a bare wildcard).`,
            ]);
        });

        it("passes service principals (string or list), a named account, a conditioned federated principal and Deny \"*\"", async () => {
            const oidc = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
            const records = [
                trust({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }, "string"),
                trust({ Effect: "Allow", Principal: { Service: ["events.amazonaws.com", "scheduler.amazonaws.com"] }, Action: ["sts:AssumeRole"] }),
                trust({ Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" }),
                trust({ Effect: "Allow", Principal: { Federated: oidc }, Action: "sts:AssumeRoleWithWebIdentity", Condition: { StringEquals: { "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main" } } }),
                resource(T.role, "d", { assumeRolePolicy: doc([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }, { Effect: "Deny", Principal: "*", Action: "sts:AssumeRole" }]) }),
            ];
            assert.deepEqual(await messages(trustPolicySpecificPrincipal, records), []);
        });
    });

    describe("resource-policy-no-public-access", () => {
        const orgLimited = { Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } };
        /** A resource of `type` whose policy property (possibly nested, `details.policy`) holds the document. */
        const holding = (type: string, document: unknown): ResourceRecord => {
            const path = RESOURCE_POLICY_FIELDS[type].split(".");
            const props = path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), document) as Props;
            return resource(type, "holder", props);
        };

        for (const type of Object.keys(RESOURCE_POLICY_FIELDS)) {
            it(`${type}: flags Principal "*" with no condition, passes it limited to an organization`, async () => {
                const open = await messages(resourcePolicyNoPublicAccess, [holding(type, doc(allow("s3:GetObject", "*", { Principal: "*" }), "string"))]);
                assert.deepEqual(open, [`${RESOURCE_POLICY_FIELDS[type]} statement 0 allows everyone (Principal "*") to s3:GetObject; no condition limits the caller.`]);
                assert.deepEqual(await messages(resourcePolicyNoPublicAccess, [holding(type, doc(allow("s3:GetObject", "*", { Principal: "*", ...orgLimited })))]), []);
            });
        }

        /** Each key that limits a grant to everyone: a value that limits it and one that does not (wildcard, any address). */
        const LIMITING: [string, string, string, string][] = [
            ["aws:PrincipalOrgID", "StringEquals", "o-a1b2c3d4e5", "o-*"],
            ["aws:PrincipalOrgPaths", "ForAnyValue:StringLike", "o-a1b2c3d4e5/r-ab12/ou-ab12-11111111/*", "*"],
            ["aws:PrincipalAccount", "StringEquals", ACCOUNT, "*"],
            ["aws:PrincipalArn", "ArnLike", `arn:aws:iam::${ACCOUNT}:role/app-*`, "arn:aws:iam::*:role/app"],
            ["aws:userid", "StringLike", "AROAEXAMPLEROLEID:*", "*:app"],
            ["aws:SourceArn", "ArnLike", `arn:aws:sns:eu-west-1:${ACCOUNT}:*`, "arn:aws:sns:*:*:*"],
            ["aws:SourceArn", "ArnEquals", "arn:aws:s3:::upload-bucket", "arn:aws:s3:::*"],
            ["aws:SourceAccount", "StringEquals", ACCOUNT, "1234*"],
            ["aws:SourceOwner", "StringEquals", ACCOUNT, "${aws:PrincipalAccount}"],
            ["aws:SourceOrgID", "StringEquals", "o-a1b2c3d4e5", "o-?*"],
            ["aws:SourceOrgPaths", "ForAnyValue:StringLike", "o-a1b2c3d4e5/*", "o-*/*"],
            ["aws:SourceVpc", "StringEquals", "vpc-0123456789abcdef0", "vpc-*"],
            ["aws:SourceVpce", "StringEquals", "vpce-0123456789abcdef0", "vpce-*"],
            ["aws:SourceIp", "IpAddress", "203.0.113.0/24", "0.0.0.0/0"],
            ["kms:CallerAccount", "StringEquals", ACCOUNT, "*"],
            ["s3:DataAccessPointAccount", "StringEquals", ACCOUNT, "*"],
            ["s3:DataAccessPointArn", "ArnEquals", `arn:aws:s3:eu-west-1:${ACCOUNT}:accesspoint/reports`, "arn:aws:s3:*:*:accesspoint/*"],
        ];
        const bucket = (Condition: Props) => resource(T.bucketPolicy, "bp", { policy: doc(allow("s3:GetObject", "arn:aws:s3:::b/*", { Principal: "*", Condition })) });
        for (const [key, operator, limits, open] of LIMITING) {
            it(`${key}: ${JSON.stringify(limits)} limits the caller, ${JSON.stringify(open)} does not`, async () => {
                assert.deepEqual(await messages(resourcePolicyNoPublicAccess, [bucket({ [operator]: { [key]: limits } })]), []);
                assert.equal((await messages(resourcePolicyNoPublicAccess, [bucket({ [operator]: { [key]: open } })])).length, 1);
            });
        }

        it("does not count conditions that limit how or when rather than who: aws:SecureTransport, aws:CurrentTime, tags, region, prefix, kms:ViaService", async () => {
            const records = [
                bucket({ Bool: { "aws:SecureTransport": "true" } }),
                bucket({ DateLessThan: { "aws:CurrentTime": "2030-01-01T00:00:00Z" } }),
                bucket({ StringEquals: { "aws:PrincipalTag/team": "data", "aws:RequestedRegion": "eu-west-1", "s3:prefix": "public/" } }),
                bucket({ StringEquals: { "kms:ViaService": "s3.eu-west-1.amazonaws.com" }, Bool: { "aws:MultiFactorAuthPresent": "true" } }),
            ];
            assert.equal((await messages(resourcePolicyNoPublicAccess, records)).length, 4);
        });

        it("does not count a limiting key under an operator that is true when the key is absent or that negates it", async () => {
            const records = [
                bucket({ StringEqualsIfExists: { "aws:SourceVpce": "vpce-0123456789abcdef0" } }),
                bucket({ StringNotEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }),
                bucket({ "ForAllValues:StringEquals": { "aws:PrincipalOrgPaths": "o-a1b2c3d4e5/r-ab12/" } }),
                bucket({ NotIpAddress: { "aws:SourceIp": "203.0.113.0/24" } }),
                bucket({ Null: { "aws:SourceVpce": "false" } }),
            ];
            assert.equal((await messages(resourcePolicyNoPublicAccess, records)).length, 5);
        });

        it("bounds aws:SourceIp: IPv4 /8 and narrower, IPv6 /32 and narrower, single addresses; every range in the list must be bounded", async () => {
            for (const range of ["10.0.0.0/8", "203.0.113.7", ["198.51.100.0/24", "2001:db8::/32"], "2001:db8::1"]) {
                assert.deepEqual(await messages(resourcePolicyNoPublicAccess, [bucket({ IpAddress: { "aws:SourceIp": range } })]), [], JSON.stringify(range));
            }
            for (const range of ["10.0.0.0/7", "2001:db8::/16", ["203.0.113.0/24", "0.0.0.0/0"], "not-an-address"]) {
                assert.equal((await messages(resourcePolicyNoPublicAccess, [bucket({ IpAddress: { "aws:SourceIp": range } })])).length, 1, JSON.stringify(range));
            }
        });

        it('counts a wildcard service principal as everyone', async () => {
            const records = [resource(T.topicPolicy, "t", { policy: doc(allow("sns:Publish", "*", { Principal: { Service: "*.amazonaws.com" } })) })];
            assert.deepEqual(await messages(resourcePolicyNoPublicAccess, records), [
                'policy statement 0 allows everyone (Principal {"Service": "*.amazonaws.com"} (any service, for anyone)) to sns:Publish; no condition limits the caller.',
            ]);
        });

        it('names the way a statement lets everyone in: {"AWS": "*"} in a list, any account\'s root, NotPrincipal', async () => {
            const records = [
                resource(T.queuePolicy, "a", { policy: doc({ Sid: "Open", Effect: "Allow", Principal: { AWS: [roleArn("x"), "*"] }, Action: "sqs:SendMessage", Resource: "*" }) }),
                resource(T.topicPolicy, "b", { policy: doc(allow("sns:Publish", "*", { Principal: { AWS: "arn:aws:iam::*:root" } })) }),
                resource(T.bucketPolicy, "c", { policy: doc({ Effect: "Allow", NotPrincipal: { AWS: roleArn("admin") }, Action: "s3:DeleteObject", Resource: "arn:aws:s3:::b/*" }, "string") }),
            ];
            assert.deepEqual(await messages(resourcePolicyNoPublicAccess, records), [
                'policy statement "Open" allows everyone (Principal {"AWS": "*"}) to sqs:SendMessage; no condition limits the caller.',
                'policy statement 0 allows everyone (Principal "arn:aws:iam::*:root" (any account)) to sns:Publish; no condition limits the caller.',
                "policy statement 0 allows everyone (NotPrincipal (everyone not listed)) to s3:DeleteObject; no condition limits the caller.",
            ]);
        });

        it("passes Deny to everyone, named accounts and roles, and service principals with or without conditions (a KMS grant to EventBridge scoped by encryption context)", async () => {
            const records = [
                resource(T.bucketPolicy, "deny", { policy: doc(deny("s3:*", "arn:aws:s3:::b/*", { Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } })) }),
                resource(T.queuePolicy, "account", { policy: doc(allow("sqs:SendMessage", "*", { Principal: { AWS: [ACCOUNT, roleArn("x")] } })) }),
                resource("aws:kms/key:Key", "key", {
                    policy: doc([
                        allow("kms:*", "*", { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }),
                        allow(["kms:Decrypt", "kms:GenerateDataKey*"], "*", { Principal: { Service: "events.amazonaws.com" } }),
                        allow(["kms:Decrypt"], "*", { Principal: { Service: "events.amazonaws.com" }, Condition: { StringEquals: { "kms:EncryptionContext:aws:sns:topicArn": `arn:aws:sns:eu-west-1:${ACCOUNT}:alerts` } } }),
                        allow(["kms:Decrypt"], "*", { Principal: { Service: ["cloudwatch.amazonaws.com"] }, Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } }),
                    ]),
                }),
            ];
            assert.deepEqual(await messages(resourcePolicyNoPublicAccess, records), []);
        });

        /** Grants made by properties: [type, props that let everyone in, props that do not]. */
        const PROPERTY_GRANTS: [string, Props, Props, string][] = [
            ["aws:lambda/permission:Permission", { action: "lambda:InvokeFunction", function: "fn", principal: "*" }, { action: "lambda:InvokeFunction", function: "fn", principal: "*", sourceArn: `arn:aws:execute-api:eu-west-1:${ACCOUNT}:abc123/*` }, 'principal "*" lets everyone in; nothing limits the caller.'],
            ["aws:lambda/permission:Permission", { action: "lambda:InvokeFunction", function: "fn", principal: "*", sourceArn: "arn:aws:execute-api:*:*:*" }, { action: "lambda:InvokeFunction", function: "fn", principal: "*", sourceAccount: ACCOUNT }, 'principal "*" lets everyone in; nothing limits the caller.'],
            ["aws:lambda/permission:Permission", { action: "lambda:InvokeFunctionUrl", function: "fn", principal: "*", functionUrlAuthType: "NONE", sourceAccount: ACCOUNT }, { action: "lambda:InvokeFunction", function: "fn", principal: "*", principalOrgId: "o-a1b2c3d4e5" }, 'principal "*" lets everyone in; nothing limits the caller.'],
            ["aws:lambda/permission:Permission", { action: "lambda:InvokeFunction", function: "fn", principal: "arn:aws:iam::*:root" }, { action: "lambda:InvokeFunction", function: "fn", principal: "s3.amazonaws.com" }, 'principal "arn:aws:iam::*:root" lets everyone in; nothing limits the caller.'],
            ["aws:lambda/functionUrl:FunctionUrl", { functionName: "fn", authorizationType: "NONE" }, { functionName: "fn", authorizationType: "AWS_IAM" }, 'authorizationType "NONE" (no IAM auth on the function URL) lets everyone in; nothing limits the caller.'],
            ["aws:lambda/layerVersionPermission:LayerVersionPermission", { layerName: "l", versionNumber: 1, statementId: "s", action: "lambda:GetLayerVersion", principal: "*" }, { layerName: "l", versionNumber: 1, statementId: "s", action: "lambda:GetLayerVersion", principal: "*", organizationId: "o-a1b2c3d4e5" }, 'principal "*" lets everyone in; nothing limits the caller.'],
            ["aws:cloudwatch/eventPermission:EventPermission", { principal: "*", statementId: "s" }, { principal: "*", statementId: "s", condition: { key: "aws:PrincipalOrgID", type: "StringEquals", value: "o-a1b2c3d4e5" } }, 'principal "*" lets everyone in; nothing limits the caller.'],
            ["aws:ec2/amiLaunchPermission:AmiLaunchPermission", { imageId: "ami-1", group: "all" }, { imageId: "ami-1", accountId: ACCOUNT }, 'group "all" lets everyone in; nothing limits the caller.'],
            ["aws:rds/snapshot:Snapshot", { dbInstanceIdentifier: "db", dbSnapshotIdentifier: "s", sharedAccounts: ["all"] }, { dbInstanceIdentifier: "db", dbSnapshotIdentifier: "s", sharedAccounts: [ACCOUNT] }, 'sharedAccounts ["all"] lets everyone in; nothing limits the caller.'],
            ["aws:s3/bucket:Bucket", { acl: "public-read" }, { acl: "private" }, 'acl "public-read" lets everyone in; nothing limits the caller.'],
            ["aws:s3/bucketAcl:BucketAcl", { bucket: "b", accessControlPolicy: { grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers" }, permission: "READ" }], owner: { id: "o" } } }, { bucket: "b", accessControlPolicy: { grants: [{ grantee: { type: "CanonicalUser", id: "abc" }, permission: "FULL_CONTROL" }], owner: { id: "o" } } }, "accessControlPolicy.grants to AuthenticatedUsers lets everyone in; nothing limits the caller."],
        ];
        for (const [type, open, closed, message] of PROPERTY_GRANTS) {
            it(`${type}: flags ${JSON.stringify(open)}, passes ${JSON.stringify(closed)}`, async () => {
                assert.deepEqual(await messages(resourcePolicyNoPublicAccess, [resource(type, "r", open)]), [message]);
                assert.deepEqual(await messages(resourcePolicyNoPublicAccess, [resource(type, "r", closed)]), []);
            });
        }
    });

    describe("resource-policy-cross-account-limited (advisory)", () => {
        const OTHER = "999988887777";
        const ownRole = resource(T.role, "own", { name: "own", arn: roleArn("own"), assumeRolePolicy: doc(allow("sts:AssumeRole", [], { Principal: { Service: "lambda.amazonaws.com" } })) });
        const trustOf = (principal: string, Condition?: Props) => resource(T.role, "partner", { name: "partner", arn: roleArn("partner"), assumeRolePolicy: doc(allow("sts:AssumeRole", [], { Principal: { AWS: principal }, ...(Condition ? { Condition } : {}) })) });

        it("flags a trust of another account's root with no external ID or organization condition, at the advisory level", async () => {
            const found = await findings(resourcePolicyCrossAccountLimited, [ownRole, trustOf(`arn:aws:iam::${OTHER}:root`)]);
            assert.deepEqual(found.map((f) => [f.enforcementLevel, f.resourceName, f.message]), [
                ["advisory", "partner", `partner: assumeRolePolicy statement 0 grants account ${OTHER} (arn:aws:iam::${OTHER}:root) without an aws:PrincipalOrgID, aws:PrincipalOrgPaths or sts:ExternalId condition.`],
            ]);
        });

        it("passes the trust with sts:ExternalId or aws:PrincipalOrgID, and a trust of the stack's own account", async () => {
            for (const condition of [{ StringEquals: { "sts:ExternalId": "7f3a9c" } }, { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } }]) {
                assert.deepEqual(await messages(resourcePolicyCrossAccountLimited, [ownRole, trustOf(OTHER, condition)]), []);
            }
            assert.deepEqual(await messages(resourcePolicyCrossAccountLimited, [ownRole, trustOf(`arn:aws:iam::${ACCOUNT}:root`)]), []);
        });

        it("flags a bucket policy and a Lambda permission for another account; sts:ExternalId does not limit a resource policy", async () => {
            const records = [
                ownRole,
                resource(T.bucketPolicy, "bp", { policy: doc(allow("s3:PutObject", "arn:aws:s3:::b/*", { Principal: { AWS: OTHER }, Condition: { StringEquals: { "sts:ExternalId": "x" } } })) }),
                resource("aws:lambda/permission:Permission", "perm", { action: "lambda:InvokeFunction", function: "fn", principal: OTHER }),
            ];
            assert.deepEqual(await messages(resourcePolicyCrossAccountLimited, records), [
                `bp: policy statement 0 grants account ${OTHER} (${OTHER}) without an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition.`,
                `perm: principal grants account ${OTHER} (${OTHER}) without an organization condition.`,
            ]);
            const permitted = resource("aws:lambda/permission:Permission", "perm", { action: "lambda:InvokeFunction", function: "fn", principal: OTHER, principalOrgId: "o-a1b2c3d4e5" });
            assert.deepEqual(await messages(resourcePolicyCrossAccountLimited, [ownRole, permitted]), []);
        });

        it("counts as the owner's: trustedAccounts, the account of the policy's own Resource ARNs, and the root a key policy gives kms:*", async () => {
            const trusted = await messages(resourcePolicyCrossAccountLimited, [trustOf(OTHER)], { "resource-policy-cross-account-limited": { trustedAccounts: [OTHER] } });
            assert.deepEqual(trusted, []);
            const queue = resource(T.queuePolicy, "qp", { policy: doc(allow("sqs:SendMessage", `arn:aws:sqs:eu-west-1:${OTHER}:q`, { Principal: { AWS: OTHER } })) });
            const key = resource("aws:kms/key:Key", "k", { policy: doc([allow("kms:*", "*", { Principal: { AWS: `arn:aws:iam::${OTHER}:root` } }), allow("kms:Decrypt", "*", { Principal: { AWS: roleArn("x").replace(ACCOUNT, OTHER) } })]) });
            assert.deepEqual(await messages(resourcePolicyCrossAccountLimited, [queue, key]), []);
        });

        it("flags a key policy that also gives another account's root kms:*: two accounts named, neither taken for the owner", async () => {
            const shared = resource("aws:kms/key:Key", "k", {
                policy: doc([allow("kms:*", "*", { Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` } }), allow("kms:*", "*", { Principal: { AWS: `arn:aws:iam::${OTHER}:root` } })]),
            });
            assert.deepEqual(await messages(resourcePolicyCrossAccountLimited, [ownRole, shared]), [
                `k: policy statement 1 grants account ${OTHER} (arn:aws:iam::${OTHER}:root) without an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition.`,
            ]);
        });

        it("rejects a trustedAccounts entry that is not an account ID", async () => {
            await assert.rejects(findings(resourcePolicyCrossAccountLimited, [ownRole], { "resource-policy-cross-account-limited": { trustedAccounts: ["12345"] } }), {
                message: 'least-privilege-iam config: "resource-policy-cross-account-limited".trustedAccounts[0]: "12345" does not match ^[0-9]{12}$',
            });
        });
    });

    describe("ecs-distinct-execution-and-task-roles", () => {
        it("flags a task definition whose execution role is also its task role", async () => {
            const records = [resource(T.taskDefinition, "td", { family: "processor", executionRoleArn: roleArn("shared"), taskRoleArn: roleArn("shared") })];
            assert.deepEqual(await messages(ecsDistinctRoles, records), [`uses ${roleArn("shared")} as both execution role and task role.`]);
        });

        it("passes distinct roles, and a task definition with neither role", async () => {
            const records = [
                resource(T.taskDefinition, "td", { family: "processor", executionRoleArn: roleArn("exec"), taskRoleArn: roleArn("task") }),
                resource(T.taskDefinition, "bare", { family: "bare" }),
            ];
            assert.deepEqual(await messages(ecsDistinctRoles, records), []);
        });
    });

    describe("eventbridge-target-role-scoped", () => {
        const TASK_DEF_ARN = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/processor:3`;
        const CLUSTER_ARN = `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/processing`;
        const ROLE_NAME = "target-role-1a2b3c";

        const runTask = (resourceArn: string | string[] = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/processor:*`) =>
            allow("ecs:RunTask", resourceArn, { Condition: { ArnEquals: { "ecs:cluster": CLUSTER_ARN } } });
        const passRoles = (arns: string[] = [roleArn("exec"), roleArn("task")]) => allow("iam:PassRole", arns, PASSED_TO_ECS);
        const tagTasks = allow("ecs:TagResource", `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/processing/*`, { Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } } });

        /** A target, its role, the task definition it runs and a RolePolicy for the role with these statements. */
        function stack(statements: Props[], roleProps: Props = {}): ResourceRecord[] {
            return [
                resource(T.eventTarget, "on-upload-target", { rule: "on-upload", arn: CLUSTER_ARN, roleArn: roleArn(ROLE_NAME), ecsTarget: { taskDefinitionArn: TASK_DEF_ARN, launchType: "FARGATE" } }),
                resource(T.role, "target-role", { id: ROLE_NAME, name: ROLE_NAME, arn: roleArn(ROLE_NAME), assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "events.amazonaws.com" }, Action: "sts:AssumeRole" }), ...roleProps }),
                resource(T.taskDefinition, "processor", { family: "processor", arn: TASK_DEF_ARN, executionRoleArn: roleArn("exec"), taskRoleArn: roleArn("task") }),
                resource(T.rolePolicy, "target-role-policy", { role: ROLE_NAME, policy: doc(statements, "string") }),
            ];
        }

        it("passes a role that runs the family on the cluster, passes exactly the two task roles and tags the tasks", async () => {
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, stack([runTask(), passRoles(), tagTasks, deny("s3:*")])), []);
        });

        it("passes ecs:RunTask on the exact revision or the family without a revision", async () => {
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, stack([runTask([TASK_DEF_ARN, TASK_DEF_ARN.replace(/:3$/, "")]), passRoles()])), []);
        });

        it("flags ecs:RunTask on another family, reported against the role", async () => {
            const other = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/other:*`;
            const found = await findings(eventBridgeTargetRoleScoped, stack([runTask(other), passRoles()]));
            assert.deepEqual(
                found.map((f) => [f.message, f.resourceName]),
                [[`role target-role of target on-upload-target grants ecs:RunTask on ${other} (only processor may run).`, "target-role"]],
            );
        });

        it("flags iam:PassRole on a third role", async () => {
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, stack([runTask(), passRoles([roleArn("exec"), roleArn("task"), roleArn("admin")])])), [
                `role target-role of target on-upload-target grants iam:PassRole on ${roleArn("admin")} (only the task's execution and task roles).`,
            ]);
        });

        it("flags an extra action, also when it comes from the role's inline policies", async () => {
            const records = stack([runTask(), passRoles(), allow("s3:GetObject", "arn:aws:s3:::b/*")], { inlinePolicies: [{ name: "extra", policy: doc(allow("sqs:SendMessage", "*")) }] });
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), [
                "role target-role of target on-upload-target grants sqs:SendMessage, which running the task does not need.",
                "role target-role of target on-upload-target grants s3:GetObject, which running the task does not need.",
            ]);
        });

        it("checks managed policies attached to the role: a stack policy's document, and an AWS managed policy it cannot read", async () => {
            const runAny = resource(T.policy, "run-any", { name: "run-any", arn: `arn:aws:iam::${ACCOUNT}:policy/run-any`, policy: doc(allow("ecs:RunTask", "*")) });
            const records = [
                ...stack([runTask(), passRoles()]),
                runAny,
                resource(T.attachment, "att-stack", { role: ROLE_NAME, policyArn: `arn:aws:iam::${ACCOUNT}:policy/run-any` }),
                resource("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "att-aws", { roleName: ROLE_NAME, policyArns: ["arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceEventsRole"] }),
            ];
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), [
                "role target-role of target on-upload-target grants the managed policy arn:aws:iam::aws:policy/service-role/AmazonEC2ContainerServiceEventsRole (through att-aws), whose grants are not limited to this task.",
                "role target-role of target on-upload-target grants ecs:RunTask on * (only processor may run).",
            ]);
        });

        it("ignores empty and unreadable documents instead of failing the whole evaluation", async () => {
            const records = stack([runTask(), passRoles()], { inlinePolicies: [{}] });
            records.push(resource(T.rolePolicy, "broken", { role: ROLE_NAME, policy: "{not json" }));
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), []);
        });

        it("skips targets without an ECS target or a role", async () => {
            const records = stack([allow("s3:GetObject", "*")]);
            records[0] = resource(T.eventTarget, "on-upload-target", { rule: "on-upload", arn: `arn:aws:sqs:eu-west-1:${ACCOUNT}:q` });
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), []);
        });
    });

    describe("iam-role-policy-styles-consistent", () => {
        const role = (props: Props) => resource(T.role, "task-role", { id: "task-role-9z", name: "task-role-9z", arn: roleArn("task-role-9z"), ...props });
        const rp = (roleName: string) => resource(T.rolePolicy, `rp-${roleName}`, { role: roleName, policy: doc(allow("s3:GetObject", "arn:aws:s3:::b/*")) });

        it("flags a role with inlinePolicies and a RolePolicy for the same role", async () => {
            const records = [role({ inlinePolicies: [{ name: "p", policy: doc(allow("s3:PutObject", "arn:aws:s3:::b/*")) }] }), rp("task-role-9z")];
            assert.deepEqual(await messages(rolePolicyStylesConsistent, records), ["role task-role has inlinePolicies and RolePolicy resources; they overwrite each other."]);
        });

        it("flags a role with managedPolicyArns and a RolePolicyAttachment for the same role", async () => {
            const records = [
                role({ managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
                resource(T.attachment, "att", { role: "task-role-9z", policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }),
            ];
            assert.deepEqual(await messages(rolePolicyStylesConsistent, records), ["role task-role has managedPolicyArns and RolePolicyAttachment resources; they detach each other's policies."]);
        });

        it("flags managedPolicyArns with a RolePolicyAttachmentsExclusive or a PolicyAttachment for the same role", async () => {
            const records = [
                role({ managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
                resource("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "ex", { roleName: "task-role-9z", policyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess"] }),
                resource("aws:iam/policyAttachment:PolicyAttachment", "pa", { roles: ["task-role-9z"], policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
            ];
            assert.deepEqual(await messages(rolePolicyStylesConsistent, records), [
                "role task-role has managedPolicyArns and RolePolicyAttachmentsExclusive, PolicyAttachment resources; they detach each other's policies.",
            ]);
        });

        it("passes a role with RolePolicy resources only, and inlinePolicies whose RolePolicy is for another role", async () => {
            assert.deepEqual(await messages(rolePolicyStylesConsistent, [role({}), rp("task-role-9z")]), []);
            assert.deepEqual(await messages(rolePolicyStylesConsistent, [role({ inlinePolicies: [{ name: "p", policy: doc(allow("s3:PutObject", "arn:aws:s3:::b/*")) }] }), rp("other-role")]), []);
        });
    });

    describe("enforcement levels and unknown values", () => {
        const wildcard = [rolePolicy(allow("s3:*", "arn:aws:s3:::b/*"))];

        it("reports at the rule's own level (mandatory) without pack config", async () => {
            const found = await findings(noWildcardActions, wildcard);
            assert.deepEqual(found.map((f) => [f.policy, f.enforcementLevel, f.message]), [["iam-no-wildcard-actions", "mandatory", 'policy statement 0 allows "s3:*".']]);
        });

        it('reports at "advisory" when the pack config says so, as a string or as enforcementLevel', async () => {
            for (const config of [{ "iam-no-wildcard-actions": "advisory" }, { "iam-no-wildcard-actions": { enforcementLevel: "advisory" } }] as PolicyPackConfig[]) {
                const found = await findings(noWildcardActions, wildcard, config);
                assert.deepEqual(found.map((f) => [f.enforcementLevel, f.message]), [["advisory", 'policy statement 0 allows "s3:*".']]);
            }
        });

        it('reports nothing when the pack config disables the rule, and keeps other rules running', async () => {
            const found = await evaluatePacks([{ name: "least-privilege-iam", policies: [noWildcardActions, noWildcardResource], config: { "iam-no-wildcard-actions": "disabled" } }], [rolePolicy(allow("s3:*"))]);
            assert.deepEqual(found.map((f) => f.policy), ["iam-no-wildcard-resource"]);
        });

        it("treats a policy that is unknown at preview as not applicable, for every resource rule", async () => {
            const unknownPolicy = [resource(T.rolePolicy, "rp", { role: "r", policy: unknownStringValue }), resource(T.bucketPolicy, "bp", { bucket: "b", policy: unknownStringValue })];
            for (const rule of leastPrivilegeIamPolicies) {
                assert.deepEqual(await messages(rule, unknownPolicy), [], rule.name);
            }
        });

        it("treats an unknown value inside a document object as not applicable, but still checks other resources", async () => {
            const records = [rolePolicy(allow("s3:*", unknownStringValue)), resource(T.rolePolicy, "known", { role: "r", policy: doc(allow("sqs:*", "arn:aws:sqs:eu-west-1:123456789012:q")) })];
            assert.deepEqual(await messages(noWildcardActions, records), ['policy statement 0 allows "sqs:*".']);
        });

        it("treats task definition roles that are both unknown as not applicable (not as equal)", async () => {
            const records = [resource(T.taskDefinition, "td", { family: "p", executionRoleArn: unknownStringValue, taskRoleArn: unknownStringValue })];
            assert.deepEqual(await messages(ecsDistinctRoles, records), []);
        });

        it("treats a stack whose task execution role is unknown as not applicable for the EventBridge rule", async () => {
            const taskDefArn = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/p:1`;
            const records = [
                resource(T.eventTarget, "t", { roleArn: roleArn("r"), ecsTarget: { taskDefinitionArn: taskDefArn } }),
                resource(T.role, "r", { name: "r", arn: roleArn("r") }),
                resource(T.taskDefinition, "p", { arn: taskDefArn, family: "p", executionRoleArn: unknownStringValue, taskRoleArn: roleArn("t") }),
                resource(T.rolePolicy, "rp", { role: "r", policy: doc([allow("ecs:RunTask", taskDefArn), allow("iam:PassRole", [roleArn("e"), roleArn("t")], PASSED_TO_ECS)]) }),
            ];
            assert.deepEqual(await messages(eventBridgeTargetRoleScoped, records), []);
        });
    });
});
