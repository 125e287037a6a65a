/**
 * Upgrading the package never replaces a user's resources by accident: every resource URN of the last
 * release's stacks (tests/fixtures/release-urns.json, recorded with `npm run urns:record`) is still
 * there, or a resource that replaces it lists it among its aliases.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { changelogSection } from "../scripts/release-version";
import { ROOT } from "./mocks";
import { Identified, RELEASE_URNS_FILE, Registration, ReleaseUrns, URN_STACKS, identify, identifiedResources, replacedUrns, urnOf } from "../scripts/release-urns";

const previous = JSON.parse(fs.readFileSync(RELEASE_URNS_FILE, "utf8")) as ReleaseUrns;

/** A registration request as the SDK sends it, with aliases given as specs. */
function registration(type: string, name: string, parent: string | undefined, aliases: { name?: string; type?: string; parent?: string; noParent?: boolean }[] = []): Registration {
    return {
        getType: () => type,
        getName: () => name,
        getParent: () => parent ?? "",
        getAliasesList: () =>
            aliases.map((a) => ({
                hasUrn: () => false,
                getUrn: () => "",
                getSpec: () => ({
                    getName: () => a.name ?? "",
                    getType: () => a.type ?? "",
                    getStack: () => "",
                    getProject: () => "",
                    hasParenturn: () => a.parent !== undefined,
                    getParenturn: () => a.parent ?? "",
                    getNoparent: () => a.noParent ?? false,
                }),
            })),
    };
}

describe("resource URNs across an upgrade", () => {
    const urn = (type: string, name: string, parent?: string) => urnOf("dev", "p", type, name, parent);
    const oldBucket = urn("p:storage:UploadBucket", "uploads");
    const oldChild = urn("aws:s3/bucket:Bucket", "uploads-bucket", oldBucket);

    /** Registers a component and its one child (named after the component, as ours are), with the given aliases. */
    function renamed(type: string, name: string, aliases: { parent?: { name?: string; type?: string }[]; child?: { name?: string }[] }): Identified[] {
        const known = new Map<string, Identified>();
        const parent = identify(registration(type, name, undefined, aliases.parent), urn(type, name), known);
        known.set(parent.urn, parent);
        const childName = `${name}-bucket`;
        const child = identify(registration("aws:s3/bucket:Bucket", childName, parent.urn, aliases.child), urn("aws:s3/bucket:Bucket", childName, parent.urn), known);
        return [parent, child];
    }

    it("GIVEN a component renamed (its child named after it) without aliases THEN both URNs are reported as replaced", () => {
        assert.deepEqual(replacedUrns([oldBucket, oldChild], renamed("p:storage:UploadBucket", "files", {})), [oldBucket, oldChild]);
    });

    it("GIVEN only the component aliases its old name THEN its renamed child is still reported", () => {
        assert.deepEqual(replacedUrns([oldBucket, oldChild], renamed("p:storage:UploadBucket", "files", { parent: [{ name: "uploads" }] })), [oldChild]);
    });

    it("GIVEN the component and its child alias their old names THEN nothing is replaced", () => {
        const now = renamed("p:storage:UploadBucket", "files", { parent: [{ name: "uploads" }], child: [{ name: "uploads-bucket" }] });
        assert.deepEqual(now.map((r) => r.aliases), [[oldBucket], [oldChild]]);
        assert.deepEqual(replacedUrns([oldBucket, oldChild], now), []);
    });

    it("GIVEN a component's type changes and it aliases the old type THEN its child keeps its URN through the parent's alias", () => {
        assert.deepEqual(replacedUrns([oldBucket, oldChild], renamed("p:s3:UploadBucket", "uploads", {})), [oldBucket, oldChild]);
        assert.deepEqual(replacedUrns([oldBucket, oldChild], renamed("p:s3:UploadBucket", "uploads", { parent: [{ type: "p:storage:UploadBucket" }] })), []);
    });

    it("GIVEN a child moved to the top level with an alias naming its old parent THEN it is kept", () => {
        const moved = identify(registration("aws:s3/bucket:Bucket", "uploads-bucket", undefined, [{ parent: oldBucket }]), urn("aws:s3/bucket:Bucket", "uploads-bucket"), new Map());
        assert.deepEqual(replacedUrns([oldChild], [moved]), []);
        const unaliased = identify(registration("aws:s3/bucket:Bucket", "uploads-bucket", undefined), urn("aws:s3/bucket:Bucket", "uploads-bucket"), new Map());
        assert.deepEqual(replacedUrns([oldChild], [unaliased]), [oldChild]);
    });

    it("builds a grandchild's URN from every ancestor's type, as the engine does (MockMonitor keeps only its parent's)", () => {
        const known = new Map<string, Identified>();
        const outer = identify(registration("p:compute:Workers", "w", undefined), urn("p:compute:Workers", "w"), known);
        known.set(outer.urn, outer);
        const innerMock = urn("p:compute:Task", "w-task", outer.urn);
        known.set(innerMock, identify(registration("p:compute:Task", "w-task", outer.urn), innerMock, known));
        const leafMock = urnOf("dev", "p", "p:compute:Task$aws:iam/role:Role", "w-task-role");
        const leaf = identify(registration("aws:iam/role:Role", "w-task-role", innerMock), leafMock, known);
        assert.equal(leaf.urn, "urn:pulumi:dev::p::p:compute:Workers$p:compute:Task$aws:iam/role:Role::w-task-role");
    });

    it(`keeps a baseline for every stack it checks (release ${previous.release})`, () => {
        assert.deepEqual(Object.keys(previous.stacks).sort(), URN_STACKS.map((s) => s.stack).sort());
        assert.ok(changelogSection(fs.readFileSync(path.join(ROOT, "CHANGELOG.md"), "utf8"), previous.release), "the baseline is a release of the changelog");
        for (const [stack, urns] of Object.entries(previous.stacks)) {
            assert.ok(urns.length > 0, `${stack}: no URNs recorded`);
            assert.deepEqual(urns, [...urns].sort(), `${stack}: URNs are kept sorted`);
        }
    });

    for (const spec of URN_STACKS) {
        it(`the ${spec.stack} stack keeps every URN of release ${previous.release}, or aliases it`, async function () {
            this.timeout(60000);
            assert.deepEqual(replacedUrns(previous.stacks[spec.stack], await identifiedResources(spec)), []);
        });
    }
});
