import type { Mem } from '../shm/mem.js';
import { NIL } from './mmzone.js';

/**
 * include/linux/list.h over struct page's lru words: a doubly linked list of pfns, its
 * head a {first, last} pair of words. Callers hold whatever lock guards the list (the
 * zone lock for free_area, the pcp lock for pageset lists); nothing here is atomic as a
 * whole, which is exactly what the no-zone-lock variant breaks.
 */
export class PageList {
  constructor(
    private readonly mem: Mem,
    /** Word of page `pfn`'s lru.next is next(pfn); lru.prev the word after it. */
    private readonly lruWord: (pfn: number) => number,
  ) {}

  empty(head: number): boolean {
    return this.mem.load(head) === NIL;
  }

  first(head: number): number {
    return this.mem.load(head);
  }

  last(head: number): number {
    return this.mem.load(head + 1);
  }

  next(pfn: number): number {
    return this.mem.load(this.lruWord(pfn));
  }

  /** list_add: at the head. */
  add(head: number, pfn: number): void {
    const mem = this.mem;
    const first = mem.load(head);
    const w = this.lruWord(pfn);
    mem.store(w, first);
    mem.store(w + 1, NIL);
    if (first === NIL) mem.store(head + 1, pfn);
    else mem.store(this.lruWord(first) + 1, pfn);
    mem.store(head, pfn);
  }

  /** list_add_tail. */
  add_tail(head: number, pfn: number): void {
    const mem = this.mem;
    const last = mem.load(head + 1);
    const w = this.lruWord(pfn);
    mem.store(w, NIL);
    mem.store(w + 1, last);
    if (last === NIL) mem.store(head, pfn);
    else mem.store(this.lruWord(last), pfn);
    mem.store(head + 1, pfn);
  }

  /** list_del: unlink pfn from the list at head. */
  del(head: number, pfn: number): void {
    const mem = this.mem;
    const w = this.lruWord(pfn);
    const next = mem.load(w);
    const prev = mem.load(w + 1);
    if (prev === NIL) mem.store(head, next);
    else mem.store(this.lruWord(prev), next);
    if (next === NIL) mem.store(head + 1, prev);
    else mem.store(this.lruWord(next) + 1, prev);
    mem.store(w, NIL);
    mem.store(w + 1, NIL);
  }

  init(head: number): void {
    this.mem.store(head, NIL);
    this.mem.store(head + 1, NIL);
  }

  /** Walk a list for audits and views (bounded: a corrupted list may cycle). */
  walk(head: number, limit: number, visit: (pfn: number) => void): boolean {
    let pfn = this.mem.load(head);
    for (let n = 0; pfn !== NIL; n++) {
      if (n >= limit) return false;
      visit(pfn);
      pfn = this.next(pfn);
    }
    return true;
  }
}
