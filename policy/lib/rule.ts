/**
 * Small helpers shared by both packs' rules.
 */
import { PolicyResource, ReportViolation } from "@pulumi/policy";
import { FoundDocument, documentsOf } from "./documents";
import { PolicyDocumentError, Statement, parsePolicyDocument } from "./iam-document";

/**
 * A rule's config: the values the pack was given, over the rule's own defaults. The Policy SDK
 * validates config against the JSON schema but does not apply its defaults, so each rule does.
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

/** Every policy document of a resource (of the given kinds), parsed. */
export function readDocuments(type: string, props: Record<string, any>, kinds: FoundDocument["kind"][]): ReadDocument[] {
    return documentsOf(type, props)
        .filter((d) => kinds.includes(d.kind))
        .map((d) => {
            try {
                return { ...d, statements: parsePolicyDocument(d.document) };
            } catch (e) {
                if (e instanceof PolicyDocumentError) {
                    return { ...d, statements: [], error: e.message };
                }
                throw e;
            }
        });
}

/** `a`, `a and b`, `a, b, c and 4 more` (or with "or") — for messages that list actions. */
export function listForMessage(items: string[], max = 4, conjunction: "and" | "or" = "and"): string {
    if (items.length <= max) {
        return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
    }
    return `${items.slice(0, max).join(", ")} ${conjunction} ${items.length - max} more`;
}

// The Policy SDK's marker for values that are unknown during a preview.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: new (...args: unknown[]) => Error };

/**
 * Runs `check` for each item. An item whose values are unknown at preview is skipped on its own, so
 * one computed value elsewhere in the stack does not make a whole stack rule not applicable.
 */
export async function forEachKnown<T>(items: T[], check: (item: T) => void | Promise<void>): Promise<void> {
    for (const item of items) {
        try {
            await check(item);
        } catch (e) {
            if (!(e instanceof UnknownValueError)) {
                throw e;
            }
        }
    }
}

/** A value, or undefined when it is unknown at preview. */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (e) {
        if (e instanceof UnknownValueError) {
            return undefined;
        }
        throw e;
    }
}

/** Does a RolePolicy / RolePolicyAttachment (`props.role`) belong to this role (by name or id)? */
export function belongsToRole(attachment: PolicyResource, role: PolicyResource): boolean {
    const ref = known(() => attachment.props.role);
    return ref !== undefined && (ref === known(() => role.props.name) || ref === known(() => role.props.id));
}

/** Reports against one resource of a stack validation. */
export function reportOn(report: ReportViolation, resource: PolicyResource): (message: string) => void {
    return (message) => report(message, resource.urn);
}

/** Resources of a type in a stack. */
export function ofType(resources: PolicyResource[], type: string): PolicyResource[] {
    return resources.filter((r) => r.type === type);
}
