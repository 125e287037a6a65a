/**
 * The component library as its users get it: built (scripts/package-components.ts) and packed with
 * `npm pack` once per test process, into a temporary folder removed when the process exits, and
 * installed into a folder as npm would install it from a registry: the tarball unpacked, its
 * dependencies linked from this repository's node_modules.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { buildComponents } from "../../scripts/package-components";
import { Manifest, linkFromRepository, manifest, npmPack, unpack } from "./npm-pack";

export const COMPONENTS_PACKAGE = "@s3-fargate-pipeline/components";

let packed: { dir: string; dist: string; tarball: string } | undefined;

/** The built package folder and its tarball (built on first use). */
export function packedComponents(): { dist: string; tarball: string } {
    if (packed === undefined) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "components-package-"));
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
        const dist = buildComponents(path.join(dir, "dist"));
        packed = { dir, dist, tarball: npmPack(dist, dir) };
    }
    return { dist: packed.dist, tarball: packed.tarball };
}

/**
 * Installs the packed library into `dir/node_modules`, with its dependencies and peer dependencies
 * and the `extra` packages linked from this repository. Returns the installed package's manifest.
 */
export function installComponents(dir: string, extra: Iterable<string> = []): Manifest {
    const nodeModules = path.join(dir, "node_modules");
    const installed = path.join(nodeModules, COMPONENTS_PACKAGE);
    unpack(packedComponents().tarball, installed);
    const m = manifest(installed);
    const needed = new Set([...Object.keys(m.dependencies ?? {}), ...Object.keys(m.peerDependencies ?? {}), ...extra]);
    needed.delete(COMPONENTS_PACKAGE);
    linkFromRepository(nodeModules, needed);
    return m;
}
