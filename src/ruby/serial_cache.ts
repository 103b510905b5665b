import type { Violation } from '../core/violation.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import type { ClassTree } from './class_tree.js';
import {
  DC_SEARCH_METHOD, DC_SERIAL_BUMP, DC_SERIAL_GMC_HIT, DC_SERIAL_GMC_MISS, DC_SERIAL_IMC_HIT, type DebugCounters,
} from './debug_counters.js';
import { T_MODULE } from './layout.js';

/** GLOBAL_METHOD_CACHE_SIZE of Ruby 2.x. */
export const GLOBAL_METHOD_CACHE_SIZE = 0x800;
const GMC_WORDS = 4;
const GMC_CLASS_SERIAL = 0;
const GMC_MID = 1;
const GMC_ME = 2;
const IMC_WORDS = 2;
const IMC_CLASS_SERIAL = 0;
const IMC_ME = 1;

export interface SerialCacheRef {
  /** One inline cache per call site per copy. */
  imc: number;
  gmc: number;
  copies: number;
  sites: number;
}

/**
 * The design #16614 replaced (Ruby 2.x): every class has a serial, bumped for the class
 * and all its subclasses whenever a method of it changes; a call site's inline cache is
 * keyed by the receiver class's serial and filled in place; behind it a fixed-size global
 * method cache keyed by (class serial, mid).
 *
 * Run correctly among parallel guilds it needs a private copy of every cache per guild
 * (O(guilds) memory, the seed's objection), and two orderings that the GVL made moot: a
 * guild reads the serial *before* it searches, and the redefiner bumps serials *after* it
 * changes the table. Then a cache keyed by serial s holds an entry that was the lookup
 * result while the serial was s. Ruby 2.x filled the cache as `me` first, then the serial
 * (vm_search_method); with one copy shared by guilds (the broken variant, plain stores)
 * a guild can pair one class's serial with another's entry: a wrong dispatch.
 *
 * The model caches raw method entries (for a module's method, the module's own entry):
 * what a call runs is its definition, which a complemented copy shares.
 */
export class SerialCache {
  private readonly imcBase: number;
  private readonly gmcBase: number;

  constructor(
    private readonly mem: Mem,
    readonly ref: SerialCacheRef,
    private readonly tree: ClassTree,
    readonly dc: DebugCounters,
    /** Which copy this guild uses (0 when shared). */
    copy: number,
    /** The broken variant: one shared copy, Ruby 2.x's fill order, plain accesses. */
    readonly shared: boolean,
  ) {
    this.imcBase = ref.imc + copy * ref.sites * IMC_WORDS;
    this.gmcBase = ref.gmc + copy * GLOBAL_METHOD_CACHE_SIZE * GMC_WORDS;
  }

  static create(arena: Arena, copies: number, sites: number): SerialCacheRef {
    return {
      imc: arena.allocWords('ruby.serial.imc', copies * sites * IMC_WORDS),
      gmc: arena.allocWords('ruby.serial.gmc', copies * GLOBAL_METHOD_CACHE_SIZE * GMC_WORDS),
      copies,
      sites,
    };
  }

  static words(copies: number, sites: number): number {
    return 64 + copies * (sites * IMC_WORDS + GLOBAL_METHOD_CACHE_SIZE * GMC_WORDS);
  }

  /** The inline cache of call site `site` in this copy, as it stands: the class serial it is keyed by and the entry it holds. */
  inlineCache(site: number): { serial: number; me: number } {
    const imc = this.imcBase + site * IMC_WORDS;
    // Stryker disable next-line ArithmeticOperator: IMC_CLASS_SERIAL is 0, so `- IMC_CLASS_SERIAL` is the same word
    const serial = this.mem.load(imc + IMC_CLASS_SERIAL);
    return { serial, me: this.mem.load(imc + IMC_ME) };
  }

  /** The call site whose inline cache (in any copy) holds image word `word`, or -1. */
  static siteOf(ref: SerialCacheRef, word: number): number {
    const i = word - ref.imc;
    return i >= 0 && i < ref.copies * ref.sites * IMC_WORDS ? Math.floor(i / IMC_WORDS) % ref.sites : -1;
  }

  /** vm_search_method of Ruby 2.x: the method entry that a call at `site` on a `klass` receiver runs (0: none). */
  search(site: number, klass: number, mid: number): number {
    const mem = this.mem;
    const imc = this.imcBase + site * IMC_WORDS;
    const serial = mem.load(this.tree.serialWord(klass));
    if (this.shared) {
      // Stryker disable next-line ArithmeticOperator: IMC_CLASS_SERIAL is 0, so `- IMC_CLASS_SERIAL` is the same word
      if (mem.read(imc + IMC_CLASS_SERIAL) === serial) {
        this.dc.v[DC_SERIAL_IMC_HIT]++;
        return mem.read(imc + IMC_ME);
      }
      mem.write(imc + IMC_ME, this.methodEntry(klass, mid, serial));
      // Stryker disable next-line ArithmeticOperator: IMC_CLASS_SERIAL is 0, so `- IMC_CLASS_SERIAL` is the same word
      mem.write(imc + IMC_CLASS_SERIAL, mem.load(this.tree.serialWord(klass)));
      return mem.read(imc + IMC_ME);
    }
    // Stryker disable next-line ArithmeticOperator: IMC_CLASS_SERIAL is 0, so `- IMC_CLASS_SERIAL` is the same word
    if (mem.load(imc + IMC_CLASS_SERIAL) === serial) {
      this.dc.v[DC_SERIAL_IMC_HIT]++;
      return mem.load(imc + IMC_ME);
    }
    const me = this.methodEntry(klass, mid, serial);
    mem.store(imc + IMC_ME, me);
    // Stryker disable next-line ArithmeticOperator: IMC_CLASS_SERIAL is 0, so `- IMC_CLASS_SERIAL` is the same word
    mem.store(imc + IMC_CLASS_SERIAL, serial);
    return me;
  }

  /** method_entry_get: the global method cache, then the class tree; fills the cache under `serial`. */
  private methodEntry(klass: number, mid: number, serial: number): number {
    const mem = this.mem;
    const e = this.gmcBase + ((((klass << 5) ^ mid) & (GLOBAL_METHOD_CACHE_SIZE - 1)) * GMC_WORDS);
    if (this.shared) {
      if (mem.read(e + GMC_CLASS_SERIAL) === serial && mem.read(e + GMC_MID) === mid) {
        this.dc.v[DC_SERIAL_GMC_HIT]++;
        return mem.read(e + GMC_ME);
      }
    } else if (mem.load(e + GMC_CLASS_SERIAL) === serial && mem.load(e + GMC_MID) === mid) {
      this.dc.v[DC_SERIAL_GMC_HIT]++;
      return mem.load(e + GMC_ME);
    }
    this.dc.v[DC_SERIAL_GMC_MISS]++;
    this.dc.v[DC_SEARCH_METHOD]++;
    const me = this.tree.searchMethod(klass, mid);
    if (this.shared) {
      // method_entry_get_without_cache's order: key words, then the entry.
      // Stryker disable next-line ArithmeticOperator: GMC_CLASS_SERIAL is 0, so `- GMC_CLASS_SERIAL` is the same word
      mem.write(e + GMC_CLASS_SERIAL, mem.load(this.tree.serialWord(klass)));
      mem.write(e + GMC_MID, mid);
      mem.write(e + GMC_ME, me);
    } else {
      mem.store(e + GMC_ME, me);
      mem.store(e + GMC_MID, mid);
      // Stryker disable next-line ArithmeticOperator: GMC_CLASS_SERIAL is 0, so `- GMC_CLASS_SERIAL` is the same word
      mem.store(e + GMC_CLASS_SERIAL, serial);
    }
    return me;
  }
}

/**
 * Invariant of a quiescent serial design: every inline-cache entry keyed by a class's
 * current serial holds what a lookup from that class finds now (by definition serial:
 * the body). `midOf(site)` is the mid a site sends.
 */
export function auditSerialCaches(mem: Mem, ref: SerialCacheRef, tree: ClassTree, midOf: (site: number) => number, bodyOf: (me: number) => number): Violation[] {
  const out: Violation[] = [];
  const classOfSerial = new Map<number, number>();
  for (let k = 1; k < tree.used; k++) classOfSerial.set(mem.load(tree.serialWord(k)), k);
  for (let copy = 0; copy < ref.copies; copy++) {
    for (let site = 0; site < ref.sites; site++) {
      const imc = ref.imc + (copy * ref.sites + site) * IMC_WORDS;
      // Stryker disable next-line ArithmeticOperator: IMC_CLASS_SERIAL is 0, so `- IMC_CLASS_SERIAL` is the same word
      const k = classOfSerial.get(mem.load(imc + IMC_CLASS_SERIAL));
      if (k === undefined) continue;
      const mid = midOf(site);
      const want = bodyOf(tree.searchMethod(k, mid));
      const got = bodyOf(mem.load(imc + IMC_ME));
      if (got !== want) out.push({ message: `inline cache keyed by ${tree.nameOf(k)}'s current serial runs body ${got}, a lookup finds ${want}`, where: `copy ${copy} site ${site}` });
    }
  }
  return out;
}

/**
 * rb_clear_method_cache_by_class / rb_class_clear_method_cache: a fresh serial for the
 * class and every subclass (for a module: every iclass made from it and what lies under
 * them). O(subclasses), against the disposable design's O(ancestry). Returns classes bumped.
 */
export function rb_class_clear_method_cache(mem: Mem, tree: ClassTree, serialCounter: number, klass: number, dc: DebugCounters): number {
  if (tree.typeOf(klass) === T_MODULE) {
    let n = 0;
    for (let ic = tree.firstSubclass(klass); ic !== 0; ic = tree.nextModuleSub(ic)) n += bump(mem, tree, serialCounter, ic, dc);
    return n;
  }
  return bump(mem, tree, serialCounter, klass, dc);
}

function bump(mem: Mem, tree: ClassTree, serialCounter: number, klass: number, dc: DebugCounters): number {
  mem.store(tree.serialWord(klass), mem.add(serialCounter, 1) + 1);
  dc.v[DC_SERIAL_BUMP]++;
  let n = 1;
  for (let s = tree.firstSubclass(klass); s !== 0; s = tree.nextSibling(s)) n += bump(mem, tree, serialCounter, s, dc);
  return n;
}
