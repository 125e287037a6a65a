/**
 * Fast paths of logical.ts's text for the hot value kinds, written as bytes into a buffer: doubles with a short
 * decimal form, and timestamps whose raw value is a safe integer in years 0000–9999. Each gives exactly the text
 * logical.ts (and String for numbers) gives, or -1 to leave the value to them.
 */
import { formatDate } from "./logical";

const POW10 = [1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000];

/** Writes the digits of a non-negative safe integer so they end at `end`, at least `width` of them; returns the start. */
function digitsBefore(buf: Uint8Array, end: number, n: number, width: number): number {
    let i = end;
    do {
        const q = Math.floor(n / 10);
        buf[--i] = 48 + (n - q * 10);
        n = q;
        width--;
    } while (n > 0 || width > 0);
    return i;
}

/**
 * String(v) for a finite double, not a whole number, with at most 6 decimals and 1e-6 ≤ |v| < 1e15 (no exponent form), written to the end
 * of `buf`; returns the start, or -1 if v is not such a number. The fewest decimals whose value is v are what String
 * gives (the shortest round trip), unless a neighbour of the same length also rounds to v (then -1).
 */
export function writeShortDouble(buf: Uint8Array, v: number): number {
    const a = v < 0 ? -v : v;
    if (!(a >= 1e-6 && a < 1e15) || Number.isInteger(a)) {
        return -1;
    }
    for (let k = 1; k <= 6; k++) {
        const p = POW10[k];
        const r = Math.round(a * p);
        if (r / p === a) {
            if (!Number.isSafeInteger(r) || (r - 1) / p === a || (r + 1) / p === a) {
                return -1;
            }
            const end = buf.length;
            const intPart = Math.floor(r / p);
            let i = digitsBefore(buf, end, r - intPart * p, k);
            buf[--i] = 46;
            i = digitsBefore(buf, i, intPart, 1);
            if (v < 0) {
                buf[--i] = 45;
            }
            return i;
        }
    }
    return -1;
}

const UNITS_PER_DAY = [0, 0, 0, 86_400_000, 0, 0, 86_400_000_000, 0, 0, 86_400_000_000_000];
/** Days 0000-01-01 and 9999-12-31 from the epoch. */
const MIN_DAY = -719528;
const MAX_DAY = 2932896;

/** Days whose "YYYY-MM-DDT" a writer keeps (27 years). */
const DAYS_KEPT = 10000;

/** Writes timestamps; keeps the "YYYY-MM-DDT" of the days it has seen (values of a column tend to share days). */
export class TimestampWriter {
    private readonly days = new Map<number, Uint8Array>();

    constructor(
        private readonly digits: number,
        private readonly utc: boolean,
    ) {}

    /** logical.ts's formatTimestamp for a safe-integer raw value, written to the end of `buf`; the start, or -1. */
    write(buf: Uint8Array, units: number): number {
        const perDay = UNITS_PER_DAY[this.digits];
        const days = Math.floor(units / perDay);
        if (!Number.isSafeInteger(units) || days < MIN_DAY || days > MAX_DAY) {
            return -1;
        }
        let rest = units - days * perDay;
        let day = this.days.get(days);
        if (day === undefined) {
            day = Buffer.from(`${formatDate(days)}T`, "latin1");
            if (this.days.size < DAYS_KEPT) {
                this.days.set(days, day);
            }
        }
        let i = buf.length;
        if (this.utc) {
            buf[--i] = 90;
        }
        const perSecond = POW10[this.digits];
        const seconds = Math.floor(rest / perSecond);
        rest -= seconds * perSecond;
        i = digitsBefore(buf, i, rest, this.digits);
        buf[--i] = 46;
        i = digitsBefore(buf, i, seconds % 60, 2);
        buf[--i] = 58;
        i = digitsBefore(buf, i, Math.floor(seconds / 60) % 60, 2);
        buf[--i] = 58;
        i = digitsBefore(buf, i, Math.floor(seconds / 3600), 2);
        i -= 11;
        buf.set(day, i);
        return i;
    }
}
