/**
 * Typed, validated access to a stack's configuration (Pulumi.<stack>.yaml). Every error names the
 * config key, so bad config fails `pulumi preview` with a message that says what to set.
 *
 * The schema only: it reads through a ConfigSource and does not load the Pulumi SDK, so the local
 * pipeline (app/src/local) validates a stack file exactly as `pulumi preview` does without it.
 * pulumi-config.ts gives the program the source over `pulumi.Config` and the Pulumi runtime.
 */
import {
    BucketPrefixes,
    CapacitySplit,
    CpuArchitecture,
    DEFAULT_LOG_RETENTION_DAYS,
    DEFAULT_PREFIXES,
    ShardingSettings,
    ValidationError,
    capacityProviderStrategy,
    invalid,
    requireIntegerInRange,
    validateCpuArchitecture,
    validateEphemeralStorage,
    validateFargateSize,
    validateImageUri,
    validateJobCommand,
    validatePrefixes,
    validateSharding,
    validateRetention,
    validateStopTimeout,
    validateSuffixes,
} from "./builders";

/** How uploads reach the processor. */
export const TRIGGERS = ["eventbridge", "lambda", "queue", "none"] as const;
export type TriggerKind = (typeof TRIGGERS)[number];

/** Settings of the queue worker service (`trigger: queue`), named as QueueWorkerService's args. */
export const QUEUE_WORKER_SETTINGS = {
    minTasks: "number",
    maxTasks: "number",
    backlogPerTaskTarget: "number",
    maxJobSeconds: "number",
    visibilityTimeoutSeconds: "number",
    maxReceiveCount: "number",
    messagesPerPoll: "number",
} as const;

/** Settings of the scheduled batch run, named as ScheduledTask's args. */
export const SCHEDULE_SETTINGS = {
    scheduleExpression: "string",
    timezone: "string",
    flexibleTimeWindowMinutes: "number",
    maxRetryAttempts: "number",
    maxEventAgeSeconds: "number",
    state: "string",
} as const;

/** Settings of the Kubernetes jobs, named as KubernetesJobs' args. */
export const KUBERNETES_SETTINGS = {
    cluster: "object",
    job: "object",
    cronJob: "object",
    cpu: "number",
    memory: "number",
    scratchSizeMiB: "number",
    terminationGracePeriodSeconds: "number",
} as const;

type SettingKind = "number" | "string" | "boolean" | "object";
type Settings<T extends Record<string, SettingKind>> = {
    -readonly [K in keyof T]?: T[K] extends "number" ? number : T[K] extends "string" ? string : T[K] extends "boolean" ? boolean : Record<string, unknown>;
};

/**
 * Everything the program reads from stack config, validated, with defaults applied.
 * `Secret` is what the source's getSecret returns (`pulumi.Output<string>` in a Pulumi program).
 */
export interface StackConfig<Secret = unknown> {
    /** How uploads reach the processor: an EventBridge rule per upload (default), S3 → Lambda, a queue worker service, or none. */
    trigger: TriggerKind;
    /** The queue worker service's settings, when `trigger` is `queue`. */
    queueWorker?: Settings<typeof QUEUE_WORKER_SETTINGS>;
    /** A scheduled batch run that catches up on every file not yet processed. */
    schedule?: Settings<typeof SCHEDULE_SETTINGS> & { scheduleExpression: string };
    /** The processor as Kubernetes Job / CronJob on EKS. */
    kubernetes?: Settings<typeof KUBERNETES_SETTINGS> & { cluster: Record<string, unknown> };
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
    /** `image`, or `processor.image`. */
    image?: string;
    /** `processor.command`: your own job, run by the processor runtime for each file; unset, the built-in summariser. */
    processorCommand?: string[];
    /** `processor.stdin`: the command also gets the file on stdin (COMMAND_STDIN). */
    processorStdin: boolean;
    /** `processor.shardAboveBytes`, `shardBytes`, `maxShards`, `commandAcceptsRange`: byte-range shards of large uploads (docs/sharding.md); off when unset. */
    sharding?: Required<ShardingSettings>;
    logRetentionDays: number;
    capacity: Required<CapacitySplit>;
    maxEventAgeSeconds: number;
    maxRetryAttempts: number;
    subnetIds: string[];
    securityGroupIds: string[];
    assignPublicIp: boolean;
    vpcCidr?: string;
    /** The Slack webhook (a secret); no Slack notifier when unset. */
    slackWebhookUrl?: Secret;
    slackChannelLabel?: string;
    notifySpotInterruptions: boolean;
    cpuAlarmPercent: number;
    memoryAlarmPercent: number;
    alarmEvaluationPeriods: number;
}

/**
 * A structured config value whose settings are checked for their names and kinds here; their values are validated
 * by the component they go to (see inConfig). Returns a copy.
 */
function settings<T extends Record<string, SettingKind>>(config: ConfigSource, key: string, kinds: T): Settings<T> | undefined {
    const full = `${config.name}:${key}`;
    const value = config.getObject<unknown>(key);
    if (value === undefined) {
        return undefined;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        invalid(full, value, "is not a map of settings", `set its settings with --path, e.g. pulumi config set --path '${key}.${Object.keys(kinds)[0]}' …`);
    }
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        const kind = kinds[name];
        if (kind === undefined) {
            invalid(`${full}.${name}`, v, `is not a setting of ${full}`, `use ${Object.keys(kinds).join(", ")}`);
        }
        const actual = v === null ? "null" : Array.isArray(v) ? "list" : typeof v;
        if (actual !== kind) {
            invalid(`${full}.${name}`, v, `is not a ${kind}`, `give a ${kind}`);
        }
        out[name] = v;
    }
    return out as Settings<T>;
}

/** The settings of `processor`: your own command for each file, and the image that has it. */
export const PROCESSOR_SETTINGS = ["command", "stdin", "image", "shardAboveBytes", "shardBytes", "maxShards", "commandAcceptsRange"] as const;

/**
 * `processor.command` (a list of words, no shell), `processor.stdin` (true/false) and `processor.image` (as the
 * top-level `image`). Returns a copy.
 */
function processorSettings(config: ConfigSource, prefixes: BucketPrefixes): { command?: string[]; stdin?: boolean; image?: string; sharding?: Required<ShardingSettings> } {
    const full = `${config.name}:processor`;
    const value = config.getObject<unknown>("processor");
    if (value === undefined) {
        return {};
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
        invalid(full, value, "is not a map of settings", `set them with --path, e.g. pulumi config set --path 'processor.command[0]' python3`);
    }
    const v = value as Record<string, unknown>;
    for (const name of Object.keys(v)) {
        if (!(PROCESSOR_SETTINGS as readonly string[]).includes(name)) {
            invalid(`${full}.${name}`, v[name], `is not a setting of ${full}`, `use ${PROCESSOR_SETTINGS.join(", ")}`);
        }
    }
    if (v.stdin !== undefined && typeof v.stdin !== "boolean") {
        invalid(`${full}.stdin`, v.stdin, "is not a boolean", "give true or false");
    }
    if (v.image !== undefined && typeof v.image !== "string") {
        invalid(`${full}.image`, v.image, "is not a string", "give an image reference such as …/processor:1.4.2");
    }
    const command = v.command === undefined ? undefined : validateJobCommand(v.command as unknown[], `${full}.command`);
    if (v.stdin === true && command === undefined) {
        invalid(`${full}.stdin`, true, `needs ${full}.command`, "the built-in summariser streams the object itself; set a command, or remove stdin");
    }
    return { command, stdin: v.stdin as boolean | undefined, image: v.image as string | undefined, sharding: shardingSettings(v, full, prefixes, command !== undefined) };
}

/** `processor.shardAboveBytes` and its companions (docs/sharding.md); undefined when sharding is off. */
function shardingSettings(v: Record<string, unknown>, full: string, prefixes: BucketPrefixes, hasCommand: boolean): Required<ShardingSettings> | undefined {
    for (const name of ["shardAboveBytes", "shardBytes", "maxShards"] as const) {
        if (v[name] !== undefined && typeof v[name] !== "number") {
            invalid(`${full}.${name}`, v[name], "is not a number", "give a whole number, e.g. pulumi config set --path 'processor.shardAboveBytes' 10737418240");
        }
    }
    if (v.commandAcceptsRange !== undefined && typeof v.commandAcceptsRange !== "boolean") {
        invalid(`${full}.commandAcceptsRange`, v.commandAcceptsRange, "is not a boolean", "give true or false");
    }
    if (v.shardAboveBytes === undefined) {
        const orphan = (["shardBytes", "maxShards", "commandAcceptsRange"] as const).find((n) => v[n] !== undefined);
        if (orphan !== undefined) {
            invalid(`${full}.${orphan}`, v[orphan], `needs ${full}.shardAboveBytes`, "set the size above which a file is sharded, or remove it");
        }
        return undefined;
    }
    return validateSharding(
        {
            aboveBytes: v.shardAboveBytes as number,
            shardBytes: v.shardBytes as number | undefined,
            maxShards: v.maxShards as number | undefined,
            commandAcceptsRange: v.commandAcceptsRange as boolean | undefined,
        },
        full,
        [prefixes.upload, prefixes.output, prefixes.status],
        hasCommand,
    );
}

/** The Kubernetes jobs' settings, with an existing cluster's kubeconfig taken from its secret. */
function kubernetesSettings<Secret>(config: ConfigSource<Secret>): StackConfig["kubernetes"] {
    const key = (k: string) => `${config.name}:${k}`;
    const kubernetes = settings(config, "kubernetes", KUBERNETES_SETTINGS);
    if (kubernetes === undefined) {
        return undefined;
    }
    const cluster = kubernetes.cluster;
    if (cluster === undefined) {
        invalid(key("kubernetes"), kubernetes, "has no cluster", "give cluster.create (vpcId, privateSubnetIds) or cluster.existing (oidcProviderArn and oidcProviderUrl, or clusterName, with the kubeconfig secret)");
    }
    const existing = cluster.existing;
    if (existing === undefined || existing === null || typeof existing !== "object") {
        return { ...kubernetes, cluster };
    }
    const kubeconfig = config.getSecret("kubeconfig");
    if (kubeconfig === undefined) {
        invalid(key("kubernetes.cluster.existing"), existing, `needs ${key("kubeconfig")}`, "set the cluster's kubeconfig as a secret: pulumi config set --secret kubeconfig \"$(cat kubeconfig.yaml)\"");
    }
    return { ...kubernetes, cluster: { existing: { ...(existing as Record<string, unknown>), kubeconfig } } };
}

/**
 * Builds a component from a structured config value, so that its validation errors name the config key rather
 * than the component: `queue-worker.maxTasks: …` becomes `s3-fargate-pipeline:queueWorker.maxTasks: …`.
 */
export function inConfig<T>(configKey: string, componentName: string, build: () => T): T {
    try {
        return build();
    } catch (e) {
        if (e instanceof ValidationError && e.message.startsWith(`${componentName}.`)) {
            throw new ValidationError(`${configKey}.${e.message.slice(componentName.length + 1)}`);
        }
        throw e;
    }
}

/** The reads StackConfig needs; `pulumi.Config` provides them (see pulumi-config.ts), and so does the local pipeline's stack file reader. */
export interface ConfigSource<Secret = unknown> {
    /** The config namespace: the project's name. */
    readonly name: string;
    get(key: string): string | undefined;
    getNumber(key: string): number | undefined;
    getBoolean(key: string): boolean | undefined;
    getObject<T>(key: string): T | undefined;
    getSecret(key: string): Secret | undefined;
}

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

/** Reads and validates the stack's configuration (in a Pulumi program: `readStackConfig(new pulumi.Config(), pulumiRuntime())`). */
export function readStackConfig<Secret>(config: ConfigSource<Secret>, source: StackRuntime): StackConfig<Secret> {
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
    const processor = processorSettings(config, prefixes);
    const image = config.get("image") ?? processor.image;
    if (config.get("image") !== undefined && processor.image !== undefined) {
        invalid(key("processor.image"), processor.image, `is set and so is ${key("image")}`, "set the image once, in either");
    }
    if (image !== undefined) {
        validateImageUri(image, processor.image !== undefined ? key("processor.image") : key("image"));
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
    const trigger = config.get("trigger") ?? "eventbridge";
    if (!(TRIGGERS as readonly string[]).includes(trigger)) {
        invalid(key("trigger"), trigger, "is not a trigger", `use one of ${TRIGGERS.join(", ")}`);
    }
    const queueWorker = settings(config, "queueWorker", QUEUE_WORKER_SETTINGS);
    if (queueWorker !== undefined && trigger !== "queue") {
        invalid(key("queueWorker"), queueWorker, `is set but ${key("trigger")} is ${trigger}`, `set ${key("trigger")} to queue, or remove ${key("queueWorker")}`);
    }
    const schedule = settings(config, "schedule", SCHEDULE_SETTINGS);
    if (schedule !== undefined && schedule.scheduleExpression === undefined) {
        invalid(key("schedule"), schedule, "has no scheduleExpression", "give one, e.g. pulumi config set --path 'schedule.scheduleExpression' 'cron(0 6 * * ? *)'");
    }
    const kubernetes = kubernetesSettings(config);
    return {
        trigger: trigger as TriggerKind,
        queueWorker: trigger === "queue" ? (queueWorker ?? {}) : undefined,
        schedule: schedule as StackConfig["schedule"],
        kubernetes,
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
        processorCommand: processor.command,
        processorStdin: processor.stdin ?? false,
        sharding: processor.sharding,
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
