/** Registry key of the 9-pathway family (docs/spec.md §2). */
export const NINE_PATHWAY_FAMILY = 'nine-pathway';
