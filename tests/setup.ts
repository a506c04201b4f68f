// Registers cdktf's jest matchers (toHaveResource, toHaveResourceWithProperties, toBeValidTerraform, ...).
import { Testing } from "cdktn";

Testing.setupJest();
