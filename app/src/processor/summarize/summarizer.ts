/**
 * The synchronous incremental core: decompressed bytes in, chunk by chunk, a FileSummary out.
 *
 * Memory is bounded by the longest record (capped by maxLineBytes) plus per-column state: records that end inside a
 * chunk are summarised in place, and only a record that spans chunks is copied into a carry buffer.
 *
 * Records (CSV/TSV): a record ends at the first line end outside quotes. A record that is not valid costs one
 * physical line, its first: a quoted field that does not close before a delimiter or line end (text after the closing
 * quote), or that spans line ends but does not end a record with the header's field count within maxLineBytes (an
 * unclosed or stray quote), or a line longer than maxLineBytes. That line is one bad row, and reading resumes on the
 * next line as if the quote had not been there. So a stray quote costs the record it is in, never the records after
 * it, and every record boundary is decided within maxLineBytes of the record's start.
 */
import { isUtf8 } from "node:buffer";
import { BadRows, BadRowsState } from "./accounting";
import { Column, ColumnState, SampleCandidates } from "./columns";
import { detectDelimiter, detectHeader, detectLineEnding, firstNonSpace, isOneColumn, LineEnding, looksBinary, parseRecords, wideEncoding } from "./detect";
import { FNV_PRIME, FNV_SEED, FNV_SEED_B, joinLanes, laneHash } from "./hll";
import { J_FALSE, J_NESTED, J_NULL, J_NUMBER, J_STRING, J_TRUE, JSON_INVALID, JSON_NOT_OBJECT, JsonRecordScanner, minifyJson } from "./json";
import { BadRowCode, FileSummary, InputError, InputFormat, SummaryOptions } from "./types";
import { K_STRING } from "./values";

export const MAX_COLUMNS = 10000;
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
function detectionEnd(buf: Buffer, off: number, len: number, eof: boolean): number {
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

function checkInt(name: string, v: number | undefined, min: number, dflt: number): number {
    if (v === undefined) {
        return dflt;
    }
    if (!Number.isInteger(v) || v < min) {
        throw new RangeError(`${name} must be an integer >= ${min}`);
    }
    return v;
}

/** Valid UTF-8 without a NUL byte. */
function cleanText(b: Buffer): boolean {
    return isUtf8(b) && b.indexOf(0) < 0;
}

export class CoreSummarizer implements Summarizer {
    private readonly maxLine: number;
    private readonly window: number;
    private readonly sampleSize: number;
    private readonly maxBad: number;
    private readonly onProgress?: (p: { rows: number; bytes: number }) => void;

    private detected = false;
    private ended = false;
    private bomChecked = false;
    /** Whitespace-only lines before the first record, by line end, until the style is known. */
    private leadingLf = 0;
    private leadingCr = 0;
    /** The style of the first line end among the leading blank lines: the file's first line end. */
    private leadingStyle: LineEnding | undefined;
    private prefix: Buffer[] = [];
    private prefixLen = 0;
    private prefixLines = 0;

    private format: InputFormat = "csv";
    private delimiter = ",";
    private delim = 44;
    private header = true;
    private headerRecords = 0;
    private quotes = true;
    /** The byte that opens a quoted field at a field start (-1: quotes are data). */
    private quote = QUOTE;
    private lineEnding: LineEnding = "none";
    /** The line-end byte, and the byte dropped before it (CR before LF; -1 for lone-CR files). */
    private eol = LF;
    private cr = CR;

    private bytes = 0;
    private lastProgress = 0;
    private rows = 0;
    /** 1-based line number where the next record starts. */
    private line = 1;
    private blank = 0;
    private readonly bad: BadRows;

    private columns: Column[] = [];
    private expected = -1;
    private readonly jsonIndex = new Map<string, number>();
    private readonly json = new JsonRecordScanner();
    private jsonMembers = new Int32Array(64);
    /** JSON Lines records read (to spot a key repeated within one object). */
    private jsonRecords = 0;

    // Results of scanRecord.
    private readonly fs = new Int32Array(MAX_COLUMNS + 1);
    private readonly fe = new Int32Array(MAX_COLUMNS + 1);
    private readonly ff = new Uint8Array(MAX_COLUMNS + 1);
    /** The two-lane FNV-1a state (laneHash) of each field's bytes (flags 0 and 1). */
    private readonly fh = new Int32Array(MAX_COLUMNS + 1);
    private nf = 0;
    private recLines = 0;
    /** MALFORMED: the index of the byte after the closing quote (scanRecord; find: the byte that made it so). */
    private stopAt = 0;
    /** See recordEnd. */
    verdictEnd = 0;

    /** Whether the records of the chunk being scanned are valid UTF-8 without NUL (checked once per chunk). */
    private utf8Ok = true;
    private scratch = Buffer.allocUnsafe(65536);

    // A record spanning chunks.
    private carry = Buffer.allocUnsafe(0);
    private carryLen = 0;
    private fstate = F_START;
    private skipping = false;

    // Block mode (a worker): JSON Lines keys known to have a global index < 1000, and how many keys were known.
    private jsonP14: Set<string> | null = null;
    private jsonKnown = 0;
    /** The block being summarised (-1: not in block mode). */
    private curBlock = -1;

    // Range mode (partial.ts): scanning stops at the first record start at or after stopOffset (an input offset).
    private stopOffset = Infinity;
    /** The input offset of buf[0] in the buffer being scanned, and of the carry's first byte. */
    private base = 0;
    private carryBase = 0;
    /** Where scanning stopped (the first record start at or after stopOffset), or -1. */
    private exitAt = -1;

    constructor(private readonly options: SummaryOptions = {}) {
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

    write(chunk: Buffer): void {
        if (this.ended) {
            throw new Error("write after end");
        }
        const n = chunk.length;
        if (n === 0 || this.exitAt >= 0) {
            return;
        }
        const at = this.bytes;
        this.bytes += n;
        if (!this.detected) {
            this.prefix.push(Buffer.from(chunk));
            this.prefixLen += n;
            for (const end of [LF, CR]) {
                let i = -1;
                while (this.prefixLines < DETECT_LINES && (i = chunk.indexOf(end, i + 1)) >= 0) {
                    this.prefixLines++;
                }
            }
            if (this.prefixLen >= DETECT_MAX_BYTES || (this.prefixLen >= DETECT_MIN_BYTES && this.prefixLines >= DETECT_LINES)) {
                this.detect(false);
            }
        } else {
            this.base = at;
            this.process(chunk, 0);
        }
        if (this.onProgress && this.bytes - this.lastProgress >= PROGRESS_EVERY) {
            this.lastProgress = this.bytes;
            this.onProgress({ rows: this.rows, bytes: this.bytes });
        }
    }

    end(): FileSummary {
        if (this.ended) {
            throw new Error("end called twice");
        }
        if (!this.detected) {
            this.detect(true);
        }
        this.ended = true;
        this.finishCarry();
        if (this.onProgress) {
            this.onProgress({ rows: this.rows, bytes: this.bytes });
        }
        const bad = this.bad.state();
        const summary: FileSummary = {
            format: this.format,
            compression: "none",
            lineEnding: this.lineEnding,
            header: this.header,
            rows: this.rows,
            bytes: this.bytes,
            columns: this.columns.map((c) => c.summary(this.rows)),
            badRows: bad,
            accounting: {
                lines: this.line - 1,
                blankLines: this.blank,
                headerRecords: this.headerRecords,
                records: this.rows + bad.count,
                rows: this.rows,
                badRows: bad.count,
            },
        };
        if (this.format !== "jsonl") {
            summary.delimiter = this.delimiter;
            summary.quotes = this.quotes;
        }
        return summary;
    }

    /** At the end of input: the line being skipped ends, and the record in progress (and what re-reading leaves) is finished. */
    private finishCarry(): void {
        for (;;) {
            if (this.exitAt >= 0) {
                return;
            }
            if (this.skipping) {
                this.line++;
                this.skipping = false;
            }
            if (this.carryLen === 0) {
                return;
            }
            this.finishCarried(true);
        }
    }

    // ---- parallel support ------------------------------------------------------------------------------------------
    //
    // The driver (parallel.ts) feeds this summariser with write() until detection is done and the first row is seen,
    // then finishes any record in progress with drainPending(), and from there on cuts the input into blocks of whole
    // records that workers summarise with runBlock(); it merges their results here, in order, with mergeBlock().
    // Where a block may end is found by split.ts, which asks recordEnd() (this scanner's rules) about records whose
    // quoted fields span lines.

    /** The configuration for workers, once this summariser can hand over (detection done, CSV's first row seen). */
    blockConfig(): BlockConfig | undefined {
        if (!this.detected || this.ended || (this.format !== "jsonl" && this.expected < 0)) {
            return undefined;
        }
        return {
            format: this.format,
            delimiter: this.delimiter,
            eol: this.eol,
            quotes: this.quotes,
            expected: this.expected,
            precision: this.expected <= 1000 ? 14 : 12,
        };
    }

    /** The scanner's window: a record whose line end is this far from its start is over-long. */
    get recordWindow(): number {
        return this.window;
    }

    /** Bytes written so far. */
    get bytesIn(): number {
        return this.bytes;
    }

    /** Whether a record (carried or being skipped) is in progress. */
    get pending(): boolean {
        return this.carryLen > 0 || this.skipping;
    }

    /** Counts bytes that bypass write() (handed to workers). */
    addBytes(n: number): void {
        this.bytes += n;
        if (this.onProgress && this.bytes - this.lastProgress >= PROGRESS_EVERY) {
            this.lastProgress = this.bytes;
            this.onProgress({ rows: this.rows, bytes: this.bytes });
        }
    }

    /**
     * Continues the record in progress into buf (not counted: see addBytes). Returns where the next record starts
     * in buf, or -1 if buf was used up with the record still in progress.
     */
    drainPending(buf: Buffer): number {
        return this.resume(buf, 0);
    }

    /**
     * Splitter side (CSV/TSV, after detection; see split.ts RecordVerdict): where the record that starts at r in buf
     * ends by this scanner's rules (a bad record ends with its first line); -1 if that depends on bytes after buf (the
     * record may still be valid, and ends within the window), -2 if it is a bad line that does not end in buf. Sets
     * verdictEnd.
     */
    recordEnd(buf: Uint8Array, r: number): number {
        const n = buf.length;
        const limit = n - r > this.window ? r + this.window : n;
        const end = this.scanRecord(buf, r, limit, false, buf.lastIndexOf(this.eol, limit - 1));
        if (end >= 0) {
            this.verdictEnd = end;
            if (this.recLines === 0 || this.expected < 0 || this.nf === this.expected) {
                return end;
            }
        } else if (end === NEED_MORE && limit - r < this.window) {
            return -1;
        } else {
            this.verdictEnd = end === MALFORMED ? this.stopAt + 1 : limit;
        }
        const e = buf.indexOf(this.eol, r);
        return e < 0 ? -2 : e + 1;
    }

    /** Worker side: sets the detected configuration up once. */
    initBlocks(cfg: BlockConfig): void {
        this.detected = true;
        this.bomChecked = true;
        this.format = cfg.format;
        this.delimiter = cfg.delimiter;
        this.delim = cfg.delimiter.charCodeAt(0);
        this.setLineEnding(cfg.eol === CR ? "cr" : "lf");
        this.quotes = cfg.quotes;
        this.quote = cfg.quotes ? QUOTE : -1;
        this.header = false;
        this.expected = cfg.format === "jsonl" ? -1 : cfg.expected;
        this.columns = [];
        this.jsonIndex.clear();
        if (cfg.format === "jsonl") {
            this.jsonP14 = new Set();
        } else {
            for (let f = 0; f < cfg.expected; f++) {
                this.columns.push(new Column("", this.sampleSize, cfg.precision));
            }
        }
    }

    /** Worker side: JSON Lines keys the main thread has seen, in order, from index `from` on. */
    knowKeys(from: number, keys: string[], known: number): void {
        for (let i = 0; i < keys.length && from + i < 1000; i++) {
            this.jsonP14!.add(keys[i]);
        }
        this.jsonKnown = known;
    }

    /**
     * Worker side: summarises buf, block number `block` of the input, which starts at a record start (or inside a
     * bad line being skipped, if skipping) and ends at a record end (or inside a bad line, or at the end of the
     * input if eof), into this thread's persistent columns (blocks come in increasing order). Returns what must be
     * merged in input order.
     */
    runBlock(buf: Buffer, skipping: boolean, eof: boolean, block: number): BlockResult {
        this.rows = 0;
        this.line = 1;
        this.blank = 0;
        this.bad.reset();
        this.carryLen = 0;
        this.skipping = skipping;
        this.curBlock = block;
        const cols = this.columns;
        const known = cols.length;
        for (let f = 0; f < known; f++) {
            cols[f].startBlock(block);
        }
        this.process(buf, 0);
        if (eof) {
            this.finishCarry();
        } else if (this.carryLen > 0) {
            throw new Error("internal: a parallel block does not end at a record end");
        }
        return this.blockResult(known);
    }

    /** What the block (or range) just summarised leaves to merge in input order; JSON Lines keys from `known` on are new. */
    private blockResult(known: number): BlockResult {
        const cols = this.columns;
        const jsonl = this.format === "jsonl";
        const samples: BlockSamples[] = [];
        for (let f = 0; f < cols.length; f++) {
            const c = cols[f].takeSamples();
            if (c !== undefined) {
                const s = c as BlockSamples;
                s.col = f;
                if (jsonl) {
                    s.key = cols[f].name;
                }
                samples.push(s);
            }
        }
        const result: BlockResult = {
            rows: this.rows,
            lines: this.line - 1,
            blank: this.blank,
            bad: this.bad.state(),
            skipping: this.skipping,
            samples,
        };
        if (jsonl && cols.length > known) {
            result.newKeys = [];
            for (let f = known; f < cols.length; f++) {
                result.newKeys.push(cols[f].name);
            }
        }
        return result;
    }

    // ---- range mode (partial.ts) --------------------------------------------------------------------------------------
    //
    // A range's thread summarises the records that start in [start, end) of the input: the first range with a
    // summariser of its own (detection, header), setStop(end); the others in block mode (initBlocks) from a record
    // start, beginRange(). Both write() the bytes from there on until `exit` is set (the first record start at or
    // after end: the record that straddles end belongs to the range) or the input ends (finishInput).

    /** First range: stop at the first record start at or after `stop` (once the first record is read). */
    setStop(stop: number): void {
        this.stopOffset = stop;
    }

    /** Other ranges, after initBlocks: block `block` starts at input offset `entry` (a record start). */
    beginRange(block: number, entry: number, stop: number): void {
        this.rows = 0;
        this.line = 1;
        this.blank = 0;
        this.bad.reset();
        this.carryLen = 0;
        this.skipping = false;
        this.curBlock = block;
        for (const c of this.columns) {
            c.startBlock(block);
        }
        this.bytes = entry;
        this.stopOffset = stop;
        this.exitAt = -1;
    }

    /** Where the range's reading stopped: the input offset of the next range's first record; -1 until then. */
    get exit(): number {
        return this.exitAt;
    }

    /** The input ended before the stop: detection (if still pending) and the record in progress are finished. */
    finishInput(): void {
        if (!this.detected) {
            this.detect(true);
        }
        this.finishCarry();
    }

    /** The other ranges' result (block mode). */
    rangeResult(): BlockResult {
        return this.blockResult(0);
    }

    /** The first range's result: the detected layout, and its records as the first block (its samples as candidates). */
    headResult(): { head: RangeHead; result: BlockResult } {
        const head: RangeHead = {
            format: this.format,
            delimiter: this.delimiter,
            quotes: this.quotes,
            lineEnding: this.lineEnding,
            header: this.header,
            headerRecords: this.headerRecords,
            expected: this.expected,
        };
        const jsonl = this.format === "jsonl";
        if (!jsonl) {
            head.columns = this.columns.map((c) => (c.originalName !== undefined ? { name: c.name, originalName: c.originalName } : { name: c.name }));
        }
        const samples: BlockSamples[] = [];
        this.columns.forEach((c, col) => {
            if (c.samples.length > 0) {
                samples.push({ col, ...(jsonl ? { key: c.name } : {}), values: c.samples.slice(), keys: c.sampleKeys.slice() });
            }
        });
        const result: BlockResult = { rows: this.rows, lines: this.line - 1, blank: this.blank, bad: this.bad.state(), skipping: false, samples };
        if (jsonl) {
            result.newKeys = this.columns.map((c) => c.name);
        }
        return { head, result };
    }

    /** Merge side: sets up the layout the first range detected (then mergeBlock each range in order, and mergeFinal). */
    restoreHead(head: RangeHead, bytes: number): void {
        this.detected = true;
        this.bomChecked = true;
        this.format = head.format;
        this.delimiter = head.delimiter;
        this.delim = head.delimiter.charCodeAt(0);
        this.quotes = head.quotes;
        this.quote = head.quotes ? QUOTE : -1;
        this.setLineEnding(head.lineEnding);
        this.header = head.header;
        this.headerRecords = head.headerRecords;
        this.expected = head.expected;
        this.bytes = bytes;
        const precision = head.expected <= 1000 ? 14 : 12;
        for (const c of head.columns ?? []) {
            const col = new Column(c.name, this.sampleSize, precision);
            if (c.originalName !== undefined) {
                col.originalName = c.originalName;
            }
            this.columns.push(col);
        }
    }

    /** Range mode: a record starts at buf[pos]; whether scanning stops there. */
    private stopHere(pos: number): boolean {
        if (this.exitAt < 0) {
            // The first range reads its first record (the header, or the row that fixes the field count) whatever the stop.
            if (this.format !== "jsonl" && this.expected < 0) {
                return false;
            }
            this.exitAt = this.base + pos;
        }
        return true;
    }

    /** Worker side, after the last block: the persistent columns' states (handed over: do not run blocks after). */
    finalStates(): ColumnState[] {
        return this.columns.map((c) => c.state());
    }

    /** Main side: folds in the result of the block that comes next in the input. */
    mergeBlock(r: BlockResult): void {
        this.bad.merge(r.bad, this.line - 1);
        this.rows += r.rows;
        this.line += r.lines;
        this.blank += r.blank;
        this.skipping = r.skipping;
        if (this.format !== "jsonl") {
            for (const s of r.samples) {
                this.columns[s.col].mergeSamples(s);
            }
            return;
        }
        if (r.newKeys !== undefined) {
            for (const key of r.newKeys) {
                this.jsonColumn(key);
            }
        }
        for (const s of r.samples) {
            this.columns[this.jsonIndex.get(s.key!)!].mergeSamples(s);
        }
    }
    /** Main side, after the last block: folds in a thread's final column states (any order). */
    mergeFinal(states: ColumnState[]): void {
        if (this.format !== "jsonl") {
            for (let f = 0; f < states.length; f++) {
                this.columns[f].mergeState(states[f]);
            }
            return;
        }
        for (const st of states) {
            const idx = this.jsonIndex.get(st.name);
            if (idx === undefined) {
                throw new Error(`internal: a thread's key ${JSON.stringify(st.name)} was never merged`);
            }
            this.columns[idx].mergeState(st);
        }
    }

    /** Main side: the column of a JSON Lines key, created if new. */
    private jsonColumn(key: string): Column {
        return this.columns[this.jsonColumnIndex(key)];
    }

    /** Main side: the JSON Lines keys so far, in order. */
    jsonKeys(from: number, to: number): string[] {
        const out: string[] = [];
        for (let i = from; i < to && i < this.columns.length; i++) {
            out.push(this.columns[i].name);
        }
        return out;
    }

    get columnCount(): number {
        return this.columns.length;
    }

    private jsonPrecision(key: string, idx: number): number {
        if (this.jsonP14 === null) {
            return idx < 1000 ? 14 : 12;
        }
        return this.jsonP14.has(key) || this.jsonKnown < 1000 ? 14 : 12;
    }

    // ---- detection -------------------------------------------------------------------------------------------------

    private setLineEnding(ending: LineEnding): void {
        this.lineEnding = ending;
        this.eol = ending === "cr" ? CR : LF;
        this.cr = ending === "cr" ? -1 : CR;
    }

    private detect(eof: boolean): void {
        const buf = this.prefix.length === 1 ? this.prefix[0] : Buffer.concat(this.prefix, this.prefixLen);
        this.prefix = [];
        this.prefixLen = 0;
        this.prefixLines = 0;
        let off = 0;
        if (!this.bomChecked) {
            if (buf.length < 3 && !eof && buf.length > 0 && buf[0] === 0xef) {
                this.prefix.push(buf);
                this.prefixLen = buf.length;
                return;
            }
            this.bomChecked = true;
            if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
                off = 3;
            }
        }
        const len = buf.length;
        const first = firstNonSpace(buf, off, len);
        if (first < 0) {
            if (eof) {
                throw new InputError("empty", "the input is empty (nothing but whitespace)");
            }
            this.leadingSpace(buf, off, len);
            return;
        }
        // Whitespace-only lines before the first record are blank lines.
        off = this.blankLinesBefore(buf, off, first);
        // Detection reads a span that does not depend on how the input was chunked.
        const cut = detectionEnd(buf, off, len, eof);
        if (cut < 0) {
            this.prefix.push(buf.subarray(off));
            this.prefixLen = len - off;
            for (let i = off; i < len; i++) {
                if (buf[i] === LF || buf[i] === CR) {
                    this.prefixLines++;
                }
            }
            return;
        }
        const wide = wideEncoding(buf, off, cut);
        if (wide !== undefined) {
            throw new InputError(
                wide.startsWith("UTF-16") ? "utf-16" : "utf-32",
                `the input is ${wide} text, not UTF-8; convert it to UTF-8 (e.g. iconv -f ${wide} -t UTF-8) and upload it again`,
            );
        }
        if (looksBinary(buf, off, cut)) {
            throw new InputError("binary", "the input looks binary (NUL or control bytes in the first 4 KiB), not CSV, TSV or JSON Lines");
        }
        const opt = this.options;
        const fmt = opt.format ?? "auto";
        const jsonl = fmt === "jsonl" || (fmt === "auto" && buf[first] === 0x7b);
        const whole = eof && cut === len;
        this.setLineEnding(this.firstLineEnding(detectLineEnding(buf, off, cut, whole, !jsonl)));
        this.countLeadingBlank();
        if (jsonl) {
            this.format = "jsonl";
            this.header = false;
        } else {
            const eolText = this.eol === CR ? "\r" : "\n";
            const lastEol = buf.lastIndexOf(this.eol, cut - 1);
            const complete = whole || lastEol < off;
            const text = buf.toString("utf8", off, complete ? cut : lastEol + 1);
            // Quotes are data in TSV unless asked for.
            const quotesFor = (d: string): boolean => opt.quotes ?? (fmt === "csv" || (fmt === "auto" && d !== "\t"));
            let d = opt.delimiter;
            if (d === undefined) {
                d = fmt === "tsv" ? "\t" : detectDelimiter(text, complete, eolText, quotesFor);
                if (d === undefined) {
                    if (fmt === "csv" || isOneColumn(parseRecords(text, ",", quotesFor(","), eolText, 21, complete))) {
                        d = ",";
                    } else {
                        throw new InputError(
                            "not-delimited",
                            "no consistent delimiter (, ; TAB |) in the first lines; not CSV/TSV (set the delimiter to read a one-column file)",
                        );
                    }
                }
            }
            this.delimiter = d;
            this.delim = d.charCodeAt(0);
            this.format = fmt === "csv" || fmt === "tsv" ? fmt : d === "\t" ? "tsv" : "csv";
            this.quotes = opt.quotes ?? this.format !== "tsv";
            this.quote = this.quotes ? QUOTE : -1;
            this.header = opt.header ?? detectHeader(parseRecords(text, d, this.quotes, eolText, 21, complete));
        }
        this.detected = true;
        // The prefix is the latest bytes written.
        this.base = this.bytes - len;
        this.process(buf, off);
    }

    /**
     * The lines before the one holding `first` are whitespace only: blank lines, counted (as LF and lone-CR line ends
     * until the style is known, see countLeadingBlank). Returns where the line of `first` starts.
     */
    private blankLinesBefore(buf: Buffer, off: number, first: number): number {
        let start = off;
        for (let i = off; i < first; i++) {
            const c = buf[i];
            if (c === LF) {
                this.leadingLf++;
                this.leadingStyle ??= i > off && buf[i - 1] === CR ? "crlf" : "lf";
                start = i + 1;
            } else if (c === CR && buf[i + 1] !== LF) {
                this.leadingCr++;
                this.leadingStyle ??= "cr";
                start = i + 1;
            }
        }
        return start;
    }

    /**
     * The file's style is that of its first line end, which may end a leading blank line: LF or CRLF there makes a
     * lone CR later data; a lone CR there and LF in the first record is a mix.
     */
    private firstLineEnding(detected: LineEnding): LineEnding {
        const leading = this.leadingStyle;
        if (leading === undefined || (leading === "cr" && detected === "cr")) {
            return detected;
        }
        if (leading !== "cr") {
            return leading;
        }
        if (detected === "none") {
            return "cr";
        }
        throw new InputError(
            "mixed-line-endings",
            `the first lines mix line endings: ${this.leadingCr} blank line(s) end in a lone CR (old Mac) and the first record in LF or CRLF; convert the file to one style (e.g. with mac2unix or dos2unix)`,
        );
    }

    /** Once the line-end style is known: the leading blank lines are those that end in it. */
    private countLeadingBlank(): void {
        const n = this.eol === CR ? this.leadingCr : this.leadingLf;
        this.line += n;
        this.blank += n;
    }

    /**
     * Only whitespace so far: its lines are blank; the unfinished last line is kept to prefix the first record (up to
     * MAX_LEADING_SPACE bytes, beyond which it is dropped), and detection waits for more.
     */
    private leadingSpace(buf: Buffer, off: number, len: number): void {
        let last = off - 1;
        for (let i = off; i < len; i++) {
            const c = buf[i];
            if (c === LF) {
                this.leadingLf++;
                this.leadingStyle ??= i > off && buf[i - 1] === CR ? "crlf" : "lf";
                last = i;
            } else if (c === CR && i + 1 < len && buf[i + 1] !== LF) {
                this.leadingCr++;
                this.leadingStyle ??= "cr";
                last = i;
            }
        }
        const rest = buf.subarray(last + 1);
        if (rest.length > 0 && rest.length <= MAX_LEADING_SPACE) {
            this.prefix.push(rest);
            this.prefixLen = rest.length;
        }
    }

    // ---- driving ---------------------------------------------------------------------------------------------------

    private process(buf: Buffer, start: number): void {
        const pos = this.resume(buf, start);
        const n = buf.length;
        if (pos < 0 || pos >= n) {
            return;
        }
        const lastEol = buf.lastIndexOf(this.eol);
        this.utf8Ok = lastEol < pos || cleanText(buf.subarray(pos, lastEol + 1));
        if (this.format === "jsonl") {
            this.scanJsonl(buf, pos, n);
        } else {
            this.scanCsv(buf, pos, n);
        }
    }

    /**
     * Finishes what is in progress (a bad line being skipped, a record carried from earlier chunks) with buf from pos.
     * Returns where direct scanning resumes in buf, or -1 if buf was used up.
     */
    private resume(buf: Buffer, pos: number): number {
        for (;;) {
            if (this.skipping) {
                const idx = buf.indexOf(this.eol, pos);
                if (idx < 0) {
                    return -1;
                }
                this.line++;
                this.skipping = false;
                pos = idx + 1;
            }
            if (this.carryLen === 0) {
                return pos;
            }
            pos = this.continueCarry(buf, pos);
            if (pos < 0 || this.exitAt >= 0) {
                return -1;
            }
        }
    }

    private scanCsv(buf: Buffer, pos: number, n: number): void {
        const window = this.window;
        const lastEol = buf.lastIndexOf(this.eol);
        while (pos < n) {
            if (this.base + pos >= this.stopOffset && this.stopHere(pos)) {
                return;
            }
            const limit = n - pos > window ? pos + window : n;
            const r = this.scanRecord(buf, pos, limit, false, lastEol < limit ? lastEol : -1);
            if (r >= 0) {
                pos = this.csvRecord(buf, pos, r);
                continue;
            }
            if (r === NEED_MORE && limit - pos < window) {
                this.startCarry(buf, pos, n);
                return;
            }
            // No record end within the window, or text after a closing quote: the line is a bad row.
            if (r === MALFORMED && this.recLines === 0) {
                pos = this.badLine(buf, pos, "text-after-quote", "text after a closing quote");
            } else if (this.recLines > 0) {
                pos = this.badLine(buf, pos, "unclosed-quote", this.unclosedReason());
            } else {
                pos = this.badLine(buf, limit, "line-too-long", `line longer than ${this.maxLine} bytes`);
            }
            if (pos < 0) {
                return;
            }
        }
    }

    /**
     * The line that starts at this.line is a bad row: counted, and skipped up to its line end (the first at or after
     * `from`).
     * Returns where reading resumes, or -1 if buf ends first (the rest of the line is skipped as it comes).
     */
    private badLine(buf: Buffer, from: number, code: BadRowCode, reason: string): number {
        this.bad.add(this.line, code, reason);
        const idx = buf.indexOf(this.eol, from);
        if (idx < 0) {
            this.skipping = true;
            return -1;
        }
        this.line++;
        return idx + 1;
    }

    private unclosedReason(): string {
        return `unclosed quote (a quoted field opens on this line and does not close into a valid record within ${this.maxLine} bytes)`;
    }

    private scanJsonl(buf: Buffer, pos: number, n: number): void {
        const eol = this.eol;
        while (pos < n) {
            if (this.base + pos >= this.stopOffset && this.stopHere(pos)) {
                return;
            }
            const idx = buf.indexOf(eol, pos);
            if (idx < 0) {
                if (n - pos >= this.window) {
                    this.badLine(buf, n, "line-too-long", `line longer than ${this.maxLine} bytes`);
                    return;
                }
                this.startCarry(buf, pos, n);
                return;
            }
            this.jsonRecord(buf, pos, idx + 1);
            pos = idx + 1;
        }
    }

    /** Keeps the unfinished record buf[pos, n), shorter than the window. */
    private startCarry(buf: Buffer, pos: number, n: number): void {
        const len = n - pos;
        if (this.carry.length < len) {
            this.carry = Buffer.allocUnsafe(Math.min(this.window, Math.max(len, 2 * this.carry.length, 65536)));
        }
        buf.copy(this.carry, 0, pos, n);
        this.carryLen = len;
        this.carryBase = this.base + pos;
        this.fstate = F_START;
        if (this.format !== "jsonl") {
            this.find(this.carry, 0, len);
        }
    }

    private appendCarry(buf: Buffer, from: number, to: number): void {
        const need = this.carryLen + (to - from);
        if (this.carry.length < need) {
            const bigger = Buffer.allocUnsafe(Math.min(this.window, Math.max(need, 2 * this.carry.length)));
            this.carry.copy(bigger, 0, 0, this.carryLen);
            this.carry = bigger;
        }
        buf.copy(this.carry, this.carryLen, from, to);
        this.carryLen = need;
    }

    /** Continues a carried record into buf; returns where direct scanning resumes, or -1 if buf is used up. */
    private continueCarry(buf: Buffer, pos: number): number {
        const n = buf.length;
        const room = this.window - this.carryLen;
        const stop = n - pos > room ? pos + room : n;
        let r: number;
        if (this.format === "jsonl") {
            const idx = buf.indexOf(this.eol, pos);
            r = idx >= 0 && idx < stop ? idx + 1 : NEED_MORE;
        } else {
            r = this.find(buf, pos, stop);
        }
        if (r >= 0) {
            this.appendCarry(buf, pos, r);
            this.finishCarried(false);
            return r;
        }
        if (r === MALFORMED) {
            // A quoted field that ran across a line end before its stray closing quote is an unclosed quote.
            const e = this.carry.subarray(0, this.carryLen).indexOf(this.eol);
            const inBuf = buf.indexOf(this.eol, pos);
            if (e >= 0 || (inBuf >= 0 && inBuf < this.stopAt)) {
                return this.badCarried(buf, pos, "unclosed-quote", this.unclosedReason());
            }
            return this.badCarried(buf, pos, "text-after-quote", "text after a closing quote");
        }
        if (stop - pos >= room) {
            // No record end within the window: a quote left open across lines, or one long line.
            const e = this.carry.subarray(0, this.carryLen).indexOf(this.eol);
            const inBuf = buf.indexOf(this.eol, pos);
            if (this.format !== "jsonl" && (e >= 0 || (inBuf >= 0 && inBuf < stop))) {
                return this.badCarried(buf, pos, "unclosed-quote", this.unclosedReason());
            }
            return this.badCarried(buf, pos, "line-too-long", `line longer than ${this.maxLine} bytes`);
        }
        this.appendCarry(buf, pos, n);
        return -1;
    }

    /**
     * The carried record (continued in buf from pos, if buf is given) is a bad row of one line, its first: reading
     * resumes after that line's end, re-reading the rest of the carry if the line ends in it. Returns where reading
     * resumes in buf, or -1 (buf used up, or the line still being skipped).
     */
    private badCarried(buf: Buffer | null, pos: number, code: BadRowCode, reason: string): number {
        this.bad.add(this.line, code, reason);
        const idx = this.carry.subarray(0, this.carryLen).indexOf(this.eol);
        if (idx >= 0) {
            this.line++;
            this.reread(idx + 1);
            return pos;
        }
        this.carryLen = 0;
        const e = buf === null ? -1 : buf.indexOf(this.eol, pos);
        if (e < 0) {
            this.skipping = true;
            return -1;
        }
        this.line++;
        return e + 1;
    }

    /** Reads carry[from, carryLen) again as new input (it comes before what follows the carry). */
    private reread(from: number): void {
        // A copy: reading it may start a new carry.
        const tail = Buffer.from(this.carry.subarray(from, this.carryLen));
        this.carryLen = 0;
        if (tail.length > 0) {
            const base = this.base;
            this.base = this.carryBase + from;
            this.process(tail, 0);
            this.base = base;
        }
    }

    /** The carried record: carry[0, carryLen) ends with its line end, or with the input (eof). */
    private finishCarried(eof: boolean): void {
        const len = this.carryLen;
        this.utf8Ok = false;
        if (this.format === "jsonl") {
            this.carryLen = 0;
            this.jsonRecord(this.carry, 0, len);
            return;
        }
        const r = this.scanRecord(this.carry, 0, len, eof, -1);
        if (r >= 0) {
            const next = this.csvRecord(this.carry, 0, r);
            if (next < len) {
                this.reread(next);
            } else {
                this.carryLen = 0;
            }
            return;
        }
        if (r === MALFORMED && this.recLines === 0) {
            this.badCarried(null, 0, "text-after-quote", "text after a closing quote");
        } else {
            this.badCarried(null, 0, "unclosed-quote", this.unclosedReason());
        }
    }

    /**
     * Advances the spanning-record state machine over buf[from, to) (the rules of scanRecord); returns the index after
     * the record's line end, NEED_MORE, or MALFORMED (text after a closing quote).
     */
    private find(buf: Uint8Array, from: number, to: number): number {
        const d = this.delim;
        const eol = this.eol;
        const q = this.quote;
        let st = this.fstate;
        for (let i = from; i < to; i++) {
            const c = buf[i];
            switch (st) {
                case F_START:
                    if (c === q) {
                        st = F_QUOTED;
                    } else if (c === eol) {
                        this.fstate = F_START;
                        return i + 1;
                    } else if (c !== d) {
                        st = F_UNQUOTED;
                    }
                    break;
                case F_UNQUOTED:
                    if (c === d) {
                        st = F_START;
                    } else if (c === eol) {
                        this.fstate = F_START;
                        return i + 1;
                    }
                    break;
                case F_QUOTED:
                    if (c === QUOTE) {
                        st = F_QUOTE_IN_QUOTED;
                    }
                    break;
                case F_QUOTE_IN_QUOTED:
                    if (c === QUOTE) {
                        st = F_QUOTED;
                    } else if (c === d) {
                        st = F_START;
                    } else if (c === eol) {
                        this.fstate = F_START;
                        return i + 1;
                    } else if (c === this.cr) {
                        st = F_CR_AFTER_QUOTE;
                    } else {
                        this.stopAt = i;
                        return MALFORMED;
                    }
                    break;
                case F_CR_AFTER_QUOTE:
                    if (c === eol) {
                        this.fstate = F_START;
                        return i + 1;
                    }
                    this.stopAt = i;
                    return MALFORMED;
            }
        }
        this.fstate = st;
        return NEED_MORE;
    }

    // ---- CSV -------------------------------------------------------------------------------------------------------

    /**
     * Scans one record starting at pos, not reading at or past limit. Returns the index after its line end (or limit
     * at the end of input), NEED_MORE if it does not end before limit, UNCLOSED for a quoted field still open at the
     * end of input, MALFORMED for text after a closing quote. Fields go to fs/fe/ff: flag 0 plain, 1 quoted (range is
     * the inside), 2 quoted with doubled quotes (range is raw, from the opening quote to the closing one); recLines
     * counts the line ends inside quoted fields. `safe` is the index of a line end before limit (or -1): an unquoted
     * field that starts at or before it ends by it, so that scan needs no limit check.
     */
    private scanRecord(buf: Uint8Array, pos: number, limit: number, eof: boolean, safe: number): number {
        const d = this.delim;
        const eol = this.eol;
        const cr = this.cr;
        const q = this.quote;
        const fs = this.fs;
        const fe = this.fe;
        const ff = this.ff;
        const fh = this.fh;
        const cap = fs.length;
        let i = pos;
        let nf = 0;
        let lines = 0;
        for (;;) {
            if (i < limit && buf[i] === q) {
                const qs = i;
                i++;
                let flag = 1;
                let closed = -1;
                for (;;) {
                    if (i >= limit) {
                        this.recLines = lines;
                        return eof ? UNCLOSED : NEED_MORE;
                    }
                    const c = buf[i];
                    if (c === QUOTE) {
                        if (i + 1 >= limit) {
                            if (!eof) {
                                this.recLines = lines;
                                return NEED_MORE;
                            }
                            closed = i;
                            i++;
                            break;
                        }
                        if (buf[i + 1] === QUOTE) {
                            flag = 2;
                            i += 2;
                            continue;
                        }
                        closed = i;
                        i++;
                        break;
                    }
                    if (c === eol) {
                        lines++;
                    }
                    i++;
                }
                let s = qs + 1;
                let e = closed;
                let h = 0;
                if (flag === 2) {
                    s = qs;
                    e = closed + 1;
                } else {
                    h = laneHash(buf, s, e);
                }
                this.recLines = lines;
                if (i >= limit) {
                    // eof right after the closing quote
                    if (nf < cap) {
                        fs[nf] = s;
                        fe[nf] = e;
                        ff[nf] = flag;
                        fh[nf] = h;
                    }
                    this.nf = nf + 1;
                    return limit;
                }
                const c = buf[i];
                if (c === d) {
                    if (nf < cap) {
                        fs[nf] = s;
                        fe[nf] = e;
                        ff[nf] = flag;
                        fh[nf] = h;
                    }
                    nf++;
                    i++;
                    continue;
                }
                if (c === eol || (c === cr && i + 1 < limit && buf[i + 1] === eol)) {
                    if (nf < cap) {
                        fs[nf] = s;
                        fe[nf] = e;
                        ff[nf] = flag;
                        fh[nf] = h;
                    }
                    this.nf = nf + 1;
                    return c === eol ? i + 1 : i + 2;
                }
                if (c === cr && i + 1 >= limit && !eof) {
                    return NEED_MORE;
                }
                // Text after the closing quote: not RFC 4180 (and the sign of a stray quote).
                this.stopAt = i;
                return MALFORMED;
            }
            const s = i;
            let c = 0;
            // Two-lane FNV-1a (see laneHash), unrolled by two bytes.
            let ha = FNV_SEED;
            let hb = FNV_SEED_B;
            if (i <= safe) {
                for (;;) {
                    c = buf[i];
                    if (c === d || c === eol) {
                        break;
                    }
                    ha = Math.imul(ha ^ c, FNV_PRIME);
                    i++;
                    c = buf[i];
                    if (c === d || c === eol) {
                        break;
                    }
                    hb = Math.imul(hb ^ c, FNV_PRIME);
                    i++;
                }
            } else {
                for (;;) {
                    if (i >= limit) {
                        break;
                    }
                    c = buf[i];
                    if (c === d || c === eol) {
                        break;
                    }
                    ha = Math.imul(ha ^ c, FNV_PRIME);
                    i++;
                    if (i >= limit) {
                        break;
                    }
                    c = buf[i];
                    if (c === d || c === eol) {
                        break;
                    }
                    hb = Math.imul(hb ^ c, FNV_PRIME);
                    i++;
                }
            }
            const h = joinLanes(ha, hb);
            if (i >= limit) {
                this.recLines = lines;
                if (!eof) {
                    return NEED_MORE;
                }
                if (nf < cap) {
                    fs[nf] = s;
                    fe[nf] = limit;
                    ff[nf] = 0;
                    fh[nf] = h;
                }
                this.nf = nf + 1;
                return limit;
            }
            if (nf < cap) {
                fs[nf] = s;
                if (c === eol && i > s && buf[i - 1] === cr) {
                    fe[nf] = i - 1;
                    fh[nf] = laneHash(buf, s, i - 1);
                } else {
                    fe[nf] = i;
                    fh[nf] = h;
                }
                ff[nf] = 0;
            }
            nf++;
            i++;
            if (c === d) {
                continue;
            }
            this.nf = nf;
            this.recLines = lines;
            return i;
        }
    }

    /**
     * A scanned record buf[start, end): checks, then header or data. Returns where the next record starts: end, or,
     * for a quoted field that spans lines without ending a record of the header's width (a stray quote), the line
     * after the record's first (that line is a bad row).
     */
    private csvRecord(buf: Buffer, start: number, end: number): number {
        const nf = this.nf;
        if (this.recLines > 0 && this.expected >= 0 && nf !== this.expected) {
            return this.badLine(
                buf,
                start,
                "unclosed-quote",
                `unclosed quote (a quoted field spans lines, but the record would have ${nf} fields, not ${this.expected})`,
            );
        }
        const line = this.line;
        this.line += this.recLines + 1;
        const fs = this.fs;
        const fe = this.fe;
        const ff = this.ff;
        if (nf === 1 && ff[0] === 0 && fe[0] === fs[0]) {
            this.blank++;
            return end;
        }
        if (end - start > this.maxLine && this.contentLength(buf, start, end) > this.maxLine) {
            this.bad.add(line, "line-too-long", `line longer than ${this.maxLine} bytes`);
            return end;
        }
        if (!this.utf8Ok && !this.contentOk(buf, start, end, line)) {
            return end;
        }
        if (this.expected < 0) {
            if (nf > MAX_COLUMNS) {
                throw new InputError("too-many-columns", `the first row has ${nf} fields; at most ${MAX_COLUMNS} columns are supported`);
            }
            this.expected = nf;
            this.createColumns(buf, nf);
            if (this.header) {
                this.headerRecords = 1;
                return end;
            }
        }
        if (nf !== this.expected) {
            this.bad.add(line, "field-count", `expected ${this.expected} fields, got ${nf}`);
            return end;
        }
        this.rows++;
        const cols = this.columns;
        const fh = this.fh;
        for (let f = 0; f < nf; f++) {
            const s = fs[f];
            const e = fe[f];
            if (s === e) {
                continue;
            }
            if (ff[f] === 2) {
                const len = this.unescape(buf, s, e);
                if (len > 0) {
                    cols[f].add(this.scratch, 0, len);
                }
            } else {
                cols[f].addHashed(buf, s, e, fh[f]);
            }
        }
        return end;
    }

    /** The length of the record buf[start, end) without its line end. */
    private contentLength(buf: Buffer, start: number, end: number): number {
        let e = end;
        if (e > start && buf[e - 1] === this.eol) {
            e--;
            if (e > start && buf[e - 1] === this.cr) {
                e--;
            }
        }
        return e - start;
    }

    /** A record's bytes buf[start, end) in a chunk that is not all clean: valid UTF-8 and no NUL, or a bad row. */
    private contentOk(buf: Buffer, start: number, end: number, line: number): boolean {
        const rec = buf.subarray(start, end);
        if (!isUtf8(rec)) {
            this.bad.add(line, "invalid-utf8", "invalid UTF-8");
            return false;
        }
        if (rec.indexOf(0) >= 0) {
            this.bad.add(line, "nul-byte", "NUL byte (binary data in a text field)");
            return false;
        }
        return true;
    }

    /**
     * The columns, from the first record: named by the header (an empty name is column_N; a repeated one gets _2,
     * _3, … so that names are unique, with the header's text kept as originalName), or column_N without a header.
     */
    private createColumns(buf: Buffer, nf: number): void {
        const precision = nf <= 1000 ? 14 : 12;
        const used = new Set<string>();
        for (let f = 0; f < nf; f++) {
            const original = this.header ? this.fieldString(buf, f) : "";
            let name = original === "" ? `column_${f + 1}` : original;
            if (used.has(name)) {
                let k = 2;
                while (used.has(`${name}_${k}`)) {
                    k++;
                }
                name = `${name}_${k}`;
            }
            used.add(name);
            const c = new Column(name, this.sampleSize, precision);
            if (this.header && name !== original) {
                c.originalName = original;
            }
            this.columns.push(c);
        }
    }

    private fieldString(buf: Buffer, f: number): string {
        const s = this.fs[f];
        const e = this.fe[f];
        if (this.ff[f] === 2) {
            const len = this.unescape(buf, s, e);
            return this.scratch.toString("utf8", 0, len);
        }
        return buf.toString("utf8", s, e);
    }

    /** Decodes a raw quoted field buf[s, e) (s at the opening quote) into scratch; returns its length. */
    private unescape(buf: Uint8Array, s: number, e: number): number {
        if (this.scratch.length < e - s) {
            this.scratch = Buffer.allocUnsafe(Math.max(e - s, 2 * this.scratch.length));
        }
        const out = this.scratch;
        let o = 0;
        let i = s + 1;
        while (i < e) {
            const c = buf[i];
            if (c === QUOTE) {
                if (i + 1 < e && buf[i + 1] === QUOTE) {
                    out[o++] = QUOTE;
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            out[o++] = c;
            i++;
        }
        while (i < e) {
            out[o++] = buf[i++];
        }
        return o;
    }

    // ---- JSON Lines ------------------------------------------------------------------------------------------------

    private jsonRecord(buf: Buffer, start: number, end: number): void {
        const line = this.line;
        this.line++;
        let cEnd = end;
        if (cEnd > start && buf[cEnd - 1] === this.eol) {
            cEnd--;
        }
        if (cEnd > start && buf[cEnd - 1] === this.cr) {
            cEnd--;
        }
        if (firstNonSpace(buf, start, cEnd) < 0) {
            this.blank++;
            return;
        }
        if (cEnd - start > this.maxLine) {
            this.bad.add(line, "line-too-long", `line longer than ${this.maxLine} bytes`);
            return;
        }
        if (!this.utf8Ok && !this.contentOk(buf, start, cEnd, line)) {
            return;
        }
        const js = this.json;
        const res = js.scan(buf, start, cEnd);
        if (res === JSON_INVALID) {
            this.bad.add(line, "invalid-json", "invalid JSON");
            return;
        }
        if (res === JSON_NOT_OBJECT) {
            this.bad.add(line, "not-an-object", "not a JSON object");
            return;
        }
        this.rows++;
        const record = ++this.jsonRecords;
        const m = js.count;
        if (this.jsonMembers.length < m) {
            this.jsonMembers = new Int32Array(Math.max(m, 2 * this.jsonMembers.length));
        }
        const members = this.jsonMembers;
        for (let i = 0; i < m; i++) {
            const ks = js.keyStart[i];
            const ke = js.keyEnd[i];
            const key = js.keyEsc[i] ? (JSON.parse(buf.toString("utf8", ks - 1, ke + 1)) as string) : buf.toString("utf8", ks, ke);
            members[i] = this.jsonColumnIndex(key);
        }
        // A key repeated within one object counts once, with its last value (as JSON.parse reads it).
        for (let i = m - 1; i >= 0; i--) {
            const col = this.columns[members[i]];
            if (col.seen === record) {
                continue;
            }
            col.seen = record;
            const s = js.valStart[i];
            const e = js.valEnd[i];
            switch (js.kind[i]) {
                case J_NULL:
                    break;
                case J_STRING:
                    if (s === e) {
                        break;
                    }
                    if (js.valEsc[i]) {
                        col.addText(this.scratch, 0, this.toScratch(JSON.parse(buf.toString("utf8", s - 1, e + 1)) as string));
                    } else {
                        col.addText(buf, s, e);
                    }
                    break;
                case J_NUMBER:
                case J_TRUE:
                case J_FALSE:
                    col.add(buf, s, e);
                    break;
                case J_NESTED:
                    // Kept as its JSON text without whitespace.
                    col.kind = K_STRING;
                    this.ensureScratch(e - s);
                    col.add(this.scratch, 0, minifyJson(buf, s, e, this.scratch));
                    break;
            }
        }
    }

    /** The column index of a JSON Lines key, created if new. */
    private jsonColumnIndex(key: string): number {
        let idx = this.jsonIndex.get(key);
        if (idx === undefined) {
            idx = this.columns.length;
            if (idx >= MAX_COLUMNS) {
                throw new InputError("too-many-columns", `more than ${MAX_COLUMNS} distinct keys; at most ${MAX_COLUMNS} columns are supported`);
            }
            this.jsonIndex.set(key, idx);
            const c = new Column(key, this.sampleSize, this.jsonPrecision(key, idx));
            if (this.curBlock >= 0) {
                c.startBlock(this.curBlock);
            }
            this.columns.push(c);
        }
        return idx;
    }

    private ensureScratch(n: number): void {
        if (this.scratch.length < n) {
            this.scratch = Buffer.allocUnsafe(Math.max(n, 2 * this.scratch.length));
        }
    }

    private toScratch(s: string): number {
        this.ensureScratch(s.length * 3);
        return this.scratch.write(s, 0, "utf8");
    }
}

/** The incremental core over decompressed bytes. */
export function createSummarizer(options?: SummaryOptions): Summarizer {
    const core = new CoreSummarizer(options);
    return {
        write: (chunk: Buffer) => core.write(chunk),
        end: () => core.end(),
    };
}
