import { defineScenario } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import { Mailboxes, type MailboxesRef, allocMailboxes, mailboxesBytes } from '../runtime/mailbox.js';
import type { ActorContext } from '../runtime/context.js';
import { SpinLock } from '../shm/spinlock.js';

/**
 * Scenarios that exercise the runtime itself: a token relayed around every actor's
 * mailbox, and actors that crash, hang or die holding a lock, so the watchdog's reports can
 * be tested. Hidden from `memrace list`.
 */
type RelayP = Params & { workers: number; laps: number };
interface RelayState {
  boxes: MailboxesRef;
  lastSeen: number;
}

const MSG_TOKEN = 1;
const O_IN_ORDER = 0;
const O_OUT_OF_ORDER = 1;

function relay(ctx: ActorContext<RelayP, RelayState>): number {
  const { mem, state: s, params: p } = ctx;
  const boxes = new Mailboxes(mem, s.boxes, ctx.actor);
  const n = ctx.roles.length;
  const next = (ctx.actor + 1) % n;
  const msg = new Int32Array(4);
  const total = p.laps * n;
  let received = 0;
  if (ctx.actor === 0) boxes.send(next, MSG_TOKEN, 1);
  for (;;) {
    ctx.op(1);
    if (!boxes.receive(msg, 100)) {
      if (ctx.stopFlag()) break;
      continue;
    }
    const hop = msg[1];
    received++;
    const prev = mem.exchange(s.lastSeen, hop);
    ctx.outcome(prev === hop - 1 ? O_IN_ORDER : O_OUT_OF_ORDER);
    ctx.done(1);
    if (hop + 1 < total + 1) {
      while (boxes.send(next, MSG_TOKEN, hop + 1) !== 0) mem.pause();
    }
    // Every actor sees hops ≡ its position (mod n); the last one ends the relay.
    if (hop >= total) {
      ctx.requestStop();
      break;
    }
    if (hop + n > total) break;
  }
  return received;
}

export const mailboxRelay = defineScenario<RelayP, RelayState>({
  name: 'mailbox-relay',
  summary: 'runtime probe: a token relayed through every actor mailbox, in order',
  subsystem: 'lab',
  hidden: true,
  omit: ['duration', 'ops'],
  params: [{ name: 'laps', type: 'int', default: 100, min: 1, help: 'times the token goes round' }],
  variants: [{ name: 'correct', summary: 'as shipped' }],
  outcomes: [
    { id: 'in-order', grade: 'ACCEPTABLE', description: 'the token arrived with the next hop number' },
    { id: 'out-of-order', grade: 'FORBIDDEN', description: 'a hop was skipped or repeated' },
  ],
  counters: [],
  opNames: ['start', 'receive'],
  imageBytes: (p) => mailboxesBytes(p.workers as number) + 256,
  actors: (p) => Array<string>(p.workers as number).fill('relay'),
  setup: (arena, mem, _p, roles) => ({ boxes: allocMailboxes(arena, mem, roles.length), lastSeen: arena.allocWords('relay.last', 1) }),
  roles: { relay },
  check: ({ results, params }) => {
    const got = (results as number[]).reduce((a, b) => a + b, 0);
    const want = (params.laps as number) * (params.workers as number);
    return { oracles: [{ name: 'delivered', violations: got === want ? [] : [{ message: `${got} hops received, ${want} sent` }] }] };
  },
});

type FaultP = Params & { fault: string };
interface FaultState {
  lock: number;
}

/** One healthy actor and one faulty one; the fault is the parameter. */
function faulty(ctx: ActorContext<FaultP, FaultState>): void {
  const lock = new SpinLock(ctx.mem, ctx.state.lock);
  for (let i = 0; ; i++) {
    ctx.op(1);
    ctx.done(1);
    if (i < 1000) continue;
    if (ctx.params.fault === 'crash') {
      ctx.op(2);
      throw new Error('injected fault: page table walk hit a poisoned entry');
    }
    if (ctx.params.fault === 'hang-holding-lock') {
      ctx.op(3);
      lock.lock(ctx.actor);
    }
    ctx.op(4);
    for (;;) ctx.mem.pause();
  }
}

function healthy(ctx: ActorContext<FaultP, FaultState>): void {
  while (!ctx.stopped()) {
    ctx.op(1);
    ctx.done(1);
  }
}

export const faultProbe = defineScenario<FaultP, FaultState>({
  name: 'fault-probe',
  summary: 'runtime probe: an actor that crashes, hangs, or hangs holding a lock',
  subsystem: 'lab',
  hidden: true,
  omit: ['workers'],
  params: [{ name: 'fault', type: 'choice', default: 'crash', choices: ['crash', 'hang', 'hang-holding-lock'], help: 'what the faulty actor does' }],
  variants: [{ name: 'correct', summary: 'as shipped' }],
  outcomes: [],
  counters: [],
  opNames: ['start', 'work', 'walk-page-table', 'take-zone-lock', 'spin-forever'],
  imageBytes: () => 256,
  actors: () => ['healthy', 'faulty'],
  setup: (arena) => ({ lock: arena.allocWords('probe.zone-lock', 1) }),
  roles: { healthy, faulty },
  locks: (s) => [{ name: 'zone-lock', word: s.lock }],
  check: () => ({ oracles: [] }),
});
