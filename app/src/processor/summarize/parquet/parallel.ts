/**
 * Row groups on worker threads: the main thread reads the footer and, for each free thread, the next row group's
 * column chunks (one ranged read, so every byte still comes through the caller's source, e.g. S3 pinned to an ETag);
 * the threads decode and fold them. At most one row group's chunks are in flight per thread. At the end the sample
 * candidates are merged in row-group order and the threads' states in any order, so the summary is the one a single
 * thread gives (distinct counts: the same HyperLogLog registers; means: equal up to rounding).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Worker as WorkerType } from "node:worker_threads";
import type { SampleCandidates } from "../columns";
import { AbortedError, InputError, InputErrorCode } from "../types";
import { giveBack, stopWorker, takeWorker } from "../workers";
import { LeafTransfer, mergeLeaf } from "./leaf";
import { ParquetState, rowGroupRange } from "./summarize";
import { RandomAccessSource } from "./source";

export interface WorkerInit {
    /** The parsed footer (FileMetaData), as the main thread parsed it. */
    metadata: unknown;
    size: number;
    sampleSize: number | undefined;
}

/** A run's first message (its settings), then its row groups, then the end. */
export type ToWorker = { init: WorkerInit } | { r: number; start: number; bytes: Uint8Array } | { end: true };

export type FromWorker =
    | { r: number; samples: (SampleCandidates | undefined)[] }
    | { final: LeafTransfer[]; chunksSkipped: number }
    | { error: { name: string; code?: InputErrorCode; message: string; aborted: boolean } };

/** Whether a worker script is here: worker.js (the compiled processor) or worker.ts (running from sources). */
const hasWorker = (): boolean => fs.existsSync(path.join(__dirname, "worker.js")) || fs.existsSync(path.join(__dirname, "worker.ts"));

const SCRIPT = path.join("parquet", "worker.js");

/** A worker thread of a run (kept warm for the next run, ../workers.ts), with at most one request in flight. Exported for tests. */
export class RowGroupThread {
    readonly worker: WorkerType;
    private pending: { resolve(m: FromWorker): void; reject(e: Error): void } | undefined;
    /** Why the thread stopped (an error or its exit), even between requests: every later request fails with it. */
    private stopped: Error | undefined;

    constructor(init: WorkerInit) {
        this.worker = takeWorker(SCRIPT, {
            message: (m) => this.settle((p) => p.resolve(m as FromWorker)),
            error: (e) => this.stop(e),
            exit: (code) => this.stop(new Error(`a Parquet summary thread stopped (exit code ${code})`)),
        });
        this.worker.postMessage({ init } satisfies ToWorker);
    }

    /** One request and its reply. */
    request(message: ToWorker, signal: AbortSignal | undefined): Promise<FromWorker> {
        if (this.stopped !== undefined) {
            return Promise.reject(this.stopped);
        }
        return new Promise<FromWorker>((resolve, reject) => {
            const onAbort = () => this.settle((p) => p.reject(new AbortedError()));
            signal?.addEventListener("abort", onAbort, { once: true });
            this.pending = {
                resolve: (m) => {
                    signal?.removeEventListener("abort", onAbort);
                    if ("error" in m) {
                        const e = m.error;
                        reject(e.aborted ? new AbortedError() : e.code !== undefined ? new InputError(e.code, e.message) : Object.assign(new Error(e.message), { name: e.name }));
                    } else {
                        resolve(m);
                    }
                },
                reject: (e) => {
                    signal?.removeEventListener("abort", onAbort);
                    reject(e);
                },
            };
            this.worker.postMessage(message, "bytes" in message ? [message.bytes.buffer as ArrayBuffer] : []);
        });
    }

    private stop(e: Error): void {
        this.stopped ??= e;
        this.settle((p) => p.reject(e));
    }

    private settle(how: (p: { resolve(m: FromWorker): void; reject(e: Error): void }) => void): void {
        const p = this.pending;
        this.pending = undefined;
        if (p !== undefined) {
            how(p);
        }
    }
}

/** A part of the file's row groups, whose sample candidates the caller keeps (a shard's: parquet/partial.ts). */
export interface RowGroupSubset {
    /** The row groups to fold in, ascending. */
    rowGroups: number[];
    /** Called at the end, in the order of `rowGroups`, with each one's sample candidates per leaf column (not merged into the state). */
    onSamples: (r: number, samples: (SampleCandidates | undefined)[]) => void;
}

/**
 * Folds every row group of `state` (or those of `subset`) in on `threads` worker threads; false (nothing done) when
 * threads cannot be started here, so the caller runs on one thread.
 */
export async function summarizeRowGroupsInWorkers(
    state: ParquetState,
    source: RandomAccessSource,
    threads: number,
    sampleSize: number | undefined,
    signal: AbortSignal | undefined,
    onProgress: ((progress: { rows: number; bytes: number }) => void) | undefined,
    subset?: RowGroupSubset,
): Promise<boolean> {
    const groups = subset?.rowGroups ?? state.metadata.row_groups.map((_, r) => r);
    if (!hasWorker()) {
        return false;
    }
    const workers: RowGroupThread[] = [];
    let ended = false;
    try {
        for (let i = 0; i < Math.min(threads, groups.length); i++) {
            workers.push(new RowGroupThread({ metadata: state.metadata, size: source.size, sampleSize }));
        }
        const samples: (SampleCandidates | undefined)[][] = new Array(groups.length);
        let next = 0;
        const run = async (worker: RowGroupThread): Promise<void> => {
            while (next < groups.length) {
                const k = next++;
                const r = groups[k];
                if (signal?.aborted) {
                    throw new AbortedError();
                }
                const { needed, start, end } = rowGroupRange(state, r);
                // A copy the thread owns (the source's bytes may be a view of a larger buffer; a Buffer's own slice()
                // would be another view of it, so Uint8Array's copies).
                const bytes = needed.length > 0 ? Uint8Array.prototype.slice.call(await source.read(start, end)) : new Uint8Array(0);
                state.bytes += bytes.length;
                const reply = await worker.request({ r, start, bytes }, signal);
                if (!("r" in reply)) {
                    throw new Error("internal: a Parquet summary thread answered out of turn");
                }
                samples[k] = reply.samples;
                state.rows += Number(state.metadata.row_groups[r].num_rows);
                onProgress?.({ rows: state.rows, bytes: state.bytes });
            }
        };
        await Promise.all(workers.map(run));
        if (subset !== undefined) {
            groups.forEach((r, k) => subset.onSamples(r, samples[k]));
        }
        for (const blockSamples of subset === undefined ? samples : []) {
            blockSamples.forEach((c, l) => c !== undefined && state.leaves[l].column.mergeSamples(c));
        }
        for (const worker of workers) {
            const reply = await worker.request({ end: true }, signal);
            if (!("final" in reply)) {
                throw new Error("internal: a Parquet summary thread answered out of turn");
            }
            reply.final.forEach((t, l) => mergeLeaf(state.leaves[l], t));
            state.chunksSkipped += reply.chunksSkipped;
        }
        // Every thread has answered every request: each can serve another run.
        ended = true;
        return true;
    } finally {
        for (const { worker } of workers) {
            if (ended) {
                giveBack(SCRIPT, worker);
            } else {
                stopWorker(worker);
            }
        }
    }
}
