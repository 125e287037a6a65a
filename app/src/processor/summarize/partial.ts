/**
 * Range summaries: the records that START in a byte range [start, end) of an input, summarised on their own into a
 * PartialSummary (plain JSON), and partials of consecutive ranges merged into exactly the sequential summary.
 *
 * Every range detects the layout (format, delimiter, header, line ends, field count) from the input's first bytes,
 * so all agree. The first range (start 0) is read like the whole input, stopping at the first record start at or
 * after its end. Any other range starts at its entry: a record start. Unless the caller knows it (`entry`, the
 * previous range's `exit`), the entry is guessed: the sequential scanner starts a record at every line start except
 * those inside a multi-line quoted record (a record's fate is decided within maxLineBytes of its start, and a bad
 * record costs exactly its first line), so the first line start at or after `start` is right unless `start` falls
 * inside a record with a quoted field that spans lines. guessEntry also tries the record ends after `start` in both
 * quote states, and takes the first candidate whose next records are well-formed. A range reads past its end to
 * finish the record that straddles it, and reports where the next record starts (`exit`). Consecutive partials chain
 * when each entry is the previous exit; a range whose guess was wrong is summarised again from the right entry
 * (resolvePartials), which only happens with multi-line quoted fields.
 */
import { CoreSummarizer, BlockConfig, BlockResult, RangeHead } from "./summarizer";
import { Column, type ColumnState } from "./columns";
import type { RangeReader } from "./reader";
import { AbortedError, FileSummary, SummaryOptions } from "./types";

export interface ByteRange {
    start: number;
    end: number;
    /** A known record start at or after `start` (the previous range's exit): the range's first record. */
    entry?: number;
}

/** A number that JSON cannot carry (±Infinity, NaN, -0) is written as its name. */
type JsonNumber = number | string;

/**
 * The version of the partials this code writes. Version 2 writes a column's HyperLogLog registers as `sketch`, sparse
 * when that is smaller, and its exact set as its keys alone; version 1 wrote all the registers as `registers`, and the
 * exact set's whole table (its free slots as 0). Both are read. A reader that knows only version 1
 * finds no `registers` in a version 2 partial and fails the merge, so a mix of versions (a rolling deploy while a file's
 * shards run) ends in a failed merge that names the error, never in a wrong distinct count.
 */
const PARTIAL_VERSION = 2;

/** The versions of the partials this code reads. */
const READABLE_PARTIAL_VERSIONS: readonly number[] = [1, PARTIAL_VERSION];

// Exported as a list of plain consts, not `export const`: see the note in scan-state.ts.
export { PARTIAL_VERSION, READABLE_PARTIAL_VERSIONS };

/**
 * A column's HyperLogLog registers in a version 2 partial, base64: `dense`, all 2^precision of them (a byte each);
 * `sparse`, each register that is not 0 as a little-endian uint32 (its index << 8 | its value), in index order,
 * written when that is shorter (a column with fewer distinct values than a quarter of its registers: one with an
 * exact set has at most 256).
 */
export type EncodedRegisters = { dense: string } | { sparse: string };

/** ColumnState as plain JSON: typed arrays in base64, non-finite numbers and -0 as strings. */
export interface EncodedColumnState {
    name: string;
    nonEmpty: number;
    kind: number;
    min: JsonNumber;
    max: JsonNumber;
    minText: string | null;
    maxText: string | null;
    minBlock: number;
    maxBlock: number;
    sum: JsonNumber;
    comp: JsonNumber;
    scale: number;
    tsMin: JsonNumber;
    tsMax: JsonNumber;
    tsMinBlock: number;
    tsMaxBlock: number;
    tsMinText: string;
    tsMaxText: string;
    precision: number;
    /** Version 2: the registers (EncodedRegisters). */
    sketch?: EncodedRegisters;
    /** Version 1: all 2^precision registers, base64. */
    registers?: string;
    /** The exact set's keys as int32s, base64 (version 1: its whole table, free slots as 0); null once it gave up. */
    exact: string | null;
}

/** What one range leaves to merge (plain JSON: it can be stored or sent, and survives JSON.stringify/parse). */
export interface PartialSummary {
    /** PARTIAL_VERSION when written by this code; 1 from a reader of version 1 (still read). */
    version: number;
    /** The input's size. */
    size: number;
    start: number;
    end: number;
    /** Where the range's first record starts (0 for the first range). */
    entry: number;
    /** Where the next range's first record starts (the first record start at or after end), or size. */
    exit: number;
    /** The first range only: the layout every range follows. */
    head?: RangeHead;
    /** Counts, line counts (bad rows' line numbers are relative to the range), bad rows, sample candidates, JSON keys. */
    result: BlockResult;
    columns: EncodedColumnState[];
}

// ---- encoding ------------------------------------------------------------------------------------------------------

function encNum(x: number): JsonNumber {
    return Number.isFinite(x) && !Object.is(x, -0) ? x : Object.is(x, -0) ? "-0" : String(x);
}

function decNum(x: JsonNumber): number {
    return typeof x === "number" ? x : x === "-0" ? -0 : Number(x);
}

export const b64 = (a: ArrayBufferView): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");

function unb64(s: string): Buffer {
    return Buffer.from(s, "base64");
}

/** `count` register indexes as sparse entries (EncodedRegisters), in the order given (ascending). */
function sparseEntries(registers: Uint8Array, indexes: ArrayLike<number>, count: number): EncodedRegisters {
    const entries = Buffer.allocUnsafe(4 * count);
    let at = 0;
    for (let k = 0; k < count; k++) {
        const i = indexes[k];
        at = entries.writeUInt32LE(((i << 8) | registers[i]) >>> 0, at);
    }
    return { sparse: entries.toString("base64") };
}

/**
 * The registers as EncodedRegisters: sparse when 4 bytes per register that is not 0 take fewer bytes than all of
 * them. `keys`, the column's exact set when it has one, are where to look: every hash the column counted is one of
 * them (mergeRegisters), so only the registers they index can be set.
 */
export function encodeRegisters(registers: Uint8Array, keys: Int32Array | null = null): EncodedRegisters {
    const denseFrom = registers.length >>> 2;
    if (keys !== null) {
        const shift = 32 - Math.log2(registers.length);
        const indexes = new Int32Array(keys.length);
        let count = 0;
        for (let j = 0; j < keys.length; j++) {
            if (keys[j] !== 0 && registers[keys[j] >>> shift] !== 0) {
                indexes[count++] = keys[j] >>> shift;
            }
        }
        const sorted = indexes.subarray(0, count).sort();
        let unique = 0;
        for (let k = 0; k < count; k++) {
            if (k === 0 || sorted[k] !== sorted[k - 1]) {
                sorted[unique++] = sorted[k];
            }
        }
        return unique >= denseFrom ? { dense: b64(registers) } : sparseEntries(registers, sorted, unique);
    }
    // Four registers at a time: most words of a column with few distinct values are 0.
    const aligned = registers.byteOffset % 4 === 0 ? registers : registers.slice();
    const words = new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
    const indexes: number[] = [];
    for (let w = 0; w < words.length; w++) {
        if (words[w] !== 0) {
            for (let i = 4 * w; i < 4 * w + 4; i++) {
                if (aligned[i] !== 0) {
                    indexes.push(i);
                }
            }
            if (indexes.length >= denseFrom) {
                return { dense: b64(registers) };
            }
        }
    }
    return sparseEntries(aligned, indexes, indexes.length);
}

/**
 * The 2^precision registers of `sketch` (version 2) or `registers` (version 1) of column `index`; a clear error for
 * any that cannot be.
 */
export function decodeRegisters(s: Pick<EncodedColumnState, "name" | "precision" | "sketch" | "registers">, index: number): Uint8Array {
    const count = 2 ** s.precision;
    const column = `column ${index}${s.name === "" ? "" : ` (${JSON.stringify(s.name)})`}`;
    const bad = (what: string) => new RangeError(`partial ${column}: ${what}; a column of precision ${s.precision} has ${count} registers`);
    if (s.sketch !== undefined && "sparse" in s.sketch) {
        const entries = unb64(s.sketch.sparse);
        if (entries.length % 4 !== 0) {
            throw bad(`its sparse registers are ${entries.length} bytes, not a whole number of 4-byte entries`);
        }
        const registers = new Uint8Array(count);
        for (let at = 0; at < entries.length; at += 4) {
            const entry = entries.readUInt32LE(at);
            const index = entry >>> 8;
            if (index >= count || (entry & 0xff) === 0) {
                throw bad(`sparse entry ${at / 4} names register ${index} with value ${entry & 0xff}`);
            }
            registers[index] = entry & 0xff;
        }
        return registers;
    }
    const dense = s.sketch !== undefined && "dense" in s.sketch ? s.sketch.dense : s.registers;
    if (typeof dense !== "string") {
        throw bad("it has neither `sketch` (version 2) nor `registers` (version 1)");
    }
    const registers = new Uint8Array(unb64(dense));
    if (registers.length !== count) {
        throw bad(`it has ${registers.length} registers`);
    }
    return registers;
}

export function encodeState(s: ColumnState): EncodedColumnState {
    const { registers, ...rest } = s;
    return {
        ...rest,
        min: encNum(s.min),
        max: encNum(s.max),
        sum: encNum(s.sum),
        comp: encNum(s.comp),
        tsMin: encNum(s.tsMin),
        tsMax: encNum(s.tsMax),
        tsMinText: b64(s.tsMinText),
        tsMaxText: b64(s.tsMaxText),
        sketch: encodeRegisters(registers, s.exact),
        exact: s.exact === null ? null : b64(s.exact.filter((key) => key !== 0)),
    };
}

/** The state of column `index` (its position in the partial, named in errors). */
export function decodeState(s: EncodedColumnState, index: number): ColumnState {
    let exact: Int32Array | null = null;
    if (s.exact !== null) {
        const b = unb64(s.exact);
        exact = new Int32Array(b.length / 4);
        Buffer.from(exact.buffer).set(b);
    }
    // Every field named, in one order (not a spread of the message), so that every decoded state has the same shape
    // and the merge's compiled code serves them all.
    return {
        name: s.name,
        nonEmpty: s.nonEmpty,
        kind: s.kind,
        min: decNum(s.min),
        max: decNum(s.max),
        minText: s.minText,
        maxText: s.maxText,
        minBlock: s.minBlock,
        maxBlock: s.maxBlock,
        sum: decNum(s.sum),
        comp: decNum(s.comp),
        scale: s.scale,
        tsMin: decNum(s.tsMin),
        tsMax: decNum(s.tsMax),
        tsMinBlock: s.tsMinBlock,
        tsMaxBlock: s.tsMaxBlock,
        tsMinText: new Uint8Array(unb64(s.tsMinText)),
        tsMaxText: new Uint8Array(unb64(s.tsMaxText)),
        precision: s.precision,
        registers: decodeRegisters(s, index),
        exact,
    };
}

// ---- reading -------------------------------------------------------------------------------------------------------

const toBuffer = (u: Uint8Array): Buffer => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/** The bytes from pos to the end of the input: [pos, end) first, then on past end in growing steps. */
async function* readFrom(reader: RangeReader, pos: number, end: number, signal?: AbortSignal, reuse = false): AsyncGenerator<Buffer> {
    let to = Math.max(pos, Math.min(end, reader.size));
    let step = 65536;
    while (pos < reader.size) {
        if (to > pos) {
            for await (const c of reader.read(pos, to, signal, reuse)) {
                if (signal?.aborted) {
                    throw new AbortedError();
                }
                yield toBuffer(c);
            }
            pos = to;
        }
        to = Math.min(reader.size, pos + step);
        step = Math.min(step * 2, 16 * 1048576);
    }
}

/** Each reader's answer, once it has one: the caller, the layout and the first range all ask (each a GET on S3). */
const gzipInputs = new WeakMap<RangeReader, boolean>();

/** Whether the input starts with the gzip magic (a gzip stream cannot be cut into ranges). */
export async function isGzipInput(reader: RangeReader, signal?: AbortSignal): Promise<boolean> {
    const known = gzipInputs.get(reader);
    if (known !== undefined || reader.size < 2) {
        return known ?? false;
    }
    const head: Buffer[] = [];
    for await (const c of reader.read(0, 2, signal)) {
        head.push(toBuffer(c));
    }
    const b = Buffer.concat(head);
    const gzip = b[0] === 0x1f && b[1] === 0x8b;
    gzipInputs.set(reader, gzip);
    return gzip;
}

/**
 * The layout every range follows, from the input's first bytes (reading on until the first record is read); undefined
 * when the input has no record.
 */
export async function detectLayout(reader: RangeReader, options: SummaryOptions = {}, signal?: AbortSignal): Promise<BlockConfig | undefined> {
    if (await isGzipInput(reader, signal)) {
        throw new RangeError("a gzip input cannot be read in ranges: summarise it as one stream (summarizeStream)");
    }
    const core = new CoreSummarizer(layoutOptions(options));
    for await (const c of readFrom(reader, 0, Math.min(reader.size, 65536), signal)) {
        core.write(c);
        const cfg = core.blockConfig();
        if (cfg !== undefined) {
            return cfg;
        }
    }
    // A small input: detection waited for its end.
    core.finishInput();
    return core.blockConfig();
}

/** What a range's summariser needs of the options (no progress callbacks, no parallel settings). */
function layoutOptions(o: SummaryOptions): SummaryOptions {
    return {
        format: o.format,
        delimiter: o.delimiter,
        header: o.header,
        quotes: o.quotes,
        maxLineBytes: o.maxLineBytes,
        sampleSize: o.sampleSize,
        maxBadRowsReported: o.maxBadRowsReported,
    };
}

/**
 * Writes the input from `from` on to the range's summariser until it stops (at the first record start at or after
 * `end`) or the input ends; returns where it stopped (the range's exit).
 */
async function readToExit(core: CoreSummarizer, reader: RangeReader, from: number, end: number, signal?: AbortSignal): Promise<number> {
    // core.write copies what it keeps of a chunk (a record that spans chunks), so the reader may reuse its buffers.
    for await (const c of readFrom(reader, from, end, signal, true)) {
        core.write(c);
        if (core.exit >= 0) {
            break;
        }
    }
    if (core.exit < 0) {
        core.finishInput();
    }
    return core.exit >= 0 ? core.exit : reader.size;
}

/** The first line start at or after `start` (the input's size if there is none). */
async function firstLineStart(reader: RangeReader, start: number, eol: number, signal?: AbortSignal): Promise<number> {
    let pos = start - 1;
    for await (const c of readFrom(reader, pos, Math.min(reader.size, start + 65536), signal)) {
        const i = c.indexOf(eol);
        if (i >= 0) {
            return pos + i + 1;
        }
        pos += c.length;
    }
    return reader.size;
}

/** Bytes read at a range's start to guess its entry. */
const GUESS_BYTES = 65536;
/** Records read from each candidate entry to tell which quote state a range starts in (guessEntry). */
const GUESS_RECORDS = 8;

/**
 * A range's first record start (start > 0), guessed from both quote states at `start`. Candidates, in order: the
 * first line start at or after it; the record end after `start` if it is outside quotes (a quoted field may open later
 * on its line); the record end after the quoted field it is in. The first whose next records are well-formed is
 * taken, else the first line start. A wrong guess is still found when the ranges are chained (resolvePartials), so
 * this only saves summarising a range twice.
 */
async function guessEntry(core: CoreSummarizer, reader: RangeReader, start: number, cfg: BlockConfig, signal?: AbortSignal): Promise<number> {
    // From the byte before start (a line end there makes start a line start; a delimiter, a field start).
    const from = start - 1;
    const parts: Buffer[] = [];
    for await (const c of reader.read(from, Math.min(reader.size, from + GUESS_BYTES), signal)) {
        parts.push(toBuffer(c));
    }
    const buf = parts.length === 1 ? parts[0] : Buffer.concat(parts);
    const eol = buf.indexOf(cfg.eol);
    const lineStart = eol >= 0 ? from + eol + 1 : await firstLineStart(reader, from + buf.length, cfg.eol, signal);
    if (cfg.format === "jsonl" || !cfg.quotes || lineStart >= reader.size) {
        return lineStart;
    }
    const candidates = [lineStart - from, core.recordEndFrom(buf, 1, false), core.recordEndFrom(buf, 1, true)];
    for (const c of candidates) {
        if (c > 0 && c < buf.length && core.wellFormed(buf, c, GUESS_RECORDS)) {
            return from + c;
        }
    }
    return lineStart;
}

export function checkRange(size: number, range: ByteRange): void {
    const { start, end, entry } = range;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end < start || end > size) {
        throw new RangeError(`a range must be whole bytes with 0 <= start <= end <= ${size} (the input's size), got [${start}, ${end})`);
    }
    if (entry !== undefined && (!Number.isInteger(entry) || entry < start || entry > size || start === 0)) {
        throw new RangeError(`a range's entry must be a whole byte offset in [start, size] of a range that does not start at 0, got ${entry}`);
    }
}

/**
 * Summarises the records that start in [range.start, range.end) of the input (see the file comment). `layout` is
 * the detected layout (detectLayout), when the caller has it already; it is detected otherwise.
 */
export async function summarizePartial(
    reader: RangeReader,
    range: ByteRange,
    options: SummaryOptions = {},
    signal?: AbortSignal,
    layout?: BlockConfig | null,
): Promise<PartialSummary> {
    const size = reader.size;
    checkRange(size, range);
    if (signal?.aborted) {
        throw new AbortedError();
    }
    const opts = layoutOptions(options);
    const base = { version: PARTIAL_VERSION, size, start: range.start, end: range.end };
    if (range.start === 0) {
        if (await isGzipInput(reader, signal)) {
            throw new RangeError("a gzip input cannot be read in ranges: summarise it as one stream (summarizeStream)");
        }
        const core = new CoreSummarizer(opts);
        core.setStop(range.end);
        const exit = await readToExit(core, reader, 0, range.end, signal);
        const { head, result } = core.headResult();
        return { ...base, entry: 0, exit, head, result, columns: core.finalStates().map(encodeState) };
    }
    const cfg = layout === undefined ? await detectLayout(reader, opts, signal) : (layout ?? undefined);
    if (cfg === undefined) {
        // The first record reaches the end of the input: the first range has every record.
        return { ...base, entry: size, exit: size, result: { rows: 0, lines: 0, blank: 0, bad: { count: 0, first: [], byReason: {} }, skipping: false, samples: [] }, columns: [] };
    }
    const core = new CoreSummarizer(opts);
    core.initBlocks(cfg);
    const entry = range.entry ?? (await guessEntry(core, reader, range.start, cfg, signal));
    // The entry orders the ranges' blocks (the earliest wins a tie of extremes); the first range is block -1.
    core.beginRange(entry, entry, range.end);
    const exit = await readToExit(core, reader, entry, range.end, signal);
    return { ...base, entry, exit, result: core.rangeResult(), columns: core.finalStates().map(encodeState) };
}

/**
 * Claims indexes below `count` one at a time from a counter that threads share (Atomics.add on counter[0]; the k-th
 * claim is index first + k × step) and runs each, until none is left. With `ahead`, each index is claimed before the
 * one before it runs, and ahead(index) is called then (to fetch its input meanwhile). On an error the other threads
 * on the counter stop claiming too, and the error is thrown.
 */
export async function claimEach(
    counter: Int32Array,
    count: number,
    run: (index: number) => Promise<void>,
    first = 0,
    step = 1,
    ahead?: (index: number) => void,
): Promise<void> {
    const claim = (): number => first + step * Atomics.add(counter, 0, 1);
    for (let index = claim(); index < count; ) {
        const next = ahead !== undefined ? claim() : -1;
        if (next >= 0 && next < count) {
            ahead!(next);
        }
        try {
            await run(index);
        } catch (e) {
            Atomics.store(counter, 0, count);
            throw e;
        }
        index = next >= 0 ? next : claim();
    }
}

/** claimEach's `ahead` for ranges read through `reader`: undefined unless the reader prefetches (S3). */
export function prefetchRanges(reader: RangeReader, ranges: ByteRange[]): ((index: number) => void) | undefined {
    const prefetch = reader.prefetch?.bind(reader);
    // From the byte before the start: a range's first record is found from there (guessEntry).
    return prefetch === undefined ? undefined : (i) => prefetch(Math.max(0, ranges[i].start - 1), ranges[i].end);
}

/** The index of the first partial whose entry is not the previous one's exit (-1 if they chain). */
export function firstUnchained(partials: PartialSummary[]): number {
    for (let i = 1; i < partials.length; i++) {
        if (partials[i].entry !== partials[i - 1].exit) {
            return i;
        }
    }
    return -1;
}

/**
 * Summarises again, in order, each range whose guessed entry was not the previous range's exit (a range that starts
 * inside a multi-line quoted field), from the right entry. Returns partials that chain (a new array).
 */
export async function resolvePartials(reader: RangeReader, partials: PartialSummary[], options: SummaryOptions = {}, signal?: AbortSignal): Promise<PartialSummary[]> {
    const out = partials.slice();
    let layout: BlockConfig | undefined | null = null;
    for (let i = firstUnchained(out); i >= 1 && i < out.length; i++) {
        if (out[i].entry !== out[i - 1].exit) {
            if (layout === null) {
                layout = await detectLayout(reader, options, signal);
            }
            out[i] = await summarizePartial(reader, { start: out[i].start, end: out[i].end, entry: out[i - 1].exit }, options, signal, layout ?? null);
        }
    }
    return out;
}

/** Throws unless this code reads `p`'s version (`p` is the partial at `index`). */
export function checkPartialVersion(p: { version: number }, index: number): void {
    if (!READABLE_PARTIAL_VERSIONS.includes(p.version)) {
        throw new RangeError(`partial ${index} is of version ${JSON.stringify(p.version)}; this merge reads versions ${READABLE_PARTIAL_VERSIONS.join(" and ")}`);
    }
}

/** Why `p`, the partial at `index`, cannot follow `prev` (undefined if it can). */
function chainError(prev: PartialSummary, p: PartialSummary, index: number): string | undefined {
    if (p.size !== prev.size || p.start !== prev.end) {
        return `partial ${index} covers [${p.start}, ${p.end}) of ${p.size} bytes; it must start where partial ${index - 1} ends (${prev.end}), in one input`;
    }
    if (p.entry !== prev.exit) {
        return `partial ${index} starts at byte ${p.entry}, but the previous range's records end at ${prev.exit}: summarise that range again with entry ${prev.exit} (resolvePartials does)`;
    }
    return undefined;
}

/**
 * Merges the partials of consecutive ranges one at a time, in range order, as they become known (summarizeSource
 * merges each while the other threads still work): a range's block is merged and its column states folded as soon
 * as it is added, so little is left for end().
 */
export class PartialMerger {
    private readonly core: CoreSummarizer;
    private readonly folded: Column[] = [];
    private last: PartialSummary;
    private count = 1;

    /** Starts with the partial of the range that starts at 0. */
    constructor(first: PartialSummary, options: SummaryOptions = {}) {
        if (first.head === undefined || first.start !== 0) {
            throw new RangeError("the first partial must be that of the range starting at byte 0 (in range order)");
        }
        checkPartialVersion(first, 0);
        this.core = new CoreSummarizer(layoutOptions(options));
        this.core.restoreHead(first.head, first.size);
        this.last = first;
        this.fold(first);
    }

    /** The partial of the next range; it must chain (see resolvePartials). */
    add(p: PartialSummary): void {
        checkPartialVersion(p, this.count);
        const err = chainError(this.last, p, this.count);
        if (err !== undefined) {
            throw new RangeError(err);
        }
        this.last = p;
        this.count++;
        this.fold(p);
    }

    /** The summary of the whole input (the partials added must cover it). */
    end(): FileSummary {
        if (this.last.end !== this.last.size) {
            throw new RangeError(`the partials end at byte ${this.last.end}, not at the input's end (${this.last.size})`);
        }
        this.core.mergeFolded(this.folded);
        return { ...this.core.end(), compression: "none" };
    }

    private fold(p: PartialSummary): void {
        this.core.mergeBlock(p.result);
        this.core.foldStates(this.folded, p.columns.map(decodeState));
    }
}

/**
 * Merges the partials of consecutive ranges that cover the input, in range order, into the summary of the whole
 * input: the same as summarising it in one pass (the mean up to the last digits). The options must be those the
 * partials were made with. Throws if the partials do not chain (see resolvePartials).
 */
export function mergePartials(partials: PartialSummary[], options: SummaryOptions = {}): FileSummary {
    if (partials.length === 0) {
        throw new RangeError("mergePartials needs at least the partial of the range that starts at 0");
    }
    const first = partials[0];
    if (first.head === undefined || first.start !== 0) {
        throw new RangeError("the first partial must be that of the range starting at byte 0 (in range order)");
    }
    // Coverage first, then the chain: the clearest error for partials that are not those of one input.
    for (let i = 1; i < partials.length; i++) {
        const p = partials[i];
        if (p.size !== first.size || p.start !== partials[i - 1].end) {
            throw new RangeError(chainError(partials[i - 1], p, i));
        }
    }
    const last = partials[partials.length - 1];
    if (last.end !== first.size) {
        throw new RangeError(`the partials end at byte ${last.end}, not at the input's end (${first.size})`);
    }
    const merger = new PartialMerger(first, options);
    for (let i = 1; i < partials.length; i++) {
        merger.add(partials[i]);
    }
    return merger.end();
}
