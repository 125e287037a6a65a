/**
 * Structured logs: one JSON object per line on stdout, with the file's bucket, key and task on
 * every line, so CloudWatch Logs Insights can filter and group by them.
 */
export type Level = "debug" | "info" | "warn" | "error";

export interface Logger {
    debug(msg: string, fields?: Record<string, unknown>): void;
    info(msg: string, fields?: Record<string, unknown>): void;
    warn(msg: string, fields?: Record<string, unknown>): void;
    error(msg: string, fields?: Record<string, unknown>): void;
    /** A logger that adds these fields to every line. */
    with(fields: Record<string, unknown>): Logger;
}

export function createLogger(base: Record<string, unknown> = {}, write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
    const emit = (level: Level, msg: string, fields?: Record<string, unknown>) =>
        write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...base, ...fields })}\n`);
    return {
        debug: (msg, fields) => emit("debug", msg, fields),
        info: (msg, fields) => emit("info", msg, fields),
        warn: (msg, fields) => emit("warn", msg, fields),
        error: (msg, fields) => emit("error", msg, fields),
        with: (fields) => createLogger({ ...base, ...fields }, write),
    };
}
