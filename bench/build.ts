/**
 * Transpiles the measurement children (and everything they import by relative path) to plain JavaScript in a
 * temporary directory that mirrors the repository's layout, so that the children run on bare `node`: running them
 * through ts-node would load the TypeScript compiler into every child and inflate its peak RSS by tens of MiB.
 * The same transpiler starts the local pipeline's processors (app/src/transpile.ts).
 */
export { childNodePath, transpileTree } from "../app/src/transpile";
