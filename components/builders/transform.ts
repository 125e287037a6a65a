/**
 * The per-child escape hatch, one helper for every component: `transform.<child>` is either a partial
 * arguments object, merged (shallowly) over the arguments we built, or a function `(args, opts, name)`
 * that edits the copies it receives (or returns new arguments). Our own objects are never changed.
 *
 * Pulumi's own `transforms` resource option does the same for every resource below a component
 * (`new UploadBucket("data", {}, { transforms: [({ type, props, opts }) => …] })`, untyped; see
 * https://www.pulumi.com/docs/iac/concepts/resources/options/transforms/); use it for a change that
 * applies to many children at once, and `transform.<child>` for one child with typed arguments.
 *
 * @example
 * new UploadBucket("data", { transform: { bucket: { tags: { team: "data" } } } });
 * new UploadBucket("data", { transform: { bucket: (args, opts) => { args.tags = { team: "data" }; opts.protect = true; } } });
 */
export type Transform<Args, Opts = unknown> = Partial<Args> | ((args: Args, opts: Opts, name: string) => Args | void);

/**
 * The child's constructor arguments after the user's transform: `new aws.sns.Topic(...transformed(t, name, args, opts))`.
 * Without a transform, the very objects given; with one, copies.
 */
export function transformed<Args extends object, Opts extends object>(
    transform: Transform<Args, Opts> | undefined,
    name: string,
    args: Args,
    opts: Opts,
): [string, Args, Opts] {
    if (transform === undefined) {
        return [name, args, opts];
    }
    if (typeof transform === "function") {
        const argsCopy = { ...args };
        const optsCopy = { ...opts };
        return [name, transform(argsCopy, optsCopy, name) ?? argsCopy, optsCopy];
    }
    if (transform === null || typeof transform !== "object" || Array.isArray(transform)) {
        throw new TypeError(`transform of ${name}: ${JSON.stringify(transform)} is neither a partial arguments object nor a function (args, opts, name)`);
    }
    return [name, { ...args, ...transform }, opts];
}

/** The arguments only, for children whose options the transform does not reach (see `transformed`). */
export function applyTransform<Args extends object>(args: Args, transform?: Transform<Args>, name = "the child"): Args {
    return transformed<Args, object>(transform as Transform<Args, object> | undefined, name, args, {})[1];
}
