/**
 * What a measurement child prints (one line on stdout, prefixed with RESULT_PREFIX) and how it prints it.
 */

export const RESULT_PREFIX = "BENCH_RESULT ";

/** The per-column figures every contender computes; only rows and nonEmpty are compared for correctness. */
export interface ColumnFigures {
    name: string;
    nonEmpty: number;
    empty: number;
    type: string;
    min?: number | string;
    max?: number | string;
    mean?: number;
    distinct: number;
    /** True when `distinct` is a lower bound (the JS baselines stop adding to their Set at a cap). */
    distinctCapped?: boolean;
}

export interface SummaryFigures {
    rows: number;
    columns: ColumnFigures[];
}

export interface ChildSuccess {
    ok: true;
    /** Seconds of work measured inside the child (module loading and process start excluded). */
    wallSec: number;
    /** Decompressed bytes processed. */
    bytes: number;
    summary: SummaryFigures;
    /** process.resourceUsage().maxRSS at the end, KiB (used when /usr/bin/time is missing). */
    selfMaxRssKiB: number;
    note?: string;
}

export interface ChildFailure {
    ok: false;
    /** True when the contender could not be loaded at all (reported as "unavailable", not as a crash). */
    unavailable: boolean;
    error: string;
}

export type ChildResult = ChildSuccess | ChildFailure;

export function emitResult(result: ChildResult): void {
    process.stdout.write(RESULT_PREFIX + JSON.stringify(result) + "\n");
}

export function errorText(err: unknown): string {
    if (err instanceof Error) return `${err.name}: ${err.message}`;
    return String(err);
}

/** Runs a child's main function and prints its result; an exception is a crash (exit code 1). */
export function runChild(main: () => Promise<ChildResult>): void {
    main().then(
        (result) => {
            emitResult(result);
        },
        (err: unknown) => {
            emitResult({ ok: false, unavailable: false, error: errorText(err) });
            process.exitCode = 1;
        },
    );
}

/** `--name value` from argv. */
export function argValue(name: string): string {
    const i = process.argv.indexOf(name);
    const v = i >= 0 ? process.argv[i + 1] : undefined;
    if (v === undefined) throw new Error(`missing argument ${name}`);
    return v;
}

export function selfMaxRssKiB(): number {
    return process.resourceUsage().maxRSS;
}
