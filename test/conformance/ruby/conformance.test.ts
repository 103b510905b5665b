import { describe, expect, it } from 'vitest';
import { bootstraptestTestMethod } from './bootstraptest_test_method.js';
import type { FactFile } from './facts.js';
import { runFact } from './run.js';
import { dispatchSpec, includeSpec, prependSpec, superSpec, visibilitySpec } from './ruby_spec.js';
import { testMethodCache } from './test_method_cache.js';
import { testModule } from './test_module.js';
import { copySpec, hooksSpec } from './ruby_spec_copy_hooks.js';
import { refineSpec } from './ruby_spec_refine.js';
import { bootstraptestTestRactor } from './bootstraptest_test_ractor.js';
import { classVariableSpec } from './ruby_spec_class_variable.js';

const files: FactFile[] = [testMethodCache, bootstraptestTestMethod, testModule, includeSpec, prependSpec, superSpec, visibilitySpec, dispatchSpec, hooksSpec, copySpec, refineSpec, bootstraptestTestRactor, classVariableSpec];

for (const file of files) {
  describe(file.upstream, () => {
    for (const fact of file.facts) {
      it(fact.name, () => {
        expect(runFact(fact)).toEqual([]);
      });
    }
  });
}

describe('the facts see the cache', () => {
  it('every design passes them (ccs with the negative cache, serial-gmc)', () => {
    for (const opts of [{ negativeCache: true }, { design: 'serial-gmc' as const }]) {
      for (const file of files) for (const fact of file.facts) expect(runFact(fact, opts), `${fact.name} ${JSON.stringify(opts)}`).toEqual([]);
    }
  });

  it('include-no-invalidate and prepend-no-invalidate each fail some of them', () => {
    for (const skipInvalidation of ['include', 'prepend'] as const) {
      const failing = files.flatMap((f) => f.facts).filter((fact) => runFact(fact, { skipInvalidation }).length > 0);
      expect(failing.length, skipInvalidation).toBeGreaterThan(0);
    }
  });
});
