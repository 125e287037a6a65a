/**
 * The per-column summary the JS-parser baselines (papaparse, csv-parse) compute over the records their parser yields:
 * a straightforward implementation of the same job the summariser does (counts, type inference, numeric
 * min/max/mean, timestamp min/max, distinct count).
 *
 * Distinct counts are exact with a Set, capped at DISTINCT_CAP values per column to keep memory sane: past the cap
 * the count is a lower bound (reported as "≥ cap").
 */

import type { ColumnFigures, SummaryFigures } from "./protocol";

export const DISTINCT_CAP = 100_000;

const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const BOOL_RE = /^(?:true|false|TRUE|FALSE|True|False)$/;
const TS_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

class ColumnStats {
    nonEmpty = 0;
    empty = 0;
    private canInt = true;
    private canFloat = true;
    private canBool = true;
    private canTs = true;
    private numMin = Infinity;
    private numMax = -Infinity;
    private numSum = 0;
    private tsMin = "";
    private tsMax = "";
    private readonly distinct = new Set<string>();
    private distinctCapped = false;

    constructor(readonly name: string) {}

    add(v: string): void {
        if (v === "") {
            this.empty++;
            return;
        }
        this.nonEmpty++;
        if (!this.distinctCapped) {
            this.distinct.add(v);
            if (this.distinct.size >= DISTINCT_CAP) this.distinctCapped = true;
        }
        if (this.canFloat) {
            if (FLOAT_RE.test(v)) {
                if (this.canInt && !INT_RE.test(v)) this.canInt = false;
                const n = Number(v);
                if (n < this.numMin) this.numMin = n;
                if (n > this.numMax) this.numMax = n;
                this.numSum += n;
            } else {
                this.canFloat = false;
                this.canInt = false;
            }
        }
        if (this.canBool && !BOOL_RE.test(v)) this.canBool = false;
        if (this.canTs) {
            if (TS_RE.test(v)) {
                if (this.tsMin === "" || v < this.tsMin) this.tsMin = v;
                if (v > this.tsMax) this.tsMax = v;
            } else {
                this.canTs = false;
            }
        }
    }

    figures(): ColumnFigures {
        const base = {
            name: this.name,
            nonEmpty: this.nonEmpty,
            empty: this.empty,
            distinct: this.distinct.size,
            distinctCapped: this.distinctCapped,
        };
        if (this.nonEmpty === 0) return { ...base, type: "empty" };
        if (this.canFloat) {
            return {
                ...base,
                type: this.canInt ? "integer" : "float",
                min: this.numMin,
                max: this.numMax,
                mean: this.numSum / this.nonEmpty,
            };
        }
        if (this.canBool) return { ...base, type: "boolean" };
        if (this.canTs) return { ...base, type: "timestamp", min: this.tsMin, max: this.tsMax };
        return { ...base, type: "string" };
    }
}

/** Feed it records (the first one is the header); missing trailing fields count as empty, extra ones are ignored. */
export class BaselineSummary {
    private columns: ColumnStats[] | undefined;
    rows = 0;

    record(fields: readonly string[]): void {
        const columns = this.columns;
        if (columns === undefined) {
            this.columns = fields.map((name) => new ColumnStats(name));
            return;
        }
        this.rows++;
        const n = columns.length;
        for (let i = 0; i < n; i++) {
            const v = fields[i];
            columns[i]!.add(v === undefined ? "" : v);
        }
    }

    figures(): SummaryFigures {
        return { rows: this.rows, columns: (this.columns ?? []).map((c) => c.figures()) };
    }
}
