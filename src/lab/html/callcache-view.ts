import { TRACE_WORDS } from '../det/block.js';
import { CC_IMEMO, EMPTY_CC, IMEMO_PIC, ME_OWNER, PIC_ENTRY0, PIC_MAX, SITE_WORDS, S_CD_CC, S_MID, VM_CLASS_SERIAL } from '../../ruby/layout.js';
import { SerialCache } from '../../ruby/serial_cache.js';
import { Vm, type VmRef } from '../../ruby/vm.js';
import type { Mem } from '../../shm/mem.js';

/** Call sites a frame draws: those the schedule touched last, where the failure is. */
const MAX_SITES = 8;
/** Receiver classes drawn per site. */
const MAX_RECV = 4;

/** A method entry: its index, owner, the body it runs (def serial; 0: none) and whether it was invalidated. */
export type MeInfo = [me: number, owner: string, body: number, invalidated: boolean];

export interface SiteFrame {
  site: number;
  mid: number;
  /** cd->cc (ccs design): the CC, or a PIC's CCs, each [cc, cc->klass, generation, cc->cme]. */
  cc: number;
  pic: boolean;
  ccs: Array<[cc: number, klass: string, gen: number, cme: MeInfo | null]>;
  /** Serial design: each copy's inline cache, [class serial it is keyed by, the entry it holds]. */
  imc: Array<[serial: number, me: MeInfo | null]>;
  /** The receivers: [class, its serial, what a method search finds there now]. */
  recv: Array<[klass: string, serial: number, want: MeInfo | null]>;
}

export interface CallCacheFrame {
  kind: 'callcache';
  design: string;
  /** The global class-serial counter (serial design) / VM class serial. */
  serial: number;
  sites: SiteFrame[];
}

/** A scenario state with a Ruby VM in the image (method-cache). */
export const hasVm = (state: unknown): state is { vm: VmRef } =>
  typeof state === 'object' && state !== null && 'vm' in state && typeof (state as { vm: unknown }).vm === 'object';

/** The call sites a trace touched (its sites or their inline caches), the last MAX_SITES by last touch, in site order. */
export function touchedSites(ref: VmRef, trace: Int32Array): number[] {
  const last = new Map<number, number>();
  const end = ref.sites + ref.config.sites * SITE_WORDS;
  for (let w = 0; w < trace.length; w += TRACE_WORDS) {
    const addr = trace[w + 1];
    const site = addr >= ref.sites && addr < end ? Math.floor((addr - ref.sites) / SITE_WORDS) : ref.serial ? SerialCache.siteOf(ref.serial, addr) : -1;
    if (site >= 0) last.set(site, w);
  }
  return [...last.entries()].sort((a, b) => b[1] - a[1]).slice(0, MAX_SITES).map(([s]) => s).sort((a, b) => a - b);
}

/**
 * The call caches as they stand: per call site, cd->cc and the CC's class and method entry
 * (or the serial design's inline caches, keyed by class serial), beside what a method search
 * from each receiver class finds now, so a cache that would run the wrong body shows.
 */
export function callCacheView(ref: VmRef, sites: readonly number[]): (mem: Mem) => () => CallCacheFrame {
  return (mem) => {
    const vm = new Vm(mem, ref);
    const { tree, mes, ccs } = vm;
    const copies = ref.serial ? Array.from({ length: ref.config.sharedSerial ? 1 : ref.serial.copies }, (_, c) => vm.serialCache(c)) : [];
    const me = (m: number): MeInfo | null => (m === 0 ? null : [m, tree.nameOf(mes.field(m, ME_OWNER)), mes.body(m), mes.invalidated(m)]);
    const cc = (c: number): SiteFrame['ccs'][number] => [c, tree.nameOf(ccs.klass(c)), ccs.gen(c), me(ccs.cme(c))];
    return () => ({
      kind: 'callcache',
      design: ref.config.design,
      serial: mem.load(ref.header + VM_CLASS_SERIAL),
      sites: sites.map((site): SiteFrame => {
        const mid = mem.load(vm.siteWord(site, S_MID));
        const cd = mem.load(vm.siteWord(site, S_CD_CC));
        const pic = cd !== EMPTY_CC && ccs.field(cd, CC_IMEMO) === IMEMO_PIC;
        const entries = pic ? Array.from({ length: PIC_MAX }, (_, i) => ccs.field(cd, PIC_ENTRY0 + i)).filter((c) => c !== 0) : cd === EMPTY_CC ? [] : [cd];
        const recv = Array.from({ length: Math.min(MAX_RECV, vm.receivers(site)) }, (_, i) => vm.receiver(site, i));
        return {
          site, mid, cc: cd, pic,
          ccs: entries.map(cc),
          imc: copies.map((c) => {
            const e = c.inlineCache(site);
            return [e.serial, me(e.me)];
          }),
          recv: recv.map((k) => [tree.nameOf(k), mem.load(tree.serialWord(k)), me(tree.searchMethod(k, mid))]),
        };
      }),
    });
  };
}
