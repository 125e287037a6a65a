/**
 * Loaded by mocha before the tests (.mocharc.js `require`), in every worker process.
 *
 * The AWS SDK for JavaScript v3 warns once per process that its releases after the first week of
 * January 2027 need Node 22 (`NodeVersionSupportWarning`); the tests run on Node 20 and start dozens of
 * processes, so the warning would fill the test output. The SDK's own switch turns it off here and in
 * every process a test starts with this environment; the product keeps the warning.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
