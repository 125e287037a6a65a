/**
 * The packs as the Pulumi CLI runs them from this repository: each pack folder is started the way the
 * CLI starts a `--policy-pack` directory (its own process, cwd = the pack, through
 * @pulumi/pulumi/cmd/run-policy-pack, which compiles it with type checking), it prints its gRPC port,
 * and this test talks to it over the Analyzer protocol the engine uses. The verdicts must equal the
 * offline runner's for the same resources.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { evaluatePacks } from "../policy/offline/engine";
import { PACKS } from "../policy/packs";
import { ROOT, Recorded } from "./mocks";
import { Served, analyzeAll, analyzerInfo, insecureStacks, offlineRows, startPack, stopPack } from "./support/analyzer";

for (const spec of PACKS) {
    describe(`the ${spec.name} pack served as the Pulumi CLI loads it`, function () {
        this.timeout(60000);
        let served: Served;
        let stacks: Recorded[][];
        before(async () => {
            const dir = path.join(ROOT, "policy", spec.name);
            served = await startPack([require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] }), "127.0.0.1:0", "."], dir);
            stacks = await insecureStacks();
        });
        after(() => stopPack(served));

        it("announces its name, the version of its package.json and every rule", async () => {
            const info = await analyzerInfo(served);
            const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "policy", spec.name, "package.json"), "utf8")) as { version: string };
            assert.deepEqual(info, { name: spec.name, version: pkg.version, policies: spec.policies.map((p) => p.name) });
        });

        it("gives the same verdicts as the offline runner on the insecure stacks", async () => {
            for (const resources of stacks) {
                const offline = offlineRows(await evaluatePacks([spec], resources));
                assert.deepEqual(await analyzeAll(served, resources), offline);
            }
            assert.ok((await evaluatePacks([spec], stacks[0])).length > 0);
        });
    });
}
