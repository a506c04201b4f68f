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
