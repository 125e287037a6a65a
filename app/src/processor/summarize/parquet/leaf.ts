/// <reference path="./hyparquet-internals.d.ts" />
/**
 * One leaf column's state across row groups: the CSV summariser's per-column state (columns.ts) fed with each value's
 * text, exact extremes of temporal values, values per row of repeated columns, and what the row groups' statistics
 * say; and how a thread's state is sent and merged.
 */
import type { ColumnMetaData, DecodedArray, SchemaElement, SchemaTree, Statistics } from "hyparquet";
import { getMaxRepetitionLevel } from "hyparquet/src/schema.js";
import { Column, ColumnState } from "../columns";
import { Leaf, valueText } from "./logical";
import { TimestampWriter, writeShortDouble } from "./text";

/** A statistics value as the footer parser gives it. */
export type MinMaxType = NonNullable<Statistics["min_value"]>;

const TRUE = Buffer.from("true");
const FALSE = Buffer.from("false");

/** One leaf column's state across row groups. */
export class LeafState {
    readonly column: Column;
    readonly repeated: boolean;
    /** Temporal kinds: the extremes as raw integers (exact where the text would round to milliseconds). */
    tMin: number | bigint | undefined;
    tMax: number | bigint | undefined;
    /** Timestamps: the fast text writer. */
    readonly timestamps: TimestampWriter | undefined;
    nonFinite = 0;
    // Repeated columns.
    values = 0;
    nullValues = 0;
    rowsWithValues = 0;
    perRowMin = Infinity;
    perRowMax = 0;
    // Statistics: usable while every row group answered exactly.
    statsEmpty = 0;
    statsEmptyOk = true;
    statsMin: MinMaxType | undefined;
    statsMax: MinMaxType | undefined;
    statsMinOk = true;
    statsMaxOk = true;

    constructor(
        readonly path: string[],
        readonly element: SchemaElement,
        readonly schemaPath: SchemaTree[],
        readonly leaf: Leaf,
        sampleSize: number,
        precision: number,
    ) {
        this.column = new Column(path.join("."), sampleSize, precision);
        this.repeated = getMaxRepetitionLevel(schemaPath) > 0;
        this.timestamps = leaf.kind === "timestamp" || leaf.kind === "int96" ? new TimestampWriter(leaf.digits, leaf.utc) : undefined;
    }
}

/** A thread's state of one leaf, sent once at the end of a parallel run (structured-clone friendly). */
export interface LeafTransfer {
    column: ColumnState;
    tMin: number | bigint | undefined;
    tMax: number | bigint | undefined;
    nonFinite: number;
    values: number;
    nullValues: number;
    rowsWithValues: number;
    perRowMin: number;
    perRowMax: number;
    statsEmpty: number;
    statsEmptyOk: boolean;
    statsMin: MinMaxType | undefined;
    statsMax: MinMaxType | undefined;
    statsMinOk: boolean;
    statsMaxOk: boolean;
}

export function leafTransfer(s: LeafState): LeafTransfer {
    const { tMin, tMax, nonFinite, values, nullValues, rowsWithValues, perRowMin, perRowMax } = s;
    const { statsEmpty, statsEmptyOk, statsMin, statsMax, statsMinOk, statsMaxOk } = s;
    return { column: s.column.state(), tMin, tMax, nonFinite, values, nullValues, rowsWithValues, perRowMin, perRowMax, statsEmpty, statsEmptyOk, statsMin, statsMax, statsMinOk, statsMaxOk };
}

/** Folds a thread's leaf state in (any order; samples are merged row group by row group before, see parallel.ts). */
export function mergeLeaf(s: LeafState, o: LeafTransfer): void {
    s.column.mergeState(o.column);
    if (o.tMin !== undefined && (s.tMin === undefined || o.tMin < s.tMin)) {
        s.tMin = o.tMin;
    }
    if (o.tMax !== undefined && (s.tMax === undefined || o.tMax > s.tMax)) {
        s.tMax = o.tMax;
    }
    s.nonFinite += o.nonFinite;
    s.values += o.values;
    s.nullValues += o.nullValues;
    s.rowsWithValues += o.rowsWithValues;
    s.perRowMin = Math.min(s.perRowMin, o.perRowMin);
    s.perRowMax = Math.max(s.perRowMax, o.perRowMax);
    s.statsEmpty += o.statsEmpty;
    s.statsEmptyOk &&= o.statsEmptyOk;
    s.statsMinOk &&= o.statsMinOk;
    s.statsMaxOk &&= o.statsMaxOk;
    if (o.statsMin !== undefined && (s.statsMin === undefined || compareStat(o.statsMin, s.statsMin) < 0)) {
        s.statsMin = o.statsMin;
    }
    if (o.statsMax !== undefined && (s.statsMax === undefined || compareStat(o.statsMax, s.statsMax) > 0)) {
        s.statsMax = o.statsMax;
    }
}

const scratch = Buffer.allocUnsafe(64);

/** Writes a safe integer's decimal digits to the end of `scratch`; returns where they start. */
function writeInt(v: number): number {
    let n = v < 0 ? -v : v;
    let i = scratch.length;
    do {
        const q = Math.floor(n / 10);
        scratch[--i] = 48 + (n - q * 10);
        n = q;
    } while (n > 0);
    if (v < 0) {
        scratch[--i] = 45;
    }
    return i;
}

function addText(column: Column, text: string): void {
    if (text.length <= scratch.length) {
        const n = scratch.write(text, 0, "latin1");
        column.add(scratch, 0, n);
    } else {
        const b = Buffer.from(text, "utf8");
        column.add(b, 0, b.length);
    }
}

/** Folds one non-null value into a leaf's state. */
function addValue(s: LeafState, v: unknown): void {
    const c = s.column;
    switch (s.leaf.kind) {
        case "string": {
            const b = v as Uint8Array;
            c.add(b, 0, b.length);
            return;
        }
        case "integer":
            if (typeof v === "number") {
                c.add(scratch, writeInt(v), scratch.length);
            } else {
                const n = Number(v as bigint);
                if (Number.isSafeInteger(n)) {
                    c.add(scratch, writeInt(n), scratch.length);
                } else {
                    addText(c, String(v));
                }
            }
            return;
        case "float":
        case "decimal": {
            const n = v as number;
            if (!Number.isFinite(n)) {
                s.nonFinite++;
            } else if (Number.isSafeInteger(n) && !Object.is(n, -0)) {
                c.add(scratch, writeInt(n), scratch.length);
            } else {
                const at = writeShortDouble(scratch, n);
                if (at >= 0) {
                    c.add(scratch, at, scratch.length);
                } else {
                    addText(c, String(n));
                }
            }
            return;
        }
        case "boolean":
            c.add(v ? TRUE : FALSE, 0, v ? 4 : 5);
            return;
        case "date":
        case "timestamp":
        case "int96":
        case "time": {
            const t = v as number | bigint;
            if (s.tMin === undefined || t < s.tMin) {
                s.tMin = t;
            }
            if (s.tMax === undefined || t > s.tMax) {
                s.tMax = t;
            }
            if (s.timestamps !== undefined) {
                const at = s.timestamps.write(scratch, Number(t));
                if (at >= 0) {
                    c.add(scratch, at, scratch.length);
                    return;
                }
            }
            addText(c, valueText(s.leaf, t));
            return;
        }
        default:
            addText(c, valueText(s.leaf, v));
    }
}

/** A repeated (or nested) row's values: arrays within arrays, down to the leaf values. */
function walk(s: LeafState, v: unknown): number {
    if (v === null || v === undefined) {
        s.nullValues++;
        return 0;
    }
    if (Array.isArray(v)) {
        let n = 0;
        for (const x of v) {
            n += walk(s, x);
        }
        return n;
    }
    addValue(s, v);
    return 1;
}

/** Folds a decoded column chunk (pages of rows) into a leaf's state; returns the rows it held. */
export function addChunk(s: LeafState, pages: DecodedArray[], nested: boolean): number {
    let rows = 0;
    for (const page of pages) {
        rows += page.length;
        for (let i = 0; i < page.length; i++) {
            const v: unknown = page[i];
            if (!nested) {
                if (v !== null && v !== undefined) {
                    addValue(s, v);
                }
                continue;
            }
            if (!s.repeated) {
                // A leaf under optional groups: one value per row at most, wrapped in arrays.
                let x = v;
                while (Array.isArray(x)) {
                    x = x.length > 0 ? x[0] : undefined;
                }
                if (x !== null && x !== undefined) {
                    addValue(s, x);
                }
                continue;
            }
            const before = s.nullValues;
            const n = walk(s, v);
            // The nulls that stand for an absent list are not null elements.
            if (n === 0 && !Array.isArray(v)) {
                s.nullValues = before;
            }
            s.values += n;
            if (n > 0) {
                s.rowsWithValues++;
            }
            if (n < s.perRowMin) {
                s.perRowMin = n;
            }
            if (n > s.perRowMax) {
                s.perRowMax = n;
            }
        }
    }
    return rows;
}

export function compareStat(a: MinMaxType, b: MinMaxType): number {
    if (a instanceof Uint8Array && b instanceof Uint8Array) {
        return Buffer.compare(a, b);
    }
    return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a chunk's statistics say that every value of this non-repeated column is null (the chunk need not be read). */
export function allNull(s: LeafState, meta: ColumnMetaData, rows: number): boolean {
    const nulls = meta.statistics?.null_count;
    return !s.repeated && nulls !== undefined && Number(nulls) === Number(meta.num_values) && Number(meta.num_values) === rows;
}

/** Folds one column chunk's statistics in. */
export function addStatistics(s: LeafState, meta: ColumnMetaData): void {
    const st = meta.statistics;
    const nulls = st?.null_count;
    if (nulls === undefined) {
        s.statsEmptyOk = false;
    } else {
        s.statsEmpty += Number(nulls);
    }
    if (nulls !== undefined && Number(nulls) === Number(meta.num_values)) {
        return;
    }
    if (s.leaf.kind === "int96") {
        // INT96 has no defined sort order: its statistics are not used.
        s.statsMinOk = false;
        s.statsMaxOk = false;
        return;
    }
    // Strings and bytes may be truncated in statistics unless the writer says they are exact.
    const truncatable = s.leaf.kind === "string" || s.leaf.kind === "binary";
    const exact = (flag: boolean | undefined): boolean => (truncatable ? flag === true : flag !== false);
    const min = st?.min_value;
    const max = st?.max_value;
    if (min === undefined || min instanceof Date || !exact(st?.is_min_value_exact)) {
        s.statsMinOk = false;
    } else if (s.statsMin === undefined || compareStat(min, s.statsMin) < 0) {
        s.statsMin = min;
    }
    if (max === undefined || max instanceof Date || !exact(st?.is_max_value_exact)) {
        s.statsMaxOk = false;
    } else if (s.statsMax === undefined || compareStat(max, s.statsMax) > 0) {
        s.statsMax = max;
    }
}
