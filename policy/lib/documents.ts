/**
 * Where policy documents live on AWS resources: identity policies (what a principal may do),
 * trust policies (who may assume a role) and resource policies (who may use a bucket, queue, key…).
 */
import { readPath } from "./unknown";

export type DocumentKind = "identity" | "trust" | "resource";

export interface FoundDocument {
    kind: DocumentKind;
    /** The property path, for messages: `policy`, `inlinePolicies[0].policy`, `assumeRolePolicy`. */
    field: string;
    /** The document as the resource holds it: a JSON string or an object. */
    document: unknown;
}

export const ROLE_TYPE = "aws:iam/role:Role";

/** Resource types holding identity policies, with the property that holds the document. */
export const IDENTITY_POLICY_FIELDS: Readonly<Record<string, string>> = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": "inlinePolicy",
};

/**
 * Resource types holding resource-based policies, with the property that holds the document. VPC
 * endpoint policies are left out on purpose: they filter what passes an endpoint and name `"*"`
 * as their principal by design.
 */
export const RESOURCE_POLICY_FIELDS: Readonly<Record<string, string>> = {
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:s3/bucket:Bucket": "policy",
    "aws:s3/bucketV2:BucketV2": "policy",
    "aws:s3/accessPoint:AccessPoint": "policy",
    "aws:s3control/accessPointPolicy:AccessPointPolicy": "policy",
    "aws:s3control/bucketPolicy:BucketPolicy": "policy",
    "aws:s3control/objectLambdaAccessPointPolicy:ObjectLambdaAccessPointPolicy": "policy",
    "aws:s3control/multiRegionAccessPointPolicy:MultiRegionAccessPointPolicy": "details.policy",
    "aws:s3control/accessGrantsInstanceResourcePolicy:AccessGrantsInstanceResourcePolicy": "policy",
    "aws:s3tables/tableBucketPolicy:TableBucketPolicy": "resourcePolicy",
    "aws:s3tables/tablePolicy:TablePolicy": "resourcePolicy",
    "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy": "policy",
    "aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:kms/replicaKey:ReplicaKey": "policy",
    "aws:kms/externalKey:ExternalKey": "policy",
    "aws:kms/replicaExternalKey:ReplicaExternalKey": "policy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy",
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:lambda/resourcePolicy:ResourcePolicy": "policy",
    "aws:glacier/vault:Vault": "accessPolicy",
    "aws:glacier/vaultLock:VaultLock": "policy",
    "aws:opensearch/domain:Domain": "accessPolicies",
    "aws:opensearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:elasticsearch/domain:Domain": "accessPolicies",
    "aws:elasticsearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:apigateway/restApi:RestApi": "policy",
    "aws:apigateway/restApiPolicy:RestApiPolicy": "policy",
    "aws:backup/vaultPolicy:VaultPolicy": "policy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "policy",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "policy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
    "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy": "accessPolicy",
    "aws:dynamodb/resourcePolicy:ResourcePolicy": "policy",
    "aws:kinesis/resourcePolicy:ResourcePolicy": "policy",
    "aws:codeartifact/domainPermissions:DomainPermissions": "policyDocument",
    "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy": "policyDocument",
    "aws:codebuild/resourcePolicy:ResourcePolicy": "policy",
    "aws:glue/resourcePolicy:ResourcePolicy": "policy",
    "aws:ses/identityPolicy:IdentityPolicy": "policy",
    "aws:sesv2/emailIdentityPolicy:EmailIdentityPolicy": "policy",
    "aws:mediastore/containerPolicy:ContainerPolicy": "policy",
    "aws:schemas/registryPolicy:RegistryPolicy": "policy",
    "aws:acmpca/policy:Policy": "policy",
    "aws:msk/clusterPolicy:ClusterPolicy": "policy",
    "aws:redshift/resourcePolicy:ResourcePolicy": "policy",
    "aws:redshiftserverless/resourcePolicy:ResourcePolicy": "policy",
    "aws:networkfirewall/resourcePolicy:ResourcePolicy": "policy",
    "aws:oam/sinkPolicy:SinkPolicy": "policy",
    "aws:xray/resourcePolicy:ResourcePolicy": "policyDocument",
    "aws:amp/resourcePolicy:ResourcePolicy": "policyDocument",
    "aws:dsql/clusterPolicy:ClusterPolicy": "policy",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "resourcePolicy",
    "aws:vpclattice/resourcePolicy:ResourcePolicy": "policy",
    "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy": "policy",
    "aws:opensearchingest/resourcePolicy:ResourcePolicy": "policy",
    "aws:pinpoint/smsvoicev2ResourcePolicy:Smsvoicev2ResourcePolicy": "policy",
};

export const IDENTITY_POLICY_TYPES = Object.keys(IDENTITY_POLICY_FIELDS);
export const RESOURCE_POLICY_TYPES = Object.keys(RESOURCE_POLICY_FIELDS);

/** Types that hold at least one policy document. */
export const POLICY_HOLDER_TYPES = [...IDENTITY_POLICY_TYPES, ...RESOURCE_POLICY_TYPES, ROLE_TYPE];

function present(value: unknown): boolean {
    return value !== undefined && value !== null && value !== "";
}

/**
 * Every policy document a resource carries, with its kind. A property whose value is unknown at
 * preview is left out; the input is never changed.
 */
export function documentsOf(type: string, props: Record<string, any>): FoundDocument[] {
    const found: FoundDocument[] = [];
    const add = (kind: FoundDocument["kind"], field: string, document: unknown) => {
        if (present(document)) {
            found.push({ kind, field, document });
        }
    };
    if (type in IDENTITY_POLICY_FIELDS) {
        add("identity", IDENTITY_POLICY_FIELDS[type], readPath(props, IDENTITY_POLICY_FIELDS[type]));
    }
    if (type in RESOURCE_POLICY_FIELDS) {
        add("resource", RESOURCE_POLICY_FIELDS[type], readPath(props, RESOURCE_POLICY_FIELDS[type]));
    }
    if (type === ROLE_TYPE) {
        add("trust", "assumeRolePolicy", readPath(props, "assumeRolePolicy"));
        const inline = readPath(props, "inlinePolicies");
        (Array.isArray(inline) ? inline : []).forEach((_, i) => add("identity", `inlinePolicies[${i}].policy`, readPath(props, `inlinePolicies.${i}.policy`)));
    }
    return found;
}
