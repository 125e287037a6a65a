/**
 * Child: DuckDB (@duckdb/node-api, in-process) doing read_csv + the same per-column aggregates:
 * count(*), count(col), min, max, avg (numeric columns), approx_count_distinct — on `--threads` threads.
 * Usage: node measure-duckdb.js --file <csv> --threads <n>
 * Loading failures are reported as "unavailable" with the reason.
 */

import * as fs from "node:fs";
import { argValue, errorText, runChild, selfMaxRssKiB, type ChildResult, type ColumnFigures } from "./protocol";

const NUMERIC_TYPE = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|REAL|DECIMAL.*)$/;
const INTEGER_TYPE = /INT$/;

const sqlString = (s: string): string => `'${s.replace(/'/g, "''")}'`;
const sqlIdent = (s: string): string => `"${s.replace(/"/g, '""')}"`;

function num(v: unknown): number {
    if (typeof v === "number") return v;
    if (typeof v === "bigint") return Number(v);
    if (typeof v === "string") return Number(v);
    return NaN;
}

function typeName(duckType: string): string {
    if (INTEGER_TYPE.test(duckType)) return "integer";
    if (NUMERIC_TYPE.test(duckType)) return "float";
    if (duckType === "BOOLEAN") return "boolean";
    if (duckType.startsWith("TIMESTAMP") || duckType === "DATE") return "timestamp";
    return "string";
}

async function main(): Promise<ChildResult> {
    const file = argValue("--file");
    const threads = argValue("--threads");
    let duckdb: typeof import("@duckdb/node-api");
    try {
        duckdb = await import("@duckdb/node-api");
    } catch (err) {
        return { ok: false, unavailable: true, error: `cannot load @duckdb/node-api: ${errorText(err)}` };
    }

    const started = performance.now();
    const instance = await duckdb.DuckDBInstance.create(":memory:", { threads });
    const conn = await instance.connect();
    const source = `read_csv(${sqlString(file)}, header = true)`;
    // The sniffer infers the column types; they decide which aggregates apply (avg only on numbers).
    const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJS();
    const columns = described.map((row) => ({ name: String(row["column_name"]), type: String(row["column_type"]) }));
    const selects = ["count(*)::DOUBLE AS n"];
    columns.forEach((c, i) => {
        const id = sqlIdent(c.name);
        selects.push(`count(${id})::DOUBLE AS c${i}`);
        selects.push(`min(${id})::VARCHAR AS mn${i}`);
        selects.push(`max(${id})::VARCHAR AS mx${i}`);
        selects.push(NUMERIC_TYPE.test(c.type) ? `avg(${id})::DOUBLE AS av${i}` : `NULL AS av${i}`);
        selects.push(`approx_count_distinct(${id})::DOUBLE AS d${i}`);
    });
    const rows = (await conn.runAndReadAll(`SELECT ${selects.join(", ")} FROM ${source}`)).getRowObjectsJS();
    const wallSec = (performance.now() - started) / 1000;
    const r = rows[0];
    if (r === undefined) throw new Error("DuckDB returned no row");
    const total = num(r["n"]);
    const figures: ColumnFigures[] = columns.map((c, i) => {
        const nonEmpty = num(r[`c${i}`]);
        const type = typeName(c.type);
        const min = r[`mn${i}`];
        const max = r[`mx${i}`];
        const mean = r[`av${i}`];
        const isNumber = type === "integer" || type === "float";
        return {
            name: c.name,
            nonEmpty,
            empty: total - nonEmpty,
            type: nonEmpty === 0 ? "empty" : type,
            min: typeof min === "string" ? (isNumber ? Number(min) : min) : undefined,
            max: typeof max === "string" ? (isNumber ? Number(max) : max) : undefined,
            mean: typeof mean === "number" ? mean : undefined,
            distinct: num(r[`d${i}`]),
        };
    });
    conn.closeSync();
    instance.closeSync();
    return {
        ok: true,
        wallSec,
        bytes: fs.statSync(file).size,
        summary: { rows: total, columns: figures },
        selfMaxRssKiB: selfMaxRssKiB(),
        note: `${threads} threads; sniffed types: ${columns.map((c) => c.type).join(", ")}`,
    };
}

runChild(main);
