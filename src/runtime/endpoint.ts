import type { Endpoint } from 'comlink';

interface NodePort {
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
  start?: () => void;
}

type Listener = ((ev: { data: unknown }) => void) | { handleEvent(ev: { data: unknown }): void };

/**
 * comlink speaks the browser's MessagePort dialect (addEventListener, event.data); a Node
 * worker or parentPort speaks EventEmitter's. This is the adapter, typed, with listeners
 * kept so that a released proxy really detaches.
 */
export function nodeEndpoint(port: NodePort): Endpoint {
  const listeners = new Map<Listener, (data: unknown) => void>();
  const ep = {
    postMessage: (message: unknown, transfer?: readonly unknown[]) => port.postMessage(message, transfer),
    addEventListener: (_type: string, listener: Listener) => {
      const l = (data: unknown) => (typeof listener === 'function' ? listener({ data }) : listener.handleEvent({ data }));
      port.on('message', l);
      listeners.set(listener, l);
    },
    removeEventListener: (_type: string, listener: Listener) => {
      const l = listeners.get(listener);
      if (!l) return;
      port.off('message', l);
      listeners.delete(listener);
    },
    start: port.start?.bind(port),
  };
  return ep as unknown as Endpoint;
}
