/**
 * EventBridge event patterns: the builder the upload rule uses, and a matcher for the subset of the
 * pattern language the builders produce (so tests and the local pipeline decide "does this event
 * fire the rule" with the very pattern deployed).
 */

/**
 * A JSON event pattern (see "Amazon EventBridge event patterns"). `$or` holds alternatives, each a
 * pattern of its own.
 */
export type EventPattern = { [field: string]: EventPattern | PatternValue[] | EventPattern[] };

/** One element of a pattern's value list: a literal or a content filter. */
export type PatternValue =
    | string
    | number
    | boolean
    | null
    | { prefix: string }
    | { suffix: string }
    | { wildcard: string }
    | { exists: boolean }
    | { "anything-but": string | number | (string | number)[] | { prefix: string } }
    | { numeric: (string | number)[] };

export interface UploadEventPatternArgs {
    /** The bucket's name. */
    bucketName: string;
    /** The key prefix uploads arrive under, e.g. "uploads/". */
    prefix: string;
    /** Optional key endings, e.g. [".csv", ".csv.gz"]; any of them matches. */
    suffixes?: readonly string[];
}

/** Escapes `*` and `\` for an EventBridge wildcard filter. */
export function escapeWildcard(text: string): string {
    return text.replace(/[\\*]/g, (c) => `\\${c}`);
}

/**
 * The pattern for "an object was created in this bucket under this prefix (with one of these endings)".
 *
 * A prefix filter and a suffix filter in the same list would be OR-ed, so prefix + suffix is one
 * `wildcard` filter per suffix: `uploads/*.csv`. `*` in a wildcard also matches `/`, so files in
 * sub-folders of the prefix match too.
 */
export function uploadEventPattern(args: UploadEventPatternArgs): EventPattern {
    const suffixes = args.suffixes ?? [];
    const key: PatternValue[] =
        suffixes.length === 0
            ? [{ prefix: args.prefix }]
            : suffixes.map((s) => ({ wildcard: `${escapeWildcard(args.prefix)}*${escapeWildcard(s)}` }));
    return {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: {
            bucket: { name: [args.bucketName] },
            object: { key },
        },
    };
}

function wildcardToRegExp(wildcard: string): RegExp {
    let re = "";
    for (let i = 0; i < wildcard.length; i++) {
        const c = wildcard[i];
        if (c === "\\" && i + 1 < wildcard.length) {
            re += wildcard[++i].replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        } else if (c === "*") {
            re += "[\\s\\S]*";
        } else {
            re += c.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
        }
    }
    return new RegExp(`^${re}$`);
}

function numericMatches(conditions: (string | number)[], value: number): boolean {
    for (let i = 0; i + 1 < conditions.length; i += 2) {
        const op = conditions[i];
        const bound = Number(conditions[i + 1]);
        const ok =
            op === "=" ? value === bound
            : op === "<" ? value < bound
            : op === "<=" ? value <= bound
            : op === ">" ? value > bound
            : op === ">=" ? value >= bound
            : false;
        if (!ok) {
            return false;
        }
    }
    return true;
}

function valueMatches(filter: PatternValue, value: unknown): boolean {
    if (filter === null || typeof filter !== "object") {
        return value === filter;
    }
    if ("prefix" in filter) {
        return typeof value === "string" && value.startsWith(filter.prefix);
    }
    if ("suffix" in filter) {
        return typeof value === "string" && value.endsWith(filter.suffix);
    }
    if ("wildcard" in filter) {
        return typeof value === "string" && wildcardToRegExp(filter.wildcard).test(value);
    }
    if ("anything-but" in filter) {
        const but = filter["anything-but"];
        if (typeof but === "object" && !Array.isArray(but)) {
            return typeof value === "string" && !value.startsWith(but.prefix);
        }
        const excluded = ([] as (string | number)[]).concat(but);
        return value !== undefined && value !== null && !excluded.includes(value as string | number);
    }
    if ("numeric" in filter) {
        return typeof value === "number" && numericMatches(filter.numeric, value);
    }
    // `exists` is handled by the caller, which knows whether the field is present.
    return false;
}

function fieldMatches(filters: PatternValue[], present: boolean, value: unknown): boolean {
    const values = Array.isArray(value) ? value : [value];
    return filters.some((f) => {
        if (f !== null && typeof f === "object" && "exists" in f) {
            return f.exists === present;
        }
        return present && values.some((v) => valueMatches(f, v));
    });
}

/**
 * Does `event` match `pattern`? Implements literals, prefix, suffix, wildcard, anything-but,
 * numeric, exists and `$or`, with EventBridge's rules: every field of the pattern must match; a list
 * of filters matches if any does; an array in the event matches if any element does (also an array
 * of objects against a nested pattern); `$or` matches if any of its patterns does.
 */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
    if (Array.isArray(event)) {
        return event.some((element) => matchesEventPattern(pattern, element));
    }
    if (event === null || typeof event !== "object") {
        return false;
    }
    const record = event as Record<string, unknown>;
    return Object.entries(pattern).every(([field, expected]) => {
        if (field === "$or") {
            return (expected as EventPattern[]).some((alternative) => matchesEventPattern(alternative, record));
        }
        const present = Object.prototype.hasOwnProperty.call(record, field);
        if (Array.isArray(expected)) {
            return fieldMatches(expected as PatternValue[], present, record[field]);
        }
        return present && matchesEventPattern(expected, record[field]);
    });
}
