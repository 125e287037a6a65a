import { strict as assert } from "assert";
import fc from "fast-check";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FileSummary, mergePartials, PartialSummary, resolvePartials, summarizePartial, SummaryOptions } from "../app/src/processor/summarize";
import { HyperLogLog } from "../app/src/processor/summarize/hll";
import { decodeRegisters, encodeRegisters, PARTIAL_VERSION } from "../app/src/processor/summarize/partial";
import { bufferRangeReader, RangeReader } from "../app/src/processor/summarize/reader";
import { AbortedError } from "../app/src/processor/summarize/types";
import { assertSame, csvCase, jsonCase, sameAsSerial } from "./support/summarize-cases";
import { summarizeCut, withFileReader } from "./support/summarize-run";
import { TS_REGISTER } from "./support/ts-process";

// Range summaries (summarizePartial over consecutive ranges, then mergePartials) must give exactly the sequential
// summary, whatever the cut points, also after the partials went through JSON.

/** Ranges [0, c1), [c1, c2), … [ck, size) for cut points taken modulo size + 1. */
function rangesOf(size: number, cuts: number[]): { start: number; end: number }[] {
    const points = [...new Set(cuts.map((c) => c % (size + 1)))].filter((c) => c > 0 && c < size).sort((a, b) => a - b);
    const bounds = [0, ...points, size];
    const out: { start: number; end: number }[] = [];
    for (let i = 0; i + 1 < bounds.length; i++) {
        out.push({ start: bounds[i], end: bounds[i + 1] });
    }
    return out.length > 0 ? out : [{ start: 0, end: size }];
}

async function byRanges(reader: RangeReader, cuts: number[], options: SummaryOptions): Promise<{ summary: FileSummary; reruns: number }> {
    const made = await Promise.all(rangesOf(reader.size, cuts).map((r) => summarizePartial(reader, r, options)));
    // Partials are plain JSON.
    const partials = JSON.parse(JSON.stringify(made)) as PartialSummary[];
    const resolved = await resolvePartials(reader, partials, options);
    const reruns = resolved.filter((p, i) => p !== partials[i]).length;
    return { summary: mergePartials(JSON.parse(JSON.stringify(resolved)) as PartialSummary[], options), reruns };
}

async function sameByRanges(bytes: Buffer, cuts: number[], options: SummaryOptions, chunk: number, what: string): Promise<number> {
    let reruns = 0;
    await sameAsSerial(
        bytes,
        options,
        async () => {
            const r = await byRanges(bufferRangeReader(bytes, chunk), cuts, options);
            reruns = r.reruns;
            return r.summary;
        },
        what,
    );
    return reruns;
}

const cutsArb = fc.array(fc.nat(), { minLength: 0, maxLength: 12 });

describe("summarize: ranges merged == serial", function () {
    this.timeout(300000);

    it("on generated CSV (quotes, embedded newlines, CRLF, ragged, over-long and invalid rows) at random cut points", async () => {
        let reruns = 0;
        await fc.assert(
            fc.asyncProperty(csvCase(","), cutsArb, async (c, cuts) => {
                reruns += await sameByRanges(c.text, cuts, c.options, c.chunk, "csv");
            }),
            { numRuns: 120 },
        );
        // Some cut points fall inside multi-line quoted fields: those ranges are summarised again from the right entry.
        assert.ok(reruns > 0, "no range ever started inside a quoted field");
    });

    it("on generated TSV and semicolon files", async () => {
        for (const d of ["\t", ";"]) {
            await fc.assert(
                fc.asyncProperty(csvCase(d), cutsArb, async (c, cuts) => {
                    await sameByRanges(c.text, cuts, c.options, c.chunk, JSON.stringify(d));
                }),
                { numRuns: 30 },
            );
        }
    });

    it("on generated JSON Lines", async () => {
        await fc.assert(
            fc.asyncProperty(jsonCase, cutsArb, async (c, cuts) => {
                await sameByRanges(c.text, cuts, c.options, c.chunk, "jsonl");
            }),
            { numRuns: 60 },
        );
    });

    it("on arbitrary bytes with tiny ranges (every byte a range)", async () => {
        const bytesArb = fc.oneof(
            fc.uint8Array({ maxLength: 120 }),
            fc.array(fc.constantFrom(..."ab,;\t|\"\r\n\n{}:1.-é ".split("")), { maxLength: 120 }).map((a) => new Uint8Array(Buffer.from(a.join("")))),
        );
        await fc.assert(
            fc.asyncProperty(bytesArb, fc.integer({ min: 1, max: 40 }), async (raw, maxLineBytes) => {
                const bytes = Buffer.from(raw);
                const every = Array.from({ length: bytes.length }, (_, i) => i);
                await sameByRanges(bytes, every, { maxLineBytes }, 3, "bytes");
            }),
            { numRuns: 300 },
        );
    });

    it("keeps -0, infinite extremes and high-cardinality columns through JSON", async () => {
        const lines = ["a,b,c"];
        for (let i = 0; i < 3000; i++) {
            lines.push(`${i % 7 === 0 ? "-0" : i - 1500},v${i},2020-01-0${(i % 9) + 1}T00:00:00Z`);
        }
        lines.push("0,x,2020-01-01T00:00:00.000Z");
        const bytes = Buffer.from(lines.join("\n") + "\n");
        await sameByRanges(bytes, [5, 1000, 17000, 17001, 30000], {}, 4096, "high-cardinality");
    });

    it("reads a local file at positions", async () => {
        const text = Buffer.from(["id,name,when", ...Array.from({ length: 5000 }, (_, i) => `${i},"n ""${i}""\nsecond line",2021-01-01`)].join("\r\n"));
        await withFileReader(text, async (reader) => {
            const options = {};
            const cuts = [100, 3000, 50000, 70001];
            const { summary } = await byRanges(reader, cuts, options);
            assertSame(summary, summarizeCut(text, options), "file");
            assert.equal(summary.rows, 5000);
        });
    });

    it("keeps the summarisers' field layout when a file's size comes from fstat (a heap double), so the scanning code compiled for one range serves the next", () => {
        // V8 turns a field that was only ever given small integers into a double field for every object of its class
        // when one double is stored, and code compiled for the objects made before stops at the next one (measured on
        // the bench's 1 GB file: about 0.15 CPU s per thread). fstat gives sizes as doubles; the reader and the merge
        // store them as small integers. V8's own test functions (--allow-natives-syntax) tell both apart.
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "partial-"));
        try {
            const file = path.join(dir, "in.csv");
            fs.writeFileSync(file, ["id,amount", ...Array.from({ length: 2000 }, (_, i) => `${i},${i * 1.5}`)].join("\n"));
            const at = (f: string) => JSON.stringify(path.join(__dirname, "..", "app", "src", "processor", "summarize", f));
            const code = `
                const fs = require("fs");
                const { openFileRange } = require(${at("reader")});
                const { summarizePartial, PartialMerger } = require(${at("partial")});
                const { CoreSummarizer } = require(${at("summarizer")});
                const isSmi = new Function("x", "return %IsSmi(x)");
                const sameMap = new Function("a", "b", "return %HaveSameMap(a, b)");
                (async () => {
                    const reader = await openFileRange(${JSON.stringify(file)});
                    const before = new CoreSummarizer({});
                    const first = await summarizePartial(reader, { start: 0, end: reader.size });
                    const statSize = fs.statSync(${JSON.stringify(file)}).size;
                    new PartialMerger({ ...first, size: statSize }).end();
                    const after = new CoreSummarizer({});
                    console.log(JSON.stringify({ statSizeSmall: isSmi(statSize), readerSizeSmall: isSmi(reader.size), sameLayout: sameMap(before, after) }));
                    await reader.close();
                })();`;
            const run = spawnSync(process.execPath, ["--allow-natives-syntax", ...TS_REGISTER, "-e", code], { encoding: "utf8", timeout: 30000 });
            assert.equal(run.status, 0, run.stderr);
            assert.deepEqual(JSON.parse(run.stdout), { statSizeSmall: false, readerSizeSmall: true, sameLayout: true });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("reads a file into two buffers that take turns when asked to reuse them, and gives a read at the same time its own", async () => {
        const bytes = Buffer.alloc(5 * 1048576 + 123);
        for (let i = 0; i < bytes.length; i++) {
            bytes[i] = (i * 31 + (i >> 13)) & 0xff;
        }
        await withFileReader(bytes, async (reader) => {
            /** Reads [start, end), copying each chunk before asking for the next; the ArrayBuffers it came in. */
            const readAll = async (iter: AsyncIterable<Uint8Array>): Promise<{ copy: Buffer; memory: Set<ArrayBufferLike> }> => {
                const parts: Buffer[] = [];
                const memory = new Set<ArrayBufferLike>();
                for await (const c of iter) {
                    parts.push(Buffer.from(c));
                    memory.add(c.buffer);
                }
                return { copy: Buffer.concat(parts), memory };
            };
            const reused = await readAll(reader.read(7, bytes.length, undefined, true));
            assert.ok(reused.copy.equals(bytes.subarray(7)));
            assert.equal(reused.memory.size, 2, "six chunks in two buffers");
            // A chunk stays as it was while the caller asks for the next one (summarizeStream reads one ahead).
            const iter = reader.read(7, bytes.length, undefined, true)[Symbol.asyncIterator]();
            let at = 7;
            for (let cur = await iter.next(); !cur.done; ) {
                const ahead = await iter.next();
                // Other work runs meanwhile (the reader reads nothing until it is asked for the next chunk).
                await new Promise((resolve) => setImmediate(resolve));
                assert.ok(Buffer.from(cur.value).equals(bytes.subarray(at, at + cur.value.length)), `the chunk at ${at}`);
                at += cur.value.length;
                cur = ahead;
            }
            assert.equal(at, bytes.length);
            const fresh = await readAll(reader.read(7, bytes.length));
            assert.ok(fresh.copy.equals(bytes.subarray(7)));
            assert.ok(fresh.memory.size >= 6, `a buffer per chunk without reuse, got ${fresh.memory.size}`);
            // Two reads with reuse at once: each has the right bytes (the second does not share the first's buffers).
            const [a, b] = await Promise.all([readAll(reader.read(0, 3 * 1048576, undefined, true)), readAll(reader.read(1048576, bytes.length, undefined, true))]);
            assert.ok(a.copy.equals(bytes.subarray(0, 3 * 1048576)));
            assert.ok(b.copy.equals(bytes.subarray(1048576)));
            assert.equal([...a.memory].filter((m) => b.memory.has(m)).length, 0);
            // The reader's buffers serve the next read once the first ends.
            const again = await readAll(reader.read(0, 2 * 1048576 + 1, undefined, true));
            assert.ok(again.copy.equals(bytes.subarray(0, 2 * 1048576 + 1)));
            assert.ok([...again.memory].every((m) => reused.memory.has(m)));
        });
    });

    it("lets the event loop run between the chunks of a file it reads, so that an abort from a timer stops a long read", async () => {
        await withFileReader(Buffer.alloc(6 * 1048576, 0x61), async (reader) => {
            const ac = new AbortController();
            // Fires at the first turn of the event loop: only if the reader lets it run between chunks.
            setImmediate(() => ac.abort());
            let chunks = 0;
            await assert.rejects(async () => {
                for await (const c of reader.read(0, reader.size, ac.signal, true)) {
                    assert.equal(c.length, 1048576);
                    chunks++;
                }
            }, AbortedError);
            assert.ok(chunks < 6, `stopped after ${chunks} of 6 chunks`);
        });
    });

    it("summarises ranges of a multi-MiB file read in reused buffers exactly as the whole input, with ranges read at once", async () => {
        // Records of every length up to ~3 KiB, quoted fields with line ends: many records span chunk boundaries.
        const lines = ["id,text,n"];
        for (let i = 0; i < 12000; i++) {
            lines.push(`${i},"${"x".repeat((i * 37) % 900)}\n${"é".repeat(i % 5)}""q""",${(i * 7919) % 10007}.${i % 10}`);
        }
        const text = Buffer.from(lines.join("\n") + "\n");
        assert.ok(text.length > 5 * 1048576, String(text.length));
        await withFileReader(text, async (reader) => {
            const { summary } = await byRanges(reader, [1048575, 2 * 1048576 + 3, 4 * 1048576 - 1], {});
            assertSame(summary, summarizeCut(text, {}), "reused buffers");
            assert.equal(summary.rows, 12000);
        });
    });

    it("refuses partials that do not chain, or do not cover the input", async () => {
        const bytes = Buffer.from('a,b\n1,"x\n2,y"\n3,z\n4,w\n');
        const reader = bufferRangeReader(bytes);
        // Byte 9 is the line start inside the quoted field: the guess is wrong there.
        const parts = [await summarizePartial(reader, { start: 0, end: 6 }), await summarizePartial(reader, { start: 6, end: bytes.length })];
        assert.equal(parts[0].exit, 14);
        assert.equal(parts[1].entry, 9);
        assert.throws(() => mergePartials(parts), /partial 1 starts at byte 9, but the previous range's records end at 14/);
        assert.throws(() => mergePartials([parts[0]]), /end at byte 6, not at the input's end/);
        assert.throws(() => mergePartials([parts[1]]), /range starting at byte 0/);
        const fixed = await resolvePartials(reader, parts);
        assert.equal(fixed[1].entry, 14);
        assert.deepEqual(mergePartials(fixed), summarizeCut(bytes, {}));
        await assert.rejects(summarizePartial(reader, { start: 3, end: 2 }), /0 <= start <= end/);
    });

    it("starts a range cut inside a record with a multi-line quoted field at the next record, when the line after the cut is not a record", async () => {
        // The second line of every record is `second",N`: 2 fields of 3, so it cannot start a record.
        const bytes = Buffer.from(["id,note,n", ...Array.from({ length: 200 }, (_, i) => `${i},"first ${i}\nsecond",${i}`)].join("\n") + "\n");
        const reader = bufferRangeReader(bytes, 256);
        const text = bytes.toString("latin1");
        // Cuts inside `"first 120` (inside quotes) and inside `120,` (outside quotes, before the quoted field opens on
        // that line): either way the range's first record is 121.
        for (const cut of [text.indexOf('"first 120') + 3, text.indexOf("\n120,") + 2]) {
            const parts = [await summarizePartial(reader, { start: 0, end: cut }), await summarizePartial(reader, { start: cut, end: bytes.length })];
            assert.equal(parts[1].entry, text.indexOf("\n121,") + 1, `cut at ${cut}`);
            assert.equal(parts[1].entry, parts[0].exit);
            const resolved = await resolvePartials(reader, parts);
            assert.ok(resolved.every((p, i) => p === parts[i]), "no range was summarised again");
            assert.deepEqual(mergePartials(resolved), summarizeCut(bytes, {}));
        }
    });

    it("writes each column's registers sparse while fewer than a quarter are set, and still merges version 1 partials (all registers) to the same summary", async () => {
        // Column a: 3 values (an exact set); b: 2,000 distinct (no exact set, under 4,096 registers set); c: 20,000 distinct.
        const lines = ["a,b,c", ...Array.from({ length: 20000 }, (_, i) => `${["x", "y", "z"][i % 3]},b${i % 2000},c${i}`)];
        const bytes = Buffer.from(lines.join("\n") + "\n");
        const reader = bufferRangeReader(bytes, 65536);
        const parts = await Promise.all(rangesOf(bytes.length, [100000, 250000]).map((r) => summarizePartial(reader, r)));
        assert.deepEqual(parts.map((p) => p.version), [PARTIAL_VERSION, PARTIAL_VERSION, PARTIAL_VERSION]);
        assert.equal(PARTIAL_VERSION, 2);
        const forms = parts[0].columns.map((c) => (c.sketch === undefined ? "none" : "sparse" in c.sketch ? "sparse" : "dense"));
        assert.deepEqual(forms, ["sparse", "sparse", "dense"]);
        assert.ok(parts[0].columns.every((c) => c.registers === undefined), "no version 1 field");
        const sizeOf = (i: number) => JSON.stringify(parts[0].columns[i]).length;
        assert.ok(sizeOf(0) < 700, `3 values take ${sizeOf(0)} bytes of JSON`);
        assert.equal(Buffer.from(parts[0].columns[0].exact as string, "base64").length, 12, "the exact set: its 3 keys");
        assert.ok(sizeOf(2) > 16384, `a dense column keeps every register: ${sizeOf(2)} bytes`);
        const expected = summarizeCut(bytes, {});
        assertSame(mergePartials(JSON.parse(JSON.stringify(parts)) as PartialSummary[]), expected, "version 2");
        // The same partials as a reader of version 1 wrote them: every register, base64, as `registers`.
        const v1 = parts.map((p) => ({ ...p, version: 1, columns: p.columns.map(({ sketch: _, ...c }) => ({ ...c, registers: Buffer.from(decodeRegisters({ ...c, sketch: _ }, 0)).toString("base64") })) }));
        assertSame(mergePartials(JSON.parse(JSON.stringify(v1)) as PartialSummary[]), expected, "version 1");
        // Versions mixed (one shard's task from before a deploy): still the same summary.
        assertSame(mergePartials([v1[0], parts[1], v1[2]]), expected, "versions 1 and 2");
    });

    it("encodes any registers so that they decode to the same bytes, sparse only when shorter", () => {
        const forms = { sparse: 0, dense: 0 };
        fc.assert(
            fc.property(fc.integer({ min: 4, max: 18 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(), fc.array(fc.nat(), { maxLength: 8 }), (precision, density, seed, picks) => {
                // Registers set at random (from fast-check's seed, so that a failure replays) with the drawn density.
                let state = seed | 1;
                const next = () => ((state = Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x297a2d39) >>> 0) / 2 ** 32;
                const registers = new Uint8Array(2 ** precision);
                for (let i = 0; i < registers.length; i++) {
                    registers[i] = next() < density ? 1 + Math.floor(next() * (33 - precision)) : 0;
                }
                // The first and last registers, and a few more, set to the largest rank at this precision.
                for (const i of [0, registers.length - 1, ...picks.map((n) => n % registers.length)]) {
                    registers[i] = 33 - precision;
                }
                const sketch = encodeRegisters(registers);
                const nonZero = registers.filter((r) => r !== 0).length;
                assert.equal("sparse" in sketch, 4 * nonZero < registers.length, `${nonZero} of ${registers.length} set`);
                assert.deepEqual(decodeRegisters({ name: "c", precision, sketch }, 0), registers);
                // The same registers at an odd byte offset (a view into a larger buffer) encode the same.
                const unaligned = new Uint8Array(registers.length + 1).subarray(1);
                unaligned.set(registers);
                assert.deepEqual(encodeRegisters(unaligned), sketch);
                forms["sparse" in sketch ? "sparse" : "dense"]++;
            }),
            { numRuns: 200 },
        );
        assert.ok(forms.sparse > 20 && forms.dense > 20, JSON.stringify(forms));
    });

    it("encodes the registers of a column with an exact set from the set's keys, as from all the registers", () => {
        const edges = fc.constantFrom(0, 1, 0xffffffff, 0x80000000, 0x7fffffff, 0x00010000);
        fc.assert(
            fc.property(fc.integer({ min: 4, max: 18 }), fc.array(fc.oneof(edges, fc.integer({ min: 0, max: 0xffffffff })), { maxLength: 256 }), (precision, hashes) => {
                // The column's sketch and exact set (a table of 512 slots, keys as Column.addExact makes them).
                const hll = new HyperLogLog(precision);
                const table = new Int32Array(512);
                for (const h of hashes) {
                    hll.add(h);
                    const key = h === 0 ? 1 : h | 0;
                    let slot = key & 511;
                    while (table[slot] !== 0 && table[slot] !== key) slot = (slot + 1) & 511;
                    table[slot] = key;
                }
                const sketch = encodeRegisters(hll.registers, table);
                assert.deepEqual(sketch, encodeRegisters(hll.registers));
                assert.deepEqual(decodeRegisters({ name: "c", precision, sketch }, 0), hll.registers);
            }),
            { numRuns: 300 },
        );
    });

    it("refuses a partial of a version it does not read, and registers that are not those of the column's precision, naming them", async () => {
        const bytes = Buffer.from("a,b\n1,x\n2,y\n3,z\n");
        const reader = bufferRangeReader(bytes);
        const parts = [await summarizePartial(reader, { start: 0, end: 8 }), await summarizePartial(reader, { start: 8, end: bytes.length })];
        assert.throws(() => mergePartials([parts[0], { ...parts[1], version: 3 }]), /^RangeError: partial 1 is of version 3; this merge reads versions 1 and 2$/);
        assert.throws(() => mergePartials([{ ...parts[0], version: 0 }, parts[1]]), /partial 0 is of version 0/);
        const withColumn = (i: number, change: object) => [parts[0], { ...parts[1], columns: parts[1].columns.map((c, k) => (k === i ? { ...c, ...change } : c)) }];
        assert.throws(() => mergePartials(withColumn(0, { sketch: undefined })), /partial column 0: it has neither `sketch` \(version 2\) nor `registers` \(version 1\); a column of precision 14 has 16384 registers/);
        assert.throws(() => mergePartials(withColumn(1, { sketch: { dense: Buffer.alloc(100).toString("base64") } })), /partial column 1: it has 100 registers; a column of precision 14/);
        assert.throws(() => mergePartials(withColumn(1, { sketch: { sparse: Buffer.from([1, 2, 3]).toString("base64") } })), /3 bytes, not a whole number of 4-byte entries/);
        const outside = Buffer.alloc(4);
        outside.writeUInt32LE(((1 << 14) << 8) | 5);
        assert.throws(() => mergePartials(withColumn(1, { sketch: { sparse: outside.toString("base64") } })), /sparse entry 0 names register 16384 with value 5/);
    });

    it("refuses gzip input", async () => {
        const reader = bufferRangeReader(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]));
        await assert.rejects(summarizePartial(reader, { start: 0, end: 6 }), /gzip input cannot be read in ranges/);
    });
});
