/** The mocks every test uses (shared with the offline policy runner), plus test helpers. */
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { getMonitor } from "@pulumi/pulumi/runtime/settings";

export * from "../policy/offline/mocks";

/** A policy document input, parsed. */
export function parseDoc(input: unknown): any {
    return typeof input === "string" ? JSON.parse(input) : input;
}

/** Records each resource's dependencies (URNs), by resource name, as the engine receives them. Call after `useMocks`. */
export function captureDependencies(): Map<string, string[]> {
    const deps = new Map<string, string[]>();
    const monitor = getMonitor() as unknown as MockMonitor & { registerResource(req: any, cb: any): Promise<void> };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        deps.set(req.getName(), req.getDependenciesList());
        return register(req, cb);
    };
    return deps;
}
