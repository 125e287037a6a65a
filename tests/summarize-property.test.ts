import { strict as assert } from "assert";
import fc from "fast-check";
import { FileSummary, InputError, SummaryOptions } from "../app/src/processor/summarize";
import { referenceStats } from "./support/summary-reference";
import { summarizeCut as run } from "./support/summarize-run";

// ---- a straightforward reference -----------------------------------------------------------------------------------

/** Char-by-char RFC 4180: quotes open a field only at its start, "" is a quote, CRLF or LF ends a record. */
function referenceParse(text: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [];
    let field = "";
    let inQuotes = false;
    let fieldStart = true;
    let wasQuoted = false;
    const endRecord = () => {
        row.push(field);
        // A blank line (one empty unquoted field) is not a record.
        if (!(row.length === 1 && row[0] === "" && !wasQuoted)) {
            rows.push(row);
        }
        row = [];
        field = "";
        fieldStart = true;
        wasQuoted = false;
    };
    for (let i = 0; i < text.length; i++) {
        const ch = text[i];
        if (inQuotes) {
            if (ch === '"') {
                if (text[i + 1] === '"') {
                    field += '"';
                    i++;
                } else {
                    inQuotes = false;
                }
            } else {
                field += ch;
            }
            continue;
        }
        if (fieldStart && ch === '"') {
            inQuotes = true;
            wasQuoted = true;
            fieldStart = false;
            continue;
        }
        fieldStart = false;
        if (ch === ",") {
            row.push(field);
            field = "";
            fieldStart = true;
        } else if (ch === "\n") {
            endRecord();
        } else if (ch === "\r" && text[i + 1] === "\n") {
            // the LF ends the record
        } else {
            field += ch;
        }
    }
    if (!fieldStart || row.length > 0 || field !== "" || wasQuoted) {
        endRecord();
    }
    return rows;
}

// ---- generators ----------------------------------------------------------------------------------------------------

const pad = (n: number, w: number) => String(n).padStart(w, "0");

const timestampArb = fc
    .tuple(
        fc.integer({ min: 1900, max: 2100 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 999 }),
        fc.constantFrom("", "Z", "+01:00", "-05:30", "+0200"),
        fc.integer({ min: 0, max: 3 }),
    )
    .map(([y, mo, d, h, mi, s, ms, zone, shape]) => {
        const date = `${pad(y, 4)}-${pad(mo, 2)}-${pad(d, 2)}`;
        if (shape === 0) {
            return date;
        }
        const sep = shape === 1 ? "T" : " ";
        const time = shape === 3 ? `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}.${pad(ms, 3)}` : `${pad(h, 2)}:${pad(mi, 2)}:${pad(s, 2)}`;
        return `${date}${sep}${time}${zone}`;
    });

const textArb = fc
    .array(fc.constantFrom("a", "b", "Z", " ", ",", '"', "\n", "\r\n", "é", "😀", "中", "x;y", "\t", "1", "-", "."), { maxLength: 6 })
    .map((parts) => parts.join(""));

const kindArbs: fc.Arbitrary<string>[] = [
    fc.integer({ min: -1000000, max: 1000000 }).map(String),
    fc.oneof(
        fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }).map(String),
        fc.integer({ min: -99999, max: 99999 }).map((n) => (n / 100).toFixed(2)),
        fc.constantFrom("1e3", "-2.5E-3", ".5", "1.", "-0", "01", "+7"),
    ),
    fc.constantFrom("true", "false", "TRUE", "False"),
    timestampArb,
    textArb,
    fc.constantFrom("red", "green", "blue"),
];

/** A column: mostly one kind, some empties, now and then anything. */
function cellArb(kind: number): fc.Arbitrary<string> {
    return fc.oneof(
        { weight: 12, arbitrary: kindArbs[kind] },
        { weight: 3, arbitrary: fc.constant("") },
        { weight: 1, arbitrary: fc.oneof(...kindArbs) },
    );
}

const tableArb = fc
    .record({
        kinds: fc.array(fc.integer({ min: 0, max: kindArbs.length - 1 }), { minLength: 1, maxLength: 6 }),
        rows: fc.integer({ min: 0, max: 40 }),
    })
    .chain(({ kinds, rows }) =>
        fc.record({
            header: fc.constant(kinds.map((_, j) => `col ${j}${j % 2 ? ',"x"' : ""}`)),
            data: fc.array(fc.tuple(...kinds.map(cellArb)), { minLength: rows, maxLength: rows }),
            crlf: fc.boolean(),
            trailingNewline: fc.boolean(),
            quoteAll: fc.boolean(),
            cuts: fc.array(fc.nat(), { maxLength: 6 }),
        }),
    );

function renderCsv(table: { header: string[]; data: string[][]; crlf: boolean; trailingNewline: boolean; quoteAll: boolean }): string {
    const eol = table.crlf ? "\r\n" : "\n";
    const cell = (v: string) => (table.quoteAll || /[",\r\n]/.test(v) || (table.header.length === 1 && v === "") ? `"${v.replace(/"/g, '""')}"` : v);
    const lines = [table.header, ...table.data].map((r) => r.map(cell).join(","));
    return lines.join(eol) + (table.trailingNewline ? eol : "");
}

function closeTo(actual: number | undefined, expected: number, what: string): void {
    assert.equal(typeof actual, "number", what);
    const tol = 1e-9 * Math.max(1, Math.abs(expected));
    assert.ok(Math.abs((actual as number) - expected) <= tol, `${what}: ${actual} vs ${expected}`);
}

// ---- properties ----------------------------------------------------------------------------------------------------

describe("summarize: properties against a reference parser", () => {
    it("matches the reference on generated CSV, for any chunking", () => {
        fc.assert(
            fc.property(tableArb, (table) => {
                const text = renderCsv(table);
                const bytes = Buffer.from(text, "utf8");
                const options: SummaryOptions = { delimiter: ",", header: true, sampleSize: 5 };
                const got = run(bytes, options);
                const parsed = referenceParse(text);
                const ref = referenceStats(parsed, 5);
                assert.equal(got.rows, ref.rows, "rows");
                assert.equal(got.badRows.count, 0, "bad rows");
                assert.equal(got.bytes, bytes.length);
                assert.equal(got.columns.length, ref.columns.length);
                got.columns.forEach((c, j) => {
                    const r = ref.columns[j];
                    const at = `column ${j} (${r.type})`;
                    assert.equal(c.name, r.name, at);
                    assert.equal(c.nonEmpty, r.nonEmpty, `${at} nonEmpty`);
                    assert.equal(c.empty, r.empty, `${at} empty`);
                    assert.equal(c.type, r.type, `${at} type`);
                    assert.deepEqual(c.samples, r.samples, `${at} samples`);
                    assert.equal(c.distinctApprox, r.distinct, `${at} distinct (exact for small counts)`);
                    if (r.type === "integer" || r.type === "float") {
                        assert.equal(c.min, r.min, `${at} min`);
                        assert.equal(c.max, r.max, `${at} max`);
                        closeTo(c.mean, r.mean!, `${at} mean`);
                    } else {
                        assert.equal(c.min, r.min, `${at} min`);
                        assert.equal(c.max, r.max, `${at} max`);
                        assert.equal(c.mean, undefined, `${at} mean`);
                    }
                });
                assert.deepEqual(run(bytes, options, table.cuts), got, "chunked result differs");
            }),
            { numRuns: 300 },
        );
    });

    it("detects the delimiter and header on generated typed CSV", () => {
        fc.assert(
            fc.property(
                fc.constantFrom(",", ";", "\t", "|"),
                fc.integer({ min: 2, max: 6 }),
                fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 6, maxLength: 60 }),
                (delimiter, width, numbers) => {
                    const header = Array.from({ length: width }, (_, j) => `name${j}`);
                    const lines = [header.join(delimiter)];
                    for (let i = 0; i + width <= numbers.length; i += width) {
                        lines.push(numbers.slice(i, i + width).join(delimiter));
                    }
                    const got = run(Buffer.from(lines.join("\n") + "\n"), {});
                    assert.equal(got.delimiter, delimiter);
                    assert.equal(got.format, delimiter === "\t" ? "tsv" : "csv");
                    assert.equal(got.header, true);
                    assert.deepEqual(
                        got.columns.map((c) => c.name),
                        header,
                    );
                    assert.equal(got.rows, lines.length - 1);
                    assert.ok(got.columns.every((c) => c.type === "integer"));
                    const noHeader = run(Buffer.from(lines.slice(1).join("\n") + "\n"), {});
                    if (lines.length > 2) {
                        assert.equal(noHeader.header, false);
                        assert.equal(noHeader.rows, lines.length - 1);
                    }
                },
            ),
            { numRuns: 100 },
        );
    });

    it("estimates large distinct counts within 5%", () => {
        fc.assert(
            fc.property(fc.integer({ min: 300, max: 30000 }), fc.integer({ min: 1, max: 3 }), fc.nat(), (distinct, repeat, salt) => {
                const lines = ["v"];
                for (let r = 0; r < repeat; r++) {
                    for (let i = 0; i < distinct; i++) {
                        lines.push(`k${salt}_${i}`);
                    }
                }
                const got = run(Buffer.from(lines.join("\n")), { delimiter: "," });
                const est = got.columns[0].distinctApprox;
                assert.ok(Math.abs(est - distinct) <= 0.05 * distinct, `${est} vs ${distinct}`);
            }),
            { numRuns: 20 },
        );
    });

    it("matches the reference on JSON Lines", () => {
        const valueArb = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), textArb, fc.constant(""), timestampArb, fc.array(fc.integer(), { maxLength: 2 }));
        fc.assert(
            fc.property(
                fc.array(fc.dictionary(fc.constantFrom("a", "b", "c", "d"), valueArb, { maxKeys: 4 }), { minLength: 1, maxLength: 30 }),
                fc.array(fc.nat(), { maxLength: 4 }),
                (objects, cuts) => {
                    const bytes = Buffer.from(objects.map((o) => JSON.stringify(o)).join("\n") + "\n");
                    const got = run(bytes, { format: "jsonl" });
                    assert.equal(got.rows, objects.length);
                    const keys: string[] = [];
                    for (const o of objects) {
                        for (const k of Object.keys(o)) {
                            if (!keys.includes(k)) {
                                keys.push(k);
                            }
                        }
                    }
                    assert.deepEqual(
                        got.columns.map((c) => c.name),
                        keys,
                    );
                    for (const c of got.columns) {
                        const present = objects.map((o) => o[c.name]).filter((v) => v !== undefined && v !== null && v !== "");
                        assert.equal(c.nonEmpty, present.length, c.name);
                        assert.equal(c.empty, objects.length - present.length, c.name);
                        assert.equal(c.distinctApprox, new Set(present.map((v) => (typeof v === "string" ? v : JSON.stringify(v)))).size, c.name);
                    }
                    assert.deepEqual(run(bytes, { format: "jsonl" }, cuts), got);
                },
            ),
            { numRuns: 150 },
        );
    });

    it("never crashes on arbitrary bytes, and chunking never changes the result", () => {
        const bytesArb = fc.oneof(
            fc.uint8Array({ maxLength: 300 }),
            fc.array(fc.constantFrom(..."ab,;\t|\"\r\n\n{}:1.-é".split("")), { maxLength: 200 }).map((a) => new Uint8Array(Buffer.from(a.join("")))),
        );
        fc.assert(
            fc.property(bytesArb, fc.array(fc.nat(), { maxLength: 5 }), fc.integer({ min: 1, max: 40 }), (raw, cuts, maxLineBytes) => {
                const bytes = Buffer.from(raw);
                const copy = Buffer.from(bytes);
                const options = { maxLineBytes };
                let whole: FileSummary | InputError;
                try {
                    whole = run(bytes, options);
                } catch (e) {
                    assert.ok(e instanceof InputError, String(e));
                    whole = e;
                }
                let chunked: FileSummary | InputError;
                try {
                    chunked = run(bytes, options, cuts);
                } catch (e) {
                    assert.ok(e instanceof InputError, String(e));
                    chunked = e;
                }
                if (whole instanceof InputError || chunked instanceof InputError) {
                    assert.ok(whole instanceof InputError && chunked instanceof InputError && whole.code === chunked.code);
                } else {
                    assert.deepEqual(chunked, whole);
                }
                assert.deepEqual(bytes, copy);
            }),
            { numRuns: 500 },
        );
    });
});
