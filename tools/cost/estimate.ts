/** The monthly estimate of each pattern, line by line. */
import { CapacitySplit, SINGLE_TASK_WEIGHTS, singleTaskPlacement } from "../../components/builders/capacity";
import { CpuArchitecture, FARGATE_SIZES } from "../../components/builders/fargate";
import { invalid } from "../../components/builders/validation";
import { RANGED_READ, rangedReadGets } from "../../components/builders/contracts";
import { BATCH_RUN_METRICS, CostWorkload, CostWorkloadFields, DEFAULT_FIELDS, OBJECTS_WRITTEN_PER_FILE, PROCESSOR_LOG, PROCESSOR_METRICS_PER_FILE, ResolvedWorkload, S3_REQUESTS_PER_FILE, StackCostConfig, resolveWorkload } from "./workload";
import { formatUsd } from "./markdown";
import { COST_HOURS_PER_MONTH, DAYS_PER_MONTH, EKS_FARGATE_POD_OVERHEAD_MIB, FARGATE_INCLUDED_STORAGE_GIB, FARGATE_MINIMUM_BILLED_SECONDS, FREE_TIER, RegionPrices, SECONDS_PER_MONTH, pricesFor } from "./prices";

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

/**
 * Ranged GETs per file a task adds when it reads a whole file of at least RANGED_READ.minBytes (app/src/processor/job.ts;
 * rangedReadGets: parts of up to 8 MiB); 0 for a smaller file. With SUMMARY_PARALLELISM above 1, each range of a thread
 * adds one or two small GETs (its first record's guess, the record that straddles its end), not counted here: at
 * $0.0004 per 1,000 GETs, a few cents per million files.
 */
export function rangedGetsPerFile(w: ResolvedWorkload, stack: StackCostConfig): number {
    return rangedReadGets((w.fileSizeMB ?? 0) * 1e6, stack.taskCpu / 1024);
}

/** `rangedGets`: per file (rangedGetsPerFile; 0 where shards read the file, which their own line counts). */
function s3Lines(files: number, listRequests: number, prices: RegionPrices, rangedGets: number): CostLine[] {
    const what = rangedGets > 0 ? `the file in ${RANGED_READ.partBytes / 1_048_576} MiB ranged parts, the previous status` : "the file, the previous status";
    return [
        line(`S3 PUT/LIST (status ×2, summary${listRequests > 0 ? ", listing" : ""})`, files * S3_REQUESTS_PER_FILE.put + listRequests, "requests", prices.s3.putPer1000, 1000),
        line(`S3 GET (${what})`, files * (S3_REQUESTS_PER_FILE.get + rangedGets), "requests", prices.s3.getPer1000, 1000),
    ];
}

function total(lines: readonly CostLine[]): number {
    return lines.reduce((sum, l) => sum + l.monthlyUsd, 0);
}

/** A pattern's estimate from what is said of it and its cost lines, whose sum is its total. */
function estimate(words: Omit<PatternEstimate, "lines" | "totalUsd">, lines: CostLine[]): PatternEstimate {
    return { ...words, lines, totalUsd: total(lines) };
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
export const SHARD_RANGE_GET_MIB = RANGED_READ.partBytes / 1_048_576;
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
    const rangedGets = rangedGetsPerFile(w, stack);
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
        return estimate(
            {
                pattern: "UploadTrigger",
                description: "S3 → EventBridge rule → ECS RunTask: one Fargate task per file",
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
            },
            [
                ...compute.lines,
                line(`EventBridge S3 events (${s3EventsPerFile} per file: upload, 3 result writes${stack.expireUploadsAfterDays === false ? "" : ", expiry"})`, files * s3EventsPerFile, "events", prices.eventBridgeEventPerMillion, 1e6),
                ...s3Lines(files, 0, prices, sharded.shards > 1 ? 0 : rangedGets),
                ...(sharded.shards > 1
                    ? [
                          line(`S3 PUT/LIST of the shards (markers, partials, the coordinator's polling)`, files * sharded.putAndList, "requests", prices.s3.putPer1000, 1000),
                          line(`S3 GET of the shards (${SHARD_RANGE_GET_MIB} MiB ranged reads, partials, done markers)`, files * sharded.gets, "requests", prices.s3.getPer1000, 1000),
                      ]
                    : []),
                ...logLines(files * logBytesPerFile, stack, prices, free),
                metricLine(PROCESSOR_METRICS_PER_FILE, activeHours, prices, free),
            ],
        );
    })();

    const scheduled: PatternEstimate = (() => {
        const compute = singleTasks(runs * runSeconds);
        return estimate(
            {
                pattern: "ScheduledTask",
                description: `EventBridge Scheduler → one batch task every ${w.scheduleHours} h that processes every new file`,
                latencySummary: `up to ${w.scheduleHours} h (next run) + ~30–60 s + the batch`,
                latency: `A file waits for the next run: up to ${w.scheduleHours} h (${w.scheduleHours / 2} h on average), then ~30–60 s task start and the batch (${seconds(runWorkSeconds)} for ${Math.round(filesPerRun * 10) / 10} files).`,
                notes: [
                    `${Math.round(runs * 100) / 100} runs a month of ${Math.round(filesPerRun * 10) / 10} files, each billed ${seconds(runSeconds)}.`,
                    compute.note,
                    `Listing: ${Math.max(1, Math.ceil(retained / 1000))} ListObjectsV2 page(s) per run over ~${Math.round(retained)} retained uploads${stack.expireUploadsAfterDays === false ? " (uploads never expire, so this grows every month)" : ""}.`,
                    "No S3 → EventBridge events are needed; if the bucket sends them anyway, add UploadTrigger's EventBridge line.",
                    ...runNotes,
                ],
            },
            [
                ...compute.lines,
                line("EventBridge Scheduler invocations", runs, "invocations", prices.schedulerInvocationPerMillion, 1e6, free ? FREE_TIER.schedulerInvocations : 0),
                ...s3Lines(files, listRequests, prices, rangedGets),
                ...logLines(files * logBytesPerFile + runs * PROCESSOR_LOG.runBytes, stack, prices, free),
                metricLine(PROCESSOR_METRICS_PER_FILE + BATCH_RUN_METRICS, runActiveHours, prices, free),
            ],
        );
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
        return estimate(
            {
                pattern: "QueueWorkerService",
                description: `S3 → EventBridge → SQS → ECS service of ${w.minWorkers}–${w.maxWorkers} long-polling workers`,
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
            },
            [
                ...fargateLines({ ...base, onDemandSeconds: taskSeconds_ - spot, spotSeconds: spot }, prices, w.spotDiscount),
                line(`EventBridge S3 events (${s3EventsPerFile} per file, rule → SQS)`, files * s3EventsPerFile, "events", prices.eventBridgeEventPerMillion, 1e6),
                line("SQS requests: send, receive, delete per file", files * 3, "requests", prices.sqsRequestPerMillion, 1e6, free ? FREE_TIER.sqsRequests : 0),
                line(`SQS empty receives (${w.pollWaitSeconds} s long polls by idle workers)`, emptyReceives, "requests", prices.sqsRequestPerMillion, 1e6, free ? Math.max(0, FREE_TIER.sqsRequests - files * 3) : 0),
                ...s3Lines(files, 0, prices, rangedGets),
                ...logLines(files * logBytesPerFile + (taskSeconds_ / SECONDS_PER_MONTH) * PROCESSOR_LOG.runBytes, stack, prices, free),
                metricLine(PROCESSOR_METRICS_PER_FILE, activeHours, prices, free),
            ],
        );
    })();

    const lambda: PatternEstimate = (() => {
        const compute = singleTasks(files * sharded.taskSeconds);
        const gbSeconds = files * (w.lambdaDurationMs / 1000) * (w.lambdaMemoryMB / 1024);
        const gbSecondPrice = w.lambdaArchitecture === "ARM64" ? prices.lambda.gbSecondArm : prices.lambda.gbSecondX86;
        return estimate(
            {
                pattern: "LambdaTrigger",
                description: "S3 event notification → Lambda → ECS RunTask: one Fargate task per file",
                latencySummary: `~1 s + ~30–60 s + ${work}`,
                latency: `S3 notification and Lambda in about a second (cold start included), then as UploadTrigger: ~30–60 s task start + ${work}.`,
                notes: [
                    sharded.shards > 1 ? `Each file is billed ${seconds(sharded.taskSeconds)} of tasks in ${sharded.shards} shards, as UploadTrigger.` : `Each task is billed ${taskSeconds} s, as UploadTrigger.`,
                    compute.note,
                    "S3 event notifications to Lambda are free; no EventBridge charge.",
                ],
            },
            [
                ...compute.lines,
                line("Lambda requests", files, "requests", prices.lambda.requestPerMillion, 1e6, free ? FREE_TIER.lambdaRequests : 0),
                line(`Lambda duration (${w.lambdaMemoryMB} MB × ${w.lambdaDurationMs} ms, ${w.lambdaArchitecture === "ARM64" ? "Arm" : "x86"})`, gbSeconds, "GB-s", gbSecondPrice, 1, free ? FREE_TIER.lambdaGbSeconds : 0),
                ...s3Lines(files, 0, prices, rangedGets),
                ...logLines(files * (logBytesPerFile + PROCESSOR_LOG.lambdaBytesPerInvocation), stack, prices, free),
                metricLine(PROCESSOR_METRICS_PER_FILE, activeHours, prices, free),
            ],
        );
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
        return estimate(
            {
                pattern: "KubernetesJobs",
                description: `EKS CronJob every ${w.scheduleHours} h, a Job that processes every new file`,
                latencySummary: `up to ${w.scheduleHours} h (next run) + pod start + the batch`,
                latency: `As ScheduledTask: up to ${w.scheduleHours} h until the next run; a Fargate pod starts in ~60 s or more, a pod on a running node in seconds once the image is cached.`,
                notes: [
                    computeNote,
                    "Fargate pods run in private subnets: a NAT gateway or VPC endpoints (not priced here) are needed to reach S3, ECR and CloudWatch.",
                    ...runNotes,
                ],
            },
            [
                control,
                ...compute,
                ...s3Lines(files, listRequests, prices, rangedGets),
                ...logLines(files * logBytesPerFile + runs * PROCESSOR_LOG.runBytes, stack, prices, free),
                metricLine(PROCESSOR_METRICS_PER_FILE + BATCH_RUN_METRICS, runActiveHours, prices, free),
            ],
        );
    })();

    return { stack, workload: w, taskSecondsPerFile: sharded.taskSeconds, patterns: [upload, scheduled, queue, lambda, kubernetes] };
}
