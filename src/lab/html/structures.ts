import type { ReplayResult } from '../det/replay.js';
import { BUDDY_REGIONS, buddyView, hasKernel } from './buddy-view.js';
import { callCacheView, hasVm, touchedSites } from './callcache-view.js';
import { type Frames, rewind } from './rewind.js';

/**
 * The structure a replay page draws at each turn, beside the ring the stepper draws from the
 * trace: a kernel's buddy free_area, a Ruby VM's call caches. Null for a scenario with
 * neither, or a trace that cannot be undone (rewind.ts).
 */
export function structureFrames(r: ReplayResult): Frames | null {
  const state = r.run.run.state;
  const weak = (r.schedule.memory ?? 'sc') !== 'sc';
  if (hasKernel(state)) return rewind(r.run, weak, buddyView(state.kernel), BUDDY_REGIONS);
  if (hasVm(state)) return rewind(r.run, weak, callCacheView(state.vm, touchedSites(state.vm, r.run.trace)), (name) => name.startsWith('ruby.'));
  return null;
}
