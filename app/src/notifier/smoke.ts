/**
 * Files `npm run smoke` uploads to a deployed stack live under `<upload prefix>smoke-check/<run>/`.
 * Their failure is expected (the check uploads a file that must fail), so the notifier does not post
 * it to Slack. With `npm run smoke -- --slack` the files go under `smoke-check-slack/` instead, and
 * their failure notification is posted like any other.
 */

/** The folder (under the upload prefix) of smoke-check files whose failures are not posted to Slack. */
export const SMOKE_CHECK_FOLDER = "smoke-check";
/** The folder of smoke-check files whose failures are posted to Slack. */
export const SMOKE_CHECK_SLACK_FOLDER = "smoke-check-slack";

/** Whether an S3 key is a smoke-check upload whose failure is not posted to Slack. */
export function isQuietSmokeCheckKey(key: string | undefined): boolean {
    return key !== undefined && key.split("/").slice(0, -1).includes(SMOKE_CHECK_FOLDER);
}
