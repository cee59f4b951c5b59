/** `x` as JSON can hold it: NaN and ±Infinity (an undefined fitness, a curve point not measured) become null. */
export function jsonNumber(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
