/**
 * The input transformer of the upload rule's ECS target: it turns an S3 "Object Created" event
 * into RunTask overrides that put the object's coordinates into the container's environment.
 */
import { invalid } from "./validation";

/** Environment variables the processor receives for each file. */
export const EVENT_ENVIRONMENT = {
    S3_BUCKET: "$.detail.bucket.name",
    S3_KEY: "$.detail.object.key",
    S3_OBJECT_SIZE: "$.detail.object.size",
    S3_OBJECT_ETAG: "$.detail.object.etag",
    S3_EVENT_TIME: "$.time",
    S3_EVENT_ID: "$.id",
} as const;

export type EventEnvironmentName = keyof typeof EVENT_ENVIRONMENT;

/**
 * Values that are inserted inside quotes, because ECS environment values must be strings and these
 * are numbers in the event. Everything else stands unquoted in value position, where EventBridge
 * inserts a string as an escaped JSON string (keys may hold quotes, backslashes and unicode).
 */
const QUOTED: ReadonlySet<EventEnvironmentName> = new Set(["S3_OBJECT_SIZE"]);

/** The `inputTransformer` block of an EventBridge target. */
export interface InputTransformer {
    inputPaths: Record<string, string>;
    inputTemplate: string;
}

/** ECS container names: 1–255 letters, digits, hyphens and underscores. */
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** inputPaths names must be alphanumeric: S3_OBJECT_SIZE → s3objectsize. */
function pathName(env: EventEnvironmentName): string {
    return env.replace(/_/g, "").toLowerCase();
}

/**
 * Builds the transformer for an ECS RunTask target whose container is `containerName`.
 * The template renders to `{"containerOverrides":[{"name":…,"environment":[{"name":"S3_BUCKET","value":…},…]}]}`.
 */
export function runTaskInputTransformer(containerName: string): InputTransformer {
    if (!CONTAINER_NAME.test(containerName)) {
        invalid("containerName", containerName, "is not a valid ECS container name", "use 1-255 letters, digits, hyphens and underscores");
    }
    const names = Object.keys(EVENT_ENVIRONMENT) as EventEnvironmentName[];
    const inputPaths: Record<string, string> = {};
    for (const env of names) {
        inputPaths[pathName(env)] = EVENT_ENVIRONMENT[env];
    }
    const environment = names
        .map((env) => {
            const placeholder = `<${pathName(env)}>`;
            const value = QUOTED.has(env) ? `"${placeholder}"` : placeholder;
            return `{"name":"${env}","value":${value}}`;
        })
        .join(",");
    return {
        inputPaths,
        inputTemplate: `{"containerOverrides":[{"name":"${containerName}","environment":[${environment}]}]}`,
    };
}

/** Resolves a JSON dot path such as `$.detail.object.version-id` against an event. */
export function resolveJsonPath(event: unknown, path: string): unknown {
    if (!path.startsWith("$")) {
        return undefined;
    }
    let current: unknown = event;
    for (const part of path.slice(1).split(".").filter((p) => p.length > 0)) {
        if (current === null || typeof current !== "object") {
            return undefined;
        }
        current = (current as Record<string, unknown>)[part];
    }
    return current;
}

/**
 * Renders a transformer against an event the way EventBridge does for the shapes this project
 * uses: an unquoted placeholder becomes the value as JSON (strings escaped); a quoted placeholder
 * gets the value's text inserted as is (only used for numbers). A missing path renders as `null`
 * (unquoted) or an empty string (quoted).
 */
export function renderInputTemplate(transformer: InputTransformer, event: unknown): string {
    return transformer.inputTemplate.replace(/("?)<([A-Za-z0-9]+)>("?)/g, (match, open: string, name: string, close: string) => {
        const path = transformer.inputPaths[name];
        if (path === undefined) {
            return match;
        }
        const value = resolveJsonPath(event, path);
        if (open === '"' && close === '"') {
            return `"${value === undefined || value === null ? "" : String(value)}"`;
        }
        return `${open}${value === undefined ? "null" : JSON.stringify(value)}${close}`;
    });
}

/** The RunTask overrides shape the template renders to. */
export interface TaskOverrides {
    containerOverrides: { name: string; environment: { name: string; value: string }[] }[];
}

/** The environment a container gets from rendered overrides, as a name → value map. */
export function environmentFromOverrides(overrides: TaskOverrides, containerName: string): Record<string, string> {
    const container = overrides.containerOverrides.find((c) => c.name === containerName);
    const env: Record<string, string> = {};
    for (const { name, value } of container?.environment ?? []) {
        env[name] = value;
    }
    return env;
}
