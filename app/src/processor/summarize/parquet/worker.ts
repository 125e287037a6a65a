/**
 * A worker thread of a parallel Parquet summary (parallel.ts): given a run's settings ({ init }), it keeps one state
 * per leaf column for the whole run, folds the row groups it is handed (their column chunks' bytes, read by the main
 * thread), answers each with the row group's sample candidates, and at the end sends its states. Then it waits for
 * the next run (it is kept warm, ../workers.ts).
 */
import { parentPort } from "node:worker_threads";
import type { FileMetaData } from "hyparquet";
import { AbortedError, InputError } from "../types";
import { leafTransfer } from "./leaf";
import { createState, ParquetState, summarizeRowGroup } from "./summarize";
import type { ToWorker, WorkerInit, FromWorker } from "./parallel";

const port = parentPort!;
/** The run's settings and state. */
let run: { init: WorkerInit; state: ParquetState } | undefined;

async function handle(m: Exclude<ToWorker, { init: WorkerInit }>): Promise<FromWorker> {
    if (run === undefined) {
        throw new Error("internal: a Parquet summary thread was given work before its settings");
    }
    const { init, state } = run;
    if ("end" in m) {
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
    if ("init" in m) {
        run = { init: m.init, state: createState(m.init.metadata as FileMetaData, m.init.size, { sampleSize: m.init.sampleSize }) };
        return;
    }
    handle(m).then(
        (reply) => port.postMessage(reply),
        (e: unknown) => {
            const err = e as Error;
            port.postMessage({ error: { name: err?.name ?? "Error", code: e instanceof InputError ? e.code : undefined, message: err?.message ?? String(e), aborted: e instanceof AbortedError } });
        },
    );
});
