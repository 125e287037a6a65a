/**
 * A small evaluator for the CloudWatch metric math the queue worker's scaling policy uses (numbers,
 * ids, + - * /, comparisons, FILL(x, n), IF(c, a, b)), applied to one datapoint: a missing datapoint
 * is undefined and stays missing through arithmetic, as in CloudWatch. Division by zero throws, so a
 * test proves the expression never divides by zero.
 */
import { strict as assert } from "assert";
import type { TargetTrackingMetricQuery } from "../../components/builders/queue-worker";

/** One datapoint: undefined when it is missing. */
export type Value = number | undefined;

/** The value of `expression` for one datapoint, given the value of each id it names. */
export function evaluateMath(expression: string, vars: Record<string, Value>): Value {
    const tokens = expression.match(/\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*|>=|<=|==|!=|[-+*/(),<>]/g) ?? [];
    assert.equal(tokens.join(""), expression.replace(/\s+/g, ""), `unexpected characters in ${expression}`);
    let i = 0;
    const peek = () => tokens[i];
    const take = (expected?: string) => {
        const t = tokens[i++];
        if (expected !== undefined && t !== expected) {
            throw new Error(`expected ${expected} at ${i} in ${expression}, got ${t}`);
        }
        return t;
    };
    const arith = (a: Value, b: Value, f: (x: number, y: number) => number): Value => (a === undefined || b === undefined ? undefined : f(a, b));
    const primary = (): Value => {
        const t = take();
        if (t === "(") {
            const v = comparison();
            take(")");
            return v;
        }
        if (t === "-") {
            return arith(0, primary(), (x, y) => x - y);
        }
        if (/^\d/.test(t)) {
            return Number(t);
        }
        if (peek() === "(") {
            take("(");
            const argsList: Value[] = [comparison()];
            while (peek() === ",") {
                take(",");
                argsList.push(comparison());
            }
            take(")");
            if (t === "FILL" && argsList.length === 2) {
                return argsList[0] ?? argsList[1];
            }
            if (t === "IF" && argsList.length === 3) {
                return argsList[0] === undefined ? undefined : argsList[0] !== 0 ? argsList[1] : argsList[2];
            }
            throw new Error(`unsupported function ${t}/${argsList.length}`);
        }
        if (!(t in vars)) {
            throw new Error(`unknown id ${t} in ${expression}`);
        }
        return vars[t];
    };
    const product = (): Value => {
        let v = primary();
        while (peek() === "*" || peek() === "/") {
            const op = take();
            const r = primary();
            if (op === "/" && r === 0) {
                throw new Error(`division by zero in ${expression} with ${JSON.stringify(vars)}`);
            }
            v = arith(v, r, op === "*" ? (x, y) => x * y : (x, y) => x / y);
        }
        return v;
    };
    const sum = (): Value => {
        let v = product();
        while (peek() === "+" || peek() === "-") {
            const op = take();
            v = arith(v, product(), op === "+" ? (x, y) => x + y : (x, y) => x - y);
        }
        return v;
    };
    const comparison = (): Value => {
        const left = sum();
        const op = peek();
        const compare: Record<string, (x: number, y: number) => boolean> = {
            ">": (x, y) => x > y,
            ">=": (x, y) => x >= y,
            "<": (x, y) => x < y,
            "<=": (x, y) => x <= y,
            "==": (x, y) => x === y,
            "!=": (x, y) => x !== y,
        };
        if (op !== undefined && op in compare) {
            take();
            return arith(left, sum(), (x, y) => (compare[op](x, y) ? 1 : 0));
        }
        return left;
    };
    const result = comparison();
    assert.equal(i, tokens.length, `trailing tokens in ${expression}`);
    return result;
}

/** Evaluates the policy's queries for one minute's raw datapoints and returns the one returned value. */
export function backlogPerTask(queries: TargetTrackingMetricQuery[], raw: { visible?: number; inflight?: number; running?: number }): Value {
    const vars: Record<string, Value> = {};
    for (const q of queries) {
        vars[q.id] = q.metricStat ? raw[q.id as keyof typeof raw] : evaluateMath(q.expression ?? "", vars);
    }
    const returned = queries.filter((q) => q.returnData);
    assert.equal(returned.length, 1, "exactly one query returns data");
    return vars[returned[0].id];
}

