/**
 * The dev and prod stacks under mocks, resource for resource: each resource's type, name, parent chain
 * and inputs, compared with the snapshot committed in tests/snapshots/. A refactor must leave it identical;
 * a change that means to alter the stacks re-records it with `UPDATE_SNAPSHOTS=1 npm run test:one -- tests/stack-snapshot.test.ts`
 * and the diff of the snapshot shows, in review, what the deploy would change.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { runProgram } from "../policy/offline/program";
import { stackConfig } from "./mocks";
import { plainResources } from "./support/program-under-mocks";

const SNAPSHOTS = path.join(__dirname, "snapshots");

/** One resource in a snapshot. */
interface SnapshotResource {
    type: string;
    name: string;
    /** The URN's type part: the parent chain, `Parent$Child`. */
    parents: string;
    inputs: unknown;
}

/**
 * The processor image is tagged by a hash of app/'s contents and pinned by the digest built from it (tests/image.test.ts
 * checks both); here they stand as placeholders, so that a change to the processor's code does not read as a change
 * to the stack.
 */
function withoutContentHashes(resources: SnapshotResource[]): SnapshotResource[] {
    const text = JSON.stringify(resources)
        .replace(/:src-[0-9a-f]{32}/g, ":src-<content hash>")
        .replace(/sha256:[0-9a-f]{64}/g, "sha256:<digest>");
    return JSON.parse(text) as SnapshotResource[];
}

async function snapshotOf(stack: string): Promise<SnapshotResource[]> {
    const { resources } = await runProgram({ stack, config: stackConfig(stack) });
    const plain = await plainResources(resources);
    return withoutContentHashes(plain.map((r) => ({ type: r.type, name: r.name, parents: r.urn.split("::")[2] ?? "", inputs: r.inputs })));
}

for (const stack of ["dev", "prod"]) {
    describe(`the ${stack} stack's snapshot (tests/snapshots/${stack}.json)`, () => {
        it("has the recorded resources with the recorded types, names, parents and inputs", async () => {
            const actual = await snapshotOf(stack);
            const file = path.join(SNAPSHOTS, `${stack}.json`);
            if (process.env.UPDATE_SNAPSHOTS === "1") {
                fs.mkdirSync(SNAPSHOTS, { recursive: true });
                fs.writeFileSync(file, `${JSON.stringify(actual, null, 2)}\n`);
            }
            assert.ok(fs.existsSync(file), `${file} is missing; record it with UPDATE_SNAPSHOTS=1`);
            const expected = JSON.parse(fs.readFileSync(file, "utf8")) as SnapshotResource[];
            // Names first, so a resource added or removed reads as such rather than as a long diff.
            assert.deepEqual(
                actual.map((r) => `${r.parents}::${r.name}`),
                expected.map((r) => `${r.parents}::${r.name}`),
            );
            for (let i = 0; i < actual.length; i++) {
                assert.deepEqual(actual[i], expected[i], `${actual[i].type} ${actual[i].name} differs from the snapshot`);
            }
        });
    });
}
