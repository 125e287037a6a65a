/**
 * Runs a Pulumi program (index.ts, or a fixture) in this process under mocks, with a stack's
 * config, and returns every resource it registered — what `pulumi preview` would hand the packs.
 */
import * as fs from "fs";
import * as path from "path";
import { PROJECT, ROOT, Recorded, Recorder, projectIn, readStackFile, settle, useMocks } from "./mocks";
import { SourceTracker } from "./source";

export interface ProgramRun {
    recorder: Recorder;
    /** The program module's exports (its stack outputs). */
    outputs: Record<string, unknown>;
    resources: Recorded[];
}

export interface ProgramOptions {
    /** Path of the program's entry file. @default "<repo>/index.ts" */
    program?: string;
    stack: string;
    /**
     * Config in `setAllConfig` form.
     * @default the `Pulumi.<stack>.yaml` beside the program; none when there is no such file
     */
    config?: Record<string, string>;
    /** Keys of `config` that hold secrets. @default the stack file's `secure:` keys when `config` is not given */
    secretKeys?: string[];
    /** The VPC of existing subnets and security groups, by ID (see Recorder). */
    vpcOf?: Record<string, string>;
}

type ResolveFilename = (request: string, parent: unknown, ...rest: unknown[]) => string;
// eslint-disable-next-line @typescript-eslint/no-var-requires
const Module = require("module") as { _resolveFilename: ResolveFilename };

/**
 * While `run` runs, a package a program outside the repository cannot find from its own folder
 * (@pulumi/aws, @pulumi/pulumi…) resolves from the repository's node_modules, so it shares the one
 * Pulumi runtime the mocks are installed in.
 */
async function withRepositoryPackages<T>(run: () => Promise<T>): Promise<T> {
    const original = Module._resolveFilename;
    Module._resolveFilename = function (this: unknown, request: string, parent: unknown, ...rest: unknown[]): string {
        try {
            return original.call(this, request, parent, ...rest);
        } catch (e) {
            if ((e as { code?: string }).code !== "MODULE_NOT_FOUND" || request.startsWith(".") || path.isAbsolute(request)) {
                throw e;
            }
            return require.resolve(request, { paths: [ROOT] });
        }
    };
    try {
        return await run();
    } finally {
        Module._resolveFilename = original;
    }
}

/** The config of a stack from the `Pulumi.<stack>.yaml` beside the program; none when there is no such file. */
function stackFileBeside(program: string, stack: string): { config: Record<string, string>; secretKeys: string[] } {
    const dir = path.dirname(program);
    return fs.existsSync(path.join(dir, `Pulumi.${stack}.yaml`)) ? readStackFile(stack, dir) : { config: {}, secretKeys: [] };
}

/**
 * Runs the program once; a second run (another stack) loads it afresh. Like the Pulumi language host, it fails
 * with the first error the program raises, also one raised asynchronously (e.g. in an `apply` feeding a resource).
 */
export async function runProgram(options: ProgramOptions): Promise<ProgramRun> {
    const program = path.resolve(options.program ?? path.join(ROOT, "index.ts"));
    const file = options.config === undefined ? stackFileBeside(program, options.stack) : { config: options.config, secretKeys: options.secretKeys ?? [] };
    const recorder = await useMocks({
        stack: options.stack,
        project: projectIn(path.dirname(program)) ?? PROJECT,
        config: file.config,
        secretKeys: file.secretKeys,
        vpcOf: options.vpcOf,
    });
    const sources = new SourceTracker(program);
    recorder.sources = sources;
    const errors: unknown[] = [];
    const onRejection = (reason: unknown): void => {
        errors.push(reason);
    };
    process.on("unhandledRejection", onRejection);
    sources.start();
    try {
        return await withRepositoryPackages(async () => {
            delete require.cache[require.resolve(program)];
            const outputs = require(program) as Record<string, unknown>;
            await settle();
            // Rejections are reported after the promise job that raised them: give them a turn of the event loop.
            await new Promise((resolve) => setImmediate(resolve));
            if (errors.length > 0) {
                throw errors[0];
            }
            return { recorder, outputs, resources: recorder.all() };
        });
    } finally {
        sources.stop();
        process.off("unhandledRejection", onRejection);
    }
}
