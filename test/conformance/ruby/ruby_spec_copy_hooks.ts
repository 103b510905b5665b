import type { FactFile } from './facts.js';

export const hooksSpec: FactFile = {
  upstream: 'ruby/spec core/module/method_added_spec.rb, method_removed_spec.rb, method_undefined_spec.rb',
  facts: [
    {
      name: 'method_added is called when a new method is defined in self (def, redefinition, alias_method, alias)',
      steps: [
        ['module', 'M'], ['hook', 'M', 'method_added'], ['def', 'M', 'test', 'test'], ['def', 'M', 'test2', 'test2'], ['def', 'M', 'test', 'test'],
        ['alias', 'M', 'aliased_test', 'test'], ['alias', 'M', 'aliased_test2', 'test'],
        ['hooked', ['M.method_added(:test)', 'M.method_added(:test2)', 'M.method_added(:test)', 'M.method_added(:aliased_test)', 'M.method_added(:aliased_test2)']],
      ],
    },
    { name: 'method_added is not called when a method is undefined in self', steps: [['module', 'm'], ['def', 'm', 'method_to_undef', 'x'], ['hook', 'm', 'method_added'], ['undef', 'm', 'method_to_undef'], ['hooked', []]] },
    { name: 'method_removed is called when a method is removed from self', steps: [['module', 'M'], ['hook', 'M', 'method_removed'], ['def', 'M', 'test', 'test'], ['remove', 'M', 'test'], ['hooked', ['M.method_removed(:test)']]] },
    { name: 'method_undefined is called when a method is undefined from self', steps: [['module', 'M'], ['hook', 'M', 'method_undefined'], ['def', 'M', 'test', 'test'], ['undef', 'M', 'test'], ['hooked', ['M.method_undefined(:test)']]] },
  ],
};

export const copySpec: FactFile = {
  upstream: 'ruby/spec core/class/dup_spec.rb, core/class/initialize_copy_spec.rb, core/module/prepend_spec.rb (its dup cases)',
  facts: [
    { name: 'Class#dup duplicates the class (its instance methods)', steps: [['class', 'klass'], ['def', 'klass', 'hello', 'hello'], ['dup', 'klass', 'klass_dup'], ['call', 'klass_dup', 'hello', ['hello']]] },
    { name: 'Class#dup retains the correct ancestor chain', steps: [['class', 'super_klass'], ['def', 'super_klass', 'hello', 'hello'], ['class', 'klass', 'super_klass'], ['dup', 'klass', 'klass_dup'], ['call', 'klass_dup', 'hello', ['hello']], ['ancestors', 'klass_dup', ['klass_dup', 'super_klass']]] },
    {
      // The singleton class that `extend` includes into is a class whose superclass record is the module's iclass (rb_mod_init_copy copies RCLASS_SUPER as it is).
      name: 'Class#dup retains an included module in the ancestor chain for the singleton class (klass.extend(mod); klass.dup)',
      steps: [
        ['class', 'klass'], ['module', 'mod'], ['def', 'mod', 'hello', 'hello'], ['include', 'klass', 'mod'], ['dup', 'klass', 'klass_dup'],
        ['call', 'klass_dup', 'hello', ['hello']], ['ancestors', 'klass_dup', ['klass_dup', 'mod']],
      ],
    },
    { name: 'Class#dup raises TypeError if called on BasicObject', steps: [['raises', 'TypeError', ['dup', 'BasicObject', 'copy']]] },
    { name: 'initialize_copy raises a TypeError when called on already initialized classes', steps: [['class', 'S'], ['raises', 'TypeError', ['initialize_copy', 'Object', 'S']], ['raises', 'TypeError', ['initialize_copy', 'BasicObject', 'S']]] },
    { name: 'prepend: keeps the module in the chain when dupping the class', steps: [['module', 'm'], ['class', 'c'], ['prepend', 'c', 'm'], ['dup', 'c', 'c_dup'], ['ancestors', 'c_dup', ['m', 'c_dup']]] },
    {
      name: 'prepend: uses only new module when dupping the module',
      steps: [
        ['module', 'm1'], ['def', 'm1', 'calc', 'm1'], ['module', 'm2'], ['prepend', 'm2', 'm1'], ['class', 'c1'], ['prepend', 'c1', 'm2'], ['dup', 'm2', 'm2dup'],
        ['ancestors', 'm2dup', ['m1', 'm2dup']], ['class', 'c2'], ['prepend', 'c2', 'm2dup'],
        ['ancestors', 'c1', ['m1', 'm2', 'c1']], ['ancestors', 'c2', ['m1', 'm2dup', 'c2']], ['call', 'c2', 'calc', ['m1']],
      ],
    },
  ],
};
