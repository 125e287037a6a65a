/// <reference path="./hyparquet-internals.d.ts" />
/**
 * summarizeParquet: the same summary as for CSV, from a Parquet file read as Parquet is meant to be read. The footer
 * first (one ranged read of the file's tail, a second only when the metadata is larger), then row group by row group
 * one ranged read of the column chunks of that row group, decoded column by column and folded into the per-column
 * state the CSV summariser uses (columns.ts): at most one row group's chunks are in memory.
 *
 * Row groups are the unit of work: `summarizeRowGroup` folds one row group into a `ParquetState`, and states merge
 * (`leafTransfer`, `mergeLeaf`), so row groups can go to threads (parallel.ts, with `parallelism` > 1) or tasks.
 */
import { parquetMetadata } from "hyparquet";
import type { ColumnMetaData, DecodedArray, FileMetaData, ParquetParsers, RowGroup, SchemaTree } from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { readColumn } from "hyparquet/src/column.js";
import * as convert from "hyparquet/src/convert.js";
import { getSchemaPath } from "hyparquet/src/schema.js";
import { AbortedError, ColumnSummary, FileSummary, InputError, SummaryOptions } from "../types";
import { addChunk, addStatistics, allNull, LeafState, MinMaxType } from "./leaf";
import { classify, Leaf, UnsupportedType, valueText } from "./logical";
import { summarizeRowGroupsInWorkers } from "./parallel";
import { isParquetMagic } from "./dispatch";
import { RandomAccessSource } from "./source";
// Bound here, not read from the package's exports object: see the note on constants in ../scan-state.ts.
const { DEFAULT_PARSERS } = convert;

/** The first read of the footer: the file's last 64 KiB, which holds the metadata of most files. */
const TAIL_BYTES = 65536;

/** Figures of a column that can come from the row groups' statistics. */
export type StatisticsFigure = "empty" | "min" | "max";

export interface ParquetColumnSummary extends ColumnSummary {
    /** The physical type (INT32, INT64, INT96, FLOAT, DOUBLE, BOOLEAN, BYTE_ARRAY, FIXED_LEN_BYTE_ARRAY). */
    physicalType: string;
    /** The logical type from the schema, e.g. `STRING`, `DECIMAL(9,2)`, `TIMESTAMP(MICROS,UTC)`, `DATE`, `INT96`. */
    logicalType: string;
    /**
     * Repeated columns (a list's `list.element`, or a leaf under one): the values (non-null leaf values) per row.
     * `nonEmpty` counts the rows with at least one value; min, max, distinct and samples are over all values.
     */
    repeated?: { values: number; nullValues: number; perRow: { min: number; max: number; mean: number } };
    /** Floating-point columns: NaN and ±Infinity values, counted in nonEmpty but left out of min, max, mean and distinct. */
    nonFinite?: number;
    /** The figures taken from the row groups' statistics (every row group had them, exact); the rest came from the values. */
    fromStatistics?: StatisticsFigure[];
}

export interface ParquetFileSummary extends FileSummary {
    format: "parquet";
    columns: ParquetColumnSummary[];
    parquet: {
        /** The file format version in the footer. */
        version: number;
        createdBy?: string;
        rowGroups: number;
        /** The compression codecs of the column chunks. */
        codecs: string[];
        /** Column chunks not read because their statistics say every value is null. */
        chunksSkipped: number;
    };
}

/** Decoded values as the reader wants them: raw integers for temporal types, bytes for strings (hashed as they are). */
const PARSERS: ParquetParsers = {
    ...DEFAULT_PARSERS,
    timestampFromMilliseconds: (v) => v,
    timestampFromMicroseconds: (v) => v,
    timestampFromNanoseconds: (v) => v,
    dateFromDays: (v) => v,
    stringFromBytes: (v) => v,
    jsonFromBytes: (v) => v,
    geometryFromBytes: (v) => v,
    geographyFromBytes: (v) => v,
};

const TEXT = new TextDecoder();
/** Codecs the reader decodes. */
const CODECS = ["UNCOMPRESSED", "SNAPPY", ...Object.keys(compressors)];

/** The state of a run: what row groups fold into. */
export interface ParquetState {
    metadata: FileMetaData;
    leaves: LeafState[];
    rows: number;
    bytes: number;
    chunksSkipped: number;
}

/** An extreme as the summary shows it (numbers as numbers, integers beyond ±2^53 as exact text, the rest as text). */
function renderExtreme(leaf: Leaf, v: MinMaxType): number | string {
    switch (leaf.kind) {
        case "integer": {
            const n = Number(v);
            return typeof v === "bigint" && !Number.isSafeInteger(n) ? v.toString() : n;
        }
        case "float":
        case "decimal": {
            // Writers store a zero minimum as -0 and a zero maximum as +0 (the Parquet format's rule for float
            // statistics), whatever the sign of the zeros in the data: a zero extreme is shown as 0.
            const n = Number(v);
            return n === 0 ? 0 : n;
        }
        case "string":
            return v instanceof Uint8Array ? TEXT.decode(v) : String(v);
        default:
            return valueText(leaf, v);
    }
}

function checkOptions(options: SummaryOptions): number {
    const n = options.sampleSize;
    if (n !== undefined && (!Number.isInteger(n) || n < 0)) {
        throw new RangeError("sampleSize must be an integer >= 0");
    }
    return n ?? 5;
}

/** Reads and parses the footer: errors name what is wrong with the file's end. */
export async function readFooter(source: RandomAccessSource): Promise<{ metadata: FileMetaData; bytes: number }> {
    const size = source.size;
    if (size < 12) {
        throw new InputError("parquet-truncated", `the file has ${size} bytes; a Parquet file has at least 12 (PAR1, the footer's length, PAR1): it is truncated`);
    }
    const tailStart = Math.max(0, size - TAIL_BYTES);
    let tail = await source.read(tailStart, size);
    let bytes = tail.length;
    if (!isParquetMagic(tail, tail.length - 4)) {
        throw new InputError("parquet-truncated", "the file does not end with the Parquet magic bytes PAR1: it is truncated (or not Parquet)");
    }
    const footerLength = Buffer.from(tail.buffer, tail.byteOffset, tail.length).readUInt32LE(tail.length - 8);
    if (footerLength > size - 12) {
        throw new InputError(
            "parquet-footer",
            `the footer length is ${footerLength} bytes, more than the file's ${size} bytes allow (at most ${size - 12}): the file is truncated or its footer is corrupt`,
        );
    }
    const footerStart = size - 8 - footerLength;
    if (footerStart < tailStart) {
        tail = await source.read(footerStart, size);
        bytes += tail.length;
    } else {
        tail = tail.subarray(footerStart - tailStart);
    }
    try {
        return { metadata: parquetMetadata(tail, { parsers: PARSERS, geoparquet: false }), bytes };
    } catch (e) {
        throw new InputError("parquet-footer", `the footer (file metadata, ${footerLength} bytes) cannot be read: ${(e as Error).message}`);
    }
}

/** Row group r, column name: where an error is. */
const where = (r: number, column: string): string => `row group ${r}, column ${column}`;

/** Sets up the per-column state from the footer, checking what would fail later: codecs, types, chunk ranges. */
export function createState(metadata: FileMetaData, size: number, options: SummaryOptions = {}): ParquetState {
    const sampleSize = checkOptions(options);
    const leafElements = metadata.schema.filter((e) => e.type !== undefined);
    const precision = leafElements.length <= 1000 ? 14 : 12;
    const dataEnd = size - 8 - metadata.metadata_length;
    const leaves: LeafState[] = [];
    const first = metadata.row_groups[0];
    const paths = first !== undefined ? first.columns.map((c) => c.meta_data?.path_in_schema ?? []) : [];
    if (first === undefined) {
        // No row groups: the columns come from the schema alone.
        const walkSchema = (prefix: string[], i: number): number => {
            const e = metadata.schema[i];
            let next = i + 1;
            for (let k = 0; k < (e.num_children ?? 0); k++) {
                const child = metadata.schema[next];
                const path = [...prefix, child.name];
                if (child.num_children) {
                    next = walkSchema(path, next);
                } else {
                    paths.push(path);
                    next++;
                }
            }
            return next;
        };
        walkSchema([], 0);
    }
    for (const path of paths) {
        const name = path.join(".");
        let schemaPath: SchemaTree[];
        try {
            schemaPath = getSchemaPath(metadata.schema, path);
        } catch (e) {
            throw new InputError("parquet-footer", `column ${name} is not in the file's schema: ${(e as Error).message}`);
        }
        const element = schemaPath[schemaPath.length - 1].element;
        let leaf: Leaf;
        try {
            leaf = classify(element);
        } catch (e) {
            if (e instanceof UnsupportedType) {
                throw new InputError("parquet-unsupported", `column ${name}: ${e.message}; supported are the Parquet primitive and logical types but BSON and INTERVAL`);
            }
            throw e;
        }
        leaves.push(new LeafState(path, element, schemaPath, leaf, sampleSize, precision));
    }
    metadata.row_groups.forEach((rg, r) => {
        if (rg.columns.length !== leaves.length) {
            throw new InputError("parquet-footer", `row group ${r} has ${rg.columns.length} column chunks; the schema has ${leaves.length} columns`);
        }
        rg.columns.forEach((chunk, c) => {
            const name = leaves[c].column.name;
            const meta = chunk.meta_data;
            if (chunk.file_path !== undefined || meta === undefined) {
                throw new InputError("parquet-unsupported", `${where(r, name)}: the column chunk is in another file (${chunk.file_path ?? "no metadata"}); only single-file Parquet is read`);
            }
            if (chunk.crypto_metadata !== undefined || chunk.encrypted_column_metadata !== undefined) {
                throw new InputError("parquet-unsupported", `${where(r, name)}: the column is encrypted; encrypted Parquet is not read`);
            }
            if (meta.path_in_schema.join(".") !== name) {
                throw new InputError("parquet-footer", `${where(r, name)}: the chunk is for column ${meta.path_in_schema.join(".")}`);
            }
            if (!CODECS.includes(meta.codec)) {
                throw new InputError("parquet-codec", `${where(r, name)}: compression codec ${meta.codec} is not supported; supported are ${CODECS.join(", ")}`);
            }
            const { start, end } = chunkRange(meta);
            if (start < 4 || end > dataEnd || end < start) {
                throw new InputError("parquet-truncated", `${where(r, name)}: the column chunk is at bytes ${start}-${end}, beyond the data (bytes 4-${dataEnd}): the file is truncated or its footer is corrupt`);
            }
        });
    });
    return { metadata, leaves, rows: 0, bytes: 0, chunksSkipped: 0 };
}

function chunkRange(meta: ColumnMetaData): { start: number; end: number } {
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    return { start, end: start + Number(meta.total_compressed_size) };
}

/**
 * Folds row group `r` into the state: its statistics, then (unless the statistics answer every question, as for a
 * column that is all null) one ranged read of its column chunks, decoded one column at a time.
 */
export async function summarizeRowGroup(state: ParquetState, source: RandomAccessSource, r: number, signal?: AbortSignal): Promise<void> {
    const rg: RowGroup = state.metadata.row_groups[r];
    const rows = Number(rg.num_rows);
    const { needed, start, end } = rowGroupRange(state, r);
    rg.columns.forEach((chunk, c) => addStatistics(state.leaves[c], chunk.meta_data!));
    state.chunksSkipped += rg.columns.length - needed.length;
    if (needed.length > 0) {
        const ranges = needed.map((c) => chunkRange(rg.columns[c].meta_data!));
        const bytes = await source.read(start, end);
        state.bytes += bytes.length;
        for (let k = 0; k < needed.length; k++) {
            if (signal?.aborted) {
                throw new AbortedError();
            }
            const s = state.leaves[needed[k]];
            const meta = rg.columns[needed[k]].meta_data!;
            const range = ranges[k];
            const view = new DataView(bytes.buffer, bytes.byteOffset + range.start - start, range.end - range.start);
            let pages: DecodedArray[];
            try {
                pages = readColumn({ view, offset: 0 }, { groupStart: 0, selectStart: 0, selectEnd: rows }, {
                    pathInSchema: meta.path_in_schema,
                    type: meta.type,
                    element: s.element,
                    schemaPath: s.schemaPath,
                    codec: meta.codec,
                    parsers: PARSERS,
                    compressors,
                }).data;
            } catch (e) {
                throw decodeError(e, r, s.column.name, meta.codec);
            }
            const got = addChunk(s, pages, s.schemaPath.length !== 2 || s.repeated);
            if (got !== rows) {
                throw new InputError("parquet-corrupt", `${where(r, s.column.name)}: the pages hold ${got} rows; the row group has ${rows}: a page is corrupt or missing`);
            }
        }
    }
    state.rows += rows;
}

/** The column chunks of row group r that must be read (statistics rule out the rest) and the byte range covering them. */
export function rowGroupRange(state: ParquetState, r: number): { needed: number[]; start: number; end: number } {
    const rg = state.metadata.row_groups[r];
    const rows = Number(rg.num_rows);
    const needed: number[] = [];
    rg.columns.forEach((chunk, c) => {
        if (!allNull(state.leaves[c], chunk.meta_data!, rows)) {
            needed.push(c);
        }
    });
    const ranges = needed.map((c) => chunkRange(rg.columns[c].meta_data!));
    return { needed, start: Math.min(...ranges.map((x) => x.start)), end: Math.max(...ranges.map((x) => x.end)) };
}

function decodeError(e: unknown, r: number, column: string, codec: string): InputError {
    const message = (e as Error)?.message ?? String(e);
    // A known encoding or type the decoder lacks; anything else (an unknown page type, a thrift error) is corruption.
    if (/^parquet (unsupported encoding: (?!undefined)\w+|\w+ not supported)/.test(message)) {
        return new InputError("parquet-unsupported", `${where(r, column)}: ${message.replace(/^parquet /, "")}`);
    }
    return new InputError("parquet-corrupt", `${where(r, column)}: a page cannot be decoded (${codec}): ${message.replace(/^parquet /, "")}: the file is corrupt`);
}

/** The summary of a state whose row groups have all been folded in. */
export function finishState(state: ParquetState): ParquetFileSummary {
    const rows = state.rows;
    const codecs = new Set<string>();
    for (const rg of state.metadata.row_groups) {
        for (const c of rg.columns) {
            codecs.add(c.meta_data!.codec);
        }
    }
    const columns = state.leaves.map((s): ParquetColumnSummary => {
        const base = s.column.summary(s.repeated ? s.values : rows);
        const out: ParquetColumnSummary = {
            ...base,
            type: s.leaf.type,
            physicalType: s.element.type ?? "BYTE_ARRAY",
            logicalType: s.leaf.logicalType,
        };
        const kind = s.leaf.kind;
        const numeric = kind === "integer" || kind === "float" || kind === "decimal";
        const temporal = kind === "date" || kind === "timestamp" || kind === "int96" || kind === "time";
        if (!numeric) {
            delete out.min;
            delete out.max;
            delete out.mean;
        } else if (kind !== "integer" && out.min !== undefined && out.max !== undefined) {
            // A whole double beyond ±2^53 reads as a long integer's exact text; the column holds doubles.
            out.min = Number(out.min);
            out.max = Number(out.max);
        }
        if (temporal && s.tMin !== undefined && s.tMax !== undefined) {
            out.min = renderExtreme(s.leaf, s.tMin);
            out.max = renderExtreme(s.leaf, s.tMax);
        }
        const from: StatisticsFigure[] = [];
        const valued = base.nonEmpty > 0;
        if (valued && kind !== "boolean" && kind !== "binary") {
            if (s.statsMinOk && s.statsMin !== undefined) {
                out.min = renderExtreme(s.leaf, s.statsMin);
                from.push("min");
            }
            if (s.statsMaxOk && s.statsMax !== undefined) {
                out.max = renderExtreme(s.leaf, s.statsMax);
                from.push("max");
            }
        }
        if (s.repeated) {
            out.nonEmpty = s.rowsWithValues;
            out.empty = rows - s.rowsWithValues;
            out.repeated = {
                values: s.values,
                nullValues: s.nullValues,
                perRow: { min: rows === 0 ? 0 : s.perRowMin, max: s.perRowMax, mean: rows === 0 ? 0 : s.values / rows },
            };
        } else {
            out.nonEmpty = base.nonEmpty + s.nonFinite;
            out.empty = rows - out.nonEmpty;
            if (s.statsEmptyOk && state.metadata.row_groups.length > 0) {
                out.empty = s.statsEmpty;
                out.nonEmpty = rows - s.statsEmpty;
                from.unshift("empty");
            }
        }
        if (s.nonFinite > 0) {
            out.nonFinite = s.nonFinite;
        }
        if (from.length > 0) {
            out.fromStatistics = from;
        }
        return out;
    });
    return {
        format: "parquet",
        compression: "none",
        lineEnding: "none",
        header: false,
        rows,
        bytes: state.bytes,
        columns,
        badRows: { count: 0, first: [], byReason: {} },
        accounting: { lines: 0, blankLines: 0, headerRecords: 0, records: rows, rows, badRows: 0 },
        parquet: {
            version: state.metadata.version,
            createdBy: state.metadata.created_by,
            rowGroups: state.metadata.row_groups.length,
            codecs: [...codecs].sort(),
            chunksSkipped: state.chunksSkipped,
        },
    };
}

/**
 * Summarises a Parquet file read through `source`. Bad Parquet (truncated, a bad footer, an unsupported codec or type,
 * a corrupt page) is an InputError naming the row group and column where it can; SIGTERM (`signal`) an AbortedError.
 */
export async function summarizeParquet(source: RandomAccessSource, options: SummaryOptions = {}, signal?: AbortSignal): Promise<ParquetFileSummary> {
    const stopIfAborted = (): void => {
        if (signal?.aborted) {
            throw new AbortedError();
        }
    };
    stopIfAborted();
    const head = await source.read(0, Math.min(4, source.size));
    if (!isParquetMagic(head)) {
        throw new InputError("parquet-truncated", "the file does not start with the Parquet magic bytes PAR1: it is not Parquet, or its start is missing");
    }
    const { metadata, bytes } = await readFooter(source);
    const state = createState(metadata, source.size, options);
    state.bytes = bytes + head.length;
    const threads = options.parallelism ?? 1;
    if (!Number.isInteger(threads) || threads < 1) {
        throw new RangeError("parallelism must be an integer >= 1");
    }
    const parallel =
        threads > 1 && metadata.row_groups.length > 1 && (await summarizeRowGroupsInWorkers(state, source, threads, options.sampleSize, signal, options.onProgress));
    for (let r = 0; !parallel && r < metadata.row_groups.length; r++) {
        stopIfAborted();
        await summarizeRowGroup(state, source, r, signal);
        options.onProgress?.({ rows: state.rows, bytes: state.bytes });
    }
    stopIfAborted();
    if (state.rows !== Number(metadata.num_rows)) {
        throw new InputError("parquet-footer", `the row groups hold ${state.rows} rows; the footer says ${metadata.num_rows}`);
    }
    return finishState(state);
}
