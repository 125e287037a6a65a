/**
 * Scanning: where records start and end, chunk by chunk (the core's records; see summarizer.ts for the whole).
 *
 * Memory is bounded by the longest record (capped by maxLineBytes) plus per-column state: records that end inside a
 * chunk are summarised in place, and only a record that spans chunks is copied into a carry buffer.
 *
 * Records (CSV/TSV): a record ends at the first line end outside quotes. A record that is not valid costs one
 * physical line, its first: a quoted field that does not close before a delimiter or line end (text after the closing
 * quote), or that spans line ends but does not end a record with the header's field count within maxLineBytes (an
 * unclosed or stray quote), or a line longer than maxLineBytes. That line is one bad row, and reading resumes on the
 * next line as if the quote had not been there. So a stray quote costs the record it is in, never the records after
 * it, and every record boundary is decided within maxLineBytes of the record's start.
 */
import { joinLanes, laneHash } from "./hll";
import * as hll from "./hll";
import { BadRowCode } from "./types";
import { cleanText, ScanState } from "./scan-state";
import * as scanState from "./scan-state";
// The constants this module's hot code uses, bound here: see the note in scan-state.ts.
const { FNV_PRIME, FNV_SEED, FNV_SEED_B } = hll;
const { QUOTE, NEED_MORE, UNCLOSED, MALFORMED, F_START, F_UNQUOTED, F_QUOTED, F_QUOTE_IN_QUOTED, F_CR_AFTER_QUOTE } = scanState;

export abstract class Scanner extends ScanState {
    /** A scanned CSV/TSV record (see records.ts); returns where the next record starts. */
    protected abstract csvRecord(buf: Buffer, start: number, end: number): number;
    /** A JSON Lines record buf[start, end). */
    protected abstract jsonRecord(buf: Buffer, start: number, end: number): void;
    /** Runs detection on what was written (detecting.ts). */
    protected abstract detect(eof: boolean): void;

    /** At the end of input: the line being skipped ends, and the record in progress (and what re-reading leaves) is finished. */
    protected finishCarry(): void {
        for (;;) {
            if (this.exitAt >= 0) {
                return;
            }
            if (this.skipping) {
                this.line++;
                this.skipping = false;
            }
            if (this.carryLen === 0) {
                return;
            }
            this.finishCarried(true);
        }
    }

    /** Range mode: a record starts at buf[pos]; whether scanning stops there. */
    protected stopHere(pos: number): boolean {
        if (this.exitAt < 0) {
            // The first range reads its first record (the header, or the row that fixes the field count) whatever the stop.
            if (this.format !== "jsonl" && this.expected < 0) {
                return false;
            }
            this.exitAt = this.base + pos;
        }
        return true;
    }

    // ---- driving ---------------------------------------------------------------------------------------------------
    // ---- driving ---------------------------------------------------------------------------------------------------

    protected process(buf: Buffer, start: number): void {
        const pos = this.resume(buf, start);
        const n = buf.length;
        if (pos < 0 || pos >= n) {
            return;
        }
        const lastEol = buf.lastIndexOf(this.eol);
        this.utf8Ok = lastEol < pos || cleanText(buf.subarray(pos, lastEol + 1));
        if (this.format === "jsonl") {
            this.scanJsonl(buf, pos, n);
        } else {
            this.scanCsv(buf, pos, n);
        }
    }

    /**
     * Finishes what is in progress (a bad line being skipped, a record carried from earlier chunks) with buf from pos.
     * Returns where direct scanning resumes in buf, or -1 if buf was used up.
     */
    protected resume(buf: Buffer, pos: number): number {
        for (;;) {
            if (this.skipping) {
                const idx = buf.indexOf(this.eol, pos);
                if (idx < 0) {
                    return -1;
                }
                this.line++;
                this.skipping = false;
                pos = idx + 1;
            }
            if (this.carryLen === 0) {
                return pos;
            }
            pos = this.continueCarry(buf, pos);
            if (pos < 0 || this.exitAt >= 0) {
                return -1;
            }
        }
    }

    protected scanCsv(buf: Buffer, pos: number, n: number): void {
        const window = this.window;
        const lastEol = buf.lastIndexOf(this.eol);
        while (pos < n) {
            if (this.base + pos >= this.stopOffset && this.stopHere(pos)) {
                return;
            }
            const limit = n - pos > window ? pos + window : n;
            const r = this.scanRecord(buf, pos, limit, false, lastEol < limit ? lastEol : -1);
            if (r >= 0) {
                pos = this.csvRecord(buf, pos, r);
                continue;
            }
            if (r === NEED_MORE && limit - pos < window) {
                this.startCarry(buf, pos, n);
                return;
            }
            // No record end within the window, or text after a closing quote: the line is a bad row.
            if (r === MALFORMED && this.recLines === 0) {
                pos = this.badLine(buf, pos, "text-after-quote", "text after a closing quote");
            } else if (this.recLines > 0) {
                pos = this.badLine(buf, pos, "unclosed-quote", this.unclosedReason());
            } else {
                pos = this.badLine(buf, limit, "line-too-long", `line longer than ${this.maxLine} bytes`);
            }
            if (pos < 0) {
                return;
            }
        }
    }

    /**
     * The line that starts at this.line is a bad row: counted, and skipped up to its line end (the first at or after
     * `from`).
     * Returns where reading resumes, or -1 if buf ends first (the rest of the line is skipped as it comes).
     */
    protected badLine(buf: Buffer, from: number, code: BadRowCode, reason: string): number {
        this.bad.add(this.line, code, reason);
        const idx = buf.indexOf(this.eol, from);
        if (idx < 0) {
            this.skipping = true;
            return -1;
        }
        this.line++;
        return idx + 1;
    }

    protected unclosedReason(): string {
        return `unclosed quote (a quoted field opens on this line and does not close into a valid record within ${this.maxLine} bytes)`;
    }

    protected scanJsonl(buf: Buffer, pos: number, n: number): void {
        const eol = this.eol;
        while (pos < n) {
            if (this.base + pos >= this.stopOffset && this.stopHere(pos)) {
                return;
            }
            const idx = buf.indexOf(eol, pos);
            if (idx < 0) {
                if (n - pos >= this.window) {
                    this.badLine(buf, n, "line-too-long", `line longer than ${this.maxLine} bytes`);
                    return;
                }
                this.startCarry(buf, pos, n);
                return;
            }
            this.jsonRecord(buf, pos, idx + 1);
            pos = idx + 1;
        }
    }

    /** Keeps the unfinished record buf[pos, n), shorter than the window. */
    protected startCarry(buf: Buffer, pos: number, n: number): void {
        const len = n - pos;
        if (this.carry.length < len) {
            this.carry = Buffer.allocUnsafe(Math.min(this.window, Math.max(len, 2 * this.carry.length, 65536)));
        }
        buf.copy(this.carry, 0, pos, n);
        this.carryLen = len;
        this.carryBase = this.base + pos;
        this.fstate = F_START;
        if (this.format !== "jsonl") {
            this.find(this.carry, 0, len);
        }
    }

    protected appendCarry(buf: Buffer, from: number, to: number): void {
        const need = this.carryLen + (to - from);
        if (this.carry.length < need) {
            const bigger = Buffer.allocUnsafe(Math.min(this.window, Math.max(need, 2 * this.carry.length)));
            this.carry.copy(bigger, 0, 0, this.carryLen);
            this.carry = bigger;
        }
        buf.copy(this.carry, this.carryLen, from, to);
        this.carryLen = need;
    }

    /** Continues a carried record into buf; returns where direct scanning resumes, or -1 if buf is used up. */
    protected continueCarry(buf: Buffer, pos: number): number {
        const n = buf.length;
        const room = this.window - this.carryLen;
        const stop = n - pos > room ? pos + room : n;
        let r: number;
        if (this.format === "jsonl") {
            const idx = buf.indexOf(this.eol, pos);
            r = idx >= 0 && idx < stop ? idx + 1 : NEED_MORE;
        } else {
            r = this.find(buf, pos, stop);
        }
        if (r >= 0) {
            this.appendCarry(buf, pos, r);
            this.finishCarried(false);
            return r;
        }
        if (r === MALFORMED) {
            // A quoted field that ran across a line end before its stray closing quote is an unclosed quote.
            const e = this.carry.subarray(0, this.carryLen).indexOf(this.eol);
            const inBuf = buf.indexOf(this.eol, pos);
            if (e >= 0 || (inBuf >= 0 && inBuf < this.stopAt)) {
                return this.badCarried(buf, pos, "unclosed-quote", this.unclosedReason());
            }
            return this.badCarried(buf, pos, "text-after-quote", "text after a closing quote");
        }
        if (stop - pos >= room) {
            // No record end within the window: a quote left open across lines, or one long line.
            const e = this.carry.subarray(0, this.carryLen).indexOf(this.eol);
            const inBuf = buf.indexOf(this.eol, pos);
            if (this.format !== "jsonl" && (e >= 0 || (inBuf >= 0 && inBuf < stop))) {
                return this.badCarried(buf, pos, "unclosed-quote", this.unclosedReason());
            }
            return this.badCarried(buf, pos, "line-too-long", `line longer than ${this.maxLine} bytes`);
        }
        this.appendCarry(buf, pos, n);
        return -1;
    }

    /**
     * The carried record (continued in buf from pos, if buf is given) is a bad row of one line, its first: reading
     * resumes after that line's end, re-reading the rest of the carry if the line ends in it. Returns where reading
     * resumes in buf, or -1 (buf used up, or the line still being skipped).
     */
    protected badCarried(buf: Buffer | null, pos: number, code: BadRowCode, reason: string): number {
        this.bad.add(this.line, code, reason);
        const idx = this.carry.subarray(0, this.carryLen).indexOf(this.eol);
        if (idx >= 0) {
            this.line++;
            this.reread(idx + 1);
            return pos;
        }
        this.carryLen = 0;
        const e = buf === null ? -1 : buf.indexOf(this.eol, pos);
        if (e < 0) {
            this.skipping = true;
            return -1;
        }
        this.line++;
        return e + 1;
    }

    /** Reads carry[from, carryLen) again as new input (it comes before what follows the carry). */
    protected reread(from: number): void {
        // A copy: reading it may start a new carry.
        const tail = Buffer.from(this.carry.subarray(from, this.carryLen));
        this.carryLen = 0;
        if (tail.length > 0) {
            const base = this.base;
            this.base = this.carryBase + from;
            this.process(tail, 0);
            this.base = base;
        }
    }

    /** The carried record: carry[0, carryLen) ends with its line end, or with the input (eof). */
    protected finishCarried(eof: boolean): void {
        const len = this.carryLen;
        this.utf8Ok = false;
        if (this.format === "jsonl") {
            this.carryLen = 0;
            this.jsonRecord(this.carry, 0, len);
            return;
        }
        const r = this.scanRecord(this.carry, 0, len, eof, -1);
        if (r >= 0) {
            const next = this.csvRecord(this.carry, 0, r);
            if (next < len) {
                this.reread(next);
            } else {
                this.carryLen = 0;
            }
            return;
        }
        if (r === MALFORMED && this.recLines === 0) {
            this.badCarried(null, 0, "text-after-quote", "text after a closing quote");
        } else {
            this.badCarried(null, 0, "unclosed-quote", this.unclosedReason());
        }
    }

    /**
     * Advances the spanning-record state machine over buf[from, to) (the rules of scanRecord); returns the index after
     * the record's line end, NEED_MORE, or MALFORMED (text after a closing quote).
     */
    protected find(buf: Uint8Array, from: number, to: number): number {
        const d = this.delim;
        const eol = this.eol;
        const q = this.quote;
        let st = this.fstate;
        for (let i = from; i < to; i++) {
            const c = buf[i];
            switch (st) {
                case F_START:
                    if (c === q) {
                        st = F_QUOTED;
                    } else if (c === eol) {
                        this.fstate = F_START;
                        return i + 1;
                    } else if (c !== d) {
                        st = F_UNQUOTED;
                    }
                    break;
                case F_UNQUOTED:
                    if (c === d) {
                        st = F_START;
                    } else if (c === eol) {
                        this.fstate = F_START;
                        return i + 1;
                    }
                    break;
                case F_QUOTED:
                    if (c === QUOTE) {
                        st = F_QUOTE_IN_QUOTED;
                    }
                    break;
                case F_QUOTE_IN_QUOTED:
                    if (c === QUOTE) {
                        st = F_QUOTED;
                    } else if (c === d) {
                        st = F_START;
                    } else if (c === eol) {
                        this.fstate = F_START;
                        return i + 1;
                    } else if (c === this.cr) {
                        st = F_CR_AFTER_QUOTE;
                    } else {
                        this.stopAt = i;
                        return MALFORMED;
                    }
                    break;
                case F_CR_AFTER_QUOTE:
                    if (c === eol) {
                        this.fstate = F_START;
                        return i + 1;
                    }
                    this.stopAt = i;
                    return MALFORMED;
            }
        }
        this.fstate = st;
        return NEED_MORE;
    }

    // ---- CSV -------------------------------------------------------------------------------------------------------

    /**
     * Scans one record starting at pos, not reading at or past limit. Returns the index after its line end (or limit
     * at the end of input), NEED_MORE if it does not end before limit, UNCLOSED for a quoted field still open at the
     * end of input, MALFORMED for text after a closing quote. Fields go to fs/fe/ff: flag 0 plain, 1 quoted (range is
     * the inside), 2 quoted with doubled quotes (range is raw, from the opening quote to the closing one); recLines
     * counts the line ends inside quoted fields. `safe` is the index of a line end before limit (or -1): an unquoted
     * field that starts at or before it ends by it, so that scan needs no limit check.
     */
    protected scanRecord(buf: Uint8Array, pos: number, limit: number, eof: boolean, safe: number): number {
        const d = this.delim;
        const eol = this.eol;
        const cr = this.cr;
        const q = this.quote;
        const fs = this.fs;
        const fe = this.fe;
        const ff = this.ff;
        const fh = this.fh;
        const cap = fs.length;
        let i = pos;
        let nf = 0;
        let lines = 0;
        for (;;) {
            if (i < limit && buf[i] === q) {
                const qs = i;
                i++;
                let flag = 1;
                let closed = -1;
                for (;;) {
                    if (i >= limit) {
                        this.recLines = lines;
                        return eof ? UNCLOSED : NEED_MORE;
                    }
                    const c = buf[i];
                    if (c === QUOTE) {
                        if (i + 1 >= limit) {
                            if (!eof) {
                                this.recLines = lines;
                                return NEED_MORE;
                            }
                            closed = i;
                            i++;
                            break;
                        }
                        if (buf[i + 1] === QUOTE) {
                            flag = 2;
                            i += 2;
                            continue;
                        }
                        closed = i;
                        i++;
                        break;
                    }
                    if (c === eol) {
                        lines++;
                    }
                    i++;
                }
                let s = qs + 1;
                let e = closed;
                let h = 0;
                if (flag === 2) {
                    s = qs;
                    e = closed + 1;
                } else {
                    h = laneHash(buf, s, e);
                }
                this.recLines = lines;
                if (i >= limit) {
                    // eof right after the closing quote
                    if (nf < cap) {
                        fs[nf] = s;
                        fe[nf] = e;
                        ff[nf] = flag;
                        fh[nf] = h;
                    }
                    this.nf = nf + 1;
                    return limit;
                }
                const c = buf[i];
                if (c === d) {
                    if (nf < cap) {
                        fs[nf] = s;
                        fe[nf] = e;
                        ff[nf] = flag;
                        fh[nf] = h;
                    }
                    nf++;
                    i++;
                    continue;
                }
                if (c === eol || (c === cr && i + 1 < limit && buf[i + 1] === eol)) {
                    if (nf < cap) {
                        fs[nf] = s;
                        fe[nf] = e;
                        ff[nf] = flag;
                        fh[nf] = h;
                    }
                    this.nf = nf + 1;
                    return c === eol ? i + 1 : i + 2;
                }
                if (c === cr && i + 1 >= limit && !eof) {
                    return NEED_MORE;
                }
                // Text after the closing quote: not RFC 4180 (and the sign of a stray quote).
                this.stopAt = i;
                return MALFORMED;
            }
            const s = i;
            let c = 0;
            let h: number;
            if (i <= safe) {
                // Two-lane FNV-1a (see laneHash), unrolled by two bytes.
                let ha = FNV_SEED;
                let hb = FNV_SEED_B;
                for (;;) {
                    c = buf[i];
                    if (c === d || c === eol) {
                        break;
                    }
                    ha = Math.imul(ha ^ c, FNV_PRIME);
                    i++;
                    c = buf[i];
                    if (c === d || c === eol) {
                        break;
                    }
                    hb = Math.imul(hb ^ c, FNV_PRIME);
                    i++;
                }
                h = joinLanes(ha, hb);
            } else {
                // A field that may reach the limit (the last record of a chunk, a carried record): rare, so plainly.
                while (i < limit) {
                    c = buf[i];
                    if (c === d || c === eol) {
                        break;
                    }
                    i++;
                }
                h = laneHash(buf, s, i);
            }
            if (i >= limit) {
                this.recLines = lines;
                if (!eof) {
                    return NEED_MORE;
                }
                if (nf < cap) {
                    fs[nf] = s;
                    fe[nf] = limit;
                    ff[nf] = 0;
                    fh[nf] = h;
                }
                this.nf = nf + 1;
                return limit;
            }
            if (nf < cap) {
                fs[nf] = s;
                if (c === eol && i > s && buf[i - 1] === cr) {
                    fe[nf] = i - 1;
                    fh[nf] = laneHash(buf, s, i - 1);
                } else {
                    fe[nf] = i;
                    fh[nf] = h;
                }
                ff[nf] = 0;
            }
            nf++;
            i++;
            if (c === d) {
                continue;
            }
            this.nf = nf;
            this.recLines = lines;
            return i;
        }
    }
}
