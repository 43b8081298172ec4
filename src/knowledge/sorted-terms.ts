/**
 * Strings sorted by UTF-16 code unit (JavaScript's `<` and default sort), looked up by binary
 * search: the id of a term is its position. An index read back from a snapshot uses these instead
 * of a Map, so a restart splits one string where it used to hash hundreds of thousands of keys.
 */
export class SortedTerms {
  constructor(private readonly terms: readonly string[]) {}

  get size(): number {
    return this.terms.length;
  }

  keys(): IterableIterator<string> {
    return this.terms.values();
  }

  get(term: string): number | undefined {
    let lo = 0;
    let hi = this.terms.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const at = this.terms[mid] as string;
      if (at === term) return mid;
      if (at < term) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/** Positions 0…n-1 ordered by the strings at them (code-unit order). */
export function sortedOrder(strings: readonly string[]): Int32Array {
  const order = Int32Array.from(strings, (_, i) => i);
  return order.sort((a, b) => {
    const x = strings[a] as string;
    const y = strings[b] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
}
