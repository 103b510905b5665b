import { MemraceError } from '../errors.js';
import type { ClassInclude } from './class_include.js';
import type { ClassTree } from './class_tree.js';
import { ME_CALLED_ID, T_CLASS, T_MODULE } from './layout.js';
import type { MethodEntries } from './method_entry.js';

/**
 * rb_mod_init_copy (`Class#dup`, `Module#dup`, `initialize_copy`): a new class or module
 * with the original's superclass (it shares the iclasses of the modules the original
 * includes, as CRuby's copy does), a method table of copies of the original's entries
 * (same bodies, owned by and callable through the copy: clone_method), and the original's
 * prepended modules prepended to it afresh. The copy's entries are new and not CACHED, so
 * no cache of the original serves the copy and no change to one invalidates the other.
 * The caller holds the VM lock. Returns the copy.
 */
export function rb_mod_init_copy(tree: ClassTree, mes: MethodEntries, inclusion: ClassInclude, orig: number): number {
  tree.check(orig, 'class');
  const type = tree.typeOf(orig);
  if (type !== T_CLASS && type !== T_MODULE) throw new MemraceError('E_USAGE', `${tree.nameOf(orig)} is an iclass: copy its class or module`);
  const origin = tree.origin(orig);
  const sup = tree.superOf(origin);
  if (type === T_CLASS && sup === 0) throw new MemraceError('E_USAGE', "TypeError: can't copy the root class");
  // RCLASS_SET_SUPER(clone, RCLASS_SUPER(orig)): the superclass record may be an iclass (the original includes a module).
  const copy = type === T_CLASS ? tree.defineClass(0) : tree.defineModule();
  tree.rb_class_set_super(copy, sup);
  const definedClass = type === T_MODULE ? 0 : copy;
  tree.forEachMethod(origin, (mid, me) => tree.setMethodEntry(copy, mid, mes.aliasOf(me, mes.field(me, ME_CALLED_ID), copy, definedClass)));
  // The prepended modules, farthest from the class first, so each later prepend lands ahead of it.
  const prepended: number[] = [];
  if (origin !== orig) for (let c = tree.superOf(orig); c !== origin; c = tree.superOf(c)) prepended.unshift(tree.moduleFor(c));
  for (const m of prepended) inclusion.rb_prepend_module(copy, m);
  return copy;
}
