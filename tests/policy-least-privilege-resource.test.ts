/** The least-privilege-iam rules on trust and resource policies: specific principals, no public access, cross-account access limited. */
import { strict as assert } from "assert";
import { resourcePolicyCrossAccountLimited, resourcePolicyNoPublicAccess, trustPolicySpecificPrincipal } from "../policy/least-privilege-iam/rules";
import { ResourceRecord } from "../policy/offline/engine";
import { RESOURCE_POLICY_FIELDS } from "@s3-fargate-pipeline/policy-lib";
import { ACCOUNT, Props, Shape, T, allow, deny, doc, findings, messages, roleArn } from "./support/least-privilege";
import { resourceRecord } from "./support/policy";

describe("least-privilege-iam rules", () => {
    describe("iam-trust-policy-specific-principal", () => {
        const trust = (statement: Props, shape: Shape = "object") => resourceRecord(T.role, "r", { assumeRolePolicy: doc(statement, shape) });

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
                resourceRecord(T.role, "d", { assumeRolePolicy: doc([{ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }, { Effect: "Deny", Principal: "*", Action: "sts:AssumeRole" }]) }),
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
            return resourceRecord(type, "holder", props);
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
        const bucket = (Condition: Props) => resourceRecord(T.bucketPolicy, "bp", { policy: doc(allow("s3:GetObject", "arn:aws:s3:::b/*", { Principal: "*", Condition })) });
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
            const records = [resourceRecord(T.topicPolicy, "t", { policy: doc(allow("sns:Publish", "*", { Principal: { Service: "*.amazonaws.com" } })) })];
            assert.deepEqual(await messages(resourcePolicyNoPublicAccess, records), [
                'policy statement 0 allows everyone (Principal {"Service": "*.amazonaws.com"} (any service, for anyone)) to sns:Publish; no condition limits the caller.',
            ]);
        });

        it('names the way a statement lets everyone in: {"AWS": "*"} in a list, any account\'s root, NotPrincipal', async () => {
            const records = [
                resourceRecord(T.queuePolicy, "a", { policy: doc({ Sid: "Open", Effect: "Allow", Principal: { AWS: [roleArn("x"), "*"] }, Action: "sqs:SendMessage", Resource: "*" }) }),
                resourceRecord(T.topicPolicy, "b", { policy: doc(allow("sns:Publish", "*", { Principal: { AWS: "arn:aws:iam::*:root" } })) }),
                resourceRecord(T.bucketPolicy, "c", { policy: doc({ Effect: "Allow", NotPrincipal: { AWS: roleArn("admin") }, Action: "s3:DeleteObject", Resource: "arn:aws:s3:::b/*" }, "string") }),
            ];
            assert.deepEqual(await messages(resourcePolicyNoPublicAccess, records), [
                'policy statement "Open" allows everyone (Principal {"AWS": "*"}) to sqs:SendMessage; no condition limits the caller.',
                'policy statement 0 allows everyone (Principal "arn:aws:iam::*:root" (any account)) to sns:Publish; no condition limits the caller.',
                "policy statement 0 allows everyone (NotPrincipal (everyone not listed)) to s3:DeleteObject; no condition limits the caller.",
            ]);
        });

        it("passes Deny to everyone, named accounts and roles, and service principals with or without conditions (a KMS grant to EventBridge scoped by encryption context)", async () => {
            const records = [
                resourceRecord(T.bucketPolicy, "deny", { policy: doc(deny("s3:*", "arn:aws:s3:::b/*", { Principal: "*", Condition: { Bool: { "aws:SecureTransport": "false" } } })) }),
                resourceRecord(T.queuePolicy, "account", { policy: doc(allow("sqs:SendMessage", "*", { Principal: { AWS: [ACCOUNT, roleArn("x")] } })) }),
                resourceRecord("aws:kms/key:Key", "key", {
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
                assert.deepEqual(await messages(resourcePolicyNoPublicAccess, [resourceRecord(type, "r", open)]), [message]);
                assert.deepEqual(await messages(resourcePolicyNoPublicAccess, [resourceRecord(type, "r", closed)]), []);
            });
        }
    });

    describe("resource-policy-cross-account-limited (advisory)", () => {
        const OTHER = "999988887777";
        const ownRole = resourceRecord(T.role, "own", { name: "own", arn: roleArn("own"), assumeRolePolicy: doc(allow("sts:AssumeRole", [], { Principal: { Service: "lambda.amazonaws.com" } })) });
        const trustOf = (principal: string, Condition?: Props) => resourceRecord(T.role, "partner", { name: "partner", arn: roleArn("partner"), assumeRolePolicy: doc(allow("sts:AssumeRole", [], { Principal: { AWS: principal }, ...(Condition ? { Condition } : {}) })) });

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
                resourceRecord(T.bucketPolicy, "bp", { policy: doc(allow("s3:PutObject", "arn:aws:s3:::b/*", { Principal: { AWS: OTHER }, Condition: { StringEquals: { "sts:ExternalId": "x" } } })) }),
                resourceRecord("aws:lambda/permission:Permission", "perm", { action: "lambda:InvokeFunction", function: "fn", principal: OTHER }),
            ];
            assert.deepEqual(await messages(resourcePolicyCrossAccountLimited, records), [
                `bp: policy statement 0 grants account ${OTHER} (${OTHER}) without an aws:PrincipalOrgID or aws:PrincipalOrgPaths condition.`,
                `perm: principal grants account ${OTHER} (${OTHER}) without an organization condition.`,
            ]);
            const permitted = resourceRecord("aws:lambda/permission:Permission", "perm", { action: "lambda:InvokeFunction", function: "fn", principal: OTHER, principalOrgId: "o-a1b2c3d4e5" });
            assert.deepEqual(await messages(resourcePolicyCrossAccountLimited, [ownRole, permitted]), []);
        });

        it("counts as the owner's: trustedAccounts, the account of the policy's own Resource ARNs, and the root a key policy gives kms:*", async () => {
            const trusted = await messages(resourcePolicyCrossAccountLimited, [trustOf(OTHER)], { "resource-policy-cross-account-limited": { trustedAccounts: [OTHER] } });
            assert.deepEqual(trusted, []);
            const queue = resourceRecord(T.queuePolicy, "qp", { policy: doc(allow("sqs:SendMessage", `arn:aws:sqs:eu-west-1:${OTHER}:q`, { Principal: { AWS: OTHER } })) });
            const key = resourceRecord("aws:kms/key:Key", "k", { policy: doc([allow("kms:*", "*", { Principal: { AWS: `arn:aws:iam::${OTHER}:root` } }), allow("kms:Decrypt", "*", { Principal: { AWS: roleArn("x").replace(ACCOUNT, OTHER) } })]) });
            assert.deepEqual(await messages(resourcePolicyCrossAccountLimited, [queue, key]), []);
        });

        it("flags a key policy that also gives another account's root kms:*: two accounts named, neither taken for the owner", async () => {
            const shared = resourceRecord("aws:kms/key:Key", "k", {
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
});
