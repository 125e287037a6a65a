/**
 * The processor's pod template, Job and CronJob specs, labels and annotations, as plain objects.
 */
import { BucketPrefixes } from "./prefixes";
import { SHUTDOWN_MARGIN_SECONDS, validateJobCommand } from "./container";
import { EXIT_CODES } from "./contracts";
import { NormalisedCronJob, NormalisedJob, PodSize } from "./kubernetes-args";

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
export const CONFIG_ERROR_EXIT_CODE = EXIT_CODES.CONFIG.code;
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

export interface CronJobSpec extends NormalisedCronJob {
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
