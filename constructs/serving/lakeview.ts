import type { ServingQuery } from "./serving-query";

/**
 * The Lakeview dashboard model: datasets (queries), pages and widgets, written in TypeScript and rendered to
 * the serialized dashboard JSON `databricks_dashboard` takes. Widgets name dataset columns; a column the
 * dataset does not return is reported by {@link dashboardProblems} before anything is written.
 *
 * @see https://learn.microsoft.com/azure/databricks/dashboards/
 */

/** A dataset of a dashboard: one query and the title shown in the editor. */
export interface DatasetDefinition {
  readonly query: ServingQuery;
  readonly displayName: string;
}

interface WidgetBase {
  /** Dataset (query name) the widget reads. */
  readonly dataset: string;
  readonly title: string;
}

/** A line or bar chart: `y` over `x`, one series per value of `color`. */
export interface ChartWidget extends WidgetBase {
  readonly kind: "line" | "bar";
  readonly x: string;
  /** `temporal` for dates and times, `categorical` for names. */
  readonly xScale: "temporal" | "categorical";
  readonly y: string;
  /** @default one series */
  readonly color?: string;
}

/** A single number. */
export interface CounterWidget extends WidgetBase {
  readonly kind: "counter";
  readonly value: string;
}

/** A table of columns. */
export interface TableWidget extends WidgetBase {
  readonly kind: "table";
  readonly columns: readonly string[];
}

/** A pie chart: `angle` per `color`. */
export interface PieWidget extends WidgetBase {
  readonly kind: "pie";
  readonly angle: string;
  readonly color: string;
}

export type WidgetDefinition = ChartWidget | CounterWidget | TableWidget | PieWidget;

/** One page of a dashboard; widgets are laid out two per row (tables and counters span as they need). */
export interface PageDefinition {
  readonly name: string;
  readonly title: string;
  readonly widgets: readonly WidgetDefinition[];
}

/** A whole dashboard. */
export interface DashboardDefinition {
  readonly displayName: string;
  readonly datasets: readonly DatasetDefinition[];
  readonly pages: readonly PageDefinition[];
}

/** The dataset columns a widget uses. */
export function widgetFields(widget: WidgetDefinition): string[] {
  switch (widget.kind) {
    case "line":
    case "bar":
      return [widget.x, widget.y, ...(widget.color ? [widget.color] : [])];
    case "counter":
      return [widget.value];
    case "table":
      return [...widget.columns];
    case "pie":
      return [widget.angle, widget.color];
  }
}

/** Every problem of a dashboard definition: unknown datasets, columns a dataset lacks, duplicate names. */
export function dashboardProblems(definition: DashboardDefinition): string[] {
  const problems: string[] = [];
  const datasets = new Map(definition.datasets.map((d) => [d.query.name, d.query]));
  if (datasets.size !== definition.datasets.length) problems.push("dataset names must be unique");
  for (const page of definition.pages) {
    page.widgets.forEach((widget, i) => {
      const at = `page '${page.name}' widget ${i} ('${widget.title}')`;
      const query = datasets.get(widget.dataset);
      if (!query) {
        problems.push(`${at}: no dataset '${widget.dataset}'; datasets: ${[...datasets.keys()].join(", ")}`);
        return;
      }
      for (const field of widgetFields(widget)) {
        if (!query.columns.includes(field)) {
          problems.push(
            `${at}: dataset '${widget.dataset}' has no column '${field}'; it returns ${query.columns.join(", ")}`,
          );
        }
      }
    });
  }
  return problems;
}

const GRID_WIDTH = 6;

function heightOf(widget: WidgetDefinition): number {
  return widget.kind === "counter" ? 3 : widget.kind === "table" ? 8 : 6;
}

function widthOf(widget: WidgetDefinition): number {
  return widget.kind === "table" ? GRID_WIDTH : widget.kind === "counter" ? 2 : 3;
}

function field(name: string) {
  return { name, expression: `\`${name}\`` };
}

function specOf(widget: WidgetDefinition): Record<string, unknown> {
  const frame = { showTitle: true, title: widget.title };
  switch (widget.kind) {
    case "line":
    case "bar":
      return {
        version: 3,
        widgetType: widget.kind,
        encodings: {
          x: { fieldName: widget.x, scale: { type: widget.xScale }, displayName: widget.x },
          y: { fieldName: widget.y, scale: { type: "quantitative" }, displayName: widget.y },
          ...(widget.color
            ? {
                color: { fieldName: widget.color, scale: { type: "categorical" }, displayName: widget.color },
              }
            : {}),
        },
        frame,
      };
    case "counter":
      return {
        version: 2,
        widgetType: "counter",
        encodings: { value: { fieldName: widget.value, displayName: widget.value } },
        frame,
      };
    case "pie":
      return {
        version: 3,
        widgetType: "pie",
        encodings: {
          angle: { fieldName: widget.angle, scale: { type: "quantitative" }, displayName: widget.angle },
          color: { fieldName: widget.color, scale: { type: "categorical" }, displayName: widget.color },
        },
        frame,
      };
    case "table":
      return {
        version: 1,
        widgetType: "table",
        encodings: {
          columns: widget.columns.map((c) => ({ fieldName: c, displayName: c })),
        },
        frame,
      };
  }
}

/**
 * The serialized dashboard (`serialized_dashboard`): datasets with their query lines, pages with widgets on a
 * six-column grid, in declaration order, so the JSON is stable between syntheses.
 */
export function renderDashboard(definition: DashboardDefinition): string {
  const pages = definition.pages.map((page) => {
    let x = 0;
    let y = 0;
    let rowHeight = 0;
    const layout = page.widgets.map((widget, i) => {
      const width = widthOf(widget);
      const height = heightOf(widget);
      if (x + width > GRID_WIDTH) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      const position = { x, y, width, height };
      x += width;
      rowHeight = Math.max(rowHeight, height);
      return {
        widget: {
          name: `${page.name}_${i}`,
          queries: [
            {
              name: "main_query",
              query: {
                datasetName: widget.dataset,
                fields: [...new Set(widgetFields(widget))].map(field),
                disaggregated: true,
              },
            },
          ],
          spec: specOf(widget),
        },
        position,
      };
    });
    return { name: page.name, displayName: page.title, layout };
  });
  const datasets = definition.datasets.map((d) => ({
    name: d.query.name,
    displayName: d.displayName,
    queryLines: d.query.sql.split("\n").map((line, i, all) => (i < all.length - 1 ? `${line}\n` : line)),
  }));
  return JSON.stringify({ datasets, pages });
}
