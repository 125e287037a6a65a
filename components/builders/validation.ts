/**
 * Validation helpers shared by every builder and component.
 *
 * Every error names the field, the value it got and what is allowed, so that a bad
 * argument or a bad stack config fails `pulumi preview` with a message the user can act on.
 */

/** Thrown for any invalid argument or config value. */
export class ValidationError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "ValidationError";
    }
}

/** Formats a value for an error message: strings quoted, everything else as JSON. */
export function show(value: unknown): string {
    if (typeof value === "string") {
        return JSON.stringify(value);
    }
    if (value === undefined) {
        return "undefined";
    }
    return JSON.stringify(value) ?? String(value);
}

/** Throws `field: <value> <problem>; <allowed>`. */
export function invalid(field: string, value: unknown, problem: string, allowed: string): never {
    throw new ValidationError(`${field}: ${show(value)} ${problem}; ${allowed}`);
}

/** Requires an integer within [min, max] (inclusive). */
export function requireIntegerInRange(field: string, value: number, min: number, max: number): number {
    if (!Number.isInteger(value) || value < min || value > max) {
        invalid(field, value, "is out of range", `use a whole number from ${min} to ${max}`);
    }
    return value;
}

/** Requires one of a fixed list of values. */
export function requireOneOf<T extends string | number>(field: string, value: T, allowed: readonly T[], what: string): T {
    if (!allowed.includes(value)) {
        invalid(field, value, `is not ${what}`, `use one of ${allowed.join(", ")}`);
    }
    return value;
}
