/**
 * The processor as a Kubernetes batch workload on EKS, as plain objects: argument validation, the pod
 * template, Job and CronJob specs, and the IAM trust policies that let the pod's ServiceAccount
 * assume its role (IRSA or EKS Pod Identity). The KubernetesJobs component only wires them to
 * resources; tests read the same objects without mocks.
 */
import { ConditionBlock } from "./iam";
import { BucketPrefixes } from "./prefixes";
import { SHUTDOWN_MARGIN_SECONDS, validateJobCommand } from "./container";
import { STOP_TIMEOUT_SECONDS } from "./fargate";
import { invalid, requireIntegerInRange, requireOneOf } from "./validation";

// ---------------------------------------------------------------------------------------------
// Arguments
// ---------------------------------------------------------------------------------------------

/** How each Job runs: one pass over the upload prefix, optionally split into shards. */
export interface JobOptions {
    /**
     * Split the files between this many pods: an Indexed Job with one completion per shard; each
     * pod gets `BATCH_SHARD_COUNT` and Kubernetes' `JOB_COMPLETION_INDEX` (its shard). 1–1000.
     * @default no sharding: one pod processes every file
     */
    shards?: number;
    /**
     * Pods running at once. With `shards`, capped at the shard count.
     * @default the shard count with `shards`, else 1
     */
    parallelism?: number;
    /**
     * Successful pods needed without `shards` (each one is a full pass; files already processed for
     * their ETag are skipped). With `shards` it is the shard count and may only repeat it. 1–1000.
     * @default 1
     */
    completions?: number;
    /**
     * Failed pods retried before the Job fails (per shard with `shards`, as `backoffLimitPerIndex`). 0–100.
     * @default 3
     */
    backoffLimit?: number;
    /** Seconds a finished Job (and its pods and logs) is kept before Kubernetes deletes it. 0–31536000. @default 3600 */
    ttlSecondsAfterFinished?: number;
    /** Seconds after which a running Job is stopped and marked failed. 1–2592000. @default no limit */
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

/** When and how a CronJob starts its Jobs. */
export interface CronJobOptions {
    /**
     * Five-field cron schedule (minute hour day-of-month month day-of-week), or one of `@yearly`,
     * `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
     * @example "0 2 * * *" (02:00 every day), "*\/15 * * * MON-FRI"
     */
    schedule: string;
    /** IANA time zone the schedule is read in. @default "Etc/UTC" */
    timeZone?: string;
    /** What to do when a run is due while the previous one still runs. @default "Forbid" (skip the new run) */
    concurrencyPolicy?: ConcurrencyPolicy;
    /**
     * Seconds after its scheduled time a missed run may still start (10–86400); later, it is skipped.
     * @default 300
     */
    startingDeadlineSeconds?: number;
    /** Finished successful Jobs kept (0–100). @default 3 */
    successfulJobsHistoryLimit?: number;
    /** Finished failed Jobs kept (0–100). @default 1 */
    failedJobsHistoryLimit?: number;
    /** Create the CronJob without starting any run. @default false */
    suspend?: boolean;
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

// ---------------------------------------------------------------------------------------------
// EKS cluster arguments
// ---------------------------------------------------------------------------------------------

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];
/** API calls, who made them, and IAM authentication: enough to audit the cluster. */
export const DEFAULT_CONTROL_PLANE_LOG_TYPES: readonly ControlPlaneLogType[] = ["api", "audit", "authenticator"];

/** Validates the control-plane log types: known, each at most once. */
export function validateLogTypes(types: readonly string[], field: string): ControlPlaneLogType[] {
    const seen = new Set<string>();
    types.forEach((t, i) => {
        requireOneOf(`${field}[${i}]`, t, CONTROL_PLANE_LOG_TYPES as readonly string[], "an EKS control-plane log type");
        if (seen.has(t)) {
            invalid(`${field}[${i}]`, t, "is listed twice", "name each log type once");
        }
        seen.add(t);
    });
    return [...types] as ControlPlaneLogType[];
}

/** The log group EKS writes control-plane logs to; creating it first lets the stack set its retention. */
export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** An EKS cluster name: 1–100 letters, digits, hyphens and underscores, starting with a letter or digit. */
export function validateClusterName(value: string, field: string): string {
    if (typeof value !== "string" || !CLUSTER_NAME.test(value)) {
        invalid(field, value, "is not an EKS cluster name", "use 1-100 letters, digits, hyphens and underscores, starting with a letter or digit");
    }
    return value;
}

/** `<project>-<stack>-<name>` reduced to what an EKS cluster name allows. */
export function defaultClusterName(project: string, stack: string, name: string): string {
    return `${project}-${stack}-${name}`.replace(/[^A-Za-z0-9_-]/g, "-").replace(/^[^0-9A-Za-z]+/, "").slice(0, 100);
}

/** Validates CIDR blocks for the public API endpoint. */
export function validateCidrs(cidrs: readonly string[], field: string): string[] {
    if (cidrs.length === 0) {
        invalid(field, cidrs, "is empty", "leave it unset for a private-only endpoint, or list the CIDR blocks that may reach the public endpoint");
    }
    cidrs.forEach((c, i) => {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(c);
        if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
            invalid(`${field}[${i}]`, c, "is not an IPv4 CIDR block", 'write it as "203.0.113.0/24"');
        }
    });
    return [...cidrs];
}

/** `https://oidc.eks.eu-west-1.amazonaws.com/id/ABC` or without the scheme → `oidc.eks.eu-west-1.amazonaws.com/id/ABC`. */
export function oidcIssuerHost(url: string): string {
    return url.replace(/^https:\/\//, "").replace(/\/+$/, "");
}

// ---------------------------------------------------------------------------------------------
// Trust policies
// ---------------------------------------------------------------------------------------------

export interface TrustStatement {
    Sid: string;
    Effect: "Allow";
    Principal: { Federated: string } | { Service: string };
    Action: string | string[];
    Condition: ConditionBlock;
}

export interface TrustPolicyDocument {
    Version: "2012-10-17";
    Statement: TrustStatement[];
}

/** Where the pod runs: its namespace and ServiceAccount. */
export interface PodIdentitySubject {
    namespace: string;
    serviceAccount: string;
}

/**
 * IAM roles for service accounts (IRSA): the cluster's OIDC provider may exchange a token for this
 * role only when the token was issued to this ServiceAccount (`sub`) for STS (`aud`).
 */
export function irsaTrustPolicy(args: PodIdentitySubject & { oidcProviderArn: string; issuer: string }): TrustPolicyDocument {
    const issuer = oidcIssuerHost(args.issuer);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ServiceAccountWebIdentity",
                Effect: "Allow",
                Principal: { Federated: args.oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/**
 * EKS Pod Identity: the EKS Auth service may assume the role (and tag the session) only for this
 * cluster, namespace and ServiceAccount, read from the session tags Pod Identity sets.
 */
export function podIdentityTrustPolicy(args: PodIdentitySubject & { clusterName: string }): TrustPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EksPodIdentity",
                Effect: "Allow",
                Principal: { Service: "pods.eks.amazonaws.com" },
                Action: ["sts:AssumeRole", "sts:TagSession"],
                Condition: {
                    StringEquals: {
                        "aws:RequestTag/eks-cluster-name": args.clusterName,
                        "aws:RequestTag/kubernetes-namespace": args.namespace,
                        "aws:RequestTag/kubernetes-service-account": args.serviceAccount,
                    },
                },
            },
        ],
    };
}

// ---------------------------------------------------------------------------------------------
// Manifests
// ---------------------------------------------------------------------------------------------

/** Environment names this component sets; `environment` may not replace them. */
export const RESERVED_BATCH_ENVIRONMENT = [
    "PROCESSOR_MODE",
    "S3_BUCKET",
    "S3_UPLOAD_PREFIX",
    "S3_OUTPUT_PREFIX",
    "S3_STATUS_PREFIX",
    "AWS_REGION",
    "TMPDIR",
    "SHUTDOWN_GRACE_MS",
    "BATCH_SHARD_COUNT",
    "BATCH_SHARD_INDEX",
    "JOB_COMPLETION_INDEX",
] as const;

/** The processor's exit code for bad settings: retrying cannot help, so the Job fails at once. */
export const CONFIG_ERROR_EXIT_CODE = 64;
/** The distroless image's `nonroot` user and group. */
export const NONROOT_UID = 65532;
export const SCRATCH_VOLUME = "scratch";
export const SCRATCH_PATH = "/tmp";

export interface EnvVar {
    name: string;
    value: string;
}

export interface Container {
    name: string;
    image: string;
    /** Arguments for the image's entry point (Docker CMD): the job's command. */
    args?: string[];
    env: EnvVar[];
    resources: { requests: Record<string, string>; limits: Record<string, string> };
    securityContext: {
        runAsNonRoot: true;
        runAsUser: number;
        runAsGroup: number;
        readOnlyRootFilesystem: true;
        allowPrivilegeEscalation: false;
        privileged: false;
        capabilities: { drop: string[] };
        seccompProfile: { type: "RuntimeDefault" };
    };
    volumeMounts: { name: string; mountPath: string }[];
    terminationMessagePolicy: "FallbackToLogsOnError";
}

export interface PodTemplate {
    metadata: { labels: Record<string, string> };
    spec: {
        serviceAccountName: string;
        automountServiceAccountToken: false;
        enableServiceLinks: false;
        restartPolicy: "Never";
        terminationGracePeriodSeconds: number;
        securityContext: {
            runAsNonRoot: true;
            runAsUser: number;
            runAsGroup: number;
            fsGroup: number;
            seccompProfile: { type: "RuntimeDefault" };
        };
        containers: Container[];
        volumes: { name: string; emptyDir: { sizeLimit: string } }[];
    };
}

export interface ProcessorPodArgs {
    containerName: string;
    image: string;
    serviceAccountName: string;
    bucketName: string;
    region: string;
    prefixes: BucketPrefixes;
    size: PodSize;
    labels: Record<string, string>;
    /** Set with a sharded Job: every pod learns the shard count; its index comes from JOB_COMPLETION_INDEX. */
    shardCount?: number;
    /** Extra variables; they may not replace the ones above (see RESERVED_BATCH_ENVIRONMENT). */
    environment?: Record<string, string>;
    /** The job's command for the processor runtime (the image's entry point); unset: the image's CMD. */
    command?: readonly string[];
}

/**
 * A job's command as a container's `args`, meaning what it means on ECS. Kubernetes expands
 * `$(VAR_NAME)` in args and reduces `$$` to `$` ("Double $$ are reduced to a single $, which allows
 * for escaping the $(VAR_NAME) syntax", https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#entrypoint);
 * ECS passes words as they are. So every `$` is doubled.
 */
export function kubernetesArgs(command: readonly string[]): string[] {
    return validateJobCommand(command, "command").map((word) => word.replace(/\$/g, "$$$$"));
}

/** Summarising threads for a pod with this many millicores: one per whole vCPU, 1–16. */
export function podSummaryParallelism(cpuMillicores: number): number {
    return Math.min(16, Math.max(1, Math.floor(cpuMillicores / 1000)));
}

/** The processor's environment in batch mode, sorted by name. */
export function batchEnvironment(args: ProcessorPodArgs): EnvVar[] {
    const env: Record<string, string> = {
        SUMMARY_PARALLELISM: String(podSummaryParallelism(args.size.cpu)),
        ...args.environment,
        PROCESSOR_MODE: "batch",
        S3_BUCKET: args.bucketName,
        S3_UPLOAD_PREFIX: args.prefixes.upload,
        S3_OUTPUT_PREFIX: args.prefixes.output,
        S3_STATUS_PREFIX: args.prefixes.status,
        AWS_REGION: args.region,
        TMPDIR: SCRATCH_PATH,
        // After SIGTERM the processor stops, records `interrupted` and exits before the kubelet's SIGKILL.
        SHUTDOWN_GRACE_MS: String(Math.max(args.size.terminationGracePeriodSeconds - SHUTDOWN_MARGIN_SECONDS, 1) * 1000),
    };
    if (args.shardCount !== undefined) {
        env.BATCH_SHARD_COUNT = String(args.shardCount);
    }
    return Object.keys(env)
        .sort()
        .map((name) => ({ name, value: env[name] }));
}

/**
 * The pod every Job runs: non-root (distroless `nonroot`), read-only root with a size-limited
 * /tmp, no capabilities, RuntimeDefault seccomp, requests equal to limits (Guaranteed QoS), no
 * Kubernetes API token (the IRSA and Pod Identity webhooks mount their own, audience-bound token),
 * no service-link variables, never restarted in place (a failed pod is replaced by the Job).
 * It meets the Pod Security Standard "restricted".
 */
export function processorPodTemplate(args: ProcessorPodArgs): PodTemplate {
    const size = { cpu: `${args.size.cpu}m`, memory: `${args.size.memory}Mi` };
    return {
        metadata: { labels: { ...args.labels } },
        spec: {
            serviceAccountName: args.serviceAccountName,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            restartPolicy: "Never",
            terminationGracePeriodSeconds: args.size.terminationGracePeriodSeconds,
            securityContext: {
                runAsNonRoot: true,
                runAsUser: NONROOT_UID,
                runAsGroup: NONROOT_UID,
                fsGroup: NONROOT_UID,
                seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
                {
                    name: args.containerName,
                    image: args.image,
                    // `args` is the image's CMD and leaves its ENTRYPOINT (the processor runtime) in place; `command` would
                    // replace the ENTRYPOINT: https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/
                    ...(args.command === undefined ? {} : { args: kubernetesArgs(args.command) }),
                    env: batchEnvironment(args),
                    resources: { requests: { ...size }, limits: { ...size } },
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: NONROOT_UID,
                        runAsGroup: NONROOT_UID,
                        readOnlyRootFilesystem: true,
                        allowPrivilegeEscalation: false,
                        privileged: false,
                        capabilities: { drop: ["ALL"] },
                        seccompProfile: { type: "RuntimeDefault" },
                    },
                    volumeMounts: [{ name: SCRATCH_VOLUME, mountPath: SCRATCH_PATH }],
                    terminationMessagePolicy: "FallbackToLogsOnError",
                },
            ],
            volumes: [{ name: SCRATCH_VOLUME, emptyDir: { sizeLimit: `${args.size.scratchSizeMiB}Mi` } }],
        },
    };
}

export interface PodFailurePolicyRule {
    action: "FailJob" | "Ignore";
    onExitCodes?: { containerName: string; operator: "In"; values: number[] };
    onPodConditions?: { type: string; status: "True" }[];
}

export interface JobSpec {
    completionMode: "Indexed" | "NonIndexed";
    completions: number;
    parallelism: number;
    backoffLimit?: number;
    backoffLimitPerIndex?: number;
    ttlSecondsAfterFinished: number;
    activeDeadlineSeconds?: number;
    podFailurePolicy: { rules: PodFailurePolicyRule[] };
    template: PodTemplate;
}

/**
 * A Job's spec: Indexed with one completion per shard (retries counted per shard) or NonIndexed;
 * a settings error (exit 64) fails the Job at once, and pods evicted or preempted
 * (DisruptionTarget) are replaced without counting as failures.
 */
export function jobSpec(template: PodTemplate, job: NormalisedJob): JobSpec {
    const containerName = template.spec.containers[0].name;
    const retries = job.shards === undefined ? { backoffLimit: job.backoffLimit } : { backoffLimitPerIndex: job.backoffLimit };
    const spec: JobSpec = {
        completionMode: job.shards === undefined ? "NonIndexed" : "Indexed",
        completions: job.completions,
        parallelism: job.parallelism,
        ...retries,
        ttlSecondsAfterFinished: job.ttlSecondsAfterFinished,
        podFailurePolicy: {
            rules: [
                { action: "FailJob", onExitCodes: { containerName, operator: "In", values: [CONFIG_ERROR_EXIT_CODE] } },
                { action: "Ignore", onPodConditions: [{ type: "DisruptionTarget", status: "True" }] },
            ],
        },
        template,
    };
    if (job.activeDeadlineSeconds !== undefined) {
        spec.activeDeadlineSeconds = job.activeDeadlineSeconds;
    }
    return spec;
}

export interface CronJobSpec {
    schedule: string;
    timeZone: string;
    concurrencyPolicy: ConcurrencyPolicy;
    startingDeadlineSeconds: number;
    successfulJobsHistoryLimit: number;
    failedJobsHistoryLimit: number;
    suspend: boolean;
    jobTemplate: { metadata: { labels: Record<string, string> }; spec: JobSpec };
}

/** A CronJob that starts Jobs with exactly the spec `jobSpec` builds. */
export function cronJobSpec(template: PodTemplate, job: NormalisedJob, cron: NormalisedCronJob): CronJobSpec {
    return {
        schedule: cron.schedule,
        timeZone: cron.timeZone,
        concurrencyPolicy: cron.concurrencyPolicy,
        startingDeadlineSeconds: cron.startingDeadlineSeconds,
        successfulJobsHistoryLimit: cron.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: cron.failedJobsHistoryLimit,
        suspend: cron.suspend,
        jobTemplate: { metadata: { labels: { ...template.metadata.labels } }, spec: jobSpec(template, job) },
    };
}

/** Pod Security Admission labels: pods in the namespace must meet the "restricted" standard. */
export function restrictedNamespaceLabels(): Record<string, string> {
    return {
        "pod-security.kubernetes.io/enforce": "restricted",
        "pod-security.kubernetes.io/enforce-version": "latest",
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    };
}

/** Recommended labels for the processor's objects. */
export function processorLabels(instance: string, partOf: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "processor",
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": "batch",
        "app.kubernetes.io/part-of": partOf,
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** The ServiceAccount's annotations: the IRSA role (regional STS), or none for Pod Identity. */
export function serviceAccountAnnotations(identity: "irsa" | "pod-identity", roleArn: string): Record<string, string> {
    return identity === "irsa" ? { "eks.amazonaws.com/role-arn": roleArn, "eks.amazonaws.com/sts-regional-endpoints": "true" } : {};
}
