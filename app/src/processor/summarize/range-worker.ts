/**
 * Worker thread entry for range-parallel summarising (ranges.ts): opens its own reader on the source once, then, for
 * each batch of ranges it is given, claims ranges one at a time from a counter shared by every thread (the calling
 * thread included) and summarises them into PartialSummaries (plain JSON), until none is left. No thread hands out
 * ranges, so a thread that finishes one starts the next at once.
 *
 * workerData: RangeWorkerInit. Messages in: RangeBatch; out: RangeReply, one per range summarised ({ batch, index,
 * partial }), or the error that stopped it ({ batch, error }).
 */
import { parentPort, workerData } from "node:worker_threads";
import { ByteRange, claimEach, PartialSummary, summarizePartial } from "./partial";
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
    const init = workerData as RangeWorkerInit;
    // Opened while the calling thread detects the layout.
    const opened: Promise<OpenedSource> = openSource(init.source, init.threads);
    opened.catch(() => undefined);
    // Batches run one after another.
    let queue = Promise.resolve();
    port.on("message", (b: RangeBatch) => {
        queue = queue.then(async () => {
            try {
                const o = await opened;
                await claimEach(new Int32Array(b.counter), b.ranges.length, async (index) => {
                    const partial = await summarizePartial(o.reader, b.ranges[index], init.options, undefined, b.layout);
                    port.postMessage({ batch: b.batch, index, partial } satisfies RangeReply);
                }, b.first, b.step);
            } catch (e) {
                // The other threads stop claiming.
                Atomics.store(new Int32Array(b.counter), 0, b.ranges.length);
                port.postMessage({ batch: b.batch, error: errorInfo(e) } satisfies RangeReply);
            }
        });
    });
}

run();
