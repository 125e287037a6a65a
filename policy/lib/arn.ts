/**
 * ARNs as IAM reads them, and whether a Resource element scopes an action at all.
 *
 * An ARN is `arn:partition:service:region:account:resource`
 * (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html). A Resource element may
 * use `*` and `?` in any part. Scoping is decided against the ARN formats AWS's Service
 * Authorization Reference lists for the action's resource types: a Resource that matches the
 * format with every name in it left open, in every account (`arn:aws:s3:::*\/*` for objects,
 * `arn:aws:iam::*:role/*` for roles, `arn:aws:logs:*:*:*`), names no particular resource, so it is
 * as broad as `*`.
 */
import { ActionInfo } from "./iam-actions";
import { iamPatternMatches } from "./iam-document";

export interface Arn {
    partition: string;
    service: string;
    region: string;
    account: string;
    /** Everything after the fifth colon (`role/app`, `log-group:/ecs/app:*`, `bucket/key`). */
    resource: string;
}

/** Splits an ARN (or ARN pattern) into its parts; undefined for anything else. */
export function parseArn(value: string): Arn | undefined {
    const parts = value.split(":");
    if (parts.length < 6 || parts[0] !== "arn") {
        return undefined;
    }
    const [, partition, service, region, account] = parts;
    return { partition, service, region, account, resource: parts.slice(5).join(":") };
}

/** True for a value with an IAM wildcard or a policy variable in it. */
export function hasWildcard(value: string): boolean {
    return /[*?]/.test(value) || value.includes("${");
}

/** A text the pattern matches: wildcards dropped (`eu-*` → `eu-`). */
function instanceOf(pattern: string): string {
    return pattern.replace(/\*/g, "").replace(/\?/g, "x");
}

/** Stands in for every resource name in a format: no real name contains it. */
const PROBE = "zq7-any-name";
const LOCATION_VARIABLES = new Set(["Partition", "Region", "Account"]);

/**
 * The ARN of a format with the Resource's own partition, region and account and a name no real
 * resource has; undefined when the format has no name to leave open.
 */
function probe(format: string, resource: Arn | undefined): string | undefined {
    const location: Record<string, string> = {
        Partition: resource ? instanceOf(resource.partition) : "aws",
        Region: resource ? instanceOf(resource.region) : "",
        Account: resource ? instanceOf(resource.account) : "",
    };
    let named = false;
    const arn = format.replace(/\$\{([^}]+)\}/g, (_, variable: string) => {
        if (LOCATION_VARIABLES.has(variable)) {
            return location[variable];
        }
        named = true;
        return PROBE;
    });
    return named ? arn : undefined;
}

/**
 * True when a Resource element is as broad as `*` for the action: `*` itself, or a pattern that
 * matches the action's ARN format with any name in any account (`arn:aws:s3:::*\/*`,
 * `arn:aws:iam::*:role/*`, `arn:aws:logs:*:*:*`). A pattern that pins the account but leaves the
 * name open (`arn:aws:ec2:eu-west-1:123456789012:vpc/*`) is the usual scope for resources whose
 * IDs AWS generates, and counts as scoped unless `anyNameIsUnscoped` is set (iam:PassRole on every
 * role of an account is still every role).
 */
export function isUnscoped(resource: string, action: ActionInfo, anyNameIsUnscoped = false): boolean {
    if (resource === "*") {
        return true;
    }
    const arn = parseArn(resource);
    if (!arn) {
        return false;
    }
    return action.arnFormats.some((format) => {
        const sample = probe(format, arn);
        const accountPinned = format.includes("${Account}") && arn.account !== "" && !/[*?]/.test(arn.account);
        return sample !== undefined && iamPatternMatches(resource, sample) && (anyNameIsUnscoped || !accountPinned);
    });
}
