import { MemraceError } from '../errors.js';
import type { ClassTree } from './class_tree.js';

/** What reading a variable gives: its value's label, or the exception raised. */
export type VarResult = string | { error: 'NameError' | 'IsolationError' | 'FrozenError'; message?: string };

/** How a value may cross Ractors (rb_ractor_shareable_p): frozen-deep values and Ractor objects are shareable. */
export interface ValueOptions {
  shareable?: boolean;
  /** The Ractor doing it: 0 is the main Ractor. */
  ractor?: number;
}

interface Value {
  label: string;
  shareable: boolean;
}

/** An object whose instance variables are read or set: 'frozen' (shareable once frozen), 'shareable' (a Ractor or a Module, not frozen), 'plain'. */
export type ObjectKind = 'frozen' | 'shareable' | 'plain';

/** iseq_inline_constant_cache_entry: the value a site cached, and whether it is shareable (IMEMO_CONST_CACHE_SHAREABLE). */
interface ConstCacheEntry {
  name: string;
  value: Value;
}

const isolation = (message: string): VarResult => ({ error: 'IsolationError', message });

/**
 * Constants, class variables and instance variables under Ractors, as CRuby 3.1+ checks
 * them (variable.c, vm_insnhelper.c), with the inline constant cache that makes the check
 * matter:
 *
 * - rb_const_get from a non-main Ractor raises Ractor::IsolationError for a non-shareable
 *   value; rb_const_set by one raises for a non-shareable value.
 * - The inline constant cache (opt_getconstant_path) is filled by any Ractor with what it
 *   read, flagged shareable or not; vm_inlined_ic_hit_p serves a non-main Ractor only a
 *   shareable entry, so an entry the main Ractor cached for a non-shareable value sends a
 *   non-main Ractor to rb_const_get (and its IsolationError). Setting a constant clears the
 *   caches of that name only (rb_clear_constant_cache_for_id).
 * - Instance variables of classes and modules: a non-main Ractor may read shareable values
 *   and set none; of other shareable objects (a Ractor, not frozen): neither; frozen
 *   objects' are readable by all (and settable by none: FrozenError). Class variables: the
 *   main Ractor only.
 *
 * Values are labels; what a Ractor may hold of another's is decided by the flag it was
 * stored with. Single-threaded (the library's Ractors take turns).
 */
export class RactorVars {
  private readonly consts = new Map<number, Map<string, Value>>();
  private readonly ivars = new Map<string, Map<string, Value>>();
  /** Class variables' values: no Ractor but the main one ever reads them, so no shareable flag. */
  private readonly cvars = new Map<number, Map<string, string>>();
  private readonly objects = new Map<string, ObjectKind>();
  private readonly sites = new Map<string, ConstCacheEntry | null>();
  /** Inline constant cache hits and misses (the model's counters). */
  readonly stats = { ic_hit: 0, ic_miss: 0, ic_invalidate: 0 };

  constructor(
    private readonly tree: ClassTree,
    private readonly id: (name: string) => number,
  ) {}

  /** `Klass::NAME = value` (rb_const_set). */
  constSet(klass: string, name: string, value: string, opts: ValueOptions = {}): VarResult | null {
    const shareable = opts.shareable ?? false;
    if ((opts.ractor ?? 0) !== 0 && !shareable) return isolation('can not set constants with non-shareable objects by non-main Ractors');
    const k = this.id(klass);
    const table = this.consts.get(k) ?? new Map<string, Value>();
    this.consts.set(k, table.set(name, { label: value, shareable }));
    // rb_clear_constant_cache_for_id: every site that cached this name, and only those.
    for (const [site, entry] of this.sites) {
      if (entry?.name === name) {
        this.sites.set(site, null);
        this.stats.ic_invalidate++;
      }
    }
    return null;
  }

  /** `Klass::NAME` at a call site `site` (its inline constant cache), by Ractor `ractor`. */
  constGet(klass: string, name: string, ractor = 0, site = `${klass}::${name}`): VarResult {
    const entry = this.sites.get(site);
    // vm_inlined_ic_hit_p: a shareable entry, or the main Ractor.
    if (entry && entry.name === name && (entry.value.shareable || ractor === 0)) {
      this.stats.ic_hit++;
      return entry.value.label;
    }
    this.stats.ic_miss++;
    const v = this.constSearch(this.id(klass), name);
    if (v === undefined) return { error: 'NameError' };
    if (ractor !== 0 && !v.shareable) return isolation(`can not access non-shareable objects in constant ${klass}::${name} by non-main Ractor.`);
    this.sites.set(site, { name, value: v });
    return v.label;
  }

  /** rb_const_search: klass and its ancestors (an iclass's module's constants). */
  private constSearch(klass: number, name: string): Value | undefined {
    for (let c = klass; c !== 0; c = this.tree.superOf(c)) {
      const v = this.consts.get(this.tree.moduleFor(c))?.get(name);
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** An object of the given kind, named for ivarSet / ivarGet. */
  object(name: string, kind: ObjectKind): void {
    if (this.objects.has(name)) throw new MemraceError('E_USAGE', `object ${name} is already defined`);
    this.objects.set(name, kind);
  }

  /** `Ractor.make_shareable(obj.freeze)`: its instance variables become readable by every Ractor, settable by none. */
  freeze(name: string): void {
    if (!this.objects.has(name)) throw new MemraceError('E_USAGE', `no object named ${name}`);
    this.objects.set(name, 'frozen');
  }

  /** `@name = value` on a class or module (its own instance variable) or on a named object. */
  ivarSet(target: string, name: string, value: string, opts: ValueOptions = {}): VarResult | null {
    const kind = this.kindOf(target);
    const nonMain = (opts.ractor ?? 0) !== 0;
    if (kind === 'class' && nonMain) return isolation('can not set instance variables of classes/modules by non-main Ractors');
    if (kind === 'shareable' && nonMain) return isolation('can not access instance variables of shareable objects from non-main Ractors');
    if (kind === 'frozen') return { error: 'FrozenError' };
    const table = this.ivars.get(target) ?? new Map<string, Value>();
    this.ivars.set(target, table.set(name, { label: value, shareable: opts.shareable ?? false }));
    return null;
  }

  /** `@name` of a class, a module or a named object, read by Ractor `ractor` (nil when unset). */
  ivarGet(target: string, name: string, ractor = 0): VarResult {
    const kind = this.kindOf(target);
    const v = this.ivars.get(target)?.get(name);
    if (ractor !== 0) {
      if (kind === 'shareable') return isolation('can not access instance variables of shareable objects from non-main Ractors');
      if (kind === 'class' && v !== undefined && !v.shareable) return isolation('can not get unshareable values from instance variables of classes/modules from non-main Ractors');
    }
    return v?.label ?? 'nil';
  }

  /**
   * `@@name = value` in klass (the main Ractor's only). rb_cvar_set: the class or module up
   * klass's ancestry that already has the variable is the one set; klass itself only when none has it.
   */
  cvarSet(klass: string, name: string, value: string, ractor = 0): VarResult | null {
    if (ractor !== 0) return isolation('can not access class variables from non-main Ractors');
    const k = this.id(klass);
    const owner = this.cvarOwner(k, name) ?? k;
    const table = this.cvars.get(owner) ?? new Map<string, string>();
    this.cvars.set(owner, table.set(name, value));
    return null;
  }

  cvarGet(klass: string, name: string, ractor = 0): VarResult {
    if (ractor !== 0) return isolation('can not access class variables from non-main Ractors');
    const owner = this.cvarOwner(this.id(klass), name);
    return owner === undefined ? { error: 'NameError' } : (this.cvars.get(owner)?.get(name) as string);
  }

  /** cvar_lookup_at up the ancestry: the record (an iclass's module) whose table holds `name`. */
  private cvarOwner(klass: number, name: string): number | undefined {
    for (let c = klass; c !== 0; c = this.tree.superOf(c)) {
      const m = this.tree.moduleFor(c);
      if (this.cvars.get(m)?.has(name)) return m;
    }
    return undefined;
  }

  private kindOf(target: string): ObjectKind | 'class' {
    const o = this.objects.get(target);
    if (o !== undefined) return o;
    this.id(target);
    return 'class';
  }
}
