import type { FactFile } from './facts.js';

const IN_S = { scope: 'S' };

/** Refinements activated by `using`: each call names the lexical scope it is in. */
export const refineSpec: FactFile = {
  upstream: 'ruby/spec core/module/refine_spec.rb',
  facts: [
    { name: 'does not apply refinements to external scopes not using the module', steps: [['class', 'C'], ['module', 'R'], ['refine_def', 'R', 'C', 'foo', 'foo'], ['call', 'C', 'foo', 'NoMethodError']] },
    {
      name: 'makes available all refinements from the same module',
      steps: [['class', 'I'], ['class', 'A'], ['module', 'R'], ['refine_def', 'R', 'I', 'to_json_format', 'I'], ['refine_def', 'R', 'A', 'to_json_format', 'A'], ['using', 'S', 'R'], ['call', 'I', 'to_json_format', ['I'], IN_S], ['call', 'A', 'to_json_format', ['A'], IN_S], ['call', 'A', 'to_json_format', 'NoMethodError']],
    },
    { name: 'method lookup: looks in the class then (a refinement without the method)', steps: [['class', 'C'], ['def', 'C', 'foo', 'foo'], ['class', 'X'], ['module', 'R'], ['refine_def', 'R', 'X', 'bar', 'bar'], ['using', 'S', 'R'], ['call', 'C', 'foo', ['foo'], IN_S]] },
    {
      name: 'does not override methods in subclasses',
      steps: [['class', 'C'], ['def', 'C', 'foo', 'foo'], ['class', 'Sub', 'C'], ['def', 'Sub', 'foo', 'foo from subclass'], ['module', 'R'], ['refine_def', 'R', 'C', 'foo', 'foo from refinement'], ['using', 'S', 'R'], ['call', 'Sub', 'foo', ['foo from subclass'], IN_S], ['call', 'C', 'foo', ['foo from refinement'], IN_S]],
    },
    {
      name: 'for methods accessed indirectly: is honored by Kernel#send and Kernel#public_send',
      steps: [['class', 'C'], ['def', 'C', 'foo', 'foo'], ['module', 'R'], ['refine_def', 'R', 'C', 'foo', 'foo from refinement'], ['using', 'S', 'R'], ['send', 'C', 'foo', ['foo from refinement'], 0, 'S'], ['public_send', 'C', 'foo', ['foo from refinement'], 0, 'S'], ['send', 'C', 'foo', ['foo']]],
    },
    {
      name: 'when super is called in a refinement: looks in the refined class',
      steps: [['class', 'C'], ['def', 'C', 'foo', 'foo'], ['module', 'R'], ['refine_def', 'R', 'C', 'foo', 'refinement', { super: 'zsuper' }], ['using', 'S', 'R'], ['call', 'C', 'foo', ['refinement', 'foo'], IN_S]],
    },
    {
      name: 'when super is called in a refinement: looks in the refined class even if there is another active refinement',
      steps: [
        ['class', 'C'], ['def', 'C', 'foo', 'foo'], ['module', 'R1'], ['refine_def', 'R1', 'C', 'foo', 'foo from refinement'], ['module', 'R2'], ['refine_def', 'R2', 'C', 'foo', 'refinement_with_super', { super: 'zsuper' }],
        ['using', 'S', 'R1'], ['using', 'S', 'R2'], ['call', 'C', 'foo', ['refinement_with_super', 'foo'], IN_S],
      ],
    },
    {
      name: 'module inclusion: activates all refinements from all ancestors',
      steps: [
        ['class', 'I'], ['class', 'A'], ['module', 'Rinc'], ['refine_def', 'Rinc', 'I', 'to_json_format', 'to_s'], ['module', 'R'], ['include', 'R', 'Rinc'], ['refine_def', 'R', 'A', 'to_json_format', '[...]'],
        ['using', 'S', 'R'], ['call', 'I', 'to_json_format', ['to_s'], IN_S], ['call', 'A', 'to_json_format', ['[...]'], IN_S],
      ],
    },
    {
      name: 'module inclusion: overrides methods of ancestors by methods in descendants',
      steps: [['class', 'I'], ['module', 'Rinc'], ['refine_def', 'Rinc', 'I', 'to_json_format', 'to_s'], ['module', 'R'], ['include', 'R', 'Rinc'], ['refine_def', 'R', 'I', 'to_json_format', 'hello from refinement'], ['using', 'S', 'R'], ['call', 'I', 'to_json_format', ['hello from refinement'], IN_S]],
    },
  ],
};
