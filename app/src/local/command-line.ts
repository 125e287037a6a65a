/**
 * The command-line pieces the demo and the conformance check share: usage errors, whole-number
 * options, and what `--command "…"` and `--env NAME=VALUE` mean — a command
 * line split into words the way a POSIX shell splits a simple command (quotes and backslashes; no
 * variables, globs, pipes or redirections — use `sh -c '…'` for those), and variables as a map.
 */
import { ParseArgsConfig, parseArgs } from "util";

/** A command-line mistake: the message says what was wrong and what is allowed; the process exits 2. */
export class UsageError extends Error {}

/** What `parseOptions` is given: parseArgs's settings less `args` and `strict`. */
export type OptionsConfig = Omit<ParseArgsConfig, "args" | "strict"> & { options: NonNullable<ParseArgsConfig["options"]> };

/** The options the demo and the conformance check both take: the stack, the job's command, its variables, and help. */
export const SHARED_OPTIONS = {
    stack: { type: "string" },
    command: { type: "string" },
    env: { type: "string", multiple: true },
    help: { type: "boolean", short: "h" },
} as const;

/**
 * `argv` parsed strictly (an unknown option or a missing value is an error) with the given options; an
 * error parseArgs throws becomes a UsageError with the words `describe` makes of it.
 */
export function parseOptions<C extends OptionsConfig>(argv: string[], config: C, describe: (error: Error & { code?: string }) => string) {
    try {
        return parseArgs({ ...config, args: argv, strict: true });
    } catch (e) {
        throw new UsageError(describe(e as Error & { code?: string }));
    }
}

/** Runs a command's `main` and exits with the status it returns; an error is printed on stderr and exits 2 for a UsageError, 1 otherwise. */
export function runMain(main: () => Promise<number>): void {
    main().then(
        (code) => process.exit(code),
        (e: unknown) => {
            process.stderr.write(`${e instanceof UsageError ? "usage" : "error"}: ${(e as Error).message}\n`);
            process.exit(e instanceof UsageError ? 2 : 1);
        },
    );
}

/** `raw` (or `fallback` when the option is absent) as a whole number from `min` to `max`, or a UsageError naming the option. */
export function wholeNumber(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
        throw new UsageError(`${name}: ${JSON.stringify(raw)} is not a whole number from ${min} to ${max}`);
    }
    return n;
}

/** Splits `text` into words; throws naming the problem when a quote is left open or there is no word. */
export function splitCommand(text: string): string[] {
    const words: string[] = [];
    let word = "";
    let inWord = false;
    let i = 0;
    while (i < text.length) {
        const ch = text[i];
        if (ch === "'") {
            const end = text.indexOf("'", i + 1);
            if (end < 0) {
                throw new UsageError(`--command: the single quote at character ${i + 1} is not closed: ${text}`);
            }
            word += text.slice(i + 1, end);
            inWord = true;
            i = end + 1;
        } else if (ch === '"') {
            i++;
            for (;;) {
                if (i >= text.length) {
                    throw new UsageError(`--command: a double quote is not closed: ${text}`);
                }
                const c = text[i];
                if (c === '"') {
                    i++;
                    break;
                }
                // Inside double quotes a backslash escapes only " \ $ and `.
                if (c === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1])) {
                    word += text[i + 1];
                    i += 2;
                } else {
                    word += c;
                    i++;
                }
            }
            inWord = true;
        } else if (ch === "\\" && i + 1 < text.length) {
            word += text[i + 1];
            inWord = true;
            i += 2;
        } else if (/\s/.test(ch)) {
            if (inWord) {
                words.push(word);
                word = "";
                inWord = false;
            }
            i++;
        } else {
            word += ch;
            inWord = true;
            i++;
        }
    }
    if (inWord) {
        words.push(word);
    }
    if (words.length === 0) {
        throw new UsageError('--command: no program given; e.g. --command "python3 examples/group-totals/main.py"');
    }
    return words;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `["A=1", "B=x=y"]` → `{ A: "1", B: "x=y" }`; throws naming a malformed entry. */
export function parseEnvAssignments(entries: readonly string[]): Record<string, string> {
    const env: Record<string, string> = {};
    for (const entry of entries) {
        const eq = entry.indexOf("=");
        const name = eq < 0 ? entry : entry.slice(0, eq);
        if (eq < 0 || !ENV_NAME.test(name)) {
            throw new UsageError(`--env: ${JSON.stringify(entry)} is not NAME=VALUE (a name of letters, digits and _, not starting with a digit)`);
        }
        env[name] = entry.slice(eq + 1);
    }
    return env;
}
