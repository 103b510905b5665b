import { describe, expect, it } from 'vitest';
import * as dcs from '../src/ruby/debug_counters.js';
import { DEBUG_COUNTER_NAMES, DebugCounters } from '../src/ruby/debug_counters.js';
import * as layout from '../src/ruby/layout.js';

describe("RB_DEBUG_COUNTER names (debug_counter.h) and the model's own", () => {
  it('every DC_<NAME> index points at the counter named <name>, and every name has one', () => {
    const indices = Object.entries(dcs).filter(([k]) => k.startsWith('DC_')) as [string, number][];
    expect(indices.length).toBe(DEBUG_COUNTER_NAMES.length);
    for (const [k, i] of indices) expect(DEBUG_COUNTER_NAMES[i]).toBe(k.slice(3).toLowerCase());
  });

  it("lists CRuby's method-cache counters (RB_DEBUG_COUNTER names) first, then the model's own", () => {
    expect(DEBUG_COUNTER_NAMES.slice(0, 16)).toEqual([
      'mc_inline_hit', 'mc_inline_miss_klass', 'mc_inline_miss_invalidated', 'cc_new', 'cc_found_in_ccs', 'cc_not_found_in_ccs', 'ccs_free',
      'cc_ent_invalidate', 'cc_cme_invalidate', 'cc_invalidate_leaf', 'cc_invalidate_leaf_ccs', 'cc_invalidate_leaf_callable', 'cc_invalidate_tree',
      'cc_invalidate_tree_cme', 'cc_invalidate_tree_callable', 'cc_invalidate_negative',
    ]);
    expect(DEBUG_COUNTER_NAMES.slice(16)).toEqual([
      'method_missing', 'search_method', 'cc_pool_exhausted', 'pic_hit', 'pic_new', 'pic_megamorphic', 'serial_imc_hit', 'serial_gmc_hit',
      'serial_gmc_miss', 'serial_bump', 'include_invalidate', 'prepend_invalidate', 'iclass_new', 'origin_new', 'call_zsuper', 'call_refined',
      'call_protected', 'argument_error', 'super_call', 'bind_call',
    ]);
  });
});

describe("one actor's counters", () => {
  it('get reads a counter by name; toJSON leaves out the zeros, in name order', () => {
    const dc = new DebugCounters();
    expect(dc.v.length).toBe(36);
    expect(dc.toJSON()).toEqual({});
    dc.v[dcs.DC_SERIAL_BUMP] = 3;
    dc.v[dcs.DC_MC_INLINE_HIT] = 1;
    dc.v[dcs.DC_BIND_CALL] = 2;
    expect(dc.get('serial_bump')).toBe(3);
    expect(dc.get('cc_new')).toBe(0);
    expect(JSON.stringify(dc)).toBe('{"mc_inline_hit":1,"serial_bump":3,"bind_call":2}');
  });

  it('sum adds several actors by name; an actor that returned none counts nothing', () => {
    expect(DebugCounters.sum([{ cc_new: 2, pic_hit: 1 }, undefined, { cc_new: 3 }, {}])).toEqual({ cc_new: 5, pic_hit: 1 });
    expect(DebugCounters.sum([])).toEqual({});
  });
});

describe("the image layout's derived sizes and names", () => {
  it('a call site keeps up to 11 receivers after its 5 fixed words; a CCS holds 8 (ci, cc) pairs after cme and len', () => {
    expect([layout.SITE_WORDS, layout.S_RECV, layout.MAX_RECV]).toEqual([16, 5, 11]);
    expect([layout.CCS_CAPA, layout.CCS_WORDS]).toEqual([8, 18]);
  });

  it("names the record types as CRuby's T_ constants read, index 0 being nil", () => {
    expect(layout.TYPE_NAMES).toEqual(['nil', 'class', 'module', 'iclass']);
    expect([layout.TYPE_NAMES[layout.T_CLASS], layout.TYPE_NAMES[layout.T_MODULE], layout.TYPE_NAMES[layout.T_ICLASS]]).toEqual(['class', 'module', 'iclass']);
  });

  it("uses CRuby's rb_method_type_t numbers and the visibility bits", () => {
    expect([layout.VM_METHOD_TYPE_ISEQ, layout.VM_METHOD_TYPE_IVAR, layout.VM_METHOD_TYPE_ZSUPER, layout.VM_METHOD_TYPE_UNDEF, layout.VM_METHOD_TYPE_REFINED]).toEqual([0, 3, 5, 7, 11]);
    expect(layout.METHOD_VISI_MASK).toBe(layout.METHOD_VISI_PRIVATE | layout.METHOD_VISI_PROTECTED);
  });
});
