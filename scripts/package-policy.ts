/**
 * Builds the policy packs with their offline runner into policy/offline/dist, the folder `npm pack` and
 * `npm publish` take (@s3-fargate-pipeline/policy-packs), for teams that run the packs without the
 * Pulumi CLI or Pulumi Cloud:
 *
 *   - the runner (policy/offline) and both packs' rules (policy/packs.ts and what it imports) compiled
 *     to CommonJS with declaration files, in the layout of policy/ (policy/offline/tsconfig.build.json);
 *     the shared code is the dependency @s3-fargate-pipeline/policy-lib;
 *   - the command `s3-fargate-pipeline-policy` (the runner's command line, as `npm run policy` here);
 *   - package.json from policy/offline/package.json, README.md from policy/offline/README.md.
 *
 *   npm run build:policy && npm pack ./policy/offline/dist
 */
import * as fs from "fs";
import * as path from "path";
import { Layout, ROOT, buildAtomically, buildCommand, compile, publishManifest, readManifest, writeManifest } from "./packaging";

export const RUNNER_DIR = path.join(ROOT, "policy", "offline");
export const POLICY_DIST_DIR = path.join(RUNNER_DIR, "dist");
export const COMMAND = "s3-fargate-pipeline-policy";

export const POLICY_LAYOUT: Layout = {
    entryPoints: { ".": "offline/run", "./packs": "packs" },
    files: ["offline/", "least-privilege-iam/", "log-retention/", "packs.js", "packs.d.ts", "bin/"],
    bin: { [COMMAND]: `bin/${COMMAND}.js` },
};

/**
 * The command: the program it runs is TypeScript, loaded with the ts-node of the project it is run in
 * (transpile only, as `npm run policy` does here).
 */
const BIN = `#!/usr/bin/env node
"use strict";
let tsNode;
try {
    tsNode = require.resolve("ts-node", { paths: [process.cwd()] });
} catch {
    process.stderr.write("error: ${COMMAND} loads your TypeScript program with ts-node; install it beside the program: npm install --save-dev ts-node typescript\\n");
    process.exit(2);
}
require(tsNode).register({ transpileOnly: true });
require("../offline/run").cli(process.argv.slice(2));
`;

/** Builds the package into `outDir` (policy/offline/dist unless told otherwise); returns its path. */
export function buildPolicyPackage(outDir: string = POLICY_DIST_DIR): string {
    return buildAtomically(outDir, (dir) => {
        compile(path.join(RUNNER_DIR, "tsconfig.build.json"), dir);
        fs.mkdirSync(path.join(dir, "bin"));
        fs.writeFileSync(path.join(dir, "bin", `${COMMAND}.js`), BIN, { mode: 0o755 });
        writeManifest(dir, publishManifest(readManifest(RUNNER_DIR), POLICY_LAYOUT));
        fs.copyFileSync(path.join(RUNNER_DIR, "README.md"), path.join(dir, "README.md"));
    });
}

if (require.main === module) {
    buildCommand(() => buildPolicyPackage());
}
