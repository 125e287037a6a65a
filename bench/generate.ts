/**
 * Deterministic generator of the benchmark's mixed CSV (seeded PRNG; Math.random is never used).
 *
 * One pass writes the 1× file, its gzip copy (node:zlib level 6) and, optionally, the 4× file: the 4× file is the
 * same generator run for 4× the rows, so its first N rows are byte-identical to the 1× file's.
 *
 * Columns: id (integer), amount (float), flag (boolean), created_at (ISO timestamp), category (short string),
 * note (free text: some quoted fields with commas, doubled quotes, embedded newlines, a little UTF-8),
 * quantity (integer), ratio (float). Every column but id has some empty fields.
 */

import * as fs from "node:fs";
import * as zlib from "node:zlib";

export const COLUMN_NAMES = ["id", "amount", "flag", "created_at", "category", "note", "quantity", "ratio"] as const;

export interface GenerateOptions {
    /** Rows of the 1× file (header not counted). */
    rows: number;
    seed: number;
    plainPath: string;
    /** Path of a gzip (level 6) copy of the 1× file, or undefined to skip it. */
    gzipPath?: string;
    /** Path of the 4× file, or undefined to skip it. */
    fourXPath?: string;
}

/** What the generator knows for certain about a file it wrote: the ground truth of the correctness check. */
export interface FileTruth {
    path: string;
    rows: number;
    bytes: number;
    /** Physical lines, i.e. what `wc -l` prints (rows + header + embedded newlines). */
    lines: number;
    nonEmpty: number[];
}

export interface GenerateResult {
    plain: FileTruth;
    /** The gzip copy, when gzipPath was given. */
    gzip?: { path: string; bytes: number };
    fourX?: FileTruth;
    seconds: number;
}

/** A result with its gzip copy (gzipPath given). */
export type GeneratedWithGzip = GenerateResult & Required<Pick<GenerateResult, "gzip">>;

/** mulberry32: small, fast, good enough for test data, fully determined by the seed. */
export class Prng {
    private state: number;

    constructor(seed: number) {
        this.state = seed >>> 0;
    }

    /** Uniform in [0, 1). */
    next(): number {
        let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    /** Uniform integer in [0, n). */
    int(n: number): number {
        return Math.floor(this.next() * n);
    }
}

const enc = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "utf8"));
const CATEGORIES = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu"].map(enc);
const WORDS = [
    "order", "shipped", "late", "customer", "refund", "box", "damaged", "paid", "invoice", "priority", "note", "call",
    "back", "warehouse", "north", "south", "pending", "review", "ok", "signed", "gift", "wrap", "express", "return",
].map(enc);
const UTF8_WORDS = ["café", "crème", "naïve", "Zürich", "São Paulo", "日本"].map(enc);
/** "2024-01-01T" … "2024-12-31T" (2024 is a leap year). */
const DAY_PREFIX = Array.from({ length: 366 }, (_, d) => enc(new Date(Date.UTC(2024, 0, 1 + d)).toISOString().slice(0, 11)));
const PAD2 = Array.from({ length: 100 }, (_, i) => enc(String(i).padStart(2, "0")));
const PAD4 = Array.from({ length: 10000 }, (_, i) => enc(String(i).padStart(4, "0")));
const SMALL_INT = Array.from({ length: 1000 }, (_, i) => enc(String(i)));
const TRUE = enc("true");
const FALSE = enc("false");
const SAID = enc(" said \"\"");
const OK = enc("\"\", ok\"");
const AGAIN = enc(", again\"");

const COMMA = ",".charCodeAt(0);
const QUOTE = '"'.charCodeAt(0);
const SPACE = " ".charCodeAt(0);
const NEWLINE = "\n".charCodeAt(0);
const MINUS = "-".charCodeAt(0);
const DOT = ".".charCodeAt(0);
const COLON = ":".charCodeAt(0);
const ZERO = "0".charCodeAt(0);
const Z = "Z".charCodeAt(0);

/**
 * Builds rows as bytes in a reusable buffer: string concatenation for tens of millions of rows spends most of its
 * time in the garbage collector.
 */
class RowWriter {
    readonly buf: Buffer;
    pos = 0;
    private readonly digits = new Uint8Array(20);

    constructor(capacity: number) {
        this.buf = Buffer.allocUnsafe(capacity);
    }

    put(bytes: Uint8Array): void {
        const buf = this.buf;
        let p = this.pos;
        for (let i = 0; i < bytes.length; i++) buf[p++] = bytes[i]!;
        this.pos = p;
    }

    byte(b: number): void {
        this.buf[this.pos++] = b;
    }

    /** A non-negative integer in decimal. */
    uint(n: number): void {
        const d = this.digits;
        let k = 0;
        do {
            d[k++] = ZERO + (n % 10);
            n = Math.floor(n / 10);
        } while (n > 0);
        while (k > 0) this.buf[this.pos++] = d[--k]!;
    }
}

class RowGenerator {
    private readonly rng: Prng;
    /** Per-column non-empty counts so far. */
    readonly nonEmpty = new Array<number>(COLUMN_NAMES.length).fill(0);
    /** Embedded newlines written so far. */
    embeddedNewlines = 0;

    constructor(seed: number) {
        this.rng = new Prng(seed);
    }

    private words(w: RowWriter, n: number): void {
        const rng = this.rng;
        w.put(WORDS[rng.int(WORDS.length)]!);
        for (let i = 1; i < n; i++) {
            w.byte(SPACE);
            w.put(WORDS[rng.int(WORDS.length)]!);
        }
    }

    /** The free-text field; returns whether it was non-empty. */
    private note(w: RowWriter): boolean {
        const rng = this.rng;
        const r = rng.next();
        if (r < 0.03) return false;
        if (r < 0.8) {
            this.words(w, 2 + rng.int(5));
        } else if (r < 0.9) {
            // "a b, c, d"
            w.byte(QUOTE);
            this.words(w, 1 + rng.int(3));
            w.byte(COMMA);
            w.byte(SPACE);
            this.words(w, 1 + rng.int(3));
            w.byte(COMMA);
            w.byte(SPACE);
            this.words(w, 1);
            w.byte(QUOTE);
        } else if (r < 0.95) {
            // "a said ""b c"", ok"
            w.byte(QUOTE);
            this.words(w, 1 + rng.int(2));
            w.put(SAID);
            this.words(w, 1 + rng.int(2));
            w.put(OK);
        } else if (r < 0.98) {
            // "a b\nc d, again"
            this.embeddedNewlines++;
            w.byte(QUOTE);
            this.words(w, 1 + rng.int(3));
            w.byte(NEWLINE);
            this.words(w, 1 + rng.int(3));
            w.put(AGAIN);
        } else {
            this.words(w, 1);
            w.byte(SPACE);
            w.put(UTF8_WORDS[rng.int(UTF8_WORDS.length)]!);
        }
        return true;
    }

    /** Appends one row with its trailing newline; `id` is the 1-based row number. */
    row(w: RowWriter, id: number): void {
        const rng = this.rng;
        const ne = this.nonEmpty;
        ne[0]!++;
        w.uint(id);
        w.byte(COMMA);
        if (rng.next() >= 0.02) {
            // -5000.00 … 14999.99, from integer cents.
            const cents = rng.int(2000000) - 500000;
            const abs = cents < 0 ? -cents : cents;
            if (cents < 0) w.byte(MINUS);
            w.uint(Math.floor(abs / 100));
            w.byte(DOT);
            w.put(PAD2[abs % 100]!);
            ne[1]!++;
        }
        w.byte(COMMA);
        const f = rng.next();
        if (f >= 0.01) {
            w.put(f < 0.5 ? TRUE : FALSE);
            ne[2]!++;
        }
        w.byte(COMMA);
        if (rng.next() >= 0.01) {
            // 2024-MM-DDThh:mm:ssZ
            w.put(DAY_PREFIX[rng.int(366)]!);
            w.put(PAD2[rng.int(24)]!);
            w.byte(COLON);
            w.put(PAD2[rng.int(60)]!);
            w.byte(COLON);
            w.put(PAD2[rng.int(60)]!);
            w.byte(Z);
            ne[3]!++;
        }
        w.byte(COMMA);
        if (rng.next() >= 0.005) {
            // Skewed: low indexes are more frequent.
            const x = rng.next();
            w.put(CATEGORIES[Math.floor(x * x * CATEGORIES.length)]!);
            ne[4]!++;
        }
        w.byte(COMMA);
        if (this.note(w)) ne[5]!++;
        w.byte(COMMA);
        if (rng.next() >= 0.02) {
            w.put(SMALL_INT[rng.int(1000)]!);
            ne[6]!++;
        }
        w.byte(COMMA);
        if (rng.next() >= 0.05) {
            w.byte(ZERO);
            w.byte(DOT);
            w.put(PAD4[rng.int(10000)]!);
            ne[7]!++;
        }
        w.byte(NEWLINE);
    }
}

const HEADER = COLUMN_NAMES.join(",") + "\n";
const BATCH_ROWS = 8192;

/** gzip (level 6) `src` into `dst` through the libuv thread pool, so it overlaps with the main thread's work. */
function gzipFile(src: string, dst: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
        const input = fs.createReadStream(src, { highWaterMark: 1 << 20 });
        const gz = zlib.createGzip({ level: 6 });
        const output = fs.createWriteStream(dst);
        input.on("error", reject);
        gz.on("error", reject);
        output.on("error", reject);
        output.on("finish", resolve);
        input.pipe(gz).pipe(output);
    });
}

const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Writes the files; resolves when all are closed. */
export async function generateFiles(opts: GenerateOptions & { gzipPath: string }): Promise<GeneratedWithGzip>;
export async function generateFiles(opts: GenerateOptions): Promise<GenerateResult>;
export async function generateFiles(opts: GenerateOptions): Promise<GenerateResult> {
    const started = performance.now();
    const gen = new RowGenerator(opts.seed);
    // A row is < 200 bytes.
    const writer = new RowWriter(BATCH_ROWS * 256);
    const totalRows = opts.fourXPath === undefined ? opts.rows : opts.rows * 4;

    const plainFd = fs.openSync(opts.plainPath, "w");
    const fourXFd = opts.fourXPath === undefined ? undefined : fs.openSync(opts.fourXPath, "w");
    let plainBytes = 0;
    let fourXBytes = 0;
    let plain: FileTruth | undefined;
    let gzipDone: Promise<void> | undefined;

    const finishPlain = (): void => {
        plain = {
            path: opts.plainPath,
            rows: opts.rows,
            bytes: plainBytes,
            lines: opts.rows + 1 + gen.embeddedNewlines,
            nonEmpty: [...gen.nonEmpty],
        };
        fs.closeSync(plainFd);
        // Compress while the 4× tail is generated (the gzip runs on the other core).
        gzipDone = opts.gzipPath === undefined ? Promise.resolve() : gzipFile(opts.plainPath, opts.gzipPath);
    };

    const header = Buffer.from(HEADER, "utf8");
    fs.writeSync(plainFd, header);
    plainBytes += header.length;
    if (fourXFd !== undefined) {
        fs.writeSync(fourXFd, header);
        fourXBytes += header.length;
    }
    if (opts.rows === 0) finishPlain();

    let id = 0;
    while (id < totalRows) {
        const inPlain = id < opts.rows;
        const end = Math.min(inPlain ? opts.rows : totalRows, id + BATCH_ROWS);
        writer.pos = 0;
        while (id < end) gen.row(writer, ++id);
        const buf = writer.buf.subarray(0, writer.pos);
        if (inPlain) {
            fs.writeSync(plainFd, buf);
            plainBytes += buf.length;
            if (id === opts.rows) finishPlain();
        } else {
            // Let the gzip streams' callbacks run.
            await yieldToEventLoop();
        }
        if (fourXFd !== undefined) {
            fs.writeSync(fourXFd, buf);
            fourXBytes += buf.length;
        }
    }
    let fourX: FileTruth | undefined;
    if (fourXFd !== undefined && opts.fourXPath !== undefined) {
        fs.closeSync(fourXFd);
        fourX = {
            path: opts.fourXPath,
            rows: totalRows,
            bytes: fourXBytes,
            lines: totalRows + 1 + gen.embeddedNewlines,
            nonEmpty: [...gen.nonEmpty],
        };
    }
    if (plain === undefined || gzipDone === undefined) throw new Error("generator: the 1× file was not finished");
    await gzipDone;
    return {
        plain,
        gzip: opts.gzipPath === undefined ? undefined : { path: opts.gzipPath, bytes: fs.statSync(opts.gzipPath).size },
        fourX,
        seconds: (performance.now() - started) / 1000,
    };
}
