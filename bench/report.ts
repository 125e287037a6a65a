/**
 * The report of `npm run bench` (bench/run.ts): the measurement table, the ratios against the baselines and the
 * summariser's targets (PASS/FAIL, informational), the correctness check against the generator's ground truth, and
 * the per-column details.
 */
import { DISTINCT_CAP } from "./baseline-stats";
import { COLUMN_NAMES, type FileTruth, type GenerateResult } from "./generate";
import { type SummaryFigures } from "./protocol";
import { type Measurement, type Status } from "./children";

/** The summariser's targets, reported PASS/FAIL (informational). */
const TARGET = {
    /** Rows a second on one core, plain CSV. */
    rowsPerSec: 2_000_000,
    /** Times the rate of the fastest popular JavaScript CSV parser. */
    vsParser: 5,
    /** Our throughput on the gzip file ÷ `zcat | wc -l`'s. */
    gzipVsZcat: 0.9,
    /** Peak RSS on one core. */
    rssMiB: 128,
    /** "Flat" memory: the 4× file's peak RSS is at most this multiple of the 1× file's. */
    flatRssFactor: 1.25,
} as const;

export const ok = (m: Measurement | undefined): m is Measurement => m !== undefined && m.status === "ok";
const rowsPerSec = (m: Measurement): number => m.rows / m.wallSec;

export function fmtInt(n: number): string {
    return Math.round(n).toLocaleString("en-US");
}

export function fmtRate(n: number): string {
    if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
    return `${(n / 1e3).toFixed(0)} k`;
}

function fmtRatio(x: number): string {
    return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}×`;
}

function cell(s: string): string {
    return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

export function measurementTable(ms: readonly Measurement[]): string[] {
    const lines = [
        "| Measurement | Input | Wall s | CPU s | Rows/s | MB/s | Peak RSS MiB | Notes |",
        "|---|---|--:|--:|--:|--:|--:|---|",
    ];
    for (const m of ms) {
        if (m.status !== "ok") {
            lines.push(`| ${cell(m.label)} | ${cell(m.input)} | — | — | — | — | — | **${m.status}**: ${cell(m.reason ?? "")} |`);
            continue;
        }
        lines.push(
            `| ${cell(m.label)} | ${cell(m.input)} | ${m.wallSec.toFixed(2)} | ${m.cpuSec === undefined ? "—" : m.cpuSec.toFixed(2)} | ` +
                `${fmtRate(rowsPerSec(m))} | ${(m.bytes / 1e6 / m.wallSec).toFixed(0)} | ` +
                `${m.rssMiB === undefined ? "n/a" : m.rssMiB.toFixed(1)} | ${cell(m.notes.join("; "))} |`,
        );
    }
    return lines;
}

export interface Contenders {
    catPlain: Measurement;
    wcPlain: Measurement;
    zcat: Measurement;
    sumPlain: Measurement;
    sumGzip: Measurement;
    /** summarizeStream on the plain file, unpinned: the calling thread plus a worker thread. */
    sumStream: Measurement;
    papaparse: Measurement;
    csvParse: Measurement;
    duckdb: Measurement;
    sumFourX?: Measurement;
    sumFourXStream?: Measurement;
}

interface Check {
    name: string;
    measured: string;
    result: "PASS" | "FAIL" | "N/A";
}

export function ratiosAndTargets(c: Contenders, args: { fourX: boolean }): { ratios: string[]; checks: Check[] } {
    const ratios = ["| Ratio | Value | Meaning |", "|---|--:|---|"];
    const checks: Check[] = [];
    const na = (name: string, why: string): void => {
        checks.push({ name, measured: why, result: "N/A" });
    };
    const sumPlain = c.sumPlain;

    const parsers = [c.papaparse, c.csvParse].filter(ok);
    const fastestParser = parsers.length === 0 ? undefined : parsers.reduce((a, b) => (rowsPerSec(a) >= rowsPerSec(b) ? a : b));

    // Throughput on one core.
    if (ok(sumPlain)) {
        const r = rowsPerSec(sumPlain);
        checks.push({
            name: `≥ ${TARGET.rowsPerSec / 1e6} M rows/s on one core (plain)`,
            measured: `${fmtRate(r)} rows/s`,
            result: r >= TARGET.rowsPerSec ? "PASS" : "FAIL",
        });
    } else na(`≥ ${TARGET.rowsPerSec / 1e6} M rows/s on one core`, "summariser unavailable");

    // vs DuckDB: the 2-core summariser against DuckDB's 2 threads (the 1-core figure for context).
    if (ok(sumPlain) && ok(c.duckdb)) {
        const x = rowsPerSec(sumPlain) / rowsPerSec(c.duckdb);
        ratios.push(`| summariser (1 core) vs DuckDB (2 threads) | ${fmtRatio(x)} | rows/s ratio, > 1 = summariser faster |`);
    }
    if (ok(c.sumStream) && ok(c.duckdb)) {
        const x = rowsPerSec(c.sumStream) / rowsPerSec(c.duckdb);
        ratios.push(`| summariser (2 cores) vs DuckDB (2 threads) | ${fmtRatio(x)} | rows/s ratio, > 1 = summariser faster |`);
        checks.push({ name: "faster than DuckDB (2 cores vs 2 threads)", measured: fmtRatio(x), result: x > 1 ? "PASS" : "FAIL" });
    } else na("faster than DuckDB", ok(c.sumStream) ? `DuckDB ${c.duckdb.status}` : "summariser (2 cores) unavailable");

    // vs the fastest JS parser.
    if (ok(sumPlain) && fastestParser !== undefined) {
        const x = rowsPerSec(sumPlain) / rowsPerSec(fastestParser);
        ratios.push(`| summariser vs fastest popular parser (${fastestParser.short}) | ${fmtRatio(x)} | rows/s ratio |`);
        checks.push({
            name: `≥ ${TARGET.vsParser}× the fastest popular parser (${fastestParser.short})`,
            measured: fmtRatio(x),
            result: x >= TARGET.vsParser ? "PASS" : "FAIL",
        });
    } else na(`≥ ${TARGET.vsParser}× the fastest popular parser`, ok(sumPlain) ? "no parser measured" : "summariser unavailable");

    // gzip vs zcat | wc -l.
    if (ok(c.sumGzip) && ok(c.zcat)) {
        const x = rowsPerSec(c.sumGzip) / rowsPerSec(c.zcat);
        ratios.push(`| summariser on gzip vs \`zcat \\| wc -l\` | ${fmtRatio(x)} | throughput ratio |`);
        checks.push({
            name: `gzip ≥ ${TARGET.gzipVsZcat}× \`zcat \\| wc -l\``,
            measured: fmtRatio(x),
            result: x >= TARGET.gzipVsZcat ? "PASS" : "FAIL",
        });
    } else na(`gzip ≥ ${TARGET.gzipVsZcat}× \`zcat \\| wc -l\``, ok(c.sumGzip) ? "zcat failed" : "summariser unavailable");

    // I/O floors, for context.
    if (ok(sumPlain) && ok(c.catPlain)) {
        ratios.push(`| summariser vs \`cat > /dev/null\` | ${fmtRatio(rowsPerSec(sumPlain) / rowsPerSec(c.catPlain))} | fraction of the I/O floor |`);
    }
    if (ok(sumPlain) && ok(c.wcPlain)) {
        ratios.push(`| summariser vs \`wc -l\` | ${fmtRatio(rowsPerSec(sumPlain) / rowsPerSec(c.wcPlain))} | fraction of a line count |`);
    }

    // Memory.
    const rssRuns = [c.sumPlain, c.sumStream, c.sumGzip, c.sumFourX, c.sumFourXStream].filter(ok).filter((m) => m.rssMiB !== undefined);
    if (rssRuns.length > 0) {
        const worst = rssRuns.reduce((a, b) => ((a.rssMiB ?? 0) >= (b.rssMiB ?? 0) ? a : b));
        const peak = worst.rssMiB ?? 0;
        checks.push({
            name: `peak RSS ≤ ${TARGET.rssMiB} MiB (${rssRuns.map((m) => m.input).join(", ")})`,
            measured: rssRuns.map((m) => `${(m.rssMiB ?? 0).toFixed(1)}`).join(" / ") + " MiB",
            result: peak <= TARGET.rssMiB ? "PASS" : "FAIL",
        });
    } else na(`peak RSS ≤ ${TARGET.rssMiB} MiB`, "summariser unavailable");

    if (!args.fourX) {
        na("RSS flat across 1×/4×", "skipped (--no-4x)");
    } else if (ok(sumPlain) && ok(c.sumFourX) && sumPlain.rssMiB !== undefined && c.sumFourX.rssMiB !== undefined) {
        const x = c.sumFourX.rssMiB / sumPlain.rssMiB;
        ratios.push(`| summariser peak RSS 4× vs 1× | ${fmtRatio(x)} | ${c.sumFourX.rssMiB.toFixed(1)} / ${sumPlain.rssMiB.toFixed(1)} MiB |`);
        checks.push({
            name: `RSS flat across 1×/4× (4× ≤ ${TARGET.flatRssFactor}× the 1× peak)`,
            measured: fmtRatio(x),
            result: x <= TARGET.flatRssFactor ? "PASS" : "FAIL",
        });
    } else na("RSS flat across 1×/4×", "summariser unavailable");
    if (args.fourX && ok(c.sumStream) && ok(c.sumFourXStream) && c.sumStream.rssMiB !== undefined && c.sumFourXStream.rssMiB !== undefined) {
        const x = c.sumFourXStream.rssMiB / c.sumStream.rssMiB;
        ratios.push(`| summariser (2 cores) peak RSS 4× vs 1× | ${fmtRatio(x)} | ${c.sumFourXStream.rssMiB.toFixed(1)} / ${c.sumStream.rssMiB.toFixed(1)} MiB |`);
        checks.push({
            name: `RSS flat across 1×/4×, 2 cores (4× ≤ ${TARGET.flatRssFactor}× the 1× peak)`,
            measured: fmtRatio(x),
            result: x <= TARGET.flatRssFactor ? "PASS" : "FAIL",
        });
    }

    if (ratios.length === 2) ratios.push("| — | — | nothing to compare (see the unavailable measurements) |");
    return { ratios, checks };
}

interface CorrectnessReport {
    lines: string[];
    mismatches: string[];
}

/** Row count and per-column non-empty counts must agree: generator truth, summariser, papaparse, csv-parse, DuckDB. */
export function correctness(c: Contenders, gen: GenerateResult): CorrectnessReport {
    const mismatches: string[] = [];
    const truth = gen.plain;
    const sources: { name: string; figures: SummaryFigures | undefined; status: Status }[] = [
        { name: "summariser (plain)", figures: c.sumPlain.summary, status: c.sumPlain.status },
        { name: "summariser (gzip)", figures: c.sumGzip.summary, status: c.sumGzip.status },
        { name: "summariser (2 cores)", figures: c.sumStream.summary, status: c.sumStream.status },
        { name: "papaparse", figures: c.papaparse.summary, status: c.papaparse.status },
        { name: "csv-parse", figures: c.csvParse.summary, status: c.csvParse.status },
        { name: "DuckDB", figures: c.duckdb.summary, status: c.duckdb.status },
    ];
    const header = ["| Source | rows", ...COLUMN_NAMES.map((n) => `${n} non-empty`)].join(" | ") + " | Types |";
    const lines = [header, "|" + "---|".repeat(COLUMN_NAMES.length + 3)];
    lines.push(`| generator (truth) | ${fmtInt(truth.rows)} | ${truth.nonEmpty.map(fmtInt).join(" | ")} | — |`);
    const compare = (name: string, figures: SummaryFigures, expected: FileTruth): void => {
        if (figures.rows !== expected.rows) mismatches.push(`${name}: rows ${figures.rows} ≠ ${expected.rows}`);
        if (figures.columns.length !== COLUMN_NAMES.length) {
            mismatches.push(`${name}: ${figures.columns.length} columns ≠ ${COLUMN_NAMES.length}`);
        }
        COLUMN_NAMES.forEach((col, i) => {
            const got = figures.columns[i]?.nonEmpty;
            if (got !== expected.nonEmpty[i]) mismatches.push(`${name}: column ${col} non-empty ${String(got)} ≠ ${expected.nonEmpty[i]}`);
        });
    };
    for (const s of sources) {
        if (s.figures === undefined) {
            lines.push(`| ${s.name} | ${s.status} |${" |".repeat(COLUMN_NAMES.length + 1)}`);
            continue;
        }
        const f = s.figures;
        compare(s.name, f, truth);
        const cells = COLUMN_NAMES.map((_, i) => {
            const v = f.columns[i]?.nonEmpty;
            return v === undefined ? "—" : v === truth.nonEmpty[i] ? fmtInt(v) : `**${fmtInt(v)} ≠**`;
        });
        const rows = f.rows === truth.rows ? fmtInt(f.rows) : `**${fmtInt(f.rows)} ≠**`;
        lines.push(`| ${s.name} | ${rows} | ${cells.join(" | ")} | ${f.columns.map((col) => col.type).join(", ")} |`);
    }
    if (c.sumFourX?.summary !== undefined && gen.fourX !== undefined) {
        compare("summariser (4×)", c.sumFourX.summary, gen.fourX);
    }
    if (c.sumFourXStream?.summary !== undefined && gen.fourX !== undefined) {
        compare("summariser, 2 cores (4×)", c.sumFourXStream.summary, gen.fourX);
    }
    return { lines, mismatches };
}

export function columnDetails(c: Contenders): string[] {
    const fmtV = (v: number | string | undefined): string =>
        v === undefined ? "—" : typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toFixed(4)) : v;
    const lines = [
        "| Column | Source | type | min | max | mean | distinct |",
        "|---|---|---|---|---|--:|--:|",
    ];
    const sources: [string, SummaryFigures | undefined, string][] = [
        ["summariser", c.sumPlain.summary, "HyperLogLog"],
        ["papaparse", c.papaparse.summary, `Set, capped at ${fmtInt(DISTINCT_CAP)}`],
        ["DuckDB", c.duckdb.summary, "approx_count_distinct"],
    ];
    COLUMN_NAMES.forEach((name, i) => {
        for (const [src, f] of sources) {
            const col = f?.columns[i];
            if (col === undefined) continue;
            const distinct = col.distinctCapped ? `≥ ${fmtInt(col.distinct)}` : fmtInt(col.distinct);
            lines.push(
                `| ${name} | ${src} | ${col.type} | ${cell(fmtV(col.min))} | ${cell(fmtV(col.max))} | ${fmtV(col.mean)} | ${distinct} |`,
            );
        }
    });
    return lines;
}
