/** Number formatting shared by the charts' captions and the page, so both print a value the same way. */

export function fmtNum(value: number, digits = 3): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '−∞';
  return value.toFixed(digits);
}

export function fmtPct(share: number, digits = 0): string {
  if (!Number.isFinite(share)) return 'n/a';
  return `${(share * 100).toFixed(digits)} %`;
}

export function fmtCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** "Store=12 · Brand=tropicana" from the partition columns and the key values. */
export function keyLabel(partitionBy: readonly string[], key: readonly string[]): string {
  return key.map((value, i) => `${partitionBy[i] ?? `k${i}`}=${value}`).join(' · ');
}
