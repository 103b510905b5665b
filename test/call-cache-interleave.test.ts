import { describe, expect, it } from 'vitest';
import { S_CD_CC } from '../src/ruby/layout.js';
import { Vm, type VmConfig } from '../src/ruby/vm.js';
import { Guild } from '../src/ruby/vm_insnhelper.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { plain, site } from './ruby-helpers.js';

/**
 * The call cache against a redefinition on another guild, in process: the redefinition
 * runs just before the calling guild publishes the CC its slow path found (after the VM
 * lock, at the store of cd->cc). The CC is then stale when it lands in the site; CRuby's
 * design relies on the method entry's INVALIDATED bit, set before the new version is
 * published, or on the CCs' klass cleared when a leaf class drops its ccs, not on the
 * site: the next call must miss and run the new body.
 */
class StoreInterrupt extends AtomicsMem {
  watch = -1;
  hook: () => void = () => {};
  override store(i: number, v: number): void {
    if (i === this.watch) {
      this.watch = -1;
      this.hook();
    }
    super.store(i, v);
  }
}

function vmOn(mem: StoreInterrupt, arena: Arena, over: Partial<VmConfig> = {}): Vm {
  const config: VmConfig = {
    capacity: 32, mids: 8, maxEntries: 256, ccSlots: 64, sites: 16, guilds: 2, design: 'ccs', sharedSerial: false, negativeCache: false, pic: 0, ...over,
  };
  return Vm.create(arena, mem, config);
}

describe('a redefinition between the slow path\'s lookup and its publication of cd->cc', () => {
  // A leaf class drops its ccs (every CC gets klass 0); a class with subclasses marks the entry INVALIDATED instead.
  for (const [shape, pic] of [['a leaf', 0], ['a leaf', 2], ['a class with a subclass', 0], ['a class with a subclass', 2]] as const) {
    it(`on ${shape}, pic ${pic}: the call that overlapped it may run the old body; the next call runs the new one`, () => {
      const arena = Arena.create(1 << 22);
      const mem = new StoreInterrupt(arena.sab);
      const vm = vmOn(mem, arena, { pic });
      const guild = new Guild(vm, 0);
      const A = vm.tree.defineClass(0);
      if (shape !== 'a leaf') vm.tree.defineClass(A);
      const old = vm.defineMethod(A, 0, plain);
      const s0 = site(vm, 0, 0);
      let redefined = -1;
      mem.watch = vm.siteWord(s0, S_CD_CC);
      mem.hook = () => {
        redefined = vm.defineMethod(A, 0, plain);
      };
      expect(guild.call(s0, A)).toBe(vm.mes.body(old));
      expect(redefined).toBeGreaterThan(0);
      expect(guild.call(s0, A)).toBe(vm.mes.body(redefined));
      expect(vm.mes.body(redefined)).not.toBe(vm.mes.body(old));
      expect(vm.audit()).toEqual([]);
    });
  }
});
