/**
 * A record's fields into column statistics: CSV/TSV records (checks, header, typed values) and JSON Lines objects.
 */
import { isUtf8 } from "node:buffer";
import { Column } from "./columns";
import { firstNonSpace } from "./detect";
import { minifyJson } from "./json";
import * as json from "./json";
import { InputError } from "./types";
import * as values from "./values";
import * as scanState from "./scan-state";
import { Scanner } from "./scanner";
// The constants this module's hot code uses, bound here: see the note in scan-state.ts.
const { J_FALSE, J_NESTED, J_NULL, J_NUMBER, J_STRING, J_TRUE, JSON_INVALID, JSON_NOT_OBJECT } = json;
const { K_STRING } = values;
const { MAX_COLUMNS, QUOTE } = scanState;

export abstract class RecordSummarizer extends Scanner {
    /**
     * A scanned record buf[start, end): checks, then header or data. Returns where the next record starts: end, or,
     * for a quoted field that spans lines without ending a record of the header's width (a stray quote), the line
     * after the record's first (that line is a bad row).
     */
    protected csvRecord(buf: Buffer, start: number, end: number): number {
        const nf = this.nf;
        if (this.recLines > 0 && this.expected >= 0 && nf !== this.expected) {
            return this.badLine(
                buf,
                start,
                "unclosed-quote",
                `unclosed quote (a quoted field spans lines, but the record would have ${nf} fields, not ${this.expected})`,
            );
        }
        const line = this.line;
        this.line += this.recLines + 1;
        const fs = this.fs;
        const fe = this.fe;
        const ff = this.ff;
        if (nf === 1 && ff[0] === 0 && fe[0] === fs[0]) {
            this.blank++;
            return end;
        }
        if (end - start > this.maxLine && this.contentLength(buf, start, end) > this.maxLine) {
            this.bad.add(line, "line-too-long", `line longer than ${this.maxLine} bytes`);
            return end;
        }
        if (!this.utf8Ok && !this.contentOk(buf, start, end, line)) {
            return end;
        }
        if (this.expected < 0) {
            if (nf > MAX_COLUMNS) {
                throw new InputError("too-many-columns", `the first row has ${nf} fields; at most ${MAX_COLUMNS} columns are supported`);
            }
            this.expected = nf;
            this.createColumns(buf, nf);
            if (this.header) {
                this.headerRecords = 1;
                return end;
            }
        }
        if (nf !== this.expected) {
            this.bad.add(line, "field-count", `expected ${this.expected} fields, got ${nf}`);
            return end;
        }
        this.rows++;
        const cols = this.columns;
        const fh = this.fh;
        for (let f = 0; f < nf; f++) {
            const s = fs[f];
            const e = fe[f];
            if (s === e) {
                continue;
            }
            if (ff[f] === 2) {
                const len = this.unescape(buf, s, e);
                if (len > 0) {
                    cols[f].add(this.scratch, 0, len);
                }
            } else {
                cols[f].addHashed(buf, s, e, fh[f]);
            }
        }
        return end;
    }

    /** The length of the record buf[start, end) without its line end. */
    protected contentLength(buf: Buffer, start: number, end: number): number {
        let e = end;
        if (e > start && buf[e - 1] === this.eol) {
            e--;
            if (e > start && buf[e - 1] === this.cr) {
                e--;
            }
        }
        return e - start;
    }

    /** A record's bytes buf[start, end) in a chunk that is not all clean: valid UTF-8 and no NUL, or a bad row. */
    protected contentOk(buf: Buffer, start: number, end: number, line: number): boolean {
        const rec = buf.subarray(start, end);
        if (!isUtf8(rec)) {
            this.bad.add(line, "invalid-utf8", "invalid UTF-8");
            return false;
        }
        if (rec.indexOf(0) >= 0) {
            this.bad.add(line, "nul-byte", "NUL byte (binary data in a text field)");
            return false;
        }
        return true;
    }

    /**
     * The columns, from the first record: named by the header (an empty name is column_N; a repeated one gets _2,
     * _3, … so that names are unique, with the header's text kept as originalName), or column_N without a header.
     */
    protected createColumns(buf: Buffer, nf: number): void {
        const precision = nf <= 1000 ? 14 : 12;
        const used = new Set<string>();
        for (let f = 0; f < nf; f++) {
            const original = this.header ? this.fieldString(buf, f) : "";
            let name = original === "" ? `column_${f + 1}` : original;
            if (used.has(name)) {
                let k = 2;
                while (used.has(`${name}_${k}`)) {
                    k++;
                }
                name = `${name}_${k}`;
            }
            used.add(name);
            const c = new Column(name, this.sampleSize, precision);
            if (this.header && name !== original) {
                c.originalName = original;
            }
            this.columns.push(c);
        }
    }

    protected fieldString(buf: Buffer, f: number): string {
        const s = this.fs[f];
        const e = this.fe[f];
        if (this.ff[f] === 2) {
            const len = this.unescape(buf, s, e);
            return this.scratch.toString("utf8", 0, len);
        }
        return buf.toString("utf8", s, e);
    }

    /** Decodes a raw quoted field buf[s, e) (s at the opening quote) into scratch; returns its length. */
    protected unescape(buf: Uint8Array, s: number, e: number): number {
        if (this.scratch.length < e - s) {
            this.scratch = Buffer.allocUnsafe(Math.max(e - s, 2 * this.scratch.length));
        }
        const out = this.scratch;
        let o = 0;
        let i = s + 1;
        while (i < e) {
            const c = buf[i];
            if (c === QUOTE) {
                if (i + 1 < e && buf[i + 1] === QUOTE) {
                    out[o++] = QUOTE;
                    i += 2;
                    continue;
                }
                i++;
                break;
            }
            out[o++] = c;
            i++;
        }
        while (i < e) {
            out[o++] = buf[i++];
        }
        return o;
    }

    // ---- JSON Lines ------------------------------------------------------------------------------------------------

    protected jsonRecord(buf: Buffer, start: number, end: number): void {
        const line = this.line;
        this.line++;
        let cEnd = end;
        if (cEnd > start && buf[cEnd - 1] === this.eol) {
            cEnd--;
        }
        if (cEnd > start && buf[cEnd - 1] === this.cr) {
            cEnd--;
        }
        if (firstNonSpace(buf, start, cEnd) < 0) {
            this.blank++;
            return;
        }
        if (cEnd - start > this.maxLine) {
            this.bad.add(line, "line-too-long", `line longer than ${this.maxLine} bytes`);
            return;
        }
        if (!this.utf8Ok && !this.contentOk(buf, start, cEnd, line)) {
            return;
        }
        const js = this.json;
        const res = js.scan(buf, start, cEnd);
        if (res === JSON_INVALID) {
            this.bad.add(line, "invalid-json", "invalid JSON");
            return;
        }
        if (res === JSON_NOT_OBJECT) {
            this.bad.add(line, "not-an-object", "not a JSON object");
            return;
        }
        this.rows++;
        const record = ++this.jsonRecords;
        const m = js.count;
        if (this.jsonMembers.length < m) {
            this.jsonMembers = new Int32Array(Math.max(m, 2 * this.jsonMembers.length));
        }
        const members = this.jsonMembers;
        for (let i = 0; i < m; i++) {
            const ks = js.keyStart[i];
            const ke = js.keyEnd[i];
            const key = js.keyEsc[i] ? (JSON.parse(buf.toString("utf8", ks - 1, ke + 1)) as string) : buf.toString("utf8", ks, ke);
            members[i] = this.jsonColumnIndex(key);
        }
        // A key repeated within one object counts once, with its last value (as JSON.parse reads it).
        for (let i = m - 1; i >= 0; i--) {
            const col = this.columns[members[i]];
            if (col.seen === record) {
                continue;
            }
            col.seen = record;
            const s = js.valStart[i];
            const e = js.valEnd[i];
            switch (js.kind[i]) {
                case J_NULL:
                    break;
                case J_STRING:
                    if (s === e) {
                        break;
                    }
                    if (js.valEsc[i]) {
                        col.addText(this.scratch, 0, this.toScratch(JSON.parse(buf.toString("utf8", s - 1, e + 1)) as string));
                    } else {
                        col.addText(buf, s, e);
                    }
                    break;
                case J_NUMBER:
                case J_TRUE:
                case J_FALSE:
                    col.add(buf, s, e);
                    break;
                case J_NESTED:
                    // Kept as its JSON text without whitespace.
                    col.kind = K_STRING;
                    this.ensureScratch(e - s);
                    col.add(this.scratch, 0, minifyJson(buf, s, e, this.scratch));
                    break;
            }
        }
    }

    /** The column index of a JSON Lines key, created if new. */
    protected jsonColumnIndex(key: string): number {
        let idx = this.jsonIndex.get(key);
        if (idx === undefined) {
            idx = this.columns.length;
            if (idx >= MAX_COLUMNS) {
                throw new InputError("too-many-columns", `more than ${MAX_COLUMNS} distinct keys; at most ${MAX_COLUMNS} columns are supported`);
            }
            this.jsonIndex.set(key, idx);
            const c = new Column(key, this.sampleSize, this.jsonPrecision(key, idx));
            if (this.curBlock >= 0) {
                c.startBlock(this.curBlock);
            }
            this.columns.push(c);
        }
        return idx;
    }

    protected ensureScratch(n: number): void {
        if (this.scratch.length < n) {
            this.scratch = Buffer.allocUnsafe(Math.max(n, 2 * this.scratch.length));
        }
    }

    protected toScratch(s: string): number {
        this.ensureScratch(s.length * 3);
        return this.scratch.write(s, 0, "utf8");
    }

    protected jsonPrecision(key: string, idx: number): number {
        if (this.jsonP14 === null) {
            return idx < 1000 ? 14 : 12;
        }
        return this.jsonP14.has(key) || this.jsonKnown < 1000 ? 14 : 12;
    }
}
