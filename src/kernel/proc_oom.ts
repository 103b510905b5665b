import { EACCES, EINVAL } from '../errors.js';
import { kstrtoint, strstrip } from './kstrtox.js';
import { OOM_UNKILLABLE, type OomKiller } from './oom_kill.js';
import { OOM_SCORE_ADJ_MAX, OOM_SCORE_ADJ_MIN, PF_KTHREAD, T_MM_ID, T_OOM_SCORE_ADJ, T_OOM_SCORE_ADJ_MIN, T_UID, TF_INIT, TF_VFORK } from './task.js';

/**
 * /proc/<pid>/oom_score, oom_score_adj and the legacy oom_adj (fs/proc/base.c, 6.6).
 * oom_adj is kept for old software: writes scale by 1000/17, reads scale back with
 * integer division (clamped to 15 since 5.10, so 942..999 read as 15, not 16), and some
 * values do not survive the round trip (9 → 529 → 8).
 */
export const OOM_DISABLE = -17;
export const OOM_ADJUST_MIN = -16;
export const OOM_ADJUST_MAX = 15;
/** PROC_NUMBUF: a write is cut to its first 12 bytes. */
export const PROC_NUMBUF = 13;

export type Capability = 'CAP_DAC_OVERRIDE' | 'CAP_SYS_RESOURCE';

/** The writer's credentials: root holds every capability, other users none. */
export interface Cred {
  uid: number;
  caps: ReadonlySet<Capability>;
}
export const ROOT: Cred = { uid: 0, caps: new Set<Capability>(['CAP_DAC_OVERRIDE', 'CAP_SYS_RESOURCE']) };
export const user = (uid: number): Cred => (uid === 0 ? ROOT : { uid, caps: new Set() });

/** oom_score: the badness scaled to 0..2000 and then by 2/3, as proc_oom_score prints it. */
export function proc_oom_score(k: OomKiller, t: number): number {
  const totalpages = k.vm.totalramPages + k.vm.swapPages;
  const badness = k.oom_badness(t, totalpages);
  if (badness === OOM_UNKILLABLE) return 0;
  return (((1000 + Math.trunc((badness * 1000) / totalpages)) * 2) / 3) | 0;
}

/** What the write handlers parse: kstrtoint(strstrip(buffer), 0) of at most PROC_NUMBUF - 1 bytes. */
function parse(text: string): { value: number; err: number } {
  return kstrtoint(strstrip(text.slice(0, PROC_NUMBUF - 1)));
}

export function oom_score_adj_read(k: OomKiller, t: number): number {
  return k.tasks.get(t, T_OOM_SCORE_ADJ);
}

/** oom_adj read: 1000 reads as 15, else oom_score_adj * 17 / 1000 truncated, clamped to 15. */
export function oom_adj_read(k: OomKiller, t: number): number {
  const adj = k.tasks.get(t, T_OOM_SCORE_ADJ);
  const v = adj === OOM_SCORE_ADJ_MAX ? OOM_ADJUST_MAX : ((adj * -OOM_DISABLE) / OOM_SCORE_ADJ_MAX) | 0;
  return Math.min(v, OOM_ADJUST_MAX);
}

/** Write oom_score_adj: 0, or -EINVAL / -ERANGE (parse, range), -EACCES (credentials). */
export function oom_score_adj_write(k: OomKiller, t: number, text: string, cred: Cred = ROOT): number {
  const { value, err } = parse(text);
  if (err) return err;
  if (value < OOM_SCORE_ADJ_MIN || value > OOM_SCORE_ADJ_MAX) return -EINVAL;
  return set_oom_adj(k, t, value, false, cred);
}

/** oom_adj write: -17 (disable) or -16..15; 15 stores 1000, else oom_adj * 1000 / 17 truncated. */
export function oom_adj_write(k: OomKiller, t: number, text: string, cred: Cred = ROOT): number {
  const { value, err } = parse(text);
  if (err) return err;
  if ((value < OOM_ADJUST_MIN || value > OOM_ADJUST_MAX) && value !== OOM_DISABLE) return -EINVAL;
  return set_oom_adj(k, t, value === OOM_ADJUST_MAX ? OOM_SCORE_ADJ_MAX : Math.trunc((value * OOM_SCORE_ADJ_MAX) / -OOM_DISABLE), true, cred);
}

/** The file is the task owner's, mode 0644: 0, or -EACCES for another user without CAP_DAC_OVERRIDE. */
export function may_open_for_write(k: OomKiller, t: number, cred: Cred): number {
  return cred.uid !== k.tasks.get(t, T_UID) && !cred.caps.has('CAP_DAC_OVERRIDE') ? -EACCES : 0;
}

/**
 * __set_oom_adj. The file is the task owner's, mode 0644: another user cannot open it for
 * writing without CAP_DAC_OVERRIDE. Without CAP_SYS_RESOURCE the legacy file may not lower
 * oom_score_adj, and oom_score_adj may not go below oom_score_adj_min; a privileged
 * oom_score_adj write moves oom_score_adj_min with it. Every other process sharing the mm
 * (not a vfork child, kernel thread or init) gets the same values.
 */
function set_oom_adj(k: OomKiller, t: number, adj: number, legacy: boolean, cred: Cred): number {
  const tt = k.tasks;
  if (may_open_for_write(k, t, cred)) return -EACCES;
  const resource = cred.caps.has('CAP_SYS_RESOURCE');
  const floor = legacy ? tt.get(t, T_OOM_SCORE_ADJ) : tt.get(t, T_OOM_SCORE_ADJ_MIN);
  if (adj < floor && !resource) return -EACCES;
  const setMin = !legacy && resource;
  const apply = (s: number) => {
    tt.set(s, T_OOM_SCORE_ADJ, adj);
    if (setMin) tt.set(s, T_OOM_SCORE_ADJ_MIN, adj);
  };
  apply(t);
  const mm = tt.get(t, T_MM_ID);
  if (tt.has(t, TF_VFORK) || mm === 0) return 0;
  for (const p of tt.live()) {
    if (p === t || tt.get(p, T_MM_ID) !== mm || tt.has(p, PF_KTHREAD) || tt.has(p, TF_INIT) || tt.has(p, TF_VFORK)) continue;
    apply(p);
  }
  return 0;
}

