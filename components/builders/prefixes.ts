/**
 * Key prefixes and suffixes of the pipeline's bucket.
 *
 * The processor reads under the upload prefix and writes under the output and status prefixes. If
 * any of them contained another, the processor's own writes would match the upload rule and it would
 * trigger itself forever, so overlapping prefixes are rejected.
 */
import { BucketPrefixes, DEFAULT_PREFIXES } from "./contracts";
import { invalid } from "./validation";

export { BucketPrefixes, DEFAULT_PREFIXES };

/** S3 keys are at most 1024 bytes; a prefix leaves room for a name. */
const MAX_PREFIX_BYTES = 512;

/** Checks one prefix: non-empty, no leading slash, printable, not too long. */
export function validatePrefix(field: string, prefix: string): string {
    if (typeof prefix !== "string" || prefix.length === 0) {
        invalid(field, prefix, "is empty", 'give a non-empty key prefix such as "uploads/"');
    }
    if (prefix.startsWith("/")) {
        invalid(field, prefix, "starts with a slash", 'S3 keys have no leading slash; write it as "uploads/"');
    }
    if (/[\u0000-\u001f\u007f]/.test(prefix)) {
        invalid(field, prefix, "contains a control character", "use printable characters only");
    }
    if (Buffer.byteLength(prefix, "utf8") > MAX_PREFIX_BYTES) {
        invalid(field, prefix, "is too long", `use at most ${MAX_PREFIX_BYTES} bytes`);
    }
    return prefix;
}

/** Field names used in error messages. */
export type PrefixFields = Record<keyof BucketPrefixes, string>;

/**
 * Checks the three prefixes and that none contains another.
 * @returns a new object; the input is not changed.
 */
export function validatePrefixes(
    prefixes: BucketPrefixes,
    fields: PrefixFields = { upload: "uploadPrefix", output: "outputPrefix", status: "statusPrefix" },
): BucketPrefixes {
    const names = ["upload", "output", "status"] as const;
    for (const n of names) {
        validatePrefix(fields[n], prefixes[n]);
    }
    for (let i = 0; i < names.length; i++) {
        for (let j = i + 1; j < names.length; j++) {
            const a = prefixes[names[i]];
            const b = prefixes[names[j]];
            if (a.startsWith(b) || b.startsWith(a)) {
                invalid(
                    fields[names[j]],
                    b,
                    `overlaps ${fields[names[i]]} ${JSON.stringify(a)}`,
                    "use prefixes where none starts with another (writes under an upload prefix would trigger the processor again)",
                );
            }
        }
    }
    return { upload: prefixes.upload, output: prefixes.output, status: prefixes.status };
}

/**
 * Checks key suffixes (e.g. ".csv", ".csv.gz"): each non-empty, no duplicates.
 * @returns a new array; the input is not changed.
 */
export function validateSuffixes(suffixes: readonly string[], field = "keySuffixes"): string[] {
    if (!Array.isArray(suffixes)) {
        invalid(field, suffixes, "is not a list", 'give a list of key endings such as [".csv", ".csv.gz"]');
    }
    const seen = new Set<string>();
    suffixes.forEach((s, i) => {
        if (typeof s !== "string" || s.length === 0) {
            invalid(`${field}[${i}]`, s, "is empty", 'give a non-empty key ending such as ".csv"');
        }
        if (seen.has(s)) {
            invalid(`${field}[${i}]`, s, "is listed twice", "list each key ending once");
        }
        seen.add(s);
    });
    return [...suffixes];
}
