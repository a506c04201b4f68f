/**
 * Azure regions this project can deploy to, with the short code that goes into every resource name.
 *
 * The codes follow the abbreviations in Microsoft's Cloud Adoption Framework naming examples; a region
 * missing here is a config error rather than a silently invented code, so names stay predictable.
 * Add a region by adding one line.
 */
export const AZURE_REGION_CODES: Readonly<Record<string, string>> = {
  australiaeast: "aue",
  brazilsouth: "brs",
  canadacentral: "cac",
  centralindia: "inc",
  centralus: "cus",
  eastasia: "ea",
  eastus: "eus",
  eastus2: "eus2",
  francecentral: "frc",
  germanywestcentral: "gwc",
  japaneast: "jpe",
  northeurope: "neu",
  norwayeast: "nwe",
  southeastasia: "sea",
  swedencentral: "sdc",
  switzerlandnorth: "szn",
  uksouth: "uks",
  westeurope: "weu",
  westus2: "wus2",
  westus3: "wus3",
};

/** Returns the short code of an Azure region, or undefined when the region is not supported. */
export function regionCode(location: string): string | undefined {
  return Object.hasOwn(AZURE_REGION_CODES, location) ? AZURE_REGION_CODES[location] : undefined;
}

/**
 * Azure's region pairs among the supported regions: the paired region is where geo-redundant storage keeps
 * its secondary copy, so it is the natural DR region.
 * @see https://learn.microsoft.com/azure/reliability/cross-region-replication-azure
 */
const AZURE_REGION_PAIRS: Readonly<Record<string, string>> = {
  australiaeast: "australiasoutheast",
  brazilsouth: "southcentralus",
  canadacentral: "canadaeast",
  centralindia: "southindia",
  centralus: "eastus2",
  eastasia: "southeastasia",
  eastus: "westus",
  eastus2: "centralus",
  francecentral: "francesouth",
  germanywestcentral: "germanynorth",
  japaneast: "japanwest",
  northeurope: "westeurope",
  norwayeast: "norwaywest",
  southeastasia: "eastasia",
  swedencentral: "swedensouth",
  switzerlandnorth: "switzerlandwest",
  uksouth: "ukwest",
  westeurope: "northeurope",
  westus2: "westcentralus",
  westus3: "eastus",
};

/** The Azure pair of a supported region (where GRS keeps its secondary), or undefined. */
export function pairedRegion(location: string): string | undefined {
  return Object.hasOwn(AZURE_REGION_PAIRS, location) ? AZURE_REGION_PAIRS[location] : undefined;
}
