import { EINVAL, ENOENT } from '../errors.js';
import type { Rng } from '../runtime/rng.js';
import { T_MODULE } from '../ruby/layout.js';
import { randomDef } from '../ruby/program.js';
import type { Vm } from '../ruby/vm.js';

/**
 * What the method-cache redefiner changes, one change at a time: methods (define,
 * overwrite, remove, undef), visibility (rb_export_method), aliases, refinements (defined,
 * never `using`-ed), and the shape (include or prepend into a class or a module). The counters are indices into the scenario's `counters` list, in this order.
 */
export const REDEFINE_COUNTERS = [
  'calls', 'redefined', 'removed', 'name-errors', 'collections', 'slots-freed', 'undefined',
  'visibility', 'aliased', 'refined', 'included', 'prepended', 'module-included', 'cyclic', 'shape-full',
  'module-prepended',
] as const;
const K_REDEFINED = 1;
const K_REMOVED = 2;
const K_NAME_ERROR = 3;
const K_UNDEFINED = 6;
const K_VISIBILITY = 7;
const K_ALIASED = 8;
const K_REFINED = 9;
const K_INCLUDED = 10;
const K_PREPENDED = 11;
const K_MODULE_INCLUDED = 12;
const K_CYCLIC = 13;
const K_SHAPE_FULL = 14;
const K_MODULE_PREPENDED = 15;

/** All mids: a change of shape may change any lookup. */
export const ALL_MIDS = -1;

/**
 * The records an include or prepend of `module` into klass may add: one iclass per module
 * of its ancestry in each ancestry reached, and an origin for klass and for each of its iclasses.
 */
function recordsNeeded(vm: Vm, klass: number, module: number): number {
  const tree = vm.tree;
  let chain = 0;
  for (let m = module; m !== 0; m = tree.superOf(m)) chain++;
  let reach = 1;
  if (tree.typeOf(klass) === T_MODULE) for (let ic = tree.firstSubclass(klass); ic !== 0; ic = tree.nextModuleSub(ic)) reach++;
  return (chain + 1) * reach + 1;
}

/**
 * One change, with the probabilities of a program that is still being loaded and
 * monkey-patched. Returns the mid whose lookups it may change (ALL_MIDS for a new shape).
 */
export function redefineOne(vm: Vm, rng: Rng, classes: readonly number[], modules: readonly number[], count: (k: number) => void): number {
  const targets = classes.length + modules.length;
  const pick = rng.below(targets);
  const klass = pick < classes.length ? classes[pick] : modules[pick - classes.length];
  const mid = rng.below(vm.tree.mids);
  const r = rng.float();
  const nameError = (rc: number, k: number) => count(rc === -ENOENT ? K_NAME_ERROR : k);
  if (r < 0.2) nameError(vm.removeMethod(klass, mid), K_REMOVED);
  else if (r < 0.28) nameError(vm.undefMethod(klass, mid), K_UNDEFINED);
  else if (r < 0.38) nameError(vm.setVisibility(klass, mid, rng.float() < 0.5 ? 'private' : 'public'), K_VISIBILITY);
  else if (r < 0.42) nameError(vm.alias(klass, mid, rng.below(vm.tree.mids)), K_ALIASED);
  else if (r < 0.44) {
    vm.refine(klass, mid);
    count(K_REFINED);
  } else if (r < 0.54 && modules.length > 0) {
    return changeShape(vm, rng, classes, modules, count);
  } else {
    vm.defineMethod(klass, mid, randomDef(rng, mid));
    count(K_REDEFINED);
  }
  return mid;
}

/** Include a module into a class (half the time), prepend one into a class, include or prepend one into another module. */
function changeShape(vm: Vm, rng: Rng, classes: readonly number[], modules: readonly number[], count: (k: number) => void): number {
  const module = modules[rng.below(modules.length)];
  const r = rng.float();
  const into = r < 0.7 ? classes[rng.below(classes.length)] : modules[rng.below(modules.length)];
  if (vm.tree.used + recordsNeeded(vm, into, module) + 1 > vm.tree.capacity) {
    count(K_SHAPE_FULL);
    return ALL_MIDS;
  }
  const prepend = (r >= 0.5 && r < 0.7) || r >= 0.85;
  const rc = prepend ? vm.prepend(into, module) : vm.include(into, module);
  count(rc === -EINVAL ? K_CYCLIC : r < 0.5 ? K_INCLUDED : r < 0.7 ? K_PREPENDED : r < 0.85 ? K_MODULE_INCLUDED : K_MODULE_PREPENDED);
  return ALL_MIDS;
}
