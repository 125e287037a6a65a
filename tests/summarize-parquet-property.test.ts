/**
 * Property: a random table written as CSV and as Parquet (several row groups, with or without statistics) gives the
 * same rows and, per column, the same nulls, min, max and distinct estimate, and the same type where the CSV's
 * inference has values to go on.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { parquetWriteBuffer } from "hyparquet-writer";
import { bufferSource, summarizeParquet } from "../app/src/processor/summarize/parquet";
import { summarizeCut } from "./support/summarize-run";

type Schema = NonNullable<Parameters<typeof parquetWriteBuffer>[0]["schema"]>;
type Value = number | bigint | boolean | string | null;

interface Kind {
    element: Schema[number];
    value: fc.Arbitrary<Value>;
    /** The value as CSV text (as the Parquet reader writes it for hashing and samples). */
    text(v: Value): string;
}

const KINDS: Record<string, Kind> = {
    int32: { element: { name: "", type: "INT32", repetition_type: "OPTIONAL" }, value: fc.integer(), text: String },
    int64: {
        element: { name: "", type: "INT64", repetition_type: "OPTIONAL" },
        value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        text: String,
    },
    double: {
        element: { name: "", type: "DOUBLE", repetition_type: "OPTIONAL" },
        // Exact decimals and a few wide values; never -0 (CSV writes it "0"), nor a whole number beyond ±2^53 (the CSV
        // reads its text as an integer and keeps it exactly; a DOUBLE column's extremes are doubles).
        value: fc
            .oneof(fc.integer({ min: -1e6, max: 1e6 }).map((n) => n / 100), fc.double({ noNaN: true, noDefaultInfinity: true }))
            .filter((v) => !(Number.isInteger(v) && !Number.isSafeInteger(v)))
            .map((v) => (v === 0 ? 0 : v)),
        text: String,
    },
    boolean: { element: { name: "", type: "BOOLEAN", repetition_type: "OPTIONAL" }, value: fc.boolean(), text: String },
    string: {
        element: { name: "", type: "BYTE_ARRAY", converted_type: "UTF8", repetition_type: "OPTIONAL" },
        // Never a number, boolean or date to the CSV's inference, and no delimiter or quote. ASCII: the CSV's binary
        // check can call mostly non-ASCII text binary when its 4 KiB window ends inside a character (UTF-8 strings
        // are covered by the fixtures in summarize-parquet.test.ts).
        value: fc.stringMatching(/^[a-z]{0,6}$/).map((s) => `s${s}`),
        text: String,
    },
    timestamp: {
        element: { name: "", type: "INT64", repetition_type: "OPTIONAL", logical_type: { type: "TIMESTAMP", unit: "MILLIS", isAdjustedToUTC: true } },
        value: fc.integer({ min: 0, max: 4102444800000 }).map((ms) => BigInt(ms)),
        text: (v) => new Date(Number(v)).toISOString(),
    },
};

const table = fc
    .record({
        kinds: fc.array(fc.constantFrom(...Object.keys(KINDS)), { minLength: 1, maxLength: 5 }),
        rows: fc.integer({ min: 1, max: 400 }),
        rowGroupSize: fc.integer({ min: 1, max: 150 }),
        statistics: fc.boolean(),
        nullRate: fc.constantFrom(0, 0.2, 1),
        /** Few distinct values (exact counts) or many (the HyperLogLog estimate). */
        pool: fc.constantFrom(3, 1000),
        seed: fc.integer(),
    })
    .chain((t) =>
        fc.tuple(
            ...t.kinds.map((k) =>
                fc
                    .array(KINDS[k].value, { minLength: t.pool === 3 ? 3 : t.rows, maxLength: t.pool === 3 ? 3 : t.rows })
                    .chain((pool) => fc.array(fc.tuple(fc.integer({ min: 0, max: pool.length - 1 }), fc.double({ min: 0, max: 1, noNaN: true })), { minLength: t.rows, maxLength: t.rows }).map((picks) => picks.map(([i, r]) => (r < t.nullRate ? null : pool[i])))),
            ),
        ).map((columns) => ({ ...t, columns: columns as Value[][] })),
    );

describe("Parquet and CSV give the same summary (property)", function () {
    this.timeout(300000);

    it("rows; per column nulls, min, max and distinct estimate", async () => {
        await fc.assert(
            fc.asyncProperty(table, async (t) => {
                // A row number first: a CSV line of one empty field would be a blank line, not a row.
                t = { ...t, kinds: ["int32", ...t.kinds], columns: [Array.from({ length: t.rows }, (_, r) => r), ...t.columns] };
                const names = t.kinds.map((k, i) => `${k}_${i}`);
                const schema: Schema = [{ name: "root", num_children: names.length }, ...t.kinds.map((k, i) => ({ ...KINDS[k].element, name: names[i] }))];
                const parquet = new Uint8Array(
                    parquetWriteBuffer({
                        schema,
                        rowGroupSize: t.rowGroupSize,
                        statistics: t.statistics,
                        columnData: names.map((name, i) => ({ name, data: t.columns[i] })),
                    }),
                );
                const lines = [names.join(",")];
                for (let r = 0; r < t.rows; r++) {
                    lines.push(t.columns.map((col, i) => (col[r] === null ? "" : KINDS[t.kinds[i]].text(col[r]))).join(","));
                }
                const csv = summarizeCut(Buffer.from(`${lines.join("\n")}\n`), { format: "csv", delimiter: ",", header: true });
                const pq = await summarizeParquet(bufferSource(parquet));
                assert.equal(pq.rows, csv.rows);
                pq.columns.forEach((p, i) => {
                    const c = csv.columns[i];
                    const figures = (x: typeof c) => ({ name: x.name, empty: x.empty, nonEmpty: x.nonEmpty, min: x.min, max: x.max, distinct: x.distinctApprox });
                    assert.deepEqual(figures(p), figures(c), names[i]);
                    // A double column whose values are all whole numbers is integer to the CSV's inference.
                    if (c.type !== "empty" && !(t.kinds[i] === "double" && c.type === "integer")) {
                        assert.equal(p.type, c.type, names[i]);
                    }
                });
            }),
            { numRuns: 150 },
        );
    });
});
