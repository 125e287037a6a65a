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
import { startWorkerIn } from "../workers";
import { LeafTransfer, mergeLeaf } from "./leaf";
import { ParquetState, rowGroupRange } from "./summarize";
import { RandomAccessSource } from "./source";

export interface WorkerInit {
    /** The parsed footer (FileMetaData), as the main thread parsed it. */
    metadata: unknown;
    size: number;
    sampleSize: number | undefined;
}

export type ToWorker = { end?: false; r: number; start: number; bytes: Uint8Array } | { end: true };

export type FromWorker =
    | { r: number; samples: (SampleCandidates | undefined)[] }
    | { final: LeafTransfer[]; chunksSkipped: number }
    | { error: { name: string; code?: InputErrorCode; message: string; aborted: boolean } };

/**
 * A worker on worker.js of this folder (the compiled processor) or on worker.ts transpiled (running from TypeScript
 * sources: tests, the bench); undefined when neither exists (then the summary runs on one thread).
 */
function startWorker(init: WorkerInit): WorkerType | undefined {
    if (!fs.existsSync(path.join(__dirname, "worker.js")) && !fs.existsSync(path.join(__dirname, "worker.ts"))) {
        return undefined;
    }
    return startWorkerIn(__dirname, "worker.js", { workerData: init });
}

/** One request to a worker and its reply (a worker has at most one in flight). */
function request(worker: WorkerType, message: ToWorker, signal: AbortSignal | undefined): Promise<FromWorker> {
    return new Promise<FromWorker>((resolve, reject) => {
        const done = () => {
            worker.off("message", onMessage);
            worker.off("error", onError);
            worker.off("exit", onExit);
            signal?.removeEventListener("abort", onAbort);
        };
        const onMessage = (m: FromWorker) => {
            done();
            if ("error" in m) {
                const e = m.error;
                reject(e.aborted ? new AbortedError() : e.code !== undefined ? new InputError(e.code, e.message) : Object.assign(new Error(e.message), { name: e.name }));
            } else {
                resolve(m);
            }
        };
        const onError = (e: Error) => {
            done();
            reject(e);
        };
        const onExit = (code: number) => {
            done();
            reject(new Error(`a Parquet summary thread stopped (exit code ${code})`));
        };
        const onAbort = () => {
            done();
            reject(new AbortedError());
        };
        worker.on("message", onMessage);
        worker.on("error", onError);
        worker.on("exit", onExit);
        signal?.addEventListener("abort", onAbort, { once: true });
        worker.postMessage(message, message.end ? [] : [message.bytes.buffer as ArrayBuffer]);
    });
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
    const workers: WorkerType[] = [];
    try {
        for (let i = 0; i < Math.min(threads, groups.length); i++) {
            const w = startWorker({ metadata: state.metadata, size: source.size, sampleSize });
            if (w === undefined) {
                return false;
            }
            workers.push(w);
        }
        const samples: (SampleCandidates | undefined)[][] = new Array(groups.length);
        let next = 0;
        const run = async (worker: WorkerType): Promise<void> => {
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
                const reply = await request(worker, { r, start, bytes }, signal);
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
            const reply = await request(worker, { end: true }, signal);
            if (!("final" in reply)) {
                throw new Error("internal: a Parquet summary thread answered out of turn");
            }
            reply.final.forEach((t, l) => mergeLeaf(state.leaves[l], t));
            state.chunksSkipped += reply.chunksSkipped;
        }
        return true;
    } finally {
        for (const w of workers) {
            void w.terminate();
        }
    }
}
