/**
 * The processor's exit codes (sysexits.h values where one fits), so a task's exit code says what
 * happened without reading its logs. The notifier and the README's operations section use them.
 *
 * By mode: `event` exits with the file's code. `batch` exits 0 when every file succeeded or was
 * skipped, SOME_FILES_FAILED when one or more failed (each has a `failed` status document with its
 * own code), 143 on SIGTERM, or the code of a failure to list the bucket. `worker` exits 0 on SIGTERM
 * (scale-in and deployments are not failures) and non-zero only when it cannot work at all.
 */
export const ExitCode = {
    /** Summary and status written, or a duplicate event skipped; batch: every file succeeded or was skipped; worker: stopped by SIGTERM. */
    OK: 0,
    /**
     * The stack's command failed: it exited non-zero (other than 65, 66, 75 or 77, which keep their meanings below),
     * was killed by a signal, left no output, or broke the contract; the status document has its exit code, signal
     * and last stderr lines.
     */
    COMMAND_FAILED: 1,
    /** Batch mode: the run went through the files, but at least one failed; their status documents say why. */
    SOME_FILES_FAILED: 3,
    /** Missing or invalid settings (environment), a command that cannot be started, or too little scratch space. */
    CONFIG: 64,
    /** The file cannot be summarised: empty, binary, not delimited, corrupt or truncated gzip. */
    INPUT: 65,
    /** The object does not exist (deleted after the event, or a wrong key). */
    NOT_FOUND: 66,
    /** An unexpected error in the processor itself. */
    INTERNAL: 70,
    /** S3 (or SQS) failed in a way worth retrying (throttling, 5xx, network). */
    TRANSIENT: 75,
    /** Access denied by IAM, a bucket or queue policy, or KMS. */
    ACCESS_DENIED: 77,
    /** Event and batch mode: stopped by SIGTERM (Spot interruption, scale-in, stop): status `interrupted`. 128 + 15. */
    INTERRUPTED: 143,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure with the exit code it should end the process with. */
export class ProcessorError extends Error {
    constructor(
        message: string,
        public readonly exitCode: ExitCodeValue,
        public readonly errorClass: string,
    ) {
        super(message);
        this.name = errorClass;
    }
}
