/**
 * What the dashboard knows of the peer's relays: each relay's last state, from `/api/relays` at
 * load and the live `relay` events. The shell's banner and the pay dialog read this one state, so
 * they never disagree about whether a relay is reachable.
 */

const up = new Map<string, boolean>();
const listeners = new Set<() => void>();

/** Records a relay's state and tells every listener. */
export function setRelayState(url: string, connected: boolean): void {
  up.set(url, connected);
  for (const f of [...listeners]) f();
}

/** How many relays the peer uses (as far as the dashboard heard). */
export function relayCount(): number {
  return up.size;
}

/**
 * True when the peer has relays and none is connected: nothing published or sent reaches anyone.
 * False while nothing is known yet (an unknown state is not reported as an outage).
 */
export function noRelayReachable(): boolean {
  return up.size > 0 && [...up.values()].every((c) => !c);
}

/** Calls `f` after every change of a relay's state; returns the unsubscribe. */
export function onRelayChange(f: () => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}
