/**
 * The synchronous incremental core (CoreSummarizer, createSummarizer): decompressed bytes in, chunk by chunk, a
 * FileSummary out (see scanner.ts for the record rules); and what parallel blocks (parallel.ts, split.ts) and byte
 * ranges (partial.ts) need of it: block and range modes, and merging their results in input order.
 */

import { Column, ColumnState } from "./columns";
import { SummaryOptions } from "./types";
import { BlockConfig, BlockSamples, BlockResult, RangeHead, Summarizer } from "./scan-state";
import * as scanState from "./scan-state";
import { DetectingSummarizer } from "./detecting";

export { MAX_COLUMNS } from "./scan-state";
// The constants this module's hot code uses, bound here: see the note in scan-state.ts.
const { PROGRESS_EVERY, CR, QUOTE, NEED_MORE, MALFORMED, F_QUOTED, F_START, F_UNQUOTED } = scanState;
export type { BlockConfig, BlockResult, BlockSamples, RangeHead, Summarizer } from "./scan-state";

export class CoreSummarizer extends DetectingSummarizer {
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

    /**
     * Range side, after initBlocks (see partial.ts): whether the records from r in buf, `count` of them or as many as
     * end in buf (at least one), are well-formed: each ends within the window with the first row's field count (a
     * blank line passes).
     */
    wellFormed(buf: Uint8Array, r: number, count: number): boolean {
        for (let k = 0; k < count; k++) {
            const limit = buf.length - r > this.window ? r + this.window : buf.length;
            const end = this.scanRecord(buf, r, limit, false, -1);
            if (end < 0) {
                return end === NEED_MORE && limit - r < this.window && k > 0;
            }
            const blank = this.nf === 1 && this.ff[0] === 0 && this.fe[0] === this.fs[0];
            if (this.nf !== this.expected && !blank) {
                return false;
            }
            r = end;
        }
        return true;
    }

    /**
     * Range side: where the next record starts after buf[from] (from ≥ 1), if buf[from] is inside a quoted field, or
     * else outside quotes in the record that buf[from - 1] is part of (a quote opens a field only at a field start; ""
     * inside is a quote); -1 if that is not within buf, or text follows a closing quote.
     */
    recordEndFrom(buf: Uint8Array, from: number, inQuotes: boolean): number {
        const before = buf[from - 1];
        this.fstate = inQuotes ? F_QUOTED : before === this.delim || before === this.eol ? F_START : F_UNQUOTED;
        const r = this.find(buf, from, buf.length);
        this.fstate = F_START;
        return r >= 0 ? r : -1;
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
        // As a small integer where it is one (see openFileRange): a size read from fstat is a heap double, and one
        // stored here would turn the counter's field into a double field for every summariser of the thread, which
        // deoptimises the scanning code compiled for the summarisers made before.
        this.bytes = Math.trunc(bytes);
        const precision = head.expected <= 1000 ? 14 : 12;
        for (const c of head.columns ?? []) {
            const col = new Column(c.name, this.sampleSize, precision);
            if (c.originalName !== undefined) {
                col.originalName = c.originalName;
            }
            this.columns.push(col);
        }
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

    /**
     * Main side, in input order, after mergeBlock of the same range: folds that range's column states into `acc`
     * (columns kept apart from this summariser's, whose exact sets must hold only the samples until every block is
     * merged; same indexes and precision). mergeFolded(acc) at the end gives what mergeFinal of every range's states
     * would (the mean up to the last digits).
     */
    foldStates(acc: Column[], states: ColumnState[]): void {
        const jsonl = this.format === "jsonl";
        for (let f = 0; f < states.length; f++) {
            const st = states[f];
            const idx = jsonl ? this.jsonIndex.get(st.name) : f;
            if (idx === undefined || idx >= this.columns.length) {
                throw new Error(`internal: a range's column ${JSON.stringify(st.name)} was never merged`);
            }
            acc[idx] ??= new Column(st.name, this.sampleSize, this.columns[idx].hll.precision);
            acc[idx].mergeState(st);
        }
    }

    /** Main side, after the last block: folds in the states that foldStates gathered. */
    mergeFolded(acc: Column[]): void {
        acc.forEach((c, idx) => this.columns[idx].mergeState(c.state()));
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

}

/** The incremental core over decompressed bytes. */
export function createSummarizer(options?: SummaryOptions): Summarizer {
    const core = new CoreSummarizer(options);
    return {
        write: (chunk: Buffer) => core.write(chunk),
        end: () => core.end(),
    };
}

