/**
 * Where the local S3 server keeps an object on disk: every S3 key maps to a path inside the bucket's
 * folder, and back. S3 accepts any UTF-8 key up to 1,024 bytes — `..` segments, empty segments
 * (`a//b`), a leading `/`, control characters, segments far longer than a file name may be — so keys
 * are not used as paths as they are. Segments a file system can hold, and that cannot leave the
 * folder, are kept as they are (readable on disk); each run of other segments becomes one encoded
 * name, `.~=` + base64url of the segments' UTF-8 bytes (split into `.~+…` names of at most 200
 * characters when long). Nothing a key holds can name a path outside the bucket's folder.
 *
 * Pure: no I/O. Keys: https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
 */

/** S3's limit on a key: 1,024 bytes of UTF-8 (object-keys.html above). */
export const MAX_KEY_BYTES = 1024;

/** The longest file name most file systems hold (NAME_MAX). */
const NAME_MAX = 255;
/** s3rver stores `<name>._S3rver_<resource>`; the longest resource it appends is `metadata.json`. */
export const S3RVER_SUFFIX = "._S3rver_";
const LONGEST_SUFFIX = `${S3RVER_SUFFIX}metadata.json`.length;
/** Encoded names start with this; a key segment that does is encoded too, so decoding is exact. */
const ENCODED = ".~";
const CHUNK = 200;
/** Characters a file name may not hold somewhere (NUL everywhere; control and `<>:"\|?*` on Windows). */
const UNSAFE_CHARACTER = /[\u0000-\u001f\u007f<>:"\\|?*]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** A key the local server does not accept, with the S3 error code S3 itself answers. */
export class KeyError extends Error {
    constructor(
        readonly code: "KeyTooLongError" | "InvalidArgument",
        message: string,
    ) {
        super(message);
        this.name = code;
    }
}

/** Throws KeyError for a key S3 would refuse: empty, over 1,024 bytes, or not valid Unicode. */
export function checkKey(key: string): void {
    if (key.length === 0) {
        throw new KeyError("InvalidArgument", "User key must have a length greater than 0.");
    }
    const bytes = Buffer.byteLength(key, "utf8");
    if (bytes > MAX_KEY_BYTES) {
        throw new KeyError("KeyTooLongError", `Your key is too long: ${bytes} bytes of UTF-8; the maximum is ${MAX_KEY_BYTES}.`);
    }
    if (LONE_SURROGATE.test(key)) {
        throw new KeyError("InvalidArgument", "The key is not valid UTF-8 (it holds an unpaired surrogate).");
    }
}

/** Whether a segment must be encoded: one a file system cannot hold, or that would move up or sideways. */
function needsEncoding(segment: string, last: boolean): boolean {
    return (
        segment === "" ||
        segment === "." ||
        segment === ".." ||
        segment.startsWith(ENCODED) ||
        segment.includes(S3RVER_SUFFIX) ||
        UNSAFE_CHARACTER.test(segment) ||
        Buffer.byteLength(segment, "utf8") > (last ? NAME_MAX - LONGEST_SUFFIX : NAME_MAX)
    );
}

function encodeRun(segments: string[]): string[] {
    const text = Buffer.from(segments.join("/"), "utf8").toString("base64url");
    const names: string[] = [];
    for (let i = 0; i < text.length || names.length === 0; i += CHUNK) {
        const chunk = text.slice(i, i + CHUNK);
        names.push(`${ENCODED}${i + CHUNK < text.length ? "+" : "="}${chunk}`);
    }
    return names;
}

/**
 * The path components (folders, then the file's base name) that hold `key` inside its bucket's
 * folder. Every component is a plain name: never empty, `.`, `..`, nor holding `/` or NUL.
 * @throws KeyError for a key S3 refuses (checkKey)
 */
export function keyToPathComponents(key: string): string[] {
    checkKey(key);
    const segments = key.split("/");
    const out: string[] = [];
    let run: string[] = [];
    segments.forEach((segment, i) => {
        if (needsEncoding(segment, i === segments.length - 1)) {
            run.push(segment);
            return;
        }
        if (run.length > 0) {
            out.push(...encodeRun(run));
            run = [];
        }
        out.push(segment);
    });
    if (run.length > 0) {
        out.push(...encodeRun(run));
    }
    return out;
}

/** The key stored under these path components, or undefined when they are not ones keyToPathComponents makes. */
export function pathComponentsToKey(components: readonly string[]): string | undefined {
    const segments: string[] = [];
    let pending = "";
    for (const name of components) {
        if (name.startsWith(`${ENCODED}+`)) {
            pending += name.slice(3);
            continue;
        }
        if (name.startsWith(`${ENCODED}=`)) {
            segments.push(Buffer.from(pending + name.slice(3), "base64url").toString("utf8"));
            pending = "";
            continue;
        }
        if (pending !== "" || name.startsWith(ENCODED) || name === "") {
            return undefined;
        }
        segments.push(name);
    }
    return pending === "" && segments.length > 0 ? segments.join("/") : undefined;
}

/** The folder components a key's path starts with for sure when it starts with `prefix` (its whole, plain segments). */
export function prefixFolders(prefix: string): string[] {
    const segments = prefix.split("/");
    segments.pop();
    const out: string[] = [];
    for (const segment of segments) {
        if (needsEncoding(segment, false)) {
            break;
        }
        out.push(segment);
    }
    return out;
}
