/**
 * A worker thread of a parallel Parquet summary (parallel.ts): it keeps one state per leaf column for the whole run,
 * folds the row groups it is handed (their column chunks' bytes, read by the main thread), answers each with the
 * row group's sample candidates, and at the end sends its states.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { FileMetaData } from "hyparquet";
import { AbortedError, InputError } from "../types";
import { leafTransfer } from "./leaf";
import { createState, summarizeRowGroup } from "./summarize";
import type { ToWorker, WorkerInit, FromWorker } from "./parallel";

const init = workerData as WorkerInit;
const state = createState(init.metadata as FileMetaData, init.size, { sampleSize: init.sampleSize });
const port = parentPort!;

async function handle(m: ToWorker): Promise<FromWorker> {
    if (m.end) {
        return { final: state.leaves.map(leafTransfer), chunksSkipped: state.chunksSkipped };
    }
    for (const leaf of state.leaves) {
        leaf.column.startBlock(m.r);
    }
    const bytes = m.bytes;
    await summarizeRowGroup(state, { size: init.size, read: async (start, end) => bytes.subarray(start - m.start, end - m.start) }, m.r);
    return { r: m.r, samples: state.leaves.map((leaf) => leaf.column.takeSamples()) };
}

port.on("message", (m: ToWorker) => {
    handle(m).then(
        (reply) => port.postMessage(reply),
        (e: unknown) => {
            const err = e as Error;
            port.postMessage({ error: { name: err?.name ?? "Error", code: e instanceof InputError ? e.code : undefined, message: err?.message ?? String(e), aborted: e instanceof AbortedError } });
        },
    );
});
