/** "Did you mean ...?" for a mistyped key: the known key closest by edit distance, when it is close enough. */

/** Levenshtein distance, case-insensitive (a wrong case is one typo, not many). */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      current[j] = Math.min(
        previous[j] + 1,
        current[j - 1] + 1,
        previous[j - 1] + (x[i - 1] === y[j - 1] ? 0 : 1),
      );
    }
    previous = current;
  }
  return previous[y.length];
}

/** The known key nearest to `key`, if at most a third of its length (and at least one edit) away. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(key.length / 3));
  const ranked = known
    .map((k) => ({ k, d: editDistance(key, k) }))
    .filter(({ d }) => d <= limit)
    .sort((a, b) => a.d - b.d || a.k.localeCompare(b.k));
  return ranked[0]?.k;
}
