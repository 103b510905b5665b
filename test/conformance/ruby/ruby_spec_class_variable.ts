import type { FactFile } from './facts.js';

/** Class variables are looked up and set through the ancestry (rb_cvar_get / rb_cvar_set, variable.c). */
export const classVariableSpec: FactFile = {
  upstream: 'ruby/spec language/class_variable_spec.rb',
  facts: [
    { name: 'A class variable can be accessed from a subclass', steps: [['class', 'ClassA'], ['cvar_set', 'ClassA', '@@cvar_a', ':cvar_a'], ['class', 'ClassB', 'ClassA'], ['cvar_get', 'ClassB', '@@cvar_a', [':cvar_a']]] },
    {
      name: 'A class variable is set in the superclass',
      steps: [['class', 'ClassA'], ['cvar_set', 'ClassA', '@@cvar_a', ':cvar_a'], ['class', 'ClassB', 'ClassA'], ['cvar_set', 'ClassB', '@@cvar_a', ':new_val'], ['cvar_get', 'ClassA', '@@cvar_a', [':new_val']]],
    },
  ],
};
