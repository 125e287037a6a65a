/** Component type tokens: `<project>:<module>:<Type>` (see docs/ARCHITECTURE.md, "Names"). */
import { PROJECT } from "./builders/contracts";

export { PROJECT };

export function typeToken(module: string, type: string): string {
    return `${PROJECT}:${module}:${type}`;
}
