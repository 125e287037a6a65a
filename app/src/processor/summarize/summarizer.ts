/**
 * The synchronous incremental core: decompressed bytes in, chunk by chunk, a FileSummary out.
 *
 * Memory is bounded by the longest record (capped by maxLineBytes) plus per-column state: records that end inside a
 * chunk are summarised in place, and only a record that spans chunks is copied into a carry buffer.
 */
import { isUtf8 } from "node:buffer";
import { Column, ColumnState, SampleCandidates } from "./columns";
import { detectDelimiter, detectHeader, firstNonSpace, looksBinary, parseRecords } from "./detect";
import { BadRow, FileSummary, InputError, InputFormat, SummaryOptions } from "./types";
import { FNV_PRIME, FNV_SEED, FNV_SEED_B, joinLanes, laneHash } from "./hll";
import { K_STRING } from "./values";

export const MAX_COLUMNS = 10000;
const DEFAULT_MAX_LINE = 1048576;
/** Detection waits for this many newlines (and at least DETECT_MIN_BYTES), or the end, or DETECT_MAX_BYTES. */
const DETECT_LINES = 24;
const DETECT_MIN_BYTES = 4096;
const DETECT_MAX_BYTES = 2 * 1048576;
const PROGRESS_EVERY = 16 * 1048576;

const LF = 10;
const CR = 13;
const QUOTE = 34;

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
 * the first bad rows, the sample candidates and JSON Lines' new keys. The heavy column state (counts, extremes,
 * sums, HyperLogLog registers, exact sets) stays in the thread's persistent columns and is merged once at the end
 * (finalStates / mergeFinal).
 */
export interface BlockResult {
    rows: number;
    /** Physical lines the block advanced the line counter by. */
    lines: number;
    badCount: number;
    /** Line numbers relative to the block (its first line is 1). */
    badFirst: BadRow[];
    /** Whether the block ended inside an over-long record that is being skipped. */
    skipping: boolean;
    /** JSON Lines: the keys this thread saw first in this block, in order of appearance. */
    newKeys?: string[];
    samples: BlockSamples[];
}

export interface Summarizer {
    write(chunk: Buffer): void;
    end(): FileSummary;
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

export class CoreSummarizer implements Summarizer {
    private readonly maxLine: number;
    private readonly window: number;
    private readonly sampleSize: number;
    private readonly maxBad: number;
    private readonly onProgress?: (p: { rows: number; bytes: number }) => void;

    private detected = false;
    private ended = false;
    private bomChecked = false;
    private prefix: Buffer[] = [];
    private prefixLen = 0;
    private prefixLines = 0;

    private format: InputFormat = "csv";
    private delimiter = ",";
    private delim = 44;
    private header = true;

    private bytes = 0;
    private lastProgress = 0;
    private rows = 0;
    /** 1-based line number where the next record starts. */
    private line = 1;
    private badCount = 0;
    private readonly badFirst: BadRow[] = [];

    private columns: Column[] = [];
    private expected = -1;
    private readonly jsonIndex = new Map<string, number>();

    // Results of scanRecord.
    private readonly fs = new Int32Array(MAX_COLUMNS + 1);
    private readonly fe = new Int32Array(MAX_COLUMNS + 1);
    private readonly ff = new Uint8Array(MAX_COLUMNS + 1);
    /** The two-lane FNV-1a state (laneHash) of each field's bytes (flags 0 and 1). */
    private readonly fh = new Int32Array(MAX_COLUMNS + 1);
    private nf = 0;
    private recLines = 0;

    private utf8Ok = true;
    private scratch = Buffer.allocUnsafe(65536);

    // A record spanning chunks.
    private carry = Buffer.allocUnsafe(0);
    private carryLen = 0;
    private fstate = F_START;
    private flines = 0;
    private skipping = false;

    // Block mode (a worker): JSON Lines keys known to have a global index < 1000, and how many keys were known.
    private jsonP14: Set<string> | null = null;
    private jsonKnown = 0;
    /** The block being summarised (-1: not in block mode). */
    private curBlock = -1;

    constructor(private readonly options: SummaryOptions = {}) {
        this.maxLine = checkInt("maxLineBytes", options.maxLineBytes, 1, DEFAULT_MAX_LINE);
        this.window = this.maxLine + 2;
        this.sampleSize = checkInt("sampleSize", options.sampleSize, 0, 5);
        this.maxBad = checkInt("maxBadRowsReported", options.maxBadRowsReported, 0, 10);
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
    }

    write(chunk: Buffer): void {
        if (this.ended) {
            throw new Error("write after end");
        }
        const n = chunk.length;
        if (n === 0) {
            return;
        }
        this.bytes += n;
        if (!this.detected) {
            this.prefix.push(Buffer.from(chunk));
            this.prefixLen += n;
            let i = -1;
            while (this.prefixLines < DETECT_LINES && (i = chunk.indexOf(LF, i + 1)) >= 0) {
                this.prefixLines++;
            }
            if (this.prefixLen >= DETECT_MAX_BYTES || (this.prefixLen >= DETECT_MIN_BYTES && this.prefixLines >= DETECT_LINES)) {
                this.detect(false);
            }
        } else {
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
        const summary: FileSummary = {
            format: this.format,
            compression: "none",
            header: this.header,
            rows: this.rows,
            bytes: this.bytes,
            columns: this.columns.map((c) => c.summary(this.rows)),
            badRows: { count: this.badCount, first: this.badFirst.slice() },
        };
        if (this.format !== "jsonl") {
            summary.delimiter = this.delimiter;
        }
        return summary;
    }

    /** The record left unfinished at the end of the input. */
    private finishCarry(): void {
        if (this.carryLen > 0) {
            const len = this.carryLen;
            this.carryLen = 0;
            this.utf8Ok = false;
            if (this.format === "jsonl") {
                this.jsonRecord(this.carry, 0, len);
            } else {
                const r = this.scanRecord(this.carry, 0, len, true, -1);
                if (r === -2) {
                    this.bad(this.line, "unterminated quote");
                } else {
                    this.csvRecord(this.carry, 0, r);
                }
            }
        }
    }

    // ---- parallel support ------------------------------------------------------------------------------------------
    //
    // The driver (parallel.ts) feeds this summariser with write() until detection is done and the first row is seen,
    // then finishes any record in progress with drainPending(), and from there on cuts the input into blocks of whole
    // records that workers summarise with runBlock(); it merges their results here, in order, with mergeBlock().

    /** The configuration for workers, once this summariser can hand over (detection done, CSV's first row seen). */
    blockConfig(): BlockConfig | undefined {
        if (!this.detected || this.ended || (this.format !== "jsonl" && this.expected < 0)) {
            return undefined;
        }
        return {
            format: this.format,
            delimiter: this.delimiter,
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
        let pos = 0;
        if (this.skipping) {
            const idx = buf.indexOf(LF, pos);
            if (idx < 0) {
                return -1;
            }
            this.line++;
            this.skipping = false;
            pos = idx + 1;
        }
        if (this.carryLen > 0) {
            pos = this.continueCarry(buf, pos);
        }
        return pos;
    }

    /** Worker side: sets the detected configuration up once. */
    initBlocks(cfg: BlockConfig): void {
        this.detected = true;
        this.bomChecked = true;
        this.format = cfg.format;
        this.delimiter = cfg.delimiter;
        this.delim = cfg.delimiter.charCodeAt(0);
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
     * Worker side: summarises buf, block number `block` of the input, which starts at a record start (or inside an
     * over-long record being skipped, if skipping) and ends at a record end (or inside an over-long record, or at the
     * end of the input if eof), into this thread's persistent columns (blocks come in increasing order). Returns what
     * must be merged in input order.
     */
    runBlock(buf: Buffer, skipping: boolean, eof: boolean, block: number): BlockResult {
        this.rows = 0;
        this.line = 1;
        this.badCount = 0;
        this.badFirst.length = 0;
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
            badCount: this.badCount,
            badFirst: this.badFirst.length === 0 ? [] : this.badFirst.slice(),
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

    /** Worker side, after the last block: the persistent columns' states (handed over: do not run blocks after). */
    finalStates(): ColumnState[] {
        return this.columns.map((c) => c.state());
    }

    /** Main side: folds in the result of the block that comes next in the input. */
    mergeBlock(r: BlockResult): void {
        const base = this.line - 1;
        this.rows += r.rows;
        this.line += r.lines;
        this.badCount += r.badCount;
        for (const b of r.badFirst) {
            if (this.badFirst.length >= this.maxBad) {
                break;
            }
            this.badFirst.push({ line: b.line + base, reason: b.reason });
        }
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
        let idx = this.jsonIndex.get(key);
        if (idx === undefined) {
            idx = this.columns.length;
            if (idx >= MAX_COLUMNS) {
                throw new InputError("too-many-columns", `more than ${MAX_COLUMNS} distinct keys; at most ${MAX_COLUMNS} columns are supported`);
            }
            this.jsonIndex.set(key, idx);
            this.columns.push(new Column(key, this.sampleSize, idx < 1000 ? 14 : 12));
        }
        return this.columns[idx];
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
            // Only whitespace so far: keep the line count and the partial last line, wait for more.
            let last = -1;
            for (let i = off; i < len; i++) {
                if (buf[i] === LF) {
                    this.line++;
                    last = i;
                }
            }
            const rest = buf.subarray(last + 1);
            if (rest.length > 0) {
                this.prefix.push(rest);
                this.prefixLen = rest.length;
            }
            return;
        }
        if (looksBinary(buf, off, len)) {
            throw new InputError("binary", "the input looks binary (NUL or control bytes in the first 4 KiB), not CSV, TSV or JSON Lines");
        }
        const opt = this.options;
        const fmt = opt.format ?? "auto";
        if (fmt === "jsonl" || (fmt === "auto" && buf[first] === 0x7b)) {
            this.format = "jsonl";
            this.header = false;
        } else {
            const lastLF = buf.lastIndexOf(LF);
            const complete = eof || lastLF < off;
            const text = buf.toString("utf8", off, complete ? len : lastLF + 1);
            let d = opt.delimiter;
            if (d === undefined) {
                d = fmt === "tsv" ? "\t" : detectDelimiter(text, complete);
                if (d === undefined) {
                    if (fmt === "csv") {
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
            this.header = opt.header ?? detectHeader(parseRecords(text, d, 21, complete));
        }
        this.detected = true;
        this.process(buf, off);
    }

    // ---- driving ---------------------------------------------------------------------------------------------------

    private process(buf: Buffer, start: number): void {
        const n = buf.length;
        let pos = start;
        if (this.skipping) {
            const idx = buf.indexOf(LF, pos);
            if (idx < 0) {
                return;
            }
            this.line++;
            this.skipping = false;
            pos = idx + 1;
        }
        if (this.carryLen > 0) {
            pos = this.continueCarry(buf, pos);
            if (pos < 0) {
                return;
            }
        }
        if (pos >= n) {
            return;
        }
        const lastLF = buf.lastIndexOf(LF);
        this.utf8Ok = lastLF < pos || isUtf8(buf.subarray(pos, lastLF + 1));
        if (this.format === "jsonl") {
            this.scanJsonl(buf, pos, n);
        } else {
            this.scanCsv(buf, pos, n);
        }
    }

    private scanCsv(buf: Buffer, pos: number, n: number): void {
        const window = this.window;
        const lastLF = buf.lastIndexOf(LF);
        while (pos < n) {
            const limit = n - pos > window ? pos + window : n;
            const r = this.scanRecord(buf, pos, limit, false, lastLF < limit ? lastLF : -1);
            if (r < 0) {
                if (limit < n) {
                    this.bad(this.line, `line longer than ${this.maxLine} bytes`);
                    this.line += this.recLines;
                    const idx = buf.indexOf(LF, limit);
                    if (idx < 0) {
                        this.skipping = true;
                        return;
                    }
                    this.line++;
                    pos = idx + 1;
                    continue;
                }
                this.startCarry(buf, pos, n);
                return;
            }
            this.csvRecord(buf, pos, r);
            pos = r;
        }
    }

    private scanJsonl(buf: Buffer, pos: number, n: number): void {
        while (pos < n) {
            const idx = buf.indexOf(LF, pos);
            if (idx < 0) {
                this.recLines = 0;
                this.startCarry(buf, pos, n);
                return;
            }
            this.jsonRecord(buf, pos, idx + 1);
            pos = idx + 1;
        }
    }

    /** Keeps the unfinished record buf[pos, n) (recLines already counts its embedded newlines). */
    private startCarry(buf: Buffer, pos: number, n: number): void {
        const len = n - pos;
        if (len >= this.window) {
            this.bad(this.line, `line longer than ${this.maxLine} bytes`);
            this.line += this.recLines;
            this.skipping = true;
            return;
        }
        if (this.carry.length < len) {
            this.carry = Buffer.allocUnsafe(Math.min(this.window, Math.max(len, 2 * this.carry.length, 65536)));
        }
        buf.copy(this.carry, 0, pos, n);
        this.carryLen = len;
        this.fstate = F_START;
        this.flines = 0;
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
            const idx = buf.indexOf(LF, pos);
            r = idx >= 0 && idx < stop ? idx + 1 : -1;
        } else {
            r = this.find(buf, pos, stop);
        }
        if (r >= 0) {
            this.appendCarry(buf, pos, r);
            const len = this.carryLen;
            this.carryLen = 0;
            this.utf8Ok = false;
            if (this.format === "jsonl") {
                this.jsonRecord(this.carry, 0, len);
            } else {
                const end = this.scanRecord(this.carry, 0, len, false, -1);
                this.csvRecord(this.carry, 0, end < 0 ? len : end);
            }
            return r;
        }
        if (this.carryLen + (stop - pos) >= this.window) {
            this.bad(this.line, `line longer than ${this.maxLine} bytes`);
            this.line += this.flines;
            this.carryLen = 0;
            const idx = buf.indexOf(LF, stop);
            if (idx < 0) {
                this.skipping = true;
                return -1;
            }
            this.line++;
            return idx + 1;
        }
        this.appendCarry(buf, pos, n);
        return -1;
    }

    /** Advances the spanning-record state machine over buf[from, to); returns the index after the record's LF, or -1. */
    private find(buf: Uint8Array, from: number, to: number): number {
        const d = this.delim;
        let st = this.fstate;
        for (let i = from; i < to; i++) {
            const c = buf[i];
            switch (st) {
                case F_START:
                    if (c === QUOTE) {
                        st = F_QUOTED;
                    } else if (c === LF) {
                        this.fstate = F_START;
                        return i + 1;
                    } else if (c !== d) {
                        st = F_UNQUOTED;
                    }
                    break;
                case F_UNQUOTED:
                    if (c === d) {
                        st = F_START;
                    } else if (c === LF) {
                        this.fstate = F_START;
                        return i + 1;
                    }
                    break;
                case F_QUOTED:
                    if (c === QUOTE) {
                        st = F_QUOTE_IN_QUOTED;
                    } else if (c === LF) {
                        this.flines++;
                    }
                    break;
                case F_QUOTE_IN_QUOTED:
                case F_CR_AFTER_QUOTE:
                    if (st === F_QUOTE_IN_QUOTED && c === QUOTE) {
                        st = F_QUOTED;
                    } else if (c === d) {
                        st = F_START;
                    } else if (c === LF) {
                        this.fstate = F_START;
                        return i + 1;
                    } else if (c === CR && st === F_QUOTE_IN_QUOTED) {
                        st = F_CR_AFTER_QUOTE;
                    } else {
                        st = F_UNQUOTED;
                    }
                    break;
            }
        }
        this.fstate = st;
        return -1;
    }

    // ---- CSV -------------------------------------------------------------------------------------------------------

    /**
     * Scans one record starting at pos, not reading at or past limit. Returns the index after its LF (or limit at the
     * end of input), -1 if it does not end before limit, -2 for an unterminated quote at the end of input. Fields go to
     * fs/fe/ff: flag 0 plain, 1 quoted (range is the inside), 2 quoted with escapes or text after the closing quote
     * (range is raw, from the opening quote). `safe` is the index of an LF before limit (or -1): an unquoted field
     * that starts at or before it ends by it, so that scan needs no limit check.
     */
    private scanRecord(buf: Uint8Array, pos: number, limit: number, eof: boolean, safe: number): number {
        const d = this.delim;
        const fs = this.fs;
        const fe = this.fe;
        const ff = this.ff;
        const fh = this.fh;
        const cap = fs.length;
        let i = pos;
        let nf = 0;
        let lines = 0;
        for (;;) {
            if (i < limit && buf[i] === QUOTE) {
                const qs = i;
                i++;
                let flag = 1;
                let closed = -1;
                for (;;) {
                    if (i >= limit) {
                        this.recLines = lines;
                        return eof ? -2 : -1;
                    }
                    const c = buf[i];
                    if (c === QUOTE) {
                        if (i + 1 >= limit) {
                            if (!eof) {
                                this.recLines = lines;
                                return -1;
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
                    if (c === LF) {
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
                if (i >= limit) {
                    // eof right after the closing quote
                    if (nf < cap) {
                        fs[nf] = s;
                        fe[nf] = e;
                        ff[nf] = flag;
                        fh[nf] = h;
                    }
                    this.nf = nf + 1;
                    this.recLines = lines;
                    return limit;
                }
                let c = buf[i];
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
                if (c === LF || (c === CR && i + 1 < limit && buf[i + 1] === LF)) {
                    if (nf < cap) {
                        fs[nf] = s;
                        fe[nf] = e;
                        ff[nf] = flag;
                        fh[nf] = h;
                    }
                    this.nf = nf + 1;
                    this.recLines = lines;
                    return c === LF ? i + 1 : i + 2;
                }
                if (c === CR && i + 1 >= limit && !eof) {
                    this.recLines = lines;
                    return -1;
                }
                // Text after the closing quote: keep it, raw, up to the delimiter or the line end.
                while (i < limit) {
                    c = buf[i];
                    if (c === d || c === LF) {
                        break;
                    }
                    i++;
                }
                if (i >= limit) {
                    if (!eof) {
                        this.recLines = lines;
                        return -1;
                    }
                    if (nf < cap) {
                        fs[nf] = qs;
                        fe[nf] = limit;
                        ff[nf] = 2;
                    }
                    this.nf = nf + 1;
                    this.recLines = lines;
                    return limit;
                }
                if (nf < cap) {
                    fs[nf] = qs;
                    fe[nf] = c === LF && buf[i - 1] === CR ? i - 1 : i;
                    ff[nf] = 2;
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
            const s = i;
            let c = 0;
            // Two-lane FNV-1a (see laneHash), unrolled by two bytes.
            let ha = FNV_SEED;
            let hb = FNV_SEED_B;
            if (i <= safe) {
                for (;;) {
                    c = buf[i];
                    if (c === d || c === LF) {
                        break;
                    }
                    ha = Math.imul(ha ^ c, FNV_PRIME);
                    i++;
                    c = buf[i];
                    if (c === d || c === LF) {
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
                    if (c === d || c === LF) {
                        break;
                    }
                    ha = Math.imul(ha ^ c, FNV_PRIME);
                    i++;
                    if (i >= limit) {
                        break;
                    }
                    c = buf[i];
                    if (c === d || c === LF) {
                        break;
                    }
                    hb = Math.imul(hb ^ c, FNV_PRIME);
                    i++;
                }
            }
            const h = joinLanes(ha, hb);
            if (i >= limit) {
                if (!eof) {
                    this.recLines = lines;
                    return -1;
                }
                if (nf < cap) {
                    fs[nf] = s;
                    fe[nf] = limit;
                    ff[nf] = 0;
                    fh[nf] = h;
                }
                this.nf = nf + 1;
                this.recLines = lines;
                return limit;
            }
            if (nf < cap) {
                fs[nf] = s;
                if (c === LF && i > s && buf[i - 1] === CR) {
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

    /** A scanned record buf[start, end): checks, then header or data. */
    private csvRecord(buf: Buffer, start: number, end: number): void {
        const line = this.line;
        this.line += this.recLines + 1;
        const nf = this.nf;
        const fs = this.fs;
        const fe = this.fe;
        const ff = this.ff;
        if (nf === 1 && ff[0] === 0 && fe[0] === fs[0]) {
            return; // blank line
        }
        let cEnd = end;
        if (cEnd > start && buf[cEnd - 1] === LF) {
            cEnd--;
            if (cEnd > start && buf[cEnd - 1] === CR) {
                cEnd--;
            }
        }
        if (cEnd - start > this.maxLine) {
            this.bad(line, `line longer than ${this.maxLine} bytes`);
            return;
        }
        if (!this.utf8Ok && !isUtf8(buf.subarray(start, end))) {
            this.bad(line, "invalid UTF-8");
            return;
        }
        if (this.expected < 0) {
            if (nf > MAX_COLUMNS) {
                throw new InputError("too-many-columns", `the first row has ${nf} fields; at most ${MAX_COLUMNS} columns are supported`);
            }
            this.expected = nf;
            const precision = nf <= 1000 ? 14 : 12;
            for (let f = 0; f < nf; f++) {
                let name = "";
                if (this.header) {
                    name = this.fieldString(buf, f);
                }
                this.columns.push(new Column(name === "" ? `column_${f + 1}` : name, this.sampleSize, precision));
            }
            if (this.header) {
                return;
            }
        }
        if (nf !== this.expected) {
            this.bad(line, `expected ${this.expected} fields, got ${nf}`);
            return;
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
        if (cEnd > start && buf[cEnd - 1] === LF) {
            cEnd--;
        }
        if (cEnd > start && buf[cEnd - 1] === CR) {
            cEnd--;
        }
        if (firstNonSpace(buf, start, cEnd) < 0) {
            return; // blank line
        }
        if (cEnd - start > this.maxLine) {
            this.bad(line, `line longer than ${this.maxLine} bytes`);
            return;
        }
        if (!this.utf8Ok && !isUtf8(buf.subarray(start, cEnd))) {
            this.bad(line, "invalid UTF-8");
            return;
        }
        let value: unknown;
        try {
            value = JSON.parse(buf.toString("utf8", start, cEnd));
        } catch {
            this.bad(line, "invalid JSON");
            return;
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) {
            this.bad(line, "not a JSON object");
            return;
        }
        this.rows++;
        const obj = value as Record<string, unknown>;
        for (const key of Object.keys(obj)) {
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
            const col = this.columns[idx];
            const v = obj[key];
            if (v === null || v === undefined || v === "") {
                continue;
            }
            switch (typeof v) {
                case "string":
                    col.addText(this.scratch, 0, this.toScratch(v));
                    break;
                case "number":
                case "boolean":
                    col.add(this.scratch, 0, this.toScratch(String(v)));
                    break;
                default:
                    col.kind = K_STRING;
                    col.add(this.scratch, 0, this.toScratch(JSON.stringify(v)));
            }
        }
    }

    private toScratch(s: string): number {
        if (this.scratch.length < s.length * 3) {
            this.scratch = Buffer.allocUnsafe(Math.max(s.length * 3, 2 * this.scratch.length));
        }
        return this.scratch.write(s, 0, "utf8");
    }

    private bad(line: number, reason: string): void {
        this.badCount++;
        if (this.badFirst.length < this.maxBad) {
            this.badFirst.push({ line, reason });
        }
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
