/**
 * Parquet in shards (docs/sharding.md): a Parquet file is cut by row groups, not by records. Every shard reads the
 * footer and takes the row groups that START in its byte range [start, end) (rowGroupStart says where a row group
 * starts); the byte ranges cover the file once, so every row group goes to exactly one shard, whatever the cuts, and
 * a shard whose range holds no row group start writes an empty partial. A shard folds its row groups into the
 * per-row-group state the parallel summariser uses (parallel.ts: a thread's leaf states, and each row group's sample
 * candidates), and writes it as plain JSON: typed arrays in base64, bigints and non-finite numbers tagged, nothing
 * rounded. The merge folds the sample candidates in row-group order and the states after them, exactly as the threads'
 * are folded, so the summary is the one a single task writes.
 */
import type { FileMetaData, RowGroup } from "hyparquet";
import type { SampleCandidates } from "../columns";
import { b64, checkPartialVersion, checkRange, decodeState, encodeState, EncodedColumnState } from "../partial";
import * as partial from "../partial";
import { AbortedError, InputError, SummaryOptions } from "../types";
import { LeafTransfer, leafTransfer, mergeLeaf, MinMaxType } from "./leaf";
import { summarizeRowGroupsInWorkers } from "./parallel";
import { RandomAccessSource } from "./source";
import { createState, finishState, ParquetFileSummary, readFooter, summarizeRowGroup } from "./summarize";
// The constants this module uses, bound here: see the note in scan-state.ts.
const { PARTIAL_VERSION } = partial;

/** A value JSON cannot carry as it is: a bigint, bytes, or a number that is not finite (or -0), tagged. */
export type EncodedValue = null | boolean | number | string | { bigint: string } | { bytes: string } | { number: string };

/** A leaf's state (LeafTransfer) as plain JSON. */
export interface EncodedLeaf {
    column: EncodedColumnState;
    tMin: EncodedValue;
    tMax: EncodedValue;
    nonFinite: number;
    values: number;
    nullValues: number;
    rowsWithValues: number;
    perRowMin: EncodedValue;
    perRowMax: number;
    statsEmpty: number;
    statsEmptyOk: boolean;
    statsMin: EncodedValue;
    statsMax: EncodedValue;
    statsMinOk: boolean;
    statsMaxOk: boolean;
}

/** What one shard of a Parquet file leaves to merge (plain JSON). */
export interface ParquetPartial {
    format: "parquet";
    /** PARTIAL_VERSION when written by this code (partial.ts); 1 from a reader of version 1 (still read). */
    version: number;
    /** The file's size. */
    size: number;
    start: number;
    end: number;
    /** The row groups that start in [start, end), ascending. */
    rowGroups: number[];
    /** Per row group of `rowGroups` (same order), per leaf column: its sample candidates, or null. */
    samples: (SampleCandidates | null)[][];
    rows: number;
    /** Bytes of column chunks read (the footer is counted once, by the merge). */
    bytes: number;
    chunksSkipped: number;
    /** Per leaf column, its state after the row groups; empty when the range holds no row group. */
    leaves: EncodedLeaf[];
}

/**
 * Where row group `rg` starts, the offset that decides its shard: its first column chunk's dictionary page offset
 * when it has a dictionary page, else its first data page offset (the first page a reader of the chunk reads: a
 * chunk's dictionary page comes before its data pages). An offset of 0 counts as unset (some writers write 0 for
 * "no dictionary page"; no page can start at 0, where the magic bytes are), as the reader's chunk range does. A row
 * group without column chunks starts at 0.
 */
export function rowGroupStart(rg: RowGroup): number {
    const meta = rg.columns[0]?.meta_data;
    return meta === undefined ? 0 : Number(meta.dictionary_page_offset || meta.data_page_offset);
}

/** The row groups (indices, ascending) that start in [start, end): the ones a shard with that byte range summarises. */
export function rowGroupsInRange(metadata: Pick<FileMetaData, "row_groups">, start: number, end: number): number[] {
    const out: number[] = [];
    metadata.row_groups.forEach((rg, r) => {
        const at = rowGroupStart(rg);
        if (at >= start && at < end) {
            out.push(r);
        }
    });
    return out;
}

// ---- encoding ------------------------------------------------------------------------------------------------------

export function encodeValue(v: MinMaxType | number | bigint | undefined): EncodedValue {
    if (v === undefined) {
        return null;
    }
    if (typeof v === "bigint") {
        return { bigint: v.toString() };
    }
    if (v instanceof Uint8Array) {
        return { bytes: b64(v) };
    }
    if (typeof v === "number") {
        return Number.isFinite(v) && !Object.is(v, -0) ? v : { number: Object.is(v, -0) ? "-0" : String(v) };
    }
    if (v instanceof Date) {
        // addStatistics never keeps a Date (its statistics are not used).
        throw new TypeError("internal: a Date statistic cannot be part of a partial");
    }
    return v;
}

export function decodeValue(v: EncodedValue): MinMaxType | undefined {
    if (v === null) {
        return undefined;
    }
    if (typeof v !== "object") {
        return v;
    }
    if ("bigint" in v) {
        return BigInt(v.bigint);
    }
    if ("bytes" in v) {
        return new Uint8Array(Buffer.from(v.bytes, "base64"));
    }
    return v.number === "-0" ? -0 : Number(v.number);
}

function decodeNumber(v: EncodedValue, field: string): number {
    const n = decodeValue(v);
    if (typeof n !== "number") {
        throw new TypeError(`a Parquet partial's ${field} must be a number, got ${JSON.stringify(v)}`);
    }
    return n;
}

function decodeTemporal(v: EncodedValue, field: string): number | bigint | undefined {
    const t = decodeValue(v);
    if (t !== undefined && typeof t !== "number" && typeof t !== "bigint") {
        throw new TypeError(`a Parquet partial's ${field} must be an integer, got ${JSON.stringify(v)}`);
    }
    return t;
}

export function encodeLeaf(t: LeafTransfer): EncodedLeaf {
    return {
        ...t,
        column: encodeState(t.column),
        tMin: encodeValue(t.tMin),
        tMax: encodeValue(t.tMax),
        perRowMin: encodeValue(t.perRowMin),
        statsMin: encodeValue(t.statsMin),
        statsMax: encodeValue(t.statsMax),
    };
}

/** Leaf `index`'s state (its position in the partial, named in errors). */
export function decodeLeaf(e: EncodedLeaf, index: number): LeafTransfer {
    return {
        ...e,
        column: decodeState(e.column, index),
        tMin: decodeTemporal(e.tMin, "tMin"),
        tMax: decodeTemporal(e.tMax, "tMax"),
        perRowMin: decodeNumber(e.perRowMin, "perRowMin"),
        statsMin: decodeValue(e.statsMin),
        statsMax: decodeValue(e.statsMax),
    };
}

// ---- shard and merge -----------------------------------------------------------------------------------------------

/**
 * Summarises the row groups of a Parquet file that start in [range.start, range.end) into a partial (see the file
 * comment). Reads the footer, then those row groups' column chunks; bad Parquet fails as summarizeParquet does.
 */
export async function summarizeParquetPartial(source: RandomAccessSource, range: { start: number; end: number }, options: SummaryOptions = {}, signal?: AbortSignal): Promise<ParquetPartial> {
    checkRange(source.size, { start: range.start, end: range.end });
    const { metadata } = await readFooter(source);
    const state = createState(metadata, source.size, options);
    const rowGroups = rowGroupsInRange(metadata, range.start, range.end);
    const samples: (SampleCandidates | null)[][] = [];
    const threads = options.parallelism ?? 1;
    if (!Number.isInteger(threads) || threads < 1) {
        throw new RangeError("parallelism must be an integer >= 1");
    }
    // With parallelism, the range's row groups go to worker threads, as a whole file's do (parallel.ts).
    const keep = (_r: number, candidates: (SampleCandidates | undefined)[]) => samples.push(candidates.map((c) => c ?? null));
    const parallel = threads > 1 && rowGroups.length > 1 && (await summarizeRowGroupsInWorkers(state, source, threads, options.sampleSize, signal, undefined, { rowGroups, onSamples: keep }));
    for (const r of parallel ? [] : rowGroups) {
        if (signal?.aborted) {
            throw new AbortedError();
        }
        // Block mode, as a thread of the parallel summariser: each row group's sample candidates apart.
        for (const leaf of state.leaves) {
            leaf.column.startBlock(r);
        }
        await summarizeRowGroup(state, source, r, signal);
        samples.push(state.leaves.map((leaf) => leaf.column.takeSamples() ?? null));
    }
    return {
        format: "parquet",
        version: PARTIAL_VERSION,
        size: source.size,
        start: range.start,
        end: range.end,
        rowGroups,
        samples,
        rows: state.rows,
        bytes: state.bytes,
        chunksSkipped: state.chunksSkipped,
        leaves: rowGroups.length === 0 ? [] : state.leaves.map((leaf) => encodeLeaf(leafTransfer(leaf))),
    };
}

/**
 * Merges the partials of a Parquet file's shards (any order; each row group must be in exactly one) into the summary
 * summarizeParquet gives for the whole file. Reads the footer again (the partials carry no metadata); `bytes` counts
 * the magic bytes and the footer once and every column chunk read by a shard, as one task reads them.
 */
export async function mergeParquetPartials(source: RandomAccessSource, partials: ParquetPartial[], options: SummaryOptions = {}, signal?: AbortSignal): Promise<ParquetFileSummary> {
    const { metadata, bytes } = await readFooter(source);
    if (signal?.aborted) {
        throw new AbortedError();
    }
    const state = createState(metadata, source.size, options);
    state.bytes = bytes + Math.min(4, source.size);
    const groups = metadata.row_groups.length;
    const samples: (SampleCandidates | null)[][] = new Array(groups);
    partials.forEach((p, i) => {
        checkPartialVersion(p, i);
        if (p.size !== source.size) {
            throw new RangeError(`partial ${i} is of a file of ${p.size} bytes; this file has ${source.size}`);
        }
        if (p.rowGroups.length > 0 && p.leaves.length !== state.leaves.length) {
            throw new RangeError(`partial ${i} has ${p.leaves.length} columns; the file has ${state.leaves.length}`);
        }
        p.rowGroups.forEach((r, k) => {
            if (!Number.isInteger(r) || r < 0 || r >= groups || samples[r] !== undefined) {
                throw new RangeError(`partial ${i} holds row group ${r}, which the file lacks or another partial holds (the file has ${groups})`);
            }
            samples[r] = p.samples[k];
        });
    });
    for (let r = 0; r < groups; r++) {
        if (samples[r] === undefined) {
            throw new RangeError(`row group ${r} is in no partial: every row group must be summarised by one shard`);
        }
    }
    // Samples first, in row-group order (each column's exact set then holds exactly the samples), then the states.
    for (const group of samples) {
        group.forEach((c, l) => c !== null && state.leaves[l].column.mergeSamples(c));
    }
    for (const p of partials) {
        p.leaves.forEach((t, l) => mergeLeaf(state.leaves[l], decodeLeaf(t, l)));
        state.rows += p.rows;
        state.bytes += p.bytes;
        state.chunksSkipped += p.chunksSkipped;
    }
    if (state.rows !== Number(metadata.num_rows)) {
        throw new InputError("parquet-footer", `the row groups hold ${state.rows} rows; the footer says ${metadata.num_rows}`);
    }
    return finishState(state);
}
