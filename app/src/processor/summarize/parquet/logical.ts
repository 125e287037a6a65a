/**
 * What a Parquet leaf column holds, from its schema element, and how its values are written as text: the logical
 * value (a timestamp, a date, a decimal), never the raw integer. The text is what the CSV summariser would see for the
 * same value, so both formats give the same distinct counts and samples.
 */
import type { SchemaElement } from "hyparquet";
import { ColumnType } from "../types";

export type LeafKind = "boolean" | "integer" | "float" | "decimal" | "date" | "timestamp" | "int96" | "time" | "string" | "uuid" | "binary";

export interface Leaf {
    kind: LeafKind;
    /** The summary's type. */
    type: ColumnType;
    /** The type as the schema gives it, e.g. `INT64`, `DECIMAL(9,2)`, `TIMESTAMP(MICROS,UTC)`. */
    logicalType: string;
    /** Timestamps and times: digits after the second (3, 6 or 9). */
    digits: number;
    /** Timestamps: the instant is UTC (written with a trailing Z). */
    utc: boolean;
}

/** Thrown for a column whose type the reader cannot decode (BSON, INTERVAL). */
export class UnsupportedType extends Error {}

const UNIT_DIGITS = { MILLIS: 3, MICROS: 6, NANOS: 9 } as const;

/**
 * Classifies a leaf. `element` may be completed in place (a DECIMAL or DATE given only as a logical type also gets the
 * converted type, which is what the decoder looks at): it is the reader's own parsed metadata, never the caller's.
 */
export function classify(element: SchemaElement): Leaf {
    const lt = element.logical_type;
    const ct = element.converted_type;
    const physical = element.type ?? "BYTE_ARRAY";
    const leaf = (kind: LeafKind, type: ColumnType, logicalType: string, digits = 0, utc = false): Leaf => ({ kind, type, logicalType, digits, utc });
    if (lt?.type === "DECIMAL" && ct === undefined) {
        element.converted_type = "DECIMAL";
        element.scale = lt.scale;
        element.precision = lt.precision;
    }
    if (lt?.type === "DATE" && ct === undefined) {
        element.converted_type = "DATE";
    }
    if (ct === "BSON" || lt?.type === "BSON" || ct === "INTERVAL" || lt?.type === "INTERVAL") {
        throw new UnsupportedType(`${ct ?? lt?.type} values cannot be decoded`);
    }
    if (element.converted_type === "DECIMAL") {
        const scale = element.scale ?? 0;
        return leaf("decimal", scale === 0 ? "integer" : "float", `DECIMAL(${element.precision ?? "?"},${scale})`);
    }
    if (element.converted_type === "DATE") {
        return leaf("date", "timestamp", "DATE");
    }
    if (ct === "TIMESTAMP_MILLIS" || ct === "TIMESTAMP_MICROS" || lt?.type === "TIMESTAMP") {
        const unit = lt?.type === "TIMESTAMP" ? lt.unit : ct === "TIMESTAMP_MILLIS" ? "MILLIS" : "MICROS";
        const utc = lt?.type === "TIMESTAMP" ? lt.isAdjustedToUTC : true;
        return leaf("timestamp", "timestamp", `TIMESTAMP(${unit}${utc ? ",UTC" : ""})`, UNIT_DIGITS[unit], utc);
    }
    if (physical === "INT96") {
        return leaf("int96", "timestamp", "INT96", 9, true);
    }
    if (ct === "TIME_MILLIS" || ct === "TIME_MICROS" || lt?.type === "TIME") {
        const unit = lt?.type === "TIME" ? lt.unit : ct === "TIME_MILLIS" ? "MILLIS" : "MICROS";
        return leaf("time", "string", `TIME(${unit})`, UNIT_DIGITS[unit]);
    }
    if (lt?.type === "UUID") {
        return leaf("uuid", "string", "UUID");
    }
    if (lt?.type === "FLOAT16") {
        return leaf("float", "float", "FLOAT16");
    }
    switch (physical) {
        case "BOOLEAN":
            return leaf("boolean", "boolean", "BOOLEAN");
        case "INT32":
        case "INT64": {
            const signed = !(ct?.startsWith("UINT_") || (lt?.type === "INTEGER" && !lt.isSigned));
            const bits = lt?.type === "INTEGER" ? lt.bitWidth : ct !== undefined && /^U?INT_\d+$/.test(ct) ? Number(ct.replace(/^U?INT_/, "")) : physical === "INT32" ? 32 : 64;
            return leaf("integer", "integer", lt?.type === "INTEGER" || (ct !== undefined && /INT_/.test(ct)) ? `${signed ? "" : "U"}INT${bits}` : physical);
        }
        case "FLOAT":
        case "DOUBLE":
            return leaf("float", "float", physical);
        case "BYTE_ARRAY": {
            const text = ct === "UTF8" || ct === "ENUM" || ct === "JSON" || lt?.type === "STRING" || lt?.type === "ENUM" || lt?.type === "JSON" || (ct === undefined && lt === undefined);
            return text ? leaf("string", "string", lt?.type ?? ct ?? "BYTE_ARRAY") : leaf("binary", "string", lt?.type ?? ct ?? "BYTE_ARRAY");
        }
        default:
            return leaf("binary", "string", lt?.type ?? ct ?? physical);
    }
}

const pad = (n: number | bigint, width: number): string => String(n).padStart(width, "0");

/** Days since 1970-01-01 → [year, month, day] (proleptic Gregorian; H. Hinnant's civil_from_days). */
function civil(days: number): [number, number, number] {
    const z = days + 719468;
    const era = Math.floor(z / 146097);
    const doe = z - era * 146097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const m = mp < 10 ? mp + 3 : mp - 9;
    return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** ISO 8601 date; years outside 0000–9999 get a sign and six digits (the extended format). */
export function formatDate(days: number): string {
    const [y, m, d] = civil(days);
    const year = y >= 0 && y <= 9999 ? pad(y, 4) : `${y < 0 ? "-" : "+"}${pad(Math.abs(y), 6)}`;
    return `${year}-${pad(m, 2)}-${pad(d, 2)}`;
}

const UNITS_PER_DAY = [0n, 0n, 0n, 86_400_000n, 0n, 0n, 86_400_000_000n, 0n, 0n, 86_400_000_000_000n];

/** A time of day in units of 10^-digits s, as HH:MM:SS.f… */
export function formatTime(units: bigint, digits: number): string {
    const perSecond = 10n ** BigInt(digits);
    const seconds = units / perSecond;
    const frac = units % perSecond;
    const h = seconds / 3600n;
    const m = (seconds / 60n) % 60n;
    const s = seconds % 60n;
    return `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}.${pad(frac, digits)}`;
}

/** An instant in units of 10^-digits s since the epoch, as ISO 8601 with all its digits (and Z when UTC). */
export function formatTimestamp(units: bigint, digits: number, utc: boolean): string {
    const perDay = UNITS_PER_DAY[digits];
    let days = units / perDay;
    let rest = units % perDay;
    if (rest < 0n) {
        rest += perDay;
        days -= 1n;
    }
    return `${formatDate(Number(days))}T${formatTime(rest, digits)}${utc ? "Z" : ""}`;
}

/** The text of one decoded value of a leaf (as the decoder returns it with the reader's parsers). */
export function valueText(leaf: Leaf, v: unknown): string {
    switch (leaf.kind) {
        case "date":
            return formatDate(v as number);
        case "timestamp":
        case "int96":
            return formatTimestamp(BigInt(v as bigint | number), leaf.digits, leaf.utc);
        case "time":
            return formatTime(BigInt(v as bigint | number), leaf.digits);
        case "binary":
            return Buffer.from(v as Uint8Array).toString("hex");
        default:
            return String(v);
    }
}
