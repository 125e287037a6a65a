/**
 * Worker thread entry for range-parallel summarising (ranges.ts): opens its own reader on a run's source once, then,
 * for each batch of ranges it is given, claims ranges one at a time from a counter shared by every thread (the calling
 * thread included) and summarises them into PartialSummaries (plain JSON), until none is left. No thread hands out
 * ranges, so a thread that finishes one starts the next at once. The worker is kept warm for the next run
 * (workers.ts).
 *
 * Messages in (RangeWorkerMessage), for each run: { open: RangeWorkerInit }, RangeBatch…, { close: true }, handled one
 * after another; out: RangeReply, one per range summarised ({ batch, index, partial }), or the error that stopped a
 * batch ({ batch, error }).
 */
import { parentPort } from "node:worker_threads";
import { ByteRange, claimEach, PartialSummary, prefetchRanges, summarizePartial } from "./partial";
import { OpenedSource, openSource, RangeSource } from "./source";
import type { BlockConfig } from "./summarizer";
import type { SummaryOptions } from "./types";
import { errorInfo, type ErrorInfo } from "./parallel";

export interface RangeWorkerInit {
    source: RangeSource;
    options: SummaryOptions;
    threads: number;
}

/** Ranges to summarise: every thread claims the next index with Atomics.add on `counter` (an Int32Array's buffer). */
export interface RangeBatch {
    batch: number;
    ranges: ByteRange[];
    /** The layout the calling thread detected (null: the input has no record). */
    layout: BlockConfig | null;
    counter: SharedArrayBuffer;
    /** The indexes the workers claim: first, first + step, … (see claimEach). */
    first: number;
    step: number;
}

export type RangeWorkerMessage = { open: RangeWorkerInit } | RangeBatch | { close: true };

export interface RangeReply {
    batch: number;
    /** The index in the batch of the range summarised (with partial). */
    index?: number;
    partial?: PartialSummary;
    error?: ErrorInfo;
}

function run(): void {
    const port = parentPort;
    if (port === null) {
        return;
    }
    /** The run's settings and source, opened while the calling thread detects the layout. */
    let init: RangeWorkerInit | undefined;
    let opened: Promise<OpenedSource> | undefined;
    const close = async (): Promise<void> => {
        const o = opened;
        opened = undefined;
        await (await o?.catch(() => undefined))?.close().catch(() => undefined);
    };
    // Messages are handled one after another.
    let queue = Promise.resolve();
    port.on("message", (m: RangeWorkerMessage) => {
        if ("open" in m) {
            queue = queue.then(async () => {
                await close();
                init = m.open;
                opened = openSource(m.open.source, m.open.threads);
                opened.catch(() => undefined);
            });
            return;
        }
        if ("close" in m) {
            queue = queue.then(close);
            return;
        }
        const b = m;
        queue = queue.then(async () => {
            try {
                const run = init;
                if (run === undefined || opened === undefined) {
                    throw new Error("internal: a batch of ranges came before its source");
                }
                const o = await opened;
                await claimEach(new Int32Array(b.counter), b.ranges.length, async (index) => {
                    const partial = await summarizePartial(o.reader, b.ranges[index], run.options, undefined, b.layout);
                    port.postMessage({ batch: b.batch, index, partial } satisfies RangeReply);
                }, b.first, b.step, prefetchRanges(o.reader, b.ranges));
            } catch (e) {
                // The other threads stop claiming.
                Atomics.store(new Int32Array(b.counter), 0, b.ranges.length);
                port.postMessage({ batch: b.batch, error: errorInfo(e) } satisfies RangeReply);
            }
        });
    });
}

run();
