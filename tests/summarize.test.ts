import { strict as assert } from "assert";
import * as zlib from "zlib";
import { AbortedError, createSummarizer, FileSummary, InputError, summarizeStream, SummaryOptions } from "../app/src/processor/summarize";

function toBuf(input: string | Buffer): Buffer {
    return typeof input === "string" ? Buffer.from(input, "utf8") : input;
}

/** Runs the core over the input in chunks of `chunk` bytes (one chunk by default). */
function summarize(input: string | Buffer, options?: SummaryOptions, chunk?: number): FileSummary {
    const buf = toBuf(input);
    const s = createSummarizer(options);
    const size = chunk ?? Math.max(buf.length, 1);
    for (let i = 0; i < buf.length; i += size) {
        s.write(buf.subarray(i, i + size));
    }
    return s.end();
}

/** Runs the core over the input split at the given offsets. */
function summarizeSplit(input: Buffer, cuts: number[], options?: SummaryOptions): FileSummary {
    const s = createSummarizer(options);
    let prev = 0;
    for (const c of [...cuts, input.length]) {
        s.write(input.subarray(prev, c));
        prev = c;
    }
    return s.end();
}

function col(summary: FileSummary, name: string) {
    const c = summary.columns.find((x) => x.name === name);
    assert.ok(c, `no column ${name} in ${summary.columns.map((x) => x.name).join(",")}`);
    return c;
}

function inputError(fn: () => unknown, code: string): void {
    assert.throws(fn, (e: unknown) => e instanceof InputError && e.code === code);
}

async function* chunksOf(buf: Buffer, size: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < buf.length; i += size) {
        yield buf.subarray(i, i + size);
    }
}

async function rejectsWith(p: Promise<unknown>, check: (e: unknown) => boolean): Promise<void> {
    await assert.rejects(p, (e: unknown) => {
        assert.ok(check(e), `unexpected error: ${String(e)}`);
        return true;
    });
}

describe("summarize: CSV", () => {
    const csv = "id,price,active,created,name\n1,9.5,true,2026-11-23,alpha\n2,10,FALSE,2026-11-24T10:00:00Z,beta\n3,,true,,alpha\n";

    it("summarises a small CSV with a header", () => {
        const s = summarize(csv);
        assert.equal(s.format, "csv");
        assert.equal(s.delimiter, ",");
        assert.equal(s.compression, "none");
        assert.equal(s.header, true);
        assert.equal(s.rows, 3);
        assert.equal(s.bytes, Buffer.byteLength(csv));
        assert.deepEqual(
            s.columns.map((c) => [c.name, c.type]),
            [
                ["id", "integer"],
                ["price", "float"],
                ["active", "boolean"],
                ["created", "timestamp"],
                ["name", "string"],
            ],
        );
        const id = col(s, "id");
        assert.deepEqual([id.min, id.max, id.mean, id.nonEmpty, id.empty, id.distinctApprox], [1, 3, 2, 3, 0, 3]);
        assert.deepEqual(id.samples, ["1", "2", "3"]);
        const price = col(s, "price");
        assert.deepEqual([price.min, price.max, price.mean, price.nonEmpty, price.empty], [9.5, 10, 9.75, 2, 1]);
        const created = col(s, "created");
        assert.deepEqual([created.min, created.max, created.mean], ["2026-11-23", "2026-11-24T10:00:00Z", undefined]);
        const name = col(s, "name");
        assert.deepEqual(name.samples, ["alpha", "beta"]);
        assert.equal(name.distinctApprox, 2);
        assert.equal(name.min, undefined);
        assert.equal(col(s, "active").min, undefined);
        assert.deepEqual(s.badRows, { count: 0, first: [], byReason: {} });
        assert.deepEqual(s.accounting, { lines: 4, blankLines: 0, headerRecords: 1, records: 3, rows: 3, badRows: 0 });
        assert.equal(s.lineEnding, "lf");
        assert.equal(s.quotes, true);
    });

    it("handles quoted fields: delimiters, doubled quotes, embedded LF and CRLF", () => {
        const input = 'a,b,c\n"x, y","say ""hi""","line1\nline2"\n"p\r\nq",2,""\n3,"",z\n';
        const s = summarize(input);
        assert.equal(s.rows, 3);
        assert.deepEqual(col(s, "a").samples, ["x, y", "p\r\nq", "3"]);
        assert.deepEqual(col(s, "b").samples, ['say "hi"', "2"]);
        assert.deepEqual(col(s, "c").samples, ["line1\nline2", "z"]);
        assert.equal(col(s, "b").empty, 1);
        assert.equal(col(s, "c").empty, 1);
        assert.equal(col(s, "b").type, "string");
    });

    it("keeps summarisers fed chunk by chunk in turn apart (records spanning chunks, different layouts)", () => {
        const inputs = [
            Buffer.from('a,b,c\n"x, y","say ""hi""","line1\nline2"\n1,2,3\n4,"5",six\n'),
            Buffer.from("k\tv\n1\talpha\n2\t\"be\ttab\"\n3\tgamma\n"),
            Buffer.from('{"id": 1, "name": "one"}\n{"id": 2, "tags": "x,y"}\n{"id": 3}\n'),
        ];
        const summarisers = inputs.map(() => createSummarizer());
        for (let at = 0; inputs.some((b) => at < b.length); at += 5) {
            inputs.forEach((b, i) => at < b.length && summarisers[i].write(b.subarray(at, at + 5)));
        }
        inputs.forEach((b, i) => assert.deepEqual(summarisers[i].end(), summarize(b), `input ${i}`));
    });

    it("reads a quote inside an unquoted field as data, and text after a closing quote as a bad row", () => {
        const s = summarize('a,b\nx,ab"c\n"x"y,2\n1,2\n');
        assert.deepEqual(col(s, "a").samples, ["x", "1"]);
        assert.deepEqual(col(s, "b").samples, ['ab"c', "2"]);
        assert.deepEqual(s.badRows.first, [{ line: 3, code: "text-after-quote", reason: "text after a closing quote" }]);
        assert.equal(s.rows, 2);
    });

    it("reads CRLF line ends and strips a UTF-8 BOM", () => {
        const input = "\uFEFFname,n\r\nä,1\r\nb,2\r\n";
        const s = summarize(input);
        assert.deepEqual(
            s.columns.map((c) => c.name),
            ["name", "n"],
        );
        assert.deepEqual(col(s, "name").samples, ["ä", "b"]);
        assert.equal(col(s, "n").type, "integer");
        assert.equal(col(s, "n").max, 2);
    });

    it("reads a last row without a trailing newline and skips blank lines", () => {
        const s = summarize("a,b\n\n1,2\n\r\n3,4");
        assert.equal(s.rows, 2);
        assert.equal(col(s, "b").max, 4);
        assert.equal(s.badRows.count, 0);
    });

    it("detects TSV, semicolon and pipe delimiters", () => {
        const tsv = summarize("a\tb\n1\tx,y\n2\tz\n");
        assert.equal(tsv.format, "tsv");
        assert.equal(tsv.delimiter, "\t");
        assert.deepEqual(col(tsv, "b").samples, ["x,y", "z"]);
        const semi = summarize("a;b;c\n1,5;2;3\n4;5;6\n");
        assert.equal(semi.delimiter, ";");
        assert.equal(semi.columns.length, 3);
        assert.equal(col(semi, "a").type, "string");
        const pipe = summarize("a|b\n1|2\n3|4\n");
        assert.equal(pipe.delimiter, "|");
        assert.equal(col(pipe, "b").mean, 3);
    });

    it("ignores delimiters inside quotes when detecting", () => {
        const s = summarize('a;b\n"1,2,3";x\n"4,5";y\n');
        assert.equal(s.delimiter, ";");
        assert.deepEqual(col(s, "a").samples, ["1,2,3", "4,5"]);
    });

    it("honours forced format, delimiter and header", () => {
        const s = summarize("1;2\n3;4\n", { format: "csv", delimiter: ";", header: false });
        assert.equal(s.format, "csv");
        assert.equal(s.header, false);
        assert.deepEqual(
            s.columns.map((c) => c.name),
            ["column_1", "column_2"],
        );
        assert.equal(s.rows, 2);
        const tsv = summarize("a\tb\n1\t2\n", { format: "tsv" });
        assert.equal(tsv.delimiter, "\t");
        assert.equal(tsv.format, "tsv");
        assert.throws(() => createSummarizer({ delimiter: ",," }), RangeError);
    });

    it("reads a single-column file when the delimiter is given", () => {
        const s = summarize("value\n1\n2\n3\n", { delimiter: "," });
        assert.equal(s.rows, 3);
        assert.equal(col(s, "value").type, "integer");
        assert.equal(col(s, "value").mean, 2);
    });

    it("names empty header fields column_N", () => {
        const s = summarize("a,,c\n1,2,3\n");
        assert.deepEqual(
            s.columns.map((c) => c.name),
            ["a", "column_2", "c"],
        );
    });

    it("uses a stable running sum for the mean", () => {
        const s = summarize("v\n1e16\n1\n-1e16\n1\n", { delimiter: "," });
        assert.equal(col(s, "v").type, "float");
        assert.equal(col(s, "v").mean, 0.5);
    });

    it("reports only a header row as zero rows", () => {
        const s = summarize("a,b\n");
        assert.equal(s.rows, 0);
        assert.equal(s.header, true);
        assert.deepEqual(
            s.columns.map((c) => [c.name, c.type, c.nonEmpty, c.empty, c.distinctApprox]),
            [
                ["a", "empty", 0, 0, 0],
                ["b", "empty", 0, 0, 0],
            ],
        );
    });

    it("keeps samples to sampleSize distinct values", () => {
        const s = summarize("k,v\na,1\nb,1\na,1\nc,1\nd,1\n", { sampleSize: 3 });
        assert.deepEqual(col(s, "k").samples, ["a", "b", "c"]);
        assert.deepEqual(col(s, "v").samples, ["1"]);
        assert.deepEqual(col(summarize("k,v\na,1\n", { sampleSize: 0 }), "k").samples, []);
    });

    it("estimates distinct counts with HyperLogLog", () => {
        const lines = ["id,mod"];
        for (let i = 0; i < 50000; i++) {
            lines.push(`${i},${i % 1000}`);
        }
        const s = summarize(lines.join("\n") + "\n", undefined, 65536);
        const id = col(s, "id").distinctApprox;
        assert.ok(Math.abs(id - 50000) / 50000 < 0.03, `id distinct ${id}`);
        const mod = col(s, "mod").distinctApprox;
        assert.ok(Math.abs(mod - 1000) <= 10, `mod distinct ${mod}`);
    });

    it("never modifies the input buffers", () => {
        const input = Buffer.from('\uFEFFa,b\r\n"x ""q""",1\r\n2,3\n', "utf8");
        const copy = Buffer.from(input);
        summarize(input, undefined, 3);
        summarize(input);
        assert.deepEqual(input, copy);
    });
});

describe("summarize: chunk boundaries", () => {
    const tricky = Buffer.from(
        '\uFEFFid,"na,me",note,when\r\n' +
            '1,"a ""b"" c","x\r\ny",2026-11-23T10:00:00Z\r\n' +
            '2,é😀,"",2026-11-23 10:00:00.123+01:00\r\n' +
            "3,plain,\"q\"\"\",2026-11-24\n" +
            '4,"multi\nline\nfield",z,\n' +
            "5,ragged\n" +
            '6,"end",x,2026-11-25T00:00Z',
        "utf8",
    );

    it("gives the one-chunk result for every two-chunk split", () => {
        const whole = summarize(tricky);
        assert.equal(whole.rows, 5);
        assert.deepEqual(whole.badRows.first, [{ line: 9, code: "field-count", reason: "expected 4 fields, got 2" }]);
        for (let cut = 0; cut <= tricky.length; cut++) {
            assert.deepEqual(summarizeSplit(tricky, [cut]), whole, `split at ${cut}`);
        }
    });

    it("gives the one-chunk result for three-chunk splits and one-byte chunks", () => {
        const whole = summarize(tricky);
        for (let a = 0; a <= tricky.length; a += 3) {
            for (let b = a; b <= tricky.length; b += 5) {
                assert.deepEqual(summarizeSplit(tricky, [a, b]), whole, `split at ${a},${b}`);
            }
        }
        assert.deepEqual(summarize(tricky, undefined, 1), whole);
    });

    it("gives the one-chunk result for JSON Lines at every split", () => {
        const jsonl = Buffer.from('{"a":1,"b":"x"}\r\n{"a":2.5,"c":{"d":[1]}}\nnot json\n{"b":"é😀"}\n[1]\n{"a":3}', "utf8");
        const whole = summarize(jsonl);
        for (let cut = 0; cut <= jsonl.length; cut++) {
            assert.deepEqual(summarizeSplit(jsonl, [cut]), whole, `split at ${cut}`);
        }
    });

    it("gives the one-chunk result with a small maxLineBytes at every split", () => {
        const input = Buffer.from('a,b\n1,2\n"long long long",x\n3,"4\n5"\n7,8\n123456789,9\n', "utf8");
        const options = { maxLineBytes: 10 };
        const whole = summarize(input, options);
        assert.deepEqual(whole.badRows.first, [
            { line: 3, code: "line-too-long", reason: "line longer than 10 bytes" },
            { line: 7, code: "line-too-long", reason: "line longer than 10 bytes" },
        ]);
        assert.equal(whole.rows, 3);
        for (let cut = 0; cut <= input.length; cut++) {
            assert.deepEqual(summarizeSplit(input, [cut], options), whole, `split at ${cut}`);
        }
        assert.deepEqual(summarize(input, options, 1), whole);
    });
});

describe("summarize: header detection", () => {
    it("takes a text row over numeric rows as a header", () => {
        assert.equal(summarize("a,b\n1,2\n3,4\n").header, true);
    });
    it("takes a text field over a typed column as a header", () => {
        assert.equal(summarize("name,active\nbob,true\nann,false\n").header, true);
    });
    it("takes a first row of typed values like the rest as data", () => {
        const s = summarize("1,x\n2,y\n3,z\n");
        assert.equal(s.header, false);
        assert.equal(s.rows, 3);
        assert.deepEqual(
            s.columns.map((c) => c.name),
            ["column_1", "column_2"],
        );
        assert.equal(col(s, "column_1").min, 1);
    });
    it("takes a first row whose types do not fit the rows below as a header", () => {
        assert.equal(summarize("true,x\n1,y\n2,z\n").header, true);
        assert.equal(summarize("when,n\n2026-11-23,1\n2026-11-24,2\n").header, true);
    });
    it("assumes a header without evidence", () => {
        assert.equal(summarize("a,b\nc,d\ne,f\n").header, true);
        assert.equal(summarize("a,b\n").header, true);
    });
    it("can be forced", () => {
        const s = summarize("a,b\n1,2\n", { header: false });
        assert.equal(s.header, false);
        assert.equal(s.rows, 2);
        assert.equal(col(s, "column_1").type, "string");
    });
});

describe("summarize: type inference", () => {
    function typeOf(values: string[]): string {
        return summarize("v\n" + values.join("\n") + "\n", { delimiter: ",", header: true }).columns[0].type;
    }
    it("recognises integers, including -0, +1 and leading zeros", () => {
        assert.equal(typeOf(["-0", "+1", "01", "123456789012345678901"]), "integer");
        const s = summarize("v\n-0\n01\n-5\n", { delimiter: "," });
        assert.deepEqual([col(s, "v").min, col(s, "v").max], [-5, 1]);
    });
    it("recognises floats: 1e3, .5, 1., -2.5E-3; integers widen to float", () => {
        assert.equal(typeOf(["1e3"]), "float");
        assert.equal(typeOf([".5", "1.", "-2.5E-3", "7"]), "float");
        const s = summarize("v\n1e3\n.5\n-2.5E-3\n", { delimiter: "," });
        assert.deepEqual([col(s, "v").min, col(s, "v").max], [-0.0025, 1000]);
        assert.equal(col(summarize("v\n0.1\n0.2\n", { delimiter: "," }), "v").max, 0.2);
        assert.equal(col(summarize("v\n123456.7890123456789\n", { delimiter: "," }), "v").max, 123456.7890123456789);
    });
    it("does not take malformed numbers as numbers", () => {
        for (const v of ["-", "+", ".", "1e", "1e+", "1.2.3", "0x10", " 1", "1 ", "NaN", "Infinity", "1e999", "--1"]) {
            assert.equal(typeOf([v]), "string", v);
        }
    });
    it("recognises booleans in any case", () => {
        assert.equal(typeOf(["TRUE", "false", "True", "fAlSe"]), "boolean");
        assert.equal(typeOf(["true", "yes"]), "string");
        assert.equal(typeOf(["true", "1"]), "string");
    });
    it("recognises ISO-8601 dates and date-times", () => {
        assert.equal(typeOf(["2026-11-23", "2026-11-23T10:00:00Z", "2026-11-23 10:00:00.123+01:00", "2026-11-23T10:00", "2024-02-29T23:59:60-0530"]), "timestamp");
        for (const v of ["2026-13-01", "2026-02-30", "2025-02-29", "2026-11-23T25:00:00", "2026-11-23X10:00", "2026-11-23T10:00:00+", "26-11-23", "2026/11/23"]) {
            assert.equal(typeOf([v]), "string", v);
        }
    });
    it("orders timestamps by instant, reporting the input text", () => {
        const s = summarize("t\n2026-11-23T10:00:00+01:00\n2026-11-23T09:30:00Z\n2026-11-23\n", { delimiter: "," });
        assert.equal(col(s, "t").type, "timestamp");
        assert.equal(col(s, "t").min, "2026-11-23");
        assert.equal(col(s, "t").max, "2026-11-23T09:30:00Z");
    });
    it("falls back to string on mixed kinds and reports empty for all-empty", () => {
        assert.equal(typeOf(["1", "2026-11-23"]), "string");
        assert.equal(typeOf(["true", "2026-11-23"]), "string");
        const s = summarize("a,b\n1,\n2,\n");
        assert.equal(col(s, "b").type, "empty");
        assert.equal(col(s, "b").empty, 2);
        assert.equal(col(s, "b").min, undefined);
        assert.equal(col(s, "b").distinctApprox, 0);
    });
});

describe("summarize: JSON Lines", () => {
    it("unions keys in first-seen order and counts missing keys as empty", () => {
        const input = '{"a":1,"b":"x"}\n{"b":"y","c":true,"a":2.5}\n{"d":{"e":[1,2]},"a":null}\n';
        const s = summarize(input);
        assert.equal(s.format, "jsonl");
        assert.equal(s.header, false);
        assert.equal(s.delimiter, undefined);
        assert.equal(s.rows, 3);
        assert.deepEqual(
            s.columns.map((c) => [c.name, c.type, c.nonEmpty, c.empty]),
            [
                ["a", "float", 2, 1],
                ["b", "string", 2, 1],
                ["c", "boolean", 1, 2],
                ["d", "string", 1, 2],
            ],
        );
        assert.deepEqual(col(s, "d").samples, ['{"e":[1,2]}']);
        assert.equal(col(s, "a").mean, 1.75);
    });
    it("types JSON strings as timestamps or strings, never numbers", () => {
        const s = summarize('{"t":"2026-11-23","n":"12"}\n{"t":"2026-11-24T00:00:00Z","n":"13"}\n');
        assert.equal(col(s, "t").type, "timestamp");
        assert.equal(col(s, "t").max, "2026-11-24T00:00:00Z");
        assert.equal(col(s, "n").type, "string");
    });
    it("counts lines that are not JSON objects as bad rows", () => {
        const s = summarize('{"a":1}\n[1,2]\n{"a":\n"str"\nnull\n{"a":2}\n');
        assert.equal(s.rows, 2);
        assert.deepEqual(s.badRows, {
            count: 4,
            first: [
                { line: 2, code: "not-an-object", reason: "not a JSON object" },
                { line: 3, code: "invalid-json", reason: "invalid JSON" },
                { line: 4, code: "not-an-object", reason: "not a JSON object" },
                { line: 5, code: "not-an-object", reason: "not a JSON object" },
            ],
            byReason: { "not-an-object": { count: 3, lines: [2, 4, 5] }, "invalid-json": { count: 1, lines: [3] } },
        });
    });
    it("is detected after a BOM and blank lines, and reads CRLF", () => {
        const s = summarize('\uFEFF\n  \r\n{"a":1}\r\n{"a":2}\r\nnope\r\n');
        assert.equal(s.format, "jsonl");
        assert.equal(s.rows, 2);
        assert.deepEqual(s.badRows.first, [{ line: 5, code: "invalid-json", reason: "invalid JSON" }]);
        assert.deepEqual(s.accounting, { lines: 5, blankLines: 2, headerRecords: 0, records: 3, rows: 2, badRows: 1 });
    });
    it("can be forced even when the first line is not an object", () => {
        const s = summarize('[1]\n{"a":1}\n', { format: "jsonl" });
        assert.equal(s.format, "jsonl");
        assert.equal(s.rows, 1);
        assert.equal(s.badRows.count, 1);
    });
});

describe("summarize: bad rows", () => {
    it("reports ragged rows with 1-based start lines, after multi-line fields", () => {
        const s = summarize('a,b,c\n1,2,3\n"x\ny",2,3\n4,5,6,7\n8,9\n');
        assert.equal(s.rows, 2);
        assert.deepEqual(s.badRows, {
            count: 2,
            first: [
                { line: 5, code: "field-count", reason: "expected 3 fields, got 4" },
                { line: 6, code: "field-count", reason: "expected 3 fields, got 2" },
            ],
            byReason: { "field-count": { count: 2, lines: [5, 6] } },
        });
        assert.deepEqual(s.accounting, { lines: 6, blankLines: 0, headerRecords: 1, records: 4, rows: 2, badRows: 2 });
    });
    it("skips a line longer than maxLineBytes and carries on at the next line", () => {
        const long = "x".repeat(5000);
        const input = `a,b\n1,2\n${long},${long}\n3,4\n`;
        for (const chunk of [undefined, 7, 1000]) {
            const s = summarize(input, { maxLineBytes: 100 }, chunk);
            assert.equal(s.rows, 2);
            assert.deepEqual(s.badRows.first, [{ line: 3, code: "line-too-long", reason: "line longer than 100 bytes" }]);
            assert.equal(col(s, "b").max, 4);
        }
    });
    it("skips to the next newline after an over-long unterminated quote", () => {
        const input = `a,b\n1,"${"y".repeat(300)}\n2,3\n4,5\n`;
        const s = summarize(input, { maxLineBytes: 100 });
        assert.deepEqual(s.badRows.first, [{ line: 2, code: "line-too-long", reason: "line longer than 100 bytes" }]);
        assert.equal(s.rows, 2);
        assert.equal(col(s, "a").min, 2);
    });
    it("uses the default limit of 1048576 bytes", () => {
        const input = `a,b\n1,${"z".repeat(1048577)}\n2,3\n`;
        const s = summarize(input, undefined, 65536);
        assert.deepEqual(s.badRows.first, [{ line: 2, code: "line-too-long", reason: "line longer than 1048576 bytes" }]);
        assert.equal(s.rows, 1);
    });
    it("reports invalid UTF-8", () => {
        const input = Buffer.concat([Buffer.from("a,b\n1,ok\n2,"), Buffer.from([0xc3, 0x28]), Buffer.from("\n3,é\n")]);
        for (const chunk of [undefined, 1, 5]) {
            const s = summarize(input, undefined, chunk);
            assert.equal(s.rows, 2);
            assert.deepEqual(s.badRows.first, [{ line: 3, code: "invalid-utf8", reason: "invalid UTF-8" }]);
        }
    });
    it("reports a quote that never closes as one bad line, and reads the lines after it", () => {
        const s = summarize('a,b\n1,2\n3,"never closed\n4,5\n');
        assert.equal(s.rows, 2);
        assert.deepEqual(s.badRows.first, [
            {
                line: 3,
                code: "unclosed-quote",
                reason: "unclosed quote (a quoted field opens on this line and does not close into a valid record within 1048576 bytes)",
            },
        ]);
        assert.deepEqual(col(s, "a").samples, ["1", "4"]);
    });
    it("counts all bad rows but reports only maxBadRowsReported", () => {
        const lines = ["a,b"];
        for (let i = 0; i < 30; i++) {
            lines.push(i % 2 === 0 ? "1" : "1,2");
        }
        const s = summarize(lines.join("\n"), { delimiter: ",", maxBadRowsReported: 3 });
        assert.equal(s.badRows.count, 15);
        assert.equal(s.rows, 15);
        assert.deepEqual(
            s.badRows.first.map((b) => b.line),
            [2, 4, 6],
        );
        assert.equal(summarize(lines.join("\n"), { delimiter: "," }).badRows.first.length, 10);
    });
});

describe("summarize: input errors", () => {
    it("empty", () => {
        inputError(() => summarize(""), "empty");
        inputError(() => summarize("\uFEFF \r\n\t\n"), "empty");
        inputError(() => summarize(" ".repeat(5000) + "\n".repeat(100)), "empty");
    });
    it("binary", () => {
        inputError(() => summarize(Buffer.from([0x61, 0x2c, 0x62, 0x0a, 0x00, 0x01])), "binary");
        const noise = Buffer.alloc(4096);
        for (let i = 0; i < noise.length; i++) {
            noise[i] = ((i * 7919) % 250) + 1;
        }
        inputError(() => summarize(noise), "binary");
    });
    it("not-delimited", () => {
        inputError(() => summarize("just some words\nand more words here\nno separators at all\n"), "not-delimited");
        inputError(() => summarize("Dear team,\nthe report is late, sorry, again.\nBest\n"), "not-delimited");
        inputError(() => summarize("just one line of prose"), "not-delimited");
    });
    it("too-many-columns", () => {
        inputError(() => summarize(Array.from({ length: 10001 }, (_, i) => `c${i}`).join(",") + "\n"), "too-many-columns");
        const wide = Array.from({ length: 10000 }, (_, i) => `c${i}`).join(",") + "\n";
        assert.equal(summarize(wide).columns.length, 10000);
        const obj: Record<string, number> = {};
        for (let i = 0; i < 10001; i++) {
            obj[`k${i}`] = i;
        }
        inputError(() => summarize(JSON.stringify(obj) + "\n"), "too-many-columns");
    });
});

describe("summarizeStream", () => {
    const csv = Buffer.from("a,b\n1,x\n2,y\n3,\"z\nw\"\n", "utf8");

    it("summarises a plain stream", async () => {
        const s = await summarizeStream(chunksOf(csv, 4));
        assert.equal(s.compression, "none");
        assert.deepEqual(s, summarize(csv));
    });

    it("summarises gzip, whatever the chunking", async () => {
        const gz = zlib.gzipSync(csv);
        for (const size of [1, 2, 7, gz.length]) {
            const s = await summarizeStream(chunksOf(gz, size));
            assert.equal(s.compression, "gzip");
            assert.deepEqual({ ...s, compression: "none" }, summarize(csv));
        }
        const big = Buffer.from("n,s\n" + Array.from({ length: 100000 }, (_, i) => `${i},v${i % 7}`).join("\n") + "\n");
        const s = await summarizeStream(chunksOf(zlib.gzipSync(big), 65536));
        assert.equal(s.rows, 100000);
        assert.equal(s.bytes, big.length);
    });

    it("fails on truncated and corrupt gzip", async () => {
        const big = Buffer.from("n,s\n" + Array.from({ length: 20000 }, (_, i) => `${i},v${i}`).join("\n") + "\n");
        const gz = zlib.gzipSync(big);
        await rejectsWith(summarizeStream(chunksOf(gz.subarray(0, gz.length - 20), 1000)), (e) => e instanceof InputError && e.code === "truncated-gzip");
        await rejectsWith(summarizeStream(chunksOf(gz.subarray(0, 5), 1000)), (e) => e instanceof InputError && e.code === "truncated-gzip");
        const corrupt = Buffer.from(gz);
        corrupt[2] = 7; // unknown compression method
        await rejectsWith(summarizeStream(chunksOf(corrupt, 1000)), (e) => e instanceof InputError && e.code === "invalid-gzip");
        const garbled = Buffer.from(gz);
        for (let i = 20; i < 60; i++) {
            garbled[i] ^= 0xa5;
        }
        await rejectsWith(summarizeStream(chunksOf(garbled, 1000)), (e) => e instanceof InputError && (e.code === "invalid-gzip" || e.code === "truncated-gzip"));
    });

    it("passes input errors through", async () => {
        await rejectsWith(summarizeStream(chunksOf(Buffer.alloc(0), 1)), (e) => e instanceof InputError && e.code === "empty");
        await rejectsWith(summarizeStream(chunksOf(zlib.gzipSync(Buffer.alloc(0)), 3)), (e) => e instanceof InputError && e.code === "empty");
        await rejectsWith(summarizeStream(chunksOf(Buffer.from([0, 1, 2, 3]), 1)), (e) => e instanceof InputError && e.code === "binary");
    });

    it("passes source errors through", async () => {
        async function* failing(): AsyncGenerator<Buffer> {
            yield Buffer.from("a,b\n1,2\n");
            throw new Error("network reset");
        }
        await rejectsWith(summarizeStream(failing()), (e) => e instanceof Error && e.message === "network reset");
        async function* failingGz(): AsyncGenerator<Buffer> {
            yield zlib.gzipSync(Buffer.from("a,b\n1,2\n")).subarray(0, 10);
            throw new Error("network reset");
        }
        await rejectsWith(summarizeStream(failingGz()), (e) => e instanceof Error && e.message === "network reset");
    });

    it("rejects at once when the signal is already aborted", async () => {
        await rejectsWith(summarizeStream(chunksOf(csv, 4), undefined, AbortSignal.abort()), (e) => e instanceof AbortedError);
    });

    it("stops promptly on abort during a huge input", async () => {
        const block = Buffer.from("a,b,c\n" + "1,2.5,hello\n".repeat(90000));
        let returned = false;
        let controller = new AbortController();
        let pulledAfterAbort = 0;
        const counted = (chunk: Buffer) => {
            if (controller.signal.aborted) {
                pulledAfterAbort++;
            }
            return chunk;
        };
        async function* endless(): AsyncGenerator<Buffer> {
            try {
                for (;;) {
                    yield counted(block);
                }
            } finally {
                returned = true;
            }
        }
        for (const gzip of [false, true]) {
            returned = false;
            pulledAfterAbort = 0;
            controller = new AbortController();
            const source = gzip
                ? (async function* () {
                      const gz = zlib.gzipSync(block);
                      for (;;) {
                          yield counted(gz);
                      }
                  })()
                : endless();
            setTimeout(() => controller.abort(), 150);
            const p = summarizeStream(source, undefined, controller.signal);
            await rejectsWith(p, (e) => e instanceof AbortedError);
            // It stops reading at once: at most the chunk being read when the signal came.
            assert.ok(pulledAfterAbort <= 1, `read ${pulledAfterAbort} chunks after the abort (gzip: ${gzip})`);
            if (!gzip) {
                await new Promise((r) => setTimeout(r, 10));
                assert.equal(returned, true, "the source iterator was closed");
            }
        }
    });

    it("stops promptly on abort while waiting for the source", async () => {
        const stalled: AsyncIterable<Buffer> = {
            [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<Buffer>>(() => undefined) }),
        };
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 20);
        const started = performance.now();
        await rejectsWith(summarizeStream(stalled, undefined, controller.signal), (e) => e instanceof AbortedError);
        assert.ok(performance.now() - started < 200);
    });

    it("reports progress", async () => {
        const big = Buffer.from("n\n" + "1\n".repeat(10 * 1048576));
        const seen: number[] = [];
        const s = await summarizeStream(chunksOf(big, 1048576), { delimiter: ",", onProgress: (p) => seen.push(p.bytes) });
        assert.ok(seen.length >= 1);
        assert.equal(seen[seen.length - 1], s.bytes);
    });
});
