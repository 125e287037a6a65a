/**
 * summarizeStream: feeds an async source of (possibly gzip-compressed) bytes to the incremental core, with prompt
 * cancellation.
 */
import { once } from "node:events";
import type { TransformOptions } from "node:stream";
import * as zlib from "node:zlib";
import { ParallelDriver, parallelSettings } from "./parallel";
import { CoreSummarizer } from "./summarizer";
import { AbortedError, FileSummary, InputError, raceAbort, SummaryOptions } from "./types";

/** Work is split into slices of at most this many bytes... */
const SLICE = 1048576;
/** ...and the event loop gets a turn at least this often (ms), so an abort is seen promptly. */
const YIELD_EVERY_MS = 25;
/** Inflated bytes buffered ahead of the summariser (see the gzip path). */
const INFLATE_AHEAD = 2 * 1048576;

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function gzipError(e: unknown): InputError {
    const err = e as NodeJS.ErrnoException;
    if (err && (err.code === "Z_BUF_ERROR" || /unexpected end of file/i.test(String(err.message)))) {
        return new InputError("truncated-gzip", `the gzip stream ends early (truncated file): ${err.message}`);
    }
    return new InputError("invalid-gzip", `the gzip stream is corrupt: ${err?.message ?? String(e)}`);
}

export async function summarizeStream(source: AsyncIterable<Buffer>, options?: SummaryOptions, signal?: AbortSignal): Promise<FileSummary> {
    if (signal?.aborted) {
        throw new AbortedError();
    }
    const core = new CoreSummarizer(options);
    const settings = parallelSettings(options);
    const iterator = source[Symbol.asyncIterator]();
    let finished = false;
    let lastYield = performance.now();

    const orAbort = <T>(p: Promise<T>): Promise<T> => raceAbort(p, signal);

    const check = async (): Promise<void> => {
        if (performance.now() - lastYield >= YIELD_EVERY_MS) {
            await orAbort(yieldToLoop());
            lastYield = performance.now();
        }
        if (signal?.aborted) {
            throw new AbortedError();
        }
    };

    const next = async (): Promise<Buffer | undefined> => {
        const r = await orAbort(iterator.next());
        if (r.done) {
            finished = true;
            return undefined;
        }
        const v = r.value as unknown;
        return Buffer.isBuffer(v) ? v : typeof v === "string" ? Buffer.from(v) : Buffer.from(v as Uint8Array);
    };

    /** Large inputs: blocks go to worker threads too (see parallel.ts). Decided once the input is known to be gzip or not. */
    let driver: ParallelDriver | undefined;
    const summarizer = {
        end: (): Promise<FileSummary> | FileSummary => (driver !== undefined ? driver.end() : core.end()),
    };

    /** Feeds bytes to the core in slices, yielding to the event loop now and then. */
    const feed = async (chunk: Buffer): Promise<void> => {
        for (let off = 0; off < chunk.length; off += SLICE) {
            await check();
            const slice = off === 0 && chunk.length <= SLICE ? chunk : chunk.subarray(off, Math.min(chunk.length, off + SLICE));
            if (driver !== undefined) {
                await driver.write(slice);
            } else {
                core.write(slice);
            }
        }
    };

    let gunzip: zlib.Gunzip | undefined;
    try {
        // Peek at the first two bytes (the first chunk may be shorter).
        const head: Buffer[] = [];
        let headLen = 0;
        while (headLen < 2) {
            const c = await next();
            if (c === undefined) {
                break;
            }
            if (c.length > 0) {
                head.push(c);
                headLen += c.length;
            }
        }
        const first = head.length === 1 ? head[0] : Buffer.concat(head);
        const isGzip = first.length >= 2 && first[0] === 0x1f && first[1] === 0x8b;
        if (settings !== undefined) {
            driver = new ParallelDriver(core, settings, options ?? {}, orAbort);
        }
        if (!isGzip) {
            if (first.length > 0) {
                await feed(first);
            }
            // One read ahead: the next chunk is read while this one is summarised.
            let ahead = next();
            for (;;) {
                const c = await ahead;
                if (c === undefined) {
                    break;
                }
                ahead = next();
                // Settled later (awaited above, or dropped if feeding fails and the source is closed).
                ahead.catch(() => undefined);
                await feed(c);
            }
            await check();
            return { ...(await summarizer.end()), compression: "none" };
        }

        // Up to INFLATE_AHEAD bytes of output are buffered, so that the inflater (on libuv's thread pool) goes on while
        // this thread summarises a block itself (with Node's default of 16 KiB it stops after one chunk). The options
        // reach the stream.Transform underneath.
        const gzOptions: zlib.ZlibOptions & TransformOptions = { chunkSize: 256 * 1024, readableHighWaterMark: INFLATE_AHEAD };
        const gz = zlib.createGunzip(gzOptions);
        gunzip = gz;
        /** An error from the source (or an abort) while feeding the decompressor: reported as is. */
        let sourceError: unknown;
        /** An error writing to the decompressor (it stopped early): a gzip problem. */
        let writeError: unknown;
        const stopFeeding = new AbortController();
        const feeder = (async () => {
            let c: Buffer | undefined = first;
            while (c !== undefined) {
                if (stopFeeding.signal.aborted) {
                    return;
                }
                try {
                    if (!gz.write(c)) {
                        await once(gz, "drain", { signal: stopFeeding.signal });
                    }
                } catch (e) {
                    writeError = e;
                    return;
                }
                try {
                    c = await next();
                } catch (e) {
                    sourceError = e;
                    gz.destroy();
                    return;
                }
            }
            if (!stopFeeding.signal.aborted) {
                gz.end();
            }
        })();
        try {
            for await (const out of gz) {
                await feed(out as Buffer);
            }
        } catch (e) {
            if (sourceError !== undefined) {
                throw sourceError;
            }
            if (e instanceof InputError || e instanceof AbortedError) {
                throw e;
            }
            if (signal?.aborted) {
                throw new AbortedError();
            }
            if ((e as NodeJS.ErrnoException).errno !== undefined || String((e as NodeJS.ErrnoException).code ?? "").startsWith("Z_")) {
                throw gzipError(e);
            }
            throw e;
        } finally {
            stopFeeding.abort();
        }
        await feeder;
        if (sourceError !== undefined) {
            throw sourceError;
        }
        if (writeError !== undefined || !finished) {
            throw new InputError("invalid-gzip", "the gzip data ends before the input does (trailing bytes that are not gzip)");
        }
        await check();
        return { ...(await summarizer.end()), compression: "gzip" };
    } catch (e) {
        if (signal?.aborted && !(e instanceof AbortedError)) {
            throw new AbortedError();
        }
        throw e;
    } finally {
        driver?.destroy();
        gunzip?.destroy();
        if (!finished && typeof iterator.return === "function") {
            // Stop the source (closes an S3 body / file stream); don't wait for it.
            Promise.resolve()
                .then(() => iterator.return!())
                .catch(() => undefined);
        }
    }
}
