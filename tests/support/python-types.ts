/**
 * How the Pulumi Python SDK generated for a package schema (`pulumi package add` in a Python program)
 * names and types each property: names in snake_case, and the annotation its codegen writes.
 * https://www.pulumi.com/docs/iac/using-pulumi/pulumi-packages/schema/#type describes the schema types.
 */
import { SchemaProperty } from "./provider";

/** camelCase → snake_case, a run of capitals counting as one word (`kmsKeyArn` → `kms_key_arn`, `X86_64` → `x86_64`). */
export function snakeCase(name: string): string {
    return name
        .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
        .toLowerCase();
}

/** The name a `#/types/<token>` reference has in the Python SDK: input object types get an `Args` suffix, enums keep their name. */
function refName(ref: string, enums: ReadonlySet<string>, input: boolean): string {
    const name = ref.slice(ref.lastIndexOf(":") + 1);
    return `'${input && !enums.has(ref) ? `${name}Args` : name}'`;
}

function base(prop: SchemaProperty, enums: ReadonlySet<string>, input: boolean): string {
    if (prop.$ref === "pulumi.json#/Any") {
        return "Any";
    }
    if (prop.$ref !== undefined) {
        return refName(prop.$ref.replace(/^#\/types\//, ""), enums, input);
    }
    switch (prop.type) {
        case "string":
            return "str";
        case "number":
            return "float";
        case "integer":
            return "int";
        case "boolean":
            return "bool";
        case "array":
            return `Sequence[${element(prop.items as SchemaProperty, enums, input)}]`;
        case "object":
            return `Mapping[str, ${element(prop.additionalProperties as SchemaProperty, enums, input)}]`;
        default:
            throw new Error(`a property with no type: ${JSON.stringify(prop)}`);
    }
}

/** An element of a list or map: an input unless plain (Any never is). */
function element(prop: SchemaProperty, enums: ReadonlySet<string>, input: boolean): string {
    const t = base(prop, enums, input);
    return input && !prop.plain && t !== "Any" ? `pulumi.Input[${t}]` : t;
}

/** The annotation of an argument in the component's constructor. */
export function pythonInputType(prop: SchemaProperty, required: boolean, enums: ReadonlySet<string>): string {
    const t = element(prop, enums, true);
    return required ? t : `Optional[${t}]`;
}

/** The annotation of an output property of the component. */
export function pythonOutputType(prop: SchemaProperty, required: boolean, enums: ReadonlySet<string>): string {
    const t = base(prop, enums, false);
    return `pulumi.Output[${required ? t : `Optional[${t}]`}]`;
}
