/**
 * Detection over the first bytes of the input: binary content, format, delimiter and header. Runs once on a bounded
 * prefix, so it may build strings.
 */
import { isUtf8 } from "node:buffer";
import { classify, K_EMPTY, K_FLOAT, K_INTEGER, K_STRING, mergeKind } from "./values";

export const DELIMITER_CANDIDATES = [",", "\t", ";", "|"];

function isSpace(c: number): boolean {
    return c === 32 || c === 9 || c === 10 || c === 13 || c === 11 || c === 12;
}

/** Index of the first byte that is not whitespace, or -1. */
export function firstNonSpace(buf: Uint8Array, start: number, end: number): number {
    for (let i = start; i < end; i++) {
        if (!isSpace(buf[i])) {
            return i;
        }
    }
    return -1;
}

/** A NUL byte, or mostly control / non-UTF-8 bytes, in the first 4 KiB. */
export function looksBinary(buf: Uint8Array, start: number, end: number): boolean {
    const stop = Math.min(end, start + 4096);
    const n = stop - start;
    if (n <= 0) {
        return false;
    }
    let control = 0;
    let high = 0;
    for (let i = start; i < stop; i++) {
        const c = buf[i];
        if (c === 0) {
            return true;
        }
        if ((c < 32 && !isSpace(c) && c !== 27) || c === 127) {
            control++;
        } else if (c >= 128) {
            high++;
        }
    }
    if (control / n > 0.1) {
        return true;
    }
    if (high / n > 0.3) {
        // Allow a multi-byte character cut at the end of the sample.
        let cut = stop;
        if (stop < end) {
            let back = 0;
            while (back < 3 && cut > start && (buf[cut - 1] & 0xc0) === 0x80) {
                cut--;
                back++;
            }
            if (cut > start && buf[cut - 1] >= 0xc0) {
                cut--;
            }
        }
        return !isUtf8(buf.subarray(start, cut));
    }
    return false;
}

/**
 * A plain RFC 4180 record parser over a string (quotes only open a field; "" inside quotes is a quote). Blank lines are
 * skipped. Returns at most maxRecords records; a trailing record without a newline is kept only if complete is true.
 */
export function parseRecords(text: string, delimiter: string, maxRecords: number, complete: boolean): string[][] {
    const out: string[][] = [];
    let i = 0;
    const n = text.length;
    while (i < n && out.length < maxRecords) {
        const fields: string[] = [];
        let field = "";
        let ended = false;
        let atStart = true;
        let quoted = false;
        while (i < n) {
            const ch = text[i];
            if (quoted) {
                if (ch === '"') {
                    if (text[i + 1] === '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    quoted = false;
                    i++;
                    continue;
                }
                field += ch;
                i++;
                continue;
            }
            if (atStart && ch === '"') {
                quoted = true;
                atStart = false;
                i++;
                continue;
            }
            atStart = false;
            if (ch === delimiter) {
                fields.push(field);
                field = "";
                atStart = true;
                i++;
                continue;
            }
            if (ch === "\n") {
                i++;
                ended = true;
                break;
            }
            if (ch === "\r" && text[i + 1] === "\n") {
                i++;
                continue;
            }
            field += ch;
            i++;
        }
        if (!ended && (!complete || quoted)) {
            break;
        }
        fields.push(field);
        if (fields.length === 1 && fields[0] === "") {
            continue;
        }
        out.push(fields);
    }
    return out;
}

/** The delimiter whose field count is most consistent over the first records, or undefined. */
export function detectDelimiter(text: string, complete: boolean): string | undefined {
    let best: string | undefined;
    let bestScore = -1;
    let bestWidth = 0;
    for (const d of DELIMITER_CANDIDATES) {
        const records = parseRecords(text, d, 20, complete);
        if (records.length === 0) {
            continue;
        }
        const counts = new Map<number, number>();
        for (const r of records) {
            counts.set(r.length, (counts.get(r.length) ?? 0) + 1);
        }
        let mode = 0;
        let freq = 0;
        for (const [width, f] of counts) {
            if (f > freq || (f === freq && width > mode)) {
                mode = width;
                freq = f;
            }
        }
        if (mode < 2) {
            continue;
        }
        const score = freq / records.length;
        if (score < 0.6) {
            continue;
        }
        if (score > bestScore || (score === bestScore && mode > bestWidth)) {
            best = d;
            bestScore = score;
            bestWidth = mode;
        }
    }
    return best;
}

function kindOf(s: string): number {
    const b = Buffer.from(s, "utf8");
    return classify(b, 0, b.length);
}

/**
 * Whether the first record is a header: yes if it is all non-empty non-numbers over some numeric data, or if one of its
 * values does not fit the type of its column below (text over numbers, say); no if it holds typed values that fit the
 * rows below; yes without evidence (all text).
 */
export function detectHeader(records: string[][]): boolean {
    if (records.length < 2) {
        return true;
    }
    const first = records[0];
    const rest = records.slice(1);
    const firstKinds = first.map(kindOf);
    const allText = firstKinds.every((k) => k === K_STRING);
    let laterNumeric = false;
    let differs = false;
    let typedFirst = false;
    for (let j = 0; j < first.length; j++) {
        let merged = K_EMPTY;
        for (const r of rest) {
            if (j >= r.length) {
                continue;
            }
            const k = kindOf(r[j]);
            if (k === K_INTEGER || k === K_FLOAT) {
                laterNumeric = true;
            }
            merged = mergeKind(merged, k);
        }
        const k0 = firstKinds[j];
        // The first row's value does not fit the type of the values below it (e.g. text over numbers or dates).
        if (k0 !== K_EMPTY && merged !== K_EMPTY && mergeKind(merged, k0) !== merged) {
            differs = true;
        }
        if (k0 !== K_STRING && k0 !== K_EMPTY) {
            typedFirst = true;
        }
    }
    if ((allText && laterNumeric) || differs) {
        return true;
    }
    if (typedFirst) {
        return false;
    }
    return true;
}
