import { MemraceError } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import type { ClassTree } from './class_tree.js';
import { ME_OWNER, VM_METHOD_TYPE_UNDEF } from './layout.js';
import type { MethodEntries } from './method_entry.js';

/** Lexical scopes (crefs) that can activate refinements; scope 0 is the top level, which activates none. */
export const CREF_SCOPES = 16;
/** Per scope: how many refinements are active, then the refinement modules, the latest `using` first. */
const CREF_WORDS = 8;
const CREF_MAX = CREF_WORDS - 1;

export interface RefinementsRef {
  /** The scope of each call site (the cref of the iseq it is in). */
  siteScopes: number;
  scopes: number;
}

/**
 * Refinements activated by `using` (rb_using_refinement, search_refined_method). A
 * refinement module is a module record whose includer word names the class it refines
 * (rb_refinement_module_get_refined_class); `using` in a scope puts it (and the
 * refinements of the modules the used module includes, a descendant's first) at the head of
 * the scope's list. A call site's scope is read only by the REFINED call handler, which
 * resolves on every call: so neither `using` nor a method defined in a refinement needs a
 * cache invalidated beyond the REFINED entry itself (CRuby's refinement CCs do:
 * rb_clear_all_refinement_method_cache).
 */
export class Refinements {
  /** The refinement module the last search found its entry in (where its `super` goes on from). */
  rec = 0;

  constructor(
    private readonly mem: Mem,
    readonly ref: RefinementsRef,
  ) {}

  static create(arena: Arena, sites: number): RefinementsRef {
    return { siteScopes: arena.allocWords('ruby.cref.sites', sites), scopes: arena.allocWords('ruby.cref.scopes', CREF_SCOPES * CREF_WORDS) };
  }

  static words(sites: number): number {
    return sites + CREF_SCOPES * CREF_WORDS + 32;
  }

  setSiteScope(site: number, scope: number): void {
    this.checkScope(scope);
    this.mem.store(this.ref.siteScopes + site, scope);
  }

  /** `using` in `scope`: these refinement modules (in priority order) go ahead of those already active there. */
  using(scope: number, refinements: readonly number[]): void {
    this.checkScope(scope);
    if (scope === 0) throw new MemraceError('E_USAGE', 'scope 0 is the top level of the model: use a scope 1..15');
    const base = this.ref.scopes + scope * CREF_WORDS;
    const had: number[] = [];
    for (let i = 0; i < this.mem.load(base); i++) had.push(this.mem.load(base + 1 + i));
    const list = [...refinements, ...had.filter((r) => !refinements.includes(r))];
    if (list.length > CREF_MAX) throw new MemraceError('E_USAGE', `more than ${CREF_MAX} refinements active in scope ${scope}`);
    list.forEach((r, i) => this.mem.store(base + 1 + i, r));
    this.mem.store(base, list.length);
  }

  /**
   * search_refined_method: for a REFINED entry `refined` (owned by the refined class), the
   * entry of the first refinement active at `site` that refines that class and defines
   * `mid`; 0 when none does (the REFINED entry's original then runs).
   */
  search(tree: ClassTree, mes: MethodEntries, site: number, refined: number, mid: number): number {
    const scope = this.mem.load(this.ref.siteScopes + site);
    if (scope === 0) return 0;
    const base = this.ref.scopes + scope * CREF_WORDS;
    const klass = mes.field(refined, ME_OWNER);
    const n = this.mem.load(base);
    for (let i = 0; i < n; i++) {
      const r = this.mem.load(base + 1 + i);
      if (tree.includerOf(r) !== klass) continue;
      const me = tree.ownMethodEntry(r, mid);
      if (me !== 0 && mes.type(me) !== VM_METHOD_TYPE_UNDEF) {
        this.rec = r;
        return me;
      }
    }
    return 0;
  }

  private checkScope(scope: number): void {
    if (!Number.isInteger(scope) || scope < 0 || scope >= CREF_SCOPES) throw new MemraceError('E_USAGE', `scope ${scope} does not exist (0..${CREF_SCOPES - 1})`);
  }
}
