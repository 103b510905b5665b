import { describe, expect, it } from 'vitest';
import { OomKiller, VM_HUGETLB, VM_LOCKED, VM_PFNMAP, VM_SHARED } from '../../../src/kernel/oom_kill.js';
import { VmAccounting } from '../../../src/kernel/overcommit.js';
import { T_RSS_ANON, TaskTable } from '../../../src/kernel/task.js';
import { runStress } from '../../../src/lab/stress.js';
import { Arena } from '../../../src/shm/arena.js';
import { AtomicsMem } from '../../../src/shm/mem.js';
import { MUTATING } from '../../mutating.js';

/**
 * What the oom_reaper may take: mm/oom_kill.c __oom_reap_task_mm, Linux 6.6. Its vma walk
 * skips VM_HUGETLB | VM_PFNMAP and unmaps `vma_is_anonymous(vma) || !(vma->vm_flags &
 * VM_SHARED)`: mlocked anonymous memory is reaped (since 5.18, commit a213e5cf71cb "mm/munlock:
 * delete munlock_vma_pages_all(), allow oomreap"); before, can_madv_lru_vma skipped VM_LOCKED
 * as well, so mlocked memory waited for the victim's own exit_mmap.
 */
function killer(reaperSkipsMlocked = false) {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  const tt = TaskTable.create(arena, mem, 4);
  const k = new OomKiller(tt, VmAccounting.create(arena, mem, { totalramPages: 32768, swapPages: 0 }), { reaperSkipsMlocked });
  // A database: 6000 anonymous pages, 4000 of them mlocked (mlockall), 500 of shmem, 300 of shared file mappings.
  const t = tt.spawn({ pid: 300, comm: 'postgres', rssAnon: 6000, lockedVm: 4000, rssShmem: 500, rssFile: 300 });
  return { tt, k, t };
}

describe('__oom_reap_task_mm (mm/oom_kill.c, 6.6)', () => {
  it('skips hugetlb and PFN maps, unmaps anonymous and private vmas, leaves shared mappings to exit_mmap; VM_LOCKED is no obstacle', () => {
    const { k } = killer();
    expect(k.oom_reap_vma(0, true)).toBe(true);
    expect(k.oom_reap_vma(VM_LOCKED, true)).toBe(true);
    expect(k.oom_reap_vma(0, false)).toBe(true);
    expect(k.oom_reap_vma(VM_SHARED, false)).toBe(false);
    expect(k.oom_reap_vma(VM_SHARED, true)).toBe(true);
    expect(k.oom_reap_vma(VM_HUGETLB, true)).toBe(false);
    expect(k.oom_reap_vma(VM_PFNMAP, false)).toBe(false);
    expect(k.oom_reap_vma(VM_HUGETLB | VM_LOCKED, true)).toBe(false);
  });

  it('reaps every anonymous page of an mlocked victim, shmem and shared file pages aside; oom_reap_task_mm logs what is left', () => {
    const { tt, k, t } = killer();
    const freed = k.oom_reapable_pages(t);
    expect(freed).toBe(6000);
    tt.add(t, T_RSS_ANON, -freed);
    expect(k.oom_reaped_line(t)).toBe('oom_reaper: reaped process 300 (postgres), now anon-rss:0kB, file-rss:1200kB, shmem-rss:2000kB');
  });

  it('before 5.18 (can_madv_lru_vma) the mlocked pages stay for exit_mmap', () => {
    const { k, t } = killer(true);
    expect(k.oom_reap_vma(VM_LOCKED, true)).toBe(false);
    expect(k.oom_reap_vma(0, true)).toBe(true);
    expect(k.oom_reapable_pages(t)).toBe(2000);
  });
});

// Stress runs on workers: skipped under npm run mutate, so the in-process cases above are in its set.
describe.skipIf(MUTATING)('mlocked victims on real workers (memrace run oom --mlock)', () => {
  const run = (reaperSkipsMlocked: boolean) =>
    runStress({ scenario: 'oom', params: { procs: 4, mem: '16M', chunk: '256K', mlock: 100, reaperSkipsMlocked, duration: '1500ms' } });

  it('the old reaper frees no mlocked page; exit_mmap frees them all, none lost', async () => {
    const r = await run(true);
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(r.notes.join('\n')).toMatch(/oom_reaper: \d+ victims reaped, 0 pages freed, 0 of them mlocked \(VM_LOCKED vmas skipped, as before 5\.18\)/);
  });

  it('6.6 reaps mlocked memory with the rest: every page the reaper frees is mlocked here, and every frame comes back', async () => {
    const r = await run(false);
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    const m = /oom_reaper: \d+ victims reaped, (\d+) pages freed, (\d+) of them mlocked\n?/.exec(r.notes.join('\n'));
    expect(m).not.toBeNull();
    expect(m![1]).toBe(m![2]);
  });
});
