/**
 * The work done for one file, between what run.ts does before (find the object, skip a duplicate,
 * record `running`, make the workspace) and after (upload OUTPUT_DIR, record the outcome, emit
 * metrics). Two kinds, one path: the built-in summariser (summary-job.ts) and a user's command
 * (command.ts). Both write their results into OUTPUT_DIR and report counts; neither writes to S3 (the
 * summariser reads a large object with ranged GETs of its own).
 */
import { CommonConfig, FileRef } from "./config";
import { Logger } from "./log";
import { JobReport } from "./outputs";
import { OpenedObject } from "./s3";
import { Workspace } from "./workspace";
import type { ShardWork } from "./shard";

export interface JobContext {
    config: CommonConfig;
    /** The file as its event, listing or message named it. */
    file: FileRef;
    /** The object, found and opened (its key is the real one); a job reads it once. */
    object: OpenedObject;
    /** The object's key below the upload prefix. */
    relative: string;
    workspace: Workspace;
    log: Logger;
    /** Aborted on SIGTERM. */
    signal: AbortSignal;
    now: () => number;
}

export interface Job {
    readonly kind: "summary" | "command";
    /** The final key of what the job wrote at `outputPath` (relative to OUTPUT_DIR) for the input `relative`. */
    outputKey(config: CommonConfig, relative: string, outputPath: string): string;
    /**
     * Reads the object and writes OUTPUT_DIR. Throws InputError, ProcessorError (with its exit code),
     * AbortedError or JobInterrupted (SIGTERM) on failure.
     */
    run(ctx: JobContext): Promise<JobReport>;
    /** How the job processes one byte range of `key` and merges the ranges (docs/sharding.md); undefined: whole files only. */
    shardWork?(config: CommonConfig, key: string): ShardWork | undefined;
}

/** SIGTERM stopped the job; `message` says how (a command that had to be killed says so). */
export class JobInterrupted extends Error {
    constructor(
        message: string,
        /** The job did not stop within its grace period and was killed. */
        public readonly killed: boolean,
    ) {
        super(message);
        this.name = "JobInterrupted";
    }
}

/** The summary's name in OUTPUT_DIR; uploaded as `<output prefix><relative>.summary.json`. */
export const SUMMARY_FILE = "summary.json";

/**
 * Objects at least this large (one ranged GET part) are read with parallel ranged GETs pinned to the ETag rather than
 * through the one opened stream, whose connection would cap the read (S3's throughput is per connection): with
 * SUMMARY_PARALLELISM of 2 or more each thread reads its own ranges (summarize/ranges.ts); one thread reads the
 * parts in order, several in flight. (A copy of components/builders/contracts.ts RANGED_READ.minBytes: the cost tool
 * counts these GETs.)
 */
export const RANGED_MIN_BYTES = 8 * 1048576;

/**
 * The built-in summariser's job (summary-job.ts), loaded when a task runs it: a task that runs a stack's own command
 * never loads the summariser (each task is a new process, which would compile it at its start).
 */
export function summaryJob(): Job {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("./summary-job") as typeof import("./summary-job")).summaryJob;
}
