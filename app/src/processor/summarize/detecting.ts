/**
 * Format detection from the first bytes (BOM, encoding, binary, line ends, delimiter, header, leading blank lines),
 * and the public write/end of the incremental core.
 */

import { detectDelimiter, detectHeader, detectLineEnding, firstNonSpace, isOneColumn, LineEnding, looksBinary, parseRecords, wideEncoding } from "./detect";
import { FileSummary, InputError } from "./types";
import { Summarizer, detectionEnd } from "./scan-state";
import * as scanState from "./scan-state";
import { RecordSummarizer } from "./records";
// The constants this module's hot code uses, bound here: see the note in scan-state.ts.
const { DETECT_LINES, DETECT_MIN_BYTES, DETECT_MAX_BYTES, MAX_LEADING_SPACE, PROGRESS_EVERY, LF, CR, QUOTE } = scanState;

export abstract class DetectingSummarizer extends RecordSummarizer implements Summarizer {
    write(chunk: Buffer): void {
        if (this.ended) {
            throw new Error("write after end");
        }
        const n = chunk.length;
        if (n === 0 || this.exitAt >= 0) {
            return;
        }
        const at = this.bytes;
        this.bytes += n;
        if (!this.detected) {
            this.prefix.push(Buffer.from(chunk));
            this.prefixLen += n;
            for (const end of [LF, CR]) {
                let i = -1;
                while (this.prefixLines < DETECT_LINES && (i = chunk.indexOf(end, i + 1)) >= 0) {
                    this.prefixLines++;
                }
            }
            if (this.prefixLen >= DETECT_MAX_BYTES || (this.prefixLen >= DETECT_MIN_BYTES && this.prefixLines >= DETECT_LINES)) {
                this.detect(false);
            }
        } else {
            this.base = at;
            this.process(chunk, 0);
        }
        if (this.onProgress && this.bytes - this.lastProgress >= PROGRESS_EVERY) {
            this.lastProgress = this.bytes;
            this.onProgress({ rows: this.rows, bytes: this.bytes });
        }
    }

    end(): FileSummary {
        if (this.ended) {
            throw new Error("end called twice");
        }
        if (!this.detected) {
            this.detect(true);
        }
        this.ended = true;
        this.finishCarry();
        if (this.onProgress) {
            this.onProgress({ rows: this.rows, bytes: this.bytes });
        }
        const bad = this.bad.state();
        const summary: FileSummary = {
            format: this.format,
            compression: "none",
            lineEnding: this.lineEnding,
            header: this.header,
            rows: this.rows,
            bytes: this.bytes,
            columns: this.columns.map((c) => c.summary(this.rows)),
            badRows: bad,
            accounting: {
                lines: this.line - 1,
                blankLines: this.blank,
                headerRecords: this.headerRecords,
                records: this.rows + bad.count,
                rows: this.rows,
                badRows: bad.count,
            },
        };
        if (this.format !== "jsonl") {
            summary.delimiter = this.delimiter;
            summary.quotes = this.quotes;
        }
        return summary;
    }

    // ---- detection -------------------------------------------------------------------------------------------------

    protected detect(eof: boolean): void {
        const buf = this.prefix.length === 1 ? this.prefix[0] : Buffer.concat(this.prefix, this.prefixLen);
        this.prefix = [];
        this.prefixLen = 0;
        this.prefixLines = 0;
        let off = 0;
        if (!this.bomChecked) {
            if (buf.length < 3 && !eof && buf.length > 0 && buf[0] === 0xef) {
                this.prefix.push(buf);
                this.prefixLen = buf.length;
                return;
            }
            this.bomChecked = true;
            if (buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) {
                off = 3;
            }
        }
        const len = buf.length;
        const first = firstNonSpace(buf, off, len);
        if (first < 0) {
            if (eof) {
                throw new InputError("empty", "the input is empty (nothing but whitespace)");
            }
            this.leadingSpace(buf, off, len);
            return;
        }
        // Whitespace-only lines before the first record are blank lines.
        off = this.blankLinesBefore(buf, off, first);
        // Detection reads a span that does not depend on how the input was chunked.
        const cut = detectionEnd(buf, off, len, eof);
        if (cut < 0) {
            this.prefix.push(buf.subarray(off));
            this.prefixLen = len - off;
            for (let i = off; i < len; i++) {
                if (buf[i] === LF || buf[i] === CR) {
                    this.prefixLines++;
                }
            }
            return;
        }
        const wide = wideEncoding(buf, off, cut);
        if (wide !== undefined) {
            throw new InputError(
                wide.startsWith("UTF-16") ? "utf-16" : "utf-32",
                `the input is ${wide} text, not UTF-8; convert it to UTF-8 (e.g. iconv -f ${wide} -t UTF-8) and upload it again`,
            );
        }
        if (looksBinary(buf, off, cut)) {
            throw new InputError("binary", "the input looks binary (NUL or control bytes in the first 4 KiB), not CSV, TSV or JSON Lines");
        }
        const opt = this.options;
        const fmt = opt.format ?? "auto";
        const jsonl = fmt === "jsonl" || (fmt === "auto" && buf[first] === 0x7b);
        const whole = eof && cut === len;
        this.setLineEnding(this.firstLineEnding(detectLineEnding(buf, off, cut, whole, !jsonl)));
        this.countLeadingBlank();
        if (jsonl) {
            this.format = "jsonl";
            this.header = false;
        } else {
            const eolText = this.eol === CR ? "\r" : "\n";
            const lastEol = buf.lastIndexOf(this.eol, cut - 1);
            const complete = whole || lastEol < off;
            const text = buf.toString("utf8", off, complete ? cut : lastEol + 1);
            // Quotes are data in TSV unless asked for.
            const quotesFor = (d: string): boolean => opt.quotes ?? (fmt === "csv" || (fmt === "auto" && d !== "\t"));
            let d = opt.delimiter;
            if (d === undefined) {
                d = fmt === "tsv" ? "\t" : detectDelimiter(text, complete, eolText, quotesFor);
                if (d === undefined) {
                    if (fmt === "csv" || isOneColumn(parseRecords(text, ",", quotesFor(","), eolText, 21, complete))) {
                        d = ",";
                    } else {
                        throw new InputError(
                            "not-delimited",
                            "no consistent delimiter (, ; TAB |) in the first lines; not CSV/TSV (set the delimiter to read a one-column file)",
                        );
                    }
                }
            }
            this.delimiter = d;
            this.delim = d.charCodeAt(0);
            this.format = fmt === "csv" || fmt === "tsv" ? fmt : d === "\t" ? "tsv" : "csv";
            this.quotes = opt.quotes ?? this.format !== "tsv";
            this.quote = this.quotes ? QUOTE : -1;
            this.header = opt.header ?? detectHeader(parseRecords(text, d, this.quotes, eolText, 21, complete));
        }
        this.detected = true;
        // The prefix is the latest bytes written.
        this.base = this.bytes - len;
        this.process(buf, off);
    }

    /**
     * The lines before the one holding `first` are whitespace only: blank lines, counted (as LF and lone-CR line ends
     * until the style is known, see countLeadingBlank). Returns where the line of `first` starts.
     */
    protected blankLinesBefore(buf: Buffer, off: number, first: number): number {
        let start = off;
        for (let i = off; i < first; i++) {
            const c = buf[i];
            if (c === LF) {
                this.leadingLf++;
                this.leadingStyle ??= i > off && buf[i - 1] === CR ? "crlf" : "lf";
                start = i + 1;
            } else if (c === CR && buf[i + 1] !== LF) {
                this.leadingCr++;
                this.leadingStyle ??= "cr";
                start = i + 1;
            }
        }
        return start;
    }

    /**
     * The file's style is that of its first line end, which may end a leading blank line: LF or CRLF there makes a
     * lone CR later data; a lone CR there and LF in the first record is a mix.
     */
    protected firstLineEnding(detected: LineEnding): LineEnding {
        const leading = this.leadingStyle;
        if (leading === undefined || (leading === "cr" && detected === "cr")) {
            return detected;
        }
        if (leading !== "cr") {
            return leading;
        }
        if (detected === "none") {
            return "cr";
        }
        throw new InputError(
            "mixed-line-endings",
            `the first lines mix line endings: ${this.leadingCr} blank line(s) end in a lone CR (old Mac) and the first record in LF or CRLF; convert the file to one style (e.g. with mac2unix or dos2unix)`,
        );
    }

    /** Once the line-end style is known: the leading blank lines are those that end in it. */
    protected countLeadingBlank(): void {
        const n = this.eol === CR ? this.leadingCr : this.leadingLf;
        this.line += n;
        this.blank += n;
    }

    /**
     * Only whitespace so far: its lines are blank; the unfinished last line is kept to prefix the first record (up to
     * MAX_LEADING_SPACE bytes, beyond which it is dropped), and detection waits for more.
     */
    protected leadingSpace(buf: Buffer, off: number, len: number): void {
        let last = off - 1;
        for (let i = off; i < len; i++) {
            const c = buf[i];
            if (c === LF) {
                this.leadingLf++;
                this.leadingStyle ??= i > off && buf[i - 1] === CR ? "crlf" : "lf";
                last = i;
            } else if (c === CR && i + 1 < len && buf[i + 1] !== LF) {
                this.leadingCr++;
                this.leadingStyle ??= "cr";
                last = i;
            }
        }
        const rest = buf.subarray(last + 1);
        if (rest.length > 0 && rest.length <= MAX_LEADING_SPACE) {
            this.prefix.push(rest);
            this.prefixLen = rest.length;
        }
    }
}
