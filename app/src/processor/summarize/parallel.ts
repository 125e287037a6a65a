/**
 * The parallel driver behind summarizeStream: the calling thread detects the format and summarises the first
 * `parallelMinBytes` itself (small inputs never start a worker), then cuts the rest into blocks of whole records
 * (split.ts), hands them to parallelism - 1 worker threads (worker.ts; the buffer is transferred, not copied, and
 * comes back for reuse), summarising a block itself whenever every worker has 2 in flight (that also holds reading
 * back).
 *
 * Every thread (each worker, and the calling thread for the blocks it takes) keeps ONE persistent state per column
 * for the whole run: counts, extremes (with the block they were first seen in, for the earliest-wins tie-break),
 * compensated sums, HyperLogLog registers and the exact-distinct set. A block's result is only what depends on input
 * order and is small: row/line counts, the first bad rows, the sample candidates and JSON Lines' new keys; those are
 * merged in input order as results come in. The column states are merged once, at the end. That gives exactly the
 * summary of sequential processing (the mean up to rounding) with no per-block garbage, so memory stays flat.
 */
import type { Worker as WorkerType } from "node:worker_threads";
import { CutFormat, findCut } from "./split";
import * as split from "./split";
import { BlockConfig, CoreSummarizer } from "./summarizer";
import { FileSummary, InputError, InputErrorCode, SummaryOptions } from "./types";
import type { ColumnState } from "./columns";
import type { BlockMessage, BlockReply, BlockWorkerMessage, WorkerInit } from "./worker";
import { giveBack, stopWorker, takeWorker, workersAvailable } from "./workers";
// The constants this module's hot code uses, bound here: see the note in scan-state.ts.
const { CUT_NONE, CUT_SKIP } = split;

const DEFAULT_BLOCK = 1048576;
const DEFAULT_MIN = 8 * 1048576;
const IN_FLIGHT_PER_WORKER = 2;

export interface ParallelSettings {
    workers: number;
    blockBytes: number;
    minBytes: number;
}

function checkInt(name: string, v: number | undefined, min: number, dflt: number): number {
    if (v === undefined) {
        return dflt;
    }
    if (!Number.isInteger(v) || v < min) {
        throw new RangeError(`${name} must be an integer >= ${min}`);
    }
    return v;
}

/** The parallel settings for these options, or undefined for the single-threaded path. */
export function parallelSettings(options?: SummaryOptions): ParallelSettings | undefined {
    // With the default 1, everything stays on the calling thread (see SummaryOptions.parallelism).
    const workers = checkInt("parallelism", options?.parallelism, 1, 1);
    const blockBytes = checkInt("parallelBlockBytes", options?.parallelBlockBytes, 1, DEFAULT_BLOCK);
    const minBytes = checkInt("parallelMinBytes", options?.parallelMinBytes, 0, DEFAULT_MIN);
    if (workers < 2 || !workersAvailable()) {
        return undefined;
    }
    return { workers, blockBytes, minBytes };
}

/** A worker's error, described as plain data (structured-clone friendly). */
export interface ErrorInfo {
    name: string;
    message: string;
    stack?: string;
    /** InputError's code. */
    code?: string;
    /** ProcessorError's exit code and class. */
    exitCode?: number;
    errorClass?: string;
}

export function rebuildError(e: ErrorInfo): Error {
    if (e.name === "InputError" && e.code !== undefined) {
        return new InputError(e.code as InputErrorCode, e.message);
    }
    const err = new Error(e.message);
    err.name = e.name;
    if (e.stack !== undefined) {
        err.stack = e.stack;
    }
    return err;
}

/** Counters for tests and diagnostics (not part of the API); liveWorkers: the workers runs hold now. */
export const parallelStats = { runs: 0, blocks: 0, liveWorkers: 0 };

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

export function errorInfo(e: unknown): ErrorInfo {
    const err = e as Error & { exitCode?: unknown; errorClass?: unknown };
    return {
        name: err?.name ?? "Error",
        code: e instanceof InputError ? e.code : undefined,
        message: err?.message ?? String(e),
        stack: err?.stack,
        exitCode: typeof err?.exitCode === "number" ? err.exitCode : undefined,
        errorClass: typeof err?.errorClass === "string" ? err.errorClass : undefined,
    };
}

export type Waiter = <T>(p: Promise<T>) => Promise<T>;

export class ParallelDriver {
    private started = false;
    private draining = false;
    private config!: BlockConfig;
    private cutFormat!: CutFormat;
    private workers: WorkerType[] = [];
    private inFlight: number[] = [];
    private sentKeys: number[] = [];
    private totalInFlight = 0;
    private readonly maxInFlight: number;
    private seq = 0;
    private nextMerge = 0;
    private readonly results = new Map<number, BlockReply>();
    private readonly expectSkip = new Map<number, boolean>();
    private failure: Error | undefined;
    private wakeUp: (() => void) | undefined;
    private block: Buffer = Buffer.alloc(0);
    private fill = 0;
    private skipping = false;
    private readonly pool: ArrayBuffer[] = [];
    private destroyed = false;
    /** Whether end() merged every worker's final states (the workers are free). */
    private ended = false;
    /** Summarises blocks on the calling thread. */
    private local: CoreSummarizer | undefined;
    /** The workers' final column states (end()). */
    private finals: (ColumnState[] | undefined)[] = [];

    constructor(
        private readonly core: CoreSummarizer,
        private readonly settings: ParallelSettings,
        private readonly options: SummaryOptions,
        private readonly wait: Waiter,
    ) {
        this.maxInFlight = (settings.workers - 1) * IN_FLIGHT_PER_WORKER;
    }

    /** Whether blocks went to workers. */
    get parallel(): boolean {
        return this.started;
    }

    async write(chunk: Buffer): Promise<void> {
        if (!this.started) {
            this.core.write(chunk);
            if (this.core.bytesIn >= this.settings.minBytes) {
                const cfg = this.core.blockConfig();
                if (cfg !== undefined) {
                    this.start(cfg);
                }
            }
            return;
        }
        this.throwIfFailed();
        this.core.addBytes(chunk.length);
        let off = 0;
        if (this.draining) {
            off = this.core.drainPending(chunk);
            if (off < 0) {
                return;
            }
            this.draining = false;
        }
        while (off < chunk.length) {
            const k = Math.min(this.block.length - this.fill, chunk.length - off);
            chunk.copy(this.block, this.fill, off, off + k);
            this.fill += k;
            off += k;
            if (this.fill === this.block.length) {
                await this.cutAndSend();
            }
        }
    }

    async end(): Promise<FileSummary> {
        if (this.started) {
            this.throwIfFailed();
            if (this.fill > 0) {
                const buf = this.block;
                const len = this.fill;
                this.block = Buffer.alloc(0);
                this.fill = 0;
                await this.send(buf, len, this.skipping, true, false);
            }
            while (this.nextMerge < this.seq) {
                await this.next();
            }
            this.throwIfFailed();
            // Every block is merged: now the column states, once per thread.
            this.finals = this.workers.map(() => undefined);
            const finish: BlockMessage = { seq: -1, buf: new ArrayBuffer(0), len: 0, skipping: false, eof: false, finish: true };
            for (const w of this.workers) {
                w.postMessage(finish);
            }
            this.core.mergeFinal(this.local!.finalStates());
            for (let i = 0; i < this.workers.length; i++) {
                while (this.finals[i] === undefined) {
                    await this.next();
                }
                this.core.mergeFinal(this.finals[i]!);
                this.finals[i] = undefined;
            }
            // Every worker has answered every message: each can serve another run.
            this.ended = true;
        }
        return this.core.end();
    }

    /** Gives the workers back after a run that ended well, else stops them (idempotent). */
    destroy(): void {
        if (this.destroyed) {
            return;
        }
        this.destroyed = true;
        for (const w of this.workers) {
            parallelStats.liveWorkers--;
            if (this.ended) {
                giveBack("worker.js", w);
            } else {
                stopWorker(w);
            }
        }
        this.workers = [];
        this.results.clear();
        this.pool.length = 0;
    }

    private start(cfg: BlockConfig): void {
        this.started = true;
        parallelStats.runs++;
        this.config = cfg;
        this.cutFormat = {
            jsonl: cfg.format === "jsonl",
            delim: cfg.delimiter.charCodeAt(0),
            eol: cfg.eol,
            quote: cfg.quotes ? 34 : -1,
            window: this.core.recordWindow,
        };
        this.draining = this.core.pending;
        this.block = this.newBlock(this.settings.blockBytes);
        const o = this.options;
        const init: WorkerInit = {
            options: { maxLineBytes: o.maxLineBytes, sampleSize: o.sampleSize, maxBadRowsReported: o.maxBadRowsReported },
            config: cfg,
        };
        this.local = new CoreSummarizer(init.options);
        this.local.initBlocks(cfg);
        // The calling thread is one of the `workers` threads (it takes a block whenever the workers are busy).
        for (let i = 0; i < this.settings.workers - 1; i++) {
            const index = i;
            const w = takeWorker("worker.js", {
                message: (m) => this.onReply(index, m as BlockReply),
                error: (e) => this.fail(e),
                exit: (code) => {
                    if (!this.destroyed) {
                        this.fail(new Error(`a summariser worker stopped (exit code ${code})`));
                    }
                },
            });
            parallelStats.liveWorkers++;
            w.postMessage({ init } satisfies BlockWorkerMessage);
            this.workers.push(w);
            this.inFlight.push(0);
            this.sentKeys.push(0);
        }
        this.sentKeys.push(0);
    }

    private newBlock(size: number): Buffer {
        while (this.pool.length > 0) {
            const ab = this.pool.pop()!;
            if (ab.byteLength >= size) {
                return Buffer.from(ab, 0, ab.byteLength);
            }
        }
        return Buffer.from(new ArrayBuffer(size));
    }

    /** The block is full: sends its whole records and keeps the rest for the next block. */
    private async cutAndSend(): Promise<void> {
        const cur = this.block;
        const cut = findCut(cur.subarray(0, this.fill), this.cutFormat, this.skipping, this.core);
        if (cut === CUT_NONE) {
            const bigger = this.newBlock(2 * cur.length);
            cur.copy(bigger, 0, 0, this.fill);
            this.block = bigger;
            this.pool.push(cur.buffer as ArrayBuffer);
            return;
        }
        const end = cut === CUT_SKIP ? this.fill : cut;
        const rest = this.fill - end;
        const next = this.newBlock(Math.max(this.settings.blockBytes, 2 * rest));
        cur.copy(next, 0, end, this.fill);
        this.block = next;
        this.fill = rest;
        const skipping = this.skipping;
        this.skipping = cut === CUT_SKIP;
        await this.send(cur, end, skipping, false, this.skipping);
    }

    /**
     * Hands a block to the least busy worker, or, when all of them have IN_FLIGHT_PER_WORKER blocks, summarises it
     * on the calling thread (which is also how reading is held back).
     */
    private async send(buf: Buffer, len: number, skipping: boolean, eof: boolean, skipAfter: boolean): Promise<void> {
        this.throwIfFailed();
        if (this.totalInFlight >= this.maxInFlight) {
            const seq = this.seq++;
            if (!eof) {
                this.expectSkip.set(seq, skipAfter);
            }
            const local = this.local!;
            const li = this.workers.length;
            let reply: BlockReply;
            try {
                if (this.config.format === "jsonl") {
                    const known = this.core.columnCount;
                    const upto = Math.min(known, 1000);
                    local.knowKeys(this.sentKeys[li], this.core.jsonKeys(this.sentKeys[li], upto), known);
                    this.sentKeys[li] = Math.max(this.sentKeys[li], upto);
                }
                reply = { seq, buf: buf.buffer as ArrayBuffer, result: local.runBlock(buf.subarray(0, len), skipping, eof, seq) };
            } catch (e) {
                reply = { seq, buf: buf.buffer as ArrayBuffer, error: errorInfo(e) };
            }
            parallelStats.blocks++;
            this.results.set(seq, reply);
            this.mergeReady();
            // Let the workers' replies in, so that they get their next blocks at once.
            await yieldToLoop();
            this.throwIfFailed();
            return;
        }
        let w = 0;
        for (let i = 1; i < this.workers.length; i++) {
            if (this.inFlight[i] < this.inFlight[w]) {
                w = i;
            }
        }
        const seq = this.seq++;
        const msg: BlockMessage = { seq, buf: buf.buffer as ArrayBuffer, len, skipping, eof };
        if (this.config.format === "jsonl") {
            const known = this.core.columnCount;
            const upto = Math.min(known, 1000);
            msg.keysFrom = this.sentKeys[w];
            msg.keys = this.core.jsonKeys(this.sentKeys[w], upto);
            msg.known = known;
            this.sentKeys[w] = Math.max(this.sentKeys[w], upto);
        }
        if (!eof) {
            this.expectSkip.set(seq, skipAfter);
        }
        this.inFlight[w]++;
        this.totalInFlight++;
        parallelStats.blocks++;
        this.workers[w].postMessage(msg, [msg.buf]);
    }

    /** Waits for the next reply (or failure). */
    private async next(): Promise<void> {
        this.throwIfFailed();
        await this.wait(
            new Promise<void>((resolve) => {
                this.wakeUp = resolve;
            }),
        );
        this.throwIfFailed();
    }

    private wake(): void {
        const w = this.wakeUp;
        this.wakeUp = undefined;
        w?.();
    }

    private fail(e: Error): void {
        if (this.failure === undefined) {
            this.failure = e;
        }
        this.wake();
    }

    private throwIfFailed(): void {
        if (this.failure !== undefined) {
            throw this.failure;
        }
    }

    private onReply(w: number, m: BlockReply): void {
        if (this.destroyed) {
            return;
        }
        if (m.seq < 0) {
            if (m.error !== undefined) {
                this.fail(rebuildError(m.error));
            } else {
                this.finals[w] = m.final;
            }
            this.wake();
            return;
        }
        this.inFlight[w]--;
        this.totalInFlight--;
        this.results.set(m.seq, m);
        if (this.failure === undefined) {
            try {
                this.mergeReady();
            } catch (e) {
                this.fail(e as Error);
            }
        }
        this.wake();
    }

    private mergeReady(): void {
        for (;;) {
            const m = this.results.get(this.nextMerge);
            if (m === undefined) {
                return;
            }
            this.results.delete(this.nextMerge);
            if (m.buf !== undefined && m.buf.byteLength > 0 && this.pool.length < this.maxInFlight + 2) {
                this.pool.push(m.buf);
            }
            if (m.error !== undefined) {
                throw rebuildError(m.error);
            }
            const r = m.result!;
            const expected = this.expectSkip.get(this.nextMerge);
            this.expectSkip.delete(this.nextMerge);
            if (expected !== undefined && expected !== r.skipping) {
                throw new Error("internal: a parallel block ended in a state the splitter did not expect");
            }
            this.core.mergeBlock(r);
            this.nextMerge++;
        }
    }
}
