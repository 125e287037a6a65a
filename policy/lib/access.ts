/**
 * Who a resource-based policy lets in, read the way IAM Access Analyzer reads it: a statement that
 * allows everyone (`"*"`, `{"AWS": "*"}`, a principal ARN with a wildcard account, or an Allow with
 * NotPrincipal) is public unless one of its conditions limits the caller to a fixed organization,
 * account, principal, source resource, VPC, VPC endpoint or bounded IP range. Conditions such as
 * aws:SecureTransport or aws:CurrentTime limit how or when, not who, so they do not.
 *
 * Sources:
 * - https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-concepts.html (findings for
 *   policies that grant access outside the zone of trust; service principals are not external)
 * - https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-filter-keys.html
 *   (the condition keys a finding can be limited by: aws:PrincipalArn, aws:PrincipalOrgID,
 *   aws:PrincipalOrgPaths, aws:SourceAccount, aws:SourceArn, aws:SourceIp, aws:SourceOwner,
 *   aws:SourceVpc, aws:SourceVpce, aws:userid, kms:CallerAccount …)
 * - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
 *   ("The meaning of public": only fixed values count, with no wildcard and no policy variable;
 *   aws:userid may use the pattern "AROLEID:*"; ACL grants to AllUsers or AuthenticatedUsers are public)
 *
 * Choices of this project where AWS publishes no exact rule: an aws:SourceIp range limits only if
 * every range is an IPv4 /8 or narrower or an IPv6 /32 or narrower; `…IfExists` and `ForAllValues:`
 * operators never limit (both are true when the key is absent, as it is for an outsider's request).
 */
import { hasWildcard, parseArn } from "./arn";
import { Statement, allows } from "./iam-document";
import { readPath } from "./unknown";

const ACCOUNT_ID = /^\d{12}$/;

function fixed(value: string): boolean {
    return value !== "" && !hasWildcard(value);
}

function accountId(value: string): boolean {
    return ACCOUNT_ID.test(value);
}

/** An organization path whose first segment is a fixed organization ID (`o-abc123/r-ab12/ou-…/*`). */
function orgPath(value: string): boolean {
    return /^o-[a-z0-9]+\//.test(value) && !value.includes("${");
}

/** An ARN that belongs to one account (or, for S3, to one named bucket). */
function arnOfOneOwner(value: string): boolean {
    const arn = parseArn(value);
    if (!arn || value.includes("${")) {
        return false;
    }
    if (accountId(arn.account)) {
        return true;
    }
    return arn.account === "" && arn.service === "s3" && fixed(arn.resource.split("/")[0]);
}

function userId(value: string): boolean {
    return fixed(value) || /^[A-Z0-9]+:\*$/.test(value);
}

function boundedRange(value: string): boolean {
    const m = /^([0-9a-fA-F.:]+)(?:\/(\d{1,3}))?$/.exec(value);
    if (!m) {
        return false;
    }
    const v6 = m[1].includes(":");
    if (!v6 && !/^(\d{1,3})(\.\d{1,3}){3}$/.test(m[1])) {
        return false;
    }
    const prefix = m[2] === undefined ? (v6 ? 128 : 32) : Number(m[2]);
    return v6 ? prefix >= 32 && prefix <= 128 : prefix >= 8 && prefix <= 32;
}

/** Condition keys that limit who can use an Allow to everyone, with the values that make them limit. */
const PRINCIPAL_LIMITS: Readonly<Record<string, (value: string) => boolean>> = {
    "aws:principalorgid": fixed,
    "aws:principalorgpaths": orgPath,
    "aws:principalaccount": accountId,
    "aws:principalarn": arnOfOneOwner,
    "aws:userid": userId,
    "aws:sourcearn": arnOfOneOwner,
    "aws:sourceaccount": accountId,
    "aws:sourceowner": accountId,
    "aws:sourceorgid": fixed,
    "aws:sourceorgpaths": orgPath,
    "aws:sourcevpc": fixed,
    "aws:sourcevpce": fixed,
    "aws:sourceip": boundedRange,
    "kms:calleraccount": accountId,
    "s3:dataaccesspointaccount": accountId,
    "s3:dataaccesspointarn": arnOfOneOwner,
};

/** Condition keys that keep a grant to another account within an organization (or a trust to one holder of an external ID). */
const CROSS_ACCOUNT_LIMITS: Readonly<Record<string, (value: string) => boolean>> = {
    "aws:principalorgid": fixed,
    "aws:principalorgpaths": orgPath,
    "sts:externalid": fixed,
};

/** Operators under which a key's values restrict the request to those values. */
const MATCHING_OPERATORS = new Set(["stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike", "ipaddress"]);

function matching(operator: string): boolean {
    const op = operator.toLowerCase().replace(/^foranyvalue:/, "");
    return MATCHING_OPERATORS.has(op);
}

/** The first condition (as `operator key`) of a statement that limits callers by the given table. */
function limitingCondition(s: Statement, limits: Readonly<Record<string, (value: string) => boolean>>): string | undefined {
    for (const [operator, block] of Object.entries(s.conditions)) {
        if (!matching(operator)) {
            continue;
        }
        for (const [key, values] of Object.entries(block)) {
            const check = limits[key.toLowerCase()];
            if (check && values.length > 0 && values.every(check)) {
                return `${operator} ${key}`;
            }
        }
    }
    return undefined;
}

/** An account-named principal: `123456789012`, `arn:aws:iam::123456789012:root`, a role or user ARN. */
export interface AccountPrincipal {
    account: string;
    principal: string;
}

/** What one Allow statement lets in. */
export interface StatementAccess {
    statement: Statement;
    /** How the statement names everyone (`Principal "*"`, `NotPrincipal`…), when it does and no condition limits it. */
    publicVia?: string;
    /** Principals of named accounts. */
    accounts: AccountPrincipal[];
    /** The condition that keeps account principals within an organization (or behind an external ID), if any. */
    crossAccountLimit?: string;
}

function accountOf(principal: string): string | undefined {
    if (accountId(principal)) {
        return principal;
    }
    const arn = parseArn(principal);
    return arn && (arn.service === "iam" || arn.service === "sts") ? arn.account : undefined;
}

/** How a statement names everyone, or undefined when it names specific principals only. */
function everyone(s: Statement): string | undefined {
    if (s.notPrincipals) {
        return "NotPrincipal (everyone not listed)";
    }
    const p = s.principals;
    if (!p) {
        return undefined;
    }
    if (p.any) {
        return p.aws.includes("*") ? 'Principal {"AWS": "*"}' : 'Principal "*"';
    }
    const wildcardAccount = p.aws.find((a) => {
        const account = accountOf(a);
        return account !== undefined && hasWildcard(account);
    });
    if (wildcardAccount !== undefined) {
        return `Principal "${wildcardAccount}" (any account)`;
    }
    const anyService = p.services.find((service) => /[*?]/.test(service));
    return anyService === undefined ? undefined : `Principal {"Service": "${anyService}"} (any service, for anyone)`;
}

/** The access each Allow statement of a resource or trust policy grants. */
export function analyzeStatements(statements: Statement[]): StatementAccess[] {
    return allows(statements).map((statement) => {
        const via = everyone(statement);
        const accounts: AccountPrincipal[] = [];
        for (const principal of statement.principals?.aws ?? []) {
            const account = accountOf(principal);
            if (account !== undefined && accountId(account)) {
                accounts.push({ account, principal });
            }
        }
        return {
            statement,
            publicVia: via !== undefined && limitingCondition(statement, PRINCIPAL_LIMITS) === undefined ? via : undefined,
            accounts,
            crossAccountLimit: limitingCondition(statement, CROSS_ACCOUNT_LIMITS),
        };
    });
}

/** Grants made by resource properties rather than policy documents (Lambda permissions, ACLs, sharing). */
export interface PropertyGrant {
    /** The property or properties that make the grant, for messages. */
    field: string;
    /** Set when the grant is to everyone. */
    publicVia?: string;
    /** Set when the grant is to one other account. */
    account?: AccountPrincipal;
    crossAccountLimit?: string;
}

const PUBLIC_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);
const PUBLIC_GROUPS = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)$/;

function str(value: unknown): string | undefined {
    return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * A permission naming one `principal` (Lambda function or layer permission, EventBridge bus
 * permission, AMI or snapshot sharing): public when the principal is everyone (or any account) and
 * nothing limits the source; another account when it names an account.
 * https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html
 */
function principalGrant(field: string, principal: string | undefined, limit: string | undefined): PropertyGrant[] {
    if (principal === undefined) {
        return [];
    }
    const account = accountOf(principal);
    if (principal === "*" || (account !== undefined && hasWildcard(account))) {
        return limit === undefined ? [{ field, publicVia: `${field} "${principal}"` }] : [];
    }
    return account !== undefined && accountId(account) ? [{ field, account: { account, principal }, crossAccountLimit: limit }] : [];
}

/** The first of the given properties whose value passes its check, as a limit description. */
function firstLimit(s: (path: string) => string | undefined, checks: [string, (value: string) => boolean][]): string | undefined {
    const found = checks.find(([path, check]) => {
        const value = s(path);
        return value !== undefined && check(value);
    });
    return found?.[0];
}

/**
 * Grants a resource makes through its properties rather than a policy document. Unknown values are
 * read as absent. A function URL whose auth type is NONE is public whatever its permission says
 * (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html).
 */
export function propertyGrants(type: string, props: Record<string, any>): PropertyGrant[] {
    const read = (path: string) => readPath(props, path);
    const s = (path: string) => str(read(path));
    switch (type) {
        case "aws:lambda/permission:Permission": {
            const urlNone = s("functionUrlAuthType")?.toUpperCase() === "NONE";
            const limit = firstLimit(s, [
                ["sourceArn", arnOfOneOwner],
                ["sourceAccount", accountId],
                ["principalOrgId", fixed],
            ]);
            return principalGrant("principal", s("principal"), urlNone ? undefined : limit);
        }
        case "aws:lambda/functionUrl:FunctionUrl":
            return s("authorizationType")?.toUpperCase() === "NONE" ? [{ field: "authorizationType", publicVia: 'authorizationType "NONE" (no IAM auth on the function URL)' }] : [];
        case "aws:lambda/layerVersionPermission:LayerVersionPermission":
            return principalGrant("principal", s("principal"), firstLimit(s, [["organizationId", fixed]]));
        case "aws:cloudwatch/eventPermission:EventPermission": {
            const orgCondition = /^aws:PrincipalOrgID$/i.test(s("condition.key") ?? "") && fixed(s("condition.value") ?? "");
            return principalGrant("principal", s("principal"), orgCondition ? "condition aws:PrincipalOrgID" : undefined);
        }
        case "aws:ec2/amiLaunchPermission:AmiLaunchPermission":
            return s("group") === "all" ? [{ field: "group", publicVia: 'group "all"' }] : principalGrant("accountId", s("accountId"), undefined);
        case "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission":
            return principalGrant("accountId", s("accountId"), undefined);
        case "aws:rds/snapshot:Snapshot":
        case "aws:rds/clusterSnapshot:ClusterSnapshot":
        case "aws:rds/snapshotCopy:SnapshotCopy":
        case "aws:rds/clusterSnapshotCopy:ClusterSnapshotCopy": {
            const shared = read("sharedAccounts");
            const accounts = Array.isArray(shared) ? shared.map((_, i) => String(read(`sharedAccounts.${i}`))) : [];
            return accounts.includes("all") ? [{ field: "sharedAccounts", publicVia: 'sharedAccounts ["all"]' }] : accounts.flatMap((a) => principalGrant("sharedAccounts", a, undefined));
        }
        case "aws:s3/bucket:Bucket":
        case "aws:s3/bucketV2:BucketV2":
        case "aws:s3/bucketAcl:BucketAcl":
        case "aws:s3/bucketAclV2:BucketAclV2":
        case "aws:s3/bucketObject:BucketObject":
        case "aws:s3/bucketObjectv2:BucketObjectv2": {
            const grants: PropertyGrant[] = [];
            const acl = s("acl");
            if (acl && PUBLIC_ACLS.has(acl)) {
                grants.push({ field: "acl", publicVia: `acl "${acl}"` });
            }
            for (const list of ["grants", "accessControlPolicy.grants"]) {
                const items = read(list);
                (Array.isArray(items) ? items : []).forEach((_, i) => {
                    const group = PUBLIC_GROUPS.exec(s(`${list}.${i}.uri`) ?? s(`${list}.${i}.grantee.uri`) ?? "")?.[1];
                    if (group) {
                        grants.push({ field: list, publicVia: `${list} to ${group}` });
                    }
                });
            }
            return grants;
        }
        default:
            return [];
    }
}
