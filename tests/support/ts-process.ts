/** The arguments that make a child `node` load the repository's TypeScript as mocha's workers do (register.js: transpiled once, cached). */
export const TS_REGISTER: readonly string[] = ["-r", require.resolve("./register.js")];
