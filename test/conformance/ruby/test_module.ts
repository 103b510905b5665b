import type { FactFile } from './facts.js';

const SUPER = { super: 'zsuper' as const };

/** The prepend cases of CRuby's test_module.rb, prepend into modules among them. */
export const testModule: FactFile = {
  upstream: 'ruby/ruby test/ruby/test_module.rb',
  facts: [
    {
      name: 'test_prepend_module_ancestors (modules prepended into modules, then into and included in classes)',
      steps: [
        ['module', 'm0'], ['def', 'm0', 'x', 'm0', SUPER],
        ['module', 'm1'], ['def', 'm1', 'x', 'm1', SUPER], ['prepend', 'm1', 'm0'],
        ['module', 'm2'], ['def', 'm2', 'x', 'm2', SUPER], ['prepend', 'm2', 'm1'],
        ['class', 'c0'], ['def', 'c0', 'x', 'c0'],
        ['class', 'c1'], ['def', 'c1', 'x', 'c1'], ['prepend', 'c1', 'm2'],
        ['class', 'c2', 'c0'], ['def', 'c2', 'x', 'c2', SUPER], ['include', 'c2', 'm2'],
        ['ancestors', 'm1', ['m0', 'm1']],
        ['ancestors', 'm2', ['m0', 'm1', 'm2']],
        ['ancestors', 'c1', ['m0', 'm1', 'm2', 'c1']],
        ['call', 'c1', 'x', ['m0', 'm1', 'm2', 'c1']],
        ['ancestors', 'c2', ['c2', 'm0', 'm1', 'm2', 'c0']],
        ['call', 'c2', 'x', ['c2', 'm0', 'm1', 'm2', 'c0']],
      ],
    },
    { name: 'test_prepend_module_ancestors: prepend m1; include m1', steps: [['module', 'm0'], ['module', 'm1'], ['prepend', 'm1', 'm0'], ['module', 'm3'], ['prepend', 'm3', 'm1'], ['include', 'm3', 'm1'], ['ancestors', 'm3', ['m0', 'm1', 'm3']]] },
    { name: 'test_prepend_module_ancestors: prepend m1 twice', steps: [['module', 'm0'], ['module', 'm1'], ['prepend', 'm1', 'm0'], ['module', 'm3'], ['prepend', 'm3', 'm1'], ['prepend', 'm3', 'm1'], ['ancestors', 'm3', ['m0', 'm1', 'm3']]] },
    { name: 'test_prepend_module_ancestors: include m1 twice', steps: [['module', 'm0'], ['module', 'm1'], ['prepend', 'm1', 'm0'], ['module', 'm3'], ['include', 'm3', 'm1'], ['include', 'm3', 'm1'], ['ancestors', 'm3', ['m3', 'm0', 'm1']]] },
    { name: 'test_cyclic_prepend (between modules)', steps: [['module', 'm1'], ['module', 'm2'], ['prepend', 'm1', 'm2'], ['raises', 'ArgumentError', ['prepend', 'm2', 'm1']]] },
    {
      name: 'test_prepend_inheritance (a class including a module that prepends another is a kind of both)',
      steps: [['module', 'a'], ['def', 'a', 'm', 'a'], ['module', 'b'], ['prepend', 'b', 'a'], ['class', 'c'], ['include', 'c', 'b'], ['ancestors', 'c', ['c', 'a', 'b']], ['bind_call', 'a', 'm', 'c', ['a']]],
    },
    { name: 'test_prepend_class_ancestors', steps: [['module', 'm'], ['class', 'c'], ['prepend', 'c', 'm'], ['class', 'c2', 'c'], ['ancestors', 'c', ['m', 'c']], ['ancestors', 'c2', ['c2', 'm', 'c']]] },
    { name: 'test_prepend_each_classes', steps: [['module', 'M'], ['class', 'C1'], ['prepend', 'C1', 'M'], ['class', 'C2', 'C1'], ['prepend', 'C2', 'M'], ['ancestors', 'C2', ['M', 'C2', 'M', 'C1']]] },
    { name: 'test_prepend_no_duplication', steps: [['module', 'M'], ['class', 'C'], ['prepend', 'C', 'M'], ['prepend', 'C', 'M'], ['ancestors', 'C', ['M', 'C']]] },
    { name: 'test_prepend_in_superclass', steps: [['module', 'M'], ['class', 'C1'], ['class', 'C2', 'C1'], ['prepend', 'C2', 'M'], ['prepend', 'C1', 'M'], ['ancestors', 'C2', ['M', 'C2', 'M', 'C1']]] },
    {
      name: 'test_prepend_visibility (protected after a prepend: respond_to?(include_all) and send)',
      steps: [['module', 'P'], ['class', 'c'], ['prepend', 'c', 'P'], ['def', 'c', 'foo', 'foo'], ['protected', 'c', 'foo'], ['respond_to', 'c', 'foo', true, true], ['send', 'c', 'foo', ['foo']]],
    },
    {
      name: 'test_prepend_visibility_inherited (public in a subclass that then prepends)',
      steps: [['class', 'A'], ['def', 'A', 'foo', 'A'], ['private', 'A', 'foo'], ['class', 'B', 'A'], ['public', 'B', 'foo'], ['module', 'P'], ['prepend', 'B', 'P'], ['call', 'B', 'foo', ['A']]],
    },
    {
      name: 'test_prepend_private_super (the prepended wrapper supers into a private method)',
      steps: [['module', 'wrapper'], ['def', 'wrapper', 'wrapped', 'wrapper', SUPER], ['class', 'klass'], ['prepend', 'klass', 'wrapper'], ['def', 'klass', 'wrapped', 'klass'], ['private', 'klass', 'wrapped'], ['call', 'klass', 'wrapped', ['wrapper', 'klass']]],
    },
    {
      name: 'test_prepend_remove_method (the prepended module\'s method is not the class\'s to remove)',
      steps: [
        ['module', 'P'], ['def', 'P', 'foo', 'P'], ['class', 'c'], ['prepend', 'c', 'P'], ['raises', 'NameError', ['remove', 'c', 'foo']], ['def', 'c', 'foo', 'c'],
        ['hook', 'c', 'method_removed'], ['remove', 'c', 'foo'], ['hooked', ['c.method_removed(:foo)']], ['call', 'c', 'foo', ['P']],
      ],
    },
  ],
};
