/**
 * Range-parallel summarising of an input that can be read at any offset (a local file, an S3 object): the calling
 * thread and `parallelism` - 1 worker threads each open their own reader and summarise whole byte ranges
 * (summarizePartial: pread, or ranged GETs on their own connections), so no thread reads, cuts or copies for the
 * others. Each thread claims its next range from a counter they share as soon as it is free (no thread hands ranges
 * out). The calling thread also detects the layout once (the first bytes) and merges the partials (mergePartials),
 * exactly as one pass would summarise. A range whose start fell inside a multi-line quoted field is summarised again
 * from the right record start (see partial.ts).
 *
 * gzip cannot be cut into ranges: one stream of the reader feeds one inflater, and the existing block path
 * (summarizeStream with parallelism) parses behind it. One thread, or a small input, is read as one stream too.
 */
import type { Worker as WorkerType } from "node:worker_threads";
import { ExitCode, ExitCodeValue, ProcessorError } from "../exit-codes";
import { ByteRange, claimEach, detectLayout, isGzipInput, PartialMerger, PartialSummary, prefetchRanges, summarizePartial } from "./partial";
import type { BlockConfig } from "./summarizer";
import { ErrorInfo, parallelSettings, rebuildError } from "./parallel";
import type { RangeReader } from "./reader";
import type { RangeBatch, RangeReply, RangeWorkerInit, RangeWorkerMessage } from "./range-worker";
import { openSource, RangeSource } from "./source";
import { summarizeStream } from "./stream";
import { AbortedError, FileSummary, raceAbort, SummaryOptions } from "./types";
import { giveBack, stopWorker, takeWorker } from "./workers";

const MiB = 1048576;
const DEFAULT_MIN = 8 * MiB;
const MIN_RANGE = 4 * MiB;
/**
 * At most this much per range: fewer, longer ranges cost less (a range's setup, its partial sent and merged) — on the
 * bench's 1 GB file at 2 threads, 18 ranges under a 256 MiB cap took 2.50 s and 4.95 CPU s against 2.60 s and 5.12 with
 * 24 under 64 MiB (docs/performance-parallel.md) — while a range summarised again (a wrong guess of its first record)
 * and the gaps between progress reports stay bounded.
 */
const MAX_RANGE = 256 * MiB;

/** The reader's bytes as a stream of Buffers (in order); see RangeReader.read for `reuse`. */
async function* streamOf(reader: RangeReader, signal?: AbortSignal, reuse = false): AsyncGenerator<Buffer> {
    for await (const c of reader.read(0, reader.size, signal, reuse)) {
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

/**
 * The ranges of an input of `size` bytes for `threads` threads: `rangeBytes` each, or by default each range a share
 * of what is left (1 / (2 × threads), 4 to 256 MiB), so that ranges shrink towards the end and the threads finish
 * close together.
 */
export function cutRanges(size: number, threads: number, rangeBytes?: number): ByteRange[] {
    if (rangeBytes !== undefined && (!Number.isInteger(rangeBytes) || rangeBytes < 1)) {
        throw new RangeError("parallelRangeBytes must be an integer >= 1");
    }
    const out: ByteRange[] = [];
    for (let start = 0; start < size || out.length === 0; ) {
        const step = rangeBytes ?? Math.min(MAX_RANGE, Math.max(MIN_RANGE, Math.ceil((size - start) / (2 * threads))));
        // No sliver at the end: a last piece under MIN_RANGE joins the range before it.
        const end = rangeBytes === undefined && size - (start + step) < MIN_RANGE ? size : Math.min(size, start + step);
        out.push({ start, end });
        start = end;
    }
    return out;
}

/** Counters for tests and diagnostics (not part of the API): ranges summarised by workers and by the calling thread, and ranges summarised again. */
export const rangeStats = { byWorkers: 0, byCaller: 0, again: 0 };

/**
 * Tests only: the workers claim the even-numbered ranges and the calling thread the odd-numbered ones, so that both
 * summarise ranges even of an input small enough for the calling thread to finish before the workers have started.
 */
export const rangeTesting = { split: false };

/** Batch numbers, unique in the process (a worker serves one pool after another). */
let nextBatch = 0;

/** The calling thread's own ranges: its reader, and what every range is summarised with. */
interface LocalRunner {
    reader: RangeReader;
    options: SummaryOptions;
    signal?: AbortSignal;
}

/**
 * `workers` worker threads and the calling thread summarise batches of ranges: each thread claims the next range from
 * a counter they share (claimEach) as soon as it is free, so no thread hands ranges out or waits for one.
 */
class RangePool {
    private readonly workers: WorkerType[] = [];
    /** The batch being summarised: take() files a range's partial, fail() ends the batch. */
    private batch: { id: number; take(index: number, partial: PartialSummary): void; fail(e: Error): void } | undefined;
    private failure: Error | undefined;
    /** Whether a batch is being summarised (run() has not returned). */
    private running = false;

    constructor(
        init: RangeWorkerInit,
        workers: number,
        private readonly local: LocalRunner,
    ) {
        for (let i = 0; i < workers; i++) {
            const w = takeWorker("range-worker.js", {
                message: (m) => this.onReply(m as RangeReply),
                error: (e) => this.fail(e),
                exit: (code) => this.fail(new Error(`a range summariser worker stopped (exit code ${code})`)),
            });
            w.postMessage({ open: init } satisfies RangeWorkerMessage);
            this.workers.push(w);
        }
    }

    /** Summarises the ranges on every thread; calls onPartial as each is done. Resolves with the partials in range order. */
    async run(ranges: ByteRange[], layout: BlockConfig | null, onPartial: (index: number, p: PartialSummary) => void): Promise<PartialSummary[]> {
        if (this.failure !== undefined) {
            throw this.failure;
        }
        if (ranges.length === 0) {
            return [];
        }
        this.running = true;
        const id = nextBatch++;
        const counter = new Int32Array(new SharedArrayBuffer(4));
        const partials: (PartialSummary | undefined)[] = ranges.map(() => undefined);
        let left = ranges.length;
        const done = new Promise<void>((resolve, reject) => {
            this.batch = {
                id,
                take: (index, partial) => {
                    partials[index] = partial;
                    onPartial(index, partial);
                    if (--left === 0) {
                        resolve();
                    }
                },
                fail: reject,
            };
        });
        done.catch(() => undefined);
        const batch = this.batch!;
        // The calling thread claims from the same counter, or with rangeTesting.split the odd indexes from its own.
        const split = rangeTesting.split && this.workers.length > 0;
        const message: RangeBatch = { batch: id, ranges, layout, counter: counter.buffer as SharedArrayBuffer, first: 0, step: split ? 2 : 1 };
        for (const w of this.workers) {
            w.postMessage(message);
        }
        const l = this.local;
        try {
            const own = split ? new Int32Array(new SharedArrayBuffer(4)) : counter;
            await claimEach(
                own,
                ranges.length,
                async (index) => {
                    const partial = await summarizePartial(l.reader, ranges[index], l.options, l.signal, layout);
                    rangeStats.byCaller++;
                    batch.take(index, partial);
                },
                split ? 1 : 0,
                split ? 2 : 1,
                prefetchRanges(l.reader, ranges),
            );
        } catch (e) {
            this.fail(e as Error);
        }
        await done;
        this.running = false;
        return partials as PartialSummary[];
    }

    /** Gives the workers back when every batch ended well (they are free), else stops them. */
    destroy(): void {
        const free = this.failure === undefined && !this.running;
        for (const w of this.workers.splice(0)) {
            if (free) {
                w.postMessage({ close: true } satisfies RangeWorkerMessage);
                giveBack("range-worker.js", w);
            } else {
                stopWorker(w);
            }
        }
    }

    private onReply(m: RangeReply): void {
        if (this.batch === undefined || m.batch !== this.batch.id) {
            return;
        }
        if (m.error !== undefined) {
            this.fail(rebuild(m.error));
        } else if (m.partial !== undefined && m.index !== undefined) {
            rangeStats.byWorkers++;
            this.batch.take(m.index, m.partial);
        }
    }

    private fail(e: Error): void {
        this.failure ??= e;
        this.batch?.fail(this.failure);
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
            // On one thread, plain input goes straight to the core, which copies what it keeps of a chunk, while
            // summarizeStream asks for one chunk ahead: a reader may reuse its buffers (an inflater or the block path
            // may hold on to more). Only a reader that reuses them needs to know (an S3 reader is not asked: that
            // would be one more GET).
            const reuse = threads < 2 && reader.reusesBuffers === true && !(await isGzipInput(reader, signal));
            return await summarizeStream(streamOf(reader, signal, reuse), options, signal);
        }
        const ranges = cutRanges(reader.size, threads, options.parallelRangeBytes);
        const rangeOptions = { ...options, onProgress: undefined };
        const init: RangeWorkerInit = { source, options: rangeOptions, threads };
        // The workers start while the calling thread (one of the threads) detects the layout.
        pool = new RangePool(init, Math.min(threads, ranges.length) - 1, { reader, options: rangeOptions, signal });
        const layout = (await raceAbort(detectLayout(reader, options, signal), signal)) ?? null;
        let rows = 0;
        let bytes = 0;
        // Each partial is merged as soon as the ones before it are, and it chains with them (while the other threads
        // still work); one that does not chain waits to be summarised again.
        const partials: (PartialSummary | undefined)[] = ranges.map(() => undefined);
        let merger: PartialMerger | undefined;
        let merged = 0;
        /** A failure to merge, kept to be thrown from here (not from a worker's message handler). */
        let mergeError: unknown;
        const mergeReady = (): void => {
            for (let p = partials[merged]; p !== undefined && (merged === 0 || p.entry === partials[merged - 1]!.exit); p = partials[merged]) {
                if (merger === undefined) {
                    merger = new PartialMerger(p, rangeOptions);
                } else {
                    merger.add(p);
                }
                merged++;
            }
        };
        await raceAbort(
            pool.run(ranges, layout, (index, partial) => {
                rows += partial.result.rows;
                bytes += partial.exit - partial.entry;
                options.onProgress?.({ rows, bytes });
                partials[index] = partial;
                try {
                    mergeReady();
                } catch (e) {
                    mergeError ??= e;
                }
            }),
            signal,
        );
        if (mergeError !== undefined) {
            throw mergeError;
        }
        // Ranges that started inside a multi-line quoted field: again from the right record start. Each round fixes
        // at least the first of them (the ranges before it are right), so this ends.
        while (merged < partials.length) {
            const redo: number[] = [];
            for (let i = merged; i < partials.length; i++) {
                if (partials[i]!.entry !== partials[i - 1]!.exit) {
                    redo.push(i);
                }
            }
            rangeStats.again += redo.length;
            const again = await raceAbort(
                pool.run(
                    redo.map((i) => ({ start: partials[i]!.start, end: partials[i]!.end, entry: partials[i - 1]!.exit })),
                    layout,
                    () => undefined,
                ),
                signal,
            );
            redo.forEach((i, k) => {
                partials[i] = again[k];
            });
            mergeReady();
        }
        return merger!.end();
    } finally {
        pool?.destroy();
        await opened.close().catch(() => undefined);
    }
}
