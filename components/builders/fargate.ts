/**
 * The Fargate task size table and the other task-level limits.
 *
 * Source: "Task CPU and memory" in the Amazon ECS developer guide (Fargate). Memory is in MiB.
 * 8192 and 16384 CPU units need platform version 1.4.0 or later (LATEST is).
 */
import { invalid, requireIntegerInRange, requireOneOf } from "./validation";

function steps(from: number, to: number, step: number): number[] {
    const out: number[] = [];
    for (let v = from; v <= to; v += step) {
        out.push(v);
    }
    return out;
}

/** Valid memory sizes (MiB) for each Fargate CPU size (CPU units, 1024 = 1 vCPU). */
export const FARGATE_SIZES: Readonly<Record<number, readonly number[]>> = {
    256: [512, 1024, 2048],
    512: steps(1024, 4096, 1024),
    1024: steps(2048, 8192, 1024),
    2048: steps(4096, 16384, 1024),
    4096: steps(8192, 30720, 1024),
    8192: steps(16384, 61440, 4096),
    16384: steps(32768, 122880, 8192),
};

/** The Fargate CPU sizes, ascending. */
export const FARGATE_CPU_SIZES: readonly number[] = Object.keys(FARGATE_SIZES).map(Number).sort((a, b) => a - b);

export const CPU_ARCHITECTURES = ["X86_64", "ARM64"] as const;
export type CpuArchitecture = (typeof CPU_ARCHITECTURES)[number];

/** Fargate ephemeral storage: 20 GiB is included; a configured size must be 21–200 GiB. */
export const EPHEMERAL_STORAGE_GIB = { min: 21, max: 200 } as const;

/** ECS `stopTimeout` on Fargate: seconds between SIGTERM and SIGKILL, at most 120. */
export const STOP_TIMEOUT_SECONDS = { min: 2, max: 120 } as const;

/** Field names used in error messages, so config keys and component args can share one check. */
export interface TaskSizeFields {
    cpu: string;
    memory: string;
}

/**
 * Checks a cpu/memory pair against the Fargate table.
 * @returns the pair, unchanged, when valid.
 */
export function validateFargateSize(
    cpu: number,
    memory: number,
    fields: TaskSizeFields = { cpu: "cpu", memory: "memory" },
): { cpu: number; memory: number } {
    const memories = FARGATE_SIZES[cpu];
    if (!memories) {
        invalid(fields.cpu, cpu, "is not a Fargate CPU size", `use one of ${FARGATE_CPU_SIZES.join(", ")}`);
    }
    if (!memories.includes(memory)) {
        invalid(
            fields.memory,
            memory,
            `is not a valid Fargate memory size with ${fields.cpu} ${cpu}`,
            `use one of ${memories.join(", ")}`,
        );
    }
    return { cpu, memory };
}

/** Checks the CPU architecture. */
export function validateCpuArchitecture(value: string, field = "cpuArchitecture"): CpuArchitecture {
    return requireOneOf(field, value as CpuArchitecture, CPU_ARCHITECTURES, "a Fargate CPU architecture");
}

/** Checks ephemeral storage in GiB. */
export function validateEphemeralStorage(value: number, field = "ephemeralStorageGiB"): number {
    return requireIntegerInRange(field, value, EPHEMERAL_STORAGE_GIB.min, EPHEMERAL_STORAGE_GIB.max);
}

/** Checks the container stop timeout in seconds. */
export function validateStopTimeout(value: number, field = "stopTimeoutSeconds"): number {
    return requireIntegerInRange(field, value, STOP_TIMEOUT_SECONDS.min, STOP_TIMEOUT_SECONDS.max);
}

/** The docker platform string for an architecture, as used when building the image. */
export function dockerPlatform(architecture: CpuArchitecture): string {
    return architecture === "ARM64" ? "linux/arm64" : "linux/amd64";
}

/**
 * A Fargate platform version for targets that take only the numeric form: EventBridge's ECS target
 * and Scheduler's ECS parameters ("Specify only the numeric portion of the platform version, such
 * as 1.1.0", https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_EcsParameters.html and
 * https://docs.aws.amazon.com/scheduler/latest/APIReference/API_EcsParameters.html). Left unset,
 * the task runs on the latest version.
 */
export function validateNumericPlatformVersion(version: string, field: string): string {
    if (!/^\d+\.\d+\.\d+$/.test(version)) {
        invalid(field, version, "is not a Fargate platform version", 'use the numeric form, such as "1.4.0", or leave it unset for the latest');
    }
    return version;
}

/**
 * A Fargate platform version for RunTask calls and services, which also accept "LATEST"
 * (https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_RunTask.html). Left unset, ECS
 * uses the latest version.
 */
export function validatePlatformVersion(version: string, field: string): string {
    if (!/^(LATEST|\d+\.\d+\.\d+)$/.test(version)) {
        invalid(field, version, "is not a Fargate platform version", 'use "LATEST" or a version such as "1.4.0", or leave it unset for the latest');
    }
    return version;
}
