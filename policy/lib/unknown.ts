/**
 * Values unknown during a preview. The Policy SDK hands rules a proxy that throws its own
 * UnknownValueError when a rule reads a property whose value is not known yet; these helpers turn
 * that into "not applicable" for the one value, resource or item concerned.
 */

// The SDK's proxy module is not part of its typed API; read the class from it.
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { UnknownValueError } = require("@pulumi/policy/proxy") as { UnknownValueError: new (...args: unknown[]) => Error };

/** True for the error the SDK's proxy throws when a rule reads an unknown value. */
export function isUnknownValueError(e: unknown): boolean {
    return e instanceof UnknownValueError;
}

/** A value, or undefined when it is unknown at preview. */
export function known<T>(read: () => T): T | undefined {
    try {
        return read();
    } catch (e) {
        if (isUnknownValueError(e)) {
            return undefined;
        }
        throw e;
    }
}

/**
 * Runs `check` for each item. An item whose values are unknown at preview is skipped on its own, so
 * one computed value elsewhere in the stack does not make a whole stack rule not applicable.
 */
export async function forEachKnown<T>(items: T[], check: (item: T) => void | Promise<void>): Promise<void> {
    for (const item of items) {
        try {
            await check(item);
        } catch (e) {
            if (!isUnknownValueError(e)) {
                throw e;
            }
        }
    }
}

/** A property reached by a dotted path (`details.policy`), or undefined when it is unknown or absent. */
export function readPath(props: Record<string, any>, path: string): unknown {
    return known(() => path.split(".").reduce<any>((value, key) => (value === undefined || value === null ? undefined : value[key]), props));
}
