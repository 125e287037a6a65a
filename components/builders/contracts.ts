/**
 * What two layers of the project share, in one dependency-free module: the infrastructure
 * (components/), the program (index.ts), the local pipeline and smoke check (app/src/local,
 * app/src/smoke), the offline policy runner, the deploy roles and the tools import it from here.
 *
 * The processor and the Slack notifier cannot import it: they build on their own (the processor's
 * image from app/ alone, the notifier's Lambda bundle from app/src/notifier alone), so they keep a
 * copy of the values they need, and tests/contracts.test.ts checks every copy against this module.
 * Change a value here and that test names each copy to change with it.
 */

/** The Pulumi project's name: the prefix of component type tokens and of stack config keys. */
export const PROJECT = "s3-fargate-pipeline";

/** The three key prefixes of the pipeline's bucket. */
export interface BucketPrefixes {
    /** Where users upload files; the rule fires for objects created here. */
    upload: string;
    /** Where the processor writes its results. */
    output: string;
    /** Where the processor writes one status document per file. */
    status: string;
}

/** The prefixes used when none are given (the processor's S3_*_PREFIX defaults are the same). */
export const DEFAULT_PREFIXES: Readonly<BucketPrefixes> = { upload: "uploads/", output: "processed/", status: "status/" };

/**
 * How the processor reads a large object: one of at least `minBytes` with parallel ranged GETs pinned to its ETag,
 * whatever the thread count (app/src/processor/job.ts RANGED_MIN_BYTES), in parts of at most `partBytes`
 * (app/src/processor/summarize/s3-reader.ts PART_BYTES), with 2 GETs in flight per vCPU, 8 to 16 in all
 * (s3RangeDefaults there). The cost tool counts those GETs (rangedReadGets).
 */
export const RANGED_READ = { minBytes: 8 * 1048576, partBytes: 8 * 1048576, minPartBytes: 1048576, inFlight: { perVcpu: 2, min: 8, max: 16 } } as const;

/**
 * The ranged GETs of one thread reading a whole object of `bytes` on a task of `vcpus` (s3-reader.ts): parts of up to
 * partBytes, smaller (down to minPartBytes) so that every GET in flight has one, and the last part takes a rest of under
 * half a part. 0 below minBytes (the object is read through the one opened stream).
 */
export function rangedReadGets(bytes: number, vcpus: number): number {
    if (bytes < RANGED_READ.minBytes) {
        return 0;
    }
    const { perVcpu, min, max } = RANGED_READ.inFlight;
    const inFlight = Math.min(max, Math.max(min, perVcpu * Math.ceil(vcpus)));
    const step = Math.min(RANGED_READ.partBytes, Math.max(RANGED_READ.minPartBytes, Math.ceil(bytes / inFlight)));
    let gets = 0;
    for (let next = 0; next < bytes; gets++) {
        next = bytes - (next + step) < step / 2 ? bytes : next + step;
    }
    return gets;
}

/** The CloudWatch namespace of the processor's Embedded Metric Format metrics (app/src/processor/metrics.ts). */
export const METRICS_NAMESPACE = "S3FargatePipeline";

/**
 * The processor's exit codes and what each means (app/src/processor/exit-codes.ts has the values, the
 * notifier's format.ts the meanings; sysexits.h values where one fits). 137 and 143 are 128 + the signal.
 */
export const EXIT_CODES = {
    OK: { code: 0, meaning: "ok" },
    COMMAND_FAILED: {
        code: 1,
        meaning: "the job's command failed (its exit code and last stderr lines are in the file's status document), or the processor crashed before recording an outcome",
    },
    SOME_FILES_FAILED: { code: 3, meaning: "batch run: one or more files failed (see their status documents)" },
    CONFIG: { code: 64, meaning: "missing or invalid settings" },
    INPUT: { code: 65, meaning: "bad input file (empty, binary, not delimited, corrupt or truncated gzip)" },
    NOT_FOUND: { code: 66, meaning: "object not found" },
    INTERNAL: { code: 70, meaning: "internal error in the processor" },
    TRANSIENT: { code: 75, meaning: "S3 or SQS unavailable after retries (throttling, 5xx, network)" },
    ACCESS_DENIED: { code: 77, meaning: "access denied (IAM, bucket policy, KMS or queue policy)" },
    KILLED: { code: 137, meaning: "killed (SIGKILL): often out of memory, or it did not stop within the stop timeout" },
    INTERRUPTED: { code: 143, meaning: "interrupted (SIGTERM: Spot interruption, scale-in or stop)" },
} as const;

/** The states of a file's status document (status/<name>.json), in the order a run goes through them. */
export const STATUS_STATES = ["running", "succeeded", "failed", "interrupted"] as const;
export type StatusState = (typeof STATUS_STATES)[number];

/** The status document's schema version (its `schemaVersion` field). */
export const STATUS_SCHEMA_VERSION = 1;

/** The key of a file's status document: `<status prefix><path under the upload prefix>.json`. */
export function statusKey(statusPrefix: string, relative: string): string {
    return `${statusPrefix}${relative}.json`;
}

/** The key of the summariser's summary: `<output prefix><path under the upload prefix>.summary.json`. */
export function summaryKey(outputPrefix: string, relative: string): string {
    return `${outputPrefix}${relative}.summary.json`;
}
