/**
 * Monthly cost model of the five processing patterns, computed from a stack's configuration and a
 * stated workload. Pure functions and documented price constants; no Pulumi resources, no network.
 *
 * Patterns:
 * - UploadTrigger: S3 → EventBridge rule → ECS RunTask, one Fargate task per file.
 * - ScheduledTask: EventBridge Scheduler runs one batch task per period that processes every new file.
 * - QueueWorkerService: S3 → EventBridge → SQS, an autoscaled ECS service of long-polling workers.
 * - LambdaTrigger: S3 event notification → Lambda → ECS RunTask, one Fargate task per file.
 * - KubernetesJobs: an EKS CronJob per period, on Fargate pods (or on nodes you price yourself).
 *
 * Billing rules used (AWS pricing pages): Fargate bills vCPU, memory and ephemeral storage above the
 * included 20 GiB from the start of the image download until the task stops, rounded up to the
 * second, with a one-minute minimum; Fargate Spot is a discount on vCPU and memory; a public IPv4
 * address costs per hour while attached; a month is 730 hours.
 */
import { CapacitySplit, SINGLE_TASK_WEIGHTS, capacityProviderStrategy, singleTaskPlacement } from "./capacity";
import { CpuArchitecture, FARGATE_SIZES, validateCpuArchitecture, validateEphemeralStorage, validateFargateSize } from "./fargate";
import { DEFAULT_LOG_RETENTION_DAYS, validateRetention } from "./retention";
import { ValidationError, invalid, requireIntegerInRange } from "./validation";
import { DEFAULT_MAX_SHARDS, DEFAULT_SHARD_BYTES, validateSharding } from "./sharding";

// ---------------------------------------------------------------------------------------------
// Prices
// ---------------------------------------------------------------------------------------------

/** Hours in the month AWS uses for monthly estimates. */
export const COST_HOURS_PER_MONTH = 730;
const SECONDS_PER_MONTH = COST_HOURS_PER_MONTH * 3600;
const DAYS_PER_MONTH = COST_HOURS_PER_MONTH / 24;

/** Fargate storage included with every task or pod, GiB. */
export const FARGATE_INCLUDED_STORAGE_GIB = 20;
/** Fargate bills at least this many seconds per task or pod. */
export const FARGATE_MINIMUM_BILLED_SECONDS = 60;
/** Memory EKS adds to every Fargate pod for kubelet, kube-proxy and containerd, MiB. */
export const EKS_FARGATE_POD_OVERHEAD_MIB = 256;

/** The regions with a price table. */
export const PRICED_REGIONS = ["us-east-1", "eu-west-1"] as const;
export type PricedRegion = (typeof PRICED_REGIONS)[number];

/** USD unit prices of one region. */
export interface RegionPrices {
    fargate: {
        /** Linux/x86: per vCPU-hour and per GB-hour. */
        x86: { vcpuHour: number; gbHour: number };
        /** Linux/ARM (ECS only): per vCPU-hour and per GB-hour. */
        arm: { vcpuHour: number; gbHour: number };
        /** Per GB-hour of ephemeral storage above the included 20 GiB. */
        ephemeralGbHour: number;
        /** FARGATE_SPOT price as a fraction off the on-demand vCPU and memory prices (0.69 = 69% off). */
        spotDiscount: number;
    };
    /** Per hour of an in-use public IPv4 address (a task with assignPublicIp). */
    publicIpv4Hour: number;
    /** Per million S3 events ingested by EventBridge (64 KB chunks). */
    eventBridgeEventPerMillion: number;
    /** Per million EventBridge Scheduler invocations. */
    schedulerInvocationPerMillion: number;
    /** Per million SQS standard-queue requests (64 KB chunks). */
    sqsRequestPerMillion: number;
    lambda: { requestPerMillion: number; gbSecondX86: number; gbSecondArm: number };
    /** Per EKS cluster-hour (standard support). */
    eksClusterHour: number;
    logs: {
        /** Per GB ingested, Standard log class. */
        ingestGb: number;
        /** Per GB-month archived (compressed). */
        storageGbMonth: number;
    };
    /** Per custom metric-month (first 10,000 metrics), prorated by the hour. */
    metricMonth: number;
    s3: {
        /** Per 1,000 PUT, COPY, POST and LIST requests (S3 Standard). */
        putPer1000: number;
        /** Per 1,000 GET and other requests (S3 Standard). */
        getPer1000: number;
    };
}

/** The date the prices below were looked up in the sources named next to them. */
export const PRICES_TAKEN = "2026-11-23";

/**
 * Unit prices, USD. Each figure names its source; "not confirmed" marks a figure that could not be
 * read from a regional price list or pricing page when these were taken ({@link PRICES_TAKEN}).
 */
export const COST_PRICES: Readonly<Record<PricedRegion, RegionPrices>> = {
    "us-east-1": {
        fargate: {
            // AWS Price List, AmazonECS us-east-1 (https://pricing.us-east-1.amazonaws.com/offers/v1.0/aws/AmazonECS/current/us-east-1/index.csv):
            // USE1-Fargate-vCPU-Hours:perCPU 0.04048, USE1-Fargate-GB-Hours 0.004445.
            x86: { vcpuHour: 0.04048, gbHour: 0.004445 },
            // Same file: USE1-Fargate-ARM-vCPU-Hours:perCPU 0.03238, USE1-Fargate-ARM-GB-Hours 0.00356.
            arm: { vcpuHour: 0.03238, gbHour: 0.00356 },
            // Same file: USE1-Fargate-EphemeralStorage-GB-Hours 0.000111.
            ephemeralGbHour: 0.000111,
            // https://aws.amazon.com/fargate/pricing/ ("up to a 70% discount"; the current Spot table is rendered
            // dynamically and could not be read). 0.6877 is the ratio of a copy of that table (x86 Spot 0.01264355 per
            // vCPU-hour, 0.00138835 per GB-hour) to on-demand; date of that copy not stated. Not confirmed: Spot prices move.
            spotDiscount: 0.6877,
        },
        // https://aws.amazon.com/vpc/pricing/ "Hourly charge for In-use Public IPv4 Address $0.005" (since 2024-02-01).
        publicIpv4Hour: 0.005,
        // https://aws.amazon.com/eventbridge/pricing/: S3 events are "AWS opt-in data events", billed unlike the free
        // "AWS management events". Their rate could not be read; charged here at the custom-event rate, $1.00 per
        // million, as an upper bound. Not confirmed.
        eventBridgeEventPerMillion: 1.0,
        // AWS Price List, AWSEvents us-east-1: "$0 for the first 14 million scheduled invocations", then
        // "$1.00 per million scheduled invocations". The 14 million are applied only with applyFreeTier.
        schedulerInvocationPerMillion: 1.0,
        // https://aws.amazon.com/sqs/pricing/: standard queue $0.40 per million requests (first 100 billion).
        // Confirmed from a price-list copy for eu-west-2 (EUW2-Requests-Tier1); us-east-1 not read directly.
        sqsRequestPerMillion: 0.4,
        // https://aws.amazon.com/lambda/pricing/: $0.20 per million requests, $0.0000166667 per GB-second (x86),
        // $0.0000133334 (Arm). Confirmed from a price-list copy for eu-west-2; us-east-1 not read directly.
        lambda: { requestPerMillion: 0.2, gbSecondX86: 0.0000166667, gbSecondArm: 0.0000133334 },
        // https://aws.amazon.com/eks/pricing/: $0.10 per cluster-hour in standard support ($0.60 in extended support,
        // confirmed by AWS's extended-support notice). The $0.10 figure was not read from a stored copy.
        eksClusterHour: 0.1,
        // AWS Price List, AmazonCloudWatch us-east-1: USE1-DataProcessing-Bytes 0.50 per GB (Standard log class),
        // USE1-TimedStorage-ByteHrs 0.03 per GB-month.
        logs: { ingestGb: 0.5, storageGbMonth: 0.03 },
        // AWS Price List, AmazonCloudWatch us-east-1: USE1-CW:MetricMonitorUsage 0.30 per metric-month (first 10,000).
        metricMonth: 0.3,
        // https://aws.amazon.com/s3/pricing/: S3 Standard $0.005 per 1,000 PUT/COPY/POST/LIST, $0.0004 per 1,000 GET.
        // Widely published; the stored us-east-1 price-list copy read showed storage tiers only. Not confirmed.
        s3: { putPer1000: 0.005, getPer1000: 0.0004 },
    },
    "eu-west-1": {
        fargate: {
            // AWS Price List, AmazonECS eu-west-1: EU-Fargate-vCPU-Hours:perCPU 0.04048 (SKU K4EXFQ5YFQCP98EN),
            // EU-Fargate-GB-Hours 0.004445 (SKU UP5ETC3QSW2QZGEY).
            x86: { vcpuHour: 0.04048, gbHour: 0.004445 },
            // Same list: EU-Fargate-ARM-vCPU-Hours:perCPU 0.03238, EU-Fargate-ARM-GB-Hours 0.00356.
            arm: { vcpuHour: 0.03238, gbHour: 0.00356 },
            // EU-Fargate-EphemeralStorage-GB-Hours: not confirmed. Taken equal to us-east-1, whose vCPU and memory
            // prices eu-west-1 matches; London (eu-west-2) is 0.000129.
            ephemeralGbHour: 0.000111,
            // As us-east-1: copy of the Spot table, x86 0.01257825 per vCPU-hour, 0.00138118 per GB-hour
            // (0.6893 off on-demand); date of that copy not stated. Not confirmed: Spot prices move.
            spotDiscount: 0.6893,
        },
        // https://aws.amazon.com/vpc/pricing/: $0.005 per hour, the same in every commercial region.
        publicIpv4Hour: 0.005,
        // As us-east-1: S3 events are "AWS opt-in data events"; rate not confirmed, charged at $1.00 per million.
        eventBridgeEventPerMillion: 1.0,
        // Not confirmed for eu-west-1 (us-east-1 is $1.00, eu-west-2 $1.15, ap-northeast-1 $1.25); taken as $1.00.
        schedulerInvocationPerMillion: 1.0,
        // As us-east-1 ($0.40; eu-west-2's price list confirms the figure); eu-west-1 not read directly.
        sqsRequestPerMillion: 0.4,
        // As us-east-1 (eu-west-2's price list confirms the figures); eu-west-1 not read directly.
        lambda: { requestPerMillion: 0.2, gbSecondX86: 0.0000166667, gbSecondArm: 0.0000133334 },
        // https://aws.amazon.com/eks/pricing/: the same $0.10 per cluster-hour in every region. Not read from a stored copy.
        eksClusterHour: 0.1,
        // CloudWatch price table for eu-west-1 in github.com/DuckbillGroup/CloudWatchCashBack cloudwatch_pricing.json
        // ("current as of April 30, 2025"): standard ingestion 0.57 per GB, storage 0.03 per GB-month.
        logs: { ingestGb: 0.57, storageGbMonth: 0.03 },
        // Same table: metrics first 10,000 at 0.30 per metric-month.
        metricMonth: 0.3,
        // https://aws.amazon.com/s3/pricing/: Europe (Ireland) S3 Standard requests as us-east-1. Not confirmed from
        // a regional price-list copy.
        s3: { putPer1000: 0.005, getPer1000: 0.0004 },
    },
};

/** Where each price comes from, for the report's footer. */
export const PRICE_SOURCES: readonly string[] = [
    "Fargate (x86, ARM, ephemeral storage): AWS Price List AmazonECS offer files (usage types *-Fargate-vCPU-Hours:perCPU, *-Fargate-GB-Hours, *-Fargate-ARM-*, *-Fargate-EphemeralStorage-GB-Hours), https://aws.amazon.com/fargate/pricing/ — eu-west-1 ephemeral storage not confirmed",
    "Fargate Spot: https://aws.amazon.com/fargate/pricing/ (\"up to 70%\"); discount from an undated copy of the Spot price table — not confirmed, Spot prices move",
    "Public IPv4: https://aws.amazon.com/vpc/pricing/ ($0.005 per in-use address-hour)",
    "EventBridge: https://aws.amazon.com/eventbridge/pricing/ — S3 events are opt-in data events; rate not confirmed, charged at $1.00 per million",
    "EventBridge Scheduler: AWS Price List AWSEvents (us-east-1 $1.00 per million after 14 million free) — eu-west-1 not confirmed",
    "SQS: https://aws.amazon.com/sqs/pricing/ ($0.40 per million standard requests, 1 million free) — confirmed for eu-west-2 only",
    "Lambda: https://aws.amazon.com/lambda/pricing/ ($0.20 per million requests, $0.0000166667 per GB-s x86, $0.0000133334 Arm) — confirmed for eu-west-2 only",
    "EKS: https://aws.amazon.com/eks/pricing/ ($0.10 per cluster-hour, standard support) — not read from a stored copy",
    "CloudWatch Logs and metrics: AWS Price List AmazonCloudWatch (us-east-1); DuckbillGroup/CloudWatchCashBack cloudwatch_pricing.json (eu-west-1, as of 2025-04-30)",
    "S3 requests: https://aws.amazon.com/s3/pricing/ ($0.005 per 1,000 PUT/LIST, $0.0004 per 1,000 GET) — not confirmed from a regional price list",
];

/** Monthly free-tier allowances (account-wide, so applied only when asked: other workloads share them). */
export const FREE_TIER = {
    lambdaRequests: 1_000_000,
    lambdaGbSeconds: 400_000,
    sqsRequests: 1_000_000,
    schedulerInvocations: 14_000_000,
    logsIngestGb: 5,
    metrics: 10,
} as const;

/**
 * Looks up a region's prices; unknown regions fail naming the supported ones.
 * @param region an AWS region code.
 * @param field the name the error gives the region. @default "aws:region"
 */
export function pricesFor(region: string, field = "aws:region"): RegionPrices {
    if (!(PRICED_REGIONS as readonly string[]).includes(region)) {
        invalid(field, region, "has no price table in this cost model", `use one of ${PRICED_REGIONS.join(", ")}`);
    }
    return COST_PRICES[region as PricedRegion];
}

// ---------------------------------------------------------------------------------------------
// Stack configuration
// ---------------------------------------------------------------------------------------------

/** What the cost model reads from a stack's configuration, validated, with the program's defaults. */
export interface StackCostConfig {
    /** `aws:region`. */
    region: string;
    /** CPU units (1024 = 1 vCPU). @default 1024 */
    taskCpu: number;
    /** MiB. @default 2048 */
    taskMemory: number;
    /** @default "X86_64" */
    cpuArchitecture: CpuArchitecture;
    /** GiB; undefined = the included 20 GiB. @default undefined */
    ephemeralStorageGiB?: number;
    /** @default { fargateBase: 0, fargateWeight: 1, fargateSpotWeight: 0 } */
    capacity: Required<CapacitySplit>;
    /** @default 30 */
    logRetentionDays: number;
    /** Tasks get a public IPv4 address. @default true */
    assignPublicIp: boolean;
    /** Uploads expire after this many days (an S3 "Object Deleted" event each), or never. @default false */
    expireUploadsAfterDays: number | false;
    /** `processor.shardAboveBytes`, `shardBytes`, `maxShards`: byte-range shards of large uploads (docs/sharding.md). @default off */
    sharding?: { aboveBytes: number; shardBytes: number; maxShards: number };
}

/** The project name that prefixes the program's config keys. */
export const CONFIG_PROJECT = "s3-fargate-pipeline";

function configNumber(config: Readonly<Record<string, unknown>>, key: string): number | undefined {
    const value = config[key];
    if (value === undefined || value === null) {
        return undefined;
    }
    const n = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
    if (!Number.isFinite(n)) {
        invalid(key, value, "is not a number", "set a number, e.g. pulumi config set " + key.split(":")[1] + " 1024");
    }
    return n;
}

function configBoolean(config: Readonly<Record<string, unknown>>, key: string): boolean | undefined {
    const value = config[key];
    if (value === undefined || value === null) {
        return undefined;
    }
    if (value === true || value === "true") {
        return true;
    }
    if (value === false || value === "false") {
        return false;
    }
    return invalid(key, value, "is not a boolean", "use true or false");
}

function configString(config: Readonly<Record<string, unknown>>, key: string): string | undefined {
    const value = config[key];
    if (value === undefined || value === null) {
        return undefined;
    }
    if (typeof value !== "string") {
        invalid(key, value, "is not a string", "set it as text");
    }
    return value;
}

/**
 * Reads the cost-relevant keys of a stack's `config:` map (as in `Pulumi.<stack>.yaml`), applying the
 * same defaults and checks as the program. Numbers may be YAML numbers or strings (`pulumi config set`
 * writes strings).
 * @param config the `config:` map.
 * @param project the prefix of the program's keys. @default "s3-fargate-pipeline"
 */
export function stackCostConfig(config: Readonly<Record<string, unknown>>, project: string = CONFIG_PROJECT): StackCostConfig {
    const key = (k: string) => `${project}:${k}`;
    const region = configString(config, "aws:region");
    if (region === undefined) {
        invalid("aws:region", region, "is not set", `set it for the stack (pulumi config set aws:region eu-west-1); priced regions: ${PRICED_REGIONS.join(", ")}`);
    }
    pricesFor(region);
    const size = validateFargateSize(configNumber(config, key("taskCpu")) ?? 1024, configNumber(config, key("taskMemory")) ?? 2048, {
        cpu: key("taskCpu"),
        memory: key("taskMemory"),
    });
    const ephemeral = configNumber(config, key("ephemeralStorageGiB"));
    const capacity: Required<CapacitySplit> = {
        fargateBase: configNumber(config, key("fargateBase")) ?? 0,
        fargateWeight: configNumber(config, key("fargateWeight")) ?? 1,
        fargateSpotWeight: configNumber(config, key("fargateSpotWeight")) ?? 0,
    };
    capacityProviderStrategy(capacity, { fargateBase: key("fargateBase"), fargateWeight: key("fargateWeight"), fargateSpotWeight: key("fargateSpotWeight") });
    const expire = configNumber(config, key("expireUploadsAfterDays"));
    const processor = config[key("processor")];
    const settings = (typeof processor === "string" ? JSON.parse(processor) : processor) as Record<string, unknown> | undefined | null;
    const sharding =
        settings && typeof settings === "object" && settings.shardAboveBytes !== undefined
            ? validateSharding(
                  { aboveBytes: Number(settings.shardAboveBytes), shardBytes: settings.shardBytes === undefined ? undefined : Number(settings.shardBytes), maxShards: settings.maxShards === undefined ? undefined : Number(settings.maxShards) },
                  key("processor"),
                  [],
                  true,
              )
            : undefined;
    return {
        region,
        taskCpu: size.cpu,
        taskMemory: size.memory,
        cpuArchitecture: validateCpuArchitecture(configString(config, key("cpuArchitecture")) ?? "X86_64", key("cpuArchitecture")),
        ephemeralStorageGiB: ephemeral === undefined ? undefined : validateEphemeralStorage(ephemeral, key("ephemeralStorageGiB")),
        capacity,
        logRetentionDays: validateRetention(configNumber(config, key("logRetentionDays")) ?? DEFAULT_LOG_RETENTION_DAYS, key("logRetentionDays")),
        assignPublicIp: configBoolean(config, key("assignPublicIp")) ?? true,
        expireUploadsAfterDays: expire === undefined ? false : requireIntegerInRange(key("expireUploadsAfterDays"), expire, 1, 3650),
        sharding: sharding && { aboveBytes: sharding.aboveBytes, shardBytes: sharding.shardBytes, maxShards: sharding.maxShards },
    };
}

// ---------------------------------------------------------------------------------------------
// Workload
// ---------------------------------------------------------------------------------------------

/** The workload and the assumptions the estimate rests on. */
export interface CostWorkload {
    /** Files uploaded per month (0 leaves only what runs regardless of files). */
    filesPerMonth: number;
    /**
     * Average file size in MB (10^6 bytes); processing time is derived from it. Give this or
     * `secondsPerFile`, not both.
     * @default none
     */
    fileSizeMB?: number;
    /**
     * Measured processing seconds per file (reading, summarising, writing the results), instead of
     * deriving them from `fileSizeMB`.
     * @default none
     */
    secondsPerFile?: number;
    /** The processor's throughput per vCPU (bench: the summariser on one core). @default 2_500_000 */
    rowsPerSecondPerVcpu?: number;
    /** Average bytes per CSV row (the bench's mixed 8-column CSV measures 84). @default 84 */
    bytesPerRow?: number;
    /** S3 round trips per file (status read, object open, three writes), seconds. @default 0.5 */
    requestSecondsPerFile?: number;
    /**
     * Read speed of one S3 GetObject stream in the task, MB/s; when given, a derived processing time is
     * at least size / this. Unset, the estimate is CPU-bound only.
     * @default none
     */
    s3ReadMBps?: number;
    /** Billed seconds from image download to the processor's start, per task or pod. @default 20 */
    taskStartupSeconds?: number;
    /** Period of ScheduledTask and KubernetesJobs runs, hours. @default 24 */
    scheduleHours?: number;
    /** QueueWorkerService minimum tasks. @default 1 */
    minWorkers?: number;
    /** QueueWorkerService maximum tasks. @default 10 */
    maxWorkers?: number;
    /** SQS long-polling wait of an idle worker, seconds (1–20). @default 20 */
    pollWaitSeconds?: number;
    /** How long an idle scaled-out worker lives before scale-in, seconds. @default 300 */
    scaleInSeconds?: number;
    /** LambdaTrigger function memory, MB. @default 128 */
    lambdaMemoryMB?: number;
    /** LambdaTrigger billed duration per invocation (one RunTask call), ms. @default 300 */
    lambdaDurationMs?: number;
    /** LambdaTrigger function architecture. @default "X86_64" */
    lambdaArchitecture?: CpuArchitecture;
    /** KubernetesJobs on nodes instead of Fargate pods: node count (needs `eksNodeHourlyUsd`). @default none (Fargate pods) */
    eksNodes?: number;
    /** KubernetesJobs on nodes: price of one node per hour, USD (needs `eksNodes`). @default none */
    eksNodeHourlyUsd?: number;
    /** Overrides the region's Fargate Spot discount (0–0.9). @default the region's figure in COST_PRICES */
    spotDiscount?: number;
    /** Subtracts the monthly free tier (account-wide; see FREE_TIER). @default false */
    applyFreeTier?: boolean;
    /** Price byte-range shards for files above this size, MB (overrides the stack's processor.shardAboveBytes). @default the stack's */
    shardAboveMB?: number;
    /** Target shard size, MB (overrides processor.shardBytes). @default the stack's, else 1 GiB */
    shardMB?: number;
    /** Most shards per file (overrides processor.maxShards). @default the stack's, else 16 */
    maxShards?: number;
}

/** Names used for workload fields in error messages (the CLI passes its flag names). */
export type CostWorkloadFields = Record<keyof CostWorkload, string>;

/** Workload defaults. */
export const COST_DEFAULTS = {
    rowsPerSecondPerVcpu: 2_500_000,
    bytesPerRow: 84,
    requestSecondsPerFile: 0.5,
    taskStartupSeconds: 20,
    scheduleHours: 24,
    minWorkers: 1,
    maxWorkers: 10,
    pollWaitSeconds: 20,
    scaleInSeconds: 300,
    lambdaMemoryMB: 128,
    lambdaDurationMs: 300,
    lambdaArchitecture: "X86_64" as CpuArchitecture,
    applyFreeTier: false,
} as const;

/**
 * Processor log volume, measured from its stdout (JSON lines + the EMF document) for a 33.7 MB CSV
 * processed against a local S3 server, with a 40-character bucket name, a 33-character key and a
 * task ARN from the metadata endpoint (tests/cost.test.ts repeats the measurement).
 */
export const PROCESSOR_LOG = {
    /** "processing" + "succeeded" lines + the EMF metrics document, bytes. */
    fixedBytesPerFile: 1_520,
    /** One "progress" line per 16 MiB read and one at the end, bytes each. */
    progressLineBytes: 342,
    /** Bytes read between progress lines. */
    progressEveryBytes: 16 * 1_048_576,
    /** Start and end lines of a batch run or a worker's life, bytes (estimate). */
    runBytes: 800,
    /** Lambda START/END/REPORT lines plus one line of the function, bytes per invocation (estimate). */
    lambdaBytesPerInvocation: 600,
    /** gzip level 6 over one task's log stream (archived logs are billed compressed): archived / ingested. */
    archiveRatio: 0.25,
} as const;

/** Custom metrics the processor emits through EMF: 5 metrics × {Service} and {Service, Outcome=succeeded}. */
export const PROCESSOR_METRICS_PER_FILE = 10;
/** Custom metrics a batch run emits (Service, Mode=batch). */
export const BATCH_RUN_METRICS = 6;

/** S3 requests the processor makes per file: status, summary, final status; the object and the previous status. */
export const S3_REQUESTS_PER_FILE = { put: 3, get: 2 } as const;
/** S3 objects the processor writes per file (each an "Object Created" event once EventBridge is on). */
export const OBJECTS_WRITTEN_PER_FILE = 3;

const DEFAULT_FIELDS: CostWorkloadFields = {
    filesPerMonth: "filesPerMonth",
    fileSizeMB: "fileSizeMB",
    secondsPerFile: "secondsPerFile",
    rowsPerSecondPerVcpu: "rowsPerSecondPerVcpu",
    bytesPerRow: "bytesPerRow",
    requestSecondsPerFile: "requestSecondsPerFile",
    s3ReadMBps: "s3ReadMBps",
    taskStartupSeconds: "taskStartupSeconds",
    scheduleHours: "scheduleHours",
    minWorkers: "minWorkers",
    maxWorkers: "maxWorkers",
    pollWaitSeconds: "pollWaitSeconds",
    scaleInSeconds: "scaleInSeconds",
    lambdaMemoryMB: "lambdaMemoryMB",
    lambdaDurationMs: "lambdaDurationMs",
    lambdaArchitecture: "lambdaArchitecture",
    eksNodes: "eksNodes",
    eksNodeHourlyUsd: "eksNodeHourlyUsd",
    spotDiscount: "spotDiscount",
    applyFreeTier: "applyFreeTier",
    shardAboveMB: "shardAboveMB",
    shardMB: "shardMB",
    maxShards: "maxShards",
};

function requireNumberInRange(field: string, value: number, min: number, max: number, minExclusive = false): number {
    if (typeof value !== "number" || !Number.isFinite(value) || (minExclusive ? value <= min : value < min) || value > max) {
        invalid(field, value, "is out of range", `use a number ${minExclusive ? "above" : "from"} ${min} ${minExclusive ? "and at most" : "to"} ${max}`);
    }
    return value;
}

/** The workload with every default applied and every value checked. */
export interface ResolvedWorkload {
    filesPerMonth: number;
    fileSizeMB?: number;
    /** Seconds of processing per file: given, or derived from the size. */
    secondsPerFile: number;
    /** True when secondsPerFile was derived from fileSizeMB. */
    derived: boolean;
    rowsPerSecondPerVcpu: number;
    bytesPerRow: number;
    requestSecondsPerFile: number;
    s3ReadMBps?: number;
    taskStartupSeconds: number;
    scheduleHours: number;
    minWorkers: number;
    maxWorkers: number;
    pollWaitSeconds: number;
    scaleInSeconds: number;
    lambdaMemoryMB: number;
    lambdaDurationMs: number;
    lambdaArchitecture: CpuArchitecture;
    eksNodes?: number;
    eksNodeHourlyUsd?: number;
    spotDiscount: number;
    applyFreeTier: boolean;
    /** Byte-range shards per file in UploadTrigger: 1 unless sharding is on and the file is above its threshold. */
    shards: number;
}

/**
 * Validates a workload against a stack and applies the defaults. Processing seconds per file, when
 * derived: max(size / bytesPerRow / (rowsPerSecondPerVcpu × task vCPU), size / s3ReadMBps) + requestSecondsPerFile.
 * @param workload the workload; see {@link CostWorkload} for each field's default.
 * @param stack the stack (its region gives the Spot discount, its task size the vCPU).
 * @param fields names for workload fields in error messages. @default the property names
 */
export function resolveWorkload(workload: CostWorkload, stack: StackCostConfig, fields: Partial<CostWorkloadFields> = {}): ResolvedWorkload {
    const f: CostWorkloadFields = { ...DEFAULT_FIELDS, ...fields };
    const prices = pricesFor(stack.region);
    requireIntegerInRange(f.filesPerMonth, workload.filesPerMonth, 0, 1_000_000_000);
    if (workload.fileSizeMB !== undefined && workload.secondsPerFile !== undefined) {
        invalid(`${f.fileSizeMB} and ${f.secondsPerFile}`, [workload.fileSizeMB, workload.secondsPerFile], "are both set", "give one: the size to derive processing time from, or the measured seconds per file");
    }
    if (workload.fileSizeMB === undefined && workload.secondsPerFile === undefined) {
        throw new ValidationError(`${f.fileSizeMB} and ${f.secondsPerFile}: neither is set; give the average file size in MB, or the measured processing seconds per file`);
    }
    const rowsPerSecondPerVcpu = requireNumberInRange(f.rowsPerSecondPerVcpu, workload.rowsPerSecondPerVcpu ?? COST_DEFAULTS.rowsPerSecondPerVcpu, 0, 1e9, true);
    const bytesPerRow = requireNumberInRange(f.bytesPerRow, workload.bytesPerRow ?? COST_DEFAULTS.bytesPerRow, 0, 1e7, true);
    const requestSecondsPerFile = requireNumberInRange(f.requestSecondsPerFile, workload.requestSecondsPerFile ?? COST_DEFAULTS.requestSecondsPerFile, 0, 3600);
    const s3ReadMBps = workload.s3ReadMBps === undefined ? undefined : requireNumberInRange(f.s3ReadMBps, workload.s3ReadMBps, 0, 100_000, true);
    let secondsPerFile: number;
    if (workload.fileSizeMB !== undefined) {
        // S3's largest object is 5 TB.
        const mb = requireNumberInRange(f.fileSizeMB, workload.fileSizeMB, 0, 5_000_000, true);
        const vcpu = stack.taskCpu / 1024;
        const cpuSeconds = (mb * 1e6) / bytesPerRow / (rowsPerSecondPerVcpu * vcpu);
        secondsPerFile = Math.max(cpuSeconds, s3ReadMBps === undefined ? 0 : mb / s3ReadMBps) + requestSecondsPerFile;
    } else {
        secondsPerFile = requireNumberInRange(f.secondsPerFile, workload.secondsPerFile as number, 0, 30 * 86400, true);
    }
    const minWorkers = requireIntegerInRange(f.minWorkers, workload.minWorkers ?? COST_DEFAULTS.minWorkers, 0, 1000);
    const maxWorkers = requireIntegerInRange(f.maxWorkers, workload.maxWorkers ?? COST_DEFAULTS.maxWorkers, 1, 1000);
    if (maxWorkers < minWorkers) {
        invalid(`${f.maxWorkers}`, maxWorkers, `is below ${f.minWorkers} (${minWorkers})`, `use a maximum of at least ${minWorkers}`);
    }
    const eksNodes = workload.eksNodes;
    const eksNodeHourlyUsd = workload.eksNodeHourlyUsd;
    if ((eksNodes === undefined) !== (eksNodeHourlyUsd === undefined)) {
        const [given, missing] = eksNodes === undefined ? [f.eksNodeHourlyUsd, f.eksNodes] : [f.eksNodes, f.eksNodeHourlyUsd];
        throw new ValidationError(`${given}: is set without ${missing}; set both to price KubernetesJobs on nodes, or neither for Fargate pods`);
    }
    const spotDiscount = requireNumberInRange(f.spotDiscount, workload.spotDiscount ?? prices.fargate.spotDiscount, 0, 0.9);
    const mbField = (field: string, v: number | undefined) => (v === undefined ? undefined : Math.round(requireNumberInRange(field, v, 0, 5_000_000, true) * 1e6));
    const aboveBytes = mbField(f.shardAboveMB, workload.shardAboveMB) ?? stack.sharding?.aboveBytes;
    const shardBytes = mbField(f.shardMB, workload.shardMB) ?? stack.sharding?.shardBytes ?? DEFAULT_SHARD_BYTES;
    const maxShards = workload.maxShards === undefined ? (stack.sharding?.maxShards ?? DEFAULT_MAX_SHARDS) : requireIntegerInRange(f.maxShards, workload.maxShards, 2, 1000);
    const sizeBytes = workload.fileSizeMB === undefined ? undefined : workload.fileSizeMB * 1e6;
    const shards = aboveBytes === undefined || sizeBytes === undefined || sizeBytes <= aboveBytes ? 1 : Math.max(1, Math.min(maxShards, Math.ceil(sizeBytes / shardBytes)));
    return {
        filesPerMonth: workload.filesPerMonth,
        fileSizeMB: workload.fileSizeMB,
        secondsPerFile,
        derived: workload.fileSizeMB !== undefined,
        rowsPerSecondPerVcpu,
        bytesPerRow,
        requestSecondsPerFile,
        s3ReadMBps,
        taskStartupSeconds: requireNumberInRange(f.taskStartupSeconds, workload.taskStartupSeconds ?? COST_DEFAULTS.taskStartupSeconds, 0, 3600),
        // EventBridge Scheduler's finest rate is one minute; a month is the longest period that still runs monthly.
        scheduleHours: requireNumberInRange(f.scheduleHours, workload.scheduleHours ?? COST_DEFAULTS.scheduleHours, 1 / 60, COST_HOURS_PER_MONTH),
        minWorkers,
        maxWorkers,
        pollWaitSeconds: requireIntegerInRange(f.pollWaitSeconds, workload.pollWaitSeconds ?? COST_DEFAULTS.pollWaitSeconds, 1, 20),
        scaleInSeconds: requireNumberInRange(f.scaleInSeconds, workload.scaleInSeconds ?? COST_DEFAULTS.scaleInSeconds, 0, 86400),
        lambdaMemoryMB: requireIntegerInRange(f.lambdaMemoryMB, workload.lambdaMemoryMB ?? COST_DEFAULTS.lambdaMemoryMB, 128, 10240),
        lambdaDurationMs: requireNumberInRange(f.lambdaDurationMs, workload.lambdaDurationMs ?? COST_DEFAULTS.lambdaDurationMs, 1, 900_000),
        lambdaArchitecture: validateCpuArchitecture(workload.lambdaArchitecture ?? COST_DEFAULTS.lambdaArchitecture, f.lambdaArchitecture),
        eksNodes: eksNodes === undefined ? undefined : requireIntegerInRange(f.eksNodes, eksNodes, 1, 1000),
        eksNodeHourlyUsd: eksNodeHourlyUsd === undefined ? undefined : requireNumberInRange(f.eksNodeHourlyUsd, eksNodeHourlyUsd, 0, 1000, true),
        spotDiscount,
        applyFreeTier: workload.applyFreeTier ?? COST_DEFAULTS.applyFreeTier,
        shards,
    };
}

// ---------------------------------------------------------------------------------------------
// Estimate
// ---------------------------------------------------------------------------------------------

export const COST_PATTERNS = ["UploadTrigger", "ScheduledTask", "QueueWorkerService", "LambdaTrigger", "KubernetesJobs"] as const;
export type CostPattern = (typeof COST_PATTERNS)[number];

/** One priced item of a pattern. */
export interface CostLine {
    item: string;
    quantity: number;
    /** Unit of `quantity`, e.g. "vCPU-h". */
    unit: string;
    /** USD per `priceUnit` units. */
    unitPrice: number;
    /** How many units `unitPrice` is for (1, 1,000 or 1,000,000). */
    priceUnit: number;
    /** Units not charged (free tier), already taken off `monthlyUsd`. */
    freeQuantity: number;
    monthlyUsd: number;
}

export interface PatternEstimate {
    pattern: CostPattern;
    /** One line saying how it works. */
    description: string;
    lines: CostLine[];
    totalUsd: number;
    /** From upload to result, in words with the figures. */
    latency: string;
    /** The same in a few words, for the summary table. */
    latencySummary: string;
    notes: string[];
}

export interface CostReport {
    stack: StackCostConfig;
    workload: ResolvedWorkload;
    /** Billed task seconds of one UploadTrigger file (all its shards' tasks when it is sharded). */
    taskSecondsPerFile: number;
    patterns: PatternEstimate[];
}

function line(item: string, quantity: number, unit: string, unitPrice: number, priceUnit = 1, free = 0): CostLine {
    const freeQuantity = Math.min(quantity, free);
    return { item, quantity, unit, unitPrice, priceUnit, freeQuantity, monthlyUsd: ((quantity - freeQuantity) * unitPrice) / priceUnit };
}

/**
 * The share of one-task RunTask calls' time priced at Spot: 1 only where AWS documents that every such
 * task runs on FARGATE_SPOT, else 0. Mixed weights have no documented share for one-task calls (see
 * SINGLE_TASK_WEIGHTS), so they are priced on demand, the upper bound, and the estimate's note gives
 * the all-Spot figure.
 * @param capacity the validated split.
 */
export function spotShareOfSingleTasks(capacity: Required<CapacitySplit>): number {
    return singleTaskPlacement(capacity) === "FARGATE_SPOT" ? 1 : 0;
}

/**
 * Spot seconds of a service running `taskSeconds` a month: the first `fargateBase` tasks run on
 * FARGATE, the rest split by weight.
 * @param taskSeconds task-seconds the service runs in a month.
 * @param capacity the validated split.
 */
export function spotSecondsOfService(taskSeconds: number, capacity: Required<CapacitySplit>): number {
    const base = Math.min(taskSeconds, capacity.fargateBase * SECONDS_PER_MONTH);
    const share = capacity.fargateSpotWeight / (capacity.fargateWeight + capacity.fargateSpotWeight);
    return (taskSeconds - base) * share;
}

/**
 * Billed seconds of one task or pod: startup plus work, rounded up to the second, at least a minute.
 * @param startupSeconds billed seconds before the work starts (image download onwards).
 * @param workSeconds seconds of work.
 */
export function billedTaskSeconds(startupSeconds: number, workSeconds: number): number {
    return Math.max(FARGATE_MINIMUM_BILLED_SECONDS, Math.ceil(startupSeconds + workSeconds));
}

/**
 * The Fargate size an EKS pod gets: the request plus 256 MiB, rounded up to the nearest valid combination.
 * @param cpu requested CPU units.
 * @param memoryMiB requested memory, MiB.
 */
export function eksFargatePodSize(cpu: number, memoryMiB: number): { cpu: number; memory: number } {
    const wantMemory = memoryMiB + EKS_FARGATE_POD_OVERHEAD_MIB;
    const cpus = Object.keys(FARGATE_SIZES).map(Number).sort((a, b) => a - b);
    for (const c of cpus) {
        if (c < cpu) {
            continue;
        }
        const m = FARGATE_SIZES[c].find((mem) => mem >= wantMemory);
        if (m !== undefined) {
            return { cpu: c, memory: m };
        }
    }
    return invalid("taskMemory", memoryMiB, `plus the ${EKS_FARGATE_POD_OVERHEAD_MIB} MiB EKS adds fits no Fargate pod size`, "use a smaller memory size");
}

interface ComputeUse {
    /** Task-seconds on on-demand capacity. */
    onDemandSeconds: number;
    /** Task-seconds on Spot capacity. */
    spotSeconds: number;
    cpu: number;
    memory: number;
    architecture: CpuArchitecture;
    ephemeralStorageGiB?: number;
    publicIp: boolean;
}

function fargateLines(use: ComputeUse, prices: RegionPrices, spotDiscount: number): CostLine[] {
    const rate = use.architecture === "ARM64" ? prices.fargate.arm : prices.fargate.x86;
    const arch = use.architecture === "ARM64" ? "ARM" : "x86";
    const vcpu = use.cpu / 1024;
    const gb = use.memory / 1024;
    const lines: CostLine[] = [];
    if (use.onDemandSeconds > 0 || use.spotSeconds === 0) {
        lines.push(
            line(`Fargate vCPU-hours, on-demand (${arch})`, (use.onDemandSeconds / 3600) * vcpu, "vCPU-h", rate.vcpuHour),
            line(`Fargate GB-hours, on-demand (${arch})`, (use.onDemandSeconds / 3600) * gb, "GB-h", rate.gbHour),
        );
    }
    if (use.spotSeconds > 0) {
        lines.push(
            line(`Fargate vCPU-hours, Spot (${arch}, ${Math.round(spotDiscount * 1000) / 10}% off)`, (use.spotSeconds / 3600) * vcpu, "vCPU-h", rate.vcpuHour * (1 - spotDiscount)),
            line(`Fargate GB-hours, Spot (${arch}, ${Math.round(spotDiscount * 1000) / 10}% off)`, (use.spotSeconds / 3600) * gb, "GB-h", rate.gbHour * (1 - spotDiscount)),
        );
    }
    const extraStorage = Math.max(0, (use.ephemeralStorageGiB ?? FARGATE_INCLUDED_STORAGE_GIB) - FARGATE_INCLUDED_STORAGE_GIB);
    if (extraStorage > 0) {
        lines.push(line(`Ephemeral storage above ${FARGATE_INCLUDED_STORAGE_GIB} GiB (${extraStorage} GiB)`, ((use.onDemandSeconds + use.spotSeconds) / 3600) * extraStorage, "GB-h", prices.fargate.ephemeralGbHour));
    }
    if (use.publicIp) {
        lines.push(line("Public IPv4 address while tasks run", (use.onDemandSeconds + use.spotSeconds) / 3600, "h", prices.publicIpv4Hour));
    }
    return lines;
}

function processorLogBytesPerFile(w: ResolvedWorkload): number {
    const progressLines = w.fileSizeMB === undefined ? 1 : Math.floor((w.fileSizeMB * 1e6) / PROCESSOR_LOG.progressEveryBytes) + 1;
    return PROCESSOR_LOG.fixedBytesPerFile + progressLines * PROCESSOR_LOG.progressLineBytes;
}

function logLines(ingestBytes: number, stack: StackCostConfig, prices: RegionPrices, freeTier: boolean): CostLine[] {
    const ingestGb = ingestBytes / 1e9;
    // Steady state once the retention period has passed: retention days' worth of logs, archived compressed.
    const storedGb = ingestGb * (stack.logRetentionDays / DAYS_PER_MONTH) * PROCESSOR_LOG.archiveRatio;
    return [
        line("CloudWatch Logs ingestion", ingestGb, "GB", prices.logs.ingestGb, 1, freeTier ? FREE_TIER.logsIngestGb : 0),
        line(`CloudWatch Logs storage (${stack.logRetentionDays}-day retention)`, storedGb, "GB-month", prices.logs.storageGbMonth),
    ];
}

function metricLine(metrics: number, activeHourFraction: number, prices: RegionPrices, freeTier: boolean): CostLine {
    return line(`CloudWatch custom metrics (EMF, ${metrics} metrics)`, metrics * Math.min(1, activeHourFraction), "metric-month", prices.metricMonth, 1, freeTier ? FREE_TIER.metrics : 0);
}

function s3Lines(files: number, listRequests: number, prices: RegionPrices): CostLine[] {
    return [
        line(`S3 PUT/LIST (status ×2, summary${listRequests > 0 ? ", listing" : ""})`, files * S3_REQUESTS_PER_FILE.put + listRequests, "requests", prices.s3.putPer1000, 1000),
        line("S3 GET (the file, the previous status)", files * S3_REQUESTS_PER_FILE.get, "requests", prices.s3.getPer1000, 1000),
    ];
}

function total(lines: readonly CostLine[]): number {
    return lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
}

function seconds(n: number): string {
    if (n < 10) {
        return `${Math.round(n * 10) / 10} s`;
    }
    if (n < 600) {
        return `${Math.round(n)} s`;
    }
    if (n < 36000) {
        return `${Math.round(n / 6) / 10} min`;
    }
    return `${Math.round(n / 360) / 10} h`;
}

/** Bytes per ranged GET of a shard (s3-reader.ts's default part). */
export const SHARD_RANGE_GET_MIB = 8;
/** How often the coordinator looks at its shards (app/src/processor/shard.ts, with the default SHARD_STALE_MS). */
export const SHARD_WATCH_SECONDS = 1;

/**
 * One file of UploadTrigger in its shards: n tasks each working 1/n of the file; the coordinator
 * also waits one task start for the last shard to start. S3 requests per file: per shard about
 * 6 PUTs (launch, heartbeat, partial, done, failed/merge markers) and 3 GETs, a ranged GET per 8 MiB,
 * and one LIST and one GET per coordinator look.
 */
function uploadShards(w: ResolvedWorkload): { shards: number; taskSeconds: number; shardWorkSeconds: number; shardTaskSeconds: number; coordinatorSeconds: number; putAndList: number; gets: number } {
    const n = w.shards;
    if (n <= 1) {
        const taskSeconds = billedTaskSeconds(w.taskStartupSeconds, w.secondsPerFile);
        return { shards: 1, taskSeconds, shardWorkSeconds: w.secondsPerFile, shardTaskSeconds: taskSeconds, coordinatorSeconds: taskSeconds, putAndList: 0, gets: 0 };
    }
    const shardWorkSeconds = (w.secondsPerFile - w.requestSecondsPerFile) / n + w.requestSecondsPerFile;
    const shardTaskSeconds = billedTaskSeconds(w.taskStartupSeconds, shardWorkSeconds);
    const coordinatorSeconds = billedTaskSeconds(w.taskStartupSeconds, w.taskStartupSeconds + shardWorkSeconds);
    const looks = Math.ceil((w.taskStartupSeconds + shardWorkSeconds) / SHARD_WATCH_SECONDS);
    const rangedGets = Math.ceil(((w.fileSizeMB ?? 0) * 1e6) / (SHARD_RANGE_GET_MIB * 1_048_576));
    return {
        shards: n,
        taskSeconds: coordinatorSeconds + (n - 1) * shardTaskSeconds,
        shardWorkSeconds,
        shardTaskSeconds,
        coordinatorSeconds,
        putAndList: 6 * n + 2 * looks,
        gets: 3 * n + rangedGets + looks,
    };
}

/**
 * Estimates the monthly cost of every pattern for a stack and a workload.
 * @param stack the stack's configuration (see {@link stackCostConfig}).
 * @param workload files per month, their size or processing time, and the assumptions.
 * @param fields names for workload fields in error messages. @default the property names
 */
export function estimateCosts(stack: StackCostConfig, workload: CostWorkload, fields: Partial<CostWorkloadFields> = {}): CostReport {
    const prices = pricesFor(stack.region);
    const w = resolveWorkload(workload, stack, fields);
    const f: CostWorkloadFields = { ...DEFAULT_FIELDS, ...fields };
    const files = w.filesPerMonth;
    const free = w.applyFreeTier;
    const filesPerHour = files / COST_HOURS_PER_MONTH;
    // With uniform (Poisson) arrivals, the share of hours in which at least one file finishes.
    const activeHours = 1 - Math.exp(-filesPerHour);
    const logBytesPerFile = processorLogBytesPerFile(w);
    const s3EventsPerFile = 1 + OBJECTS_WRITTEN_PER_FILE + (stack.expireUploadsAfterDays === false ? 0 : 1);
    const base = { cpu: stack.taskCpu, memory: stack.taskMemory, architecture: stack.cpuArchitecture, ephemeralStorageGiB: stack.ephemeralStorageGiB, publicIp: stack.assignPublicIp };
    const taskSeconds = billedTaskSeconds(w.taskStartupSeconds, w.secondsPerFile);
    const work = seconds(w.secondsPerFile);
    const split = `fargateBase ${stack.capacity.fargateBase}, weights ${stack.capacity.fargateWeight}:${stack.capacity.fargateSpotWeight}`;
    const spotNote = (share: number) =>
        share > 0
            ? `${Math.round(share * 1000) / 10}% of task time on FARGATE_SPOT (${split}); an interrupted task is re-run from the start (not priced).`
            : `All task time on FARGATE (${split}).`;
    /** Fargate lines and the capacity note for `seconds_` of one-task RunTask calls (uploads, scheduled runs). */
    const singleTasks = (seconds_: number): { lines: CostLine[]; note: string } => {
        const priced = (spotShare: number) => fargateLines({ ...base, onDemandSeconds: seconds_ * (1 - spotShare), spotSeconds: seconds_ * spotShare }, prices, w.spotDiscount);
        const lines = priced(spotShareOfSingleTasks(stack.capacity));
        if (singleTaskPlacement(stack.capacity) !== "unspecified") {
            return { lines, note: spotNote(spotShareOfSingleTasks(stack.capacity)) };
        }
        return {
            lines,
            note:
                `Priced all on FARGATE, the upper bound: with ${split}, where each task lands is not documented. ${SINGLE_TASK_WEIGHTS} ` +
                `All on FARGATE_SPOT, these Fargate lines would cost $${formatUsd(total(priced(1)))} instead of $${formatUsd(total(lines))}.`,
        };
    };

    // Batch runs (ScheduledTask, KubernetesJobs).
    const runs = COST_HOURS_PER_MONTH / w.scheduleHours;
    const filesPerRun = files / runs;
    const runWorkSeconds = filesPerRun * w.secondsPerFile;
    const runSeconds = billedTaskSeconds(w.taskStartupSeconds, runWorkSeconds);
    const retained = stack.expireUploadsAfterDays === false ? files : (files * stack.expireUploadsAfterDays) / DAYS_PER_MONTH;
    const listRequests = runs * Math.max(1, Math.ceil(retained / 1000));
    const runActiveHours = (runs * Math.ceil(runSeconds / 3600)) / COST_HOURS_PER_MONTH;
    const runNotes: string[] = [];
    if (runWorkSeconds + w.taskStartupSeconds > w.scheduleHours * 3600) {
        runNotes.push(`A run needs ${seconds(runWorkSeconds + w.taskStartupSeconds)}, longer than the ${w.scheduleHours} h period: runs overlap; shard the files over several tasks.`);
    }

    // The per-upload task shards a large file (UploadTrigger, and LambdaTrigger, which starts the same task).
    const sharded = uploadShards(w);
    const upload: PatternEstimate = (() => {
        const compute = singleTasks(files * sharded.taskSeconds);
        const lines = [
            ...compute.lines,
            line(`EventBridge S3 events (${s3EventsPerFile} per file: upload, 3 result writes${stack.expireUploadsAfterDays === false ? "" : ", expiry"})`, files * s3EventsPerFile, "events", prices.eventBridgeEventPerMillion, 1e6),
            ...s3Lines(files, 0, prices),
            ...(sharded.shards > 1
                ? [
                      line(`S3 PUT/LIST of the shards (markers, partials, the coordinator's polling)`, files * sharded.putAndList, "requests", prices.s3.putPer1000, 1000),
                      line(`S3 GET of the shards (${SHARD_RANGE_GET_MIB} MiB ranged reads, partials, done markers)`, files * sharded.gets, "requests", prices.s3.getPer1000, 1000),
                  ]
                : []),
            ...logLines(files * logBytesPerFile, stack, prices, free),
            metricLine(PROCESSOR_METRICS_PER_FILE, activeHours, prices, free),
        ];
        return {
            pattern: "UploadTrigger",
            description: "S3 → EventBridge rule → ECS RunTask: one Fargate task per file",
            lines,
            totalUsd: total(lines),
            latencySummary: sharded.shards > 1 ? `~60–120 s + ${seconds(sharded.shardWorkSeconds)} (${sharded.shards} shards)` : `~30–60 s + ${work}`,
            latency:
                sharded.shards > 1
                    ? `Seconds for S3 → EventBridge, then the coordinator starts in ~30–60 s, starts ${sharded.shards - 1} shard tasks (another ~30–60 s each, in parallel) and every shard works ${seconds(sharded.shardWorkSeconds)}: about 60–120 s + ${seconds(sharded.shardWorkSeconds)} per file instead of 30–60 s + ${work}.`
                    : `Seconds for S3 → EventBridge, then the task starts in ~30–60 s (ENI, image pull) and works ${work}: about 30–60 s + ${work} per file, every file in parallel.`,
            notes: [
                sharded.shards > 1
                    ? `Each file runs in ${sharded.shards} byte-range shards (docs/sharding.md): ${sharded.shards} tasks billed ${seconds(sharded.taskSeconds)} in all (${sharded.shards - 1} × ${seconds(sharded.shardTaskSeconds)}, and the coordinator ${seconds(sharded.coordinatorSeconds)}: it waits one task start for the last shard), against ${taskSeconds} s for one task.`
                    : `Each task is billed ${taskSeconds} s (${w.taskStartupSeconds} s startup + ${work} work, minimum ${FARGATE_MINIMUM_BILLED_SECONDS} s).`,
                compute.note,
                "ECS RunTask and the rule's ECS target cost nothing extra; task state-change events (failure alerts) are free AWS management events.",
            ],
        };
    })();

    const scheduled: PatternEstimate = (() => {
        const compute = singleTasks(runs * runSeconds);
        const lines = [
            ...compute.lines,
            line("EventBridge Scheduler invocations", runs, "invocations", prices.schedulerInvocationPerMillion, 1e6, free ? FREE_TIER.schedulerInvocations : 0),
            ...s3Lines(files, listRequests, prices),
            ...logLines(files * logBytesPerFile + runs * PROCESSOR_LOG.runBytes, stack, prices, free),
            metricLine(PROCESSOR_METRICS_PER_FILE + BATCH_RUN_METRICS, runActiveHours, prices, free),
        ];
        return {
            pattern: "ScheduledTask",
            description: `EventBridge Scheduler → one batch task every ${w.scheduleHours} h that processes every new file`,
            lines,
            totalUsd: total(lines),
            latencySummary: `up to ${w.scheduleHours} h (next run) + ~30–60 s + the batch`,
            latency: `A file waits for the next run: up to ${w.scheduleHours} h (${w.scheduleHours / 2} h on average), then ~30–60 s task start and the batch (${seconds(runWorkSeconds)} for ${Math.round(filesPerRun * 10) / 10} files).`,
            notes: [
                `${Math.round(runs * 100) / 100} runs a month of ${Math.round(filesPerRun * 10) / 10} files, each billed ${seconds(runSeconds)}.`,
                compute.note,
                `Listing: ${Math.max(1, Math.ceil(retained / 1000))} ListObjectsV2 page(s) per run over ~${Math.round(retained)} retained uploads${stack.expireUploadsAfterDays === false ? " (uploads never expire, so this grows every month)" : ""}.`,
                "No S3 → EventBridge events are needed; if the bucket sends them anyway, add UploadTrigger's EventBridge line.",
                ...runNotes,
            ],
        };
    })();

    const queue: PatternEstimate = (() => {
        const workSeconds = files * w.secondsPerFile;
        if (workSeconds > w.maxWorkers * SECONDS_PER_MONTH) {
            invalid(
                f.maxWorkers,
                w.maxWorkers,
                `is too few workers for ${files} files of ${seconds(w.secondsPerFile)} (${Math.round((workSeconds / SECONDS_PER_MONTH) * 100) / 100} workers busy all month)`,
                `use at least ${Math.ceil(workSeconds / SECONDS_PER_MONTH)}, or fewer or faster files`,
            );
        }
        const lifetime = w.taskStartupSeconds + w.secondsPerFile + w.scaleInSeconds;
        const taskSeconds_ = Math.max(workSeconds, w.minWorkers * SECONDS_PER_MONTH, Math.min(files * lifetime, SECONDS_PER_MONTH));
        const spot = spotSecondsOfService(taskSeconds_, stack.capacity);
        const idleSeconds = taskSeconds_ - workSeconds;
        const emptyReceives = idleSeconds / w.pollWaitSeconds;
        const lines = [
            ...fargateLines({ ...base, onDemandSeconds: taskSeconds_ - spot, spotSeconds: spot }, prices, w.spotDiscount),
            line(`EventBridge S3 events (${s3EventsPerFile} per file, rule → SQS)`, files * s3EventsPerFile, "events", prices.eventBridgeEventPerMillion, 1e6),
            line("SQS requests: send, receive, delete per file", files * 3, "requests", prices.sqsRequestPerMillion, 1e6, free ? FREE_TIER.sqsRequests : 0),
            line(`SQS empty receives (${w.pollWaitSeconds} s long polls by idle workers)`, emptyReceives, "requests", prices.sqsRequestPerMillion, 1e6, free ? Math.max(0, FREE_TIER.sqsRequests - files * 3) : 0),
            ...s3Lines(files, 0, prices),
            ...logLines(files * logBytesPerFile + (taskSeconds_ / SECONDS_PER_MONTH) * PROCESSOR_LOG.runBytes, stack, prices, free),
            metricLine(PROCESSOR_METRICS_PER_FILE, activeHours, prices, free),
        ];
        return {
            pattern: "QueueWorkerService",
            description: `S3 → EventBridge → SQS → ECS service of ${w.minWorkers}–${w.maxWorkers} long-polling workers`,
            lines,
            totalUsd: total(lines),
            latencySummary: w.minWorkers > 0 ? `~1 s + ${work} (idle worker waiting)` : `~1.5–2 min scale-out after a quiet spell, then ~1 s + ${work}`,
            latency:
                w.minWorkers > 0
                    ? `With a worker idle: about a second (long poll returns at once) + ${work}. Bursts beyond the running workers wait for scale-out: a minute of alarm plus ~30–60 s task start.`
                    : `Scaled to zero: the first file after a quiet spell waits for scale-out (a minute of alarm + ~30–60 s task start); later files about a second + ${work}.`,
            notes: [
                `${Math.round((taskSeconds_ / 3600) * 10) / 10} task-hours (${Math.round((taskSeconds_ / SECONDS_PER_MONTH) * 100) / 100} running on average): the largest of the work (${Math.round((workSeconds / 3600) * 10) / 10} h), ${w.minWorkers} always-on worker(s) × 730 h, and — for files arriving at an idle service — one task per file kept ${seconds(w.scaleInSeconds)} until scale-in.`,
                spotNote(taskSeconds_ > 0 ? spot / taskSeconds_ : 0),
                "S3 event notifications straight to SQS would remove the EventBridge line.",
            ],
        };
    })();

    const lambda: PatternEstimate = (() => {
        const compute = singleTasks(files * sharded.taskSeconds);
        const gbSeconds = files * (w.lambdaDurationMs / 1000) * (w.lambdaMemoryMB / 1024);
        const gbSecondPrice = w.lambdaArchitecture === "ARM64" ? prices.lambda.gbSecondArm : prices.lambda.gbSecondX86;
        const lines = [
            ...compute.lines,
            line("Lambda requests", files, "requests", prices.lambda.requestPerMillion, 1e6, free ? FREE_TIER.lambdaRequests : 0),
            line(`Lambda duration (${w.lambdaMemoryMB} MB × ${w.lambdaDurationMs} ms, ${w.lambdaArchitecture === "ARM64" ? "Arm" : "x86"})`, gbSeconds, "GB-s", gbSecondPrice, 1, free ? FREE_TIER.lambdaGbSeconds : 0),
            ...s3Lines(files, 0, prices),
            ...logLines(files * (logBytesPerFile + PROCESSOR_LOG.lambdaBytesPerInvocation), stack, prices, free),
            metricLine(PROCESSOR_METRICS_PER_FILE, activeHours, prices, free),
        ];
        return {
            pattern: "LambdaTrigger",
            description: "S3 event notification → Lambda → ECS RunTask: one Fargate task per file",
            lines,
            totalUsd: total(lines),
            latencySummary: `~1 s + ~30–60 s + ${work}`,
            latency: `S3 notification and Lambda in about a second (cold start included), then as UploadTrigger: ~30–60 s task start + ${work}.`,
            notes: [
                sharded.shards > 1 ? `Each file is billed ${seconds(sharded.taskSeconds)} of tasks in ${sharded.shards} shards, as UploadTrigger.` : `Each task is billed ${taskSeconds} s, as UploadTrigger.`,
                compute.note,
                "S3 event notifications to Lambda are free; no EventBridge charge.",
            ],
        };
    })();

    const kubernetes: PatternEstimate = (() => {
        const control = line("EKS control plane (standard support)", COST_HOURS_PER_MONTH, "cluster-h", prices.eksClusterHour);
        let compute: CostLine[];
        let computeNote: string;
        if (w.eksNodes !== undefined && w.eksNodeHourlyUsd !== undefined) {
            compute = [line(`Worker nodes (${w.eksNodes}, always on)`, w.eksNodes * COST_HOURS_PER_MONTH, "node-h", w.eksNodeHourlyUsd)];
            computeNote = `Nodes priced at the given $${w.eksNodeHourlyUsd} per node-hour; their EBS volumes and capacity for the batch are not checked.`;
        } else {
            const pod = eksFargatePodSize(stack.taskCpu, stack.taskMemory);
            compute = fargateLines(
                { cpu: pod.cpu, memory: pod.memory, architecture: "X86_64", ephemeralStorageGiB: stack.ephemeralStorageGiB, publicIp: false, onDemandSeconds: runs * runSeconds, spotSeconds: 0 },
                prices,
                0,
            );
            computeNote = `Fargate pod ${pod.cpu / 1024} vCPU / ${pod.memory / 1024} GB: the request (${stack.taskCpu / 1024} vCPU / ${stack.taskMemory / 1024} GB) plus ${EKS_FARGATE_POD_OVERHEAD_MIB} MiB, rounded up. EKS Fargate has no Spot and no ARM, so x86 on-demand.`;
        }
        const lines = [
            control,
            ...compute,
            ...s3Lines(files, listRequests, prices),
            ...logLines(files * logBytesPerFile + runs * PROCESSOR_LOG.runBytes, stack, prices, free),
            metricLine(PROCESSOR_METRICS_PER_FILE + BATCH_RUN_METRICS, runActiveHours, prices, free),
        ];
        return {
            pattern: "KubernetesJobs",
            description: `EKS CronJob every ${w.scheduleHours} h, a Job that processes every new file`,
            lines,
            totalUsd: total(lines),
            latencySummary: `up to ${w.scheduleHours} h (next run) + pod start + the batch`,
            latency: `As ScheduledTask: up to ${w.scheduleHours} h until the next run; a Fargate pod starts in ~60 s or more, a pod on a running node in seconds once the image is cached.`,
            notes: [
                computeNote,
                "Fargate pods run in private subnets: a NAT gateway or VPC endpoints (not priced here) are needed to reach S3, ECR and CloudWatch.",
                ...runNotes,
            ],
        };
    })();

    return { stack, workload: w, taskSecondsPerFile: sharded.taskSeconds, patterns: [upload, scheduled, queue, lambda, kubernetes] };
}

// ---------------------------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------------------------

function num(n: number, maxDecimals = 2): string {
    return n.toLocaleString("en-US", { maximumFractionDigits: maxDecimals });
}

/**
 * USD with cents; amounts that round to zero but are not zero show as "< 0.01".
 * @param n an amount in USD.
 */
export function formatUsd(n: number): string {
    if (n > 0 && n < 0.005) {
        return "< 0.01";
    }
    return n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
}

const SINGULAR: Readonly<Record<string, string>> = { requests: "request", events: "event", invocations: "invocation" };

function unitPrice(l: CostLine): string {
    const per = l.priceUnit === 1 ? (SINGULAR[l.unit] ?? l.unit) : l.priceUnit === 1000 ? "1,000" : "1M";
    return `${num(l.unitPrice, 10)} / ${per}`;
}

/**
 * The report as markdown: a summary table, then one table per pattern with its latency and notes.
 * @param report what {@link estimateCosts} returned.
 * @param title the heading. @default "Monthly cost by pattern"
 */
export function renderCostMarkdown(report: CostReport, title?: string): string {
    const { stack: s, workload: w } = report;
    const out: string[] = [];
    out.push(`## ${title ?? "Monthly cost by pattern"}`, "");
    const storage = s.ephemeralStorageGiB === undefined ? "20 GiB storage (included)" : `${s.ephemeralStorageGiB} GiB storage`;
    out.push(
        `Stack: ${s.region}, task ${s.taskCpu / 1024} vCPU / ${s.taskMemory / 1024} GB ${s.cpuArchitecture}, ${storage}, ` +
            `capacity base ${s.capacity.fargateBase} / FARGATE ${s.capacity.fargateWeight} : FARGATE_SPOT ${s.capacity.fargateSpotWeight}, ` +
            `logs kept ${s.logRetentionDays} days, public IP ${s.assignPublicIp ? "on" : "off"}.`,
        "",
    );
    const read = w.s3ReadMBps === undefined ? "CPU-bound: S3 read speed is not modelled; give --s3-read-mbps or a measured --seconds-per-file" : `or S3 read at ${num(w.s3ReadMBps)} MB/s if slower`;
    const size = w.derived
        ? `${num(w.fileSizeMB ?? 0)} MB files → ${num(w.secondsPerFile, 1)} s of processing each (${num(((w.fileSizeMB ?? 0) * 1e6) / w.bytesPerRow, 0)} rows at ${num(w.bytesPerRow)} bytes/row, ${num(w.rowsPerSecondPerVcpu / 1e6)} M rows/s per vCPU × ${s.taskCpu / 1024} vCPU, + ${w.requestSecondsPerFile} s of S3 requests; ${read})`
        : `${num(w.secondsPerFile, 1)} s of processing per file (measured, given)`;
    out.push(
        `Workload: ${num(w.filesPerMonth)} files/month, ${size}; ${w.taskStartupSeconds} s billed startup per task; ` +
            `schedule every ${w.scheduleHours} h; workers ${w.minWorkers}–${w.maxWorkers}; free tier ${w.applyFreeTier ? "applied" : "not applied"}; USD, 730 h/month.`,
        "",
    );
    out.push("| Pattern | USD / month | Upload → result |", "|---|---:|---|");
    for (const p of report.patterns) {
        out.push(`| ${p.pattern} | ${formatUsd(p.totalUsd)} | ${p.latencySummary} |`);
    }
    out.push("");
    for (const p of report.patterns) {
        out.push(`### ${p.pattern} — ${p.description}`, "");
        out.push("| Item | Quantity | Unit price (USD) | USD / month |", "|---|---:|---:|---:|");
        for (const l of p.lines) {
            const quantity = `${num(l.quantity, l.quantity < 10 ? 4 : 2)} ${l.unit}${l.freeQuantity > 0 ? ` (${num(l.freeQuantity, 2)} free)` : ""}`;
            out.push(`| ${l.item} | ${quantity} | ${unitPrice(l)} | ${formatUsd(l.monthlyUsd)} |`);
        }
        out.push(`| **Total** | | | **${formatUsd(p.totalUsd)}** |`, "");
        out.push(`Latency: ${p.latency}`, "");
        for (const n of p.notes) {
            out.push(`- ${n}`);
        }
        out.push("");
    }
    out.push(
        "Not included: S3 storage and data transfer, ECR image storage, NAT gateways, Container Insights, CloudWatch alarms, SNS/Slack notifications, retries and Spot re-runs, Savings Plans.",
        "",
        `Prices taken ${PRICES_TAKEN}:`,
        "",
        ...PRICE_SOURCES.map((src) => `- ${src}`),
        "",
    );
    return out.join("\n");
}
