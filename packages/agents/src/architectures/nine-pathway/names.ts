/** Registry key of the 9-pathway family (SPEC §2). */
export const NINE_PATHWAY_FAMILY = 'nine-pathway';
