/**
 * The one way a name becomes part of a construct id: `unity-catalog` -> `UnityCatalog`, `cart_events` ->
 * `CartEvents`, `azuredatabricks.net` -> `AzuredatabricksNet`. Construct ids are Terraform addresses, so every
 * construct that derives an id from a name uses this, and changing it is a breaking change (a replace).
 */
export function pascal(name: string): string {
  return name
    .split(/[^a-zA-Z0-9]+/)
    .filter((part) => part.length > 0)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join("");
}
