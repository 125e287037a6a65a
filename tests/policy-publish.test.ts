/**
 * The packs as `pulumi policy publish` ships them: each pack folder and the shared policy library are
 * packed with `npm pack` (the library's tarball once per hash of its sources: tests/support/policy-package.ts); the pack's tarball is unpacked into an empty temporary folder (as the CLI
 * installs a published pack), the library's tarball into its node_modules, and every other
 * dependency the two package.json files declare is linked from this repository's node_modules (no
 * registry needed). The pack is then started through the entry the Pulumi CLI uses,
 * @pulumi/pulumi/cmd/run-policy-pack, which compiles it with type checking; it must serve every rule
 * and give the offline runner's verdicts. A dependency the manifests do not declare, or an import of
 * a file outside the pack, fails here.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as yaml from "js-yaml";
import { evaluatePacks } from "../policy/offline/engine";
import { PACKS } from "../policy/packs";
import { ROOT, Recorded } from "./mocks";
import { Served, analyzeAll, analyzerInfo, insecureStacks, offlineRows, startPack, stopPack } from "./support/analyzer";
import { linkFromRepository, manifest, npmPack, tarList, unpack } from "./support/npm-pack";
import { LIB_DIR, gitChanges, packedPolicyLibrary } from "./support/policy-package";


describe("publishable policy packs", function () {
    this.timeout(240000);
    let tmp: string;
    let libTarball: string;
    let stacks: Recorded[][];

    before(async () => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "policy-publish-"));
        libTarball = packedPolicyLibrary();
        stacks = await insecureStacks();
    });
    after(() => fs.rmSync(tmp, { recursive: true, force: true }));

    it("packs the shared library as compiled JavaScript with type declarations, and leaves its folder as it was", () => {
        const files = tarList(libTarball);
        const sources = fs.readdirSync(LIB_DIR).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
        const expected = ["package.json", ...sources.flatMap((f) => [f.replace(/\.ts$/, ".js"), f.replace(/\.ts$/, ".d.ts")])].sort();
        assert.deepEqual(files, expected);
        assert.equal(gitChanges(LIB_DIR), "");
    });

    for (const spec of PACKS) {
        describe(`the ${spec.name} pack installed from its tarball`, () => {
            let served: Served | undefined;
            let installed: string;
            after(() => stopPack(served));

            it("packs only the pack's own files, with a version and the dependencies it imports", () => {
                const dir = path.join(ROOT, "policy", spec.name);
                const tarball = npmPack(dir, tmp);
                assert.deepEqual(tarList(tarball), ["PulumiPolicy.yaml", "index.ts", "package.json", "rules.ts", "tsconfig.json"]);
                const m = manifest(dir);
                assert.match(m.version, /^\d+\.\d+\.\d+$/);
                const pulumiPolicy = yaml.load(fs.readFileSync(path.join(dir, "PulumiPolicy.yaml"), "utf8")) as { runtime: unknown; description: unknown };
                assert.deepEqual(pulumiPolicy.runtime, { name: "nodejs", options: { typescript: true } });
                assert.equal(pulumiPolicy.description, m.description);
                for (const source of ["index.ts", "rules.ts"]) {
                    const imports = [...fs.readFileSync(path.join(dir, source), "utf8").matchAll(/from "([^"]+)"/g)].map((x) => x[1]);
                    for (const spec_ of imports) {
                        assert.ok(spec_.startsWith("./") || (m.dependencies ?? {})[spec_.split("/").slice(0, spec_.startsWith("@") ? 2 : 1).join("/")] !== undefined, `${source} imports ${spec_}, which the pack neither holds nor declares`);
                    }
                }
                installed = path.join(tmp, spec.name);
                unpack(tarball, installed);
                unpack(libTarball, path.join(installed, "node_modules", manifest(LIB_DIR).name));
                const lib = manifest(LIB_DIR);
                const needed = new Set([...Object.keys(m.dependencies ?? {}), ...Object.keys(lib.dependencies ?? {}), ...Object.keys(lib.peerDependencies ?? {})]);
                needed.delete(lib.name);
                linkFromRepository(path.join(installed, "node_modules"), needed);
            });

            it("starts through @pulumi/pulumi/cmd/run-policy-pack, type-checked, and announces its name, version and rules", async () => {
                const entry = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [installed] });
                served = await startPack([entry, "127.0.0.1:0", "."], installed);
                assert.deepEqual(await analyzerInfo(served), { name: spec.name, version: manifest(installed).version, policies: spec.policies.map((p) => p.name) });
            });

            it("gives the offline runner's verdicts on the insecure stacks", async () => {
                assert.ok(served, "the pack did not start");
                for (const resources of stacks) {
                    assert.deepEqual(await analyzeAll(served, resources), offlineRows(await evaluatePacks([spec], resources)));
                }
            });
        });
    }
});
