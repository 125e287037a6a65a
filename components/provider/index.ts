/**
 * The provider of the Pulumi package `s3-fargate-pipeline`. The Pulumi CLI starts it when a program
 * in any language uses the package (`pulumi package add`); it serves the package's schema, derived
 * from the declarations of the cross-language components, and constructs them.
 */
import { componentProviderHost } from "@pulumi/pulumi/provider/experimental";
import * as crossLanguage from "@s3-fargate-pipeline/components/cross-language";

componentProviderHost({
    name: crossLanguage.PACKAGE_NAME,
    dirname: __dirname,
    components: [
        crossLanguage.UploadBucket,
        crossLanguage.ProcessingNetwork,
        crossLanguage.ProcessingCluster,
        crossLanguage.ProcessorTask,
        crossLanguage.UploadTrigger,
        crossLanguage.LambdaTrigger,
        crossLanguage.QueueWorkerService,
        crossLanguage.ScheduledTask,
        crossLanguage.Observability,
        crossLanguage.KubernetesJobs,
    ],
});
