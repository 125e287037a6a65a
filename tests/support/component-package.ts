/**
 * The component library as its users get it: built (scripts/package-components.ts) and packed with
 * `npm pack`, and installed into a folder as npm would install it from a registry: the tarball
 * unpacked, its dependencies linked from this repository's node_modules.
 *
 * The build and the tarball are kept in node_modules/.cache/s3-fargate-pipeline/components-package,
 * under a hash of everything they are made from (the library, the Lambda sources, the packaging
 * scripts, the changelog, the manifests and the lock file), so the test processes of a run, and later
 * runs with the same sources, build it once. The first process builds it holding a lock; the others wait.
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { buildComponents } from "../../scripts/package-components";
import { ROOT } from "../mocks";
import { Manifest, linkFromRepository, manifest, npmPack, unpack, withLock } from "./npm-pack";

export const COMPONENTS_PACKAGE = "@s3-fargate-pipeline/components";

const CACHE = path.join(ROOT, "node_modules", ".cache", "s3-fargate-pipeline", "components-package");
const INPUTS = ["components", "app/src", "scripts", "CHANGELOG.md", "package.json", "package-lock.json"];

let packed: { dist: string; tarball: string } | undefined;

/** A hash of the files the package is built from (tracked or not yet added, as they are now). */
function inputsHash(): string {
    const files = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", ...INPUTS], { cwd: ROOT, encoding: "utf8" }).split("\0").filter((f) => f !== "");
    const hash = createHash("sha256").update(require("typescript/package.json").version as string);
    for (const file of files.sort()) {
        const full = path.join(ROOT, file);
        if (fs.existsSync(full)) {
            hash.update(`\0${file}\0`).update(fs.readFileSync(full));
        }
    }
    return hash.digest("hex").slice(0, 24);
}

/** Removes builds of other sources that no process has used for ten minutes. */
function removeStaleBuilds(): void {
    for (const entry of fs.existsSync(CACHE) ? fs.readdirSync(CACHE) : []) {
        const full = path.join(CACHE, entry);
        if (Date.now() - fs.statSync(full).mtimeMs > 600000) {
            fs.rmSync(full, { recursive: true, force: true });
        }
    }
}

/** The built package folder and its tarball (built on first use, or found in the cache). */
export function packedComponents(): { dist: string; tarball: string } {
    if (packed === undefined) {
        const key = inputsHash();
        const dir = path.join(CACHE, key);
        packed = withLock(`components-package-${key}`, () => {
            if (!fs.existsSync(path.join(dir, "tarball"))) {
                removeStaleBuilds();
                const staging = `${dir}.${process.pid}.tmp`;
                const dist = buildComponents(path.join(staging, "dist"));
                fs.writeFileSync(path.join(staging, "tarball"), path.basename(npmPack(dist, staging)));
                fs.renameSync(staging, dir);
            }
            const now = new Date();
            fs.utimesSync(dir, now, now);
            return { dist: path.join(dir, "dist"), tarball: path.join(dir, fs.readFileSync(path.join(dir, "tarball"), "utf8")) };
        });
    }
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
