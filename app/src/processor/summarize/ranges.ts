/**
 * Range-parallel summarising of an input that can be read at any offset (a local file, an S3 object): `parallelism`
 * worker threads each open their own reader and summarise whole byte ranges (summarizePartial: pread, or ranged GETs
 * on their own connections), so no thread reads, cuts or copies for the others. The calling thread only detects the
 * layout once (the first bytes), hands out ranges, and merges the partials (mergePartials), exactly as one pass would
 * summarise. A range whose start fell inside a multi-line quoted field is summarised again from the right record
 * start (see partial.ts).
 *
 * gzip cannot be cut into ranges: one stream of the reader feeds one inflater, and the existing block path
 * (summarizeStream with parallelism) parses behind it. One thread, or a small input, is read as one stream too.
 */
import type { Worker as WorkerType } from "node:worker_threads";
import { ExitCode, ExitCodeValue, ProcessorError } from "../exit-codes";
import { ByteRange, detectLayout, firstUnchained, isGzipInput, mergePartials, PartialSummary } from "./partial";
import { parallelSettings, startWorker } from "./parallel";
import type { RangeReader } from "./reader";
import type { ErrorInfo, RangeReply, RangeWorkerInit } from "./range-worker";
import { openSource, RangeSource } from "./source";
import { summarizeStream } from "./stream";
import { AbortedError, FileSummary, InputError, InputErrorCode, SummaryOptions } from "./types";

const MiB = 1048576;
const DEFAULT_MIN = 8 * MiB;

/** The reader's bytes as a stream of Buffers (in order). */
async function* streamOf(reader: RangeReader, signal?: AbortSignal): AsyncGenerator<Buffer> {
    for await (const c of reader.read(0, reader.size, signal)) {
        yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    }
}

function rebuild(e: ErrorInfo): Error {
    if (e.name === "InputError" && e.code !== undefined) {
        return new InputError(e.code as InputErrorCode, e.message);
    }
    if (e.exitCode !== undefined && e.errorClass !== undefined && (Object.values(ExitCode) as number[]).includes(e.exitCode)) {
        return new ProcessorError(e.message, e.exitCode as ExitCodeValue, e.errorClass);
    }
    if (e.name === "AbortedError") {
        return new AbortedError();
    }
    const err = new Error(e.message);
    err.name = e.name;
    if (e.stack !== undefined) {
        err.stack = e.stack;
    }
    return err;
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

/** Worker threads that summarise ranges, one range per worker at a time. */
class RangePool {
    private readonly workers: WorkerType[] = [];
    private readonly idle: WorkerType[] = [];
    private readonly waiting = new Map<number, { resolve(p: PartialSummary): void; reject(e: Error): void }>();
    private readonly queue: { id: number; range: ByteRange }[] = [];
    private failure: Error | undefined;
    private nextId = 0;

    constructor(init: RangeWorkerInit, threads: number) {
        for (let i = 0; i < threads; i++) {
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
        }
    }

    private onReply(w: WorkerType, m: RangeReply): void {
        const waiter = this.waiting.get(m.id);
        this.waiting.delete(m.id);
        this.idle.push(w);
        if (m.error !== undefined) {
            waiter?.reject(rebuild(m.error));
        } else {
            waiter?.resolve(m.partial!);
        }
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

/** p, or an AbortedError as soon as the signal aborts. */
function orAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal === undefined) {
        return p;
    }
    p.catch(() => undefined);
    if (signal.aborted) {
        return Promise.reject(new AbortedError());
    }
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(new AbortedError());
        signal.addEventListener("abort", onAbort, { once: true });
        p.then(
            (v) => {
                signal.removeEventListener("abort", onAbort);
                resolve(v);
            },
            (e: unknown) => {
                signal.removeEventListener("abort", onAbort);
                reject(e);
            },
        );
    });
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
    const opened = await openSource(source, threads);
    const reader = opened.reader;
    let pool: RangePool | undefined;
    try {
        const minBytes = options.parallelMinBytes ?? DEFAULT_MIN;
        if (threads < 2 || reader.size < minBytes || (await isGzipInput(reader, signal))) {
            return await summarizeStream(streamOf(reader, signal), options, signal);
        }
        const ranges = cutRanges(reader.size, threads, options.parallelRangeBytes);
        const layout = (await orAbort(detectLayout(reader, options, signal), signal)) ?? null;
        const init: RangeWorkerInit = {
            source,
            options: { ...options, onProgress: undefined },
            layout,
            threads,
        };
        pool = new RangePool(init, Math.min(threads, ranges.length));
        const p = pool;
        let rows = 0;
        let bytes = 0;
        const partials = await orAbort(
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
            const again = await orAbort(
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
