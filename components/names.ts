/** Component type tokens: `<project>:<module>:<Type>` (see DESIGN.md, "Names"). */
export const PROJECT = "s3-fargate-pipeline";

export function typeToken(module: string, type: string): string {
    return `${PROJECT}:${module}:${type}`;
}
