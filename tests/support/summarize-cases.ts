/** Generated summariser inputs (CSV/TSV with every kind of bad row, JSON Lines) and a summary comparison, shared by the parallel and range tests. */
import { strict as assert } from "assert";
import fc from "fast-check";
import { FileSummary, SummaryOptions } from "../../app/src/processor/summarize";

/** deepEqual, with the mean compared to 1e-9 relative (both sums are compensated, in different orders). */
export function assertSame(par: FileSummary, ser: FileSummary, what: string): void {
    const strip = (s: FileSummary) => ({
        ...s,
        compression: "none",
        blocksUsed: undefined,
        columns: s.columns.map((c) => ({ ...c, mean: c.mean === undefined ? undefined : 0 })),
    });
    assert.deepEqual(strip(par), strip(ser), what);
    par.columns.forEach((c, i) => {
        const m = ser.columns[i].mean;
        if (m !== undefined) {
            const tol = 1e-9 * Math.max(1, Math.abs(m));
            assert.ok(Math.abs(c.mean! - m) <= tol, `${what}: mean of ${c.name}: ${c.mean} vs ${m}`);
        }
    });
}

// ---- generators ---------------------------------------------------------------------------------------------------

const plainField = fc.oneof(
    fc.integer({ min: -1000000, max: 1000000 }).map(String),
    fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((d) => d.toPrecision(8)),
    fc.constantFrom("", "", "-0", "+1", "007", "1e3", ".5", "true", "FALSE", "x", "hello world", "é", "2021-03-04", "2021-03-04T05:06:07Z"),
    fc.constantFrom("2020-01-01T00:00:00Z", "2020-01-01T00:00Z", "2020-01-01 00:00:00+00:00", "1999-12-31T23:59:59.999-01:00"),
    fc.string({ maxLength: 6 }).map((s) => s.replace(/[",\r\n]/g, "")),
    fc.integer({ min: 0, max: 5000 }).map((i) => `id${i}`),
);
const quotedField = fc.oneof(
    fc.constantFrom('"a,b"', '"say ""hi"""', '"line\nbreak"', '"crlf\r\nin"', '""', '"x"y', '"unclosed\n\n,', '"multi\n\n\nline ""q"" ,"'),
    plainField.map((f) => `"${f}"`),
);
const weirdField = fc.constantFrom('ab"c', 'a""', '"', "\r", "x\ry", '"x\ry"', '" x"', "\xff\xfe");
const fieldArb = fc.oneof({ weight: 12, arbitrary: plainField }, { weight: 4, arbitrary: quotedField }, { weight: 1, arbitrary: weirdField });

export interface CsvCase {
    text: Buffer;
    options: SummaryOptions;
    chunk: number;
}

export function csvCase(delim: string): fc.Arbitrary<CsvCase> {
    return fc.integer({ min: 2, max: 5 }).chain((ncols) => {
        const row = fc.array(fieldArb, { minLength: ncols, maxLength: ncols });
        const ragged = fc.array(fieldArb, { minLength: 1, maxLength: 7 });
        const line = fc.oneof(
            { weight: 30, arbitrary: row.map((fs) => fs.join(delim) + "\n") },
            { weight: 3, arbitrary: row.map((fs) => fs.join(delim) + "\r\n") },
            { weight: 1, arbitrary: ragged.map((fs) => fs.join(delim) + "\n") },
            { weight: 1, arbitrary: fc.constant("\n") },
            { weight: 1, arbitrary: fc.integer({ min: 30, max: 400 }).map((n) => "z".repeat(n) + delim + "1\n") },
            { weight: 1, arbitrary: fc.integer({ min: 30, max: 400 }).map((n) => `"${"q\n".repeat(n / 2)}` + delim + "2\n") },
        );
        return fc.record({
            header: fc.constantFrom("h", "1"),
            lines: fc.array(line, { minLength: 150, maxLength: 800 }),
            tail: fc.constantFrom("", "1,2,3", '"open,', "x,y,z\r\n", "\n\n"),
            maxLineBytes: fc.constantFrom(undefined, 60, 150, 1000),
            sampleSize: fc.constantFrom(undefined, 0, 1, 3, 8),
            maxBadRowsReported: fc.constantFrom(undefined, 0, 3, 1000),
            forceDelim: fc.boolean(),
            block: fc.integer({ min: 8, max: 2048 }),
            min: fc.integer({ min: 0, max: 6000 }),
            chunk: fc.integer({ min: 1, max: 3000 }),
        }).map((r) => ({
            text: Buffer.from(
                Array.from({ length: ncols }, (_, i) => (r.header === "h" ? `c${i}` : String(i))).join(delim) + "\n" + r.lines.join("") + r.tail,
                "latin1",
            ),
            options: {
                delimiter: r.forceDelim ? delim : undefined,
                maxLineBytes: r.maxLineBytes,
                sampleSize: r.sampleSize,
                maxBadRowsReported: r.maxBadRowsReported,
                parallelBlockBytes: r.block,
                parallelMinBytes: r.min,
            },
            chunk: r.chunk,
        }));
    });
}

const jsonValue = fc.oneof(
    fc.integer({ min: -100, max: 100 }),
    fc.double({ min: -1e3, max: 1e3, noNaN: true }),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom("", "s", "2020-01-01", "2020-01-01T00:00:00Z", "é\n"),
    fc.integer({ min: 0, max: 3000 }).map((i) => `v${i}`),
    fc.constant({ nested: [1, 2] }),
);
const jsonLine = fc.oneof(
    { weight: 20, arbitrary: fc.dictionary(fc.constantFrom("a", "b", "c", "d", "e", "f", "g"), jsonValue, { maxKeys: 5 }).map((o) => JSON.stringify(o) + "\n") },
    { weight: 1, arbitrary: fc.constantFrom("\n", "  \r\n", "[1,2]\n", "not json\n", '{"a":\n', "42\n", '{"a":"\xff"}\n') },
    { weight: 1, arbitrary: fc.integer({ min: 10, max: 300 }).map((n) => `{"long":"${"L".repeat(n)}"}\n`) },
);
export const jsonCase: fc.Arbitrary<CsvCase> = fc
    .record({
        lines: fc.array(jsonLine, { minLength: 100, maxLength: 600 }),
        tail: fc.constantFrom("", '{"a":1}', '{"a":'),
        maxLineBytes: fc.constantFrom(undefined, 40, 200),
        sampleSize: fc.constantFrom(undefined, 0, 2, 7),
        block: fc.integer({ min: 8, max: 2048 }),
        min: fc.integer({ min: 0, max: 600 }),
        chunk: fc.integer({ min: 1, max: 3000 }),
    })
    .map((r) => ({
        text: Buffer.from('{"a":1,"b":"x"}\n' + r.lines.join("") + r.tail, "latin1"),
        options: { maxLineBytes: r.maxLineBytes, sampleSize: r.sampleSize, parallelBlockBytes: r.block, parallelMinBytes: r.min },
        chunk: r.chunk,
    }));

