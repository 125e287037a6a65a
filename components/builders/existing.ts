/**
 * Roles and log groups managed elsewhere: the checks on what a user gives for `{ existing }`, and the
 * ARN of a log group known only by its name.
 */
import { invalid } from "./validation";

/**
 * A role ARN: `arn:<partition>:iam::<account>:role/<path/>name`, the name 1–64 of `[\w+=,.@-]` and the
 * path printable ASCII (https://docs.aws.amazon.com/IAM/latest/APIReference/API_Role.html).
 */
const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\x21-\x7E]+\/)?[\w+=,.@-]{1,64}$/;

/**
 * A log group name: 1–512 of a-z, A-Z, 0-9, `_`, `-`, `/`, `.` and `#`
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html).
 */
const LOG_GROUP_NAME = /^[A-Za-z0-9_\-/.#]{1,512}$/;

/** Requires an IAM role ARN; errors name the field. */
export function validateRoleArn(value: string, field: string): string {
    if (!ROLE_ARN.test(value)) {
        invalid(field, value, "is not an IAM role ARN", "use arn:aws:iam::<account>:role/<name> (a role's ARN, not its name or a policy's)");
    }
    return value;
}

/** Requires a CloudWatch Logs log group name; errors name the field. */
export function validateLogGroupName(value: string, field: string): string {
    if (!LOG_GROUP_NAME.test(value)) {
        invalid(field, value, "is not a log group name", "use 1-512 letters, digits, '_', '-', '/', '.' and '#' (the name, not the ARN)");
    }
    return value;
}

/** The ARN of a log group (without the trailing `:*`), as `aws.cloudwatch.LogGroup`'s `arn` gives it. */
export function logGroupArn(args: { partition: string; region: string; account: string; name: string }): string {
    return `arn:${args.partition}:logs:${args.region}:${args.account}:log-group:${args.name}`;
}

/** Which kind of child a choice is about, and what `{ existing }` then carries. */
export type ExistingKind = "role" | "log group";

const EXISTING_KEY: Record<ExistingKind, "arn" | "name"> = { role: "arn", "log group": "name" };

/**
 * Checks a role or log group choice: undefined (the component creates the child) or `{ existing: { arn } }` /
 * `{ existing: { name } }`. `conflicts` maps the full name of every argument that only applies to a created
 * child (its transform, its policy's transform, its settings) to its value; any of them set with `existing`
 * is refused. `whyNotFalse` says why the child cannot be left out. Returns the existing child's ARN or
 * name (a string when known, else the value as given), or undefined to create it.
 */
export function checkExistingChoice<V>(
    field: string,
    kind: ExistingKind,
    choice: unknown,
    conflicts: Record<string, unknown>,
    whyNotFalse: string,
): V | undefined {
    if (choice === undefined) {
        return undefined;
    }
    const key = EXISTING_KEY[kind];
    if (choice === false) {
        invalid(field, false, `cannot be left out: ${whyNotFalse}`, `give { existing: { ${key} } } to use a ${kind} of yours, or leave it unset`);
    }
    if (choice === null || typeof choice !== "object" || Array.isArray(choice) || Object.keys(choice).join() !== "existing") {
        invalid(field, choice, `is not a ${kind} choice`, `give { existing: { ${key} } } to use a ${kind} of yours, or leave it unset to create one`);
    }
    const existing: unknown = (choice as { existing: unknown }).existing;
    if (existing === null || typeof existing !== "object" || (existing as Record<string, unknown>)[key] === undefined) {
        invalid(`${field}.existing.${key}`, undefined, "is not set", `give the ${key === "arn" ? "ARN" : "name"} of the ${kind} to use`);
    }
    const value = (existing as Record<string, unknown>)[key];
    if (typeof value === "string") {
        if (kind === "role") {
            validateRoleArn(value, `${field}.existing.arn`);
        } else {
            validateLogGroupName(value, `${field}.existing.name`);
        }
    }
    for (const [other, given] of Object.entries(conflicts)) {
        if (given !== undefined) {
            invalid(field, "{ existing }", `cannot be combined with ${other}, which applies only to a ${kind} created here`, `drop ${other}, or leave ${field} unset`);
        }
    }
    return value as V;
}
