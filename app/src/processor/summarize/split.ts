/**
 * Where to cut the input into blocks of whole records for the workers, at record boundaries the sequential scanner
 * (scanner.ts) would find. A record ends at its first line end unless that line end is inside a quoted field (a
 * quote at a field start opens one; "" inside is a quote); only then does the scanner's verdict matter (a valid
 * multi-line record, or a bad first line), and the splitter asks the scanner itself (`recordEnd`). A record whose
 * first line end is not within `window` bytes of its start is a bad line that is skipped up to that line end.
 * JSON Lines: every line end.
 *
 * The scan jumps from quote to quote with indexOf/lastIndexOf (native memchr), so a block without quotes costs two
 * native searches.
 */

/** No record ends in the block (and it is not known to be a bad line): the block must grow. */
const CUT_NONE = 0;
/** The block ends inside a bad line that is being skipped: cut at the end, the next block skips. */
const CUT_SKIP = -1;

// Exported as a list of plain consts, not `export const`: see the note in scan-state.ts.
export { CUT_NONE, CUT_SKIP };

export interface CutFormat {
    jsonl: boolean;
    delim: number;
    /** The line-end byte. */
    eol: number;
    /** The quote byte, or -1 when quotes are data. */
    quote: number;
    window: number;
}

/** The scanner's verdict on a record (see CoreSummarizer.recordEnd). */
export interface RecordVerdict {
    /**
     * Where the record that starts at r in buf ends (after its line end), -1 if that depends on bytes after buf, -2
     * if it is a bad line that does not end in buf.
     */
    recordEnd(buf: Uint8Array, r: number): number;
    /**
     * After recordEnd: the verdict read buf up to here. A bad first line ends before the bytes that made it bad, and a
     * block must hold those too, so that its worker reaches the same verdict: no cut before this point.
     */
    readonly verdictEnd: number;
}

/** Bytes of a quoted field scanned byte by byte before native searches take over (most fields are short). */
const SHORT_FIELD = 256;

/**
 * The closing quote of the quoted field that opens at q, if it comes before the next line end (and is known not to
 * be the first of a doubled quote); else -1.
 */
function closingQuote(buf: Buffer, q: number, quote: number, eol: number): number {
    const n = buf.length;
    const stop = Math.min(n, q + SHORT_FIELD);
    let j = q + 1;
    for (; j < stop; j++) {
        const c = buf[j];
        if (c === eol) {
            return -1;
        }
        if (c === quote) {
            if (j + 1 >= n) {
                return -1;
            }
            if (buf[j + 1] !== quote) {
                return j;
            }
            j++;
        }
    }
    if (j >= n) {
        return -1;
    }
    const e = buf.indexOf(eol, j);
    for (;;) {
        const c = buf.indexOf(quote, j);
        if (c < 0 || (e >= 0 && c > e) || c + 1 >= n) {
            return -1;
        }
        if (buf[c + 1] !== quote) {
            return c;
        }
        j = c + 2;
    }
}

/**
 * buf is one block (its whole length is scanned); it starts at a record start, or inside a bad line that is being
 * skipped (skipping). Returns the position after the last record end in it (> 0), CUT_SKIP or CUT_NONE.
 */
export function findCut(buf: Buffer, f: CutFormat, skipping: boolean, verdict: RecordVerdict): number {
    const n = buf.length;
    const eol = f.eol;
    if (f.jsonl) {
        const l = buf.lastIndexOf(eol);
        if (l >= 0) {
            return l + 1;
        }
        return skipping || n >= f.window ? CUT_SKIP : CUT_NONE;
    }
    const quote = f.quote;
    let p = 0;
    let last = 0;
    if (skipping) {
        const l = buf.indexOf(eol);
        if (l < 0) {
            return CUT_SKIP;
        }
        p = l + 1;
        last = p;
    }
    /** Start of the current record. */
    let r = p;
    /** No cut before this: a verdict read up to here. */
    let need = 0;
    for (;;) {
        // In the record starting at r, outside quotes, at p.
        const q = quote >= 0 && p < n ? buf.indexOf(quote, p) : -1;
        if (q < 0) {
            const l = p < n ? buf.lastIndexOf(eol) : -1;
            if (l >= p) {
                // Records end here; the last end is a cut unless a verdict read past it.
                return l + 1 >= need ? l + 1 : last > 0 ? last : CUT_NONE;
            }
            if (last > 0) {
                return last;
            }
            // The record at r has no line end in the block.
            return n - r >= f.window ? CUT_SKIP : CUT_NONE;
        }
        if (q > p) {
            const l = buf.lastIndexOf(eol, q - 1);
            if (l >= p) {
                r = l + 1;
                if (r >= need) {
                    last = r;
                }
            }
        }
        // A quote inside an unquoted field is data.
        if (q !== r && buf[q - 1] !== f.delim) {
            p = q + 1;
            continue;
        }
        // A quoted field: if it closes before the record's first line end, scanning goes on after it (text after
        // the closing quote makes the record a bad line, which also ends at that line end).
        const close = closingQuote(buf, q, quote, eol);
        if (close >= 0) {
            p = close + 1;
            continue;
        }
        // The quoted field holds the line end (or the block ends first): the scanner decides.
        const end = verdict.recordEnd(buf, r);
        if (end === -1) {
            return last > 0 ? last : CUT_NONE;
        }
        if (end === -2) {
            return last > 0 ? last : CUT_SKIP;
        }
        need = Math.max(need, verdict.verdictEnd);
        p = end;
        r = end;
        if (r >= need) {
            last = r;
        }
    }
}
