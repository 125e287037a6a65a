/**
 * The Pulumi package's provider (components/provider) as the Pulumi CLI runs a source-based Node.js
 * plugin: the plugin folder with its dependencies installed (the component library from its packed
 * tarball, the rest linked from this repository), started through `@pulumi/pulumi/cmd/run-plugin`
 * with the plugin folder as its first argument, from the consuming program's folder, with
 * PULUMI_NODEJS_TYPESCRIPT set (pulumi-language-nodejs's RunPlugin); it prints its gRPC port, and a
 * client speaks the ResourceProvider protocol the engine uses.
 */
import { ChildProcess } from "child_process";
import * as grpc from "@grpc/grpc-js";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { ComponentProvider, ComponentResourceConstructor } from "@pulumi/pulumi/provider/experimental";
import type { ComponentDefinition } from "@pulumi/pulumi/provider/experimental/analyzer";
import { PACKAGE_NAME } from "../../components/cross-language";
import { ROOT } from "../mocks";
import { COMPONENTS_PACKAGE, installComponents, packedComponents } from "./component-package";
import { Manifest, manifest, withLockAsync, writeJsonAtomically } from "./npm-pack";
import { startPlugin, stopPlugin } from "./plugin-process";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const providerRpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const providerPb = require("@pulumi/pulumi/proto/provider_pb");

export const PROVIDER_DIR = path.join(ROOT, "components", "provider");

/** The files the plugin folder is made of (what `pulumi package add` takes from a Git repository or a path). */
export const PROVIDER_FILES = ["PulumiPlugin.yaml", "package.json", "tsconfig.json", "index.ts"];

interface Client {
    getSchema(req: unknown, cb: (err: Error | null, res: { getSchema(): string }) => void): void;
    getPluginInfo(req: Empty, cb: (err: Error | null, res: { getVersion(): string }) => void): void;
    close(): void;
}

export interface RunningProvider {
    child: ChildProcess;
    client: Client;
}

/** Copies the plugin folder into `dir` and installs its dependencies there; returns its manifest. */
export function installProvider(dir: string): Manifest {
    fs.mkdirSync(dir, { recursive: true });
    for (const file of PROVIDER_FILES) {
        fs.copyFileSync(path.join(PROVIDER_DIR, file), path.join(dir, file));
    }
    const m = manifest(dir);
    installComponents(dir, Object.keys(m.dependencies ?? {}).filter((d) => d !== COMPONENTS_PACKAGE));
    return m;
}

/** Starts the plugin in `pluginDir` as the CLI does, from the program folder `cwd`, and connects to it. */
export async function startProvider(pluginDir: string, cwd: string): Promise<RunningProvider> {
    const runPlugin = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [pluginDir] });
    const { child, port } = await startPlugin([runPlugin, pluginDir], cwd, { ...process.env, PULUMI_NODEJS_TYPESCRIPT: "true" });
    return { child, client: new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()) as Client };
}

export function stopProvider(running: RunningProvider | undefined): void {
    if (running) {
        stopPlugin(running.child, running.client);
    }
}

function call<T>(fn: (cb: (err: Error | null, res: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res))));
}

/** The package schema the provider serves (GetSchema), parsed. */
export async function providerSchema(running: RunningProvider): Promise<PackageSchema> {
    const res = await call<{ getSchema(): string }>((cb) => running.client.getSchema(new providerPb.GetSchemaRequest(), cb));
    return JSON.parse(res.getSchema()) as PackageSchema;
}

/** The version the provider announces (GetPluginInfo). */
export async function providerVersion(running: RunningProvider): Promise<string> {
    return (await call<{ getVersion(): string }>((cb) => running.client.getPluginInfo(new Empty(), cb))).getVersion();
}

/** The package's name: its resource types are `s3-fargate-pipeline:index:<Component>`. */
export const PACKAGE = PACKAGE_NAME;

export interface Served {
    /** The installed plugin folder (with its node_modules), kept until the test process exits. */
    pluginDir: string;
    /** The version it announced (GetPluginInfo). */
    version: string;
    schema: PackageSchema;
}

let served: Promise<Served> | undefined;

/**
 * Installs the plugin into a temporary folder (removed when the test process exits) and returns the
 * version and schema it serves when started as the CLI does from an empty consumer folder (a Python
 * program's, say). The plugin is started once per packed library: the first process to ask starts it,
 * asks for its version and schema, stops it and keeps the answer beside the packed library
 * (keptBesidePackage).
 */
export function servedSchema(): Promise<Served> {
    if (served === undefined) {
        served = (async () => {
            const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "provider-"));
            process.once("exit", () => fs.rmSync(tmp, { recursive: true, force: true }));
            const pluginDir = path.join(tmp, PACKAGE);
            installProvider(pluginDir);
            const answer = await keptBesidePackage("served-provider", async (): Promise<Omit<Served, "pluginDir">> => {
                const consumer = path.join(tmp, "consumer");
                fs.mkdirSync(consumer);
                const running = await startProvider(pluginDir, consumer);
                try {
                    return { version: await providerVersion(running), schema: await providerSchema(running) };
                } finally {
                    stopProvider(running);
                }
            });
            return { pluginDir, ...answer };
        })();
    }
    return served;
}

/**
 * `compute()`'s answer for the packed library, kept beside it as `<name>-<Node.js version>.json`
 * (tests/support/component-package.ts: node_modules/.cache, under the hash of every source the package and the plugin
 * folder are made from and of the lock file): the first process to ask computes it, holding a lock; the others, and
 * later runs with the same sources, read it. An answer of undefined is not kept.
 */
async function keptBesidePackage<T>(name: string, compute: () => Promise<T>): Promise<T> {
    const packageDir = packedComponents().dir;
    const file = path.join(packageDir, `${name}-${process.version}.json`);
    return withLockAsync(`${name}-${path.basename(packageDir)}`, async () => {
        if (fs.existsSync(file)) {
            return JSON.parse(fs.readFileSync(file, "utf8")) as T;
        }
        const fresh = await compute();
        if (fresh !== undefined) {
            writeJsonAtomically(file, fresh);
        }
        return fresh;
    });
}

/** What ComponentProvider keeps once it has analysed the package's declarations (its getSchema). */
interface Analysis {
    cachedSchema: string;
    componentDefinitions: Record<string, ComponentDefinition>;
}

/**
 * The package's ComponentProvider in this process, as the plugin's componentProviderHost makes it, for the installed
 * plugin folder `pluginDir` (servedSchema) and the component classes it loads. Its first getSchema analyses the
 * declarations with the TypeScript compiler (every AWS service's, through @pulumi/eks: seconds); the result is kept
 * beside the packed library (keptBesidePackage) and given to the providers of later processes and runs, which then
 * construct without analysing again. Should a release of the SDK keep it elsewhere, every provider analyses again.
 */
export async function analysedProvider(pluginDir: string, components: ComponentResourceConstructor[]): Promise<ComponentProvider> {
    const provider = new ComponentProvider({ name: PACKAGE, dirname: pluginDir, components });
    const kept = provider as unknown as Partial<Analysis>;
    const analysis = await keptBesidePackage("provider-analysis", async (): Promise<Analysis | undefined> => {
        await provider.getSchema();
        const { cachedSchema, componentDefinitions } = kept;
        return typeof cachedSchema === "string" && componentDefinitions !== undefined ? { cachedSchema, componentDefinitions } : undefined;
    });
    Object.assign(kept, analysis);
    return provider;
}

/** A property of the schema (https://www.pulumi.com/docs/iac/using-pulumi/pulumi-packages/schema/#property). */
export interface SchemaProperty {
    type?: "string" | "number" | "integer" | "boolean" | "array" | "object";
    $ref?: string;
    items?: SchemaProperty;
    additionalProperties?: SchemaProperty;
    plain?: boolean;
    description?: string;
}

export interface SchemaResource {
    isComponent?: boolean;
    description?: string;
    inputProperties: Record<string, SchemaProperty>;
    requiredInputs: string[];
    properties: Record<string, SchemaProperty>;
    required: string[];
}

export interface SchemaType {
    type: string;
    description?: string;
    properties?: Record<string, SchemaProperty>;
    required?: string[];
    enum?: { name: string; value: string | number; description?: string }[];
}

export interface PackageSchema {
    name: string;
    version: string;
    description?: string;
    resources: Record<string, SchemaResource>;
    types: Record<string, SchemaType>;
}
