/**
 * Per-column state: counts, a type-inference state machine, numeric/timestamp extremes, a stable running sum,
 * a HyperLogLog sketch and the first distinct samples. Everything works on byte ranges.
 */
import { fmix32, FNV_PRIME, FNV_SEED, HyperLogLog } from "./hll";
import { ColumnSummary } from "./types";
import {
    isBoolean,
    K_BOOLEAN,
    K_EMPTY,
    K_FLOAT,
    K_INTEGER,
    K_STRING,
    K_TIMESTAMP,
    KIND_NAMES,
    parsed,
    parseNumber,
    parseTimestamp,
} from "./values";

/**
 * Distinct counts up to this are exact (barring 32-bit hash collisions, which also decide whether a value is new for
 * the samples).
 */
const EXACT_MAX = 256;

export class Column {
    nonEmpty = 0;
    kind = K_EMPTY;
    min = Infinity;
    max = -Infinity;
    /** Neumaier-compensated sum. */
    sum = 0;
    comp = 0;
    tsMin = Infinity;
    tsMax = -Infinity;
    tsMinBytes: Buffer = Buffer.alloc(0);
    tsMaxBytes: Buffer = Buffer.alloc(0);
    tsMinLen = 0;
    tsMaxLen = 0;
    readonly hll: HyperLogLog;
    /** Exact distinct hashes while there are few (open addressing, 0 = free); null once more than EXACT_MAX. */
    private exact: Int32Array | null;
    private exactCount = 0;
    samplesOpen: boolean;
    readonly samples: string[] = [];
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
        let h = FNV_SEED;
        for (let i = start; i < end; i++) {
            h = Math.imul(h ^ buf[i], FNV_PRIME);
        }
        this.addHashed(buf, start, end, h);
    }

    /** add() with the FNV-1a state of the bytes already computed (by the scanner). */
    addHashed(buf: Uint8Array, start: number, end: number, fnv: number): void {
        this.nonEmpty++;
        const h = fmix32(fnv);
        this.hll.add(h);
        // A value is new only if its hash is; samples close long before the exact set gives up.
        if (this.exact !== null && this.addExact(h) && this.samplesOpen) {
            this.sample(buf, start, end);
        }
        const k = this.kind;
        if (k === K_STRING) {
            return;
        }
        if (k === K_INTEGER || k === K_FLOAT) {
            const r = parseNumber(buf, start, end);
            if (r === K_EMPTY) {
                this.kind = K_STRING;
                return;
            }
            if (r === K_FLOAT) {
                this.kind = K_FLOAT;
            }
            this.addNumber(parsed.value);
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
                this.addNumber(parsed.value);
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

    private addNumber(v: number): void {
        if (v < this.min) {
            this.min = v;
        }
        if (v > this.max) {
            this.max = v;
        }
        const s = this.sum;
        const t = s + v;
        if (Math.abs(s) >= Math.abs(v)) {
            this.comp += s - t + v;
        } else {
            this.comp += v - t + s;
        }
        this.sum = t;
    }

    private addTimestamp(buf: Uint8Array, start: number, end: number, ms: number): void {
        const n = end - start;
        if (ms < this.tsMin) {
            this.tsMin = ms;
            if (this.tsMinBytes.length < n) {
                this.tsMinBytes = Buffer.allocUnsafe(Math.max(64, n));
            }
            const dst = this.tsMinBytes;
            for (let i = 0; i < n; i++) {
                dst[i] = buf[start + i];
            }
            this.tsMinLen = n;
        }
        if (ms > this.tsMax) {
            this.tsMax = ms;
            if (this.tsMaxBytes.length < n) {
                this.tsMaxBytes = Buffer.allocUnsafe(Math.max(64, n));
            }
            const dst = this.tsMaxBytes;
            for (let i = 0; i < n; i++) {
                dst[i] = buf[start + i];
            }
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

    private sample(buf: Uint8Array, start: number, end: number): void {
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

    summary(rows: number): ColumnSummary {
        const out: ColumnSummary = {
            name: this.name,
            nonEmpty: this.nonEmpty,
            empty: rows - this.nonEmpty,
            type: KIND_NAMES[this.kind],
            distinctApprox: this.exact !== null ? this.exactCount : Math.max(1, Math.min(this.hll.estimate(), this.nonEmpty)),
            samples: this.samples.slice(),
        };
        if (this.kind === K_INTEGER || this.kind === K_FLOAT) {
            out.min = this.min;
            out.max = this.max;
            out.mean = (this.sum + this.comp) / this.nonEmpty;
        } else if (this.kind === K_TIMESTAMP) {
            out.min = this.tsMinBytes.toString("latin1", 0, this.tsMinLen);
            out.max = this.tsMaxBytes.toString("latin1", 0, this.tsMaxLen);
        }
        return out;
    }
}
