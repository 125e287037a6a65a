/**
 * The `aws:iam/getPolicyDocument:getPolicyDocument` data source, answered offline the way the AWS
 * provider renders it (terraform-provider-aws, internal/service/iam/policy_document_data_source.go
 * and policy_model.go), so a program that builds its documents with aws.iam.getPolicyDocument(Output)
 * hands the packs the same JSON a preview would:
 * - `json` is indented by two spaces, `minifiedJson` compact; both escape <, > and & as Go does;
 * - keys in the order Version, Id, Statement and Sid, Effect, Action, NotAction, Resource,
 *   NotResource, Principal, NotPrincipal, Condition; empty ones left out; Effect defaults to Allow;
 * - a list with one item becomes a string; longer action, resource and principal-identifier lists are
 *   sorted in reverse; condition values keep their order;
 * - principal types and condition operators and keys in sorted order; type "*" with identifier "*"
 *   becomes `"Principal": "*"`; `&{` becomes `${` in resources, identifiers and condition values;
 * - source documents first, then the statements, then override documents; a statement with the Sid
 *   of an earlier one replaces it; a Sid repeated among the source documents is an error.
 */
import { crc32 } from "zlib";

interface PrincipalInput {
    type: string;
    identifiers: string[];
}

interface ConditionInput {
    test: string;
    variable: string;
    values: string[];
}

interface StatementInput {
    sid?: string;
    effect?: string;
    actions?: string[];
    notActions?: string[];
    resources?: string[];
    notResources?: string[];
    principals?: PrincipalInput[];
    notPrincipals?: PrincipalInput[];
    conditions?: ConditionInput[];
}

export interface PolicyDocumentArgs {
    version?: string;
    policyId?: string;
    statements?: StatementInput[];
    sourcePolicyDocuments?: string[];
    overridePolicyDocuments?: string[];
}

type Json = string | string[] | Record<string, unknown>;

/** A rendered statement: keys already in the provider's order. */
type RenderedStatement = Record<string, Json>;

interface RenderedDocument {
    Version?: string;
    Id?: string;
    Statement: RenderedStatement[];
}

const VARIABLES = (s: string) => s.split("&{").join("${");

/** One value stays a string; several are sorted in reverse, as the provider does for sets. */
function setValue(values: string[]): string | string[] {
    return values.length === 1 ? values[0] : [...values].sort().reverse();
}

function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
    return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function principals(blocks: PrincipalInput[]): Json {
    if (blocks.length === 1 && blocks[0].type === "*" && blocks[0].identifiers.length === 1 && blocks[0].identifiers[0] === "*") {
        return "*";
    }
    const out: Record<string, string | string[]> = {};
    for (const block of blocks) {
        const sorted = setValue(block.identifiers);
        const ids = Array.isArray(sorted) ? sorted.map(VARIABLES) : VARIABLES(sorted);
        const before = out[block.type];
        out[block.type] = before === undefined ? ids : [...(Array.isArray(before) ? before : [before]), ...(Array.isArray(ids) ? ids : [ids])];
    }
    return sortedKeys(out);
}

function conditions(blocks: ConditionInput[]): Json {
    const out: Record<string, Record<string, string[]>> = {};
    for (const c of blocks) {
        out[c.test] = out[c.test] ?? {};
        out[c.test][c.variable] = [...(out[c.test][c.variable] ?? []), ...c.values.map(VARIABLES)];
    }
    return sortedKeys(Object.fromEntries(Object.entries(out).map(([test, vars]) => [test, sortedKeys(Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.length === 1 ? v[0] : v])))])));
}

function statement(s: StatementInput): RenderedStatement {
    const out: RenderedStatement = {};
    const put = (key: string, value: Json | undefined) => {
        if (value !== undefined) {
            out[key] = value;
        }
    };
    // Sorted first, then `&{` replaced, as the provider does.
    const list = (values: string[] | undefined, map: (s: string) => string = (s) => s) => {
        if (!values || values.length === 0) {
            return undefined;
        }
        const sorted = setValue(values);
        return Array.isArray(sorted) ? sorted.map(map) : map(sorted);
    };
    put("Sid", s.sid ? s.sid : undefined);
    put("Effect", s.effect ?? "Allow");
    put("Action", list(s.actions));
    put("NotAction", list(s.notActions));
    put("Resource", list(s.resources, VARIABLES));
    put("NotResource", list(s.notResources, VARIABLES));
    put("Principal", s.principals && s.principals.length > 0 ? principals(s.principals) : undefined);
    put("NotPrincipal", s.notPrincipals && s.notPrincipals.length > 0 ? principals(s.notPrincipals) : undefined);
    put("Condition", s.conditions && s.conditions.length > 0 ? conditions(s.conditions) : undefined);
    return out;
}

/**
 * A principal element read back from JSON, in the provider's model: "*" stays "*", a string stays a
 * string, a list (even of one) stays a list, sorted in reverse.
 */
function principalsFromJson(value: unknown): Json {
    if (typeof value === "string") {
        return "*";
    }
    const entries = Object.entries((value ?? {}) as Record<string, string | string[]>).map(([type, ids]) => [type, Array.isArray(ids) ? [...ids].sort().reverse() : ids]);
    return sortedKeys(Object.fromEntries(entries) as Record<string, string | string[]>);
}

/** A statement of a source or override document, as the provider re-renders it. */
function fromJson(raw: Record<string, unknown>): RenderedStatement {
    const out: RenderedStatement = {};
    const put = (key: string, value: Json | undefined) => {
        if (value !== undefined && value !== "" && !(Array.isArray(value) && value.length === 0)) {
            out[key] = value;
        }
    };
    put("Sid", raw.Sid as string | undefined);
    put("Effect", raw.Effect as string | undefined);
    for (const key of ["Action", "NotAction", "Resource", "NotResource"]) {
        put(key, raw[key] as Json | undefined);
    }
    for (const key of ["Principal", "NotPrincipal"]) {
        if (raw[key] !== undefined) {
            put(key, principalsFromJson(raw[key]));
        }
    }
    if (raw.Condition !== undefined) {
        const blocks: ConditionInput[] = [];
        for (const [test, vars] of Object.entries(raw.Condition as Record<string, Record<string, unknown>>)) {
            for (const [variable, values] of Object.entries(vars)) {
                blocks.push({ test, variable, values: Array.isArray(values) ? values.map(String) : [String(values)] });
            }
        }
        put("Condition", conditions(blocks));
    }
    return out;
}

function parseDocument(json: string, what: string): { Version?: string; Id?: string; Statement: RenderedStatement[] } {
    let doc: Record<string, unknown>;
    try {
        doc = JSON.parse(json) as Record<string, unknown>;
    } catch (e) {
        throw new Error(`getPolicyDocument: ${what} is not valid JSON: ${(e as Error).message}`);
    }
    const raw = doc.Statement === undefined ? [] : Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    return { Version: doc.Version as string | undefined, Id: doc.Id as string | undefined, Statement: raw.map((s) => fromJson(s as Record<string, unknown>)) };
}

/** Merges `next` into `doc` as the provider's IAMPolicyDoc.Merge does. */
function merge(doc: RenderedDocument, next: { Version?: string; Id?: string; Statement: RenderedStatement[] }): void {
    if (next.Id) {
        doc.Id = next.Id;
    }
    if (next.Version && (doc.Version === undefined || next.Version > doc.Version)) {
        doc.Version = next.Version;
    }
    for (const s of next.Statement) {
        const at = s.Sid ? doc.Statement.findIndex((e) => e.Sid === s.Sid) : -1;
        if (at >= 0) {
            doc.Statement[at] = s;
        } else {
            doc.Statement.push(s);
        }
    }
}

/** Go's encoding/json escapes these characters inside strings. */
function goEscapes(json: string): string {
    return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

const VERSIONS = ["2008-10-17", "2012-10-17"];

/** The data source's result: `json`, `minifiedJson` and `id`, with the arguments echoed back. */
export function renderPolicyDocument(args: PolicyDocumentArgs): Record<string, unknown> {
    const version = args.version ?? "2012-10-17";
    if (!VERSIONS.includes(version)) {
        throw new Error(`getPolicyDocument: version ${JSON.stringify(version)} is not one of ${VERSIONS.join(", ")}`);
    }
    const merged: RenderedDocument = { Statement: [] };
    const seen = new Set<string>();
    (args.sourcePolicyDocuments ?? []).forEach((json, i) => {
        const doc = parseDocument(json, `sourcePolicyDocuments[${i}]`);
        doc.Statement.forEach((s, j) => {
            if (typeof s.Sid === "string") {
                if (seen.has(s.Sid)) {
                    throw new Error(`getPolicyDocument: duplicate Sid (${s.Sid}) in sourcePolicyDocuments[${i}] (statement ${j}); remove the Sid or make Sids unique`);
                }
                seen.add(s.Sid);
            }
        });
        merge(merged, doc);
    });
    const sids = new Set<string>();
    for (const s of args.statements ?? []) {
        if (s.sid) {
            if (sids.has(s.sid)) {
                throw new Error(`getPolicyDocument: duplicate Sid (${s.sid}); remove the Sid or make it unique`);
            }
            sids.add(s.sid);
        }
    }
    merge(merged, { Version: version, Id: args.policyId || undefined, Statement: (args.statements ?? []).map(statement) });
    (args.overridePolicyDocuments ?? []).forEach((json, i) => merge(merged, parseDocument(json, `overridePolicyDocuments[${i}]`)));
    const ordered: Record<string, unknown> = {};
    if (merged.Version) {
        ordered.Version = merged.Version;
    }
    if (merged.Id) {
        ordered.Id = merged.Id;
    }
    if (merged.Statement.length > 0) {
        ordered.Statement = merged.Statement;
    }
    const json = goEscapes(JSON.stringify(ordered, null, 2));
    return { ...args, version, json, minifiedJson: goEscapes(JSON.stringify(ordered)), id: String(crc32(json)) };
}
