/**
 * The repository's TypeScript loader (scripts/register.js): stack traces name the line and column in the .ts source,
 * though the JavaScript that runs has other lines (types and interfaces are gone), and frames elsewhere read as V8
 * writes them.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const SOURCE = `interface Shape {
    name: string;
    sides: number;
}

type Named = Pick<Shape, "name">;

export function fail(shape: Named): never {
    const label: string = shape.name;
    throw new Error(\`no \${label}\`);
}

export function failLater(): Promise<never> {
    return Promise.resolve().then(() => fail({ name: "later" }));
}

export function tracked(wrap: (p: Promise<number>, ctx: string) => Promise<number>): { given: Promise<number>; returned: Promise<number> } {
    const given = Promise.resolve(1);
    return { given, returned: wrap(given, "a shape") };
}
`;

describe("the repository's TypeScript loader", () => {
    let dir: string;
    let file: string;
    let mod: {
        fail(shape: { name: string }): never;
        failLater(): Promise<never>;
        tracked(wrap: (p: Promise<number>, ctx: string) => Promise<number>): { given: Promise<number>; returned: Promise<number> };
    };
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "register-"));
        file = path.join(dir, "shapes.ts");
        fs.writeFileSync(file, SOURCE);
        mod = require(file) as typeof mod;
    });
    after(() => {
        delete require.cache[file];
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("names the .ts line and column of each frame in a transpiled file", () => {
        const err = (() => {
            try {
                mod.fail({ name: "circle" });
            } catch (e) {
                return e as Error;
            }
            return undefined;
        })();
        const lines = err?.stack?.split("\n") ?? [];
        assert.equal(lines[0], "Error: no circle");
        assert.equal(lines[1], `    at Object.fail (${file}:10:11)`);
        // The call in this file: V8 places a method call at the method's name.
        const here = fs.readFileSync(__filename, "utf8").split("\n");
        const line = here.findIndex((l) => l.includes('mod.fail({ name: "circle" })'));
        assert.equal(lines[2], `    at ${__filename}:${line + 1}:${here[line].indexOf("fail") + 1}`);
    });

    it("maps the frames of a rejection in a later tick, and the awaiting (async) frame", async () => {
        const err = await mod.failLater().catch((e: Error) => e);
        const lines = err.stack?.split("\n") ?? [];
        assert.deepEqual(lines.slice(0, 3), ["Error: no later", `    at fail (${file}:10:11)`, `    at ${file}:14:41`]);
        assert.match(lines[3], /^ {4}at async Context\.<anonymous> \(.*tests\/register\.test\.ts:\d+:\d+\)$/);
    });

    it("takes the stack the Pulumi SDK keeps for each promise with no frames, unless PULUMI_DEBUG_PROMISE_LEAKS would print it", async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const debuggable = require("@pulumi/pulumi/runtime/debuggable") as {
            debuggablePromise<T>(p: Promise<T>, ctx: string): Promise<T>;
            promiseDebugString(p: Promise<unknown>): string;
            debugPromiseLeaks: boolean;
        };
        const limit = Error.stackTraceLimit;
        const kept = (p: Promise<number>) => p as unknown as { _debugId: number; _debugStackTrace: unknown };
        const quiet = mod.tracked(debuggable.debuggablePromise);
        assert.equal(await quiet.returned, 1);
        assert.equal(kept(quiet.given)._debugStackTrace, "Error", "no frames taken");
        assert.equal(Error.stackTraceLimit, limit, "the process's stack trace limit is left as it was");

        const was = debuggable.debugPromiseLeaks;
        debuggable.debugPromiseLeaks = true;
        try {
            const { given, returned } = mod.tracked(debuggable.debuggablePromise);
            assert.equal(await returned, 1);
            // What PULUMI_DEBUG_PROMISE_LEAKS prints for a promise left pending.
            const lines = debuggable.promiseDebugString(given).split("\n");
            assert.deepEqual(lines.slice(0, 3), [`CONTEXT(${kept(given)._debugId}): a shape`, "STACK_TRACE:", "Error"]);
            assert.match(lines[3], /^ {4}at debuggablePromise \(.*@pulumi\/pulumi\/runtime\/debuggable\.js:\d+:\d+\)$/);
            const source = SOURCE.split("\n");
            const call = source.findIndex((l) => l.includes("wrap(given"));
            assert.ok(lines.includes(`    at Object.tracked (${file}:${call + 1}:${source[call].indexOf("wrap(given") + 1})`), lines.join("\n"));
        } finally {
            debuggable.debugPromiseLeaks = was;
        }
    });

    it("loads the module the Pulumi SDK loads the compiler through (typescript-shim.js) only when it is first used", () => {
        // A stand-in at the path the loader watches: its top level counts its loads.
        const shim = path.join(dir, "node_modules", "@pulumi", "pulumi", "typescript-shim.js");
        fs.mkdirSync(path.dirname(shim), { recursive: true });
        fs.writeFileSync(shim, "globalThis.shimLoads = (globalThis.shimLoads || 0) + 1;\nmodule.exports = { version: '5.9.3', createSourceFile() { return 'parsed'; } };\n");
        const loads = () => (globalThis as { shimLoads?: number }).shimLoads ?? 0;
        try {
            const ts = require(shim) as { version: string; createSourceFile(): string };
            assert.equal(loads(), 0, "not loaded when required");
            assert.equal(ts.createSourceFile(), "parsed");
            assert.equal(loads(), 1, "loaded on first use");
            assert.deepEqual([ts.version, "version" in ts, Object.keys(ts), loads()], ["5.9.3", true, ["version", "createSourceFile"], 1]);
            assert.equal(Object.getOwnPropertyDescriptor(ts, "missing"), undefined);
        } finally {
            delete require.cache[shim];
            delete (globalThis as { shimLoads?: number }).shimLoads;
        }
    });

    it("gives the Pulumi SDK's codePaths.js an Arborist that loads @npmcli/arborist when first constructed", () => {
        // Stand-ins at the paths the loader watches: the SDK's module as the SDK compiles it (an __importStar that
        // copies every member), and a package whose top level counts its loads.
        const codePaths = path.join(dir, "node_modules", "@pulumi", "pulumi", "runtime", "closure", "codePaths.js");
        const arboristPackage = path.join(dir, "node_modules", "@npmcli", "arborist", "index.js");
        fs.mkdirSync(path.dirname(codePaths), { recursive: true });
        fs.mkdirSync(path.dirname(arboristPackage), { recursive: true });
        fs.writeFileSync(
            codePaths,
            [
                "var __importStar = function (mod) { if (mod && mod.__esModule) return mod; var result = {}; if (mod != null) for (var k in mod) if (Object.hasOwnProperty.call(mod, k)) result[k] = mod[k]; result.default = mod; return result; };",
                'const arborist = __importStar(require("@npmcli/arborist"));',
                'exports.tree = (root) => new arborist.Arborist({ path: root });',
                'exports.sibling = () => require("./sibling").name;',
            ].join("\n"),
        );
        fs.writeFileSync(path.join(path.dirname(codePaths), "sibling.js"), 'exports.name = "sibling";\n');
        fs.writeFileSync(arboristPackage, "globalThis.arboristLoads = (globalThis.arboristLoads || 0) + 1;\nclass Arborist { constructor(options) { this.options = options; } }\nmodule.exports = { Arborist };\n");
        const loads = () => (globalThis as { arboristLoads?: number }).arboristLoads ?? 0;
        try {
            const sdk = require(codePaths) as { tree(root: string): { options: { path: string } }; sibling(): string };
            assert.equal(loads(), 0, "not loaded when the SDK's module loads");
            const tree = sdk.tree("/workspace");
            assert.equal(loads(), 1, "loaded on the first construction");
            assert.ok(tree instanceof (require(arboristPackage) as { Arborist: new () => unknown }).Arborist, "an instance of the package's own class");
            assert.deepEqual(tree.options, { path: "/workspace" });
            sdk.tree("/other");
            assert.equal(loads(), 1, "loaded once");
            assert.equal(sdk.sibling(), "sibling", "the module's other requires are left as they were");
        } finally {
            delete require.cache[codePaths];
            delete require.cache[arboristPackage];
            delete (globalThis as { arboristLoads?: number }).arboristLoads;
        }
    });

    it("writes the stack of an object given to Error.captureStackTrace", () => {
        const holder = { name: "Probe", message: "captured" } as { name: string; message: string; stack?: string };
        Error.captureStackTrace(holder);
        assert.match(holder.stack ?? "", /^Probe: captured\n {4}at .*tests\/register\.test\.ts:\d+:\d+/);
    });
});
