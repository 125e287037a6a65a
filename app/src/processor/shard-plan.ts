/**
 * What the shards of one file share (see shard.ts): the jobs' part in sharding, how a file is cut into
 * ranges, the plan, and the markers under the file's partials prefix.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { CommonConfig, FileRef, ShardConfig } from "./config";
import { ExitCodeValue } from "./exit-codes";
import { Logger } from "./log";
import { JobReport } from "./outputs";
import type { ShardLauncher } from "./launcher";
import { StatusDocument } from "./status";
import { Workspace } from "./workspace";

/** What a job does to take part in sharding. */
export interface ShardWork {
    /** Processes the records that start in [ctx.start, ctx.end); resolves with a JSON-serialisable partial and its good rows. */
    partial(ctx: RangeContext): Promise<{ partial: unknown; rows: number }>;
    /** Merges the partials (in shard order) into files in ctx.workspace.outputDir; resolves with the job's report. */
    merge(ctx: ShardContext, partials: unknown[]): Promise<JobReport>;
}

/** The object a sharded run works on, found and pinned to its ETag. */
export interface ShardedObject {
    key: string;
    etag: string;
    size: number;
}

export interface ShardContext {
    config: CommonConfig;
    file: FileRef;
    object: ShardedObject;
    s3: S3Client;
    workspace: Workspace;
    log: Logger;
    signal: AbortSignal;
    now: () => number;
    count: number;
}

export interface RangeContext extends ShardContext {
    index: number;
    start: number;
    end: number;
}

export interface ShardDeps {
    s3: S3Client;
    log: Logger;
    signal: AbortSignal;
    now: () => number;
    taskArn?: string;
    /**
     * Made on first use: only a task that starts shards needs one. None in a Kubernetes Indexed Job:
     * every pod is a shard already, and the Job runs a failed pod's index again (backoffLimitPerIndex).
     */
    launcher?: () => Promise<ShardLauncher>;
    /** The final key of an output at `path` under OUTPUT_DIR. */
    outputKey: (path: string) => string;
}

export interface ShardOutcome {
    exitCode: ExitCodeValue;
    outcome: "succeeded" | "failed" | "interrupted" | "skipped";
    status?: StatusDocument;
    report?: JobReport;
    /** This run did its part of a sharded file; the run that wrote the file's final status counts the file (metrics). */
    partOnly?: true;
}

/** The shards a file of `size` bytes is split into: 1 (not sharded) unless sharding is on and the file is above the threshold. */
export function shardCount(size: number, shard: Pick<ShardConfig, "aboveBytes" | "shardBytes" | "maxShards">): number {
    if (shard.aboveBytes === undefined || size <= shard.aboveBytes) {
        return 1;
    }
    return Math.max(1, Math.min(shard.maxShards, Math.ceil(size / shard.shardBytes)));
}

/** Shard i's bytes [start, end): equal cuts of the object; a record belongs to the shard its first byte is in. */
export function shardRange(size: number, count: number, index: number): { start: number; end: number } {
    return { start: Math.floor((index * size) / count), end: Math.floor(((index + 1) * size) / count) };
}

/** Where a file's shards keep their markers and partials: `<partialsPrefix><relative>/<etag>/`. */
export function partialsBase(partialsPrefix: string, relative: string, etag: string): string {
    return `${partialsPrefix}${relative}/${etag}/`;
}

/** Shards done, failed attempts, and rows so far: what the status document shows while shards run. */
export interface ShardProgress {
    total: number;
    done: number;
    /** Failed attempts (each was retried, until the last). */
    failed: number;
    rows: number;
}

export interface Plan {
    count: number;
    size: number;
    etag: string;
    key: string;
    maxAttempts: number;
    /** Every shard task's variables besides SHARD_INDEX and SHARD_ATTEMPT. */
    env: Record<string, string>;
    /** The status document as the coordinator started it. */
    status: StatusDocument;
}

export interface Marker {
    kind: "launch" | "running" | "done" | "failed" | "partial" | "merge" | "plan" | "watch" | "watching";
    index?: number;
    attempt?: number;
    /** watch/<g>.json, watching/<g>.json: the watcher's generation. */
    generation?: number;
}

/** What a key under the base is. */
export function parseMarker(rest: string): Marker | undefined {
    let m: RegExpExecArray | null;
    if (rest === "plan.json" || rest === "merge.json") {
        return { kind: rest === "plan.json" ? "plan" : "merge" };
    }
    if ((m = /^(\d+)\.json$/.exec(rest))) {
        return { kind: "partial", index: Number(m[1]) };
    }
    if ((m = /^done\/(\d+)\.json$/.exec(rest))) {
        return { kind: "done", index: Number(m[1]) };
    }
    if ((m = /^(watch|watching)\/(\d+)\.json$/.exec(rest))) {
        return { kind: m[1] as "watch" | "watching", generation: Number(m[2]) };
    }
    if ((m = /^(launch|running|failed)\/(\d+)\.(\d+)(?:\.json)?$/.exec(rest))) {
        return { kind: m[1] as "launch" | "running" | "failed", index: Number(m[2]), attempt: Number(m[3]) };
    }
    return undefined;
}
