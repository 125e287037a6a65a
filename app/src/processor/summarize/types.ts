/**
 * The contract of the summarising core: what it takes, what it returns, and how it fails.
 */

export type InputFormat = "csv" | "tsv" | "jsonl";
export type ColumnType = "integer" | "float" | "boolean" | "timestamp" | "string" | "empty";

export interface SummaryOptions {
    /** Force a format; otherwise detected from the first bytes (JSON Lines if lines start with "{"). @default "auto" */
    format?: InputFormat | "auto";
    /** Force the field delimiter (one character); otherwise detected among , ; TAB |. */
    delimiter?: string;
    /** Force whether the first row is a header; otherwise detected. */
    header?: boolean;
    /** A physical line longer than this (bytes) is a bad row and is skipped. @default 1048576 */
    maxLineBytes?: number;
    /** Sample values kept per column. @default 5 */
    sampleSize?: number;
    /** Bad rows whose line number and reason are reported (all are counted). @default 10 */
    maxBadRowsReported?: number;
    /**
     * summarizeStream only: threads summarising a large input (the calling thread and parallelism - 1 worker threads
     * take blocks of whole records; their results are merged in order, so the summary is the same as with 1).
     * 1 = all on the calling thread. Each thread keeps one state per column for the whole run, so peak RSS stays flat
     * across input sizes (≈ 100 MiB with 2). The processor takes it from SUMMARY_PARALLELISM (one per whole vCPU).
     * @default 1
     */
    parallelism?: number;
    /** summarizeStream only (tuning, tests): bytes per block handed to a worker thread. @default 1048576 */
    parallelBlockBytes?: number;
    /** summarizeStream only (tuning, tests): the first this many bytes are summarised on the calling thread, so small inputs never start workers. @default 8388608 */
    parallelMinBytes?: number;
    /** Called now and then with progress, for logs and the demo. */
    onProgress?: (progress: { rows: number; bytes: number }) => void;
}

export interface ColumnSummary {
    name: string;
    /** Rows where the field is present and not empty. */
    nonEmpty: number;
    /** Rows where the field is empty (or missing in JSON Lines). */
    empty: number;
    /** The narrowest type every non-empty value fits: integer ⊂ float; boolean; ISO-8601 timestamp; else string. */
    type: ColumnType;
    /** Numbers: numeric min/max; timestamps: ISO strings; strings: shortest/longest is not reported (undefined). */
    min?: number | string;
    max?: number | string;
    /** Numbers only. */
    mean?: number;
    /** Approximate distinct count of non-empty values (HyperLogLog, ~1–2% error). */
    distinctApprox: number;
    /** The first distinct non-empty values seen, up to sampleSize. */
    samples: string[];
}

export interface BadRow {
    /** 1-based physical line number where the row starts. */
    line: number;
    reason: string;
}

export interface FileSummary {
    format: InputFormat;
    compression: "gzip" | "none";
    /** CSV/TSV only. */
    delimiter?: string;
    header: boolean;
    /** Good data rows (header not counted). */
    rows: number;
    /** Bytes of (decompressed) input read. */
    bytes: number;
    columns: ColumnSummary[];
    badRows: { count: number; first: BadRow[] };
}

export type InputErrorCode = "empty" | "binary" | "not-delimited" | "truncated-gzip" | "invalid-gzip" | "too-many-columns";

/** The input cannot be summarised at all (as opposed to bad rows, which are counted and skipped). */
export class InputError extends Error {
    constructor(
        public readonly code: InputErrorCode,
        message: string,
    ) {
        super(message);
        this.name = "InputError";
    }
}

/** Raised when the signal aborts the run (SIGTERM): reading stopped, nothing is returned. */
export class AbortedError extends Error {
    constructor() {
        super("summarising was interrupted");
        this.name = "AbortedError";
    }
}
