/** The cost model's inputs: what it reads from a stack's configuration, and the workload, validated with defaults. */
import { CapacitySplit, capacityProviderStrategy } from "../../components/builders/capacity";
import { PROJECT } from "../../components/builders/contracts";
import { CpuArchitecture, validateCpuArchitecture, validateEphemeralStorage, validateFargateSize } from "../../components/builders/fargate";
import { DEFAULT_LOG_RETENTION_DAYS, validateRetention } from "../../components/builders/retention";
import { ValidationError, invalid, requireIntegerInRange } from "../../components/builders/validation";
import { DEFAULT_MAX_SHARDS, DEFAULT_SHARD_BYTES, validateSharding } from "../../components/builders/sharding";
import { COST_HOURS_PER_MONTH, PRICED_REGIONS, pricesFor } from "./prices";

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
export const CONFIG_PROJECT = PROJECT;

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
 * task ARN from the metadata endpoint (tests/cost-measured.test.ts repeats the measurement).
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

export const DEFAULT_FIELDS: CostWorkloadFields = {
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
