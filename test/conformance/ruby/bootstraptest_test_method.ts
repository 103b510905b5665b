import type { FactFile, Step } from './facts.js';

/** class C0; def m(*args) [:C0_m, args] end end; class C1 < C0; def m(<params>); super; end end; C1.new.m(<argc>) */
function zsuper(req: number, opt: number, argc: number): Step[] {
  return [
    ['class', 'C0'], ['def', 'C0', 'm', ':C0_m', { req: 0, opt: 15 }],
    ['class', 'C1', 'C0'], ['def', 'C1', 'm', 'C1', { req, opt, super: 'zsuper' }],
    ['call', 'C1', 'm', ['C1', ':C0_m'], { args: argc }],
  ];
}

export const bootstraptestTestMethod: FactFile = {
  upstream: 'ruby/ruby bootstraptest/test_method.rb',
  facts: [
    { name: 'regular argument: def m; end; m(1) is ArgumentError', steps: [['def', 'Object', 'm', 'nil'], ['call', 'Object', 'm', 'ArgumentError', { args: 1, fcall: true }]] },
    { name: 'regular argument: def m a; end; m is ArgumentError', steps: [['def', 'Object', 'm', 'a', { req: 1 }], ['call', 'Object', 'm', 'ArgumentError', { fcall: true }]] },
    { name: 'default argument: def m(a,x=1,y=1); m(7)', steps: [['def', 'Object', 'm', 'x', { req: 1, opt: 2 }], ['call', 'Object', 'm', ['x'], { args: 1, fcall: true }], ['call', 'Object', 'm', ['x'], { args: 3, fcall: true }]] },
    { name: 'instance method: class C; def m() 1 end end; C.new.m', steps: [['class', 'C'], ['def', 'C', 'm', '1'], ['call', 'C', 'm', ['1']]] },
    {
      name: 'singleton method: class C; def m() 7 end; end; obj = C.new; def obj.m() 1 end; obj.m',
      steps: [['class', 'C'], ['def', 'C', 'm', '7'], ['class', 'obj.singleton', 'C'], ['def', 'obj.singleton', 'm', '1'], ['call', 'obj.singleton', 'm', ['1']], ['call', 'C', 'm', ['7']]],
    },
    { name: 'inheritance: class A; def m(a) a end end; class B < A; end; class C < B; end; C.new.m(1)', steps: [['class', 'A'], ['def', 'A', 'm', 'a', { req: 1 }], ['class', 'B', 'A'], ['class', 'C', 'B'], ['call', 'C', 'm', ['a'], { args: 1 }]] },
    { name: 'include: class B < A; include M (M empty); B.new.m(1) finds A#m', steps: [['class', 'A'], ['def', 'A', 'm', 'A#m', { req: 1 }], ['module', 'M'], ['class', 'B', 'A'], ['include', 'B', 'M'], ['call', 'B', 'm', ['A#m'], { args: 1 }]] },
    { name: 'include: module M; def m(a) a end end; class B < A; include M; B.new.m(1)', steps: [['class', 'A'], ['module', 'M'], ['def', 'M', 'm', 'M#m', { req: 1 }], ['class', 'B', 'A'], ['include', 'B', 'M'], ['call', 'B', 'm', ['M#m'], { args: 1 }]] },
    { name: 'alias: class C; def a() 1 end; alias m a; end; C.new.m', steps: [['class', 'C'], ['def', 'C', 'a', '1'], ['alias', 'C', 'm', 'a'], ['call', 'C', 'm', ['1']]] },
    { name: 'alias: alias m a; undef a; C.new.m still runs', steps: [['class', 'C'], ['def', 'C', 'a', '1'], ['alias', 'C', 'm', 'a'], ['undef', 'C', 'a'], ['call', 'C', 'm', ['1']], ['call', 'C', 'a', 'NoMethodError']] },
    { name: 'undef: def m; undef m; C.new.m is NoMethodError', steps: [['class', 'C'], ['def', 'C', 'm', 'nil'], ['undef', 'C', 'm'], ['call', 'C', 'm', 'NoMethodError']] },
    { name: 'undef: class C < A; def m; undef m; the undef hides A#m too', steps: [['class', 'A'], ['def', 'A', 'm', 'A'], ['class', 'C', 'A'], ['def', 'C', 'm', 'C'], ['undef', 'C', 'm'], ['call', 'C', 'm', 'NoMethodError'], ['call', 'A', 'm', ['A']]] },
    { name: 'undef a, b in B < A [yarv-dev:999]', steps: [['class', 'A'], ['def', 'A', 'a', 'a'], ['class', 'B', 'A'], ['def', 'B', 'b', 'b'], ['undef', 'B', 'a'], ['undef', 'B', 'b'], ['call', 'B', 'a', 'NoMethodError'], ['call', 'B', 'b', 'NoMethodError']] },
    { name: 'alias m2 m1 (top level), m1 + m2 [ruby-dev:32308]', steps: [['def', 'Object', 'm1', '1'], ['alias', 'Object', 'm2', 'm1'], ['call', 'Object', 'm1', ['1'], { fcall: true }], ['call', 'Object', 'm2', ['1'], { fcall: true }]] },
    { name: 'private: def m() mm() end; private :mm; C.new.m', steps: [['class', 'C'], ['def', 'C', 'mm', '1'], ['private', 'C', 'mm'], ['call', 'C', 'mm', ['1'], { fcall: true }], ['call', 'C', 'mm', 'NoMethodError']] },
    { name: 'private: def m() 7 end; private :m; C.new.m is NoMethodError', steps: [['class', 'C'], ['def', 'C', 'm', '7'], ['private', 'C', 'm'], ['call', 'C', 'm', 'NoMethodError']] },
    {
      name: 'private: C.new.m cached, then alias mm m; private :mm; C.new.m runs, C.new.mm is NoMethodError',
      steps: [['class', 'C'], ['def', 'C', 'm', '1'], ['call', 'C', 'm', ['1']], ['alias', 'C', 'mm', 'm'], ['private', 'C', 'mm'], ['call', 'C', 'm', ['1']], ['call', 'C', 'mm', 'NoMethodError']],
    },
    { name: 'method_missing(mid, *args): C.new.m returns :m', steps: [['class', 'C'], ['def', 'C', 'method_missing', 'mm', { req: 1, opt: 15 }], ['call', 'C', 'm', ['mm', 'm']], ['call', 'C', 'mm', ['mm', 'mm']]] },
    { name: 'send: C.new.send(:m, 1, 7)', steps: [['class', 'C'], ['def', 'C', 'm', 'a', { req: 2 }], ['send', 'C', 'm', ['a'], 2], ['send', 'C', 'm', 'ArgumentError', 1]] },
    { name: 'send: C.new.send(:m, 7) with def m(x, a=1)', steps: [['class', 'C'], ['def', 'C', 'm', 'a', { req: 1, opt: 1 }], ['send', 'C', 'm', ['a'], 1], ['send', 'C', 'm', ['a'], 2]] },
    { name: 'public_send of a private method is NoMethodError', steps: [['class', 'C'], ['def', 'C', 'm', '7'], ['private', 'C', 'm'], ['public_send', 'C', 'm', 'NoMethodError']] },
    { name: 'send of a private method runs it', steps: [['class', 'C'], ['def', 'C', 'm', '1'], ['private', 'C', 'm'], ['send', 'C', 'm', ['1']]] },
    { name: 'super: def m(m1, m2, o1=:o1, o2=:o2, p1, p2); super; C1.new.m(1,2,3,4)', steps: zsuper(4, 2, 4) },
    { name: 'super: def m(m1, m2, o1=:o1, o2=:o2, p1, p2); super; C1.new.m(1,2,3,4,5,6)', steps: zsuper(4, 2, 6) },
    { name: 'super: def m a, o=:o; super; C1.new.m 1', steps: zsuper(1, 1, 1) },
    { name: 'super: def m a, o=:o; super; C1.new.m 1, 2', steps: zsuper(1, 1, 2) },
    { name: 'super: def m a; super; C1.new.m 1', steps: zsuper(1, 0, 1) },
    { name: 'super: def m; super; C1.new.m', steps: zsuper(0, 0, 0) },
    {
      name: "define_method(:m) { ['B', super()] } in B < A; class C < B; C.new.m",
      steps: [['class', 'A'], ['def', 'A', 'm', 'A'], ['class', 'B', 'A'], ['def', 'B', 'm', 'B', { super: 0 }], ['class', 'C', 'B'], ['call', 'C', 'm', ['B', 'A']]],
    },
    {
      name: 'undef m, then remove_method :m raises NameError, C.new.m is NoMethodError [ruby-dev:31816]',
      steps: [['class', 'B'], ['def', 'B', 'm', ':fail'], ['class', 'C', 'B'], ['undef', 'C', 'm'], ['raises', 'NameError', ['remove', 'C', 'm']], ['call', 'C', 'm', 'NoMethodError']],
    },
    { name: 'should not cache when splat: attr_reader a; C.new.a() then C.new.a(1) is ArgumentError', steps: [['class', 'C'], ['def', 'C', 'a', '@a', { attrReader: true }], ['call', 'C', 'a', ['@a']], ['call', 'C', 'a', 'ArgumentError', { args: 1 }]] },
    {
      name: 'def foo(a, b); bar(...) = foo(...): bar(1, 2) twice, bar(1, 2, 3) is ArgumentError',
      steps: [['def', 'Object', 'foo', 'a+b', { req: 2 }], ['call', 'Object', 'foo', ['a+b'], { args: 2, fcall: true }], ['call', 'Object', 'foo', 'ArgumentError', { args: 3, fcall: true }]],
    },
    {
      name: 'module Foo; def foo; super rescue NoMethodError; module_function :foo; Foo.foo [ruby-dev:37587]',
      steps: [['class', 'Module'], ['class', 'Foo.singleton', 'Module'], ['def', 'Foo.singleton', 'foo', 'Foo.foo', { super: 'zsuper' }], ['call', 'Foo.singleton', 'foo', 'NoMethodError']],
    },
    {
      name: 'class Object; def foo "Object#foo"; module_function :foo with super; Foo.foo [ruby-dev:37587]',
      steps: [
        ['def', 'Object', 'foo', 'Object#foo'], ['class', 'Module'], ['class', 'Foo.singleton', 'Module'],
        ['def', 'Foo.singleton', 'foo', 'Foo.foo', { super: 'zsuper' }], ['call', 'Foo.singleton', 'foo', ['Foo.foo', 'Object#foo']],
      ],
    },
  ],
};
