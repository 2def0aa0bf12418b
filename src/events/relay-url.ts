/** Relay URLs found inside events (relay hints, NIP-65 and NIP-17 lists). */

/** Longest relay URL accepted from an event. */
export const MAX_RELAY_URL = 512;

/** Whether `url` is a ws:// or wss:// URL of reasonable length (no other checks: hints are hints). */
export function isRelayUrl(url: unknown): url is string {
  if (typeof url !== 'string' || url.length > MAX_RELAY_URL) return false;
  if (!url.startsWith('ws://') && !url.startsWith('wss://')) return false;
  try {
    const u = new URL(url);
    return (u.protocol === 'ws:' || u.protocol === 'wss:') && u.hostname.length > 0;
  } catch {
    return false;
  }
}
