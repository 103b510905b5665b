/**
 * rb_callinfo packed into a word, as vm_callinfo.h embeds it in a VALUE on 64-bit hosts:
 * tag bit 1, argc in 15 bits from bit 1, flag in 16 bits from bit 16, mid in the upper 32
 * bits. The image keeps the two 32-bit halves side by side (S_CI, S_MID); a pCMC entry
 * keys on the low half alone, because within one mid's entries only argc and flag differ
 * (vm_search_cc compares exactly those). A call with keywords is not embeddable in CRuby
 * (it carries a kwarg table); the model has none.
 */
export const CI_EMBED_TAG = 1;
export const CI_EMBED_ARGC_SHFT = 1;
export const CI_EMBED_ARGC_MASK = (1 << 15) - 1;
export const CI_EMBED_FLAG_SHFT = 16;
export const CI_EMBED_FLAG_MASK = (1 << 16) - 1;

/** enum vm_call_flag_bits, as CRuby 3.3 numbers them (the ones the model uses). */
export const VM_CALL_ARGS_SPLAT = 1 << 0;
export const VM_CALL_ARGS_BLOCKARG = 1 << 1;
export const VM_CALL_FCALL = 1 << 2;
export const VM_CALL_VCALL = 1 << 3;
export const VM_CALL_ARGS_SIMPLE = 1 << 4;
/** A `super` call site (the model's guilds send it through Guild.callSuper). */
export const VM_CALL_SUPER = 1 << 8;

/** The low word of an embedded CI. argc and flag must fit their fields (checked by the caller's config). */
export function vm_ci_pack(argc: number, flag: number): number {
  return (CI_EMBED_TAG | (argc << CI_EMBED_ARGC_SHFT) | (flag << CI_EMBED_FLAG_SHFT)) | 0;
}

export function vm_ci_argc(ciLo: number): number {
  return (ciLo >>> CI_EMBED_ARGC_SHFT) & CI_EMBED_ARGC_MASK;
}

export function vm_ci_flag(ciLo: number): number {
  return (ciLo >>> CI_EMBED_FLAG_SHFT) & CI_EMBED_FLAG_MASK;
}

/** The whole 64-bit VALUE, for display and tests (never on a hot path). */
export function vm_ci_value(ciLo: number, mid: number): bigint {
  return (BigInt(mid >>> 0) << 32n) | BigInt(ciLo >>> 0);
}
