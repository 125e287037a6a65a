/** Hand-built resources for the policy packs' rule tests, and how the Policy SDK marks a preview-time unknown. */
import { PROJECT } from "../../components/builders/contracts";
import { ResourceRecord } from "../../policy/offline/engine";

/**
 * The Policy SDK marks a value that is unknown during preview with a sentinel string; its proxy throws
 * UnknownValueError when a rule reads a property holding one. The constant is @internal, so it is read
 * from the module rather than imported as a typed export.
 */
// eslint-disable-next-line @typescript-eslint/no-var-requires
export const { unknownStringValue } = require("@pulumi/policy/proxy") as { unknownStringValue: string };

/** A resource of a `test` stack of this project whose inputs and outputs are the same object. */
export function resourceRecord(type: string, name: string, props: Record<string, unknown>): ResourceRecord {
    return { type, name, urn: `urn:pulumi:test::${PROJECT}::${type}::${name}`, inputs: props, state: props };
}
