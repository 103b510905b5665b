/**
 * CRuby's RB_DEBUG_COUNTER names for what the method cache does, plus the model's own
 * (marked). Each actor keeps its counters locally (CRuby's are process-wide and racy; a
 * per-actor array costs no contention) and returns them with its result.
 */
export const DEBUG_COUNTER_NAMES = [
  'mc_inline_hit',
  'mc_inline_miss_klass',
  'mc_inline_miss_invalidated',
  'cc_new',
  'cc_found_in_ccs',
  'cc_not_found_in_ccs',
  'ccs_free',
  'cc_ent_invalidate',
  'cc_cme_invalidate',
  'cc_invalidate_leaf',
  'cc_invalidate_leaf_ccs',
  'cc_invalidate_leaf_callable',
  'cc_invalidate_tree',
  'cc_invalidate_tree_cme',
  'cc_invalidate_tree_callable',
  'cc_invalidate_negative',
  // The model's own:
  'method_missing',
  'search_method',
  'cc_pool_exhausted',
  'pic_hit',
  'pic_new',
  'pic_megamorphic',
  'serial_imc_hit',
  'serial_gmc_hit',
  'serial_gmc_miss',
  'serial_bump',
  'include_invalidate',
  'prepend_invalidate',
  'iclass_new',
  'origin_new',
  'call_zsuper',
  'call_refined',
  'call_protected',
  'argument_error',
  'super_call',
  'bind_call',
] as const;
export type DebugCounterName = (typeof DEBUG_COUNTER_NAMES)[number];

export const DC_MC_INLINE_HIT = 0;
export const DC_MC_INLINE_MISS_KLASS = 1;
export const DC_MC_INLINE_MISS_INVALIDATED = 2;
export const DC_CC_NEW = 3;
export const DC_CC_FOUND_IN_CCS = 4;
export const DC_CC_NOT_FOUND_IN_CCS = 5;
export const DC_CCS_FREE = 6;
export const DC_CC_ENT_INVALIDATE = 7;
export const DC_CC_CME_INVALIDATE = 8;
export const DC_CC_INVALIDATE_LEAF = 9;
export const DC_CC_INVALIDATE_LEAF_CCS = 10;
export const DC_CC_INVALIDATE_LEAF_CALLABLE = 11;
export const DC_CC_INVALIDATE_TREE = 12;
export const DC_CC_INVALIDATE_TREE_CME = 13;
export const DC_CC_INVALIDATE_TREE_CALLABLE = 14;
export const DC_CC_INVALIDATE_NEGATIVE = 15;
export const DC_METHOD_MISSING = 16;
export const DC_SEARCH_METHOD = 17;
export const DC_CC_POOL_EXHAUSTED = 18;
export const DC_PIC_HIT = 19;
export const DC_PIC_NEW = 20;
export const DC_PIC_MEGAMORPHIC = 21;
export const DC_SERIAL_IMC_HIT = 22;
export const DC_SERIAL_GMC_HIT = 23;
export const DC_SERIAL_GMC_MISS = 24;
export const DC_SERIAL_BUMP = 25;
/** rb_clear_method_cache calls made by include_modules_at (one per method of an included module). */
export const DC_INCLUDE_INVALIDATE = 26;
export const DC_PREPEND_INVALIDATE = 27;
export const DC_ICLASS_NEW = 28;
export const DC_ORIGIN_NEW = 29;
export const DC_CALL_ZSUPER = 30;
export const DC_CALL_REFINED = 31;
export const DC_CALL_PROTECTED = 32;
export const DC_ARGUMENT_ERROR = 33;
export const DC_SUPER_CALL = 34;
export const DC_BIND_CALL = 35;

/** One actor's counters: plain local numbers, folded into a report by name. */
export class DebugCounters {
  readonly v = new Float64Array(DEBUG_COUNTER_NAMES.length);

  get(name: DebugCounterName): number {
    return this.v[DEBUG_COUNTER_NAMES.indexOf(name)];
  }

  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    DEBUG_COUNTER_NAMES.forEach((n, i) => {
      if (this.v[i] !== 0) out[n] = this.v[i];
    });
    return out;
  }

  /** Sum of several actors' counters (as returned by toJSON). */
  static sum(all: ReadonlyArray<Record<string, number> | undefined>): Record<string, number> {
    const out: Record<string, number> = {};
    for (const c of all) for (const [k, v] of Object.entries(c ?? {})) out[k] = (out[k] ?? 0) + v;
    return out;
  }
}
