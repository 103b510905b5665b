import type { Body, MethodHook, ObjectKind, ValueOptions as VarOptions } from '../../../src/ruby/index.js';

/**
 * A conformance fact: class definitions, calls and their expected results, as one upstream
 * test states them, replayed through the model (run.ts). Facts only: no upstream code.
 */
export type Expected = string[] | 'NoMethodError' | 'ArgumentError' | 'TypeError' | 'NameError' | 'IsolationError' | 'FrozenError';
export type Step =
  | ['class', string, string?]
  | ['module', string]
  | ['def', string, string, string, Partial<Body>?]
  | ['include' | 'prepend', string, string]
  | ['private' | 'public' | 'protected', string, string]
  | ['alias', string, string, string]
  | ['undef' | 'remove' | 'refine', string, string]
  /** `def self.method_added(name)` (or method_removed, method_undefined) in a class or module. */
  | ['hook', string, MethodHook]
  /** The hook calls so far, as `Klass.method_added(:name)`. */
  | ['hooked', string[]]
  /** `module refiner; refine klass do def name ...`: [refine_def, refiner, klass, name, returns, body]. */
  | ['refine_def', string, string, string, string, Partial<Body>?]
  /** `using refiner` in a lexical scope: [using, scope, refiner]; calls name their scope in their options. */
  | ['using', string, string]
  /** Under Ractors (ractor 0 is the main one): `Klass::NAME = value`, `Klass::NAME`, an object of a kind, `@iv`, `@@cv`; a set's Expected is its error, if any. */
  | ['const_set', string, string, string, VarOptions?, Expected?]
  | ['const_get', string, string, Expected, number?]
  | ['object', string, ObjectKind]
  | ['freeze', string]
  | ['ivar_set', string, string, string, VarOptions?, Expected?]
  | ['ivar_get', string, string, Expected, number?]
  | ['cvar_set', string, string, string, number?, Expected?]
  | ['cvar_get', string, string, Expected, number?]
  /** `copy = orig.dup`; `klass.send(:initialize_copy, orig)`. */
  | ['dup' | 'initialize_copy', string, string]
  /** A definition step that raises (NameError, ArgumentError) instead of changing anything. */
  | ['raises', 'NameError' | 'ArgumentError' | 'TypeError', Step]
  /** recv.method(args) with an explicit receiver; `fcall` for a call without one; `self` for protected. */
  | ['call', string, string, Expected, { args?: number; fcall?: boolean; self?: string; site?: string; scope?: string }?]
  | ['send' | 'public_send', string, string, Expected, number?, string?]
  | ['respond_to', string, string, boolean, boolean?]
  | ['bind_call', string, string, string, Expected, number?]
  | ['ancestors', string, string[]];

export interface Fact {
  /** The upstream test (name, or what it asserts). */
  name: string;
  steps: Step[];
}

export interface FactFile {
  /** Path in its repository: ruby/ruby or ruby/spec. */
  upstream: string;
  facts: Fact[];
}
