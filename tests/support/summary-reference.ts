/**
 * A straightforward reference for the summariser's statistics: given parsed records (header first), the per-column
 * summary the summariser must produce, computed with regular expressions, Number() and Sets.
 */
import type { ColumnFigures } from "../../bench/protocol";

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const BOOL = /^(true|false)$/i;
const TS = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

export function timestampMs(v: string): number | undefined {
    const m = TS.exec(v);
    if (!m) {
        return undefined;
    }
    const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4] ?? "0", m[5] ?? "0", m[6] ?? "0"].map(Number);
    const day = new Date(Date.UTC(2000, mo - 1, d));
    if (mo < 1 || mo > 12 || d < 1 || day.getUTCMonth() !== mo - 1) {
        return undefined;
    }
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    if (mo === 2 && d === 29 && !leap) {
        return undefined;
    }
    if (h > 23 || mi > 59 || s > 60) {
        return undefined;
    }
    let ms = Date.UTC(y, mo - 1, d, h, mi, s) + (m[7] ? Number("0." + m[7]) * 1000 : 0);
    const zone = m[8];
    if (zone && zone !== "Z" && zone !== "z") {
        const digits = zone.slice(1).replace(":", "");
        const off = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2) || "0");
        ms += (zone[0] === "+" ? -1 : 1) * off * 60000;
    }
    return ms;
}

export function kindOf(v: string): string {
    if (v === "") {
        return "empty";
    }
    if (INT.test(v)) {
        return "integer";
    }
    if (FLOAT.test(v) && Number.isFinite(Number(v))) {
        return "float";
    }
    if (BOOL.test(v)) {
        return "boolean";
    }
    if (timestampMs(v) !== undefined) {
        return "timestamp";
    }
    return "string";
}

function merge(a: string, b: string): string {
    if (a === b || b === "empty") {
        return a;
    }
    if (a === "empty") {
        return b;
    }
    if ((a === "integer" && b === "float") || (a === "float" && b === "integer")) {
        return "float";
    }
    return "string";
}

/** A column's figures as the bench's contenders report them (exact distinct count), and its samples. */
export interface RefColumn extends Omit<ColumnFigures, "distinctCapped"> {
    samples: string[];
}

export function referenceStats(rows: string[][], sampleSize: number): { rows: number; columns: RefColumn[] } {
    const [header, ...data] = rows;
    const columns = header.map((name, j) => {
        const values = data.map((r) => r[j]).filter((v) => v !== "");
        const type = values.map(kindOf).reduce(merge, "empty");
        const out: RefColumn = {
            name: name === "" ? `column_${j + 1}` : name,
            nonEmpty: values.length,
            empty: data.length - values.length,
            type,
            distinct: new Set(values).size,
            samples: [...new Set(values)].slice(0, sampleSize),
        };
        if (type === "integer" || type === "float") {
            const nums = values.map(Number);
            // Exact order: an integer beyond ±2^53 compares (and is reported) by its decimal value.
            const exact = (v: string): bigint | undefined => (INT.test(v) && !Number.isSafeInteger(Number(v)) ? BigInt(v) : undefined);
            const cmp = (a: string, b: string): number => {
                const x = Number(a);
                const y = Number(b);
                if (x !== y) {
                    return x < y ? -1 : 1;
                }
                const ea = exact(a);
                const eb = exact(b);
                if (ea === undefined && eb === undefined) {
                    return 0;
                }
                const p = ea ?? BigInt(x);
                const q = eb ?? BigInt(y);
                return p < q ? -1 : p > q ? 1 : 0;
            };
            const report = (v: string): number | string => exact(v)?.toString() ?? Number(v);
            out.min = report(values.reduce((a, b) => (cmp(b, a) < 0 ? b : a)));
            out.max = report(values.reduce((a, b) => (cmp(b, a) > 0 ? b : a)));
            out.mean = nums.reduce((a, b) => a + b, 0) / nums.length;
        } else if (type === "timestamp") {
            let lo = values[0];
            let hi = values[0];
            for (const v of values) {
                if (timestampMs(v)! < timestampMs(lo)!) {
                    lo = v;
                }
                if (timestampMs(v)! > timestampMs(hi)!) {
                    hi = v;
                }
            }
            out.min = lo;
            out.max = hi;
        }
        return out;
    });
    return { rows: data.length, columns };
}

