/** The mocks every test uses (shared with the offline policy runner), plus test helpers. */
export * from "../policy/offline/mocks";

/** A policy document input, parsed. */
export function parseDoc(input: unknown): any {
    return typeof input === "string" ? JSON.parse(input) : input;
}
