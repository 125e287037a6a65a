/**
 * The processor's ECS container definition, as a plain object.
 */
import { BucketPrefixes } from "./prefixes";
import { invalid } from "./validation";

export interface ContainerDefinitionArgs {
    name: string;
    image: string;
    logGroupName: string;
    region: string;
    prefixes: BucketPrefixes;
    stopTimeoutSeconds: number;
    /** The task's CPU units (1024 = 1 vCPU): the summariser uses one thread per whole vCPU. */
    cpu: number;
    /** Where the writable scratch volume is mounted. */
    scratchPath: string;
    scratchVolumeName: string;
    /** Extra environment variables; they may not replace the ones the pipeline sets. */
    environment?: Record<string, string>;
    /**
     * The job's command, passed to the image's entry point (the processor runtime) as the
     * container's `command`; unset, the image's own CMD runs (the built-in summariser in ours).
     */
    command?: readonly string[];
}

/** Environment names the pipeline sets itself (static here, per file through the rule's overrides). */
export const RESERVED_ENVIRONMENT = ["S3_UPLOAD_PREFIX", "S3_OUTPUT_PREFIX", "S3_STATUS_PREFIX", "TMPDIR", "AWS_REGION", "SHUTDOWN_GRACE_MS"] as const;

/** Seconds kept back from stopTimeout so the processor records `interrupted` before SIGKILL. */
export const SHUTDOWN_MARGIN_SECONDS = 5;

export interface ContainerDefinition {
    name: string;
    image: string;
    essential: true;
    readonlyRootFilesystem: true;
    stopTimeout: number;
    /** Arguments for the image's entry point (Docker CMD). */
    command?: string[];
    linuxParameters: { initProcessEnabled: true };
    environment: { name: string; value: string }[];
    mountPoints: { sourceVolume: string; containerPath: string; readOnly: false }[];
    logConfiguration: { logDriver: "awslogs"; options: Record<string, string> };
}

/** Threads worth running on a task with these CPU units: one per whole vCPU, at least one. */
export function summaryParallelism(cpu: number): number {
    return Math.max(1, Math.floor(cpu / 1024));
}

/**
 * A read-only-root container with one writable scratch mount, logging to an existing log group via
 * the awslogs driver (no `awslogs-create-group`: the group is managed by the stack, with retention).
 */
export function processorContainerDefinition(args: ContainerDefinitionArgs): ContainerDefinition {
    const env: Record<string, string> = {
        // One summarising thread per whole vCPU; the stack's environment may override it.
        SUMMARY_PARALLELISM: String(summaryParallelism(args.cpu)),
        ...args.environment,
        S3_UPLOAD_PREFIX: args.prefixes.upload,
        S3_OUTPUT_PREFIX: args.prefixes.output,
        S3_STATUS_PREFIX: args.prefixes.status,
        TMPDIR: args.scratchPath,
        AWS_REGION: args.region,
        // After SIGTERM the processor stops reading, records `interrupted` and exits before ECS's SIGKILL.
        SHUTDOWN_GRACE_MS: String(Math.max(args.stopTimeoutSeconds - SHUTDOWN_MARGIN_SECONDS, 1) * 1000),
    };
    return {
        name: args.name,
        image: args.image,
        essential: true,
        readonlyRootFilesystem: true,
        stopTimeout: args.stopTimeoutSeconds,
        // ECS's `command` is Docker's CMD, the arguments of the image's ENTRYPOINT (the processor runtime), which
        // runs it for each file: https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_ContainerDefinition.html
        ...(args.command === undefined ? {} : { command: validateJobCommand(args.command, "command") }),
        // An init process forwards SIGTERM to the processor and reaps children.
        linuxParameters: { initProcessEnabled: true },
        environment: Object.keys(env)
            .sort()
            .map((name) => ({ name, value: env[name] })),
        mountPoints: [{ sourceVolume: args.scratchVolumeName, containerPath: args.scratchPath, readOnly: false }],
        logConfiguration: {
            logDriver: "awslogs",
            options: {
                "awslogs-group": args.logGroupName,
                "awslogs-region": args.region,
                "awslogs-stream-prefix": args.name,
            },
        },
    };
}

const IMAGE_REFERENCE = /^(?:[a-z0-9.-]+(?::\d+)?\/)?[a-z0-9]+(?:[._/-][a-z0-9]+)*(?::[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/;

/**
 * Requires an image reference pinned to a tag or a digest (`repo:1.4.2`, `repo@sha256:…`). Without one ECS pulls
 * `latest`, so what runs changes without a deploy — and an ECR repository with immutable tags has no `latest`.
 */
export function validateImageUri(value: string, field: string): string {
    const example = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor:1.4.2 or …/processor@sha256:<64 hex digits>";
    if (!IMAGE_REFERENCE.test(value)) {
        const lastPart = value.slice(value.lastIndexOf("/") + 1);
        const problem = lastPart.includes(":") || lastPart.includes("@") ? "is not a valid image reference" : "has no tag or digest";
        invalid(field, value, problem, `give one such as ${example}`);
    }
    return value;
}

/** The most words a command may have, and characters per word. */
export const MAX_COMMAND_WORDS = 64;
export const MAX_COMMAND_WORD_CHARS = 4096;

/**
 * A job's command: a list of 1–64 non-empty words (the program, then its arguments; no shell), each
 * at most 4096 characters and without NUL. Returns a copy.
 */
export function validateJobCommand(command: readonly unknown[], field: string): string[] {
    const example = '["python3", "/app/job/main.py"]';
    if (!Array.isArray(command) || command.length === 0 || command.length > MAX_COMMAND_WORDS) {
        invalid(field, command, `is not a list of 1 to ${MAX_COMMAND_WORDS} words`, `give the program and its arguments, e.g. ${example}`);
    }
    command.forEach((word, i) => {
        if (typeof word !== "string" || word.length === 0 || word.length > MAX_COMMAND_WORD_CHARS || word.includes("\0")) {
            invalid(`${field}[${i}]`, word, `is not a non-empty string of at most ${MAX_COMMAND_WORD_CHARS} characters without NUL`, `give the program and its arguments as strings, e.g. ${example}`);
        }
    });
    return [...(command as string[])];
}
