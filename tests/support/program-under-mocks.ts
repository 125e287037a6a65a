/**
 * A Pulumi program run under this repository's mocks in a Node process of its own, as Pulumi runs a
 * user's program: cwd is the program's folder and every package the program loads comes from that
 * folder's node_modules (nothing falls back to this repository's, unlike policy/offline/program.ts).
 *
 *   node -r ./scripts/register.js tests/support/program-under-mocks.ts <request.json>...
 *
 * A request names the program, the stack and its config; the resources it registered are written,
 * in the form `plainResources` gives, to the request's `out` file. Several requests (the stacks of one
 * program) run one after the other in the one process, each loading the program afresh under mocks set
 * up for its stack, as policy/offline/program.ts runs the stacks of this repository's program.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Recorded, projectIn, settle, useMocks } from "../../policy/offline/mocks";

export interface ProgramRequest {
    program: string;
    stack: string;
    config: Record<string, string>;
    secretKeys: string[];
    out: string;
}

/** A resource as it can be compared across processes: assets and archives by their contents. */
export interface PlainResource {
    type: string;
    name: string;
    urn: string;
    inputs: unknown;
}

// Plain predicates: the SDK's type guards would narrow `unknown` to nothing usable.
const isStringAsset = (v: unknown): boolean => pulumi.asset.StringAsset.isInstance(v);
const isAssetArchive = (v: unknown): boolean => pulumi.asset.AssetArchive.isInstance(v);
const isOtherAsset = (v: unknown): boolean => pulumi.asset.Asset.isInstance(v) || pulumi.asset.Archive.isInstance(v);

/** A value with every asset and archive replaced by its contents (awaited), everything else as it is. */
async function plain(value: unknown): Promise<unknown> {
    if (isAssetArchive(value)) {
        const assets = (await (value as pulumi.asset.AssetArchive).assets) as Record<string, unknown>;
        const files: Record<string, unknown> = {};
        for (const key of Object.keys(assets).sort()) {
            files[key] = await plain(assets[key]);
        }
        return { archive: files };
    }
    if (isStringAsset(value)) {
        return { text: await (value as pulumi.asset.StringAsset).text };
    }
    if (isOtherAsset(value)) {
        throw new Error(`an asset or archive of a kind this comparison does not read: ${JSON.stringify(value)}`);
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map(plain));
    }
    if (value !== null && typeof value === "object") {
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value).sort()) {
            out[key] = await plain((value as Record<string, unknown>)[key]);
        }
        return out;
    }
    return value;
}

/** The recorded resources, sorted by URN, with their inputs in plain form. */
export async function plainResources(resources: readonly Recorded[]): Promise<PlainResource[]> {
    const out: PlainResource[] = [];
    for (const r of resources) {
        out.push({ type: r.type, name: r.name, urn: r.urn, inputs: await plain(r.inputs) });
    }
    return out.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
}

async function main(requestFiles: string[]): Promise<void> {
    for (const requestFile of requestFiles) {
        const request = JSON.parse(fs.readFileSync(requestFile, "utf8")) as ProgramRequest;
        try {
            const dir = path.dirname(request.program);
            const recorder = await useMocks({ stack: request.stack, project: projectIn(dir), config: request.config, secretKeys: request.secretKeys });
            delete require.cache[request.program];
            require(request.program);
            await settle();
            fs.writeFileSync(request.out, JSON.stringify(await plainResources(recorder.all())));
        } catch (e) {
            throw new Error(`the ${request.stack} stack of ${request.program}: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        }
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).catch((e: unknown) => {
        console.error(e instanceof Error ? e.message : e);
        process.exit(1);
    });
}
