/**
 * Per-column state: counts, a type-inference state machine, numeric/timestamp extremes, a stable running sum,
 * a HyperLogLog sketch and the first distinct samples. Everything works on byte ranges.
 */
import { fmix32, HyperLogLog, laneHash } from "./hll";
import { ColumnSummary } from "./types";
import { isBoolean, mergeKind, parsed, parseNumber, parseTimestamp } from "./values";
import * as values from "./values";
// The constants this module's hot code uses, bound here: see the note in scan-state.ts.
const { K_BOOLEAN, K_EMPTY, K_FLOAT, K_INTEGER, K_STRING, K_TIMESTAMP, KIND_NAMES, POW10 } = values;

/**
 * Distinct counts up to this are exact (barring 32-bit hash collisions, which also decide whether a value is new for
 * the samples).
 */
const EXACT_MAX = 256;

/** The sum's scale once it would overflow: 2^-64 leaves room for 2^64 values of any finite size. */
const SUM_SCALE = 2 ** -64;

/** The exact value of a number that was read as `text` (an integer beyond ±2^53) or is exact as a double. */
function exact(v: number, text: string | null): bigint {
    return text !== null ? BigInt(text) : BigInt(v);
}

/**
 * Orders two extremes exactly: a and b are doubles, each with the decimal text of an integer beyond ±2^53 that it
 * rounds (or null). Rounding is monotonic, so different doubles are ordered as their exact values; equal doubles are
 * compared exactly when one of them rounds a longer integer.
 */
function compareExact(a: number, aText: string | null, b: number, bText: string | null): number {
    if (a !== b) {
        return a < b ? -1 : 1;
    }
    if (aText === null && bText === null) {
        return 0;
    }
    const x = exact(a, aText);
    const y = exact(b, bText);
    return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * A column's mergeable state, as a thread sends it once at the end of a parallel run (structured-clone friendly).
 * The *Block fields say in which block the extreme was first seen, so that the earliest one wins a tie (-0 vs 0,
 * or the same instant written differently), as in sequential processing.
 */
export interface ColumnState {
    name: string;
    nonEmpty: number;
    kind: number;
    min: number;
    max: number;
    /** The exact decimal text of min/max when it is an integer beyond ±2^53, else null. */
    minText: string | null;
    maxText: string | null;
    minBlock: number;
    maxBlock: number;
    sum: number;
    comp: number;
    /** 1, or SUM_SCALE once the sum would have overflowed (sum and comp are scaled by it). */
    scale: number;
    tsMin: number;
    tsMax: number;
    tsMinBlock: number;
    tsMaxBlock: number;
    tsMinText: Uint8Array;
    tsMaxText: Uint8Array;
    precision: number;
    registers: Uint8Array;
    /**
     * The exact set: its table (0 = a free slot), or just its keys (a state read from a partial); null once it gave
     * up. Whoever reads a state visits the entries that are not 0, in any order.
     */
    exact: Int32Array | null;
}

/** The sample candidates of one column in one block: its first values that were new to the thread, in order. */
export interface SampleCandidates {
    values: string[];
    keys: number[];
}

/**
 * Folds o's HyperLogLog registers into `hll` (register-wise maximum; from precision p+2, the exact
 * down-conversion). While o's exact set exists, every hash o counted is one of its keys (a key keeps
 * its hash's index bits, hash 0 included), so only the registers those keys index can be non-zero:
 * the merge visits those (at most the set's slots) instead of all 2^p.
 */
export function mergeRegisters(hll: HyperLogLog, o: Pick<ColumnState, "precision" | "registers" | "exact">): void {
    const regs = hll.registers;
    const src = o.registers;
    let fold: (i: number) => void;
    if (o.precision === hll.precision) {
        fold = (i) => {
            if (src[i] > regs[i]) {
                regs[i] = src[i];
            }
        };
    } else if (o.precision === hll.precision + 2) {
        // Exact down-conversion (p+2 → p): the 2 index bits dropped lead the rank.
        fold = (i) => {
            const r = src[i];
            if (r === 0) {
                return;
            }
            const low = i & 3;
            const v = low === 0 ? r + 2 : low >= 2 ? 1 : 2;
            const k = i >>> 2;
            if (v > regs[k]) {
                regs[k] = v;
            }
        };
    } else {
        throw new Error(`internal: cannot merge HyperLogLog precision ${o.precision} into ${hll.precision}`);
    }
    const keys = o.exact;
    if (keys === null) {
        for (let i = 0; i < src.length; i++) {
            fold(i);
        }
        return;
    }
    const shift = 32 - o.precision;
    for (let j = 0; j < keys.length; j++) {
        if (keys[j] !== 0) {
            fold(keys[j] >>> shift);
        }
    }
}

/** `buf[start, start + n)` copied into `dst`, or into a new buffer when `dst` is too small; returns the buffer written. */
function keepBytes(dst: Buffer, buf: Uint8Array, start: number, n: number): Buffer {
    const out = dst.length < n ? Buffer.allocUnsafe(Math.max(64, n)) : dst;
    for (let i = 0; i < n; i++) {
        out[i] = buf[start + i];
    }
    return out;
}

export class Column {
    /** The header's text, where the name differs from it (see ColumnSummary.originalName). */
    originalName?: string;
    /** JSON Lines: the record that last gave this column a value (a key repeated in one object counts once). */
    seen = 0;
    nonEmpty = 0;
    kind = K_EMPTY;
    min = Infinity;
    max = -Infinity;
    /** The exact decimal text of min / max when it is an integer beyond ±2^53 (the double rounds it), else null. */
    minText: string | null = null;
    maxText: string | null = null;
    /** Neumaier-compensated sum, times scale. */
    sum = 0;
    comp = 0;
    scale = 1;
    tsMin = Infinity;
    tsMax = -Infinity;
    tsMinBytes: Buffer = Buffer.alloc(0);
    tsMaxBytes: Buffer = Buffer.alloc(0);
    tsMinLen = 0;
    tsMaxLen = 0;
    /**
     * Parallel runs: the block being summarised (-1: the calling thread's sequential part), and the block where each
     * extreme was first seen (for the earliest-wins tie-break when thread states are merged).
     */
    block = -1;
    minBlock = -1;
    maxBlock = -1;
    tsMinBlock = -1;
    tsMaxBlock = -1;
    readonly hll: HyperLogLog;
    /** Exact distinct hashes while there are few (open addressing, 0 = free); null once more than EXACT_MAX. */
    private exact: Int32Array | null;
    private exactCount = 0;
    samplesOpen: boolean;
    /** The samples (in block mode: this block's sample candidates, see startBlock). */
    samples: string[] = [];
    /** The exact-set key of each sample (for merging block candidates in order). */
    sampleKeys: number[] = [];
    private readonly exactMax: number;

    constructor(
        public name: string,
        private readonly sampleSize: number,
        precision: number,
    ) {
        this.hll = new HyperLogLog(precision);
        this.samplesOpen = sampleSize > 0;
        // Exact up to 256 distinct values, and always beyond sampleSize so samples can rely on the set.
        this.exactMax = Math.max(EXACT_MAX, sampleSize + 1);
        let slots = 2;
        while (slots < 2 * this.exactMax) {
            slots *= 2;
        }
        this.exact = new Int32Array(slots);
    }

    /** A non-empty value from a delimited file (or a JSON number/boolean as text). */
    add(buf: Uint8Array, start: number, end: number): void {
        this.addHashed(buf, start, end, laneHash(buf, start, end));
    }

    /** add() with the two-lane FNV-1a state of the bytes (laneHash) already computed (by the scanner). */
    addHashed(buf: Uint8Array, start: number, end: number, fnv: number): void {
        this.nonEmpty++;
        const h = fmix32(fnv);
        this.hll.add(h);
        // A value is new only if its hash is; samples close long before the exact set gives up.
        if (this.exact !== null && this.addExact(h) && this.samplesOpen) {
            this.sample(buf, start, end, h);
        }
        const k = this.kind;
        if (k === K_STRING) {
            return;
        }
        if (k === K_INTEGER || k === K_FLOAT) {
            this.numeric(buf, start, end);
            return;
        }
        if (k === K_BOOLEAN) {
            if (!isBoolean(buf, start, end)) {
                this.kind = K_STRING;
            }
            return;
        }
        if (k === K_TIMESTAMP) {
            if (parseTimestamp(buf, start, end)) {
                this.addTimestamp(buf, start, end, parsed.value);
            } else {
                this.kind = K_STRING;
            }
            return;
        }
        this.first(buf, start, end);
    }

    /** A non-empty JSON string value: only a timestamp or a string, never a number or boolean. */
    addText(buf: Uint8Array, start: number, end: number): void {
        const k = this.kind;
        if (k === K_EMPTY) {
            this.kind = parseTimestamp(buf, start, end) ? K_TIMESTAMP : K_STRING;
        } else if (k !== K_TIMESTAMP) {
            this.kind = K_STRING;
        }
        this.add(buf, start, end);
    }

    private first(buf: Uint8Array, start: number, end: number): void {
        const c = buf[start];
        if (((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46)) {
            const r = parseNumber(buf, start, end);
            if (r !== K_EMPTY) {
                this.kind = r;
                if (r === K_INTEGER && !Number.isSafeInteger(parsed.value)) {
                    this.bigInteger(buf, start, end, parsed.value);
                } else {
                    this.addNumber(parsed.value);
                }
                return;
            }
        }
        if (c >= 48 && c <= 57 && parseTimestamp(buf, start, end)) {
            this.kind = K_TIMESTAMP;
            this.addTimestamp(buf, start, end, parsed.value);
            return;
        }
        if (((c | 0x20) === 116 || (c | 0x20) === 102) && isBoolean(buf, start, end)) {
            this.kind = K_BOOLEAN;
            return;
        }
        this.kind = K_STRING;
    }

    /**
     * A value of an integer or float column: parsed, then folded into the extremes and the sum in this method (no
     * call with a double argument on this path, so no number is boxed).
     */
    private numeric(buf: Uint8Array, start: number, end: number): void {
        // Fast path for [-]digits[.digits] with at most 15 digits: the value parseNumber gives, without the call.
        let v = 0;
        let ok = false;
        let i = start;
        const neg = buf[i] === 45;
        if (neg) {
            i++;
        }
        const ds = i;
        let mant = 0;
        let c = 0;
        while (i < end) {
            c = buf[i] - 48;
            if (c < 0 || c > 9) {
                break;
            }
            mant = mant * 10 + c;
            i++;
        }
        const intDigits = i - ds;
        if (i === end) {
            if (intDigits > 0 && intDigits <= 15) {
                v = neg ? -mant : mant;
                ok = true;
            }
        } else if (c === -2) {
            // '.'
            i++;
            const fs = i;
            while (i < end) {
                c = buf[i] - 48;
                if (c < 0 || c > 9) {
                    break;
                }
                mant = mant * 10 + c;
                i++;
            }
            const fracDigits = i - fs;
            const digits = intDigits + fracDigits;
            if (i === end && digits > 0 && digits <= 15) {
                this.kind = K_FLOAT;
                const f = mant / POW10[fracDigits];
                v = neg ? -f : f;
                ok = true;
            }
        }
        if (!ok) {
            const r = parseNumber(buf, start, end);
            if (r === K_EMPTY) {
                this.kind = K_STRING;
                return;
            }
            if (r === K_FLOAT) {
                this.kind = K_FLOAT;
            }
            v = parsed.value;
            if (r === K_INTEGER && !Number.isSafeInteger(v)) {
                this.bigInteger(buf, start, end, v);
                return;
            }
        }
        if (v < this.min) {
            this.min = v;
            this.minText = null;
            this.minBlock = this.block;
        }
        if (v > this.max) {
            this.max = v;
            this.maxText = null;
            this.maxBlock = this.block;
        }
        if (this.scale === 1) {
            const s = this.sum;
            const t = s + v;
            if (t - t === 0) {
                if (Math.abs(s) >= Math.abs(v)) {
                    this.comp += s - t + v;
                } else {
                    this.comp += v - t + s;
                }
                this.sum = t;
                return;
            }
        }
        this.addToSum(v);
    }

    private addNumber(v: number): void {
        if (v < this.min) {
            this.min = v;
            this.minText = null;
            this.minBlock = this.block;
        }
        if (v > this.max) {
            this.max = v;
            this.maxText = null;
            this.maxBlock = this.block;
        }
        this.addToSum(v);
    }

    /** An integer beyond ±2^53: v rounds it; the extremes keep its exact text. */
    private bigInteger(buf: Uint8Array, start: number, end: number, v: number): void {
        const text = BigInt(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString("latin1")).toString();
        if (compareExact(v, text, this.min, this.minText) < 0) {
            this.min = v;
            this.minText = text;
            this.minBlock = this.block;
        }
        if (compareExact(v, text, this.max, this.maxText) > 0) {
            this.max = v;
            this.maxText = text;
            this.maxBlock = this.block;
        }
        this.addToSum(v);
    }

    /** Adds v to the compensated sum; where the sum would overflow, it is scaled down once (see SUM_SCALE). */
    private addToSum(v: number): void {
        let x = v * this.scale;
        let s = this.sum;
        let t = s + x;
        if (t - t !== 0) {
            this.rescale();
            x = v * SUM_SCALE;
            s = this.sum;
            t = s + x;
        }
        if (Math.abs(s) >= Math.abs(x)) {
            this.comp += s - t + x;
        } else {
            this.comp += x - t + s;
        }
        this.sum = t;
    }

    private rescale(): void {
        if (this.scale === 1) {
            this.sum *= SUM_SCALE;
            this.comp *= SUM_SCALE;
            this.scale = SUM_SCALE;
        }
    }

    private addTimestamp(buf: Uint8Array, start: number, end: number, ms: number): void {
        const n = end - start;
        if (ms < this.tsMin) {
            this.tsMin = ms;
            this.tsMinBlock = this.block;
            this.tsMinBytes = keepBytes(this.tsMinBytes, buf, start, n);
            this.tsMinLen = n;
        }
        if (ms > this.tsMax) {
            this.tsMax = ms;
            this.tsMaxBlock = this.block;
            this.tsMaxBytes = keepBytes(this.tsMaxBytes, buf, start, n);
            this.tsMaxLen = n;
        }
    }

    /** Records a hash in the exact set; true if it was not there. */
    private addExact(h: number): boolean {
        const key = h === 0 ? 1 : h | 0;
        const table = this.exact!;
        const mask = table.length - 1;
        let slot = key & mask;
        for (;;) {
            const v = table[slot];
            if (v === key) {
                return false;
            }
            if (v === 0) {
                break;
            }
            slot = (slot + 1) & mask;
        }
        if (this.exactCount >= this.exactMax) {
            this.exact = null;
            return true;
        }
        table[slot] = key;
        this.exactCount++;
        return true;
    }

    private sample(buf: Uint8Array, start: number, end: number, h: number): void {
        this.sampleKeys.push(h === 0 ? 1 : h | 0);
        const n = end - start;
        const copy = Buffer.allocUnsafe(n);
        for (let i = 0; i < n; i++) {
            copy[i] = buf[start + i];
        }
        this.samples.push(copy.toString("utf8"));
        if (this.samples.length >= this.sampleSize) {
            this.samplesOpen = false;
        }
    }

    /** Whether the exact set holds key (the set must exist). */
    private hasExact(key: number): boolean {
        const table = this.exact!;
        const mask = table.length - 1;
        let slot = key & mask;
        for (;;) {
            const v = table[slot];
            if (v === key) {
                return true;
            }
            if (v === 0) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
    }

    /**
     * Block mode (a thread's persistent column): starts block `block`. Sample candidates are the block's first values
     * that are new to this thread: a value the thread saw in an earlier block is not new in the input either, and of
     * the first sampleSize new-to-the-thread values, those that the blocks before (in other threads) already had are
     * at most as many as the samples so far, so the candidates always hold the values the samples still need. Once
     * the thread has seen sampleSize distinct values, the input before this block has too: the samples are complete.
     */
    startBlock(block: number): void {
        this.block = block;
        this.samplesOpen = this.exact !== null && this.exactCount < this.sampleSize;
    }

    /** Block mode: this block's sample candidates (handed over; undefined if none). */
    takeSamples(): SampleCandidates | undefined {
        if (this.samples.length === 0) {
            return undefined;
        }
        const out = { values: this.samples, keys: this.sampleKeys };
        this.samples = [];
        this.sampleKeys = [];
        return out;
    }

    /**
     * Merge side, in input order: the sample candidates of the next block. While the samples are open, this column's
     * exact set holds exactly the distinct values before that block (they are all samples), so a candidate is new
     * if the set does not hold it. Accepted candidates join the set (mergeState's union later adds the rest).
     */
    mergeSamples(c: SampleCandidates): void {
        for (let i = 0; i < c.values.length && this.samplesOpen && this.exact !== null; i++) {
            const key = c.keys[i];
            if (!this.hasExact(key)) {
                this.insertNewKey(key);
                this.sampleKeys.push(key);
                this.samples.push(c.values[i]);
                if (this.samples.length >= this.sampleSize) {
                    this.samplesOpen = false;
                }
            }
        }
    }

    /** The state to merge elsewhere, once, at the end (registers and the exact set are handed over, not copied). */
    state(): ColumnState {
        return {
            name: this.name,
            nonEmpty: this.nonEmpty,
            kind: this.kind,
            min: this.min,
            max: this.max,
            minText: this.minText,
            maxText: this.maxText,
            minBlock: this.minBlock,
            maxBlock: this.maxBlock,
            sum: this.sum,
            comp: this.comp,
            scale: this.scale,
            tsMin: this.tsMin,
            tsMax: this.tsMax,
            tsMinBlock: this.tsMinBlock,
            tsMaxBlock: this.tsMaxBlock,
            tsMinText: Uint8Array.prototype.slice.call(this.tsMinBytes, 0, this.tsMinLen),
            tsMaxText: Uint8Array.prototype.slice.call(this.tsMaxBytes, 0, this.tsMaxLen),
            precision: this.hll.precision,
            registers: this.hll.registers,
            exact: this.exact,
        };
    }

    /**
     * Folds in another thread's state of this column (any order: every part is order-free but the sum, which is
     * compensated on both sides and so equal up to rounding; ties of extremes go to the earliest block). Samples are
     * not part of it: they are merged block by block with mergeSamples.
     */
    mergeState(o: ColumnState): void {
        this.nonEmpty += o.nonEmpty;
        this.kind = mergeKind(this.kind, o.kind);
        const lo = compareExact(o.min, o.minText, this.min, this.minText);
        if (lo < 0 || (lo === 0 && o.minBlock < this.minBlock)) {
            this.min = o.min;
            this.minText = o.minText;
            this.minBlock = o.minBlock;
        }
        const hi = compareExact(o.max, o.maxText, this.max, this.maxText);
        if (hi > 0 || (hi === 0 && o.maxBlock < this.maxBlock)) {
            this.max = o.max;
            this.maxText = o.maxText;
            this.maxBlock = o.maxBlock;
        }
        if (o.nonEmpty > 0) {
            let v = o.sum;
            let vc = o.comp;
            if (o.scale !== this.scale) {
                if (this.scale === 1) {
                    this.rescale();
                } else {
                    v *= SUM_SCALE;
                    vc *= SUM_SCALE;
                }
            }
            let s = this.sum;
            let t = s + v;
            if (t - t !== 0 && this.scale === 1) {
                this.rescale();
                v *= SUM_SCALE;
                vc *= SUM_SCALE;
                s = this.sum;
                t = s + v;
            }
            if (Math.abs(s) >= Math.abs(v)) {
                this.comp += s - t + v;
            } else {
                this.comp += v - t + s;
            }
            this.sum = t;
            this.comp += vc;
        }
        if (o.tsMin < this.tsMin || (o.tsMin === this.tsMin && o.tsMinBlock < this.tsMinBlock)) {
            this.tsMin = o.tsMin;
            this.tsMinBlock = o.tsMinBlock;
            this.tsMinBytes = Buffer.from(o.tsMinText);
            this.tsMinLen = o.tsMinText.length;
        }
        if (o.tsMax > this.tsMax || (o.tsMax === this.tsMax && o.tsMaxBlock < this.tsMaxBlock)) {
            this.tsMax = o.tsMax;
            this.tsMaxBlock = o.tsMaxBlock;
            this.tsMaxBytes = Buffer.from(o.tsMaxText);
            this.tsMaxLen = o.tsMaxText.length;
        }
        mergeRegisters(this.hll, o);
        if (this.exact === null) {
            return;
        }
        if (o.exact === null) {
            this.exact = null;
            return;
        }
        const t = o.exact;
        for (let i = 0; i < t.length && this.exact !== null; i++) {
            const key = t[i];
            if (key !== 0 && !this.hasExact(key)) {
                this.insertNewKey(key);
            }
        }
    }

    /** Adds a key known to be absent (gives the set up past exactMax, like addExact). */
    private insertNewKey(key: number): void {
        if (this.exactCount >= this.exactMax) {
            this.exact = null;
            return;
        }
        const table = this.exact!;
        const mask = table.length - 1;
        let slot = key & mask;
        while (table[slot] !== 0) {
            slot = (slot + 1) & mask;
        }
        table[slot] = key;
        this.exactCount++;
    }

    summary(rows: number): ColumnSummary {
        const out: ColumnSummary = {
            name: this.name,
            ...(this.originalName !== undefined ? { originalName: this.originalName } : {}),
            nonEmpty: this.nonEmpty,
            empty: rows - this.nonEmpty,
            type: KIND_NAMES[this.kind],
            distinctApprox: this.exact !== null ? this.exactCount : Math.max(1, Math.min(this.hll.estimate(), this.nonEmpty)),
            samples: this.samples.slice(),
        };
        if (this.kind === K_INTEGER || this.kind === K_FLOAT) {
            out.min = this.minText ?? this.min;
            out.max = this.maxText ?? this.max;
            out.mean = (this.sum + this.comp) / this.nonEmpty / this.scale;
        } else if (this.kind === K_TIMESTAMP) {
            out.min = this.tsMinBytes.toString("latin1", 0, this.tsMinLen);
            out.max = this.tsMaxBytes.toString("latin1", 0, this.tsMaxLen);
        }
        return out;
    }
}
