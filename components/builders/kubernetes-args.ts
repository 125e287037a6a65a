/**
 * The Kubernetes jobs' arguments, validated: Job and CronJob options, cron schedules and time zones,
 * Kubernetes names, pod sizes.
 */
import { STOP_TIMEOUT_SECONDS } from "./fargate";
import { invalid, requireIntegerInRange, requireOneOf } from "./validation";

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

/**
 * How each Job runs: one pass over the upload prefix, optionally split into shards. The cross-language
 * components take this very type (as `JobSettings`), so each default is stated in the text, as "Default: …".
 */
export interface JobOptions {
    /**
     * Split the files between this many pods: an Indexed Job with one completion per shard; each pod gets
     * `BATCH_SHARD_COUNT` and Kubernetes' `JOB_COMPLETION_INDEX` (its shard). 1–1000. Default: no sharding: one
     * pod processes every file.
     */
    shards?: number;
    /** Pods running at once. With `shards`, capped at the shard count. Default: the shard count with `shards`, else 1. */
    parallelism?: number;
    /**
     * Successful pods needed without `shards` (each one is a full pass; files already processed for their ETag
     * are skipped). With `shards` it is the shard count and may only repeat it. 1–1000. Default: 1.
     */
    completions?: number;
    /** Failed pods retried before the Job fails (per shard with `shards`, as `backoffLimitPerIndex`). 0–100. Default: 3. */
    backoffLimit?: number;
    /** Seconds a finished Job (and its pods and logs) is kept before Kubernetes deletes it. 0–31536000. Default: 3600. */
    ttlSecondsAfterFinished?: number;
    /** Seconds after which a running Job is stopped and marked failed. 1–2592000. Default: no limit. */
    activeDeadlineSeconds?: number;
}

/** A Job's settings after defaults and validation. */
export interface NormalisedJob {
    shards?: number;
    parallelism: number;
    completions: number;
    backoffLimit: number;
    ttlSecondsAfterFinished: number;
    activeDeadlineSeconds?: number;
}

export const JOB_DEFAULTS = { backoffLimit: 3, ttlSecondsAfterFinished: 3600 } as const;
const MAX_COMPLETIONS = 1000;

/** Validates a Job's settings and fills in the defaults; `field` prefixes every error (e.g. `batch.job`). */
export function normaliseJob(options: JobOptions | undefined, field: string): NormalisedJob {
    const o = options ?? {};
    const f = (name: string) => `${field}.${name}`;
    const shards = o.shards === undefined ? undefined : requireIntegerInRange(f("shards"), o.shards, 1, MAX_COMPLETIONS);
    if (shards !== undefined && o.completions !== undefined && o.completions !== shards) {
        invalid(f("completions"), o.completions, `cannot differ from ${f("shards")} (${shards})`, `leave ${f("completions")} unset with ${f("shards")}: an Indexed Job runs one completion per shard`);
    }
    const completions = shards ?? requireIntegerInRange(f("completions"), o.completions ?? 1, 1, MAX_COMPLETIONS);
    const parallelism = requireIntegerInRange(f("parallelism"), o.parallelism ?? (shards ?? 1), 1, MAX_COMPLETIONS);
    const activeDeadlineSeconds =
        o.activeDeadlineSeconds === undefined ? undefined : requireIntegerInRange(f("activeDeadlineSeconds"), o.activeDeadlineSeconds, 1, 2_592_000);
    return {
        shards,
        // More pods than completions would never start; say so in the manifest.
        parallelism: Math.min(parallelism, completions),
        completions,
        backoffLimit: requireIntegerInRange(f("backoffLimit"), o.backoffLimit ?? JOB_DEFAULTS.backoffLimit, 0, 100),
        ttlSecondsAfterFinished: requireIntegerInRange(f("ttlSecondsAfterFinished"), o.ttlSecondsAfterFinished ?? JOB_DEFAULTS.ttlSecondsAfterFinished, 0, 31_536_000),
        activeDeadlineSeconds,
    };
}

export const CONCURRENCY_POLICIES = ["Forbid", "Allow", "Replace"] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

/**
 * When a CronJob starts its Jobs and what it keeps: the settings the cross-language components take as they
 * are (so each default is stated in the text, as "Default: …").
 */
export interface CronJobTiming {
    /**
     * Five-field cron schedule (minute hour day-of-month month day-of-week), or one of `@yearly`, `@annually`,
     * `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`; e.g. "0 2 * * *" (02:00 every day).
     * @example "*\/15 * * * MON-FRI"
     */
    schedule: string;
    /** IANA time zone the schedule is read in. Default: "Etc/UTC". */
    timeZone?: string;
    /** Seconds after its scheduled time a missed run may still start (10–86400); later, it is skipped. Default: 300. */
    startingDeadlineSeconds?: number;
    /** Finished successful Jobs kept (0–100). Default: 3. */
    successfulJobsHistoryLimit?: number;
    /** Finished failed Jobs kept (0–100). Default: 1. */
    failedJobsHistoryLimit?: number;
    /** Create the CronJob without starting any run. Default: false. */
    suspend?: boolean;
}

/** When and how a CronJob starts its Jobs. */
export interface CronJobOptions extends CronJobTiming {
    /** What to do when a run is due while the previous one still runs. @default "Forbid" (skip the new run) */
    concurrencyPolicy?: ConcurrencyPolicy;
}

export interface NormalisedCronJob {
    schedule: string;
    timeZone: string;
    concurrencyPolicy: ConcurrencyPolicy;
    startingDeadlineSeconds: number;
    successfulJobsHistoryLimit: number;
    failedJobsHistoryLimit: number;
    suspend: boolean;
}

export const CRON_DEFAULTS = {
    timeZone: "Etc/UTC",
    concurrencyPolicy: "Forbid",
    startingDeadlineSeconds: 300,
    successfulJobsHistoryLimit: 3,
    failedJobsHistoryLimit: 1,
} as const;

/** Validates a CronJob's settings and fills in the defaults. */
export function normaliseCronJob(options: CronJobOptions, field: string): NormalisedCronJob {
    const f = (name: string) => `${field}.${name}`;
    return {
        schedule: validateCronSchedule(options.schedule, f("schedule")),
        timeZone: validateTimeZone(options.timeZone ?? CRON_DEFAULTS.timeZone, f("timeZone")),
        concurrencyPolicy: requireOneOf(f("concurrencyPolicy"), options.concurrencyPolicy ?? CRON_DEFAULTS.concurrencyPolicy, CONCURRENCY_POLICIES, "a CronJob concurrency policy"),
        startingDeadlineSeconds: requireIntegerInRange(f("startingDeadlineSeconds"), options.startingDeadlineSeconds ?? CRON_DEFAULTS.startingDeadlineSeconds, 10, 86_400),
        successfulJobsHistoryLimit: requireIntegerInRange(f("successfulJobsHistoryLimit"), options.successfulJobsHistoryLimit ?? CRON_DEFAULTS.successfulJobsHistoryLimit, 0, 100),
        failedJobsHistoryLimit: requireIntegerInRange(f("failedJobsHistoryLimit"), options.failedJobsHistoryLimit ?? CRON_DEFAULTS.failedJobsHistoryLimit, 0, 100),
        suspend: options.suspend ?? false,
    };
}

const CRON_MACROS = ["@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"] as const;
const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface CronField {
    label: string;
    min: number;
    max: number;
    names?: string[];
    /** `?` stands for "any" in the day fields. */
    question?: boolean;
}

/** The fields in order, with the bounds Kubernetes' cron parser (robfig/cron, standard mode) uses. */
const CRON_FIELDS: CronField[] = [
    { label: "minute", min: 0, max: 59 },
    { label: "hour", min: 0, max: 23 },
    { label: "day-of-month", min: 1, max: 31, question: true },
    { label: "month", min: 1, max: 12, names: MONTHS },
    { label: "day-of-week", min: 0, max: 6, names: DAYS, question: true },
];

/** A reason the cron field is wrong, or undefined when it is valid. */
function cronFieldProblem(text: string, spec: CronField): string | undefined {
    const value = (v: string): number | undefined => {
        if (/^\d+$/.test(v)) {
            return Number(v);
        }
        const index = spec.names?.indexOf(v.toUpperCase()) ?? -1;
        if (index < 0) {
            return undefined;
        }
        return spec.min + index;
    };
    for (const part of text.split(",")) {
        const [range, step, extra] = part.split("/");
        if (extra !== undefined || range === "" || (step !== undefined && !/^[1-9]\d*$/.test(step))) {
            return `${spec.label} "${part}" is not a value, range or step`;
        }
        if (range === "*" || (spec.question && range === "?")) {
            continue;
        }
        const bounds = range.split("-");
        if (bounds.length > 2) {
            return `${spec.label} "${part}" is not a value, range or step`;
        }
        const numbers = bounds.map(value);
        for (let i = 0; i < bounds.length; i++) {
            const n = numbers[i];
            if (n === undefined) {
                return `${spec.label} "${bounds[i]}" is not a number${spec.names ? ` or a name (${spec.names.join(", ")})` : ""}`;
            }
            if (n < spec.min || n > spec.max) {
                return `${spec.label} ${bounds[i]} is outside ${spec.min}-${spec.max}`;
            }
        }
        if (numbers.length === 2 && (numbers[0] as number) > (numbers[1] as number)) {
            return `${spec.label} range "${range}" runs backwards`;
        }
    }
    return undefined;
}

/** Checks a CronJob schedule as Kubernetes parses it (five fields or a macro; no time zone inside). */
export function validateCronSchedule(schedule: string, field: string): string {
    const allowed = `use five fields "minute hour day-of-month month day-of-week" such as "0 2 * * *", or one of ${CRON_MACROS.join(", ")}`;
    if (typeof schedule !== "string" || schedule.trim() === "") {
        invalid(field, schedule, "is not a cron schedule", allowed);
    }
    const text = schedule.trim();
    if (/^(CRON_)?TZ=/.test(text)) {
        invalid(field, schedule, "sets a time zone inside the schedule, which Kubernetes rejects", "give the zone in timeZone and five fields here");
    }
    if (text.startsWith("@")) {
        if (!(CRON_MACROS as readonly string[]).includes(text)) {
            invalid(field, schedule, "is not a cron macro Kubernetes knows", allowed);
        }
        return text;
    }
    const parts = text.split(/\s+/);
    if (parts.length !== CRON_FIELDS.length) {
        invalid(field, schedule, `has ${parts.length} field${parts.length === 1 ? "" : "s"}, not 5`, allowed);
    }
    for (let i = 0; i < parts.length; i++) {
        const problem = cronFieldProblem(parts[i], CRON_FIELDS[i]);
        if (problem !== undefined) {
            invalid(field, schedule, `is not a valid cron schedule: ${problem}`, allowed);
        }
    }
    return parts.join(" ");
}

/**
 * Checks an IANA time zone name (`Europe/Berlin`, `Etc/UTC`): shaped like a tz database name and
 * known to this runtime's time zone data. `Local` and UTC offsets are rejected, as Kubernetes does.
 */
export function validateTimeZone(zone: string, field: string): string {
    const allowed = 'use a tz database name such as "Etc/UTC", "Europe/Berlin" or "America/New_York"';
    const shaped = typeof zone === "string" && /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone) && zone.toLowerCase() !== "local";
    let known = false;
    if (shaped) {
        try {
            new Intl.DateTimeFormat("en-US", { timeZone: zone });
            known = true;
        } catch {
            known = false;
        }
    }
    if (!known) {
        invalid(field, zone, "is not an IANA time zone", allowed);
    }
    return zone;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** A DNS label (1–63 lowercase letters, digits and hyphens): namespace and container names. */
export function validateDnsLabel(value: string, field: string, what: string): string {
    if (typeof value !== "string" || !DNS_LABEL.test(value)) {
        invalid(field, value, `is not ${what}`, "use 1-63 lowercase letters, digits and hyphens, starting and ending with a letter or digit");
    }
    return value;
}

/** A Kubernetes namespace name. */
export function validateNamespaceName(value: string, field: string): string {
    return validateDnsLabel(value, field, "a Kubernetes namespace name");
}

/** A Kubernetes object name such as a ServiceAccount's: a DNS subdomain. */
export function validateObjectName(value: string, field: string): string {
    if (typeof value !== "string" || !DNS_SUBDOMAIN.test(value)) {
        invalid(field, value, "is not a Kubernetes object name", "use lowercase letters, digits, hyphens and dots (at most 253), starting and ending with a letter or digit");
    }
    return value;
}

/** Container CPU in millicores (1000 = 1 vCPU): from Fargate's smallest pod to its largest. */
export const POD_CPU_MILLICORES = { min: 250, max: 16_000 } as const;
/** Container memory in MiB. */
export const POD_MEMORY_MIB = { min: 128, max: 122_880 } as const;
/** The /tmp scratch volume's size limit in MiB. */
export const SCRATCH_MIB = { min: 64, max: 204_800 } as const;

export interface PodSize {
    cpu: number;
    memory: number;
    scratchSizeMiB: number;
    terminationGracePeriodSeconds: number;
}

export const POD_DEFAULTS: Readonly<PodSize> = { cpu: 1000, memory: 2048, scratchSizeMiB: 2048, terminationGracePeriodSeconds: 60 };

/** Validates the pod's size and grace period; `field(name)` names each argument in errors. */
export function validatePodSize(size: Partial<PodSize>, field: (name: keyof PodSize) => string): PodSize {
    return {
        cpu: requireIntegerInRange(field("cpu"), size.cpu ?? POD_DEFAULTS.cpu, POD_CPU_MILLICORES.min, POD_CPU_MILLICORES.max),
        memory: requireIntegerInRange(field("memory"), size.memory ?? POD_DEFAULTS.memory, POD_MEMORY_MIB.min, POD_MEMORY_MIB.max),
        scratchSizeMiB: requireIntegerInRange(field("scratchSizeMiB"), size.scratchSizeMiB ?? POD_DEFAULTS.scratchSizeMiB, SCRATCH_MIB.min, SCRATCH_MIB.max),
        // The processor accepts a shutdown grace up to 115 s: the same bounds as an ECS stopTimeout.
        terminationGracePeriodSeconds: requireIntegerInRange(
            field("terminationGracePeriodSeconds"),
            size.terminationGracePeriodSeconds ?? POD_DEFAULTS.terminationGracePeriodSeconds,
            STOP_TIMEOUT_SECONDS.min,
            STOP_TIMEOUT_SECONDS.max,
        ),
    };
}
