import type { FactFile } from './facts.js';

const R1 = 1;

/** The isolation rules for constants and variables; ractor 1 is a non-main Ractor. */
export const bootstraptestTestRactor: FactFile = {
  upstream: 'ruby/ruby bootstraptest/test_ractor.rb',
  facts: [
    { name: 'ivar in shareable-objects are not allowed to access from non-main Ractor (a class\'s @iv holding a string)', steps: [['class', 'C'], ['ivar_set', 'C', '@iv', "'str'"], ['ivar_get', 'C', '@iv', 'IsolationError', R1], ['ivar_get', 'C', '@iv', ["'str'"]]] },
    { name: 'ivar in shareable-objects are not allowed to access from non-main Ractor (a Ractor object\'s @iv)', steps: [['object', 'shared', 'shareable'], ['ivar_set', 'shared', '@iv', "'str'"], ['ivar_get', 'shared', '@iv', 'IsolationError', R1]] },
    { name: 'ivar in shareable-objects are not allowed to access from non-main Ractor, by @iv (set)', steps: [['object', 'shared', 'shareable'], ['ivar_set', 'shared', '@foo', "''", { ractor: R1 }, 'IsolationError']] },
    { name: 'But a shareable object is frozen, it is allowed to access ivars from non-main Ractor', steps: [['object', 'obj', 'plain'], ['ivar_set', 'obj', '@a', '1', { shareable: true }], ['freeze', 'obj'], ['ivar_get', 'obj', '@a', ['1'], R1], ['ivar_set', 'obj', '@a', '2', {}, 'FrozenError']] },
    { name: 'cvar in shareable-objects are not allowed to access from non-main Ractor', steps: [['class', 'C'], ['cvar_set', 'C', '@@cv', "'str'"], ['cvar_get', 'C', '@@cv', 'IsolationError', R1], ['cvar_get', 'C', '@@cv', ["'str'"]]] },
    { name: 'Getting non-shareable objects via constants by other Ractors is not allowed', steps: [['class', 'C'], ['const_set', 'C', 'CONST', "'str'"], ['const_get', 'C', 'CONST', 'IsolationError', R1], ['const_get', 'C', 'CONST', ["'str'"]]] },
    { name: 'Setting non-shareable objects into constants by other Ractors is not allowed', steps: [['class', 'C'], ['const_set', 'C', 'CONST', "'str'", { ractor: R1 }, 'IsolationError'], ['const_get', 'C', 'CONST', 'NameError']] },
    {
      name: 'Immutable Array and Hash are shareable, so it can be shared with constants',
      steps: [['const_set', 'Object', 'A', 'Array.new(1000).freeze', { shareable: true }], ['const_set', 'Object', 'H', '{a: 1, b: 2, c: 3}.freeze', { shareable: true }], ['const_get', 'Object', 'A', ['Array.new(1000).freeze'], R1], ['const_get', 'Object', 'H', ['{a: 1, b: 2, c: 3}.freeze'], R1]],
    },
  ],
};
