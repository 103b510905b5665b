import { describe, expect, it } from 'vitest';
import { OomKiller, OOM_UNKILLABLE, type OomControl } from '../src/kernel/oom_kill.js';
import { VmAccounting } from '../src/kernel/overcommit.js';
import { MMF_OOM_SKIP, T_FLAGS, T_MM_FLAGS, T_RSS_ANON, TaskTable, TF_EXITING, TF_OOM_VICTIM } from '../src/kernel/task.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { KillableWitness } from '../src/scenarios/oom-deadlock.js';

/** A port that runs `hook` once, right after the store to word `at`: another CPU's turn in the middle of an operation. */
class InterruptedMem extends AtomicsMem {
  at = -1;
  hook: () => void = () => {};
  override store(i: number, v: number): void {
    super.store(i, v);
    if (i !== this.at) return;
    this.at = -1;
    this.hook();
  }
}

const oc = (): OomControl => ({ current: -1, order: 0, totalpages: 4096, constraint: 'CONSTRAINT_NONE' });

describe('fork against a concurrent OOM kill (the oom scenario\'s deadlock panic)', () => {
  function machine() {
    const arena = Arena.create(1 << 16);
    const mem = new InterruptedMem(arena.sab);
    const tt = TaskTable.create(arena, mem, 4);
    tt.spawn({ pid: 1, comm: 'init', init: true });
    tt.spawn({ pid: 10, comm: 'sshd', oomScoreAdj: -1000, rssAnon: 100 });
    const k = new OomKiller(tt, VmAccounting.create(arena, mem, { totalramPages: 4096, swapPages: 0 }));
    // The slot's previous process exited as the scenario's exit_mmap leaves it: no pages, MMF_OOM_SKIP, the slot free.
    const slot = tt.spawn({ pid: 19, comm: 'memhog-2', oomScoreAdj: 500 });
    tt.or(slot, T_MM_FLAGS, MMF_OOM_SKIP);
    tt.set(slot, T_FLAGS, 0);
    return { mem, tt, k, slot };
  }

  it('a scan in the middle of fork does not see the half-built task, so no kill of it is lost', () => {
    const { mem, tt, k, slot } = machine();
    let chosenMidFork = -3;
    // Another CPU runs the killer, and the oom_reaper after it, while fork has filled the slot up to mm->flags.
    mem.at = tt.w(slot, T_MM_FLAGS);
    mem.hook = () => {
      chosenMidFork = k.select_bad_process(oc()).chosen;
      if (chosenMidFork !== slot) return;
      k.oom_kill_process(oc(), slot, 'Out of memory');
      k.oom_reap_task(slot, () => true);
    };
    tt.spawnAt(slot, { pid: 20, comm: 'memhog-2', oomScoreAdj: 500 });
    expect(chosenMidFork).toBe(-1);
    // The new process grows; it must stay killable (it is neither a victim nor protected).
    tt.set(slot, T_RSS_ANON, 2133);
    expect(tt.has(slot, TF_OOM_VICTIM)).toBe(false);
    expect(k.oom_badness(slot, 4096)).not.toBe(OOM_UNKILLABLE);
    expect(k.select_bad_process(oc()).chosen).toBe(slot);
  });

  it('a late kill aimed at the exited process does not stick to the one forked into its slot', () => {
    const { mem, tt, k, slot } = machine();
    mem.at = tt.w(slot, T_MM_FLAGS);
    // A killer that chose the slot's previous process marks it only now.
    mem.hook = () => k.mark_oom_victim(slot);
    tt.spawnAt(slot, { pid: 21, comm: 'memhog-2', oomScoreAdj: 500, rssAnon: 5 });
    expect(tt.has(slot, TF_OOM_VICTIM)).toBe(false);
    expect(k.select_bad_process(oc()).chosen).toBe(slot);
  });

  it('a kill aimed at a process that exited between the scan and the mark does not hit the one forked into its slot (the generation check)', () => {
    const { tt, k, slot } = machine();
    tt.spawnAt(slot, { pid: 23, comm: 'memhog-2', oomScoreAdj: 500, rssAnon: 2133 });
    const { chosen, gen } = k.select_bad_process(oc());
    expect(chosen).toBe(slot);
    // Between select_bad_process and oom_kill_process the chosen process reaches its size and exits; its CPU forks the next.
    tt.set(slot, T_FLAGS, 0);
    tt.spawnAt(slot, { pid: 24, comm: 'memhog-2', oomScoreAdj: 500, rssAnon: 5 });
    expect(k.oom_kill_process(oc(), chosen, 'Out of memory', gen)).toEqual(['OOM victim is already exiting. Skip killing the task']);
    expect(tt.has(slot, TF_OOM_VICTIM | TF_EXITING)).toBe(false);
    // Without the generation (the model before): the newcomer would have been marked.
    expect(k.mark_oom_victim(slot)).toBe(0);
    expect(tt.has(slot, TF_OOM_VICTIM)).toBe(true);
  });

  it('the scenario\'s witness turns that deadlock panic into a violation, and stays quiet when everyone is protected', () => {
    const { tt, k, slot } = machine();
    const w = new KillableWitness(tt, k);
    // What the lost kill left behind: alive, not a victim, MMF_OOM_SKIP, growing.
    tt.spawnAt(slot, { pid: 22, comm: 'memhog-2', oomScoreAdj: 500, rssAnon: 2133 });
    tt.or(slot, T_MM_FLAGS, MMF_OOM_SKIP);
    w.note();
    const r = k.out_of_memory(oc());
    expect(r.log).toContain('Out of memory and no killable processes...');
    expect(r.panic).toBe('Kernel panic - not syncing: System is deadlocked on memory');
    expect(w.contradiction()).toBe('"Out of memory and no killable processes" while pid 22 (memhog-2) held 2133 pages with oom_score_adj 500, neither a victim nor protected');
    // Only -1000 (and init) left: the panic is the kernel's, no contradiction.
    tt.set(slot, T_FLAGS, 0);
    w.note();
    expect(k.out_of_memory(oc()).panic).toBe('Kernel panic - not syncing: System is deadlocked on memory');
    expect(w.contradiction()).toBeNull();
  });
});
