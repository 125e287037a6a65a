/**
 * Value recognisers over bytes: numbers, booleans, ISO-8601 timestamps. No strings are built on the fast paths.
 */

/** A column's kind (mergeKind joins two); KIND_NAMES[kind] is its name in a summary. */
const K_EMPTY = 0, K_INTEGER = 1, K_FLOAT = 2, K_BOOLEAN = 3, K_TIMESTAMP = 4, K_STRING = 5;
const KIND_NAMES = ["empty", "integer", "float", "boolean", "timestamp", "string"] as const;

/** Exact powers of ten, 10^0 … 10^22. */
const POW10: number[] = [];
for (let i = 0; i <= 22; i++) {
    POW10.push(Number(`1e${i}`));
}

// Exported as a list of plain consts, not `export const`: see the note in scan-state.ts.
export { K_EMPTY, K_INTEGER, K_FLOAT, K_BOOLEAN, K_TIMESTAMP, K_STRING, KIND_NAMES, POW10 };

/** The value of the last successful parseNumber / parseTimestamp (epoch milliseconds). */
export const parsed = { value: 0 };

function slowNumber(buf: Uint8Array, start: number, end: number): number {
    let s = "";
    for (let i = start; i < end; i++) {
        s += String.fromCharCode(buf[i]);
    }
    return Number(s);
}

/**
 * Parses [+-]digits[.digits][(e|E)[+-]digits] (also ".5" and "1."). Returns K_INTEGER, K_FLOAT or K_EMPTY
 * (not a number); the value goes to parsed.value. Exact: fast path only where a double division is correctly rounded.
 */
export function parseNumber(buf: Uint8Array, start: number, end: number): number {
    let i = start;
    let c = buf[i];
    let neg = false;
    if (c === 45 || c === 43) {
        neg = c === 45;
        i++;
        if (i === end) {
            return K_EMPTY;
        }
    }
    let mant = 0;
    const intStart = i;
    while (i < end) {
        c = buf[i] - 48;
        if (c < 0 || c > 9) {
            break;
        }
        mant = mant * 10 + c;
        i++;
    }
    const intDigits = i - intStart;
    if (i === end) {
        if (intDigits === 0) {
            return K_EMPTY;
        }
        const v = intDigits <= 15 ? mant : Math.abs(slowNumber(buf, start, end));
        parsed.value = neg ? -v : v;
        return K_INTEGER;
    }
    let fracDigits = 0;
    if (buf[i] === 46) {
        i++;
        const fracStart = i;
        while (i < end) {
            c = buf[i] - 48;
            if (c < 0 || c > 9) {
                break;
            }
            mant = mant * 10 + c;
            i++;
        }
        fracDigits = i - fracStart;
    }
    if (intDigits + fracDigits === 0) {
        return K_EMPTY;
    }
    let exp = 0;
    if (i < end && (buf[i] | 0x20) === 101) {
        i++;
        let eneg = false;
        if (i < end && (buf[i] === 45 || buf[i] === 43)) {
            eneg = buf[i] === 45;
            i++;
        }
        const expStart = i;
        while (i < end) {
            c = buf[i] - 48;
            if (c < 0 || c > 9) {
                break;
            }
            if (exp < 100000) {
                exp = exp * 10 + c;
            }
            i++;
        }
        if (i === expStart) {
            return K_EMPTY;
        }
        if (eneg) {
            exp = -exp;
        }
    }
    if (i !== end) {
        return K_EMPTY;
    }
    const e10 = exp - fracDigits;
    let v: number;
    if (intDigits + fracDigits <= 15 && e10 >= -22 && e10 <= 22) {
        v = e10 < 0 ? mant / POW10[-e10] : mant * POW10[e10];
    } else {
        v = Math.abs(slowNumber(buf, start, end));
        if (!Number.isFinite(v)) {
            return K_EMPTY;
        }
    }
    parsed.value = neg ? -v : v;
    return K_FLOAT;
}

/** true / false, any case. */
export function isBoolean(buf: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    if (n === 4) {
        return (buf[start] | 0x20) === 116 && (buf[start + 1] | 0x20) === 114 && (buf[start + 2] | 0x20) === 117 && (buf[start + 3] | 0x20) === 101;
    }
    if (n === 5) {
        return (
            (buf[start] | 0x20) === 102 &&
            (buf[start + 1] | 0x20) === 97 &&
            (buf[start + 2] | 0x20) === 108 &&
            (buf[start + 3] | 0x20) === 115 &&
            (buf[start + 4] | 0x20) === 101
        );
    }
    return false;
}

function d2(buf: Uint8Array, i: number): number {
    const a = buf[i] - 48;
    const b = buf[i + 1] - 48;
    if (a < 0 || a > 9 || b < 0 || b > 9) {
        return -1;
    }
    return a * 10 + b;
}

const DAYS_IN_MONTH = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * ISO-8601 date or date-time: YYYY-MM-DD, optionally followed by T/t/space HH:MM[:SS[.fraction]] and an optional
 * zone Z, ±HH, ±HHMM or ±HH:MM. A time without a zone is taken as UTC. The instant goes to parsed.value (epoch ms).
 */
export function parseTimestamp(buf: Uint8Array, start: number, end: number): boolean {
    const n = end - start;
    if (n < 10 || buf[start + 4] !== 45 || buf[start + 7] !== 45) {
        return false;
    }
    const y1 = d2(buf, start);
    const y2 = d2(buf, start + 2);
    const month = d2(buf, start + 5);
    const day = d2(buf, start + 8);
    if (y1 < 0 || y2 < 0 || month < 1 || month > 12 || day < 1) {
        return false;
    }
    const year = y1 * 100 + y2;
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    if (day > (month === 2 && leap ? 29 : DAYS_IN_MONTH[month])) {
        return false;
    }
    // days from civil (H. Hinnant)
    const y = month <= 2 ? year - 1 : year;
    const era = Math.floor(y / 400);
    const yoe = y - era * 400;
    const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
    const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
    const days = era * 146097 + doe - 719468;
    let ms = days * 86400000;
    if (n === 10) {
        parsed.value = ms;
        return true;
    }
    let i = start + 10;
    const sep = buf[i];
    if ((sep !== 84 && sep !== 116 && sep !== 32) || n < 16 || buf[i + 3] !== 58) {
        return false;
    }
    const hh = d2(buf, i + 1);
    const mm = d2(buf, i + 4);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59) {
        return false;
    }
    ms += hh * 3600000 + mm * 60000;
    i += 6;
    if (i < end && buf[i] === 58) {
        if (i + 3 > end) {
            return false;
        }
        const ss = d2(buf, i + 1);
        if (ss < 0 || ss > 60) {
            return false;
        }
        ms += ss * 1000;
        i += 3;
        if (i < end && (buf[i] === 46 || buf[i] === 44)) {
            i++;
            const fs = i;
            let scale = 100;
            let frac = 0;
            while (i < end) {
                const c = buf[i] - 48;
                if (c < 0 || c > 9) {
                    break;
                }
                frac += c * scale;
                scale /= 10;
                i++;
            }
            if (i === fs) {
                return false;
            }
            ms += frac;
        }
    }
    if (i < end) {
        const z = buf[i];
        if (z === 90 || z === 122) {
            i++;
        } else if (z === 43 || z === 45) {
            const oh = d2(buf, i + 1);
            if (i + 3 > end || oh < 0 || oh > 23) {
                return false;
            }
            i += 3;
            let om = 0;
            if (i < end) {
                if (buf[i] === 58) {
                    i++;
                }
                if (i + 2 > end) {
                    return false;
                }
                om = d2(buf, i);
                if (om < 0 || om > 59) {
                    return false;
                }
                i += 2;
            }
            const off = (oh * 60 + om) * 60000;
            ms += z === 43 ? -off : off;
        } else {
            return false;
        }
    }
    if (i !== end) {
        return false;
    }
    parsed.value = ms;
    return true;
}

/** The narrowest kind of one value (K_EMPTY for an empty range). */
export function classify(buf: Uint8Array, start: number, end: number): number {
    if (start === end) {
        return K_EMPTY;
    }
    const c = buf[start];
    if ((c >= 48 && c <= 57) || c === 45 || c === 43 || c === 46) {
        const k = parseNumber(buf, start, end);
        if (k !== K_EMPTY) {
            return k;
        }
        return parseTimestamp(buf, start, end) ? K_TIMESTAMP : K_STRING;
    }
    if ((c | 0x20) === 116 || (c | 0x20) === 102) {
        return isBoolean(buf, start, end) ? K_BOOLEAN : K_STRING;
    }
    return K_STRING;
}

/** The kind a column has after seeing a value of kind k (neither may be K_EMPTY... K_EMPTY is the identity). */
export function mergeKind(a: number, b: number): number {
    if (a === b || b === K_EMPTY) {
        return a;
    }
    if (a === K_EMPTY) {
        return b;
    }
    if ((a === K_INTEGER && b === K_FLOAT) || (a === K_FLOAT && b === K_INTEGER)) {
        return K_FLOAT;
    }
    return K_STRING;
}
