/**
 * Detection over the first bytes of the input: binary content and wide encodings, format, line ends, delimiter and
 * header. Runs once on a bounded prefix; field strings are slices of one string of that prefix.
 */
import { isUtf8 } from "node:buffer";
import { InputError } from "./types";
import { classify, mergeKind } from "./values";
import * as values from "./values";
// The constants this module's hot code uses, bound here: see the note in scan-state.ts.
const { K_EMPTY, K_FLOAT, K_INTEGER, K_STRING } = values;

const DELIMITER_CANDIDATES = [",", "\t", ";", "|"];

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
        // Allow a multi-byte character cut at the end of the sample (by the 4 KiB limit or by the span: an unfinished
        // character at the very end of a file is an invalid-UTF-8 bad row, not a sign of binary).
        let cut = stop;
        let back = 0;
        while (back < 3 && cut > start && (buf[cut - 1] & 0xc0) === 0x80) {
            cut--;
            back++;
        }
        if (cut > start && buf[cut - 1] >= 0xc0) {
            cut--;
        }
        return !isUtf8(buf.subarray(start, cut));
    }
    return false;
}

/** UTF-16 or UTF-32 text (which the summariser does not read), by byte-order mark or, for UTF-16, by its zero bytes. */
export function wideEncoding(buf: Uint8Array, start: number, end: number): "UTF-16LE" | "UTF-16BE" | "UTF-32LE" | "UTF-32BE" | undefined {
    const n = end - start;
    const b = (i: number) => (start + i < end ? buf[start + i] : -1);
    if (b(0) === 0xff && b(1) === 0xfe) {
        return b(2) === 0 && b(3) === 0 ? "UTF-32LE" : "UTF-16LE";
    }
    if (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff) {
        return "UTF-32BE";
    }
    if (b(0) === 0xfe && b(1) === 0xff) {
        return "UTF-16BE";
    }
    // Without a BOM: ASCII text in UTF-16 is a printable byte next to a zero byte (the zero second: little-endian).
    const pairs = Math.min(n, 4096) >> 1;
    if (pairs < 2) {
        return undefined;
    }
    const text = (c: number) => (c >= 32 && c < 127) || c === 9 || c === 10 || c === 13;
    let le = 0;
    let be = 0;
    for (let i = 0; i < pairs; i++) {
        const lo = buf[start + 2 * i];
        const hi = buf[start + 2 * i + 1];
        if (hi === 0 && text(lo)) {
            le++;
        } else if (lo === 0 && text(hi)) {
            be++;
        }
    }
    if (le >= pairs * 0.4 && be <= pairs * 0.05) {
        return "UTF-16LE";
    }
    if (be >= pairs * 0.4 && le <= pairs * 0.05) {
        return "UTF-16BE";
    }
    return undefined;
}

export type LineEnding = "lf" | "crlf" | "cr" | "none";

/**
 * The line-end style, from the first line end (outside quotes when `quoteAware`): LF or CRLF (one style: a file may
 * mix the two, and a lone CR in it is data), or a lone CR (old Mac). A file whose first line ends in a lone CR but
 * whose later lines (in the span given) end in LF is rejected, with what was found.
 */
export function detectLineEnding(buf: Uint8Array, start: number, end: number, eof: boolean, quoteAware: boolean): LineEnding {
    let quoted = false;
    for (let i = start; i < end; i++) {
        const c = buf[i];
        if (c === 34 && quoteAware) {
            quoted = !quoted;
        } else if (quoted) {
            continue;
        } else if (c === 10) {
            return i > start && buf[i - 1] === 13 ? "crlf" : "lf";
        } else if (c === 13) {
            if (i + 1 >= end) {
                return eof ? "cr" : "none";
            }
            if (buf[i + 1] === 10) {
                return "crlf";
            }
            // Old Mac: LF line ends after it would make lines of several records.
            let lf = 0;
            let cr = 0;
            for (let j = i; j < end; j++) {
                const b = buf[j];
                if (b === 34 && quoteAware) {
                    quoted = !quoted;
                } else if (!quoted && b === 10) {
                    lf++;
                } else if (!quoted && b === 13 && buf[j + 1] !== 10) {
                    cr++;
                }
            }
            if (lf > 0) {
                throw new InputError(
                    "mixed-line-endings",
                    `the first lines mix line endings: ${cr} end in a lone CR (old Mac) and ${lf} in LF or CRLF; convert the file to one style (e.g. with mac2unix or dos2unix)`,
                );
            }
            return "cr";
        }
    }
    return "none";
}

/**
 * Parses records from text with the scanner's rules (see scanner.ts): with `quotes`, a quote at the start of a
 * field opens a quoted field ("" inside is a quote) that must close before a delimiter or line end; a record that
 * breaks that rule, or whose quoted field spans lines but does not end a record as wide as the first one, is dropped
 * and parsing resumes on the next line. Blank lines are skipped. Returns at most maxRecords records; a record cut
 * by the end of the text is kept only if complete is true. Fields are slices of the text (no per-character strings),
 * at most MAX_FIELDS per record (a wider record has too many columns anyway).
 */
/** More fields than a summary can have columns. */
const MAX_FIELDS = 10001;

export function parseRecords(text: string, delimiter: string, quotes: boolean, eol: string, maxRecords: number, complete: boolean): string[][] {
    const out: string[][] = [];
    const d = delimiter.charCodeAt(0);
    const nl = eol.charCodeAt(0);
    const crlf = nl === 10;
    const n = text.length;
    let width = -1;
    let i = 0;
    /** Where the line that starts at `from` ends (after its line end), or -1 at the end of the text. */
    const nextLine = (from: number): number => {
        const e = text.indexOf(eol, from);
        return e < 0 ? -1 : e + 1;
    };
    records: while (i < n && out.length < maxRecords) {
        const start = i;
        const fields: string[] = [];
        let spans = false;
        for (;;) {
            if (quotes && text.charCodeAt(i) === 34) {
                let value = "";
                let from = i + 1;
                let close: number;
                for (;;) {
                    close = text.indexOf('"', from);
                    if (close < 0) {
                        if (!complete) {
                            break records;
                        }
                        // Unclosed at the end: a bad record.
                        const next = nextLine(start);
                        if (next < 0 || next >= n) {
                            break records;
                        }
                        i = next;
                        continue records;
                    }
                    value += text.slice(from, close);
                    if (close + 1 < n && text.charCodeAt(close + 1) === 34) {
                        value += '"';
                        from = close + 2;
                        continue;
                    }
                    break;
                }
                if (!spans && text.slice(i, close).indexOf(eol) >= 0) {
                    spans = true;
                }
                if (fields.length < MAX_FIELDS) {
                    fields.push(value);
                }
                i = close + 1;
                if (i >= n) {
                    if (!complete) {
                        break records;
                    }
                    break;
                }
                const c = text.charCodeAt(i);
                if (c === d) {
                    i++;
                    continue;
                }
                if (c === nl || (crlf && c === 13 && text.charCodeAt(i + 1) === 10)) {
                    i += c === nl ? 1 : 2;
                    break;
                }
                if (crlf && c === 13 && i + 1 >= n && !complete) {
                    break records;
                }
                // Text after a closing quote: a bad record.
                const next = nextLine(start);
                if (next < 0) {
                    break records;
                }
                i = next;
                continue records;
            }
            const s = i;
            while (i < n) {
                const c = text.charCodeAt(i);
                if (c === d || c === nl) {
                    break;
                }
                i++;
            }
            if (i >= n && !complete) {
                break records;
            }
            const e = i < n && crlf && i > s && text.charCodeAt(i - 1) === 13 ? i - 1 : i;
            if (fields.length < MAX_FIELDS) {
                fields.push(text.slice(s, e));
            }
            if (i < n && text.charCodeAt(i) === d) {
                i++;
                continue;
            }
            i++;
            break;
        }
        if (fields.length === 1 && fields[0] === "" && text.charCodeAt(start) !== 34) {
            continue;
        }
        if (spans && width >= 0 && fields.length !== width) {
            i = nextLine(start);
            if (i < 0) {
                break;
            }
            continue;
        }
        if (width < 0) {
            width = fields.length;
        }
        out.push(fields);
    }
    return out;
}

/**
 * The delimiter whose field count is most consistent over the first records, or undefined. `quotesFor` says whether
 * quotes open fields with that delimiter (off for TAB by default).
 */
export function detectDelimiter(text: string, complete: boolean, eol: string, quotesFor: (d: string) => boolean): string | undefined {
    let best: string | undefined;
    let bestScore = -1;
    let bestWidth = 0;
    for (const d of DELIMITER_CANDIDATES) {
        const records = parseRecords(text, d, quotesFor(d), eol, 20, complete);
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

/**
 * Whether records (parsed with a comma) read as a one-column file rather than prose: at least two records, all of
 * one field, and either no field with a space or tab, or typed values (numbers, booleans, timestamps) below the
 * first, or a first record that reads as a column name (one word) over short values.
 */
export function isOneColumn(records: string[][]): boolean {
    if (records.length < 2 || records.some((r) => r.length !== 1)) {
        return false;
    }
    const rest = records.slice(1);
    if (records.every((r) => !/[ \t]/.test(r[0]))) {
        return true;
    }
    if (rest.every((r) => kindOf(r[0]) !== K_STRING)) {
        return true;
    }
    return /^\S{1,64}$/.test(records[0][0]) && rest.every((r) => r[0].length <= 100);
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
