/**
 * Byte hashing and a HyperLogLog sketch for approximate distinct counts.
 */

const FNV_SEED = 0x811c9dc5;
/** The seed of the second lane (odd byte offsets). */
const FNV_SEED_B = 0x75ea5c23;
const FNV_PRIME = 0x01000193;

// Exported as a list of plain consts, not `export const`: see the note in scan-state.ts.
export { FNV_SEED, FNV_SEED_B, FNV_PRIME };

/**
 * Joins the two FNV-1a lanes of a value: lane A hashes the bytes at even offsets, lane B those at odd offsets. Two
 * independent multiply chains run in parallel on the CPU, so hashing costs half the latency of one chain per byte.
 */
export function joinLanes(a: number, b: number): number {
    return (a ^ Math.imul(b ^ (b >>> 15), 0x9e3779b1)) | 0;
}

/** The two-lane FNV-1a state of bytes [start, end) (not finished: see fmix32). */
export function laneHash(buf: Uint8Array, start: number, end: number): number {
    let a = FNV_SEED;
    let b = FNV_SEED_B;
    let i = start;
    const last = end - 1;
    while (i < last) {
        a = Math.imul(a ^ buf[i], FNV_PRIME);
        b = Math.imul(b ^ buf[i + 1], FNV_PRIME);
        i += 2;
    }
    if (i < end) {
        a = Math.imul(a ^ buf[i], FNV_PRIME);
    }
    return joinLanes(a, b);
}

/** Two-lane FNV-1a over bytes [start, end), finished with murmur3's fmix32 so every bit avalanches. */
export function hashBytes(buf: Uint8Array, start: number, end: number): number {
    return fmix32(laneHash(buf, start, end));
}

export function fmix32(h: number): number {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
}

/** 2^-r for every register value r (exact), so that estimate() runs fast even before it is optimised: it runs once. */
const INV_POW2 = Float64Array.from({ length: 64 }, (_, r) => 2 ** -r);

/** Registers for precision p (2^p registers of one byte each). */
export class HyperLogLog {
    readonly registers: Uint8Array;
    private readonly shift: number;
    private readonly sentinel: number;

    constructor(readonly precision: number = 14) {
        if (precision < 4 || precision > 18) {
            throw new RangeError("HyperLogLog precision must be 4..18");
        }
        this.registers = new Uint8Array(1 << precision);
        this.shift = 32 - precision;
        this.sentinel = 1 << (precision - 1);
    }

    /** Adds a 32-bit hash. */
    add(hash: number): void {
        const idx = hash >>> this.shift;
        const rank = Math.clz32((hash << this.precision) | this.sentinel) + 1;
        const regs = this.registers;
        if (rank > regs[idx]) {
            regs[idx] = rank;
        }
    }

    /** The estimate, with linear counting for small cardinalities and the 32-bit large-range correction. */
    estimate(): number {
        const regs = this.registers;
        const m = regs.length;
        let sum = 0;
        let zeros = 0;
        for (let i = 0; i < m; i++) {
            const r = regs[i];
            if (r === 0) {
                zeros++;
            }
            sum += INV_POW2[r];
        }
        if (zeros === m) {
            return 0;
        }
        const alpha = 0.7213 / (1 + 1.079 / m);
        let e = (alpha * m * m) / sum;
        if (e <= 2.5 * m && zeros > 0) {
            e = m * Math.log(m / zeros);
        } else if (e > 4294967296 / 30) {
            e = -4294967296 * Math.log(1 - e / 4294967296);
        }
        return Math.round(e);
    }
}
