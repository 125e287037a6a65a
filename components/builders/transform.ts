/**
 * The per-child escape hatch: a function that receives a copy of the arguments we built for a child
 * resource and returns (or edits) the arguments to use instead.
 *
 * @example
 * new UploadBucket("data", { transform: { bucket: (args) => ({ ...args, tags: { team: "data" } }) } });
 */
export type Transform<Args> = (args: Args) => Args | void;

/** Applies a transform to a shallow copy of `args`; the original object is never changed. */
export function applyTransform<Args extends object>(args: Args, transform?: Transform<Args>): Args {
    if (!transform) {
        return args;
    }
    const copy = { ...args };
    return transform(copy) ?? copy;
}
