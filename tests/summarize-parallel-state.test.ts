import { strict as assert } from "assert";
import fc from "fast-check";
import { createSummarizer, FileSummary, summarizeStream, SummaryOptions } from "../app/src/processor/summarize";
import { mergeRegisters } from "../app/src/processor/summarize/columns";
import { HyperLogLog } from "../app/src/processor/summarize/hll";
import { parallelStats } from "../app/src/processor/summarize/parallel";

// The parallel path keeps one persistent state per column per thread and merges the states once at the end; these
// tests aim at what that merge must get right beyond the generated cases of summarize-parallel.test.ts: ties of
// extremes (the earliest occurrence wins, as sequentially), samples and the exact→HyperLogLog switch with several
// workers, and memory that does not grow with the input.

function serial(buf: Buffer, options?: SummaryOptions): FileSummary {
    const s = createSummarizer(options);
    s.write(buf);
    return s.end();
}

async function* chunksOf(buf: Buffer, size: number): AsyncGenerator<Buffer> {
    for (let i = 0; i < buf.length; i += size) {
        yield buf.subarray(i, i + size);
    }
}

function withoutMean(s: FileSummary): unknown {
    return { ...s, compression: "none", columns: s.columns.map((c) => ({ ...c, mean: undefined })) };
}

describe("summarize: parallel per-thread column state", function () {
    this.timeout(120000);

    it("breaks ties of extremes by earliest occurrence (-0 vs 0, one instant spelled differently)", async () => {
        const spellings = ["2020-01-01T00:00:00Z", "2020-01-01T00:00Z", "2020-01-01 00:00:00+00:00", "2020-01-01T01:00+01:00"];
        const late = ["2030-05-05T05:05:05Z", "2030-05-05T05:05:05.000Z", "2030-05-05 05:05:05Z"];
        for (let variant = 0; variant < 6; variant++) {
            const rows = ["z,ts,f"];
            // A sequential prefix without the extremes, then the tied extremes in every block, in rotating spellings.
            for (let i = 0; i < 300; i++) {
                rows.push(`5,2025-01-01,1.5`);
            }
            for (let i = 0; i < 6000; i++) {
                const k = i + variant;
                rows.push(`${k % 2 === 0 ? "0" : "-0"},${(k >> 1) % 2 === 0 ? spellings[k % 4] : late[k % 3]},${k % 3 === 0 ? "-0.0" : "0.0"}`);
            }
            const text = Buffer.from(rows.join("\n") + "\n");
            for (const parallelism of [2, 3]) {
                const o: SummaryOptions = { parallelism, parallelMinBytes: 2000, parallelBlockBytes: 211 + 97 * variant };
                const before = parallelStats.blocks;
                const par = await summarizeStream(chunksOf(text, 4096), o);
                assert.ok(parallelStats.blocks - before > 50, "many blocks");
                const ser = serial(text, o);
                assert.deepEqual(withoutMean(par), withoutMean(ser), `variant ${variant}, parallelism ${parallelism}`);
                assert.ok(Object.is(par.columns[0].min, ser.columns[0].min) && Object.is(par.columns[0].max, ser.columns[0].max));
                assert.ok(Object.is(par.columns[2].min, ser.columns[2].min) && Object.is(par.columns[2].max, ser.columns[2].max));
            }
        }
    });

    it("merges samples, exact distinct counts and the switch to HyperLogLog across several workers", async () => {
        const rows = ["a,b,c,d"];
        for (let i = 0; i < 20000; i++) {
            // a: distinct values appear late and spread; b: exactly 256 distinct; c: 257 (switches); d: 3 values.
            rows.push(`${i < 5000 ? "x" : `v${(i * 31) % 700}`},${(i * 7) % 256},w${(i * 13) % 257},${["p", "q", "r"][Math.floor(i / 4000) % 3]}`);
        }
        const text = Buffer.from(rows.join("\n") + "\n");
        for (const parallelism of [2, 4]) {
            for (const sampleSize of [1, 5, 300]) {
                const o: SummaryOptions = { parallelism, parallelMinBytes: 1000, parallelBlockBytes: 1500, sampleSize };
                const par = await summarizeStream(chunksOf(text, 8192), o);
                const ser = serial(text, o);
                assert.deepEqual(withoutMean(par), withoutMean(ser), `parallelism ${parallelism}, sampleSize ${sampleSize}`);
            }
        }
    });

    it("merges JSON Lines keys first seen in different threads in input order", async () => {
        const lines: string[] = [];
        for (let i = 0; i < 4000; i++) {
            const o: Record<string, unknown> = { id: i };
            if (i % 37 === 0) {
                o[`k${i % 50}`] = i % 2 === 0 ? -0 : 0;
            }
            if (i > 1000 && i % 11 === 0) {
                o[`late${(i * 7) % 23}`] = `s${i % 9}`;
            }
            lines.push(JSON.stringify(o));
        }
        const text = Buffer.from(lines.join("\n") + "\n");
        for (const parallelism of [2, 3]) {
            const o: SummaryOptions = { parallelism, parallelMinBytes: 500, parallelBlockBytes: 700, sampleSize: 4 };
            assert.deepEqual(withoutMean(await summarizeStream(chunksOf(text, 3000), o)), withoutMean(serial(text, o)), `parallelism ${parallelism}`);
        }
    });
});

describe("summarize: HyperLogLog registers merged from a column state", () => {
    /** A column's sketch of `hashes` at `precision`, with its exact set as the column keeps it (hash 0 as key 1), or none. */
    function state(hashes: number[], precision: number, exact: boolean) {
        const hll = new HyperLogLog(precision);
        const table = new Int32Array(1024);
        for (const h of hashes) {
            hll.add(h);
            const key = h === 0 ? 1 : h | 0;
            let slot = key & (table.length - 1);
            while (table[slot] !== 0 && table[slot] !== key) {
                slot = (slot + 1) & (table.length - 1);
            }
            table[slot] = key;
        }
        return { precision, registers: hll.registers, exact: exact ? table : null };
    }

    function sketch(hashes: number[], precision: number): Uint8Array {
        const hll = new HyperLogLog(precision);
        hashes.forEach((h) => hll.add(h));
        return hll.registers;
    }

    // Hash 0 and hashes whose index bits are all 0 or all 1 share registers with the keys the exact set stores for them.
    const hash = fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0x80000000, 0x0003ffff), fc.integer({ min: 0, max: 0xffffffff }));
    const hashes = fc.array(hash, { maxLength: 300 });

    it("gives the sketch of both columns' values, with or without the exact set, at the same precision and from p+2", () => {
        fc.assert(
            fc.property(hashes, hashes, fc.constantFrom(4, 10, 14), fc.boolean(), fc.boolean(), (mine, theirs, p, exact, finer) => {
                const into = new HyperLogLog(p);
                mine.forEach((h) => into.add(h));
                mergeRegisters(into, state(theirs, finer ? p + 2 : p, exact));
                assert.deepEqual(into.registers, sketch([...mine, ...theirs], p));
            }),
            { numRuns: 300 },
        );
    });

    it("refuses a precision it cannot convert", () => {
        assert.throws(() => mergeRegisters(new HyperLogLog(14), state([1], 12, true)), /cannot merge HyperLogLog precision 12 into 14/);
    });
});
