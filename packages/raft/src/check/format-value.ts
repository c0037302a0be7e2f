/**
 * Renders a value for humans: JSON where possible (Maps and Sets as arrays,
 * bigints as `123n`), `undefined` as `undefined`, anything else via `String`.
 */
export function formatValue(v: unknown): string {
  if (v === undefined) return 'undefined';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'symbol' || typeof v === 'function') return String(v);
  try {
    return (
      JSON.stringify(v, (_k, x: unknown) => {
        if (typeof x === 'bigint') return `${x}n`;
        if (x instanceof Map) return [...x.entries()];
        if (x instanceof Set) return [...x.values()];
        return x;
      }) ?? String(v)
    );
  } catch {
    return String(v);
  }
}
