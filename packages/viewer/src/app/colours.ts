/** One colour per cue channel (the grid, the legend and the sensed-input strips use the same). */
export const CHANNEL_COLOURS: readonly (readonly [number, number, number])[] = [
  [214, 39, 40],
  [31, 119, 180],
  [44, 160, 44],
  [255, 127, 14],
  [148, 103, 189],
  [140, 86, 75],
  [227, 119, 194],
  [23, 190, 207],
];

/** Line colours of the policies (panel headers and the sweep plot). */
export const POLICY_COLOURS = ['#333333', '#e6550d', '#3182bd', '#31a354'] as const;

export function channelColour(c: number): readonly [number, number, number] {
  return CHANNEL_COLOURS[c % CHANNEL_COLOURS.length];
}

export function rgb([r, g, b]: readonly [number, number, number]): string {
  return `rgb(${Math.round(r)},${Math.round(g)},${Math.round(b)})`;
}

/** White blended toward `colour` by v ∈ [0, 1]. */
export function tint(colour: readonly [number, number, number], v: number): [number, number, number] {
  const w = v < 0 ? 0 : v > 1 ? 1 : v;
  return [255 + (colour[0] - 255) * w, 255 + (colour[1] - 255) * w, 255 + (colour[2] - 255) * w];
}

/** Diverging blue–white–red for signed values scaled by `max`. */
export function diverging(v: number, max: number): string {
  const x = max > 0 ? Math.max(-1, Math.min(1, v / max)) : 0;
  return x >= 0 ? rgb(tint([202, 0, 32], x)) : rgb(tint([5, 113, 176], -x));
}
