/**
 * The component library as its users get it: built (scripts/package-components.ts) and packed with
 * `npm pack`, and installed into a folder as npm would install it from a registry: the tarball
 * unpacked, its dependencies linked from this repository's node_modules.
 *
 * The build and the tarball are kept in node_modules/.cache/s3-fargate-pipeline/components-package,
 * under a hash of everything they are made from (the library, the Lambda sources, the packaging
 * scripts, the changelog, the manifests, the compiler options and the lock file), so the test
 * processes of a run, and later runs with the same sources, build it once (packedOnce in npm-pack.ts).
 */
import * as path from "path";
import { LAMBDA_HANDLERS, LAMBDA_SOURCE_DIR } from "../../components/lambda-code";
import { buildComponents } from "../../scripts/package-components";
import { REPOSITORY_ROOT } from "./repository";
import { Manifest, PackedPackage, linkFromRepository, manifest, packedOnce, unpack } from "./npm-pack";

export const COMPONENTS_PACKAGE = "@s3-fargate-pipeline/components";

/**
 * What the package is made from: the library, the Lambda handlers' sources and the code that transpiles them (not the
 * rest of app/src: a change to the processor builds nothing here again), the packaging scripts, the changelog, the
 * manifests, the compiler options and the lock file.
 */
export const COMPONENTS_INPUTS: readonly string[] = [
    "components",
    ...LAMBDA_HANDLERS.map((handler) => path.relative(REPOSITORY_ROOT, path.join(LAMBDA_SOURCE_DIR, handler))),
    "app/src/transpile.ts",
    "scripts",
    "CHANGELOG.md",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
];

let packed: PackedPackage | undefined;

/** The built package folder and its tarball (built on first use, or found in the cache); `dir` holds both. */
export function packedComponents(): PackedPackage {
    packed ??= packedOnce("components-package", COMPONENTS_INPUTS, buildComponents);
    return packed;
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
