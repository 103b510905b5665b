import { describe, expect, it } from 'vitest';
import { ENOBUFS } from '../src/errors.js';
import { Mailboxes, allocMailboxes } from '../src/runtime/mailbox.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

describe('Mailboxes', () => {
  it('delivers messages FIFO to the addressed actor only, and refuses when full', () => {
    const arena = Arena.create(1 << 20);
    const mem = new AtomicsMem(arena.sab);
    const ref = allocMailboxes(arena, mem, 2, 4);
    const a = new Mailboxes(mem, ref, 0);
    const b = new Mailboxes(mem, ref, 1);
    expect(a.send(1, 7, 1, 2, 3)).toBe(0);
    expect(a.send(1, 8, 4)).toBe(0);
    expect(a.pending()).toBe(0);
    expect(b.pending()).toBe(2);
    const m = new Int32Array(4);
    expect(b.receive(m, 0)).toBe(true);
    expect([...m]).toEqual([7, 1, 2, 3]);
    expect(b.receive(m, 0)).toBe(true);
    expect([...m]).toEqual([8, 4, 0, 0]);
    expect(b.receive(m, 1)).toBe(false);
    for (let i = 0; i < 3; i++) expect(a.send(1, i)).toBe(0);
    expect(a.send(1, 9)).toBe(-ENOBUFS);
  });
});
