import { strict as assert } from "assert";
import fc from "fast-check";
import * as zlib from "zlib";
import { AbortedError, createSummarizer, FileSummary, InputError, summarizeStream, SummaryOptions } from "../app/src/processor/summarize";
import { parallelStats } from "../app/src/processor/summarize/parallel";
import { findCut, CUT_NONE, CUT_SKIP } from "../app/src/processor/summarize/split";
import { CoreSummarizer } from "../app/src/processor/summarize/summarizer";
import { stopIdleWorkers, warmStats } from "../app/src/processor/summarize/workers";
import { assertSame, csvCase, jsonCase } from "./support/summarize-cases";

// Parallel summarizeStream (worker threads over blocks of whole records) must give exactly the sequential summary.
// Blocks are forced tiny (parallelBlockBytes) so that small inputs cross many block boundaries.

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

async function parallel(buf: Buffer, options: SummaryOptions, chunk: number, gzip = false): Promise<FileSummary> {
    const before = parallelStats.blocks;
    const src = gzip ? zlib.gzipSync(buf) : buf;
    const s = await summarizeStream(chunksOf(src, chunk), { parallelism: 2, ...options });
    (s as { blocksUsed?: number }).blocksUsed = parallelStats.blocks - before;
    return s;
}

/** Either the summary or the error, for comparing runs that may fail (e.g. no delimiter detected). */
async function same(par: () => Promise<FileSummary>, ser: () => FileSummary, what: string): Promise<FileSummary | undefined> {
    let serErr: unknown;
    let serSum: FileSummary | undefined;
    try {
        serSum = ser();
    } catch (e) {
        serErr = e;
    }
    if (serSum === undefined) {
        await assert.rejects(par(), (e: unknown) => {
            assert.ok(e instanceof Error && serErr instanceof Error, String(e));
            assert.equal(e.name, serErr.name);
            assert.equal(e.message, serErr.message);
            assert.equal((e as InputError).code, (serErr as InputError).code);
            return true;
        });
        return undefined;
    }
    const p = await par();
    assertSame(p, serSum, what);
    return p;
}

// ---- tests ----------------------------------------------------------------------------------------------------------

describe("summarize: parallel == serial", function () {
    this.timeout(120000);

    it("on generated CSV (quotes, embedded newlines, CRLF, ragged, over-long and invalid rows) across many blocks", async () => {
        let used = 0;
        await fc.assert(
            fc.asyncProperty(csvCase(","), async (c) => {
                const par = await same(() => parallel(c.text, c.options, c.chunk), () => serial(c.text, c.options), "csv");
                used += par !== undefined && (par as { blocksUsed?: number }).blocksUsed! > 1 ? 1 : 0;
            }),
            { numRuns: 120 },
        );
        assert.ok(used >= 60, `only ${used} runs used several blocks`);
    });

    it("on generated TSV and semicolon files", async () => {
        for (const d of ["\t", ";"]) {
            await fc.assert(
                fc.asyncProperty(csvCase(d), async (c) => {
                    await same(() => parallel(c.text, c.options, c.chunk), () => serial(c.text, c.options), JSON.stringify(d));
                }),
                { numRuns: 30 },
            );
        }
    });

    it("on generated JSON Lines", async () => {
        await fc.assert(
            fc.asyncProperty(jsonCase, async (c) => {
                await same(() => parallel(c.text, c.options, c.chunk), () => serial(c.text, c.options), "jsonl");
            }),
            { numRuns: 80 },
        );
    });

    it("on gzip input", async () => {
        await fc.assert(
            fc.asyncProperty(csvCase(","), async (c) => {
                const par = await same(() => parallel(c.text, c.options, c.chunk, true), () => serial(c.text, c.options), "gzip");
                assert.ok(par === undefined || par.compression === "gzip");
            }),
            { numRuns: 20 },
        );
    });

    it("keeps high-cardinality columns (HyperLogLog registers, samples, exact→HLL switch) identical", async () => {
        const rows: string[] = ["id,few,mid,ts,f"];
        for (let i = 0; i < 30000; i++) {
            rows.push(`${(i * 7919) % 100003},${i % 3},m${i % 300},2020-01-${String((i % 28) + 1).padStart(2, "0")}T00:00:${String(i % 60).padStart(2, "0")}Z,${(i % 1000) / 7}`);
        }
        const text = Buffer.from(rows.join("\n") + "\n");
        for (const block of [1000, 65536]) {
            const o: SummaryOptions = { parallelBlockBytes: block, parallelMinBytes: 5000, sampleSize: 10 };
            const par = await parallel(text, o, 4096);
            assert.ok((par as { blocksUsed?: number }).blocksUsed! > 5);
            assertSame(par, serial(text, o), `block ${block}`);
            assert.ok(par.columns[0].distinctApprox > 20000);
            // 300 distinct values is past the exact set: a HyperLogLog estimate (standard error ≈ 0.8 %).
            assert.ok(Math.abs(par.columns[2].distinctApprox - 300) <= 6, `${par.columns[2].distinctApprox}`);
        }
    });

    it("merges JSON Lines with more than 1000 keys (precision 14 → 12 folding) identically", async () => {
        const lines: string[] = [];
        for (let i = 0; i < 120; i++) {
            const o: Record<string, number | string> = {};
            for (let k = 0; k < 15; k++) {
                o[`k${i * 15 + k}`] = i * k;
                o[`old${(i * 3 + k) % 40}`] = `v${i * k}`;
            }
            lines.push(JSON.stringify(o));
        }
        const text = Buffer.from(lines.join("\n") + "\n");
        const o: SummaryOptions = { parallelBlockBytes: 900, parallelMinBytes: 0 };
        const ser = serial(text, o);
        assert.ok(ser.columns.length > 1500);
        assertSame(await parallel(text, o, 777), ser, "many keys");
    });

    it("fails like serial on too many JSON Lines keys", async () => {
        const lines: string[] = [];
        for (let i = 0; i < 110; i++) {
            const o: Record<string, number> = {};
            for (let k = 0; k < 100; k++) {
                o[`k${i * 100 + k}`] = k;
            }
            lines.push(JSON.stringify(o));
        }
        const text = Buffer.from(lines.join("\n") + "\n");
        const o: SummaryOptions = { parallelBlockBytes: 4096, parallelMinBytes: 0 };
        assert.throws(() => serial(text, o), (e: unknown) => e instanceof InputError && e.code === "too-many-columns");
        let ser: InputError | undefined;
        try {
            serial(text, o);
        } catch (e) {
            ser = e as InputError;
        }
        assert.ok(ser !== undefined);
        await assert.rejects(parallel(text, o, 10000), (e: unknown) => e instanceof InputError && e.code === ser!.code && e.message === ser!.message);
    });

    it("stays on the calling thread for small inputs and parallelism 1", async () => {
        const text = Buffer.from("a,b\n" + "1,2\n".repeat(1000));
        const runs = parallelStats.runs;
        assertSame(await summarizeStream(chunksOf(text, 100)), serial(text), "default");
        assertSame(await summarizeStream(chunksOf(text, 100), { parallelism: 1, parallelMinBytes: 0, parallelBlockBytes: 64 }), serial(text), "1");
        assert.equal(parallelStats.runs, runs);
        await assert.rejects(summarizeStream(chunksOf(text, 100), { parallelism: 0 }), RangeError);
    });

    it("stops promptly on abort and terminates the workers", async () => {
        const block = Buffer.from("1,2.5,hello,\"q\nq\"\n".repeat(50000));
        const controller = new AbortController();
        let pulledAfterAbort = 0;
        async function* endless(): AsyncGenerator<Buffer> {
            yield Buffer.from("a,b,c,d\n");
            for (;;) {
                if (controller.signal.aborted) {
                    pulledAfterAbort++;
                }
                yield block;
            }
        }
        const runs = parallelStats.runs;
        await stopIdleWorkers();
        setTimeout(() => controller.abort(), 300);
        await assert.rejects(summarizeStream(endless(), { parallelism: 2, parallelMinBytes: 1 << 20, parallelBlockBytes: 1 << 20 }, controller.signal), (e: unknown) => e instanceof AbortedError);
        // It stops reading at once: at most the block being read when the signal came.
        assert.ok(pulledAfterAbort <= 1, `read ${pulledAfterAbort} blocks after the abort`);
        assert.equal(parallelStats.runs, runs + 1, "ran in parallel");
        assert.equal(parallelStats.liveWorkers, 0, "no run holds a worker");
        assert.equal(warmStats.idle, 0, "the run's workers were not kept");
        for (let i = 0; i < 50 && warmStats.alive > 0; i++) {
            await new Promise((r) => setTimeout(r, 20));
        }
        assert.equal(warmStats.alive, 0, "the run's workers were stopped");
    });

    it("keeps its workers warm for the next run", async () => {
        const text = Buffer.from(["a,b", ...Array.from({ length: 40000 }, (_, i) => `${i},"x${i % 7}\ny"`)].join("\n"));
        const options = { parallelism: 3, parallelMinBytes: 1000, parallelBlockBytes: 20000 };
        const expected = serial(text);
        await stopIdleWorkers();
        const before = { ...warmStats };
        assertSame(await summarizeStream(chunksOf(text, 5000), options), expected, "first run");
        assert.equal(warmStats.started - before.started, 2);
        assert.equal(warmStats.idle, 2);
        const again = { ...warmStats };
        assertSame(await summarizeStream(chunksOf(zlib.gzipSync(text), 5000), options), { ...expected, compression: "gzip" }, "second run");
        assert.equal(warmStats.started, again.started, "no worker started");
        assert.equal(warmStats.reused - again.reused, 2);
    });
});

describe("summarize: block cuts", () => {
    /** findCut with the scanner's verdict from a summariser set up for 2-field CSV records. */
    const cutter = (window: number, jsonl = false) => {
        const core = new CoreSummarizer({ maxLineBytes: window - 2 });
        core.initBlocks({ format: jsonl ? "jsonl" : "csv", delimiter: ",", eol: 10, quotes: true, expected: 2, precision: 14 });
        return (s: string, skipping = false) =>
            findCut(Buffer.from(s, "latin1"), { jsonl, delim: 44, eol: 10, quote: 34, window }, skipping, core);
    };
    const cut = cutter(100);
    it("cuts after the last record end outside quotes", () => {
        assert.equal(cut("a,b\nc,d\ne"), 8);
        assert.equal(cut('a,"b\nc"\nd,"e\nf'), 8);
        assert.equal(cut('a,b"c\nd'), 6, "a quote inside a field is literal");
        assert.equal(cut('"a"x\ny'), 5);
        assert.equal(cut("abc"), CUT_NONE);
        assert.equal(cut('"abc\n'), CUT_NONE);
        assert.equal(cut('x\n"abc"'), 2, "undecided after a closing quote at the end");
    });
    it("cuts where the scanner ends a bad record: after its first line", () => {
        assert.equal(cut('"a""\nb"\nc,d\n'), 12, "a one-field record spanning lines is a bad first line; the next line is read as a record");
        assert.equal(cut('1,"oops\n2,3\n4,5'), CUT_NONE, "undecided: the quote may still close into a valid record");
        assert.equal(cut('1,"oops\n2,3\n4,"x"\n5,'), 18, "a stray quote costs its line; the cut holds the bytes that decided it");
        assert.equal(cut('1,"oops\n2,3\n4,"x"'), CUT_NONE, "no cut before the byte after the closing quote");
        assert.equal(cut('1,"x"y,"a\nb",c\n2,"3'), 15, "text after a closing quote ends the record at its first line end; the next line is a record");
        assert.equal(cut('1,"a\nb"\n2,3\n'), 12, "a valid record spanning lines");
        assert.equal(cut('1,"a\nb"\n2,"3'), 8);
    });
    it("follows over-long records like the scanner", () => {
        const cut8 = cutter(8);
        assert.equal(cut8('"aaaaaaaaaa\n,"x\ny'), 12, "resumes after the first line end");
        assert.equal(cut('"aaaaaaaaaa\n,"x\ny'), CUT_NONE, "text after the closing quote makes a bad first line, but the cut must hold that text");
        assert.equal(cut('"aaaaaaaaaa\n,"x\ny"\nz\n'), 21);
        assert.equal(cut8('"' + "x".repeat(20)), CUT_SKIP);
        assert.equal(cut8("x".repeat(20)), CUT_SKIP);
        assert.equal(cut("abc", true), CUT_SKIP);
        assert.equal(cut('ab"c\nd"e\n', true), 9);
        const json = cutter(100, true);
        assert.equal(json("{}\n{"), 3);
        assert.equal(json("{"), CUT_NONE);
    });
});
