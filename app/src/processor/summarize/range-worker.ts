/**
 * Worker thread entry for range-parallel summarising (ranges.ts): opens its own reader on the source once, then
 * summarises the ranges it is given, one at a time, into PartialSummaries (plain JSON).
 *
 * workerData: RangeWorkerInit. Messages in: { id, range }; out: { id, partial } or { id, error }.
 */
import { parentPort, workerData } from "node:worker_threads";
import { ByteRange, PartialSummary, summarizePartial } from "./partial";
import { OpenedSource, openSource, RangeSource } from "./source";
import type { BlockConfig } from "./summarizer";
import { InputError, SummaryOptions } from "./types";

export interface RangeWorkerInit {
    source: RangeSource;
    options: SummaryOptions;
    /** The layout the calling thread detected (null: the input has no record). */
    layout: BlockConfig | null;
    threads: number;
}

export interface RangeRequest {
    id: number;
    range: ByteRange;
}

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

export interface RangeReply {
    id: number;
    partial?: PartialSummary;
    error?: ErrorInfo;
}

export function errorInfo(e: unknown): ErrorInfo {
    const err = e as Error & { exitCode?: number; errorClass?: string };
    return {
        name: err?.name ?? "Error",
        message: err?.message ?? String(e),
        stack: err?.stack,
        code: e instanceof InputError ? e.code : undefined,
        exitCode: typeof err?.exitCode === "number" ? err.exitCode : undefined,
        errorClass: typeof err?.errorClass === "string" ? err.errorClass : undefined,
    };
}

function run(): void {
    const port = parentPort;
    if (port === null) {
        return;
    }
    const init = workerData as RangeWorkerInit;
    let opened: Promise<OpenedSource> | undefined;
    port.on("message", (m: RangeRequest) => {
        opened ??= openSource(init.source, init.threads);
        opened
            .then((o) => summarizePartial(o.reader, m.range, init.options, undefined, init.layout))
            .then(
                (partial) => port.postMessage({ id: m.id, partial } satisfies RangeReply),
                (e: unknown) => port.postMessage({ id: m.id, error: errorInfo(e) } satisfies RangeReply),
            );
    });
}

run();
