/**
 * The summariser's state (one class hierarchy, one concern per file): ScanState (this file: the fields, settings
 * and shared types) ← Scanner (scanner.ts: records and their boundaries) ← RecordSummarizer (records.ts: a record's
 * fields into column statistics) ← DetectingSummarizer (detecting.ts: format detection, write/end) ← CoreSummarizer
 * (summarizer.ts: parallel blocks, ranges, merging).
 */
import { isUtf8 } from "node:buffer";
import { BadRows, BadRowsState } from "./accounting";
import { Column, SampleCandidates } from "./columns";
import { LineEnding } from "./detect";
import { JsonRecordScanner } from "./json";
import { FileSummary, InputFormat, SummaryOptions } from "./types";

const MAX_COLUMNS = 10000;

/**
 * The fields of the record scanRecord read last (130 KB), one set per thread: they hold one record's fields only
 * until its caller has read them, within the same synchronous call (no await between), so the summarisers of one
 * thread (ranges summarised side by side, the splitter's verdicts) can share them instead of allocating their own.
 */
const FIELDS = {
    starts: new Int32Array(MAX_COLUMNS + 1),
    ends: new Int32Array(MAX_COLUMNS + 1),
    flags: new Uint8Array(MAX_COLUMNS + 1),
    hashes: new Int32Array(MAX_COLUMNS + 1),
};
const DEFAULT_MAX_LINE = 1048576;
/** Detection waits for this many line ends (and at least DETECT_MIN_BYTES), or the end, or DETECT_MAX_BYTES. */
const DETECT_LINES = 24;
const DETECT_MIN_BYTES = 4096;
const DETECT_MAX_BYTES = 2 * 1048576;
/** Whitespace before the first record kept to prefix it (beyond this, it is dropped as blank). */
const MAX_LEADING_SPACE = 65536;
const PROGRESS_EVERY = 16 * 1048576;

const LF = 10;
const CR = 13;
const QUOTE = 34;

// scanRecord's results besides a record end.
/** The record does not end before the limit. */
const NEED_MORE = -1;
/** A quoted field is still open at the end of input. */
const UNCLOSED = -2;
/** Text after a closing quote. */
const MALFORMED = -3;

// Finder states for a CSV record that spans chunks (mirrors scanRecord).
const F_START = 0;
const F_UNQUOTED = 1;
const F_QUOTED = 2;
const F_QUOTE_IN_QUOTED = 3;
const F_CR_AFTER_QUOTE = 4;

// A note on constants. `npm run build` (tsc) and the tests compile these modules to CommonJS, where an exported
// `const` becomes a property of the module's exports object that is written twice (`exports.X = void 0` first): V8
// cannot treat it as a constant, so every use of it, in this module or through an import, is a property load. In the
// scanner's hot loops that cost about 9% of the one-thread time on the bench's 1 GB file (docs/performance.md). So
// the summariser's modules declare constants as plain `const`s exported with a list, and a module that uses another's
// constants binds them once (`import * as scanState from "./scan-state"; const { QUOTE } = scanState;`).
// tests/summarize-constants.test.ts checks the compiled output.
export { MAX_COLUMNS, DEFAULT_MAX_LINE, DETECT_LINES, DETECT_MIN_BYTES, DETECT_MAX_BYTES, MAX_LEADING_SPACE, PROGRESS_EVERY, LF, CR, QUOTE, NEED_MORE, UNCLOSED, MALFORMED, F_START, F_UNQUOTED, F_QUOTED, F_QUOTE_IN_QUOTED, F_CR_AFTER_QUOTE };

/** What a worker needs to know to summarise blocks of a detected input. */
export interface BlockConfig {
    format: InputFormat;
    delimiter: string;
    /** The line-end byte (LF, or CR for lone-CR files). */
    eol: number;
    /** CSV/TSV: whether quotes open quoted fields. */
    quotes: boolean;
    /** CSV/TSV: the field count of the first row (and column count). */
    expected: number;
    /** CSV/TSV: the HyperLogLog precision of every column. */
    precision: number;
}

/** One column's sample candidates in a block (see Column.startBlock): by index (CSV/TSV) or by key (JSON Lines). */
export interface BlockSamples extends SampleCandidates {
    col: number;
    key?: string;
}

/**
 * What summarising one block of whole records leaves to merge in input order (see CoreSummarizer.runBlock): counts,
 * the bad rows, the sample candidates and JSON Lines' new keys. The heavy column state (counts, extremes, sums,
 * HyperLogLog registers, exact sets) stays in the thread's persistent columns and is merged once at the end
 * (finalStates / mergeFinal).
 */
export interface BlockResult {
    rows: number;
    /** Physical lines the block advanced the line counter by. */
    lines: number;
    blank: number;
    /** Line numbers relative to the block (its first line is 1). */
    bad: BadRowsState;
    /** Whether the block ended inside a bad line that is being skipped. */
    skipping: boolean;
    /** JSON Lines: the keys this thread saw first in this block, in order of appearance. */
    newKeys?: string[];
    samples: BlockSamples[];
}

/** The layout the first range detected, which every range's merge follows (see restoreHead). */
export interface RangeHead {
    format: InputFormat;
    delimiter: string;
    quotes: boolean;
    lineEnding: LineEnding;
    header: boolean;
    headerRecords: number;
    /** CSV/TSV: the field count (-1: no record). */
    expected: number;
    /** CSV/TSV: the columns' names. */
    columns?: { name: string; originalName?: string }[];
}

export interface Summarizer {
    write(chunk: Buffer): void;
    end(): FileSummary;
}

/**
 * Where detection stops reading, counted from off so that it does not depend on chunking: after DETECT_LINES line
 * ends (and at least DETECT_MIN_BYTES), at most DETECT_MAX_BYTES; the end of the input if it comes first; -1 if more
 * bytes are needed.
 */
export function detectionEnd(buf: Buffer, off: number, len: number, eof: boolean): number {
    const stop = Math.min(len, off + DETECT_MAX_BYTES);
    let lines = 0;
    let i = off;
    while (i < stop && lines < DETECT_LINES) {
        const c = buf[i++];
        if (c === LF || c === CR) {
            lines++;
        }
    }
    const cut = lines < DETECT_LINES ? off + DETECT_MAX_BYTES : Math.max(off + DETECT_MIN_BYTES, i);
    if (cut <= len) {
        return cut;
    }
    return eof ? len : -1;
}

export function checkInt(name: string, v: number | undefined, min: number, dflt: number): number {
    if (v === undefined) {
        return dflt;
    }
    if (!Number.isInteger(v) || v < min) {
        throw new RangeError(`${name} must be an integer >= ${min}`);
    }
    return v;
}

/** Valid UTF-8 without a NUL byte. */
export function cleanText(b: Buffer): boolean {
    return isUtf8(b) && b.indexOf(0) < 0;
}

export abstract class ScanState {
    protected readonly maxLine: number;
    protected readonly window: number;
    protected readonly sampleSize: number;
    protected readonly maxBad: number;
    protected readonly onProgress?: (p: { rows: number; bytes: number }) => void;

    protected detected = false;
    protected ended = false;
    protected bomChecked = false;
    /** Whitespace-only lines before the first record, by line end, until the style is known. */
    protected leadingLf = 0;
    protected leadingCr = 0;
    /** The style of the first line end among the leading blank lines: the file's first line end. */
    protected leadingStyle: LineEnding | undefined;
    protected prefix: Buffer[] = [];
    protected prefixLen = 0;
    protected prefixLines = 0;

    protected format: InputFormat = "csv";
    protected delimiter = ",";
    protected delim = 44;
    protected header = true;
    protected headerRecords = 0;
    protected quotes = true;
    /** The byte that opens a quoted field at a field start (-1: quotes are data). */
    protected quote = QUOTE;
    protected lineEnding: LineEnding = "none";
    /** The line-end byte, and the byte dropped before it (CR before LF; -1 for lone-CR files). */
    protected eol = LF;
    protected cr = CR;

    protected bytes = 0;
    protected lastProgress = 0;
    protected rows = 0;
    /** 1-based line number where the next record starts. */
    protected line = 1;
    protected blank = 0;
    protected readonly bad: BadRows;

    protected columns: Column[] = [];
    protected expected = -1;
    protected readonly jsonIndex = new Map<string, number>();
    protected readonly json = new JsonRecordScanner();
    protected jsonMembers = new Int32Array(64);
    /** JSON Lines records read (to spot a key repeated within one object). */
    protected jsonRecords = 0;

    // Results of scanRecord, shared by every summariser of this thread (FIELDS).
    protected readonly fs = FIELDS.starts;
    protected readonly fe = FIELDS.ends;
    protected readonly ff = FIELDS.flags;
    /** The two-lane FNV-1a state (laneHash) of each field's bytes (flags 0 and 1). */
    protected readonly fh = FIELDS.hashes;
    protected nf = 0;
    protected recLines = 0;
    /** MALFORMED: the index of the byte after the closing quote (scanRecord; find: the byte that made it so). */
    protected stopAt = 0;
    /** See recordEnd. */
    verdictEnd = 0;

    /** Whether the records of the chunk being scanned are valid UTF-8 without NUL (checked once per chunk). */
    protected utf8Ok = true;
    protected scratch = Buffer.allocUnsafe(65536);

    // A record spanning chunks.
    protected carry = Buffer.allocUnsafe(0);
    protected carryLen = 0;
    protected fstate = F_START;
    protected skipping = false;

    // Block mode (a worker): JSON Lines keys known to have a global index < 1000, and how many keys were known.
    protected jsonP14: Set<string> | null = null;
    protected jsonKnown = 0;
    /** The block being summarised (-1: not in block mode). */
    protected curBlock = -1;

    // Range mode (partial.ts): scanning stops at the first record start at or after stopOffset (an input offset).
    protected stopOffset = Infinity;
    /** The input offset of buf[0] in the buffer being scanned, and of the carry's first byte. */
    protected base = 0;
    protected carryBase = 0;
    /** Where scanning stopped (the first record start at or after stopOffset), or -1. */
    protected exitAt = -1;

    constructor(protected readonly options: SummaryOptions = {}) {
        this.maxLine = checkInt("maxLineBytes", options.maxLineBytes, 1, DEFAULT_MAX_LINE);
        this.window = this.maxLine + 2;
        this.sampleSize = checkInt("sampleSize", options.sampleSize, 0, 5);
        this.maxBad = checkInt("maxBadRowsReported", options.maxBadRowsReported, 0, 10);
        this.bad = new BadRows(this.maxBad);
        this.onProgress = options.onProgress;
        if (options.delimiter !== undefined) {
            const d = options.delimiter;
            if (d.length !== 1 || d.charCodeAt(0) > 127 || d === '"' || d === "\n" || d === "\r") {
                throw new RangeError(`delimiter must be one ASCII character other than a quote or a line break, got ${JSON.stringify(d)}`);
            }
        }
        if (options.format !== undefined && !["auto", "csv", "tsv", "jsonl"].includes(options.format)) {
            throw new RangeError(`format must be auto, csv, tsv or jsonl, got ${JSON.stringify(options.format)}`);
        }
        if (options.quotes !== undefined && typeof options.quotes !== "boolean") {
            throw new RangeError(`quotes must be true or false, got ${JSON.stringify(options.quotes)}`);
        }
    }

    protected setLineEnding(ending: LineEnding): void {
        this.lineEnding = ending;
        this.eol = ending === "cr" ? CR : LF;
        this.cr = ending === "cr" ? -1 : CR;
    }
}
