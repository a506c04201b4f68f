import { ConsumptionBudgetResourceGroup } from "@cdktn/provider-azurerm/lib/consumption-budget-resource-group";
import { Construct } from "constructs";

/** One budget notification: a percent of the amount, of actual or forecast spend. */
export interface BudgetThreshold {
  readonly percent: number;
  readonly type: "Actual" | "Forecasted";
}

/** Properties of a {@link CostBudget}. */
export interface CostBudgetProps {
  /** Budget name. */
  readonly name: string;
  /** Resource group whose cost is counted (the environment's). */
  readonly resourceGroupId: string;
  /** Monthly amount in the billing currency. */
  readonly monthlyAmount: number;
  /** First month counted, `YYYY-MM`. */
  readonly startMonth: string;
  /** When to notify; at most 5 (an Azure limit). */
  readonly thresholds: readonly BudgetThreshold[];
  /** Action groups notified at every threshold. */
  readonly actionGroupIds: readonly string[];
}

/**
 * A monthly Azure consumption budget on the environment's resource group; every threshold notifies the
 * platform's action group. A budget alerts, it never stops resources.
 *
 * @see https://learn.microsoft.com/azure/cost-management-billing/costs/tutorial-acm-create-budgets
 */
export class CostBudget extends Construct {
  /** The `azurerm_consumption_budget_resource_group`. */
  public readonly resource: ConsumptionBudgetResourceGroup;

  constructor(scope: Construct, id: string, props: CostBudgetProps) {
    super(scope, id);
    if (props.thresholds.length === 0 || props.thresholds.length > 5) {
      throw new Error(`a budget takes 1-5 thresholds, got ${props.thresholds.length}`);
    }
    if (!/^\d{4}-\d{2}$/.test(props.startMonth)) {
      throw new Error(`startMonth must read like 2026-12, got '${props.startMonth}'`);
    }
    this.resource = new ConsumptionBudgetResourceGroup(this, "Resource", {
      name: props.name,
      resourceGroupId: props.resourceGroupId,
      amount: props.monthlyAmount,
      timeGrain: "Monthly",
      // Azure requires the first day of a month.
      timePeriod: { startDate: `${props.startMonth}-01T00:00:00Z` },
      notification: props.thresholds.map((t) => ({
        enabled: true,
        threshold: t.percent,
        thresholdType: t.type,
        operator: "GreaterThanOrEqualTo",
        contactGroups: [...props.actionGroupIds],
      })),
    });
  }
}
