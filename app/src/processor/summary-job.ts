/**
 * The built-in summariser as a job (job.ts): streams the object, or reads it with parallel ranged GETs (large
 * objects; Parquet, footer first), writes OUTPUT_DIR/summary.json, and summarises a large file in byte-range shards.
 */
import * as fs from "fs";
import * as path from "path";
import { Job, JobContext, RANGED_MIN_BYTES, SUMMARY_FILE } from "./job";
import { JobReport } from "./outputs";
import { rangedSource } from "./s3";
import { commandOutputKey, summaryKey } from "./status";
import { FileSummary, PartialSummary, mergePartials, resolvePartials, summarizePartial, summarizeStream } from "./summarize";
import { isParquetInput, isParquetPartial, peekHead } from "./summarize/parquet/dispatch";
import { summarizeSource } from "./summarize/ranges";
import { s3RangeReader } from "./summarize/s3-reader";
import { AbortedError, SummaryOptions } from "./summarize/types";
import type { ShardContext, ShardWork } from "./shard";

/** Writes OUTPUT_DIR/summary.json for the object and returns the job's report of it. */
async function writeSummary(ctx: Pick<JobContext, "config" | "workspace" | "now">, source: { key: string; etag: string; size?: number }, summary: FileSummary): Promise<JobReport> {
    const document = {
        source: { bucket: ctx.config.bucket, ...source },
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
}

/** The object of a sharded run as a reader of byte ranges: parallel ranged GETs pinned to its ETag. */
function rangeReader(ctx: ShardContext) {
    return s3RangeReader(ctx.s3, ctx.config.bucket, ctx.object.key, ctx.object.etag, ctx.object.size);
}

/** A shard's part of an input that cannot be cut (gzip): the first shard's holds the whole summary, the others' nothing. */
interface WholePartial {
    format: "whole";
    summary?: FileSummary;
}

async function* toBuffers(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
    for await (const c of chunks) {
        yield Buffer.isBuffer(c) ? c : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    }
}

// The Parquet reader (hyparquet and its codecs) is loaded for a Parquet input only: a text file or a command's run never
// needs it, and each task is a new process that would compile it (about 30 ms of CPU at every start).
/* eslint-disable @typescript-eslint/no-require-imports */
const parquetSummarizer = () => require("./summarize/parquet/summarize") as typeof import("./summarize/parquet/summarize");
const parquetPartials = () => require("./summarize/parquet/partial") as typeof import("./summarize/parquet/partial");
/* eslint-enable @typescript-eslint/no-require-imports */

/** The object of a sharded run read at random (Parquet: footer, then column chunks), each ranged GET pinned to its ETag. */
function randomSource(ctx: ShardContext) {
    return rangedSource(ctx.s3, { bucket: ctx.config.bucket, ...ctx.object }, ctx.signal);
}

/**
 * The summariser in shards. Text (CSV, TSV, JSON Lines): each shard summarises the records that start in its range
 * into a partial summary (plain JSON); the merge re-reads only a range whose first record it guessed wrong (a cut
 * inside a multi-line quoted field: resolvePartials) and merges them into exactly the summary one task would have
 * written, bad rows' line numbers included. Parquet (by its magic bytes, as a whole file is recognised): each shard
 * summarises the row groups that start in its range (parquet/partial.ts), and the merge folds them in row-group
 * order into exactly the summary one task writes. Gzip under another name: the first shard summarises it whole.
 */
export const summaryShardWork: ShardWork = {
    async partial(ctx) {
        const source = randomSource(ctx);
        const head = await source.read(0, Math.min(4, source.size));
        if (await isParquetInput(head, ctx.object.key, source)) {
            const partial = await parquetPartials().summarizeParquetPartial(source, { start: ctx.start, end: ctx.end }, ctx.config.summary, ctx.signal);
            return { partial, rows: partial.rows };
        }
        if (head[0] === 0x1f && head[1] === 0x8b) {
            // Gzip by its magic bytes under a name that does not say so (a `.gz` name is never sharded): one stream,
            // which cannot be cut. The first shard summarises it whole, as one task would; the others have nothing to do.
            if (ctx.start > 0) {
                return { partial: { format: "whole" } satisfies WholePartial, rows: 0 };
            }
            const reader = rangeReader(ctx);
            const summary = await summarizeStream(toBuffers(reader.read(0, reader.size, ctx.signal)), ctx.config.summary, ctx.signal);
            return { partial: { format: "whole", summary } satisfies WholePartial, rows: summary.rows };
        }
        const partial = await summarizePartial(rangeReader(ctx), { start: ctx.start, end: ctx.end }, ctx.config.summary, ctx.signal);
        return { partial, rows: partial.result.rows };
    },
    async merge(ctx, partials) {
        const first = partials[0] as Partial<WholePartial> | undefined;
        if (first?.format === "whole") {
            if (first.summary === undefined) {
                throw new Error("the first shard's partial of a gzip stream holds no summary");
            }
            return writeSummary(ctx, ctx.object, first.summary);
        }
        const parquet = partials.filter(isParquetPartial);
        if (parquet.length > 0) {
            if (parquet.length !== partials.length) {
                throw new Error(`${parquet.length} of the ${partials.length} partials are Parquet, the others text: the shards read different objects`);
            }
            return writeSummary(ctx, ctx.object, await parquetPartials().mergeParquetPartials(randomSource(ctx), parquet, ctx.config.summary, ctx.signal));
        }
        const chained = await resolvePartials(rangeReader(ctx), partials as PartialSummary[], ctx.config.summary, ctx.signal);
        return writeSummary(ctx, ctx.object, mergePartials(chained, ctx.config.summary));
    },
};

/**
 * The built-in summariser: streams the object (no download), or reads it with parallel ranged GETs (large objects,
 * several threads; Parquet, footer first), and writes OUTPUT_DIR/summary.json.
 */
export const summaryJob: Job = {
    kind: "summary",
    outputKey: (config, relative, outputPath) =>
        outputPath === SUMMARY_FILE ? summaryKey(config.outputPrefix, relative) : commandOutputKey(config.outputPrefix, relative, outputPath),
    // A gzip stream cannot be cut into byte ranges: one task reads it. Parquet and gzip are told by their content, shard by shard.
    shardWork: (_config, key) => (/\.gz$/i.test(key) ? undefined : summaryShardWork),
    async run(ctx: JobContext): Promise<JobReport> {
        const options: SummaryOptions = { ...ctx.config.summary, onProgress: ({ rows, bytes }) => ctx.log.debug("progress", { rows, bytes }) };
        const { object, config } = ctx;
        // Parquet (by its magic bytes) is read with ranged GETs, footer first; everything else is streamed or ranged.
        const { head, body } = await peekHead(object.body, 4);
        let summary: FileSummary;
        if (object.ranged !== undefined && (await isParquetInput(head, object.key, object.ranged))) {
            object.destroy();
            summary = await parquetSummarizer().summarizeParquet(object.ranged, options, ctx.signal);
        } else if (object.size !== undefined && object.size >= RANGED_MIN_BYTES && object.etag) {
            // Ranged GETs (every thread its own ranges, or one thread the parts in order): the opened stream is not needed.
            object.destroy();
            const source = {
                kind: "s3" as const,
                bucket: config.bucket,
                key: object.key,
                etag: object.etag,
                size: object.size,
                region: config.region,
                endpoint: config.endpoint,
                forcePathStyle: config.forcePathStyle,
                ...config.rangedRead,
            };
            summary = await summarizeSource(source, options, ctx.signal);
        } else {
            summary = await summarizeStream(body, options, ctx.signal);
        }
        if (ctx.signal.aborted) {
            throw new AbortedError();
        }
        return writeSummary(ctx, { key: ctx.object.key, etag: ctx.object.etag || (ctx.file.etag ?? ""), size: ctx.object.size ?? ctx.file.size }, summary);
    },
};
