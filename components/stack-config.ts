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
    capacityProviderStrategy,
    invalid,
    requireIntegerInRange,
    validateCpuArchitecture,
    validateEphemeralStorage,
    validateFargateSize,
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

/** Reads and validates the stack's configuration. */
export function readStackConfig(config: ConfigSource): StackConfig {
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
    if (image !== undefined && image.trim() === "") {
        invalid(key("image"), image, "is empty", "give an image URI such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor:1.0, or leave it unset to build app/");
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
        slackWebhookUrl: config.getSecret("slackWebhookUrl"),
        slackChannelLabel: config.get("slackChannelLabel"),
        notifySpotInterruptions: config.getBoolean("notifySpotInterruptions") ?? false,
        cpuAlarmPercent: requireIntegerInRange(key("cpuAlarmPercent"), config.getNumber("cpuAlarmPercent") ?? 80, 1, 100),
        memoryAlarmPercent: requireIntegerInRange(key("memoryAlarmPercent"), config.getNumber("memoryAlarmPercent") ?? 80, 1, 100),
        alarmEvaluationPeriods: requireIntegerInRange(key("alarmEvaluationPeriods"), config.getNumber("alarmEvaluationPeriods") ?? 5, 1, 60),
    };
}
