/**
 * The policy packs with their runner as an npm package (scripts/package-policy.ts), and the shared policy
 * library (policy/lib) as `npm pack` makes it, each built and packed once per hash of everything it is
 * made from (builtOnce and packedOnce in npm-pack.ts).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { buildPolicyPackage } from "../../scripts/package-policy";
import { ROOT } from "../mocks";
import { PackedPackage, builtOnce, npmPack, packedOnce } from "./npm-pack";

const INPUTS = ["policy", "components", "scripts", "package.json", "package-lock.json", "tsconfig.json"];

export const LIB_DIR = path.join(ROOT, "policy", "lib");

let packed: PackedPackage | undefined;
let libTarball: string | undefined;

/** The built package folder and its tarball (built on first use, or found in the cache). */
export function packedPolicyPackage(): PackedPackage {
    packed ??= packedOnce("policy-package", INPUTS, buildPolicyPackage);
    return packed;
}

/** Files git sees as changed or new under a folder (empty when packing left nothing behind). */
export function gitChanges(dir: string): string {
    return execFileSync("git", ["status", "--porcelain", "--untracked-files=all", "--", dir], { cwd: ROOT, encoding: "utf8" });
}

/**
 * The tarball `npm pack` makes of policy/lib: its prepack compiles the library into its own folder and its
 * postpack removes what it compiled. A pack that leaves anything behind in the folder fails, and is not kept.
 */
export function packedPolicyLibrary(): string {
    libTarball ??= (() => {
        const dir = builtOnce("policy-lib-package", ["policy/lib", "package.json", "package-lock.json"], (staging) => {
            fs.mkdirSync(staging, { recursive: true });
            const before = gitChanges(LIB_DIR);
            const tarball = npmPack(LIB_DIR, staging);
            const after = gitChanges(LIB_DIR);
            if (after !== before) {
                throw new Error(`npm pack of policy/lib left its folder changed:\n${after}`);
            }
            fs.writeFileSync(path.join(staging, "tarball"), path.basename(tarball));
        });
        return path.join(dir, fs.readFileSync(path.join(dir, "tarball"), "utf8"));
    })();
    return libTarball;
}
