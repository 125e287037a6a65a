import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import { parse as csvParse } from "csv-parse/sync";
import fc from "fast-check";
import * as fs from "fs";
import * as path from "path";
import { createSummarizer, FileSummary, InputError, summarizeStream, SummaryOptions } from "../app/src/processor/summarize";
import { looksBinary } from "../app/src/processor/summarize/detect";
import { transpiledWorker } from "../app/src/transpile";
import { referenceStats } from "./support/summary-reference";
import { chunksOf, summarizeCut as run } from "./support/summarize-run";

// Every record is accounted for: records = rows + bad rows, every physical line is a blank line, the header or part of
// exactly one record, and a stray quote costs the record it is in, never the ones after it. Checked on hostile inputs
// (regressions), on the fixtures in tests/fixtures/summarize, and on generated input against csv-parse, with one
// thread and with two threads over small blocks.

const FIXTURES = path.join(__dirname, "fixtures", "summarize");

/** The core over the input in chunks of `chunk` bytes (one chunk by default). */
function serial(input: string | Buffer, options?: SummaryOptions, chunk?: number): FileSummary {
    const buf = typeof input === "string" ? Buffer.from(input, "utf8") : input;
    const s = createSummarizer(options);
    const size = chunk ?? Math.max(buf.length, 1);
    for (let i = 0; i < buf.length; i += size) {
        s.write(buf.subarray(i, i + size));
    }
    return s.end();
}

/** Two threads over small blocks (workers start at once). */
function twoThreads(buf: Buffer, options: SummaryOptions = {}, block = 4096, chunk = 65536): Promise<FileSummary> {
    return summarizeStream(chunksOf(buf, chunk), { parallelism: 2, parallelBlockBytes: block, parallelMinBytes: 0, ...options });
}

/** Physical lines as `wc -l` counts them, plus a last line without a line end. */
function physicalLines(buf: Buffer, lineEnding: FileSummary["lineEnding"]): number {
    const eol = lineEnding === "cr" ? 13 : 10;
    let n = 0;
    for (const b of buf) {
        if (b === eol) {
            n++;
        }
    }
    return buf.length > 0 && buf[buf.length - 1] !== eol ? n + 1 : n;
}

/** The invariants every summary keeps. */
function assertAccounted(s: FileSummary, input: Buffer, what: string): void {
    const a = s.accounting;
    assert.equal(a.records, a.rows + a.badRows, `${what}: records = rows + bad rows`);
    assert.equal(a.rows, s.rows, what);
    assert.equal(a.badRows, s.badRows.count, what);
    assert.equal(a.lines, physicalLines(input, s.lineEnding), `${what}: physical lines`);
    assert.ok(a.lines >= a.records + a.headerRecords + a.blankLines, `${what}: each record, blank line and header takes a line`);
    const byReason = Object.values(s.badRows.byReason);
    assert.equal(
        byReason.reduce((sum, k) => sum + k!.count, 0),
        s.badRows.count,
        `${what}: bad rows by reason add up`,
    );
    for (const c of s.columns) {
        assert.equal(c.nonEmpty + c.empty, s.rows, `${what}: column ${c.name}`);
    }
}

/** Sequential and parallel summaries agree, up to compression and the rounding of the mean. */
function assertSameSummary(par: FileSummary, ser: FileSummary, what: string): void {
    const strip = (s: FileSummary) => ({ ...s, compression: "none", columns: s.columns.map((c) => ({ ...c, mean: undefined })) });
    assert.deepEqual(strip(par), strip(ser), what);
    par.columns.forEach((c, i) => {
        const m = ser.columns[i].mean;
        if (m !== undefined) {
            assert.ok(Math.abs(c.mean! - m) <= 1e-9 * Math.max(1, Math.abs(m)), `${what}: mean of ${c.name}`);
        }
    });
}

function col(s: FileSummary, name: string) {
    const c = s.columns.find((x) => x.name === name);
    assert.ok(c, `no column ${name} in ${s.columns.map((x) => x.name).join(",")}`);
    return c;
}

function rowsWith(n: number, special: Map<number, string>, eol = "\n", delim = ","): Buffer {
    const lines = [["id", "name", "v"].join(delim)];
    for (let i = 1; i <= n; i++) {
        lines.push(special.get(i) ?? [i, `n${i}`, i].join(delim));
    }
    return Buffer.from(lines.join(eol) + eol);
}

describe("summarize: every record accounted for (hostile inputs)", function () {
    this.timeout(120000);

    it("a stray quote in a 200,000-row CSV costs its own row only, with 1 and 2 threads", async () => {
        const input = rowsWith(200000, new Map([[10, '9,"oops,5']]));
        const s = serial(input, undefined, 65536);
        assert.equal(s.rows, 199999);
        assert.equal(s.badRows.count, 1);
        assert.equal(s.badRows.first[0].line, 11);
        assert.equal(s.badRows.first[0].code, "unclosed-quote");
        assert.deepEqual(s.accounting, { lines: 200001, blankLines: 0, headerRecords: 1, records: 200000, rows: 199999, badRows: 1 });
        assert.deepEqual([col(s, "id").min, col(s, "id").max, col(s, "v").max], [1, 200000, 200000]);
        assertSameSummary(await twoThreads(input, {}, 65536), s, "2 threads");
        assertAccounted(s, input, "stray quote");
    });

    it("a stray quote costs its row when a later field or row has quotes too", async () => {
        const input = rowsWith(
            5000,
            new Map([
                [10, '9,"oops,5'],
                [500, '500,"quoted, name",500'],
                [700, '700,"oops,"hello, world"'],
                [701, '701,"a ""quoted"" word",701'],
            ]),
        );
        const s = serial(input);
        assert.equal(s.rows, 4998);
        assert.deepEqual(s.badRows.byReason, { "unclosed-quote": { count: 1, lines: [11] }, "text-after-quote": { count: 1, lines: [701] } });
        assert.deepEqual(col(s, "name").samples.slice(0, 1), ["n1"]);
        assert.equal(col(s, "name").nonEmpty, 4998);
        assertAccounted(s, input, "stray quotes");
        for (const block of [512, 4096]) {
            assertSameSummary(await twoThreads(input, {}, block, 3000), s, `2 threads, blocks of ${block}`);
        }
    });

    it("TSV reads quotes as data by default, and as quoting when asked", () => {
        const input = rowsWith(200000, new Map([[10, '9\t"oops\t5']]), "\n", "\t");
        const s = serial(input, undefined, 65536);
        assert.deepEqual([s.format, s.quotes, s.rows, s.badRows.count], ["tsv", false, 200000, 0]);
        assert.ok(col(s, "name").samples.length === 5 && !col(s, "name").samples.includes('"oops'));
        assert.equal(serial('a\tb\n"x\t1\n', undefined).columns[0].samples[0], '"x');
        const quoted = serial(input, { quotes: true }, 65536);
        assert.deepEqual([quoted.quotes, quoted.rows, quoted.badRows.first[0].line], [true, 199999, 11]);
        assertAccounted(quoted, input, "quoted TSV");
    });

    it("reads old-Mac line ends (lone CR), and CRLF and LF mixed as one style", () => {
        const mac = serial("id,name\r1,x\r2,y\r");
        assert.deepEqual([mac.lineEnding, mac.rows, mac.columns.map((c) => c.name)], ["cr", 2, ["id", "name"]]);
        assert.deepEqual(col(mac, "name").samples, ["x", "y"]);
        assert.equal(mac.accounting.lines, 3);
        const jsonMac = serial('{"a":1}\r{"a":2}\r');
        assert.deepEqual([jsonMac.format, jsonMac.lineEnding, jsonMac.rows], ["jsonl", "cr", 2]);
        const both = serial("a,b\r\n1,2\n3,4\r\n");
        assert.deepEqual([both.lineEnding, both.rows, col(both, "b").max], ["crlf", 2, 4]);
        assert.throws(
            () => serial("a,b\r1,2\n3,4\n"),
            (e: unknown) =>
                e instanceof InputError &&
                e.code === "mixed-line-endings" &&
                e.message === "the first lines mix line endings: 1 end in a lone CR (old Mac) and 2 in LF or CRLF; convert the file to one style (e.g. with mac2unix or dos2unix)",
        );
        // The first line end of the file may end a leading blank line: its style is the file's.
        for (const chunk of [undefined, 1]) {
            const blankFirst = serial("\r\na,b\r\n1,x\ry\r\n2,z\r\n", undefined, chunk);
            assert.deepEqual([blankFirst.lineEnding, blankFirst.rows, blankFirst.accounting.lines, blankFirst.accounting.blankLines], ["crlf", 2, 4, 1]);
            assert.deepEqual(col(blankFirst, "b").samples, ["x\ry", "z"]);
        }
        assert.throws(
            () => serial("\ra,b\n1,2\n"),
            (e: unknown) => e instanceof InputError && e.code === "mixed-line-endings" && /1 blank line\(s\) end in a lone CR/.test(e.message),
        );
    });

    it("summarises a JSON Lines value nested 6,000 deep without a stack overflow", async () => {
        const deep = '{"a":' + "[".repeat(6000) + "1" + "]".repeat(6000) + "}";
        assert.ok(deep.length > 10000);
        const input = Buffer.from(deep + '\n{"a":[1, 2]}\n');
        const s = serial(input);
        assert.deepEqual([s.rows, s.badRows.count, col(s, "a").type, col(s, "a").distinctApprox], [2, 0, "string", 2]);
        assert.equal(col(s, "a").samples[0], deep.slice(5, -1));
        assert.equal(col(s, "a").samples[1], "[1,2]", "nested values are kept as JSON text without whitespace");
        assertSameSummary(await twoThreads(input, {}, 64), s, "2 threads");
        const invalid = serial('{"a":' + "[".repeat(6000) + "]".repeat(5999) + "}\n");
        assert.deepEqual(invalid.badRows.first, [{ line: 1, code: "invalid-json", reason: "invalid JSON" }]);
    });

    it("keeps integers beyond 2^53 exact in min, max and samples (CSV and JSON Lines)", async () => {
        const csv = serial("v\n9007199254740993\n9007199254740992\n-9007199254740995\n12\n");
        const v = col(csv, "v");
        assert.deepEqual([v.type, v.min, v.max], ["integer", "-9007199254740995", "9007199254740993"]);
        assert.deepEqual(v.samples.slice(0, 3), ["9007199254740993", "9007199254740992", "-9007199254740995"]);
        const json = serial('{"v":9007199254740993}\n{"v":9007199254740992}\n{"v":1.5}\n');
        const j = col(json, "v");
        assert.deepEqual([j.type, j.min, j.max, j.samples], ["float", 1.5, "9007199254740993", ["9007199254740993", "9007199254740992", "1.5"]]);
        const small = serial("v\n1\n9007199254740991\n");
        assert.deepEqual([col(small, "v").min, col(small, "v").max], [1, 9007199254740991], "safe integers stay numbers");
        // Ties between threads are decided exactly too.
        const many = ["v", ...Array.from({ length: 4000 }, (_, i) => (i === 3500 ? "9007199254740993" : i === 100 ? "9007199254740992" : String(i)))];
        const text = Buffer.from(many.join("\n") + "\n");
        const par = await twoThreads(text, {}, 256, 1000);
        assert.equal(col(par, "v").max, "9007199254740993");
        assertSameSummary(par, serial(text), "2 threads");
    });

    it("reports a finite mean where the sum overflows a double", async () => {
        const s = serial("v\n1.7e308\n1.7e308\n");
        assert.equal(col(s, "v").mean, 1.7e308);
        const mixed = serial("v\n1.7e308\n1.7e308\n-1.7e308\n1\n");
        assert.ok(Math.abs(col(mixed, "v").mean! - 1.7e308 / 4) <= 1e-9 * 1.7e308);
        const text = Buffer.from("v\n" + "1.7e308\n".repeat(20000));
        const par = await twoThreads(text, {}, 1024, 5000);
        assert.ok(Math.abs(col(par, "v").mean! - 1.7e308) <= 1e-9 * 1.7e308, String(col(par, "v").mean));
        assert.ok(JSON.stringify(par).includes('"mean":1.7e+308'));
    });

    it("makes column names unique, keeping the header's text beside a changed name", () => {
        const s = serial("a,a,b,a,a_2,,\n1,2,3,4,5,6,7\n");
        assert.deepEqual(
            s.columns.map((c) => [c.name, c.originalName]),
            [
                ["a", undefined],
                ["a_2", "a"],
                ["b", undefined],
                ["a_3", "a"],
                ["a_2_2", "a_2"],
                ["column_6", ""],
                ["column_7", ""],
            ],
        );
        assert.deepEqual(
            s.columns.map((c) => c.max),
            [1, 2, 3, 4, 5, 6, 7],
        );
    });

    it("does not call UTF-8 text binary when its sample ends inside a character", () => {
        const text = Buffer.from("имя,значение\n" + "строка,данные\n".repeat(400), "utf8");
        for (const end of [4095, 4096, 4097, 301, 302, 303]) {
            assert.equal(looksBinary(text, 0, end), false, `sample of ${end} bytes`);
        }
        assert.equal(looksBinary(Buffer.from(Array.from({ length: 600 }, (_, i) => 128 + (i % 64))), 0, 600), true, "continuation bytes only");
        const summary = serial(text.subarray(0, 4097 + 13), { maxLineBytes: 200 });
        assert.equal(summary.accounting.records, summary.rows + summary.badRows.count);
    });

    it("counts a NUL byte past the first 4 KiB as a bad row, and rejects one in the first 4 KiB as binary", () => {
        const rows = ["id,text", ...Array.from({ length: 400 }, (_, i) => `${i + 1},row ${i + 1} of the file`)];
        const clean = Buffer.from(rows.join("\n") + "\n");
        const at = clean.indexOf("300,row");
        const late = Buffer.concat([clean.subarray(0, at + 4), Buffer.from([0]), clean.subarray(at + 4)]);
        for (const chunk of [undefined, 1000, 7]) {
            const s = serial(late, undefined, chunk);
            assert.deepEqual([s.rows, s.badRows.first], [399, [{ line: 301, code: "nul-byte", reason: "NUL byte (binary data in a text field)" }]]);
        }
        const early = Buffer.concat([clean.subarray(0, 20), Buffer.from([0]), clean.subarray(20)]);
        assert.throws(() => serial(early), (e: unknown) => e instanceof InputError && e.code === "binary");
    });

    it("names UTF-16 input as UTF-16, with or without a byte-order mark", () => {
        const text = "id,name\n1,x\n2,y\n";
        const cases: [Buffer, string][] = [
            [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, "utf16le")]), "UTF-16LE"],
            [Buffer.from(text, "utf16le"), "UTF-16LE"],
            [Buffer.from(text, "utf16le").swap16(), "UTF-16BE"],
            [Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, "utf16le").swap16()]), "UTF-16BE"],
        ];
        for (const [input, name] of cases) {
            assert.throws(
                () => serial(input),
                (e: unknown) =>
                    e instanceof InputError &&
                    e.code === "utf-16" &&
                    e.message === `the input is ${name} text, not UTF-8; convert it to UTF-8 (e.g. iconv -f ${name} -t UTF-8) and upload it again`,
            );
        }
    });

    it("reads a one-column CSV, but not prose", () => {
        const emails = serial("email\na@example.com\nb@example.org\n");
        assert.deepEqual([emails.format, emails.rows, emails.columns.map((c) => c.name)], ["csv", 2, ["email"]]);
        const ids = serial("id\n1\n2\n3\n");
        assert.deepEqual([col(ids, "id").type, col(ids, "id").max], ["integer", 3]);
        const names = serial('name\nAda Lovelace\n"Turing, Alan"\n');
        assert.deepEqual([names.rows, col(names, "name").samples], [2, ["Ada Lovelace", "Turing, Alan"]]);
        assert.throws(() => serial("just some words\nand more words here\n"), (e: unknown) => e instanceof InputError && e.code === "not-delimited");
    });

    it("keeps memory bounded while detecting the format of a file with no line end", function () {
        this.timeout(180000);
        // A child with a 32 MiB heap summarises 48 MiB without a line end (building strings per character, detection
        // once needed about 300 MB for this).
        // The summariser as the processor's build has it (plain JavaScript from the transpile cache).
        const index = transpiledWorker(path.join(__dirname, "..", "app", "src", "processor", "summarize", "index.ts"));
        const script = `
            const { createSummarizer } = require(${JSON.stringify(index)});
            const s = createSummarizer();
            const chunk = Buffer.from("abc,".repeat(16384));
            for (let i = 0; i < 768; i++) s.write(chunk);
            const r = s.end();
            process.stdout.write(JSON.stringify({ accounting: r.accounting, first: r.badRows.first }));`;
        const r = spawnSync(process.execPath, ["--max-old-space-size=32", "-e", script], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stderr.slice(-2000));
        const out = JSON.parse(r.stdout) as { accounting: FileSummary["accounting"]; first: FileSummary["badRows"]["first"] };
        assert.deepEqual(out.accounting, { lines: 1, blankLines: 0, headerRecords: 0, records: 1, rows: 0, badRows: 1 });
        assert.equal(out.first[0].code, "line-too-long");
    });
});

interface FixtureExpectation {
    file: string;
    options?: SummaryOptions;
    rows: number;
    badRows: FileSummary["badRows"]["byReason"];
    lines: number;
    blankLines: number;
    header: number;
}

describe("summarize: the accounting holds on every fixture", function () {
    this.timeout(120000);
    const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES, "expected.json"), "utf8")) as FixtureExpectation[];

    it("lists every fixture file", () => {
        assert.deepEqual(
            expected.map((e) => e.file).sort(),
            fs
                .readdirSync(FIXTURES)
                .filter((f) => f !== "expected.json")
                .sort(),
        );
    });

    for (const e of expected) {
        it(`${e.file}: ${e.rows} rows, bad rows ${JSON.stringify(e.badRows)}, with any chunking and 2 threads`, async () => {
            const input = fs.readFileSync(path.join(FIXTURES, e.file));
            const s = serial(input, e.options);
            assert.deepEqual(
                [s.rows, s.badRows.byReason, s.accounting.lines, s.accounting.blankLines, s.accounting.headerRecords],
                [e.rows, e.badRows, e.lines, e.blankLines, e.header],
            );
            assertAccounted(s, input, e.file);
            for (const chunk of [1, 7, 100]) {
                assert.deepEqual(serial(input, e.options, chunk), s, `${e.file} in chunks of ${chunk}`);
            }
            for (const block of [16, 256]) {
                assertSameSummary(await twoThreads(input, e.options, block, 97), s, `${e.file}, 2 threads, blocks of ${block}`);
            }
        });
    }
});

// ---- generated input against csv-parse -------------------------------------------------------------------------------

type Eol = "\n" | "\r\n" | "\r";

interface Table {
    width: number;
    header: string[];
    rows: string[][];
    eol: Eol;
    trailingEol: boolean;
    /** Per cell: whether it is quoted even if it need not be. */
    quoteMore: boolean[][];
    /** Rows (indexes) that get a stray quote, and a seed for which field. */
    strays: [number, number][];
    cuts: number[];
}

const pad = (n: number, w: number) => String(n).padStart(w, "0");

/** A value of one kind; text may hold the delimiter, quotes and the file's own line break (never at its start). */
function valueArb(kind: number, eol: Eol): fc.Arbitrary<string> {
    switch (kind) {
        case 0:
            return fc.oneof(
                { weight: 6, arbitrary: fc.integer({ min: -1000000, max: 1000000 }).map(String) },
                { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String) },
            );
        case 1:
            return fc.oneof(
                fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map(String),
                fc.integer({ min: -99999, max: 99999 }).map((n) => (n / 100).toFixed(2)),
            );
        case 2:
            return fc.constantFrom("true", "false", "TRUE");
        case 3:
            return fc
                .tuple(fc.integer({ min: 1990, max: 2030 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 28 }), fc.integer({ min: 0, max: 23 }))
                .map(([y, m, d, h]) => `${y}-${pad(m, 2)}-${pad(d, 2)}T${pad(h, 2)}:00:00Z`);
        default:
            return fc
                .array(fc.constantFrom("a", "b", "Z", " ", ",", '"', eol, "é", "😀", "x;y", "1"), { minLength: 1, maxLength: 6 })
                .map((parts) => parts.join(""))
                // A text starting (after any quotes) with the delimiter or a line break, once quoted, could pair with a
                // stray quote into valid CSV that no reader can tell apart; the generated stray quotes stay decidable.
                .map((t) => (/^"*[,\r\n]/.test(t) ? `t${t}` : t));
    }
}

const tableArb: fc.Arbitrary<Table> = fc
    .record({
        kinds: fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 5 }),
        n: fc.integer({ min: 0, max: 50 }),
        eol: fc.constantFrom<Eol>("\n", "\r\n", "\r"),
    })
    .chain(({ kinds, n, eol }) =>
        fc.record({
            width: fc.constant(kinds.length),
            header: fc.constant(kinds.map((_, j) => `col${j}`)),
            rows: fc.array(
                fc.tuple(...kinds.map((k) => fc.oneof({ weight: 5, arbitrary: valueArb(k, eol) }, { weight: 1, arbitrary: fc.constant("") }))),
                { minLength: n, maxLength: n },
            ),
            eol: fc.constant(eol),
            trailingEol: fc.boolean(),
            quoteMore: fc.array(fc.array(fc.boolean(), { minLength: kinds.length, maxLength: kinds.length }), { minLength: n, maxLength: n }),
            strays: fc.array(fc.tuple(fc.nat(Math.max(0, n - 1)), fc.nat()), { maxLength: n === 0 ? 0 : 4 }),
            cuts: fc.array(fc.nat(), { maxLength: 5 }),
        }),
    );

interface Rendered {
    text: Buffer;
    /** Each data record's text (with its line end) and the line it starts on. */
    records: { text: string; line: number; corrupted: boolean }[];
    lines: number;
}

function render(t: Table): Rendered {
    const needsQuotes = (v: string) => /[",\r\n]/.test(v) || (t.width === 1 && v === "");
    const cell = (v: string, more: boolean) => (needsQuotes(v) || more ? `"${v.replace(/"/g, '""')}"` : v);
    const strayRows = new Map(t.strays);
    const lineBreaks = (s: string) => s.split(t.eol).length - 1;
    const header = t.header.join(",") + t.eol;
    /** The line the next record starts on (after the header's). */
    let line = 2 + lineBreaks(t.header.join(","));
    const records: Rendered["records"] = [];
    let text = header;
    t.rows.forEach((row, i) => {
        const cells = row.map((v, j) => cell(v, t.quoteMore[i][j]));
        let corrupted = false;
        const seed = strayRows.get(i);
        // A stray quote before a plain (unquoted, non-empty) value of a record on one line.
        if (seed !== undefined && !row.some((v) => v.includes(t.eol))) {
            const plain = cells.map((c, j) => (c === row[j] && c !== "" ? j : -1)).filter((j) => j >= 0);
            if (plain.length > 0) {
                const j = plain[seed % plain.length];
                cells[j] = `"${cells[j]}`;
                corrupted = true;
            }
        }
        const body = cells.join(",");
        const last = i === t.rows.length - 1;
        const rec = body + (last && !t.trailingEol ? "" : t.eol);
        records.push({ text: rec, line, corrupted });
        line += 1 + lineBreaks(body);
        text += rec;
    });
    const buf = Buffer.from(text, "utf8");
    return { text: buf, records, lines: physicalLines(buf, t.eol === "\r" ? "cr" : "lf") };
}

/** csv-parse, strict (no relaxed quotes), on one record alone: its fields, or undefined if it is malformed. */
function strictParse(record: string, eol: Eol): string[] | undefined {
    try {
        const out = csvParse(record, { record_delimiter: eol, relax_column_count: true }) as string[][];
        return out.length === 1 ? out[0] : undefined;
    } catch {
        return undefined;
    }
}

function checkAgainstReference(t: Table, r: Rendered, got: FileSummary, what: string): void {
    const parsed = r.records.map((rec) => strictParse(rec.text, t.eol));
    r.records.forEach((rec, i) => {
        assert.equal(parsed[i] === undefined, rec.corrupted, `${what}: csv-parse agrees that record ${i} is ${rec.corrupted ? "bad" : "good"}`);
    });
    const good = parsed.filter((p): p is string[] => p !== undefined);
    const badLines = r.records.filter((rec) => rec.corrupted).map((rec) => rec.line);
    assert.equal(got.accounting.records, r.records.length, `${what}: records`);
    assert.equal(got.rows, good.length, `${what}: rows`);
    assert.equal(got.badRows.count, badLines.length, `${what}: bad rows`);
    assert.deepEqual(
        got.badRows.first.map((b) => b.line),
        badLines.slice(0, 10),
        `${what}: bad row lines`,
    );
    assert.equal(got.accounting.lines, r.lines, `${what}: lines`);
    const ref = referenceStats([t.header, ...good], 5);
    got.columns.forEach((c, j) => {
        const e = ref.columns[j];
        const at = `${what}: column ${j} (${e.type})`;
        assert.deepEqual(
            [c.name, c.nonEmpty, c.empty, c.type, c.samples, c.distinctApprox, c.min, c.max],
            [e.name, e.nonEmpty, e.empty, e.type, e.samples, e.distinct, e.min, e.max],
            at,
        );
        if (e.mean !== undefined) {
            // Sums of values that cancel keep an error relative to the largest value, not to the mean.
            const largest = Math.max(...good.map((row) => Math.abs(Number(row[j])) || 0));
            assert.ok(Math.abs(c.mean! - e.mean) <= 1e-9 * Math.max(1, Math.abs(e.mean), largest), `${at}: mean ${c.mean} vs ${e.mean}`);
        }
    });
}

describe("summarize: generated records with stray quotes, against csv-parse", function () {
    this.timeout(300000);
    const options: SummaryOptions = { delimiter: ",", header: true, sampleSize: 5 };

    it("one thread, any chunking: rows + bad rows = records, and the good rows' statistics are the reference's", () => {
        fc.assert(
            fc.property(tableArb, (t) => {
                const r = render(t);
                const got = run(r.text, options, t.cuts);
                checkAgainstReference(t, r, got, "1 thread");
                assertAccounted(got, r.text, "1 thread");
                assert.deepEqual(run(r.text, options, []), got, "chunking changed the result");
            }),
            { numRuns: 400 },
        );
    });

    it("two threads over small blocks give the same", async () => {
        await fc.assert(
            fc.asyncProperty(tableArb, fc.integer({ min: 8, max: 600 }), fc.integer({ min: 1, max: 500 }), async (t, block, chunk) => {
                const r = render(t);
                const got = await summarizeStream(chunksOf(r.text, chunk), { ...options, parallelism: 2, parallelBlockBytes: block, parallelMinBytes: 0 });
                checkAgainstReference(t, r, got, "2 threads");
                assertAccounted(got, r.text, "2 threads");
            }),
            { numRuns: 40 },
        );
    });

    it("accounts for every line of arbitrarily damaged input, with 1 and 2 threads alike", async () => {
        const damage = fc.array(fc.tuple(fc.nat(), fc.constantFrom('"', "\n", "\r", ",", '""', "\r\n", "\u0000", "\xff", "x")), { minLength: 1, maxLength: 12 });
        await fc.assert(
            fc.asyncProperty(tableArb, damage, fc.integer({ min: 8, max: 400 }), fc.boolean(), async (t, hits, block, detect) => {
                let text = render(t).text.toString("latin1");
                for (const [at, what] of hits) {
                    const i = at % (text.length + 1);
                    text = text.slice(0, i) + what + text.slice(i);
                }
                const input = Buffer.from(text, "latin1");
                const o: SummaryOptions = detect ? { maxLineBytes: 200 } : { ...options, maxLineBytes: 200 };
                let ser: FileSummary | InputError;
                try {
                    ser = serial(input, o);
                } catch (e) {
                    assert.ok(e instanceof InputError, String(e));
                    ser = e;
                }
                if (ser instanceof InputError) {
                    await assert.rejects(twoThreads(input, o, block, 50), (e: unknown) => e instanceof InputError && e.message === (ser as InputError).message);
                    return;
                }
                assertAccounted(ser, input, "damaged");
                assertSameSummary(await twoThreads(input, o, block, 50), ser, "damaged, 2 threads");
            }),
            { numRuns: 60 },
        );
    });
});
