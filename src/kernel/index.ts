/**
 * The physical-memory model (Linux 6.6) as other subsystems use it: boot a machine,
 * attach to it in any thread, allocate and free frames by pfn, reach a frame's bytes.
 *
 *   const { kernel, mem } = bootMachine(bootConfig({ nodes: 2, mem: 64 << 20 }));
 *   const cpu = new PageAlloc(kernel, 0);            // in a worker: new Kernel(mem, ref)
 *   const pfn = cpu.alloc_pages(GFP_KERNEL, 0);      // -1 and cpu.reason on failure
 *   mem.u8[cpu.page_address(pfn)] = 42;              // the frame's bytes (or kernel.pages.frame(pfn))
 *   cpu.__free_pages(pfn, 0);
 *
 * @module memrace/kernel
 */
export { boot, bootMachine, kernelImageBytes, type BootResult } from './boot.js';
export { DEFAULT_BOOT, bootConfig, type BootConfig, type MemRange } from './bootconfig.js';
export { Kernel, type KernelRef } from './kernel.js';
export { ALLOC_FAIL_REASONS, PageAlloc } from './page_alloc.js';
export { MemMap } from './page.js';
export * from './gfp.js';
export { MAX_ORDER, PAGE_SHIFT, PAGE_SIZE } from './mmzone.js';
export { auditKernel, type KernelAudit } from './audit.js';
export { kswapd, type ReclaimFn } from './kswapd.js';
export { PROC_PATHS, procRead } from './proc.js';
export { OomKiller, type OomControl, type OomResult } from './oom_kill.js';
export { VmAccounting, VM_SYSCTLS, type VmSysctl } from './overcommit.js';
export { TaskTable, type TaskSpec } from './task.js';
export { oom_adj_read, oom_adj_write, oom_score_adj_read, oom_score_adj_write, proc_oom_score } from './proc_oom.js';
