/**
 * The upload trigger's settings: the environment the LambdaTrigger component gives the function,
 * read and validated once per execution environment, before any event is handled. Every error names
 * the variable, the value it got and what is allowed.
 */

/** Thrown for a missing or invalid environment variable. */
export class TriggerConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "TriggerConfigError";
    }
}

export type AssignPublicIp = "ENABLED" | "DISABLED";

/** Launch types RunTask accepts. */
export const LAUNCH_TYPES = ["FARGATE", "EC2", "EXTERNAL", "MANAGED_INSTANCES"] as const;
export type LaunchType = (typeof LAUNCH_TYPES)[number];

export interface StrategyItem {
    capacityProvider: string;
    weight?: number;
    base?: number;
}

export interface TriggerConfig {
    clusterArn: string;
    /** The task definition ARN, with its revision. */
    taskDefinitionArn: string;
    /** The container whose environment receives the object's coordinates. */
    containerName: string;
    subnetIds: string[];
    securityGroupIds: string[];
    assignPublicIp: AssignPublicIp;
    /** Exactly one of `capacityProviderStrategy` and `launchType`, or neither (the cluster's default strategy). */
    capacityProviderStrategy?: StrategyItem[];
    launchType?: LaunchType;
    platformVersion?: string;
    /** Only keys under this prefix start a task. */
    uploadPrefix: string;
    /** Only keys ending in one of these start a task; empty: any key under the prefix. */
    keySuffixes: string[];
    /** Only records of this bucket start a task; unset: any bucket (the function's permission names one). */
    bucketName?: string;
    /** RunTask's `startedBy`. */
    startedBy: string;
}

type Env = Record<string, string | undefined>;

const CLUSTER_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:cluster\/[A-Za-z0-9_-]{1,255}$/;
const TASK_DEFINITION_ARN = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:task-definition\/[A-Za-z0-9_-]{1,255}:\d+$/;
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const PLATFORM_VERSION = /^(LATEST|\d+\.\d+\.\d+)$/;
const STARTED_BY = /^[A-Za-z0-9_-]{1,128}$/;

/** RunTask limits: 16 subnets and 5 security groups per awsvpc configuration; 20 capacity providers. */
const MAX_SUBNETS = 16;
const MAX_SECURITY_GROUPS = 5;
const MAX_STRATEGY_ITEMS = 20;

/** Used when neither STARTED_BY nor AWS_LAMBDA_FUNCTION_NAME gives a usable value. */
export const DEFAULT_STARTED_BY = "s3-lambda-trigger";

function fail(name: string, raw: string, problem: string, allowed: string): never {
    throw new TriggerConfigError(`${name}: ${JSON.stringify(raw)} ${problem}; ${allowed}`);
}

function required(env: Env, name: string, what: string): string {
    const value = env[name];
    if (value === undefined || value.trim() === "") {
        throw new TriggerConfigError(`${name} is not set; set it to ${what} (the LambdaTrigger component sets it)`);
    }
    return value.trim();
}

function optional(env: Env, name: string): string | undefined {
    const value = env[name];
    return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function matching(name: string, raw: string, pattern: RegExp, what: string, allowed: string): string {
    if (!pattern.test(raw)) {
        fail(name, raw, `is not ${what}`, allowed);
    }
    return raw;
}

/** A comma-separated list of IDs, each matching `pattern`, between 1 and `max` of them. */
function idList(env: Env, name: string, pattern: RegExp, example: string, max: number): string[] {
    const raw = required(env, name, `a comma-separated list such as ${example}`);
    const ids = raw.split(",").map((s) => s.trim());
    ids.forEach((id, i) => {
        if (!pattern.test(id)) {
            fail(name, raw, `has an invalid entry ${JSON.stringify(id)} at position ${i + 1}`, `use a comma-separated list such as ${example}`);
        }
    });
    if (ids.length > max) {
        fail(name, raw, `lists ${ids.length} IDs`, `RunTask accepts at most ${max}`);
    }
    if (new Set(ids).size !== ids.length) {
        fail(name, raw, "lists an ID twice", "list each ID once");
    }
    return ids;
}

function parseJson(name: string, raw: string, allowed: string): unknown {
    try {
        return JSON.parse(raw);
    } catch {
        return fail(name, raw, "is not valid JSON", allowed);
    }
}

function isRecord(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

const STRATEGY_EXAMPLE = 'use a JSON list such as [{"capacityProvider":"FARGATE","base":1,"weight":1},{"capacityProvider":"FARGATE_SPOT","weight":3}]';

function strategy(raw: string): StrategyItem[] {
    const name = "CAPACITY_PROVIDER_STRATEGY";
    const parsed = parseJson(name, raw, STRATEGY_EXAMPLE);
    if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_STRATEGY_ITEMS) {
        fail(name, raw, `is not a list of 1 to ${MAX_STRATEGY_ITEMS} capacity providers`, STRATEGY_EXAMPLE);
    }
    return parsed.map((item: unknown, i) => {
        if (!isRecord(item) || typeof item.capacityProvider !== "string" || !/^[A-Za-z0-9_-]{1,255}$/.test(item.capacityProvider)) {
            return fail(name, raw, `has no valid capacityProvider at position ${i + 1}`, STRATEGY_EXAMPLE);
        }
        const out: StrategyItem = { capacityProvider: item.capacityProvider };
        for (const [field, max] of [["weight", 1000], ["base", 100000]] as const) {
            const value = item[field];
            if (value === undefined) {
                continue;
            }
            if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > max) {
                fail(name, raw, `has ${field} ${JSON.stringify(value)} at position ${i + 1}`, `use a whole number from 0 to ${max}`);
            }
            out[field] = value;
        }
        return out;
    });
}

function suffixes(raw: string | undefined): string[] {
    if (raw === undefined) {
        return [];
    }
    const name = "KEY_SUFFIXES";
    const allowed = 'use a JSON list of key endings such as [".csv",".csv.gz"], or leave it unset for every key';
    const parsed = parseJson(name, raw, allowed);
    if (!Array.isArray(parsed) || parsed.some((s) => typeof s !== "string" || s.length === 0)) {
        fail(name, raw, "is not a list of non-empty strings", allowed);
    }
    return parsed as string[];
}

/** Reads and validates the trigger's environment; throws TriggerConfigError naming the variable. */
export function readTriggerConfig(env: Env): TriggerConfig {
    const clusterArn = matching(
        "CLUSTER_ARN",
        required(env, "CLUSTER_ARN", "the cluster's ARN"),
        CLUSTER_ARN,
        "an ECS cluster ARN",
        "use one such as arn:aws:ecs:eu-west-1:123456789012:cluster/processing",
    );
    const taskDefinitionArn = matching(
        "TASK_DEFINITION_ARN",
        required(env, "TASK_DEFINITION_ARN", "the task definition's ARN"),
        TASK_DEFINITION_ARN,
        "a task definition ARN with a revision",
        "use one such as arn:aws:ecs:eu-west-1:123456789012:task-definition/processor:3",
    );
    const containerName = matching(
        "CONTAINER_NAME",
        required(env, "CONTAINER_NAME", "the processor container's name"),
        CONTAINER_NAME,
        "an ECS container name",
        "use 1-255 letters, digits, hyphens and underscores",
    );
    const subnetIds = idList(env, "SUBNET_IDS", SUBNET_ID, "subnet-0123456789abcdef0,subnet-0fedcba9876543210", MAX_SUBNETS);
    const securityGroupIds = idList(env, "SECURITY_GROUP_IDS", SECURITY_GROUP_ID, "sg-0123456789abcdef0", MAX_SECURITY_GROUPS);

    const assignPublicIp = optional(env, "ASSIGN_PUBLIC_IP") ?? "DISABLED";
    if (assignPublicIp !== "ENABLED" && assignPublicIp !== "DISABLED") {
        fail("ASSIGN_PUBLIC_IP", assignPublicIp, "is not ENABLED or DISABLED", "use ENABLED (public subnets without NAT) or DISABLED");
    }

    const strategyRaw = optional(env, "CAPACITY_PROVIDER_STRATEGY");
    const launchTypeRaw = optional(env, "LAUNCH_TYPE");
    if (strategyRaw !== undefined && launchTypeRaw !== undefined) {
        throw new TriggerConfigError(
            `CAPACITY_PROVIDER_STRATEGY and LAUNCH_TYPE are both set (${JSON.stringify(launchTypeRaw)}); RunTask takes one of them, so set only one`,
        );
    }
    if (launchTypeRaw !== undefined && !(LAUNCH_TYPES as readonly string[]).includes(launchTypeRaw)) {
        fail("LAUNCH_TYPE", launchTypeRaw, "is not an ECS launch type", `use one of ${LAUNCH_TYPES.join(", ")}`);
    }

    const platformVersion = optional(env, "PLATFORM_VERSION");
    if (platformVersion !== undefined) {
        matching("PLATFORM_VERSION", platformVersion, PLATFORM_VERSION, "a Fargate platform version", "use LATEST or a version such as 1.4.0");
    }

    required(env, "UPLOAD_PREFIX", 'the key prefix uploads arrive under, such as "uploads/"');
    // Compared with decoded keys, so taken exactly as given (not trimmed).
    const uploadPrefix = env.UPLOAD_PREFIX as string;

    const startedByRaw = optional(env, "STARTED_BY");
    if (startedByRaw !== undefined) {
        matching("STARTED_BY", startedByRaw, STARTED_BY, "a valid startedBy", "use 1-128 letters, digits, hyphens and underscores");
    }
    const functionName = optional(env, "AWS_LAMBDA_FUNCTION_NAME");
    const startedBy = startedByRaw ?? (functionName !== undefined && STARTED_BY.test(functionName) ? functionName : DEFAULT_STARTED_BY);

    return {
        clusterArn,
        taskDefinitionArn,
        containerName,
        subnetIds,
        securityGroupIds,
        assignPublicIp,
        capacityProviderStrategy: strategyRaw === undefined ? undefined : strategy(strategyRaw),
        launchType: launchTypeRaw as LaunchType | undefined,
        platformVersion,
        uploadPrefix,
        keySuffixes: suffixes(optional(env, "KEY_SUFFIXES")),
        bucketName: optional(env, "BUCKET_NAME"),
        startedBy,
    };
}
