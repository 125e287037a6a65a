/**
 * Where to cut the input into blocks of whole records for the workers, with the record boundaries the sequential
 * scanner (summarizer.ts) would find: a quote opens a quoted field only at a field start, "" inside quotes is a quote,
 * an LF outside quotes ends a record; a record whose line end is not within `window` bytes of its start is over-long,
 * and scanning resumes after the first LF at or past start + window (even inside quotes). JSON Lines: every LF.
 *
 * The scan jumps from quote to quote with indexOf/lastIndexOf (native memchr), so a block without quotes costs two
 * native searches.
 */

const LF = 10;
const QUOTE = 34;

/** No record ends in the block (and it is not known to be over-long): the block must grow. */
export const CUT_NONE = 0;
/** The block ends inside an over-long record that is being skipped: cut at the end, the next block skips. */
export const CUT_SKIP = -1;

/**
 * buf is one block (its whole length is scanned); it starts at a record start, or inside an over-long record that is
 * being skipped (skipping). Returns the position after the last record end in it (> 0), CUT_SKIP or CUT_NONE.
 */
export function findCut(buf: Buffer, jsonl: boolean, delim: number, window: number, skipping: boolean): number {
    const n = buf.length;
    if (jsonl) {
        const l = buf.lastIndexOf(LF);
        if (l >= 0) {
            return l + 1;
        }
        return skipping || n >= window ? CUT_SKIP : CUT_NONE;
    }
    let p = 0;
    let last = 0;
    if (skipping) {
        const l = buf.indexOf(LF);
        if (l < 0) {
            return CUT_SKIP;
        }
        p = l + 1;
        last = p;
    }
    /** Start of the current record. */
    let r = p;
    for (;;) {
        // Unquoted state in the record starting at r, at p.
        const q = p < n ? buf.indexOf(QUOTE, p) : -1;
        if (q < 0) {
            const l = p < n ? buf.lastIndexOf(LF) : -1;
            if (l >= p) {
                return l + 1;
            }
            if (last > 0) {
                return last;
            }
            return n - r >= window ? CUT_SKIP : CUT_NONE;
        }
        if (q > p) {
            const l = buf.lastIndexOf(LF, q - 1);
            if (l >= p) {
                r = l + 1;
                last = r;
            }
        }
        // A quote past the window is skipped with the over-long record; one inside a field is literal.
        if (q - r >= window || (q !== r && buf[q - 1] !== delim)) {
            p = q + 1;
            continue;
        }
        // A quoted field: find its closing quote before the window ends.
        const limit = r + window;
        let j = q + 1;
        let overlong = false;
        for (;;) {
            const c = j < n ? buf.indexOf(QUOTE, j) : -1;
            if (c < 0 || c >= limit - 1) {
                if (limit > n) {
                    // Still inside quotes at the end of the block, undecided.
                    return last > 0 ? last : CUT_NONE;
                }
                overlong = true;
                break;
            }
            if (c + 1 >= n) {
                return last > 0 ? last : CUT_NONE;
            }
            if (buf[c + 1] === QUOTE) {
                j = c + 2;
                continue;
            }
            p = c + 1;
            break;
        }
        if (overlong) {
            const l = buf.indexOf(LF, limit);
            if (l < 0) {
                return last > 0 ? last : CUT_SKIP;
            }
            p = l + 1;
            r = p;
            last = p;
        }
    }
}
