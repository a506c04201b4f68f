/** A node of a dependency graph: its key and the keys it depends on. */
export interface GraphNode {
  readonly key: string;
  readonly dependsOn: readonly string[];
}

/** Returns the keys along a cycle of `nodes` (first key repeated at the end), or undefined when acyclic. */
export function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const state = new Map<string, "visiting" | "done">();
  const stack: string[] = [];
  const visit = (key: string): string[] | undefined => {
    if (state.get(key) === "done") return undefined;
    if (state.get(key) === "visiting") return [...stack.slice(stack.indexOf(key)), key];
    state.set(key, "visiting");
    stack.push(key);
    for (const dep of byKey.get(key)?.dependsOn ?? []) {
      const cycle = visit(dep);
      if (cycle) return cycle;
    }
    stack.pop();
    state.set(key, "done");
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node.key);
    if (cycle) return cycle;
  }
  return undefined;
}
