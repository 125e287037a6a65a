/**
 * Where a program declares each resource, for SARIF locations. While a program runs under the
 * runner, the Pulumi SDK's registerResource is wrapped to keep the call stack the SDK itself
 * captures for the engine (its `stackTrace` argument: file URIs, lines mapped through source maps
 * by the TypeScript loader, scripts/register.js or ts-node); the first frame outside node_modules
 * and outside this runner is the declaring line (a component's file for its children). When no frame qualifies, the program's source is searched
 * for the resource's name as a string literal.
 */
import * as fs from "fs";
import * as path from "path";
import { fileURLToPath } from "url";
import { SourceLocation } from "./engine";

interface Frame {
    uri: string;
    line: number;
}

type RegisterResource = (...args: unknown[]) => unknown;

// The SDK module whose export the Resource constructor calls (`resource_1.registerResource(…)`).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const runtimeResource = require("@pulumi/pulumi/runtime/resource") as { registerResource: RegisterResource };

/** Positions of registerResource's arguments: (res, parent, t, name, custom, remote, newDependency, props, opts, sourcePosition, stackTrace, packageRef). */
const TYPE_ARGUMENT = 2;
const NAME_ARGUMENT = 3;
const STACK_TRACE_ARGUMENT = 10;

export class SourceTracker {
    private readonly located = new Map<string, SourceLocation>();
    private original?: RegisterResource;

    constructor(private readonly program: string) {}

    /** Starts recording; call `stop()` when the program has run. */
    start(): void {
        if (this.original) {
            return;
        }
        const original = runtimeResource.registerResource;
        this.original = original;
        const located = this.located;
        runtimeResource.registerResource = function (this: unknown, ...args: unknown[]) {
            const frame = declaringFrame(args[STACK_TRACE_ARGUMENT]);
            if (frame) {
                located.set(`${String(args[TYPE_ARGUMENT])}::${String(args[NAME_ARGUMENT])}`, frame);
            }
            return original.apply(this, args);
        };
    }

    stop(): void {
        if (this.original) {
            runtimeResource.registerResource = this.original;
            this.original = undefined;
        }
    }

    /** Where a resource was declared: from its call stack, else the line of the program naming it, else undefined. */
    of(type: string, name: string): SourceLocation | undefined {
        return this.located.get(`${type}::${name}`) ?? searchProgram(this.program, name);
    }
}

const RUNNER_DIR = path.resolve(__dirname);

function declaringFrame(stackTrace: unknown): SourceLocation | undefined {
    const frames = Array.isArray(stackTrace) ? (stackTrace as (Frame | undefined)[]) : [];
    for (const frame of frames) {
        if (!frame || typeof frame.uri !== "string" || !frame.uri.startsWith("file:")) {
            continue;
        }
        const file = fileURLToPath(frame.uri);
        if (!file.split(path.sep).includes("node_modules") && !file.startsWith(RUNNER_DIR + path.sep)) {
            return { file, line: frame.line };
        }
    }
    return undefined;
}

function searchProgram(program: string, name: string): SourceLocation | undefined {
    const lines = fs.existsSync(program) ? fs.readFileSync(program, "utf8").split("\n") : [];
    const at = lines.findIndex((l) => ['"', "'", "`"].some((q) => l.includes(`${q}${name}${q}`)));
    return at < 0 ? undefined : { file: program, line: at + 1 };
}
