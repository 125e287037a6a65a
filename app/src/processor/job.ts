/**
 * The work done for one file, between what run.ts does before (find the object, skip a duplicate,
 * record `running`, make the workspace) and after (upload OUTPUT_DIR, record the outcome, emit
 * metrics). Two kinds, one path: the built-in summariser (this file) and a user's command
 * (command.ts). Both write their results into OUTPUT_DIR and report counts; neither touches S3.
 */
import * as fs from "fs";
import * as path from "path";
import { CommonConfig, FileRef } from "./config";
import { Logger } from "./log";
import { JobReport } from "./outputs";
import { OpenedObject } from "./s3";
import { commandOutputKey, summaryKey } from "./status";
import { summarizeStream } from "./summarize";
import { isParquetInput, peekHead } from "./summarize/parquet/dispatch";
import { summarizeParquet } from "./summarize/parquet/summarize";
import { AbortedError, FileSummary, SummaryOptions } from "./summarize/types";
import { Workspace } from "./workspace";

export interface JobContext {
    config: CommonConfig;
    /** The file as its event, listing or message named it. */
    file: FileRef;
    /** The object, found and opened (its key is the real one); a job reads it once. */
    object: OpenedObject;
    /** The object's key below the upload prefix. */
    relative: string;
    workspace: Workspace;
    log: Logger;
    /** Aborted on SIGTERM. */
    signal: AbortSignal;
    now: () => number;
}

export interface Job {
    readonly kind: "summary" | "command";
    /** The final key of what the job wrote at `outputPath` (relative to OUTPUT_DIR) for the input `relative`. */
    outputKey(config: CommonConfig, relative: string, outputPath: string): string;
    /**
     * Reads the object and writes OUTPUT_DIR. Throws InputError, ProcessorError (with its exit code),
     * AbortedError or JobInterrupted (SIGTERM) on failure.
     */
    run(ctx: JobContext): Promise<JobReport>;
}

/** SIGTERM stopped the job; `message` says how (a command that had to be killed says so). */
export class JobInterrupted extends Error {
    constructor(
        message: string,
        /** The job did not stop within its grace period and was killed. */
        public readonly killed: boolean,
    ) {
        super(message);
        this.name = "JobInterrupted";
    }
}

/** The summary's name in OUTPUT_DIR; uploaded as `<output prefix><relative>.summary.json`. */
export const SUMMARY_FILE = "summary.json";

/** The built-in summariser: streams the object (no download; Parquet: ranged reads), writes OUTPUT_DIR/summary.json. */
export const summaryJob: Job = {
    kind: "summary",
    outputKey: (config, relative, outputPath) =>
        outputPath === SUMMARY_FILE ? summaryKey(config.outputPrefix, relative) : commandOutputKey(config.outputPrefix, relative, outputPath),
    async run(ctx: JobContext): Promise<JobReport> {
        const options: SummaryOptions = { ...ctx.config.summary, onProgress: ({ rows, bytes }) => ctx.log.debug("progress", { rows, bytes }) };
        // Parquet (by its magic bytes) is read with ranged GETs, footer first; everything else is streamed.
        const { head, body } = await peekHead(ctx.object.body, 4);
        let summary: FileSummary;
        if (ctx.object.ranged !== undefined && (await isParquetInput(head, ctx.object.key, ctx.object.ranged))) {
            ctx.object.destroy();
            summary = await summarizeParquet(ctx.object.ranged, options, ctx.signal);
        } else {
            summary = await summarizeStream(body, options, ctx.signal);
        }
        if (ctx.signal.aborted) {
            throw new AbortedError();
        }
        const document = {
            source: { bucket: ctx.config.bucket, key: ctx.object.key, etag: ctx.object.etag || ctx.file.etag, size: ctx.object.size ?? ctx.file.size },
            generatedAt: new Date(ctx.now()).toISOString(),
            ...summary,
        };
        await fs.promises.writeFile(path.join(ctx.workspace.outputDir, SUMMARY_FILE), `${JSON.stringify(document, null, 2)}\n`);
        const badRowsByReason: Record<string, number> = {};
        for (const [code, kind] of Object.entries(summary.badRows.byReason)) {
            badRowsByReason[code] = kind.count;
        }
        return {
            rowsProcessed: summary.rows,
            bytesRead: summary.bytes,
            badRows: summary.badRows.count,
            records: summary.accounting.records,
            lines: summary.accounting.lines,
            badRowsByReason,
        };
    },
};
