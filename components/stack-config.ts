/**
 * Typed, validated access to a stack's configuration (Pulumi.<stack>.yaml). Every error names the
 * config key, so bad config fails `pulumi preview` with a message that says what to set.
 */
import * as pulumi from "@pulumi/pulumi";
import {
    BucketPrefixes,
    CapacitySplit,
    CpuArchitecture,
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_PREFIXES,
    ValidationError,
    capacityProviderStrategy,
    invalid,
    requireIntegerInRange,
    validateCpuArchitecture,
    validateEphemeralStorage,
    validateFargateSize,
    validateImageUri,
    validatePrefixes,
    validateRetention,
    validateStopTimeout,
    validateSuffixes,
} from "./builders";

/** Everything the program reads from stack config, validated, with defaults applied. */
export interface StackConfig {
    prefixes: BucketPrefixes;
    keySuffixes: string[];
    bucketVersioning: boolean;
    expireUploadsAfterDays: number | false;
    bucketKmsKeyArn?: string;
    forceDestroy: boolean;
    taskCpu: number;
    taskMemory: number;
    cpuArchitecture: CpuArchitecture;
    ephemeralStorageGiB?: number;
    stopTimeoutSeconds: number;
    image?: string;
    logRetentionDays: number;
    capacity: Required<CapacitySplit>;
    maxEventAgeSeconds: number;
    maxRetryAttempts: number;
    subnetIds: string[];
    securityGroupIds: string[];
    assignPublicIp: boolean;
    vpcCidr?: string;
    /** The Slack webhook (a secret); no Slack notifier when unset. */
    slackWebhookUrl?: pulumi.Output<string>;
    slackChannelLabel?: string;
    notifySpotInterruptions: boolean;
    cpuAlarmPercent: number;
    memoryAlarmPercent: number;
    alarmEvaluationPeriods: number;
}

/** The reads StackConfig needs; `pulumi.Config` provides them. */
export type ConfigSource = Pick<pulumi.Config, "name" | "get" | "getNumber" | "getBoolean" | "getObject" | "getSecret">;

function stringList(config: ConfigSource, key: string): string[] {
    const value = config.getObject<unknown>(key);
    if (value === undefined) {
        return [];
    }
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v.length === 0)) {
        invalid(`${config.name}:${key}`, value, "is not a list of non-empty strings", `set it as a YAML list, e.g. pulumi config set --path '${key}[0]' value`);
    }
    return [...value];
}

/** What the program learns from its runtime rather than from its own config keys. */
export interface StackRuntime {
    /** The AWS region the provider will use, if any is set. */
    region(): string | undefined;
    /** Whether a config key (`project:key`) holds a secret; undefined when the runtime cannot tell. */
    isSecret?(fullKey: string): boolean;
}

/** The region as the AWS provider finds it (`aws:region`, then the environment); secrets as the engine marks them. */
export function pulumiRuntime(): StackRuntime {
    // The engine passes the secret keys with the config; the SDK reads them with this (internal) function.
    const isConfigSecret = (pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean }).isConfigSecret;
    return {
        region: () => new pulumi.Config("aws").get("region") ?? (process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || undefined),
        isSecret: isConfigSecret,
    };
}

/** Reads and validates the stack's configuration. */
export function readStackConfig(config: ConfigSource, source: StackRuntime = pulumiRuntime()): StackConfig {
    if (source.region() === undefined) {
        throw new ValidationError(
            "aws:region is not set, so there is no region to deploy to; set it for the stack: pulumi config set aws:region eu-west-1 (or export AWS_REGION)",
        );
    }
    const key = (k: string) => `${config.name}:${k}`;
    const prefixes = validatePrefixes(
        {
            upload: config.get("uploadPrefix") ?? DEFAULT_PREFIXES.upload,
            output: config.get("outputPrefix") ?? DEFAULT_PREFIXES.output,
            status: config.get("statusPrefix") ?? DEFAULT_PREFIXES.status,
        },
        { upload: key("uploadPrefix"), output: key("outputPrefix"), status: key("statusPrefix") },
    );
    const size = validateFargateSize(config.getNumber("taskCpu") ?? 1024, config.getNumber("taskMemory") ?? 2048, {
        cpu: key("taskCpu"),
        memory: key("taskMemory"),
    });
    const ephemeral = config.getNumber("ephemeralStorageGiB");
    const expireDays = config.getNumber("expireUploadsAfterDays");
    const capacity: Required<CapacitySplit> = {
        fargateBase: config.getNumber("fargateBase") ?? 0,
        fargateWeight: config.getNumber("fargateWeight") ?? 1,
        fargateSpotWeight: config.getNumber("fargateSpotWeight") ?? 0,
    };
    capacityProviderStrategy(capacity, { fargateBase: key("fargateBase"), fargateWeight: key("fargateWeight"), fargateSpotWeight: key("fargateSpotWeight") });
    const subnetIds = stringList(config, "subnetIds");
    const securityGroupIds = stringList(config, "securityGroupIds");
    if (securityGroupIds.length > 0 && subnetIds.length === 0) {
        invalid(key("securityGroupIds"), securityGroupIds, `needs ${key("subnetIds")}`, "set the subnets the security groups belong with, or neither");
    }
    const image = config.get("image");
    if (image !== undefined) {
        validateImageUri(image, key("image"));
    }
    const slackChannelLabel = config.get("slackChannelLabel");
    const slackWebhookUrl = config.getSecret("slackWebhookUrl");
    if (slackWebhookUrl === undefined && slackChannelLabel !== undefined) {
        invalid(
            key("slackChannelLabel"),
            slackChannelLabel,
            `is set but ${key("slackWebhookUrl")} is not`,
            "set the webhook as a secret: pulumi config set --secret slackWebhookUrl https://hooks.slack.com/services/…",
        );
    }
    if (slackWebhookUrl !== undefined && source.isSecret?.(key("slackWebhookUrl")) === false) {
        throw new ValidationError(
            `${key("slackWebhookUrl")} is stored in plaintext in the stack's config; set it again as a secret: pulumi config set --secret slackWebhookUrl https://hooks.slack.com/services/…`,
        );
    }
    return {
        prefixes,
        keySuffixes: validateSuffixes(stringList(config, "keySuffixes"), key("keySuffixes")),
        bucketVersioning: config.getBoolean("bucketVersioning") ?? false,
        expireUploadsAfterDays: expireDays === undefined ? false : requireIntegerInRange(key("expireUploadsAfterDays"), expireDays, 1, 3650),
        bucketKmsKeyArn: config.get("bucketKmsKeyArn"),
        forceDestroy: config.getBoolean("forceDestroy") ?? false,
        taskCpu: size.cpu,
        taskMemory: size.memory,
        cpuArchitecture: validateCpuArchitecture(config.get("cpuArchitecture") ?? "X86_64", key("cpuArchitecture")),
        ephemeralStorageGiB: ephemeral === undefined ? undefined : validateEphemeralStorage(ephemeral, key("ephemeralStorageGiB")),
        stopTimeoutSeconds: validateStopTimeout(config.getNumber("stopTimeoutSeconds") ?? 60, key("stopTimeoutSeconds")),
        image,
        logRetentionDays: validateRetention(config.getNumber("logRetentionDays") ?? DEFAULT_LOG_RETENTION_DAYS, key("logRetentionDays")),
        capacity,
        maxEventAgeSeconds: requireIntegerInRange(key("maxEventAgeSeconds"), config.getNumber("maxEventAgeSeconds") ?? 3600, 60, 86400),
        maxRetryAttempts: requireIntegerInRange(key("maxRetryAttempts"), config.getNumber("maxRetryAttempts") ?? 8, 0, 185),
        subnetIds,
        securityGroupIds,
        assignPublicIp: config.getBoolean("assignPublicIp") ?? true,
        vpcCidr: config.get("vpcCidr"),
        slackWebhookUrl,
        slackChannelLabel,
        notifySpotInterruptions: config.getBoolean("notifySpotInterruptions") ?? false,
        cpuAlarmPercent: requireIntegerInRange(key("cpuAlarmPercent"), config.getNumber("cpuAlarmPercent") ?? 80, 1, 100),
        memoryAlarmPercent: requireIntegerInRange(key("memoryAlarmPercent"), config.getNumber("memoryAlarmPercent") ?? 80, 1, 100),
        alarmEvaluationPeriods: requireIntegerInRange(key("alarmEvaluationPeriods"), config.getNumber("alarmEvaluationPeriods") ?? 5, 1, 60),
    };
}
