import { EINVAL, ENOENT, MemraceError } from '../errors.js';
import { Arena } from '../shm/arena.js';
import { AtomicsMem } from '../shm/mem.js';
import { CALL_ARGUMENT_ERROR, CALL_METHOD_MISSING, CALL_TYPE_ERROR } from './call_handler.js';
import { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL, vm_ci_pack } from './call_info.js';
import { CC_CME, ME_OWNER, S_CD_CC, T_ICLASS, VM_METHOD_TYPE_ISEQ, VM_METHOD_TYPE_IVAR } from './layout.js';
import { resolveMethod, visibleEntry } from './method_lookup.js';
import { CREF_SCOPES } from './refinement.js';
import { RactorVars } from './ractor_vars.js';
import { Vm, type Design } from './vm.js';
import { Guild } from './vm_insnhelper.js';

/** A method body: what it returns (a label), and whether it calls super and how. */
export interface Body {
  /** The label the body contributes to the result. */
  returns: string;
  /** `super` (zsuper: the caller's arguments), `super()` or `super(a, b)` (argc given): after its label, the superclass method's result. */
  super?: 'zsuper' | number;
  req?: number;
  opt?: number;
  /** An attr_reader (VM_METHOD_TYPE_IVAR) instead of an iseq. */
  attrReader?: boolean;
  visibility?: Visibility;
}
export type Visibility = 'public' | 'private' | 'protected';

/** What a call gives: the labels of the bodies that ran (super chains add theirs), or the Ruby exception raised. */
export type Result = string[] | { error: 'NoMethodError' | 'ArgumentError' | 'NameError' | 'TypeError' };

export interface CallOptions {
  args?: number;
  /** A call without an explicit receiver (`foo` inside the object): private methods are callable. */
  fcall?: boolean;
  /** The class of the caller's self (for protected methods); default: none in the tree (top level). */
  self?: string;
  /** The call site's label: each label is one call site with its own inline cache (default: one per name and shape). */
  site?: string;
  /** The lexical scope the call is in: the refinements `using` activated there apply (default: none). */
  scope?: string;
}

/** The hooks CRuby calls on the class after a change to its method table (CALL_METHOD_HOOK). */
export type MethodHook = 'method_added' | 'method_removed' | 'method_undefined';

/** What a call site's inline cache holds now. */
export interface SiteCache {
  klass: string | null;
  owner: string | null;
  invalidated: boolean;
}

export interface RubyOptions {
  records?: number;
  methods?: number;
  sites?: number;
  design?: Design;
  negativeCache?: boolean;
  /** A broken variant, to see which facts catch it. */
  skipInvalidation?: 'include' | 'prepend';
}

/**
 * The CRuby dispatch model driven as a library, single-threaded: name classes, modules and
 * methods, include and prepend, change visibility, and call through call sites whose
 * inline caches, per-class method caches and debug counters can be watched. Method bodies
 * are labels (and an optional `super`), so a call's result says which bodies ran.
 */
export class Ruby {
  readonly vm: Vm;
  readonly guild: Guild;
  private readonly classes = new Map<string, number>();
  private readonly names = new Map<number, string>();
  private readonly mids = new Map<string, number>();
  private readonly sites = new Map<string, number>();
  private readonly bodies = new Map<number, Body & { superSite: number }>();
  private readonly hooks = new Map<number, Set<MethodHook>>();
  /** Per refining module, its refinement modules by refined class (`refine C do` in it). */
  private readonly refinementsOf = new Map<number, Map<number, number>>();
  private readonly scopes = new Map<string, number>();
  /** The hook calls made so far, as `Klass.method_added(:name)`. */
  readonly hookCalls: string[] = [];
  /** Constants (with their inline caches), class variables and instance variables under Ractors. */
  readonly vars: RactorVars;

  constructor(opts: RubyOptions = {}) {
    const config = {
      capacity: opts.records ?? 256, mids: opts.methods ?? 64, maxEntries: 8192, ccSlots: 2048, sites: opts.sites ?? 512, guilds: 1,
      design: opts.design ?? ('ccs' as Design), sharedSerial: false, negativeCache: opts.negativeCache ?? false, pic: 0,
      skipInvalidation: opts.skipInvalidation,
    };
    const arena = Arena.create(Vm.words(config) * 4 + 65536);
    this.vm = Vm.create(arena, new AtomicsMem(arena.sab), config);
    this.guild = new Guild(this.vm, 0);
    this.name('BasicObject', this.vm.tree.defineClass(0));
    this.name('Object', this.vm.tree.defineClass(this.id('BasicObject')));
    this.vars = new RactorVars(this.vm.tree, (n) => this.id(n));
  }

  private name(n: string, k: number): void {
    if (this.classes.has(n)) throw new MemraceError('E_USAGE', `${n} is already defined`);
    this.classes.set(n, k);
    this.names.set(k, n);
  }

  /** The record of a class or module by name. */
  id(name: string): number {
    const k = this.classes.get(name);
    if (k === undefined) throw new MemraceError('E_USAGE', `no class or module named ${name}`);
    return k;
  }

  /** The method id of a method name (allocated on first use). */
  mid(name: string): number {
    let m = this.mids.get(name);
    if (m === undefined) {
      m = this.mids.size;
      if (m >= this.vm.tree.mids) throw new MemraceError('E_USAGE', `more than ${this.vm.tree.mids} method names`);
      this.mids.set(name, m);
    }
    return m;
  }

  /** `class Name < Super; end` (default superclass Object). */
  defineClass(name: string, superclass = 'Object'): this {
    this.name(name, this.vm.tree.defineClass(this.id(superclass)));
    return this;
  }

  /** The singleton class of an object of class `of`, named `name`; `extend` is include into it. */
  singletonClass(name: string, of: string): this {
    return this.defineClass(name, of);
  }

  defineModule(name: string): this {
    this.name(name, this.vm.tree.defineModule());
    return this;
  }

  /** `def name ... end` in a class or module. */
  def(klass: string, name: string, body: Body): this {
    this.defIn(this.id(klass), name, body);
    return this.fire(klass, 'method_added', name);
  }

  private defIn(k: number, name: string, body: Body): void {
    const v = body.visibility;
    const me = this.vm.defineMethod(k, this.mid(name), {
      type: body.attrReader ? VM_METHOD_TYPE_IVAR : VM_METHOD_TYPE_ISEQ, req: body.req ?? 0, opt: body.opt ?? 0,
      private: v === 'private', protected: v === 'protected',
    });
    this.bodies.set(this.vm.mes.body(me), { ...body, superSite: -1 });
  }

  /**
   * `module refiner; refine klass do def name ... end; end; end`: the method goes into
   * refiner's refinement of klass, and klass's entry becomes REFINED. It runs only for
   * calls in a scope that is `using` refiner.
   */
  refineDef(refiner: string, klass: string, name: string, body: Body): this {
    const m = this.id(refiner);
    const k = this.id(klass);
    const byClass = this.refinementsOf.get(m) ?? new Map<number, number>();
    this.refinementsOf.set(m, byClass);
    const r = byClass.get(k) ?? this.vm.newRefinement(k);
    byClass.set(k, r);
    this.defIn(r, name, body);
    this.vm.refine(k, this.mid(name));
    return this;
  }

  /** `using refiner` in lexical scope `scope`: its refinements, then those of the modules it includes (rb_using_module). */
  using(scope: string, refiner: string): this {
    const { tree } = this.vm;
    const found: number[] = [];
    for (let c = this.id(refiner); c !== 0; c = tree.superOf(c)) for (const r of this.refinementsOf.get(tree.moduleFor(c))?.values() ?? []) found.push(r);
    this.vm.using(this.scope(scope), found);
    return this;
  }

  private scope(label: string | undefined): number {
    if (label === undefined) return 0;
    let s = this.scopes.get(label);
    if (s === undefined) {
      s = this.scopes.size + 1;
      if (s >= CREF_SCOPES) throw new MemraceError('E_USAGE', `more than ${CREF_SCOPES - 1} scopes`);
      this.scopes.set(label, s);
    }
    return s;
  }

  /** `def self.method_added(name)` (or method_removed, method_undefined) in klass: record its calls in hookCalls. */
  hook(klass: string, hook: MethodHook): this {
    const k = this.id(klass);
    const set = this.hooks.get(k) ?? new Set<MethodHook>();
    this.hooks.set(k, set.add(hook));
    return this;
  }

  /**
   * CALL_METHOD_HOOK(klass, hook, mid): the hook runs on klass, found through its singleton
   * class's ancestry, i.e. klass and its superclasses (a module's only its own).
   */
  private fire(klass: string, hook: MethodHook, name: string): this {
    const { tree } = this.vm;
    for (let c = this.id(klass); c !== 0; c = tree.superOf(c)) {
      // Stryker disable next-line ConditionalExpression: hooks are kept by class or module, never by an iclass, so the type test only spares a lookup (an equivalent mutant)
      if (tree.typeOf(c) !== T_ICLASS && this.hooks.get(c)?.has(hook)) {
        this.hookCalls.push(`${klass}.${hook}(:${name})`);
        break;
      }
    }
    return this;
  }

  /** `orig.dup` (Class#dup, Module#dup: rb_mod_init_copy), named `name`. */
  dup(orig: string, name: string): this {
    if (this.classes.has(name)) throw new MemraceError('E_USAGE', `${name} is already defined`);
    this.name(name, this.vm.copyClass(this.id(orig)));
    return this;
  }

  /** `klass.send(:initialize_copy, orig)` on a class that exists: CRuby's "already initialized class" TypeError. */
  initializeCopy(klass: string, orig: string): never {
    this.id(klass);
    this.id(orig);
    throw new MemraceError('E_USAGE', `TypeError: ${klass}.initialize_copy(${orig}): already initialized class`);
  }

  include(klass: string, module: string): this {
    return this.check(this.vm.include(this.id(klass), this.id(module)), `include ${module} into ${klass}`);
  }

  prepend(klass: string, module: string): this {
    return this.check(this.vm.prepend(this.id(klass), this.id(module)), `prepend ${module} to ${klass}`);
  }

  /** `private :name` (or protected, public) in klass; method_added when it puts a ZSUPER entry in klass. */
  setVisibility(klass: string, name: string, visi: Visibility): this {
    const { tree } = this.vm;
    const k = this.id(klass);
    const had = tree.ownMethodEntry(tree.origin(k), this.mid(name));
    this.check(this.vm.setVisibility(k, this.mid(name), visi), `${visi} :${name} in ${klass}`);
    return had === 0 && tree.ownMethodEntry(tree.origin(k), this.mid(name)) !== 0 ? this.fire(klass, 'method_added', name) : this;
  }

  alias(klass: string, name: string, old: string): this {
    this.check(this.vm.alias(this.id(klass), this.mid(name), this.mid(old)), `alias ${name} ${old} in ${klass}`);
    return this.fire(klass, 'method_added', name);
  }

  undef(klass: string, name: string): this {
    this.check(this.vm.undefMethod(this.id(klass), this.mid(name)), `undef ${name} in ${klass}`);
    return this.fire(klass, 'method_undefined', name);
  }

  remove(klass: string, name: string): this {
    this.check(this.vm.removeMethod(this.id(klass), this.mid(name)), `remove_method ${name} in ${klass}`);
    return this.fire(klass, 'method_removed', name);
  }

  /** `refine klass do def name ... end end`, with no `using`: the refined entry only. */
  refine(klass: string, name: string): this {
    this.vm.refine(this.id(klass), this.mid(name));
    return this;
  }

  private check(rc: number, what: string): this {
    if (rc === -ENOENT) throw new MemraceError('E_USAGE', `NameError: ${what}: no such method`);
    if (rc === -EINVAL) throw new MemraceError('E_USAGE', `ArgumentError: ${what}: cyclic include or prepend`);
    return this;
  }

  /** Like def/include/…, but returns the Ruby exception a definition raised instead of throwing it. */
  try(change: (rb: this) => unknown): 'NameError' | 'ArgumentError' | 'TypeError' | null {
    try {
      change(this);
      return null;
    } catch (e) {
      const m = /^(NameError|ArgumentError|TypeError):/.exec((e as Error).message);
      if (m) return m[1] as 'NameError' | 'ArgumentError' | 'TypeError';
      throw e;
    }
  }

  private site(label: string, name: string, argc: number, flag: number, scope: number): number {
    let s = this.sites.get(label);
    if (s === undefined) {
      s = this.sites.size;
      if (s >= this.vm.config.sites) throw new MemraceError('E_USAGE', `more than ${this.vm.config.sites} call sites`);
      this.vm.defineCallSite(s, this.mid(name), argc, flag, [this.id('Object')], scope);
      this.sites.set(label, s);
    }
    return s;
  }

  /** `recv.name(args)` on an instance of class `recv`, through a call site. */
  call(recv: string, name: string, opts: CallOptions = {}): Result {
    const argc = opts.args ?? 0;
    const flag = VM_CALL_ARGS_SIMPLE | (opts.fcall ? VM_CALL_FCALL : 0);
    const where = opts.scope === undefined ? '' : ` in ${opts.scope}`;
    const s = this.site(opts.site ?? `${name}/${argc}/${flag}${where}`, name, argc, flag, this.scope(opts.scope));
    const self = opts.self === undefined ? 0 : this.id(opts.self);
    return this.run(this.guild.call(s, this.id(recv), self), recv, name, argc, self);
  }

  /** Kernel#send: any visibility (refinements active in `scope` apply, as since Ruby 2.4). */
  send(recv: string, name: string, args = 0, scope?: string): Result {
    return this.call(recv, name, { args, fcall: true, site: `send:${name}/${args}/${scope ?? ''}`, scope });
  }

  /** Kernel#public_send: public methods only. */
  publicSend(recv: string, name: string, args = 0, scope?: string): Result {
    return this.call(recv, name, { args, site: `public_send:${name}/${args}/${scope ?? ''}`, scope });
  }

  /** Turn what the guild returned into a result: run the body (and its super), or method_missing, or the error. */
  private run(ret: number, recv: string, name: string, argc: number, self: number): Result {
    if (ret === CALL_ARGUMENT_ERROR) return { error: 'ArgumentError' };
    if (ret === CALL_METHOD_MISSING) return this.methodMissing(recv, name);
    const body = this.bodies.get(ret);
    if (!body) throw new Error(`no body recorded for definition ${ret}`);
    if (body.super === undefined) return [body.returns];
    const frame = this.guild.frame();
    const superArgc = body.super === 'zsuper' ? argc : body.super;
    // Stryker disable next-line EqualityOperator: site 0 is the first call's, made before any body runs, so no super site is 0 (an equivalent mutant)
    if (body.superSite < 0) {
      body.superSite = this.sites.size;
      this.vm.defineCallSite(body.superSite, this.mid(name), superArgc, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL, [this.id('Object')]);
      this.sites.set(`super:${ret}`, body.superSite);
    }
    const rest = this.run(this.guild.callSuper(body.superSite, frame, self), recv, name, superArgc, self);
    return Array.isArray(rest) ? [body.returns, ...rest] : rest;
  }

  /** vm_call_method_missing: the receiver's method_missing if one is defined, else NoMethodError. */
  private methodMissing(recv: string, name: string): Result {
    if (name === 'method_missing' || !this.mids.has('method_missing')) return { error: 'NoMethodError' };
    const r = this.call(recv, 'method_missing', { args: 1, fcall: true, site: 'vm_call_method_missing' });
    return Array.isArray(r) ? [...r, name] : r;
  }

  /** Object#respond_to?: a public method (or, with includeAll, any) that runs, else respond_to_missing? if defined. */
  respondTo(recv: string, name: string, includeAll = false): boolean {
    const { tree, mes } = this.vm;
    const k = this.id(recv);
    const mid = this.mid(name);
    const me = tree.searchMethod(k, mid);
    const at = tree.definedClass;
    // Stryker disable next-line ConditionalExpression: resolveMethod of entry 0 is 0 (an equivalent mutant)
    const body = me === 0 ? 0 : resolveMethod(tree, mes, me, at, mid);
    // method_boundp checks the entry rb_method_entry_with_refinements resolves to: a REFINED entry's original.
    if (body !== 0) return includeAll || mes.visi(visibleEntry(tree, mes, me, at, mid)) === 0;
    if (!this.mids.has('respond_to_missing?')) return false;
    const r = this.call(recv, 'respond_to_missing?', { args: 2, fcall: true });
    return Array.isArray(r) && r[0] === 'true';
  }

  /**
   * `klass.instance_method(name).bind_call(recv, *args)`: the entry found now, run on an
   * instance of `recv` whatever its visibility; TypeError when recv is not a kind of the
   * method's owner (a module's method binds to anything).
   */
  bindCall(klass: string, name: string, recv: string, args = 0): Result {
    const me = this.vm.instanceMethod(this.id(klass), this.mid(name));
    if (me === 0) return { error: 'NameError' };
    const ret = this.guild.bindCall(me, this.id(recv), vm_ci_pack(args, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL));
    return ret === CALL_TYPE_ERROR ? { error: 'TypeError' } : this.run(ret, recv, name, args, 0);
  }

  /** Module#ancestors: iclasses as their modules, an origin in its class's place. */
  ancestors(klass: string): string[] {
    const tree = this.vm.tree;
    const out: string[] = [];
    for (let c = this.id(klass); c !== 0; c = tree.superOf(c)) {
      if (tree.origin(c) !== c) continue;
      const shown = tree.isOrigin(c) ? tree.includerOf(c) : tree.moduleFor(c);
      out.push(this.names.get(shown) ?? tree.nameOf(shown));
    }
    return out;
  }

  /** What the call site labelled `label` caches now. */
  siteCache(label: string): SiteCache {
    const s = this.sites.get(label);
    if (s === undefined) throw new MemraceError('E_USAGE', `no call site labelled ${label}`);
    const { mem, ccs, mes } = this.vm;
    const cc = mem.load(this.vm.siteWord(s, S_CD_CC));
    const k = ccs.klass(cc);
    const cme = ccs.field(cc, CC_CME);
    const nameOf = (r: number) => (r === 0 ? null : (this.names.get(r) ?? this.vm.tree.nameOf(r)));
    // Stryker disable next-line ConditionalExpression: entry 0 (NULL) is never written: its owner reads 0 (null) and it is not INVALIDATED (equivalent mutants)
    return { klass: nameOf(k), owner: cme === 0 ? null : nameOf(mes.field(cme, ME_OWNER)), invalidated: cme !== 0 && mes.invalidated(cme) };
  }

  /** The debug counters so far (CRuby's RB_DEBUG_COUNTER names, and the model's own). */
  counters(): Record<string, number> {
    return this.vm.dc.toJSON();
  }
}
