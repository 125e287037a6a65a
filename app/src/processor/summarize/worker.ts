/**
 * Worker thread entry: summarises blocks of whole records for the parallel driver (parallel.ts) into one persistent
 * set of column states for the whole run.
 *
 * Messages in, for each run (a worker is kept warm for the next run, workers.ts): { init: { options, config } }, then
 * { seq, buf: ArrayBuffer, len, skipping, eof, keysFrom?, keys?, known? } (a block), then { seq: -1, finish: true };
 * out: { seq, buf, result } or { seq, buf, error: { name, code?, message } } per block (the block's buffer goes back for
 * reuse), and { seq: -1, final: column states } at the end.
 */
import { parentPort } from "node:worker_threads";
import type { ColumnState } from "./columns";
import { BlockConfig, BlockResult, CoreSummarizer } from "./summarizer";
import type { SummaryOptions } from "./types";
import { errorInfo, type ErrorInfo } from "./parallel";

export interface BlockMessage {
    seq: number;
    buf: ArrayBuffer;
    len: number;
    skipping: boolean;
    eof: boolean;
    /** The last message: reply with the final column states. */
    finish?: boolean;
    keysFrom?: number;
    keys?: string[];
    known?: number;
}

export interface BlockReply {
    seq: number;
    buf?: ArrayBuffer;
    result?: BlockResult;
    /** The reply to finish. */
    final?: ColumnState[];
    error?: ErrorInfo;
}

export interface WorkerInit {
    options: SummaryOptions;
    config: BlockConfig;
}

/** A run's first message (its settings), then its blocks. */
export type BlockWorkerMessage = { init: WorkerInit } | BlockMessage;

function run(): void {
    const port = parentPort;
    if (port === null) {
        return;
    }
    /** The run's summariser (a new one for each run). */
    let run: CoreSummarizer | undefined;
    port.on("message", (message: BlockWorkerMessage) => {
        if ("init" in message) {
            run = new CoreSummarizer(message.init.options);
            run.initBlocks(message.init.config);
            return;
        }
        const m = message;
        let reply: BlockReply;
        const transfer: ArrayBuffer[] = [];
        try {
            const core = run;
            if (core === undefined) {
                throw new Error("internal: a summariser thread was given a block before its settings");
            }
            if (m.finish === true) {
                const final = core.finalStates();
                for (const c of final) {
                    transfer.push(c.registers.buffer as ArrayBuffer);
                    if (c.exact !== null) {
                        transfer.push(c.exact.buffer as ArrayBuffer);
                    }
                }
                reply = { seq: m.seq, final };
            } else {
                if (m.keys !== undefined) {
                    core.knowKeys(m.keysFrom ?? 0, m.keys, m.known ?? 0);
                }
                reply = { seq: m.seq, buf: m.buf, result: core.runBlock(Buffer.from(m.buf, 0, m.len), m.skipping, m.eof, m.seq) };
            }
        } catch (e) {
            reply = { seq: m.seq, buf: m.buf, error: errorInfo(e) };
            transfer.length = 0;
        }
        if (m.buf !== undefined) {
            transfer.push(m.buf);
        }
        port.postMessage(reply, transfer);
    });
}

run();
