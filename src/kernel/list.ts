import type { Mem } from '../shm/mem.js';
import { NIL } from './mmzone.js';

/**
 * include/linux/list.h over struct page's lru words: a doubly linked list of pfns, its
 * head a {first, last} pair of words. Callers hold whatever lock guards the list (the
 * zone lock for free_area, the pcp lock for pageset lists), whose acquire and release
 * order these plain reads and writes, as list.h's are; nothing here is atomic, which is
 * exactly what the no-zone-lock variant breaks. Racy walkers (the /proc views of a live
 * image) see some written value of each word, never a torn one.
 */
export class PageList {
  constructor(
    private readonly mem: Mem,
    /** Word of page `pfn`'s lru.next is next(pfn); lru.prev the word after it. */
    private readonly lruWord: (pfn: number) => number,
  ) {}

  empty(head: number): boolean {
    return this.mem.read(head) === NIL;
  }

  first(head: number): number {
    return this.mem.read(head);
  }

  last(head: number): number {
    return this.mem.read(head + 1);
  }

  next(pfn: number): number {
    return this.mem.read(this.lruWord(pfn));
  }

  /** list_add: at the head. */
  add(head: number, pfn: number): void {
    const mem = this.mem;
    const first = mem.read(head);
    const w = this.lruWord(pfn);
    mem.write(w, first);
    mem.write(w + 1, NIL);
    if (first === NIL) mem.write(head + 1, pfn);
    else mem.write(this.lruWord(first) + 1, pfn);
    mem.write(head, pfn);
  }

  /** list_add_tail. */
  add_tail(head: number, pfn: number): void {
    const mem = this.mem;
    const last = mem.read(head + 1);
    const w = this.lruWord(pfn);
    mem.write(w, NIL);
    mem.write(w + 1, last);
    if (last === NIL) mem.write(head, pfn);
    else mem.write(this.lruWord(last), pfn);
    mem.write(head + 1, pfn);
  }

  /** list_del: unlink pfn from the list at head. */
  del(head: number, pfn: number): void {
    const mem = this.mem;
    const w = this.lruWord(pfn);
    const next = mem.read(w);
    const prev = mem.read(w + 1);
    if (prev === NIL) mem.write(head, next);
    else mem.write(this.lruWord(prev), next);
    if (next === NIL) mem.write(head + 1, prev);
    else mem.write(this.lruWord(next) + 1, prev);
    mem.write(w, NIL);
    mem.write(w + 1, NIL);
  }

  init(head: number): void {
    this.mem.write(head, NIL);
    this.mem.write(head + 1, NIL);
  }

  /** Walk a list for audits and views (bounded: a corrupted list may cycle). */
  walk(head: number, limit: number, visit: (pfn: number) => void): boolean {
    let pfn = this.mem.read(head);
    for (let n = 0; pfn !== NIL; n++) {
      if (n >= limit) return false;
      visit(pfn);
      pfn = this.next(pfn);
    }
    return true;
  }
}
