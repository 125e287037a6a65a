/**
 * Small helpers shared by both packs' rules.
 */
import { PolicyResource, ReportViolation } from "@pulumi/policy";
import { FoundDocument, documentsOf } from "./documents";
import { PolicyDocumentError, Statement, parsePolicyDocument } from "./iam-document";
import { isUnknownValueError } from "./unknown";

/**
 * A rule's config: the values the pack was given, over the rule's own defaults. The engine fills
 * in a schema's defaults before it hands config to a pack; each rule applies them too, so a rule
 * behaves the same when called without the engine (tests).
 */
export function withDefaults<T extends object>(args: { getConfig<U extends object>(): U }, defaults: T): T {
    const given = (args.getConfig<Partial<T>>() ?? {}) as Partial<T>;
    const out = { ...defaults };
    for (const key of Object.keys(defaults) as (keyof T)[]) {
        if (given[key] !== undefined) {
            out[key] = given[key] as T[keyof T];
        }
    }
    return out;
}

/** A document with its statements, or the reason it could not be read. */
export interface ReadDocument extends FoundDocument {
    statements: Statement[];
    error?: string;
}

/** Parses one document; a malformed one comes back with its error, one with unknown parts is left out. */
export function readDocument<T extends { document: unknown }>(found: T): (T & { statements: Statement[]; error?: string }) | undefined {
    try {
        return { ...found, statements: parsePolicyDocument(found.document) };
    } catch (e) {
        if (e instanceof PolicyDocumentError) {
            return { ...found, statements: [], error: e.message };
        }
        if (isUnknownValueError(e)) {
            return undefined;
        }
        throw e;
    }
}

/** Every policy document of a resource (of the given kinds), parsed. */
export function readDocuments(type: string, props: Record<string, any>, kinds: FoundDocument["kind"][]): ReadDocument[] {
    return documentsOf(type, props)
        .filter((d) => kinds.includes(d.kind))
        .map((d) => readDocument(d))
        .filter((d): d is ReadDocument => d !== undefined);
}

/** `a`, `a and b`, `a, b, c and 4 more` (or with "or") — for messages that list actions. */
export function listForMessage(items: string[], max = 4, conjunction: "and" | "or" = "and"): string {
    if (items.length <= max) {
        return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
    }
    return `${items.slice(0, max).join(", ")} ${conjunction} ${items.length - max} more`;
}

/** Reports against one resource of a stack validation. */
export function reportOn(report: ReportViolation, resource: PolicyResource): (message: string) => void {
    return (message) => report(message, resource.urn);
}

/** Resources of a type in a stack. */
export function ofType(resources: PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}
