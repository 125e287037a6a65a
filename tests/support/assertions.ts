/** Assertions and small helpers several test files share. */
import { strict as assert } from "assert";
import { Recorded, Recorder, parseDoc } from "../mocks";

/** A policy document (or other JSON document) input of a recorded resource, parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function inputDoc(r: Recorded, field = "policy"): any {
    return parseDoc(r.inputs[field]);
}

/** Every child resource (not a component of this project) is parented to the component of `componentType`. */
export function assertParented(recorder: Recorder, componentType: string): void {
    const project = componentType.split(":")[0];
    const children = recorder.all().filter((r) => r.type !== componentType && !r.type.startsWith(`${project}:`));
    assert.ok(children.length > 0);
    for (const child of children) {
        assert.ok(child.urn.includes(`${componentType}$${child.type}`), `${child.type} ${child.name} is not parented to ${componentType}: ${child.urn}`);
    }
}

/** `fn` throws an error with exactly this message (and, when given, this name). */
export function throwsExactly(fn: () => unknown, message: string, name?: string): void {
    assert.throws(fn, (e: Error) => {
        assert.equal(e.message, message);
        if (name !== undefined) {
            assert.equal(e.name, name);
        }
        return true;
    });
}

/** The STS session ARN of a role assumed by a simulated caller. */
export function sessionOf(roleArn: string): string {
    const m = /^arn:aws:iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(roleArn);
    assert.ok(m, `not a role ARN: ${roleArn}`);
    return `arn:aws:sts::${m[1]}:assumed-role/${m[2]}/simulated-session`;
}

/** Recursively freezes a value, so a component that writes into the caller's args throws. */
export function deepFreeze<T>(value: T): T {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        for (const v of Object.values(value as object)) deepFreeze(v);
    }
    return value;
}
