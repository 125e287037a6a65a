/** The ECS task metadata endpoint (v4): the task's ARN, when the processor runs on ECS. */
export async function fetchTaskArn(metadataUri: string | undefined, timeoutMs = 1000): Promise<string | undefined> {
    if (!metadataUri) {
        return undefined;
    }
    try {
        const res = await fetch(`${metadataUri}/task`, { signal: AbortSignal.timeout(timeoutMs) });
        if (!res.ok) {
            return undefined;
        }
        const body = (await res.json()) as { TaskARN?: string };
        return body.TaskARN;
    } catch {
        return undefined;
    }
}
