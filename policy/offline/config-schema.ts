/**
 * Checks a value against a JSON schema, for the keywords policy config schemas use. The Pulumi
 * engine validates a pack's config with a JSON-schema validator (gojsonschema) before the pack
 * runs; the offline runner does the same so that bad config fails here as it would there. A schema
 * keyword this checker does not know is an error, never silently ignored.
 */
import { PolicyConfigJSONSchema, PolicyConfigJSONSchemaDefinition, PolicyConfigJSONSchemaTypeName } from "@pulumi/policy/schema";

const ANNOTATIONS = new Set(["default", "description", "title", "examples", "$comment"]);
const CHECKED = new Set([
    "type",
    "enum",
    "const",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
    "pattern",
    "properties",
    "required",
    "additionalProperties",
]);

/** Throws when a schema uses a keyword this checker does not implement. */
export function assertSupported(schema: PolicyConfigJSONSchemaDefinition, where: string): void {
    if (typeof schema === "boolean") {
        return;
    }
    for (const key of Object.keys(schema)) {
        if (!CHECKED.has(key) && !ANNOTATIONS.has(key)) {
            throw new Error(`${where}: the config schema keyword "${key}" is not supported by the offline runner`);
        }
    }
    if (schema.items !== undefined) {
        for (const item of Array.isArray(schema.items) ? schema.items : [schema.items]) {
            assertSupported(item, `${where}.items`);
        }
    }
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
        assertSupported(property, `${where}.${name}`);
    }
    if (typeof schema.additionalProperties === "object") {
        assertSupported(schema.additionalProperties, `${where}.additionalProperties`);
    }
}

function typeOf(value: unknown): PolicyConfigJSONSchemaTypeName {
    if (value === null) {
        return "null";
    }
    if (Array.isArray(value)) {
        return "array";
    }
    if (typeof value === "number") {
        return Number.isInteger(value) ? "integer" : "number";
    }
    return typeof value as PolicyConfigJSONSchemaTypeName;
}

function fits(value: unknown, type: PolicyConfigJSONSchemaTypeName): boolean {
    const actual = typeOf(value);
    return actual === type || (type === "number" && actual === "integer");
}

function show(value: unknown): string {
    return JSON.stringify(value);
}

/** Every way `value` breaks `schema`, each naming the path, the value and what is allowed. */
export function validate(schema: PolicyConfigJSONSchemaDefinition, value: unknown, path: string): string[] {
    if (schema === true) {
        return [];
    }
    if (schema === false) {
        return [`${path}: no value is allowed here`];
    }
    const s: PolicyConfigJSONSchema = schema;
    const errors: string[] = [];
    if (s.type !== undefined) {
        const types = Array.isArray(s.type) ? s.type : [s.type];
        if (!types.some((t) => fits(value, t))) {
            return [`${path}: ${show(value)} is not ${types.map((t) => (t === "integer" || t === "array" || t === "object" ? `an ${t}` : `a ${t}`)).join(" or ")}`];
        }
    }
    if (s.enum !== undefined && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(value))) {
        errors.push(`${path}: ${show(value)} is not one of ${s.enum.map(show).join(", ")}`);
    }
    if (s.const !== undefined && JSON.stringify(s.const) !== JSON.stringify(value)) {
        errors.push(`${path}: ${show(value)} is not ${show(s.const)}`);
    }
    if (typeof value === "number") {
        if (s.minimum !== undefined && value < s.minimum) errors.push(`${path}: ${value} is less than the minimum ${s.minimum}`);
        if (s.maximum !== undefined && value > s.maximum) errors.push(`${path}: ${value} is more than the maximum ${s.maximum}`);
        if (s.exclusiveMinimum !== undefined && value <= s.exclusiveMinimum) errors.push(`${path}: ${value} must be more than ${s.exclusiveMinimum}`);
        if (s.exclusiveMaximum !== undefined && value >= s.exclusiveMaximum) errors.push(`${path}: ${value} must be less than ${s.exclusiveMaximum}`);
    }
    if (typeof value === "string") {
        if (s.minLength !== undefined && value.length < s.minLength) errors.push(`${path}: ${show(value)} is shorter than ${s.minLength} characters`);
        if (s.maxLength !== undefined && value.length > s.maxLength) errors.push(`${path}: ${show(value)} is longer than ${s.maxLength} characters`);
        if (s.pattern !== undefined && !new RegExp(s.pattern, "u").test(value)) errors.push(`${path}: ${show(value)} does not match ${s.pattern}`);
    }
    if (Array.isArray(value)) {
        if (s.minItems !== undefined && value.length < s.minItems) errors.push(`${path}: has ${value.length} items, fewer than ${s.minItems}`);
        if (s.maxItems !== undefined && value.length > s.maxItems) errors.push(`${path}: has ${value.length} items, more than ${s.maxItems}`);
        if (s.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) errors.push(`${path}: has repeated items`);
        if (s.items !== undefined) {
            value.forEach((item, i) => {
                const itemSchema = Array.isArray(s.items) ? (s.items[i] ?? true) : (s.items as PolicyConfigJSONSchemaDefinition);
                errors.push(...validate(itemSchema, item, `${path}[${i}]`));
            });
        }
    }
    if (typeOf(value) === "object") {
        const record = value as Record<string, unknown>;
        for (const key of s.required ?? []) {
            if (!(key in record)) errors.push(`${path}: ${key} is required`);
        }
        const known = Object.keys(s.properties ?? {});
        for (const [key, v] of Object.entries(record)) {
            const property = s.properties?.[key];
            if (property !== undefined) {
                errors.push(...validate(property, v, `${path}.${key}`));
            } else if (s.additionalProperties !== undefined) {
                errors.push(
                    ...(s.additionalProperties === false
                        ? [`${path}: ${key} is not a setting of this rule${known.length > 0 ? `; settings: ${known.join(", ")}` : "; it takes none"}`]
                        : validate(s.additionalProperties, v, `${path}.${key}`)),
                );
            }
        }
    }
    return errors;
}
