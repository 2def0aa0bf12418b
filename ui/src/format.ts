/** Display helpers: peer names, keys, rates, cuts, times. */
import { formatDecimal } from '../../src/core/decimal.ts';
import type { IdentityView, OfferView, SocialGraphView } from './api.ts';
import { h } from './dom.ts';

const names = new Map<string, string>();
const npubs = new Map<string, string>();
let selfKey = '';

/** Remember names and npubs from the social graph. */
export function learnPeers(graph: SocialGraphView): void {
  selfKey = graph.self;
  for (const n of graph.nodes) {
    npubs.set(n.pubkey, n.npub);
    if (n.name) names.set(n.pubkey, n.name);
  }
}

/** The user's own pubkey, once known. */
export function self(): string {
  return selfKey;
}

/** A short form of a key: `npub1abcd…wxyz`. */
export function shortKey(pubkey: string): string {
  const n = npubs.get(pubkey);
  return n ? `${n.slice(0, 10)}…${n.slice(-4)}` : `${pubkey.slice(0, 8)}…`;
}

/** A peer's display name: its name, "you", or a short npub. */
export function peerName(pubkey: string): string {
  if (pubkey === selfKey) return names.has(pubkey) ? `${names.get(pubkey)} (you)` : 'you';
  return names.get(pubkey) ?? shortKey(pubkey);
}

/** The npub of a known peer, or undefined. */
export function npubOf(pubkey: string): string | undefined {
  return npubs.get(pubkey);
}

/** A peer's name as an element with the full key in its title. */
export function peerEl(pubkey: string): HTMLElement {
  return h('span', { class: 'peer', title: npubs.get(pubkey) ?? pubkey }, peerName(pubkey));
}

const labels = new Map<string, string>();

/** Remember display labels of unit and notary IDs (`IdentityView.labels`). */
export function learnLabels(map: Record<string, string> | undefined): void {
  for (const [id, label] of Object.entries(map ?? {})) labels.set(id, label);
}

const scales = new Map<string, string>();

/** Remember labels and unit scales from the identity (`IdentityView.labels`, `.scales`). */
export function learnIdentity(id: IdentityView): void {
  learnLabels(id.labels);
  for (const [unit, factor] of Object.entries(id.scales ?? {})) scales.set(unit, factor);
}

/** The unit ID of a `unit@notary` reference. */
function unitIdOf(ref: { unit: string; notary: string } | string): string {
  if (typeof ref !== 'string') return ref.unit;
  const at = ref.lastIndexOf('@');
  return at < 0 ? ref : ref.slice(0, at);
}

/**
 * An amount in its unit's scale with the unit: `10920` USD -> `109.20 USD@Notary One`. Base units
 * (grouped) when the unit's factor is unknown or not a power of ten.
 */
export function money(a: string | null | undefined, ref: { unit: string; notary: string } | string): string {
  return a === null || a === undefined ? '–' : `${scaled(a, ref)} ${unitLabel(ref)}`;
}

/** The amount alone in its unit's scale (see {@link money}). */
export function scaled(a: string | null | undefined, ref: { unit: string; notary: string } | string): string {
  if (a === null || a === undefined) return '–';
  const factor = scales.get(unitIdOf(ref));
  if (factor === undefined || !/^-?[0-9]+$/.test(a)) return amount(a);
  try {
    const text = formatDecimal(BigInt(a), factor);
    const dot = text.indexOf('.');
    return dot < 0 ? amount(text) : `${amount(text.slice(0, dot))}${text.slice(dot)}`;
  } catch {
    return amount(a);
  }
}

/** Base units per display unit of a unit ID or `unit@notary` (e.g. `"100"`), when known. */
export function factorOf(ref: string): string | undefined {
  return scales.get(unitIdOf(ref));
}

/** The raw label (a TLA, a notary name) of a unit or notary ID, when known. */
export function labelOf(id: string): string | undefined {
  return labels.get(id);
}

/** A unit or notary ID as its label (TLA, notary name without a parenthesis) or a short ID. */
export function idLabel(id: string): string {
  const l = labels.get(id)?.replace(/\s*\([^)]*\)$/, '');
  if (l) return l.length > 20 ? `${l.slice(0, 18)}…` : l;
  return id.length > 14 ? `${id.slice(0, 10)}…` : id;
}

/** `unit@notary` with labels or short IDs. */
export function unitLabel(ref: { unit: string; notary: string } | string): string {
  const text = typeof ref === 'string' ? ref : `${ref.unit}@${ref.notary}`;
  const at = text.lastIndexOf('@');
  if (at < 0) return idLabel(text);
  return `${idLabel(text.slice(0, at))}@${idLabel(text.slice(at + 1))}`;
}

/** A cut in parts per million as a percentage: `2500` -> `0.25%`. */
export function cutLabel(ppm: string): string {
  const n = Number(ppm);
  return `${(n / 10_000).toFixed(n % 100 === 0 ? 2 : 4).replace(/\.?0+$/, '')}%`;
}

/** A rate `[num, den]` as `num/den` (or the integer when den is 1). */
export function rateLabel(rate: [string, string]): string {
  return rate[1] === '1' ? `×${rate[0]}` : `×${rate[0]}/${rate[1]}`;
}

/** One-line summary of an offer's terms. */
export function offerTerms(o: OfferView): string {
  const parts = [rateLabel(o.rate), `cut ${cutLabel(o.cut_ppm)}`];
  if (o.fee !== '0') parts.push(`fee ${scaled(o.fee, o.out)}`);
  return parts.join(' · ');
}

/** Unix seconds or milliseconds as a local date-time. */
export function when(t: number): string {
  const ms = t < 1e12 ? t * 1000 : t;
  return new Date(ms).toLocaleString();
}

/** Group digits of an integer string: `1234567` -> `1 234 567`. */
export function amount(a: string | null | undefined): string {
  if (a === null || a === undefined) return '–';
  return a.replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
}
