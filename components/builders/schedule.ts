/**
 * EventBridge Scheduler documents and validation, as plain values: schedule expressions, time zones,
 * the flexible time window, the RunTask request a batch run sends through Scheduler's universal
 * target, and the execution role's trust and permission policies.
 */
import { CapacityProviderStrategyItem } from "./capacity";
import { RESERVED_ENVIRONMENT } from "./container";
import { PolicyDocument, targetRolePolicy } from "./iam";
import { EVENT_ENVIRONMENT } from "./input-transformer";
import { invalid, requireIntegerInRange, show } from "./validation";

/** What every schedule-expression error offers as a way out. */
export const SCHEDULE_EXAMPLES =
    'e.g. "cron(0 6 * * ? *)" (06:00 every day), "cron(0/15 8-17 ? * MON-FRI *)", "rate(15 minutes)", "rate(1 day)", "at(2030-01-31T06:00:00)"';

const CRON_FIELDS = "minutes hours day-of-month month day-of-week year";

export type ScheduleExpression =
    | { kind: "cron"; minutes: string; hours: string; dayOfMonth: string; month: string; dayOfWeek: string; year: string }
    | { kind: "rate"; value: number; unit: "minute" | "hour" | "day" }
    | { kind: "at"; dateTime: string };

interface CronField {
    name: string;
    min: number;
    max: number;
    /** Three-letter names accepted instead of numbers (index + min = value). */
    names?: readonly string[];
    /** The field may be `?` (day-of-month and day-of-week only). */
    question?: boolean;
    /** Extra single-value forms: `L`, `LW`, `15W` (day-of-month), `6L`, `3#2` (day-of-week). */
    special?: RegExp;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"] as const;
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] as const;

const FIELDS: readonly CronField[] = [
    { name: "minutes", min: 0, max: 59 },
    { name: "hours", min: 0, max: 23 },
    { name: "day-of-month", min: 1, max: 31, question: true, special: /^(L|LW|([1-9]|[12]\d|3[01])W)$/ },
    { name: "month", min: 1, max: 12, names: MONTHS },
    { name: "day-of-week", min: 1, max: 7, names: DAYS, question: true, special: /^(L|[1-7]L|[1-7]#[1-5]|(SUN|MON|TUE|WED|THU|FRI|SAT)(L|#[1-5]))$/ },
    { name: "year", min: 1970, max: 2199 },
];

/** A value of a cron field: a number in range or one of the field's names. */
function cronValue(field: CronField, text: string): boolean {
    if (/^\d+$/.test(text)) {
        const n = Number(text);
        return n >= field.min && n <= field.max;
    }
    return field.names?.includes(text) ?? false;
}

/** One comma-separated part: `*`, `v`, `a-b`, each optionally followed by `/step`. */
function cronPart(field: CronField, part: string): boolean {
    if (field.special?.test(part)) {
        return true;
    }
    const m = /^([^/]+)(?:\/(\d+))?$/.exec(part);
    if (!m) {
        return false;
    }
    const [, base, step] = m;
    if (step !== undefined && (Number(step) < 1 || Number(step) > field.max)) {
        return false;
    }
    if (base === "*") {
        return true;
    }
    const range = base.split("-");
    if (range.length === 1) {
        return cronValue(field, base);
    }
    return range.length === 2 && cronValue(field, range[0]) && cronValue(field, range[1]);
}

function allowedCronField(field: CronField): string {
    const values = field.names ? `${field.min}-${field.max} or ${field.names[0]}-${field.names[field.names.length - 1]}` : `${field.min}-${field.max}`;
    const extra = field.name === "day-of-month" ? ", ?, L, W" : field.name === "day-of-week" ? ", ?, L, #" : "";
    return `use ${values} with , - * /${extra}`;
}

function parseCron(field: string, expression: string, body: string): ScheduleExpression {
    const parts = body.trim().split(/\s+/).filter((p) => p !== "");
    if (parts.length !== 6) {
        invalid(field, expression, `has ${parts.length} field${parts.length === 1 ? "" : "s"}, cron needs 6`, `use cron(${CRON_FIELDS}), ${SCHEDULE_EXAMPLES}`);
    }
    parts.forEach((text, i) => {
        const spec = FIELDS[i];
        const ok = text === "?" ? spec.question === true : text.split(",").every((p) => p !== "" && cronPart(spec, p));
        if (!ok) {
            invalid(field, expression, `has an invalid ${spec.name} field ${show(text)}`, `${allowedCronField(spec)}; ${SCHEDULE_EXAMPLES}`);
        }
    });
    const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = parts;
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
        const problem =
            dayOfMonth === "?"
                ? 'has "?" in both day-of-month and day-of-week'
                : `sets both day-of-month ${show(dayOfMonth)} and day-of-week ${show(dayOfWeek)}`;
        invalid(
            field,
            expression,
            problem,
            'put "?" in exactly one of them, e.g. "cron(0 6 * * ? *)" (every day), "cron(0 6 ? * MON *)" (Mondays), "cron(0 6 1 * ? *)" (the 1st of each month)',
        );
    }
    return { kind: "cron", minutes, hours, dayOfMonth, month, dayOfWeek, year };
}

const RATE_UNITS = ["minute", "hour", "day"] as const;

function parseRate(field: string, expression: string, body: string): ScheduleExpression {
    const m = /^\s*(\S+)\s+(\S+)\s*$/.exec(body);
    if (!m) {
        invalid(field, expression, "is not rate(N unit)", `use rate(N minutes|hours|days), ${SCHEDULE_EXAMPLES}`);
    }
    const [, valueText, unitText] = m;
    if (!/^\d+$/.test(valueText) || Number(valueText) < 1) {
        invalid(field, expression, `has the rate value ${show(valueText)}`, `use a whole number of 1 or more, e.g. "rate(15 minutes)"`);
    }
    const value = Number(valueText);
    const unit = RATE_UNITS.find((u) => unitText === u || unitText === `${u}s`);
    if (unit === undefined) {
        invalid(field, expression, `has the unknown unit ${show(unitText)}`, `use minute, minutes, hour, hours, day or days, e.g. "rate(15 minutes)", "rate(1 day)"`);
    }
    const expected = value === 1 ? unit : `${unit}s`;
    if (unitText !== expected) {
        invalid(field, expression, `uses ${show(unitText)} with ${value}`, `use ${show(`rate(${value} ${expected})`)} (singular for 1, plural otherwise)`);
    }
    return { kind: "rate", value, unit };
}

function parseAt(field: string, expression: string, body: string): ScheduleExpression {
    const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
    if (!m) {
        invalid(field, expression, "is not at(yyyy-mm-ddThh:mm:ss)", 'use a local date and time without zone or fraction, e.g. "at(2030-01-31T06:00:00)"');
    }
    const [year, month, day, hour, minute, second] = m.slice(1).map(Number);
    const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
    const real =
        date.getUTCFullYear() === year &&
        date.getUTCMonth() === month - 1 &&
        date.getUTCDate() === day &&
        date.getUTCHours() === hour &&
        date.getUTCMinutes() === minute &&
        date.getUTCSeconds() === second;
    if (!real) {
        invalid(field, expression, "is not a real date and time", 'use a calendar date and a time from 00:00:00 to 23:59:59, e.g. "at(2030-01-31T06:00:00)"');
    }
    return { kind: "at", dateTime: body };
}

/**
 * Validates an EventBridge Scheduler expression and returns its parts:
 * `cron(minutes hours day-of-month month day-of-week year)` (six fields, `?` in exactly one of
 * day-of-month and day-of-week), `rate(N minute|minutes|hour|hours|day|days)` (singular only for 1),
 * or `at(yyyy-mm-ddThh:mm:ss)` (one run, in the schedule's time zone).
 */
export function parseScheduleExpression(expression: string, field: string): ScheduleExpression {
    const m = typeof expression === "string" ? /^(cron|rate|at)\((.*)\)$/.exec(expression) : null;
    if (!m) {
        invalid(
            field,
            expression,
            "is not a schedule expression",
            `use cron(${CRON_FIELDS}), rate(N minutes|hours|days) or at(yyyy-mm-ddThh:mm:ss), ${SCHEDULE_EXAMPLES}`,
        );
    }
    const [, kind, body] = m;
    switch (kind) {
        case "cron":
            return parseCron(field, expression, body);
        case "rate":
            return parseRate(field, expression, body);
        default:
            return parseAt(field, expression, body);
    }
}

/** IANA zone names: `UTC`, `Europe/Paris`, `America/Argentina/Buenos_Aires`, `Etc/GMT+5`. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

/** Requires an IANA time zone name this runtime's ICU data knows (offsets such as "+02:00" are refused). */
export function validateTimezone(timezone: string, field: string): string {
    let known = typeof timezone === "string" && ZONE_NAME.test(timezone);
    if (known) {
        try {
            new Intl.DateTimeFormat("en-US", { timeZone: timezone });
        } catch {
            known = false;
        }
    }
    if (!known) {
        invalid(field, timezone, "is not an IANA time zone name", 'use a name such as "UTC", "Europe/Paris" or "America/New_York"');
    }
    return timezone;
}

export type FlexibleTimeWindow = { mode: "OFF" } | { mode: "FLEXIBLE"; maximumWindowInMinutes: number };

/** `undefined` or `false` turn the window off; otherwise 1–1440 minutes. */
export function flexibleTimeWindow(minutes: number | false | undefined, field: string): FlexibleTimeWindow {
    if (minutes === undefined || minutes === false) {
        return { mode: "OFF" };
    }
    return { mode: "FLEXIBLE", maximumWindowInMinutes: requireIntegerInRange(field, minutes, 1, 1440) };
}

export const SCHEDULE_STATES = ["ENABLED", "DISABLED"] as const;
export type ScheduleState = (typeof SCHEDULE_STATES)[number];

const GROUP_NAME = /^[0-9a-zA-Z_.-]{1,64}$/;

/** Schedule group names: 1–64 letters, digits, `-`, `_` and `.`. */
export function validateScheduleGroupName(name: string, field: string): string {
    if (typeof name !== "string" || !GROUP_NAME.test(name)) {
        invalid(field, name, "is not a schedule group name", "use 1-64 letters, digits, hyphens, underscores and dots");
    }
    return name;
}

/** At most 6 items, FARGATE / FARGATE_SPOT only, base 0–100000, weight 0–1000, some weight above 0. */
export function validateScheduleCapacityStrategy(strategy: readonly CapacityProviderStrategyItem[], field: string): CapacityProviderStrategyItem[] {
    if (strategy.length > 6) {
        invalid(field, `<${strategy.length} items>`, "has more than 6 items", "use at most 6 capacity providers");
    }
    strategy.forEach((item, i) => {
        if (item.capacityProvider !== "FARGATE" && item.capacityProvider !== "FARGATE_SPOT") {
            invalid(`${field}[${i}].capacityProvider`, item.capacityProvider, "is not a Fargate capacity provider", "use FARGATE or FARGATE_SPOT");
        }
        requireIntegerInRange(`${field}[${i}].base`, item.base, 0, 100000);
        requireIntegerInRange(`${field}[${i}].weight`, item.weight, 0, 1000);
    });
    if (strategy.length > 0 && strategy.every((item) => item.weight === 0)) {
        invalid(field, strategy, "gives every provider weight 0", "give at least one provider a weight above 0");
    }
    return strategy.map((item) => ({ ...item }));
}

/** The mode the processor's batch run reads: process every upload that has no result yet. */
export const BATCH_MODE = "batch";

/**
 * Names a scheduled batch run may not set: the mode and bucket the schedule sets, the per-event
 * variables of the upload rule, and the ones the task definition sets.
 */
export const BATCH_RESERVED_ENVIRONMENT: readonly string[] = [
    "PROCESSOR_MODE",
    ...Object.keys(EVENT_ENVIRONMENT),
    ...RESERVED_ENVIRONMENT,
];

/** ECS container names: 1–255 letters, digits, hyphens and underscores. */
export function validateContainerName(name: string, field: string): string {
    if (typeof name !== "string" || !/^[A-Za-z0-9_-]{1,255}$/.test(name)) {
        invalid(field, name, "is not a valid ECS container name", "use 1-255 letters, digits, hyphens and underscores");
    }
    return name;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks the caller's batch variables: valid names, none the pipeline sets, string values. Returns a copy. */
export function validateBatchEnvironment(environment: Record<string, string>, field: string): Record<string, string> {
    for (const [name, value] of Object.entries(environment)) {
        if (!ENV_NAME.test(name)) {
            invalid(`${field}.${name}`, name, "is not an environment variable name", "use letters, digits and underscores, not starting with a digit");
        }
        if (BATCH_RESERVED_ENVIRONMENT.includes(name)) {
            invalid(`${field}.${name}`, value, "is set by the pipeline", "choose another variable name");
        }
        if (typeof value !== "string") {
            invalid(`${field}.${name}`, value, "is not a string", "give every variable a string value");
        }
    }
    return { ...environment };
}

const STARTED_BY = /^[A-Za-z0-9_/-]{1,128}$/;

/** RunTask's `startedBy`: up to 128 letters, digits, hyphens, forward slashes and underscores. */
export function validateStartedBy(value: string, field: string): string {
    if (typeof value !== "string" || !STARTED_BY.test(value)) {
        invalid(field, value, "is not a valid RunTask startedBy", "use 1-128 letters, digits, hyphens, forward slashes and underscores");
    }
    return value;
}

/**
 * The `startedBy` a schedule's tasks carry unless told otherwise: `scheduler/<name>`, with characters
 * RunTask does not accept replaced by `-` and cut to 128 characters.
 */
export function defaultStartedBy(name: string): string {
    return `scheduler/${name}`.replace(/[^A-Za-z0-9_/-]/g, "-").slice(0, 128);
}

/**
 * EventBridge Scheduler's universal target for ECS RunTask: Scheduler calls the RunTask API with the
 * schedule's execution role and the target's input as the request.
 */
export function runTaskTargetArn(partition: string): string {
    return `arn:${partition}:scheduler:::aws-sdk:ecs:runTask`;
}

/**
 * The most characters a scheduled RunTask request may take. Scheduler documents no maximum for a
 * target's input; ECS allows 8192 characters of overrides, JSON formatting included. Holding the whole
 * request to 8192 keeps the overrides within ECS's limit whatever else the request carries.
 */
export const RUN_TASK_REQUEST_LIMIT = 8192;

/** A RunTask request as the universal target takes it: the members of ECS's RunTask API, PascalCase. */
export interface RunTaskRequest {
    Cluster: string;
    TaskDefinition: string;
    Count: number;
    /** Set when there is no capacity provider strategy (the two exclude each other). */
    LaunchType?: "FARGATE";
    CapacityProviderStrategy?: { CapacityProvider: string; Weight: number; Base: number }[];
    /** Left out for the latest. */
    PlatformVersion?: string;
    NetworkConfiguration: { AwsvpcConfiguration: { Subnets: string[]; SecurityGroups: string[]; AssignPublicIp: "ENABLED" | "DISABLED" } };
    Overrides: { ContainerOverrides: { Name: string; Environment: { Name: string; Value: string }[] }[] };
    PropagateTags: "TASK_DEFINITION";
    EnableECSManagedTags: boolean;
    StartedBy: string;
}

export interface BatchRunTaskArgs {
    clusterArn: string;
    /** The revision to run (its family's other revisions are allowed by the role too). */
    taskDefinitionArn: string;
    containerName: string;
    /** Passed as `S3_BUCKET`. */
    bucketName: string;
    /** The caller's variables (already validated). @default {} */
    environment?: Record<string, string>;
    subnetIds: string[];
    securityGroupIds: string[];
    assignPublicIp: boolean;
    /** FARGATE / FARGATE_SPOT items; empty or absent runs on launch type FARGATE. @default [] */
    capacityProviderStrategy?: readonly CapacityProviderStrategyItem[];
    /** Numeric Fargate platform version. @default the latest (left out) */
    platformVersion?: string;
    startedBy: string;
}

/**
 * The RunTask request of a scheduled batch run: one task of the given revision on the cluster, on
 * FARGATE or the capacity provider strategy, in the given subnets, with the task definition's tags and
 * ECS's managed tags, and the caller's variables plus `PROCESSOR_MODE=batch` and `S3_BUCKET`, sorted
 * by name, for the task's container.
 */
export function batchRunTaskRequest(args: BatchRunTaskArgs): RunTaskRequest {
    const env: Record<string, string> = { ...args.environment, PROCESSOR_MODE: BATCH_MODE, S3_BUCKET: args.bucketName };
    const strategy = args.capacityProviderStrategy ?? [];
    return {
        Cluster: args.clusterArn,
        TaskDefinition: args.taskDefinitionArn,
        Count: 1,
        ...(strategy.length === 0
            ? { LaunchType: "FARGATE" as const }
            : { CapacityProviderStrategy: strategy.map((item) => ({ CapacityProvider: item.capacityProvider, Weight: item.weight, Base: item.base })) }),
        ...(args.platformVersion === undefined ? {} : { PlatformVersion: args.platformVersion }),
        NetworkConfiguration: {
            AwsvpcConfiguration: {
                Subnets: [...args.subnetIds],
                SecurityGroups: [...args.securityGroupIds],
                AssignPublicIp: args.assignPublicIp ? "ENABLED" : "DISABLED",
            },
        },
        Overrides: {
            ContainerOverrides: [
                {
                    Name: args.containerName,
                    Environment: Object.keys(env)
                        .sort()
                        .map((name) => ({ Name: name, Value: env[name] })),
                },
            ],
        },
        PropagateTags: "TASK_DEFINITION",
        EnableECSManagedTags: true,
        StartedBy: args.startedBy,
    };
}

/**
 * The longest each deploy-time value of a request can be, standing in for it in the length check
 * before it is known: bucket names up to 63 characters, cluster names and task definition families up
 * to 255 (in a generous partition and region), subnet and security group IDs in their long form, and
 * RunTask's 16 subnets and 5 security groups.
 */
export const RUN_TASK_STAND_INS = {
    bucketName: "b".repeat(63),
    clusterArn: `arn:${"p".repeat(16)}:ecs:${"r".repeat(20)}:123456789012:cluster/${"c".repeat(255)}`,
    taskDefinitionArn: `arn:${"p".repeat(16)}:ecs:${"r".repeat(20)}:123456789012:task-definition/${"f".repeat(255)}:9999999999`,
    subnetId: "subnet-0123456789abcdef0",
    securityGroupId: "sg-0123456789abcdef0",
    subnetCount: 16,
    securityGroupCount: 5,
} as const;

/** What is known of a batch run before deployment: a value or list item left undefined is not known yet. */
export interface KnownBatchRunTaskArgs extends Omit<BatchRunTaskArgs, "clusterArn" | "taskDefinitionArn" | "bucketName" | "subnetIds" | "securityGroupIds"> {
    clusterArn?: string;
    taskDefinitionArn?: string;
    bucketName?: string;
    subnetIds?: (string | undefined)[];
    securityGroupIds?: (string | undefined)[];
}

/** The request at its longest: every value not known yet replaced by its stand-in. */
export function longestBatchRunTaskRequest(known: KnownBatchRunTaskArgs): RunTaskRequest {
    const s = RUN_TASK_STAND_INS;
    const list = (items: (string | undefined)[] | undefined, count: number, standIn: string) =>
        (items ?? Array.from({ length: count }, () => undefined)).map((item) => item ?? standIn);
    return batchRunTaskRequest({
        ...known,
        clusterArn: known.clusterArn ?? s.clusterArn,
        taskDefinitionArn: known.taskDefinitionArn ?? s.taskDefinitionArn,
        bucketName: known.bucketName ?? s.bucketName,
        subnetIds: list(known.subnetIds, s.subnetCount, s.subnetId),
        securityGroupIds: list(known.securityGroupIds, s.securityGroupCount, s.securityGroupId),
    });
}

/**
 * Checks, before deployment, that the request stays within 8192 characters whatever the values not
 * known yet turn out to be. The caller's variables are what can be shrunk, so the error names them.
 */
export function validateBatchRunTaskLength(known: KnownBatchRunTaskArgs, field: string): void {
    const longest = JSON.stringify(longestBatchRunTaskRequest(known)).length;
    if (longest > RUN_TASK_REQUEST_LIMIT) {
        const count = Object.keys(known.environment ?? {}).length;
        invalid(
            field,
            `<${count} variable${count === 1 ? "" : "s"}>`,
            `makes the RunTask request up to ${longest} characters long`,
            `keep it within ${RUN_TASK_REQUEST_LIMIT} (ECS's limit for overrides, held for the whole request); pass large settings another way`,
        );
    }
}

/** `arn:<partition>:scheduler:<region>:<account>:schedule-group/<name>`. */
export function scheduleGroupArn(args: { partition: string; region: string; account: string; groupName: string }): string {
    return `arn:${args.partition}:scheduler:${args.region}:${args.account}:schedule-group/${args.groupName}`;
}

export interface SchedulerRolePolicyArgs {
    /** ARN of the task definition (any revision); every revision of its family may run. */
    taskDefinitionArn: string;
    clusterArn: string;
    executionRoleArn: string;
    taskRoleArn: string;
    /** The schedule's dead-letter queue: Scheduler delivers dead letters with the execution role. */
    deadLetterQueueArn: string;
}

/**
 * What the schedule's execution role may do: run the task family on the cluster, pass exactly the
 * task's two roles to ECS tasks, tag the tasks it starts, and send dead letters to its own queue.
 * The universal target calls RunTask as this role, so these are the permissions of that call: the
 * task definition and `ecs:cluster` of the request, `iam:PassRole` for its roles, and
 * `ecs:TagResource` for the propagated and managed tags.
 */
export function schedulerRolePolicy(args: SchedulerRolePolicyArgs): PolicyDocument {
    const runTask = targetRolePolicy(args);
    return {
        ...runTask,
        Statement: [
            ...runTask.Statement,
            { Sid: "SendDeadLetters", Effect: "Allow", Action: "sqs:SendMessage", Resource: args.deadLetterQueueArn },
        ],
    };
}
