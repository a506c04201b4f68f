// Prints, as JSON, the arguments whose change makes the Databricks provider replace a resource (ForceNew in
// the provider's own schema), for the Unity Catalog securables that hold data or that data holders refer to.
// scripts/tools/build-tools.sh builds it against the provider version it validates with; the revision diff
// (scripts/tools/diff.ts) judges changes, and changes that references carry, by this table.
//
// Output: {"provider_version": "...", "resources": {"databricks_schema": ["catalog_name", ...], ...}}; nested
// arguments as dotted paths (`azure_managed_identity.access_connector_id`).
package main

import (
	"encoding/json"
	"os"
	"sort"

	"github.com/databricks/terraform-provider-databricks/catalog"
	"github.com/databricks/terraform-provider-databricks/common"
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
)

// The provider's own constructors; the types the lakehouse stacks create that hold data or name a holder.
var resources = map[string]func() common.Resource{
	"databricks_catalog":            catalog.ResourceCatalog,
	"databricks_schema":             catalog.ResourceSchema,
	"databricks_volume":             catalog.ResourceVolume,
	"databricks_sql_table":          catalog.ResourceSqlTable,
	"databricks_external_location":  catalog.ResourceExternalLocation,
	"databricks_storage_credential": catalog.ResourceStorageCredential,
	"databricks_grants":             catalog.ResourceGrants,
	"databricks_grant":              catalog.ResourceGrant,
}

func forceNew(prefix string, fields map[string]*schema.Schema, out *[]string) {
	for name, field := range fields {
		path := prefix + name
		if field.ForceNew {
			*out = append(*out, path)
		}
		if inner, ok := field.Elem.(*schema.Resource); ok {
			forceNew(path+".", inner.Schema, out)
		}
	}
}

func main() {
	version := "unknown"
	if len(os.Args) > 1 {
		version = os.Args[1]
	}
	table := map[string][]string{}
	for name, build := range resources {
		found := []string{}
		forceNew("", build().ToResource().Schema, &found)
		sort.Strings(found)
		table[name] = found
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	if err := encoder.Encode(map[string]any{"provider_version": version, "resources": table}); err != nil {
		os.Exit(1)
	}
}
