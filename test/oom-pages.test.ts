import { describe, expect, it } from 'vitest';
import { boot, kernelImageBytes } from '../src/kernel/boot.js';
import { bootConfig } from '../src/kernel/bootconfig.js';
import { GFP_HIGHUSER_MOVABLE } from '../src/kernel/gfp.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import { T_RSS_ANON, TaskTable } from '../src/kernel/task.js';
import { TaskPages, framesReturned } from '../src/scenarios/oom-pages.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/** A 16M machine with two CPUs (a process's and the reaper's), a task table and its page arrays. */
function machine() {
  const c = bootConfig({ mem: 16 * 2 ** 20, cpusPerNode: 2 });
  const arena = Arena.create(kernelImageBytes(c) + TaskTable.bytes(4) + TaskPages.bytes(4, 64) + 1024);
  const mem = new AtomicsMem(arena.sab);
  const { kernel } = boot(arena, mem, c);
  const tasks = TaskTable.create(arena, mem, 4);
  const pages = new TaskPages(mem, TaskPages.create(arena, mem, 4, 64));
  const slot = tasks.spawn({ pid: 100, comm: 'memhog' });
  const fault = (pa: PageAlloc, n: number) => {
    for (let i = 0; i < n; i++) {
      pages.add(slot, pa.alloc_pages(GFP_HIGHUSER_MOVABLE, 0));
      tasks.add(slot, T_RSS_ANON, 1);
    }
  };
  return { kernel, tasks, pages, slot, fault, cpu: new PageAlloc(kernel, 0), reaper: new PageAlloc(kernel, 1) };
}

describe('the pages an OOM-scenario task holds (kernel frames)', () => {
  it('exit and the reaper free each page once, whoever comes first; conservation holds throughout', () => {
    const { kernel, tasks, pages, slot, fault, cpu, reaper } = machine();
    fault(cpu, 10);
    expect(pages.held(slot)).toHaveLength(10);
    expect(framesReturned(kernel, tasks, pages, 0)).toEqual([]);
    expect(pages.release(slot, reaper)).toBe(10);
    expect(pages.release(slot, cpu)).toBe(0);
    tasks.add(slot, T_RSS_ANON, -10);
    expect(framesReturned(kernel, tasks, pages, 0)).toEqual([]);
  });

  it('catches a page lost (allocated, held by nobody) and a page freed twice', () => {
    const { kernel, tasks, pages, fault, cpu } = machine();
    fault(cpu, 2);
    const lost = cpu.alloc_pages(GFP_HIGHUSER_MOVABLE, 0);
    expect(framesReturned(kernel, tasks, pages, 0).map((v) => v.message)).toEqual(['the allocator has 3 pages out, but tasks hold 2: pages lost or freed twice']);
    cpu.put_page(lost);
    // The second put finds _refcount 0 (the page sits on this CPU's pageset, not yet PageBuddy).
    cpu.put_page(lost);
    expect(framesReturned(kernel, tasks, pages, 0).map((v) => v.message)).toEqual(['1 bad_page report(s), the last: nonzero _refcount']);
  });
});
