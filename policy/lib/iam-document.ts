/**
 * Reading IAM policy documents the way AWS does: a document arrives as a JSON string or an object;
 * Statement, Action, NotAction, Resource, NotResource and Principal may each be a single value or a
 * list. Everything is normalised to lists so rules never branch on shape.
 */

/** A principal block, normalised. `any` is true for `"*"` and `{"AWS": "*"}`. */
export interface Principals {
    any: boolean;
    services: string[];
    aws: string[];
    federated: string[];
    canonicalUsers: string[];
}

/** Condition operator → key → values (keys as written). */
export type Conditions = Record<string, Record<string, string[]>>;

export interface Statement {
    sid?: string;
    effect: "Allow" | "Deny";
    actions: string[];
    notActions?: string[];
    resources: string[];
    notResources?: string[];
    principals?: Principals;
    notPrincipals?: Principals;
    conditions: Conditions;
    /** Position in the document, for messages. */
    index: number;
}

/** Thrown for a document that is not valid JSON or not shaped like a policy. */
export class PolicyDocumentError extends Error {}

function list(value: unknown): string[] {
    if (value === undefined || value === null) {
        return [];
    }
    return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function principals(value: unknown): Principals | undefined {
    if (value === undefined) {
        return undefined;
    }
    const p: Principals = { any: false, services: [], aws: [], federated: [], canonicalUsers: [] };
    if (value === "*") {
        p.any = true;
        return p;
    }
    if (typeof value !== "object" || value === null) {
        throw new PolicyDocumentError(`Principal ${JSON.stringify(value)} is neither "*" nor an object`);
    }
    const block = value as Record<string, unknown>;
    p.services = list(block.Service);
    p.aws = list(block.AWS);
    p.federated = list(block.Federated);
    p.canonicalUsers = list(block.CanonicalUser);
    p.any = p.aws.includes("*");
    return p;
}

function conditions(value: unknown): Conditions {
    const out: Conditions = {};
    if (value === undefined || value === null) {
        return out;
    }
    if (typeof value !== "object") {
        throw new PolicyDocumentError(`Condition ${JSON.stringify(value)} is not an object`);
    }
    for (const [op, block] of Object.entries(value as Record<string, unknown>)) {
        out[op] = {};
        for (const [key, v] of Object.entries((block ?? {}) as Record<string, unknown>)) {
            out[op][key] = list(v);
        }
    }
    return out;
}

/**
 * Parses a policy document. Returns the statements, normalised; throws PolicyDocumentError for
 * malformed input. The input is never changed.
 */
export function parsePolicyDocument(input: unknown): Statement[] {
    let doc: unknown = input;
    if (typeof input === "string") {
        try {
            doc = JSON.parse(input);
        } catch (e) {
            throw new PolicyDocumentError(`policy is not valid JSON: ${(e as Error).message}`);
        }
    }
    if (typeof doc !== "object" || doc === null) {
        throw new PolicyDocumentError("policy is not a JSON object");
    }
    const raw = (doc as Record<string, unknown>).Statement;
    const statements = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    return statements.map((s, index) => {
        if (typeof s !== "object" || s === null) {
            throw new PolicyDocumentError(`Statement ${index} is not an object`);
        }
        const st = s as Record<string, unknown>;
        const effect = st.Effect;
        if (effect !== "Allow" && effect !== "Deny") {
            throw new PolicyDocumentError(`Statement ${index} has Effect ${JSON.stringify(effect)}; expected "Allow" or "Deny"`);
        }
        return {
            sid: typeof st.Sid === "string" ? st.Sid : undefined,
            effect,
            actions: list(st.Action),
            notActions: st.NotAction === undefined ? undefined : list(st.NotAction),
            resources: list(st.Resource),
            notResources: st.NotResource === undefined ? undefined : list(st.NotResource),
            principals: principals(st.Principal),
            notPrincipals: principals(st.NotPrincipal),
            conditions: conditions(st.Condition),
            index,
        };
    });
}

/** Allow statements only: Deny statements never grant anything, so they are never violations. */
export function allows(statements: Statement[]): Statement[] {
    return statements.filter((s) => s.effect === "Allow");
}

/** How a statement is named in messages: its Sid, or its position. */
export function statementLabel(s: Statement): string {
    return s.sid ? `statement "${s.sid}"` : `statement ${s.index}`;
}

/** Every condition key a statement uses (lower-cased, as AWS compares them). */
export function conditionKeys(s: Statement): Set<string> {
    const keys = new Set<string>();
    for (const block of Object.values(s.conditions)) {
        for (const key of Object.keys(block)) {
            keys.add(key.toLowerCase());
        }
    }
    return keys;
}

/** Each pattern's expression, compiled once: an action pattern is matched against every action of its service. */
const compiledPatterns = new Map<string, RegExp>();

/** Matches an IAM-style pattern (`*` any run, `?` one character), case-insensitively. */
export function iamPatternMatches(pattern: string, value: string): boolean {
    let re = compiledPatterns.get(pattern);
    if (re === undefined) {
        const source = pattern.replace(/[.+^${}()|[\]\\/]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
        re = new RegExp(`^${source}$`, "i");
        compiledPatterns.set(pattern, re);
    }
    return re.test(value);
}
