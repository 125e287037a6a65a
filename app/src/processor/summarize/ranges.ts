/**
 * Range-parallel summarising of an input that can be read at any offset (a local file, an S3 object): the calling
 * thread and `parallelism` - 1 worker threads each open their own reader and summarise whole byte ranges
 * (summarizePartial: pread, or ranged GETs on their own connections), so no thread reads, cuts or copies for the
 * others. The calling thread also detects the layout once (the first bytes), hands out ranges, and merges the
 * partials (mergePartials), exactly as one pass would summarise. A range whose start fell inside a multi-line quoted field is summarised again from the right record
 * start (see partial.ts).
 *
 * gzip cannot be cut into ranges: one stream of the reader feeds one inflater, and the existing block path
 * (summarizeStream with parallelism) parses behind it. One thread, or a small input, is read as one stream too.
 */
import type { Worker as WorkerType } from "node:worker_threads";
import { ExitCode, ExitCodeValue, ProcessorError } from "../exit-codes";
import { ByteRange, detectLayout, firstUnchained, isGzipInput, mergePartials, PartialSummary, summarizePartial } from "./partial";
import type { BlockConfig } from "./summarizer";
import { ErrorInfo, parallelSettings, rebuildError, startWorker } from "./parallel";
import type { RangeReader } from "./reader";
import type { RangeReply, RangeWorkerInit } from "./range-worker";
import { openSource, RangeSource } from "./source";
import { raceAbort, summarizeStream } from "./stream";
import { AbortedError, FileSummary, SummaryOptions } from "./types";

const MiB = 1048576;
const DEFAULT_MIN = 8 * MiB;

/** The reader's bytes as a stream of Buffers (in order). */
async function* streamOf(reader: RangeReader, signal?: AbortSignal): AsyncGenerator<Buffer> {
    for await (const c of reader.read(0, reader.size, signal)) {
        yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    }
}

/** A worker's error as the error it was (ProcessorError keeps its exit code). */
function rebuild(e: ErrorInfo): Error {
    if (e.exitCode !== undefined && e.errorClass !== undefined && (Object.values(ExitCode) as number[]).includes(e.exitCode)) {
        return new ProcessorError(e.message, e.exitCode as ExitCodeValue, e.errorClass);
    }
    return e.name === "AbortedError" ? new AbortedError() : rebuildError(e);
}

/** The ranges of an input of `size` bytes for `threads` threads. */
export function cutRanges(size: number, threads: number, rangeBytes?: number): ByteRange[] {
    const step = rangeBytes ?? Math.min(64 * MiB, Math.max(4 * MiB, Math.ceil(size / (4 * threads))));
    if (!Number.isInteger(step) || step < 1) {
        throw new RangeError("parallelRangeBytes must be an integer >= 1");
    }
    const out: ByteRange[] = [];
    for (let start = 0; start < size || out.length === 0; start += step) {
        out.push({ start, end: Math.min(size, start + step) });
    }
    return out;
}

/** Counters for tests and diagnostics (not part of the API): ranges summarised by workers and by the calling thread, and ranges summarised again. */
export const rangeStats = { byWorkers: 0, byCaller: 0, again: 0 };

/** The calling thread's own ranges: its reader, and what every range is summarised with. */
interface LocalRunner {
    reader: RangeReader;
    options: SummaryOptions;
    layout: BlockConfig | null;
    signal?: AbortSignal;
}

/**
 * Threads that summarise ranges, one range per thread at a time: `workers` worker threads, and the calling thread
 * itself whenever every worker is busy (one isolate fewer; it reads its own ranges too).
 */
class RangePool {
    private readonly workers: WorkerType[] = [];
    private readonly idle: WorkerType[] = [];
    private readonly waiting = new Map<number, { resolve(p: PartialSummary): void; reject(e: Error): void }>();
    private readonly queue: { id: number; range: ByteRange }[] = [];
    private failure: Error | undefined;
    private nextId = 0;
    private localBusy = false;

    constructor(
        init: RangeWorkerInit,
        workers: number,
        private readonly local: LocalRunner,
    ) {
        for (let i = 0; i < workers; i++) {
            const w = startWorker("range-worker.js", init);
            w.on("message", (m: RangeReply) => this.onReply(w, m));
            w.on("error", (e: Error) => this.fail(e));
            w.once("exit", (code: number) => {
                if (this.workers.includes(w)) {
                    this.fail(new Error(`a range summariser worker stopped (exit code ${code})`));
                }
            });
            this.workers.push(w);
            this.idle.push(w);
        }
    }

    run(range: ByteRange): Promise<PartialSummary> {
        if (this.failure !== undefined) {
            return Promise.reject(this.failure);
        }
        const id = this.nextId++;
        const p = new Promise<PartialSummary>((resolve, reject) => this.waiting.set(id, { resolve, reject }));
        this.queue.push({ id, range });
        this.dispatch();
        return p;
    }

    destroy(): void {
        const ws = this.workers.splice(0);
        for (const w of ws) {
            w.removeAllListeners("message");
            w.on("error", () => undefined);
            void w.terminate().catch(() => undefined);
        }
    }

    private dispatch(): void {
        while (this.idle.length > 0 && this.queue.length > 0) {
            this.idle.pop()!.postMessage(this.queue.shift()!);
            rangeStats.byWorkers++;
        }
        if (!this.localBusy && this.queue.length > 0 && this.failure === undefined) {
            const { id, range } = this.queue.shift()!;
            this.localBusy = true;
            rangeStats.byCaller++;
            const l = this.local;
            summarizePartial(l.reader, range, l.options, l.signal, l.layout)
                .then(
                    (partial) => this.settle(id, partial, undefined),
                    (e: unknown) => this.settle(id, undefined, e as Error),
                )
                .finally(() => {
                    this.localBusy = false;
                    this.dispatch();
                });
        }
    }

    private settle(id: number, partial: PartialSummary | undefined, error: Error | undefined): void {
        const waiter = this.waiting.get(id);
        this.waiting.delete(id);
        if (error !== undefined) {
            waiter?.reject(error);
        } else {
            waiter?.resolve(partial!);
        }
    }

    private onReply(w: WorkerType, m: RangeReply): void {
        this.idle.push(w);
        this.settle(m.id, m.partial, m.error === undefined ? undefined : rebuild(m.error));
        this.dispatch();
    }

    private fail(e: Error): void {
        this.failure ??= e;
        for (const w of this.waiting.values()) {
            w.reject(e);
        }
        this.waiting.clear();
    }
}

/**
 * Summarises a file or S3 object: range-parallel on `parallelism` threads when it is uncompressed and at least
 * parallelMinBytes long; otherwise as one stream of the same reader (see the file comment). The summary is the same
 * whatever the thread count (the mean up to the last digits).
 */
export async function summarizeSource(source: RangeSource, options: SummaryOptions = {}, signal?: AbortSignal): Promise<FileSummary> {
    if (signal?.aborted) {
        throw new AbortedError();
    }
    const settings = parallelSettings(options);
    const threads = settings?.workers ?? 1;
    // The calling thread is one of the `threads` readers (its share of the S3 GETs in flight).
    const opened = await openSource(source, threads);
    const reader = opened.reader;
    let pool: RangePool | undefined;
    try {
        const minBytes = options.parallelMinBytes ?? DEFAULT_MIN;
        if (threads < 2 || reader.size < minBytes || (await isGzipInput(reader, signal))) {
            return await summarizeStream(streamOf(reader, signal), options, signal);
        }
        const ranges = cutRanges(reader.size, threads, options.parallelRangeBytes);
        const layout = (await raceAbort(detectLayout(reader, options, signal), signal)) ?? null;
        const init: RangeWorkerInit = {
            source,
            options: { ...options, onProgress: undefined },
            layout,
            threads,
        };
        // The calling thread is one of the threads.
        pool = new RangePool(init, Math.min(threads, ranges.length) - 1, { reader, options: init.options, layout, signal });
        const p = pool;
        let rows = 0;
        let bytes = 0;
        const partials = await raceAbort(
            Promise.all(
                ranges.map((r) =>
                    p.run(r).then((partial) => {
                        rows += partial.result.rows;
                        bytes += partial.exit - partial.entry;
                        options.onProgress?.({ rows, bytes });
                        return partial;
                    }),
                ),
            ),
            signal,
        );
        // Ranges that started inside a multi-line quoted field: again from the right record start. Each round fixes
        // at least the first of them (the ranges before it are right), so this ends.
        for (let first = firstUnchained(partials); first >= 0; first = firstUnchained(partials)) {
            const redo: number[] = [];
            for (let i = first; i < partials.length; i++) {
                if (partials[i].entry !== partials[i - 1].exit) {
                    redo.push(i);
                }
            }
            rangeStats.again += redo.length;
            const again = await raceAbort(
                Promise.all(redo.map((i) => p.run({ start: partials[i].start, end: partials[i].end, entry: partials[i - 1].exit }))),
                signal,
            );
            redo.forEach((i, k) => {
                partials[i] = again[k];
            });
        }
        return mergePartials(partials, options);
    } finally {
        pool?.destroy();
        await opened.close().catch(() => undefined);
    }
}
