/**
 * The examples of using the Pulumi package from other languages (examples/python-consumer and
 * examples/yaml-consumer), checked against the schema the installed provider serves (see
 * tests/provider-schema.test.ts): every component, argument, argument type, enum value and output
 * they use exists under the name the Python SDK or Pulumi YAML gives it, and every required argument
 * is given. The YAML program is then run as Pulumi YAML would run it, under mocks, with the
 * cross-language components of the installed package: it must construct the whole pipeline.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";
import * as pulumi from "@pulumi/pulumi";
import { ROOT, settle, useMocks } from "./mocks";
import { COMPONENTS_PACKAGE } from "./support/component-package";
import { PACKAGE, PackageSchema, SchemaProperty, servedSchema } from "./support/provider";
import { snakeCase } from "./support/python-types";

const EXAMPLES = path.join(ROOT, "examples");
const token = (name: string) => `${PACKAGE}:index:${name}`;

/** What a Python file does with a module: its calls (with keyword names and the variable they are assigned to) and the dotted names it reads. */
interface PythonUse {
    alias: string | null;
    calls: { name: string; var: string | null; positional: (string | null)[]; keywords: string[] }[];
    dotted: string[];
}

/** Reads a Python file with Python's own parser (the `ast` module) and lists its uses of the generated SDK module. */
function pythonUse(file: string, module: string): PythonUse {
    const script = `
import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
alias = None
for node in ast.walk(tree):
    if isinstance(node, ast.Import):
        for a in node.names:
            if a.name == sys.argv[2]:
                alias = a.asname or a.name
def dotted(n):
    if isinstance(n, ast.Name):
        return n.id
    if isinstance(n, ast.Attribute):
        d = dotted(n.value)
        return d and d + "." + n.attr
    return None
assigned = {}
for node in ast.walk(tree):
    if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        assigned[id(node.value)] = node.targets[0].id
calls = []
for node in ast.walk(tree):
    if isinstance(node, ast.Call):
        f = dotted(node.func)
        if alias and f and f.startswith(alias + "."):
            calls.append({"name": f[len(alias) + 1:], "var": assigned.get(id(node)),
                          "positional": [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None for a in node.args],
                          "keywords": [k.arg for k in node.keywords]})
names = sorted({d for d in (dotted(n) for n in ast.walk(tree) if isinstance(n, ast.Attribute)) if d})
print(json.dumps({"alias": alias, "calls": calls, "dotted": names}))
`;
    const run = spawnSync("python3", ["-c", script, file, module], { encoding: "utf8" });
    assert.equal(run.status, 0, `python3 could not read ${file}: ${run.error?.message ?? run.stderr}`);
    return JSON.parse(run.stdout) as PythonUse;
}

/** The object type a property refers to, if any. */
function typeOf(prop: SchemaProperty): string | undefined {
    return prop.$ref?.startsWith("#/types/") ? prop.$ref.slice("#/types/".length) : undefined;
}

describe("examples of the Pulumi package in other languages", function () {
    this.timeout(300000);
    let schema: PackageSchema;
    let pluginDir: string;
    before(async () => {
        ({ schema, pluginDir } = await servedSchema());
    });

    it("the Python and YAML projects declare the package, from this repository's provider", () => {
        for (const example of ["python-consumer", "yaml-consumer"]) {
            const project = yaml.load(fs.readFileSync(path.join(EXAMPLES, example, "Pulumi.yaml"), "utf8")) as { packages: Record<string, string> };
            assert.equal(path.resolve(EXAMPLES, example, project.packages[PACKAGE]), path.join(ROOT, "components", "provider"), example);
        }
    });

    it("the Python program uses only components, arguments, argument types, enum values and outputs the SDK has, and gives every required argument", () => {
        const use = pythonUse(path.join(EXAMPLES, "python-consumer", "__main__.py"), `pulumi_${snakeCase(PACKAGE.replace(/-/g, "_"))}`);
        assert.ok(use.alias, "the program imports pulumi_s3_fargate_pipeline");
        const problems: string[] = [];
        const components = new Map<string, string>();
        for (const call of use.calls) {
            const resource = schema.resources[token(call.name)];
            const argsType = call.name.endsWith("Args") ? schema.types[token(call.name.replace(/Args$/, ""))] : undefined;
            const properties = resource?.inputProperties ?? argsType?.properties;
            if (properties === undefined) {
                problems.push(`${call.name}: no such component or argument type`);
                continue;
            }
            const bySnake = new Map(Object.keys(properties).map((k) => [snakeCase(k), k]));
            for (const keyword of call.keywords) {
                if (!bySnake.has(keyword)) problems.push(`${call.name}(${keyword}=…): no such argument`);
            }
            const required = resource?.requiredInputs ?? argsType?.required ?? [];
            for (const name of required) {
                if (!call.keywords.includes(snakeCase(name))) problems.push(`${call.name}: required argument ${snakeCase(name)} not given`);
            }
            if (resource) {
                assert.ok(call.positional[0], `${call.name} is given a resource name`);
                if (call.var) components.set(call.var, call.name);
            }
        }
        for (const name of use.dotted) {
            const [head, attr, member] = name.split(".");
            if (head === use.alias && member !== undefined) {
                const t = schema.types[token(attr)];
                if (!t?.enum?.some((e) => e.name === member)) problems.push(`${name}: no such enum value`);
            } else if (components.has(head) && attr !== undefined) {
                const outputs = Object.keys(schema.resources[token(components.get(head) as string)].properties).map(snakeCase);
                if (!outputs.includes(attr)) problems.push(`${name}: ${components.get(head)} has no output ${attr}`);
            }
        }
        assert.deepEqual(problems, []);
        assert.deepEqual([...new Set(components.values())].sort(), ["Observability", "ProcessingCluster", "ProcessingNetwork", "ProcessorTask", "UploadBucket", "UploadTrigger"]);
    });

    describe("the YAML program", () => {
        interface YamlProgram {
            config: Record<string, unknown>;
            variables: Record<string, string>;
            resources: Record<string, { type: string; properties: Record<string, unknown> }>;
            outputs: Record<string, string>;
        }
        let program: YamlProgram;
        before(() => {
            program = yaml.load(fs.readFileSync(path.join(EXAMPLES, "yaml-consumer", "Pulumi.yaml"), "utf8")) as YamlProgram;
        });

        /** `pkg:Type` (YAML's short form) → the schema's `pkg:index:Type`. */
        const resourceToken = (type: string) => token(type.split(":").pop() as string);

        it("uses only components, arguments, enum values and outputs the schema has, and gives every required argument", () => {
            const problems: string[] = [];
            const checkObject = (where: string, properties: Record<string, SchemaProperty>, required: string[], value: Record<string, unknown>) => {
                for (const name of required) {
                    if (!(name in value)) problems.push(`${where}: required ${name} not given`);
                }
                for (const [key, v] of Object.entries(value)) {
                    const prop = properties[key];
                    if (prop === undefined) {
                        problems.push(`${where}.${key}: no such argument`);
                        continue;
                    }
                    const t = typeOf(prop);
                    const typeDef = t === undefined ? undefined : schema.types[t];
                    if (typeDef?.enum && !typeDef.enum.some((e) => e.value === v)) problems.push(`${where}.${key}: ${JSON.stringify(v)} is not a value of ${t}`);
                    if (typeDef?.properties && v !== null && typeof v === "object") checkObject(`${where}.${key}`, typeDef.properties, typeDef.required ?? [], v as Record<string, unknown>);
                }
            };
            for (const [name, r] of Object.entries(program.resources)) {
                const resource = schema.resources[resourceToken(r.type)];
                if (resource === undefined) {
                    problems.push(`${name}: no component ${r.type}`);
                    continue;
                }
                checkObject(name, resource.inputProperties, resource.requiredInputs, r.properties);
            }
            for (const [, ref, prop] of JSON.stringify(program).matchAll(/\$\{([A-Za-z0-9-]+)\.([A-Za-z]+)\}/g)) {
                const r = program.resources[ref];
                if (ref !== "pulumi" && (r === undefined || !(prop in schema.resources[resourceToken(r.type)].properties))) problems.push(`\${${ref}.${prop}}: no such output`);
            }
            assert.deepEqual(problems, []);
        });

        it("constructs the whole pipeline when run as Pulumi YAML runs it, with the installed package's components", async () => {
            const recorder = await useMocks({ stack: "dev", project: "files-pipeline-yaml" });
            const classes = require(path.join(pluginDir, "node_modules", COMPONENTS_PACKAGE, "cross-language")) as Record<string, new (name: string, args: unknown) => pulumi.ComponentResource>;
            const image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/processor:1.4.0";
            const instances: Record<string, Record<string, unknown>> = {};
            const lookup = (expr: string): unknown => {
                if (expr === "pulumi.project") return pulumi.getProject();
                if (expr === "pulumi.stack") return pulumi.getStack();
                if (expr === "image") return image;
                if (expr in program.variables) return resolve(program.variables[expr]);
                const [name, prop] = expr.split(".");
                assert.ok(instances[name], `\${${expr}}: ${name} is not declared before it is used`);
                return instances[name][prop];
            };
            // `${x}` alone is x's value; inside a longer string, each is interpolated.
            const resolve = (value: unknown): unknown => {
                if (typeof value === "string") {
                    const whole = /^\$\{([^}]+)\}$/.exec(value);
                    if (whole) return lookup(whole[1]);
                    return value.replace(/\$\{([^}]+)\}/g, (_, e: string) => String(lookup(e)));
                }
                if (Array.isArray(value)) return value.map(resolve);
                if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v)]));
                return value;
            };
            for (const [name, r] of Object.entries(program.resources)) {
                const type = r.type.split(":").pop() as string;
                instances[name] = new classes[type](name, resolve(r.properties)) as unknown as Record<string, unknown>;
            }
            await settle();
            const outputs: Record<string, unknown> = {};
            for (const [key, expr] of Object.entries(program.outputs)) {
                outputs[key] = await new Promise((ok) => (resolve(expr) as pulumi.Output<unknown>).apply(ok));
            }
            assert.equal(outputs.uploadPrefix, "uploads/");
            assert.match(String(outputs.ruleArn), /^arn:aws:events:/);
            assert.equal(recorder.one("aws:ecs/taskDefinition:TaskDefinition").inputs.family, "files-pipeline-yaml-dev-processor");
            assert.deepEqual(recorder.one("aws:s3/bucket:Bucket").inputs.tags, { team: "data" });
            assert.equal(recorder.ofType("aws:cloudwatch/eventRule:EventRule").length, 2);
        });
    });
});
