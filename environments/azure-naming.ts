import { createHash } from "node:crypto";

/** The Azure resource types this project names, with each type's naming rule. */
export type AzureResourceType =
  | "resourceGroup"
  | "managedResourceGroup"
  | "storageAccount"
  | "keyVault"
  | "databricksWorkspace"
  | "accessConnector"
  | "eventHubNamespace"
  | "logAnalyticsWorkspace"
  | "virtualNetwork"
  | "networkSecurityGroup"
  | "subnet"
  | "privateEndpoint"
  | "natGateway"
  | "publicIp";

interface NamingRule {
  /** Abbreviation that starts the name (Cloud Adoption Framework style). */
  readonly abbreviation: string;
  readonly minLength: number;
  readonly maxLength: number;
  readonly pattern: RegExp;
  /** Human description of `pattern`, used in error messages. */
  readonly allowed: string;
  /** Globally unique names (DNS names) get a stable suffix so two tenants never collide. */
  readonly globallyUnique: boolean;
  /** Whether parts are joined with hyphens; storage accounts allow none. */
  readonly separator: "-" | "";
}

/**
 * Naming rules from the Azure documentation "Naming rules and restrictions for Azure resources".
 * @see https://learn.microsoft.com/azure/azure-resource-manager/management/resource-name-rules
 */
const RULES: Readonly<Record<AzureResourceType, NamingRule>> = {
  resourceGroup: {
    abbreviation: "rg",
    minLength: 1,
    maxLength: 90,
    pattern: /^[a-zA-Z0-9_().-]*[a-zA-Z0-9_()-]$/,
    allowed: "letters, digits, '_', '-', '.', '(' and ')', not ending with '.'",
    globallyUnique: false,
    separator: "-",
  },
  managedResourceGroup: {
    abbreviation: "rg",
    minLength: 1,
    maxLength: 90,
    pattern: /^[a-zA-Z0-9_().-]*[a-zA-Z0-9_()-]$/,
    allowed: "letters, digits, '_', '-', '.', '(' and ')', not ending with '.'",
    globallyUnique: false,
    separator: "-",
  },
  storageAccount: {
    abbreviation: "st",
    minLength: 3,
    maxLength: 24,
    pattern: /^[a-z0-9]+$/,
    allowed: "lowercase letters and digits only",
    globallyUnique: true,
    separator: "",
  },
  keyVault: {
    abbreviation: "kv",
    minLength: 3,
    maxLength: 24,
    pattern: /^[a-zA-Z](?!.*--)[a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    allowed: "letters, digits and single hyphens, starting with a letter and ending with a letter or digit",
    globallyUnique: true,
    separator: "-",
  },
  databricksWorkspace: {
    abbreviation: "dbw",
    minLength: 3,
    maxLength: 64,
    pattern: /^[a-zA-Z0-9_-]+$/,
    allowed: "letters, digits, '_' and '-'",
    globallyUnique: false,
    separator: "-",
  },
  accessConnector: {
    abbreviation: "dbac",
    minLength: 3,
    maxLength: 64,
    pattern: /^[a-zA-Z0-9_.-]+$/,
    allowed: "letters, digits, '_', '.' and '-'",
    globallyUnique: false,
    separator: "-",
  },
  eventHubNamespace: {
    abbreviation: "evhns",
    minLength: 6,
    maxLength: 50,
    pattern: /^[a-zA-Z][a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    allowed: "letters, digits and hyphens, starting with a letter and ending with a letter or digit",
    globallyUnique: true,
    separator: "-",
  },
  logAnalyticsWorkspace: {
    abbreviation: "log",
    minLength: 4,
    maxLength: 63,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]$/,
    allowed: "letters, digits and hyphens, starting and ending with a letter or digit",
    globallyUnique: false,
    separator: "-",
  },
  virtualNetwork: {
    abbreviation: "vnet",
    minLength: 2,
    maxLength: 64,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]$/,
    allowed: "letters, digits, '_', '.' and '-', starting with a letter or digit",
    globallyUnique: false,
    separator: "-",
  },
  networkSecurityGroup: {
    abbreviation: "nsg",
    minLength: 1,
    maxLength: 80,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]$/,
    allowed: "letters, digits, '_', '.' and '-', starting with a letter or digit",
    globallyUnique: false,
    separator: "-",
  },
  subnet: {
    abbreviation: "snet",
    minLength: 1,
    maxLength: 80,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]$/,
    allowed: "letters, digits, '_', '.' and '-', starting with a letter or digit",
    globallyUnique: false,
    separator: "-",
  },
  privateEndpoint: {
    abbreviation: "pep",
    minLength: 2,
    maxLength: 64,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]$/,
    allowed: "letters, digits, '_', '.' and '-', starting with a letter or digit",
    globallyUnique: false,
    separator: "-",
  },
  natGateway: {
    abbreviation: "ng",
    minLength: 1,
    maxLength: 80,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]$/,
    allowed: "letters, digits, '_', '.' and '-', starting with a letter or digit",
    globallyUnique: false,
    separator: "-",
  },
  publicIp: {
    abbreviation: "pip",
    minLength: 1,
    maxLength: 80,
    pattern: /^[a-zA-Z0-9][a-zA-Z0-9_.-]*[a-zA-Z0-9_]$/,
    allowed: "letters, digits, '_', '.' and '-', starting with a letter or digit",
    globallyUnique: false,
    separator: "-",
  },
};

/** What the naming helper needs to know about an environment. */
export interface NamingInput {
  readonly prefix: string;
  readonly environmentCode: string;
  readonly regionCode: string;
  /** Seed of the stable suffix for globally unique names (the subscription id keeps tenants apart). */
  readonly uniquenessSeed: string;
}

/** A derived name that breaks its resource type's rule. */
export interface NamingViolation {
  readonly type: AzureResourceType;
  readonly name: string;
  readonly problem: string;
}

/**
 * Derives every Azure resource name from the environment, so no name is typed by hand anywhere.
 *
 * Names read `<abbreviation>-<prefix>-<env code>-<region code>[-<qualifier>][-<suffix>]`; storage accounts drop
 * the hyphens. Globally unique types get a 4-character suffix hashed from the uniqueness seed, stable across
 * synths so a redeploy never renames (and so never replaces) a resource.
 */
export class AzureNaming {
  /** The 4-character stable suffix of globally unique names. */
  public readonly suffix: string;

  constructor(private readonly input: NamingInput) {
    this.suffix = createHash("sha256")
      .update(`${input.uniquenessSeed}/${input.prefix}/${input.environmentCode}/${input.regionCode}`)
      .digest("hex")
      .slice(0, 4);
  }

  /**
   * The name of a resource of `type`; `qualifier` tells apart several resources of one type.
   * Throws when the name breaks the type's rule (a shorter qualifier, prefix or code fixes it).
   */
  public nameOf(type: AzureResourceType, qualifier?: string): string {
    const name = this.derive(type, qualifier);
    const problem = checkName(type, name);
    if (problem) {
      throw new Error(
        `${problem}; shorten azure.namingPrefix, code${qualifier ? ` or qualifier '${qualifier}'` : ""}`,
      );
    }
    return name;
  }

  /** Checks the names of every resource type the platform creates against their rules. */
  public violations(): NamingViolation[] {
    return (Object.keys(RULES) as AzureResourceType[]).flatMap((type) => {
      const name = this.derive(type);
      const problem = checkName(type, name);
      return problem ? [{ type, name, problem }] : [];
    });
  }

  private derive(type: AzureResourceType, qualifier?: string): string {
    const rule = RULES[type];
    const parts = [rule.abbreviation, this.input.prefix, this.input.environmentCode, this.input.regionCode];
    if (type === "managedResourceGroup") parts.push("dbw", "managed");
    if (qualifier) parts.push(qualifier);
    if (rule.globallyUnique) parts.push(this.suffix);
    const name = parts.join(rule.separator);
    return rule.separator === "" ? name.toLowerCase() : name;
  }
}

/** Returns why `name` breaks the rule of `type`, or undefined when it is valid. */
export function checkName(type: AzureResourceType, name: string): string | undefined {
  const rule = RULES[type];
  if (name.length < rule.minLength || name.length > rule.maxLength) {
    return `${type} name '${name}' is ${name.length} characters; Azure allows ${rule.minLength}-${rule.maxLength}`;
  }
  if (!rule.pattern.test(name)) {
    return `${type} name '${name}' may contain ${rule.allowed}`;
  }
  return undefined;
}
