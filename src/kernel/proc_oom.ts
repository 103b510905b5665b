import { EINVAL } from '../errors.js';
import { OOM_UNKILLABLE, type OomKiller } from './oom_kill.js';
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN, T_OOM_SCORE_ADJ } from './task.js';

/**
 * /proc/<pid>/oom_score, oom_score_adj and the legacy oom_adj (fs/proc/base.c, 6.6).
 * oom_adj is kept for old software: writes scale by 1000/17, reads scale back with
 * integer division, so some values do not survive the round trip (9 → 529 → 8).
 */
export const OOM_DISABLE = -17;
export const OOM_ADJUST_MIN = -16;
export const OOM_ADJUST_MAX = 15;

/** oom_score: the badness scaled to 0..2000 and then by 2/3, as proc_oom_score prints it. */
export function proc_oom_score(k: OomKiller, t: number): number {
  const totalpages = k.vm.totalramPages + k.vm.swapPages;
  const badness = k.oom_badness(t, totalpages);
  if (badness === OOM_UNKILLABLE) return 0;
  return (((1000 + Math.trunc((badness * 1000) / totalpages)) * 2) / 3) | 0;
}

/** kstrtoint on what was written (a trailing newline allowed, as `echo` sends). */
function parseInt10(text: string): number | null {
  const m = /^\s*([+-]?\d+)\n?$/.exec(text);
  return m ? Number(m[1]) : null;
}

export function oom_score_adj_read(k: OomKiller, t: number): number {
  return k.tasks.get(t, T_OOM_SCORE_ADJ);
}

/** Write oom_score_adj: 0, or -EINVAL outside -1000..1000 or when not a number. */
export function oom_score_adj_write(k: OomKiller, t: number, text: string): number {
  const v = parseInt10(text);
  if (v === null || v < OOM_SCORE_ADJ_MIN || v > OOM_SCORE_ADJ_MAX) return -EINVAL;
  k.tasks.set(t, T_OOM_SCORE_ADJ, v);
  return 0;
}

/** oom_adj read: 1000 reads as 15, else oom_score_adj * 17 / 1000 truncated. */
export function oom_adj_read(k: OomKiller, t: number): number {
  const adj = k.tasks.get(t, T_OOM_SCORE_ADJ);
  return adj === OOM_SCORE_ADJ_MAX ? OOM_ADJUST_MAX : ((adj * -OOM_DISABLE) / OOM_SCORE_ADJ_MAX) | 0;
}

/** oom_adj write: -17 (disable) or -16..15; 15 stores 1000, else oom_adj * 1000 / 17 truncated. */
export function oom_adj_write(k: OomKiller, t: number, text: string): number {
  const v = parseInt10(text);
  if (v === null || ((v < OOM_ADJUST_MIN || v > OOM_ADJUST_MAX) && v !== OOM_DISABLE)) return -EINVAL;
  k.tasks.set(t, T_OOM_SCORE_ADJ, v === OOM_ADJUST_MAX ? OOM_SCORE_ADJ_MAX : Math.trunc((v * OOM_SCORE_ADJ_MAX) / -OOM_DISABLE));
  return 0;
}
