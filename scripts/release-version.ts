/**
 * What a release tag must agree with, checked by the release workflow before anything is published.
 *
 *   npx ts-node --transpile-only scripts/release-version.ts check v0.2.0   # exit 1, naming each mismatch
 *   npx ts-node --transpile-only scripts/release-version.ts notes v0.2.0   # CHANGELOG.md's section of 0.2.0
 *
 * The published packages move in lockstep with the tag: the component library, the Pulumi package's
 * provider (and the library version it hosts), the policy runner and both policy packs. The shared
 * policy library keeps its own version and is published when that version is new.
 */
import * as fs from "fs";
import * as path from "path";
import { ROOT, readManifest } from "./packaging";

/** The folders whose package.json version is the release's. */
export const LOCKSTEP = ["components", "components/provider", "policy/offline", "policy/least-privilege-iam", "policy/log-retention"];

const TAG = /^v(\d+\.\d+\.\d+)$/;

/** Every way the repository disagrees with the tag `vX.Y.Z`; empty when it may be released. */
export function versionProblems(tag: string, root: string = ROOT): string[] {
    const m = TAG.exec(tag);
    if (!m) {
        return [`tag "${tag}" is not a release tag; use vMAJOR.MINOR.PATCH, e.g. v0.2.0`];
    }
    const version = m[1];
    const problems: string[] = [];
    for (const dir of LOCKSTEP) {
        const found = readManifest(path.join(root, dir)).version;
        if (found !== version) {
            problems.push(`${dir}/package.json: version ${found}, the tag says ${version}`);
        }
    }
    const hosted = (readManifest(path.join(root, "components", "provider")).dependencies as Record<string, string> | undefined)?.["@s3-fargate-pipeline/components"];
    if (hosted !== version) {
        problems.push(`components/provider/package.json: hosts @s3-fargate-pipeline/components ${hosted}, the tag says ${version}`);
    }
    try {
        changelogSection(fs.readFileSync(path.join(root, "CHANGELOG.md"), "utf8"), version);
    } catch (e) {
        problems.push((e as Error).message);
    }
    return problems;
}

/** The body of CHANGELOG.md's `## <version>` section; throws when there is none. */
export function changelogSection(changelog: string, version: string): string {
    const lines = changelog.split("\n");
    const start = lines.findIndex((l) => l.trim() === `## ${version}`);
    if (start === -1) {
        throw new Error(`CHANGELOG.md: no "## ${version}" section; describe the release there`);
    }
    const end = lines.findIndex((l, i) => i > start && l.startsWith("## "));
    return lines
        .slice(start + 1, end === -1 ? undefined : end)
        .join("\n")
        .trim();
}

if (require.main === module) {
    const [command, tag] = process.argv.slice(2);
    if (command === "check" && tag !== undefined) {
        const problems = versionProblems(tag);
        for (const p of problems) {
            console.error(p);
        }
        process.exit(problems.length === 0 ? 0 : 1);
    } else if (command === "notes" && tag !== undefined && TAG.test(tag)) {
        process.stdout.write(`${changelogSection(fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8"), (TAG.exec(tag) as RegExpExecArray)[1])}\n`);
    } else {
        console.error("usage: release-version.ts check vX.Y.Z | notes vX.Y.Z");
        process.exit(2);
    }
}
