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
    /**
     * Whether a double quote at the start of a field opens a quoted field (RFC 4180: delimiters, line breaks and
     * doubled quotes inside). When off, quotes are data. @default true for CSV, false for TSV (quotes are data in TSV,
     * as in `cut`, `awk`, PostgreSQL's text format and most TSV producers)
     */
    quotes?: boolean;
    /** A physical line longer than this (bytes) is a bad row and is skipped. @default 1048576 */
    maxLineBytes?: number;
    /** Sample values kept per column. @default 5 */
    sampleSize?: number;
    /** Bad rows whose line number and reason are reported (all are counted). @default 10 */
    maxBadRowsReported?: number;
    /**
     * Threads summarising a large input; the summary is the same as with 1. summarizeStream: the calling thread and
     * parallelism - 1 worker threads take blocks of whole records, merged in order; each thread keeps one state per
     * column for the whole run, so peak RSS stays flat across input sizes (≈ 100 MiB with 2). summarizeSource
     * (ranges.ts, a file or an S3 object): `parallelism` worker threads each read and summarise their own byte
     * ranges (gzip: the block path). 1 = all on the calling thread. The processor takes it from SUMMARY_PARALLELISM
     * (one per whole vCPU).
     * @default 1
     */
    parallelism?: number;
    /** summarizeStream only (tuning, tests): bytes per block handed to a worker thread. @default 1048576 */
    parallelBlockBytes?: number;
    /**
     * Tuning, tests: summarizeStream summarises the first this many bytes on the calling thread, and summarizeSource
     * reads a smaller input as one stream, so small inputs never start workers. @default 8388608
     */
    parallelMinBytes?: number;
    /**
     * summarizeSource only (tuning, tests): bytes per range when worker threads summarise ranges of an uncompressed
     * input. @default each range a share of what is left (1 / (2 × parallelism), 4 to 256 MiB): ranges shrink
     * towards the end
     */
    parallelRangeBytes?: number;
    /** Called now and then with progress, for logs and the demo. */
    onProgress?: (progress: { rows: number; bytes: number }) => void;
}

export interface ColumnSummary {
    /** Unique among the columns: a repeated or empty header name gets a suffix (`a`, `a_2`) or `column_N`. */
    name: string;
    /** The header's text for this column, when `name` differs from it (renamed to be unique, or empty). */
    originalName?: string;
    /** Rows where the field is present and not empty. */
    nonEmpty: number;
    /** Rows where the field is empty (or missing in JSON Lines). */
    empty: number;
    /** The narrowest type every non-empty value fits: integer ⊂ float; boolean; ISO-8601 timestamp; else string. */
    type: ColumnType;
    /**
     * Numbers: numeric min/max, except an integer beyond ±2^53 (where a double loses digits), which is its exact
     * decimal string; timestamps: the input text; strings: not reported (undefined).
     */
    min?: number | string;
    max?: number | string;
    /** Numbers only: always a finite number (the sum is rescaled rather than overflow). */
    mean?: number;
    /** Approximate distinct count of non-empty values (HyperLogLog, ~1–2% error). */
    distinctApprox: number;
    /** The first distinct non-empty values seen, up to sampleSize. */
    samples: string[];
}

/** Why a record is a bad row. */
export type BadRowCode =
    | "field-count"
    | "unclosed-quote"
    | "text-after-quote"
    | "line-too-long"
    | "invalid-utf8"
    | "nul-byte"
    | "invalid-json"
    | "not-an-object";

export interface BadRow {
    /** 1-based physical line number where the row starts. */
    line: number;
    code: BadRowCode;
    reason: string;
}

/** Bad rows of one kind: how many, and the line numbers of the first ones. */
export interface BadRowsOfKind {
    count: number;
    lines: number[];
}

/**
 * What became of every line and record of the input. Always: records = rows + badRows, and every physical line is a
 * blank line, the header, or part of exactly one record.
 */
export interface Accounting {
    /** Physical lines: line ends in the file's style, plus a last line without one. */
    lines: number;
    /** Empty lines (JSON Lines: also whitespace-only lines, and CSV/TSV whitespace before the first record): not records. */
    blankLines: number;
    /** 1 when the first record is the header, else 0. */
    headerRecords: number;
    /** Data records read: rows + badRows. */
    records: number;
    rows: number;
    badRows: number;
}

export interface FileSummary {
    /** The input's format; "parquet" is detected by its magic bytes (see parquet/summarize.ts), never forced. */
    format: InputFormat | "parquet";
    compression: "gzip" | "none";
    /** CSV/TSV only. */
    delimiter?: string;
    /** CSV/TSV only: whether quoted fields were read (see SummaryOptions.quotes). */
    quotes?: boolean;
    /**
     * The line-end style, detected once from the first lines: LF or CRLF (read alike; a file may mix the two), or a
     * lone CR (old Mac); "none" when the input has no line end.
     */
    lineEnding: "lf" | "crlf" | "cr" | "none";
    header: boolean;
    /** Good data rows (header not counted). */
    rows: number;
    /** Bytes of (decompressed) input read. */
    bytes: number;
    columns: ColumnSummary[];
    /** All bad rows are counted; the first maxBadRowsReported are listed, overall and per reason. */
    badRows: { count: number; first: BadRow[]; byReason: Partial<Record<BadRowCode, BadRowsOfKind>> };
    accounting: Accounting;
}

export type InputErrorCode =
    | "empty"
    | "binary"
    | "utf-16"
    | "utf-32"
    | "mixed-line-endings"
    | "not-delimited"
    | "truncated-gzip"
    | "invalid-gzip"
    | "too-many-columns"
    | "parquet-truncated"
    | "parquet-footer"
    | "parquet-codec"
    | "parquet-corrupt"
    | "parquet-unsupported";

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

/**
 * p, or an AbortedError as soon as the signal aborts. (A fresh listener per call: racing against one long-lived
 * promise would keep every settled value alive.)
 */
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
    if (!signal) {
        return p;
    }
    if (signal.aborted) {
        p.catch(() => undefined);
        return Promise.reject(new AbortedError());
    }
    return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(new AbortedError());
        signal.addEventListener("abort", onAbort, { once: true });
        p.then(
            (v) => {
                signal.removeEventListener("abort", onAbort);
                resolve(v);
            },
            (e: unknown) => {
                signal.removeEventListener("abort", onAbort);
                reject(e);
            },
        );
    });
}
