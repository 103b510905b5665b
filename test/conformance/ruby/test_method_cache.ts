import type { FactFile } from './facts.js';

export const testMethodCache: FactFile = {
  upstream: 'ruby/ruby test/ruby/test_method_cache.rb',
  facts: [
    {
      name: 'test_undef',
      steps: [
        ['class', 'C0'], ['def', 'C0', 'foo', 'nil'], ['undef', 'C0', 'foo'],
        ['call', 'C0', 'foo', 'NoMethodError'],
        ['def', 'C0', 'foo', ':ok'],
        ['call', 'C0', 'foo', [':ok']],
      ],
    },
    {
      name: 'test_undef_with_subclasses',
      steps: [
        ['class', 'C0'], ['def', 'C0', 'foo', 'nil'], ['undef', 'C0', 'foo'], ['class', 'C1', 'C0'],
        ['call', 'C0', 'foo', 'NoMethodError'],
        ['def', 'C0', 'foo', ':ok'],
        ['call', 'C0', 'foo', [':ok']],
      ],
    },
    {
      name: 'test_undef_with_subclasses_complicated',
      steps: [
        ['class', 'C0'], ['def', 'C0', 'foo', 'nil'],
        ['class', 'C1', 'C0'], ['undef', 'C1', 'foo'],
        ['class', 'C2', 'C1'], ['class', 'C3', 'C2'], ['class', 'C4', 'C3'],
        ['call', 'C3', 'foo', 'NoMethodError'],
        ['def', 'C2', 'foo', ':c2'],
        ['call', 'C1', 'foo', 'NoMethodError'],
        ['call', 'C3', 'foo', [':c2']],
      ],
    },
  ],
};
