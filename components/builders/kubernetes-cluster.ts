/**
 * The EKS cluster's arguments (control-plane logs, names, CIDRs) and the IAM trust policies that let a
 * pod's ServiceAccount assume its role (IRSA or EKS Pod Identity).
 */
import { ConditionBlock } from "./iam";
import { invalid, requireOneOf } from "./validation";

// ---------------------------------------------------------------------------------------------
// EKS cluster arguments
// ---------------------------------------------------------------------------------------------

export const CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
export type ControlPlaneLogType = (typeof CONTROL_PLANE_LOG_TYPES)[number];
/** API calls, who made them, and IAM authentication: enough to audit the cluster. */
export const DEFAULT_CONTROL_PLANE_LOG_TYPES: readonly ControlPlaneLogType[] = ["api", "audit", "authenticator"];

/** Validates the control-plane log types: known, each at most once. */
export function validateLogTypes(types: readonly string[], field: string): ControlPlaneLogType[] {
    const seen = new Set<string>();
    types.forEach((t, i) => {
        requireOneOf(`${field}[${i}]`, t, CONTROL_PLANE_LOG_TYPES as readonly string[], "an EKS control-plane log type");
        if (seen.has(t)) {
            invalid(`${field}[${i}]`, t, "is listed twice", "name each log type once");
        }
        seen.add(t);
    });
    return [...types] as ControlPlaneLogType[];
}

/** The log group EKS writes control-plane logs to; creating it first lets the stack set its retention. */
export function controlPlaneLogGroupName(clusterName: string): string {
    return `/aws/eks/${clusterName}/cluster`;
}

const CLUSTER_NAME = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** An EKS cluster name: 1–100 letters, digits, hyphens and underscores, starting with a letter or digit. */
export function validateClusterName(value: string, field: string): string {
    if (typeof value !== "string" || !CLUSTER_NAME.test(value)) {
        invalid(field, value, "is not an EKS cluster name", "use 1-100 letters, digits, hyphens and underscores, starting with a letter or digit");
    }
    return value;
}

/** `<project>-<stack>-<name>` reduced to what an EKS cluster name allows. */
export function defaultClusterName(project: string, stack: string, name: string): string {
    return `${project}-${stack}-${name}`.replace(/[^A-Za-z0-9_-]/g, "-").replace(/^[^0-9A-Za-z]+/, "").slice(0, 100);
}

/** Validates CIDR blocks for the public API endpoint. */
export function validateCidrs(cidrs: readonly string[], field: string): string[] {
    if (cidrs.length === 0) {
        invalid(field, cidrs, "is empty", "leave it unset for a private-only endpoint, or list the CIDR blocks that may reach the public endpoint");
    }
    cidrs.forEach((c, i) => {
        const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(c);
        if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) > 32) {
            invalid(`${field}[${i}]`, c, "is not an IPv4 CIDR block", 'write it as "203.0.113.0/24"');
        }
    });
    return [...cidrs];
}

/** `https://oidc.eks.eu-west-1.amazonaws.com/id/ABC` or without the scheme → `oidc.eks.eu-west-1.amazonaws.com/id/ABC`. */
export function oidcIssuerHost(url: string): string {
    return url.replace(/^https:\/\//, "").replace(/\/+$/, "");
}

// ---------------------------------------------------------------------------------------------
// Trust policies
// ---------------------------------------------------------------------------------------------

export interface TrustStatement {
    Sid: string;
    Effect: "Allow";
    Principal: { Federated: string } | { Service: string };
    Action: string | string[];
    Condition: ConditionBlock;
}

export interface TrustPolicyDocument {
    Version: "2012-10-17";
    Statement: TrustStatement[];
}

/** Where the pod runs: its namespace and ServiceAccount. */
export interface PodIdentitySubject {
    namespace: string;
    serviceAccount: string;
}

/**
 * IAM roles for service accounts (IRSA): the cluster's OIDC provider may exchange a token for this
 * role only when the token was issued to this ServiceAccount (`sub`) for STS (`aud`).
 */
export function irsaTrustPolicy(args: PodIdentitySubject & { oidcProviderArn: string; issuer: string }): TrustPolicyDocument {
    const issuer = oidcIssuerHost(args.issuer);
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "ServiceAccountWebIdentity",
                Effect: "Allow",
                Principal: { Federated: args.oidcProviderArn },
                Action: "sts:AssumeRoleWithWebIdentity",
                Condition: {
                    StringEquals: {
                        [`${issuer}:sub`]: `system:serviceaccount:${args.namespace}:${args.serviceAccount}`,
                        [`${issuer}:aud`]: "sts.amazonaws.com",
                    },
                },
            },
        ],
    };
}

/**
 * EKS Pod Identity: the EKS Auth service may assume the role (and tag the session) only for this
 * cluster, namespace and ServiceAccount, read from the session tags Pod Identity sets.
 */
export function podIdentityTrustPolicy(args: PodIdentitySubject & { clusterName: string }): TrustPolicyDocument {
    return {
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "EksPodIdentity",
                Effect: "Allow",
                Principal: { Service: "pods.eks.amazonaws.com" },
                Action: ["sts:AssumeRole", "sts:TagSession"],
                Condition: {
                    StringEquals: {
                        "aws:RequestTag/eks-cluster-name": args.clusterName,
                        "aws:RequestTag/kubernetes-namespace": args.namespace,
                        "aws:RequestTag/kubernetes-service-account": args.serviceAccount,
                    },
                },
            },
        ],
    };
}
