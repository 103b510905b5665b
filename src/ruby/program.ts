import { ConfigError } from '../errors.js';
import type { Rng } from '../runtime/rng.js';
import { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL, VM_CALL_SUPER } from './call_info.js';
import { MAX_RECV, VM_METHOD_TYPE_ISEQ, VM_METHOD_TYPE_IVAR } from './layout.js';
import type { MethodDef } from './method_entry.js';
import type { Vm } from './vm.js';

/** The shape of a program: its classes, modules, methods and call sites. */
export interface ProgramSpec {
  classes: number;
  depth: number;
  modules: number;
  mids: number;
  callsites: number;
  /** Parent of each class 2..classes (1-based; 1 is the root), instead of a random tree. */
  parents?: readonly number[];
  /** Share of call sites with 2..4 receiver classes, and with 8..12 (megamorphic). */
  polymorphic?: number;
  megamorphic?: number;
  /** Share of call sites that are `super` in a method of one class (the site's one receiver class). */
  superSites?: number;
}

/** What the program made: class ids by kind, for actors that pick receivers and redefinition targets. */
export interface ProgramInfo {
  classes: number[];
  modules: number[];
  /** Class records a VM of this spec needs (classes, modules, iclasses). */
  capacity: number;
}

/** Each module is included into this many classes. */
const INCLUDES_PER_MODULE = 2;

/** Class records a program of this spec needs. */
export function programCapacity(spec: ProgramSpec): number {
  return spec.classes + spec.modules * (1 + INCLUDES_PER_MODULE);
}

/**
 * A user-given tree: parents[i] is the parent of class i + 2. Every chain must reach the
 * root (class 1) without meeting itself; otherwise a ConfigError that shows the cycle.
 */
export function checkParents(parents: readonly number[], classes: number): void {
  if (parents.length !== classes - 1) {
    throw new ConfigError('--tree', `${parents.length} parents for ${classes} classes`, `${classes - 1} comma-separated parents, one per class 2..${classes}`);
  }
  parents.forEach((p, i) => {
    if (!Number.isInteger(p) || p < 1 || p > classes || p === i + 2) {
      throw new ConfigError('--tree', `class ${i + 2} has parent ${p}`, `a class 1..${classes} other than itself`);
    }
  });
  for (let c = 2; c <= classes; c++) {
    const seen = [c];
    for (let k = parents[c - 2]; k !== 1; k = parents[k - 2]) {
      if (seen.includes(k)) throw new ConfigError('--tree', `${[...seen.slice(seen.indexOf(k)), k].map((x) => `C${x}`).join(' < ')} is a cycle`, 'a tree rooted at class 1');
      seen.push(k);
    }
  }
}

function depthOf(parents: readonly number[], c: number): number {
  let d = 0;
  for (let k = c; k !== 1; k = parents[k - 2]) d++;
  return d;
}

/** The arity most definitions of `mid` and most call sites sending it agree on (0..2), as in a real program. */
export function usualArity(mid: number): number {
  return mid % 3;
}

/**
 * A random definition of `mid`: mostly plain methods of its usual arity, some with an
 * optional argument or another arity (call sites then raise ArgumentError), attr readers,
 * private ones.
 */
export function randomDef(rng: Rng, mid: number): MethodDef {
  const r = rng.float();
  if (r < 0.1) return { type: VM_METHOD_TYPE_IVAR };
  return { type: VM_METHOD_TYPE_ISEQ, req: r < 0.9 ? usualArity(mid) : rng.below(3), opt: r < 0.3 ? 1 : 0, private: r > 0.95 };
}

/**
 * Build a program in a fresh VM: a class tree (random to `depth`, or the given parents),
 * modules included into classes, methods defined (the root defines three quarters of the
 * mids, so the rest end in method_missing unless someone defines them), and call sites:
 * mostly monomorphic, some polymorphic, a few megamorphic, as in a Rails app.
 */
export function buildProgram(vm: Vm, spec: ProgramSpec, rng: Rng): ProgramInfo {
  const tree = vm.tree;
  const parents = spec.parents ?? randomParents(spec, rng);
  checkParents(parents, spec.classes);
  const classes: number[] = [tree.defineClass(0)];
  const made = new Map<number, number>([[1, classes[0]]]);
  // Create parents before children whatever the order of the list.
  const order = Array.from({ length: spec.classes - 1 }, (_, i) => i + 2).sort((a, b) => depthOf(parents, a) - depthOf(parents, b));
  for (const c of order) {
    const k = tree.defineClass(made.get(parents[c - 2]) as number);
    made.set(c, k);
    classes.push(k);
  }
  const modules: number[] = [];
  for (let m = 0; m < spec.modules; m++) {
    const mod = tree.defineModule();
    modules.push(mod);
    for (let i = 0; i < INCLUDES_PER_MODULE; i++) vm.include(classes[1 + rng.below(classes.length - 1)] ?? classes[0], mod);
  }
  for (let mid = 0; mid < Math.ceil((spec.mids * 3) / 4); mid++) vm.defineMethod(classes[0], mid, randomDef(rng, mid));
  for (const k of [...classes.slice(1), ...modules]) {
    for (let mid = 0; mid < spec.mids; mid++) if (rng.float() < 0.15) vm.defineMethod(k, mid, randomDef(rng, mid));
  }
  const poly = spec.polymorphic ?? 0.08;
  const mega = spec.megamorphic ?? 0.02;
  const sup = spec.superSites ?? 0;
  for (let s = 0; s < spec.callsites; s++) {
    if (rng.float() < sup) {
      const mid = rng.below(spec.mids);
      vm.defineCallSite(s, mid, usualArity(mid), VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL | VM_CALL_SUPER, [classes[rng.below(classes.length)]]);
      continue;
    }
    const r = rng.float();
    const n = r < mega ? 8 + rng.below(MAX_RECV - 7) : r < mega + poly ? 2 + rng.below(3) : 1;
    const mid = rng.below(spec.mids);
    const argc = rng.float() < 0.95 ? usualArity(mid) : rng.below(3);
    const flag = VM_CALL_ARGS_SIMPLE | (rng.float() < 0.2 ? VM_CALL_FCALL : 0);
    vm.defineCallSite(s, mid, argc, flag, Array.from({ length: n }, () => classes[rng.below(classes.length)]));
  }
  return { classes, modules, capacity: programCapacity(spec) };
}

/** The call site a guild runs next, for a uniform r in [0, 1): skewed to low numbers, so guilds share hot sites as a real program's do. */
export function hotSite(sites: number, r: number): number {
  return Math.floor(sites * r * r * r);
}

/** A random tree no deeper than `depth`: half the time a child of the newest class (long chains), else of any class with room. */
function randomParents(spec: ProgramSpec, rng: Rng): number[] {
  const parents: number[] = [];
  const depth = [0, 0];
  for (let c = 2; c <= spec.classes; c++) {
    let p = c - 1;
    if (rng.float() < 0.5 || depth[p] >= spec.depth) {
      do p = 1 + rng.below(c - 1);
      while (depth[p] >= spec.depth);
    }
    parents.push(p);
    depth[c] = depth[p] + 1;
  }
  return parents;
}
