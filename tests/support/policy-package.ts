/**
 * The policy packs with their runner as an npm package (scripts/package-policy.ts), built and packed
 * once per hash of everything it is made from (packedOnce in npm-pack.ts).
 */
import { buildPolicyPackage } from "../../scripts/package-policy";
import { PackedPackage, packedOnce } from "./npm-pack";

const INPUTS = ["policy", "components", "scripts", "package.json", "package-lock.json", "tsconfig.json"];

let packed: PackedPackage | undefined;

/** The built package folder and its tarball (built on first use, or found in the cache). */
export function packedPolicyPackage(): PackedPackage {
    packed ??= packedOnce("policy-package", INPUTS, buildPolicyPackage);
    return packed;
}
