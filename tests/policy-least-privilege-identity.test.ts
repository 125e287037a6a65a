/** The least-privilege-iam rules on identity policies: wildcards, unknown actions, iam:PassRole, NotAction/NotResource, admin managed policies, privilege escalation. */
import { strict as assert } from "assert";
import {
    noAdminManagedPolicies,
    noNotActionOrNotResource,
    noPrivilegeEscalation,
    noUnknownActions,
    noWildcardActions,
    noWildcardResource,
    passRoleScoped,
} from "../policy/least-privilege-iam/rules";
import { ACCOUNT, PASSED_TO_ECS, Props, Shape, T, allow, deny, doc, messages, roleArn, rolePolicy } from "./support/least-privilege";
import { resourceRecord } from "./support/policy";

describe("least-privilege-iam rules", () => {
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
                resourceRecord(T.bucketPolicy, "bp", { bucket: "b", policy: doc(allow("s3:*", "arn:aws:s3:::b/*", { Principal: { AWS: roleArn("r") } })) }),
                resourceRecord(T.role, "r", { assumeRolePolicy: doc(allow("sts:AssumeRole", [], { Principal: { Service: "ecs-tasks.amazonaws.com" } })), inlinePolicies: [{ name: "p", policy: doc(allow("sqs:*"), "string") }] }),
            ];
            assert.deepEqual(await messages(noWildcardActions, records), ['policy statement 0 allows "s3:*".', 'inlinePolicies[0].policy statement 0 allows "sqs:*".']);
        });

        it('passes the default key policy statement that gives the account\'s root "kms:*", and flags "kms:*" to anyone else', async () => {
            const key = (principal: Props) =>
                resourceRecord("aws:kms/key:Key", "k", { policy: doc([allow("kms:*", "*", { Principal: principal })], "string") });
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
            const records = [resourceRecord(T.bucketPolicy, "bp", { policy: doc(deny("s3:*", ["arn:aws:s3:::b", "arn:aws:s3:::b/*"], { Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } })) })];
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
                resourceRecord("aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy", "inline", { permissionSetArn: "ps", inlinePolicy: doc(allow("sqs:SendMessage"), "string") }),
                resourceRecord(T.policy, "managed", { policy: doc(allow("s3:PutObject", "arn:aws:s3:::*")) }),
            ];
            assert.deepEqual(await messages(noWildcardResource, records), [
                'inlinePolicy statement 0 grants sqs:SendMessage on "*"; it supports resource-level scoping.',
                'policy statement 0 grants s3:PutObject on "arn:aws:s3:::*", which names no particular resource in any account; it supports resource-level scoping.',
            ]);
        });

        it("checks identity policies only: a bucket policy on \"*\" is left to the resource-policy rule", async () => {
            const records = [resourceRecord(T.bucketPolicy, "bp", { policy: doc(allow("s3:GetObject", "*", { Principal: { AWS: roleArn("r") } })) })];
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
            const records = [resourceRecord(T.role, "r", { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRol" }, "string") })];
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
            const records = [resourceRecord(T.bucketPolicy, "bp", { policy: doc({ Effect: "Allow", NotPrincipal: { AWS: roleArn("admin") }, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" }) })];
            assert.deepEqual(await messages(noNotActionOrNotResource, records), ["policy statement 0 is an Allow with NotPrincipal."]);
        });

        it("passes Deny statements with NotAction, NotResource or NotPrincipal", async () => {
            const records = [
                rolePolicy([allow("s3:GetObject", "arn:aws:s3:::b/*"), { Effect: "Deny", NotAction: "s3:GetObject", NotResource: "arn:aws:s3:::b/*" }]),
                resourceRecord(T.bucketPolicy, "bp", { policy: doc({ Effect: "Deny", NotPrincipal: { AWS: roleArn("admin") }, Action: "s3:*", Resource: "arn:aws:s3:::b/*" }, "string") }),
            ];
            assert.deepEqual(await messages(noNotActionOrNotResource, records), []);
        });
    });

    describe("iam-no-admin-managed-policies", () => {
        it("flags AdministratorAccess attached with a RolePolicyAttachment", async () => {
            const records = [resourceRecord(T.attachment, "att", { role: "r", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" })];
            assert.deepEqual(await messages(noAdminManagedPolicies, records), ["attaches the AWS managed policy AdministratorAccess (arn:aws:iam::aws:policy/AdministratorAccess)."]);
        });

        it("flags PowerUserAccess in a role's managedPolicyArns, in any partition", async () => {
            const records = [resourceRecord(T.role, "r", { managedPolicyArns: ["arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws-us-gov:iam::aws:policy/PowerUserAccess"] })];
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
                assert.deepEqual(await messages(noAdminManagedPolicies, [resourceRecord(type, "att", props)]), [`attaches the AWS managed policy AdministratorAccess (${ADMIN}).`]);
            });
        }

        it("flags the administrator-level and full-access AWS managed policies by default", async () => {
            const names = ["AdministratorAccess-Amplify", "IAMFullAccess", "AmazonS3FullAccess", "AWSLambda_FullAccess"];
            const records = names.map((n) => resourceRecord(T.attachment, n, { role: "r", policyArn: `arn:aws:iam::aws:policy/${n}` }));
            assert.deepEqual(
                await messages(noAdminManagedPolicies, records),
                names.map((n) => `attaches the AWS managed policy ${n} (arn:aws:iam::aws:policy/${n}).`),
            );
        });

        it("passes a customer managed policy that happens to be called AdministratorAccess (its document is what the other rules check)", async () => {
            assert.deepEqual(await messages(noAdminManagedPolicies, [resourceRecord(T.attachment, "att", { role: "r", policyArn: `arn:aws:iam::${ACCOUNT}:policy/AdministratorAccess` })]), []);
        });

        it("passes ReadOnlyAccess, service-role policies and customer-managed policies", async () => {
            const records = [
                resourceRecord(T.attachment, "ro", { role: "r", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" }),
                resourceRecord(T.attachment, "exec", { role: "r", policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" }),
                resourceRecord(T.role, "r", { managedPolicyArns: [`arn:aws:iam::${ACCOUNT}:policy/pipeline-read`] }),
            ];
            assert.deepEqual(await messages(noAdminManagedPolicies, records), []);
        });

        it("honours deniedPolicies", async () => {
            const records = [resourceRecord(T.attachment, "ro", { role: "r", policyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" })];
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
});
