import type { FactFile } from './facts.js';

export const includeSpec: FactFile = {
  upstream: 'ruby/spec core/module/include_spec.rb',
  facts: [
    { name: 'adds the module to the ancestors after the class, most recent include first', steps: [['module', 'M1'], ['module', 'M2'], ['class', 'C'], ['include', 'C', 'M1'], ['include', 'C', 'M2'], ['ancestors', 'C', ['C', 'M2', 'M1']]] },
    { name: "the class's own method wins over the included module's", steps: [['module', 'M'], ['def', 'M', 'foo', 'M'], ['class', 'C'], ['def', 'C', 'foo', 'C'], ['include', 'C', 'M'], ['call', 'C', 'foo', ['C']]] },
    { name: 'does not include a module twice (ancestors unchanged)', steps: [['module', 'M'], ['class', 'C'], ['include', 'C', 'M'], ['include', 'C', 'M'], ['ancestors', 'C', ['C', 'M']]] },
    { name: 'ignores a module already included by a superclass', steps: [['module', 'M'], ['class', 'A'], ['include', 'A', 'M'], ['class', 'B', 'A'], ['include', 'B', 'M'], ['ancestors', 'B', ['B', 'A', 'M']]] },
    { name: "includes the module's own included modules", steps: [['module', 'N'], ['module', 'M'], ['include', 'M', 'N'], ['class', 'C'], ['include', 'C', 'M'], ['ancestors', 'C', ['C', 'M', 'N']]] },
    {
      name: 'updates the method when a module is included after the method was called (method cache)',
      steps: [['class', 'A'], ['def', 'A', 'foo', 'A'], ['class', 'B', 'A'], ['call', 'B', 'foo', ['A']], ['module', 'M'], ['def', 'M', 'foo', 'M'], ['include', 'B', 'M'], ['call', 'B', 'foo', ['M']]],
    },
    {
      name: 'updates the constant/method when a module included in an already-included module changes the ancestry (include into a module)',
      steps: [
        ['module', 'M'], ['module', 'N'], ['def', 'N', 'foo', 'N'], ['class', 'A'], ['def', 'A', 'foo', 'A'], ['class', 'C', 'A'], ['include', 'C', 'M'],
        ['call', 'C', 'foo', ['A']], ['include', 'M', 'N'], ['ancestors', 'C', ['C', 'M', 'N', 'A']], ['call', 'C', 'foo', ['N']],
      ],
    },
    { name: 'raises ArgumentError for a cyclic include', steps: [['module', 'M'], ['module', 'N'], ['include', 'M', 'N'], ['raises', 'ArgumentError', ['include', 'N', 'M']]] },
    {
      name: 'a method defined in the module after the include is seen through the class (and invalidates its cache)',
      steps: [['class', 'A'], ['def', 'A', 'foo', 'A'], ['module', 'M'], ['class', 'C', 'A'], ['include', 'C', 'M'], ['call', 'C', 'foo', ['A']], ['def', 'M', 'foo', 'M'], ['call', 'C', 'foo', ['M']]],
    },
  ],
};

export const prependSpec: FactFile = {
  upstream: 'ruby/spec core/module/prepend_spec.rb',
  facts: [
    { name: 'puts the module before the class in the ancestors', steps: [['module', 'M'], ['class', 'C'], ['prepend', 'C', 'M'], ['ancestors', 'C', ['M', 'C']]] },
    { name: "the prepended module's method wins over the class's own", steps: [['module', 'M'], ['def', 'M', 'foo', 'M'], ['class', 'C'], ['def', 'C', 'foo', 'C'], ['prepend', 'C', 'M'], ['call', 'C', 'foo', ['M']]] },
    { name: 'super in the prepended method calls the class method', steps: [['module', 'M'], ['def', 'M', 'foo', 'M', { super: 'zsuper' }], ['class', 'C'], ['def', 'C', 'foo', 'C'], ['prepend', 'C', 'M'], ['call', 'C', 'foo', ['M', 'C']]] },
    {
      name: 'updates the method when a module is prepended after the method was called (method cache)',
      steps: [['class', 'C'], ['def', 'C', 'foo', 'C'], ['call', 'C', 'foo', ['C']], ['module', 'M'], ['def', 'M', 'foo', 'M', { super: 'zsuper' }], ['prepend', 'C', 'M'], ['call', 'C', 'foo', ['M', 'C']]],
    },
    {
      name: 'a subclass that called the method sees the prepended module',
      steps: [['class', 'C'], ['def', 'C', 'foo', 'C'], ['class', 'D', 'C'], ['call', 'D', 'foo', ['C']], ['module', 'M'], ['def', 'M', 'foo', 'M', { super: 'zsuper' }], ['prepend', 'C', 'M'], ['call', 'D', 'foo', ['M', 'C']]],
    },
    {
      name: 'methods defined in the class after the prepend are still overridden by the module',
      steps: [['module', 'M'], ['def', 'M', 'foo', 'M', { super: 'zsuper' }], ['class', 'C'], ['prepend', 'C', 'M'], ['def', 'C', 'foo', 'C'], ['call', 'C', 'foo', ['M', 'C']]],
    },
    { name: 'the class keeps the methods the module does not define', steps: [['module', 'M'], ['def', 'M', 'foo', 'M'], ['class', 'C'], ['def', 'C', 'bar', 'C#bar'], ['prepend', 'C', 'M'], ['call', 'C', 'bar', ['C#bar']]] },
    { name: 'prepends the modules of the prepended module', steps: [['module', 'N'], ['module', 'M'], ['include', 'M', 'N'], ['class', 'C'], ['prepend', 'C', 'M'], ['ancestors', 'C', ['M', 'N', 'C']]] },
    { name: 'prepending twice is a no-op', steps: [['module', 'M'], ['class', 'C'], ['prepend', 'C', 'M'], ['prepend', 'C', 'M'], ['ancestors', 'C', ['M', 'C']]] },
    { name: 'a later prepend goes first', steps: [['module', 'M1'], ['module', 'M2'], ['class', 'C'], ['prepend', 'C', 'M1'], ['prepend', 'C', 'M2'], ['ancestors', 'C', ['M2', 'M1', 'C']]] },
    { name: 'include after prepend goes after the class', steps: [['module', 'P'], ['module', 'I'], ['class', 'C'], ['prepend', 'C', 'P'], ['include', 'C', 'I'], ['ancestors', 'C', ['P', 'C', 'I']]] },
    { name: 'raises ArgumentError for a cyclic prepend', steps: [['module', 'M'], ['module', 'N'], ['include', 'M', 'N'], ['raises', 'ArgumentError', ['include', 'N', 'M']]] },
    { name: 'updates the method when a prepended module is updated', steps: [['module', 'M'], ['class', 'A'], ['prepend', 'A', 'M'], ['def', 'A', 'foo', 'a'], ['call', 'A', 'foo', ['a']], ['def', 'M', 'foo', 'm'], ['call', 'A', 'foo', ['m']]] },
    {
      name: 'updates the method when there is a base included method and the prepended module overrides it',
      steps: [['module', 'Base'], ['def', 'Base', 'foo', 'a'], ['class', 'A'], ['include', 'A', 'Base'], ['call', 'A', 'foo', ['a']], ['module', 'M'], ['def', 'M', 'foo', 'm'], ['prepend', 'A', 'M'], ['call', 'A', 'foo', ['m']]],
    },
    {
      name: 'updates the method when there is a base included method and the prepended module is later updated',
      steps: [['module', 'Base'], ['def', 'Base', 'foo', 'a'], ['class', 'A'], ['include', 'A', 'Base'], ['call', 'A', 'foo', ['a']], ['module', 'M'], ['prepend', 'A', 'M'], ['call', 'A', 'foo', ['a']], ['def', 'M', 'foo', 'm'], ['call', 'A', 'foo', ['m']]],
    },
    {
      name: 'updates the method when a module prepended after a call is later updated',
      steps: [['module', 'M'], ['class', 'A'], ['def', 'A', 'foo', 'a'], ['call', 'A', 'foo', ['a']], ['prepend', 'A', 'M'], ['call', 'A', 'foo', ['a']], ['def', 'M', 'foo', 'm'], ['call', 'A', 'foo', ['m']]],
    },
    {
      name: 'updates the method when a module is prepended after another and the method is defined later on that module',
      steps: [['module', 'M'], ['def', 'M', 'foo', 'a'], ['class', 'A'], ['prepend', 'A', 'M'], ['call', 'A', 'foo', ['a']], ['module', 'N'], ['prepend', 'A', 'N'], ['call', 'A', 'foo', ['a']], ['def', 'N', 'foo', 'n'], ['call', 'A', 'foo', ['n']]],
    },
    {
      name: 'updates the method when a module is included in a prepended module and the method is defined later',
      steps: [['class', 'A'], ['module', 'Base'], ['def', 'Base', 'foo', 'a'], ['prepend', 'A', 'Base'], ['call', 'A', 'foo', ['a']], ['module', 'M'], ['module', 'N'], ['include', 'M', 'N'], ['prepend', 'A', 'M'], ['def', 'N', 'foo', 'n'], ['call', 'A', 'foo', ['n']]],
    },
    {
      name: 'updates the method when a new module with an included module is prepended',
      steps: [['class', 'A'], ['def', 'A', 'foo', 'a'], ['module', 'N'], ['def', 'N', 'foo', 'n'], ['module', 'M'], ['include', 'M', 'N'], ['call', 'A', 'foo', ['a']], ['prepend', 'A', 'M'], ['call', 'A', 'foo', ['n']]],
    },
    {
      name: 'prepends multiple modules in the right order (a module prepended into a module)',
      steps: [['module', 'm1'], ['def', 'm1', 'chain', 'm1', { super: 'zsuper' }], ['module', 'm2'], ['def', 'm2', 'chain', 'm2', { super: 'zsuper' }], ['prepend', 'm2', 'm1'], ['class', 'c'], ['def', 'c', 'chain', 'c'], ['prepend', 'c', 'm2'], ['call', 'c', 'chain', ['m1', 'm2', 'c']]],
    },
    { name: 'prepends a module if it is included in a super class', steps: [['module', 'M'], ['class', 'A'], ['include', 'A', 'M'], ['class', 'B', 'A'], ['prepend', 'B', 'M'], ['ancestors', 'B', ['M', 'B', 'A', 'M']]] },
    {
      name: 'called on a module included into a class: does not obscure the module\'s methods',
      steps: [['module', 'mod'], ['def', 'mod', 'foo', 'foo'], ['class', 'cls'], ['include', 'cls', 'mod'], ['call', 'cls', 'foo', ['foo']], ['module', 'pre'], ['prepend', 'mod', 'pre'], ['call', 'cls', 'foo', ['foo']], ['ancestors', 'cls', ['cls', 'pre', 'mod']]],
    },
    {
      name: 'called on a module included into a class: the prepended module\'s methods reach the class\'s cached calls',
      steps: [
        ['module', 'mod'], ['def', 'mod', 'foo', 'mod', { super: 'zsuper' }], ['class', 'A'], ['def', 'A', 'foo', 'A'], ['class', 'cls', 'A'], ['include', 'cls', 'mod'],
        ['call', 'cls', 'foo', ['mod', 'A']], ['module', 'pre'], ['def', 'pre', 'foo', 'pre', { super: 'zsuper' }], ['prepend', 'mod', 'pre'], ['call', 'cls', 'foo', ['pre', 'mod', 'A']],
        ['def', 'mod', 'foo', 'mod2', { super: 'zsuper' }], ['call', 'cls', 'foo', ['pre', 'mod2', 'A']],
      ],
    },
    { name: 'remove_method in the class after a prepend removes it from the origin', steps: [['module', 'M'], ['class', 'C'], ['def', 'C', 'foo', 'C'], ['prepend', 'C', 'M'], ['remove', 'C', 'foo'], ['call', 'C', 'foo', 'NoMethodError']] },
  ],
};

export const superSpec: FactFile = {
  upstream: 'ruby/spec language/super_spec.rb',
  facts: [
    { name: 'calls the superclass method', steps: [['class', 'A'], ['def', 'A', 'foo', 'A'], ['class', 'B', 'A'], ['def', 'B', 'foo', 'B', { super: 'zsuper' }], ['call', 'B', 'foo', ['B', 'A']]] },
    { name: 'searches the whole ancestry', steps: [['class', 'A'], ['def', 'A', 'foo', 'A'], ['class', 'B', 'A'], ['class', 'C', 'B'], ['def', 'C', 'foo', 'C', { super: 'zsuper' }], ['call', 'C', 'foo', ['C', 'A']]] },
    {
      name: 'goes through included modules in order',
      steps: [['class', 'A'], ['def', 'A', 'foo', 'A'], ['module', 'M'], ['def', 'M', 'foo', 'M', { super: 'zsuper' }], ['class', 'B', 'A'], ['include', 'B', 'M'], ['def', 'B', 'foo', 'B', { super: 'zsuper' }], ['call', 'B', 'foo', ['B', 'M', 'A']]],
    },
    {
      name: "a module method's super depends on the class it is called through",
      steps: [
        ['module', 'M'], ['def', 'M', 'foo', 'M', { super: 'zsuper' }], ['class', 'A'], ['def', 'A', 'foo', 'A'], ['class', 'X'], ['def', 'X', 'foo', 'X'],
        ['class', 'A2', 'A'], ['include', 'A2', 'M'], ['class', 'X2', 'X'], ['include', 'X2', 'M'],
        ['call', 'A2', 'foo', ['M', 'A']], ['call', 'X2', 'foo', ['M', 'X']], ['call', 'A2', 'foo', ['M', 'A']],
      ],
    },
    { name: 'raises NoMethodError when no superclass method exists', steps: [['class', 'A'], ['def', 'A', 'foo', 'A', { super: 'zsuper' }], ['call', 'A', 'foo', 'NoMethodError']] },
    { name: 'super() passes no arguments: ArgumentError if the superclass method needs one', steps: [['class', 'A'], ['def', 'A', 'foo', 'A', { req: 1 }], ['class', 'B', 'A'], ['def', 'B', 'foo', 'B', { req: 1, super: 0 }], ['call', 'B', 'foo', 'ArgumentError', { args: 1 }]] },
    { name: 'zsuper passes the same arguments', steps: [['class', 'A'], ['def', 'A', 'foo', 'A', { req: 1 }], ['class', 'B', 'A'], ['def', 'B', 'foo', 'B', { req: 1, super: 'zsuper' }], ['call', 'B', 'foo', ['B', 'A'], { args: 1 }]] },
    {
      name: 'sees a superclass method redefined after the first call (super call site cache)',
      steps: [['class', 'A'], ['def', 'A', 'foo', 'A1'], ['class', 'B', 'A'], ['def', 'B', 'foo', 'B', { super: 'zsuper' }], ['call', 'B', 'foo', ['B', 'A1']], ['def', 'A', 'foo', 'A2'], ['call', 'B', 'foo', ['B', 'A2']]],
    },
    {
      name: 'sees a module included into the superclass after the first call',
      steps: [['class', 'A'], ['def', 'A', 'foo', 'A'], ['class', 'B', 'A'], ['def', 'B', 'foo', 'B', { super: 'zsuper' }], ['call', 'B', 'foo', ['B', 'A']], ['module', 'M'], ['def', 'M', 'foo', 'M'], ['include', 'B', 'M'], ['call', 'B', 'foo', ['B', 'M']]],
    },
    { name: 'super from a private method to a public one', steps: [['class', 'A'], ['def', 'A', 'foo', 'A'], ['class', 'B', 'A'], ['def', 'B', 'foo', 'B', { super: 'zsuper', visibility: 'private' }], ['call', 'B', 'foo', ['B', 'A'], { fcall: true }]] },
  ],
};

export const visibilitySpec: FactFile = {
  upstream: 'ruby/spec core/module/{private,public,protected}_spec.rb, language/send_spec.rb, core/kernel/public_send_spec.rb',
  facts: [
    { name: 'private :m makes an existing method private', steps: [['class', 'C'], ['def', 'C', 'm', 'm'], ['call', 'C', 'm', ['m']], ['private', 'C', 'm'], ['call', 'C', 'm', 'NoMethodError'], ['call', 'C', 'm', ['m'], { fcall: true }]] },
    { name: 'public :m in a subclass makes an inherited private method public there only', steps: [['class', 'A'], ['def', 'A', 'm', 'A#m', { visibility: 'private' }], ['class', 'B', 'A'], ['public', 'B', 'm'], ['call', 'B', 'm', ['A#m']], ['call', 'A', 'm', 'NoMethodError']] },
    { name: 'private :m in a subclass leaves the superclass public', steps: [['class', 'A'], ['def', 'A', 'm', 'A#m'], ['class', 'B', 'A'], ['call', 'B', 'm', ['A#m']], ['private', 'B', 'm'], ['call', 'B', 'm', 'NoMethodError'], ['call', 'A', 'm', ['A#m']]] },
    { name: 'public in a subclass follows a redefinition of the superclass method', steps: [['class', 'A'], ['def', 'A', 'm', 'A1', { visibility: 'private' }], ['class', 'B', 'A'], ['public', 'B', 'm'], ['call', 'B', 'm', ['A1']], ['def', 'A', 'm', 'A2', { visibility: 'private' }], ['call', 'B', 'm', ['A2']]] },
    { name: 'private of an undefined method raises NameError', steps: [['class', 'C'], ['raises', 'NameError', ['private', 'C', 'nope']]] },
    { name: 'private :m of a module method through the module', steps: [['module', 'M'], ['def', 'M', 'm', 'M#m'], ['class', 'C'], ['include', 'C', 'M'], ['call', 'C', 'm', ['M#m']], ['private', 'M', 'm'], ['call', 'C', 'm', 'NoMethodError']] },
    {
      name: 'protected: callable from an instance of the class or a subclass, not from outside',
      steps: [['class', 'A'], ['def', 'A', 'm', 'A#m', { visibility: 'protected' }], ['class', 'B', 'A'], ['class', 'X'], ['call', 'A', 'm', ['A#m'], { self: 'B' }], ['call', 'A', 'm', 'NoMethodError', { self: 'X' }], ['call', 'A', 'm', 'NoMethodError']],
    },
    { name: 'protected :m after definition', steps: [['class', 'A'], ['def', 'A', 'm', 'A#m'], ['protected', 'A', 'm'], ['call', 'A', 'm', ['A#m'], { self: 'A' }], ['call', 'A', 'm', 'NoMethodError']] },
    { name: "protected in a module: self must be a kind of the module", steps: [['module', 'M'], ['def', 'M', 'm', 'M#m', { visibility: 'protected' }], ['class', 'C'], ['include', 'C', 'M'], ['class', 'X'], ['call', 'C', 'm', ['M#m'], { self: 'C' }], ['call', 'C', 'm', 'NoMethodError', { self: 'X' }]] },
    { name: 'send calls private and protected methods', steps: [['class', 'C'], ['def', 'C', 'a', 'a', { visibility: 'private' }], ['def', 'C', 'b', 'b', { visibility: 'protected' }], ['send', 'C', 'a', ['a']], ['send', 'C', 'b', ['b']]] },
    { name: 'public_send refuses private and protected methods', steps: [['class', 'C'], ['def', 'C', 'a', 'a', { visibility: 'private' }], ['def', 'C', 'b', 'b', { visibility: 'protected' }], ['public_send', 'C', 'a', 'NoMethodError'], ['public_send', 'C', 'b', 'NoMethodError']] },
    { name: 'respond_to? is false for private and protected, true with include_all', steps: [['class', 'C'], ['def', 'C', 'a', 'a', { visibility: 'private' }], ['def', 'C', 'b', 'b', { visibility: 'protected' }], ['def', 'C', 'c', 'c'], ['respond_to', 'C', 'a', false], ['respond_to', 'C', 'b', false], ['respond_to', 'C', 'c', true], ['respond_to', 'C', 'a', true, true]] },
  ],
};

export const dispatchSpec: FactFile = {
  upstream: 'ruby/spec core/basicobject/method_missing_spec.rb, core/object/respond_to_missing_spec.rb, core/unboundmethod/bind_call_spec.rb, core/module/refine_spec.rb, core/module/alias_method_spec.rb, core/module/remove_method_spec.rb',
  facts: [
    { name: 'method_missing is called for an undefined method', steps: [['class', 'C'], ['def', 'C', 'method_missing', 'mm', { req: 1, opt: 15 }], ['call', 'C', 'nope', ['mm', 'nope']]] },
    { name: 'method_missing is called for a private method with a receiver', steps: [['class', 'C'], ['def', 'C', 'method_missing', 'mm', { req: 1, opt: 15 }], ['def', 'C', 'p', 'p', { visibility: 'private' }], ['call', 'C', 'p', ['mm', 'p']]] },
    { name: 'respond_to? asks respond_to_missing? for a missing method', steps: [['class', 'C'], ['def', 'C', 'respond_to_missing?', 'true', { req: 2 }], ['respond_to', 'C', 'anything', true]] },
    { name: 'bind_call runs the unbound method on a kind of its owner, whatever its visibility', steps: [['class', 'A'], ['def', 'A', 'm', 'A#m', { visibility: 'private' }], ['class', 'B', 'A'], ['def', 'B', 'm', 'B#m'], ['bind_call', 'A', 'm', 'B', ['A#m']]] },
    { name: 'bind_call raises TypeError for an object of an unrelated class', steps: [['class', 'A'], ['def', 'A', 'm', 'A#m'], ['class', 'X'], ['bind_call', 'A', 'm', 'X', 'TypeError']] },
    { name: 'bind_call of a module method on a class that includes it', steps: [['module', 'M'], ['def', 'M', 'm', 'M#m'], ['class', 'C'], ['include', 'C', 'M'], ['bind_call', 'M', 'm', 'C', ['M#m']]] },
    { name: 'bind_call binds and calls the method on any object when the UnboundMethod is unbound from a module', steps: [['module', 'Mod'], ['def', 'Mod', 'from_mod', 'nil'], ['class', 'X'], ['bind_call', 'Mod', 'from_mod', 'X', ['nil']]] },
    { name: 'bind_call binds and calls the method for any object kind_of? the module the method is defined in', steps: [['class', 'Parent'], ['def', 'Parent', 'foo', 'nil'], ['class', 'Child1', 'Parent'], ['bind_call', 'Parent', 'foo', 'Child1', ['nil']], ['bind_call', 'Child1', 'foo', 'Parent', ['nil']]] },
    { name: 'bind_call binds and calls a Kernel method retrieved from Object on BasicObject', steps: [['module', 'Kernel'], ['def', 'Kernel', 'instance_of?', 'true', { req: 1 }], ['include', 'Object', 'Kernel'], ['bind_call', 'Object', 'instance_of?', 'BasicObject', 'ArgumentError'], ['bind_call', 'Object', 'instance_of?', 'BasicObject', ['true'], 1]] },
    { name: 'a refinement does not change a method until it is used (refine without using)', steps: [['class', 'C'], ['def', 'C', 'foo', 'C'], ['call', 'C', 'foo', ['C']], ['refine', 'C', 'foo'], ['call', 'C', 'foo', ['C']]] },
    { name: 'refine of a method the class lacks: the superclass method still runs', steps: [['class', 'A'], ['def', 'A', 'foo', 'A'], ['class', 'C', 'A'], ['refine', 'C', 'foo'], ['call', 'C', 'foo', ['A']], ['def', 'C', 'foo', 'C'], ['call', 'C', 'foo', ['C']]] },
    { name: 'alias_method keeps the old body after the original is redefined', steps: [['class', 'C'], ['def', 'C', 'a', 'a1'], ['alias', 'C', 'b', 'a'], ['def', 'C', 'a', 'a2'], ['call', 'C', 'b', ['a1']], ['call', 'C', 'a', ['a2']]] },
    { name: 'alias_method of an undefined method raises NameError', steps: [['class', 'C'], ['raises', 'NameError', ['alias', 'C', 'b', 'nope']]] },
    { name: 'remove_method exposes the superclass method', steps: [['class', 'A'], ['def', 'A', 'm', 'A'], ['class', 'B', 'A'], ['def', 'B', 'm', 'B'], ['call', 'B', 'm', ['B']], ['remove', 'B', 'm'], ['call', 'B', 'm', ['A']]] },
    { name: 'remove_method of a method the class does not define raises NameError', steps: [['class', 'A'], ['def', 'A', 'm', 'A'], ['class', 'B', 'A'], ['raises', 'NameError', ['remove', 'B', 'm']]] },
    { name: 'extend: a singleton class including a module', steps: [['class', 'C'], ['def', 'C', 'm', 'C'], ['module', 'M'], ['def', 'M', 'm', 'M', { super: 'zsuper' }], ['class', 'obj.singleton', 'C'], ['include', 'obj.singleton', 'M'], ['call', 'obj.singleton', 'm', ['M', 'C']], ['call', 'C', 'm', ['C']]] },
  ],
};
