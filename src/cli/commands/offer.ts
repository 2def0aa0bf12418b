import { OtP2pError, describeValue, isOtP2pError } from '../../core/errors.ts';
import { parseJson } from '../../core/json.ts';
import { unixSeconds } from '../../core/clock.ts';
import {
  buildOfferDeletion,
  buildOfferEvent,
  closedOfferPlaceholder,
  formatUnitRef,
  parseOfferEvent,
  parseUnitRef,
  validateOffer,
} from '../../events/offer.ts';
import type { Offer, OfferStatus, SignedOffer } from '../../events/offer.ts';
import type { EventTemplate, NostrEvent } from '../../events/types.ts';
import { EventVerifier } from '../../events/verify.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { readTextFileBounded } from '../input.ts';
import {
  amountOption,
  boolOption,
  choiceArg,
  enumOption,
  intOptionOr,
  parsePubkeyText,
  requiredString,
  stringOption,
} from '../options.ts';
import { publishWithPeer } from '../publish.ts';
import { BASE_UNITS_OPTION, Scales, baseUnits, peerScales } from '../scale.ts';
import type { UnitRef } from '../../core/assets.ts';
import { attachOt, openPeer } from '../peer.ts';
import { describeGaps } from '../../relays/query.ts';
import { PASSWORD_OPTION, STDIN_SECRETS_HELP } from '../secrets.ts';
import { openHomeSigner } from '../signer.ts';
import { offerToJson } from '../../pathing/file.ts';
import { peerInternals } from '../../peer/internals.ts';

/** Most bytes of an `offer list --events` file. */
const MAX_EVENTS_FILE_BYTES = 64 << 20;
/** `--expires-in` bounds: a second to ten years. */
const EXPIRES_IN = { min: 1, max: 10 * 365 * 86_400 };

const str = requiredString;

/**
 * `--rate 92/100` (or `--rate 3` for 3/1). A mistyped option is a usage error (exit 2); the same
 * mistake in a peer's event stays `bad-rate` from the event parser.
 * @throws OtP2pError `usage`.
 */
function parseRate(text: string): [bigint, bigint] {
  const m = /^([0-9]{1,19})(?:\/([0-9]{1,19}))?$/.exec(text);
  const num = m ? BigInt(m[1] as string) : 0n;
  const den = m ? BigInt(m[2] ?? '1') : 0n;
  if (!m || num === 0n || den === 0n || num > (1n << 63n) - 1n || den > (1n << 63n) - 1n) {
    throw new OtP2pError('usage', `--rate must be NUM/DEN with positive integers, got ${describeValue(text)}`, {
      context: { option: 'rate' },
    });
  }
  return [num, den];
}

/**
 * The offer described by `offer add` options, validated: terms the user typed that no offer can
 * carry (min above max, a cut of 100%) are usage errors here, while `validateOffer` keeps
 * calling them `bad-offer` in events from other peers.
 * @throws OtP2pError `usage`, `bad-amount`, `expired`.
 */
export function offerFromOptions(ctx: CommandContext, now: number, scales: Scales = new Scales()): Offer {
  const [rateNum, rateDen] = parseRate(str(ctx, 'rate'));
  const expiresIn = intOptionOr(ctx, 'expires-in', 86_400, EXPIRES_IN);
  // `closed` is what `offer withdraw` publishes.
  const status: OfferStatus = enumOption(ctx, 'status', ['open', 'paused'] as const, 'open');
  const inUnit = parseUnitRef(str(ctx, 'in'), '--in');
  const outUnit = parseUnitRef(str(ctx, 'out'), '--out');
  // min and max bound the input, fee and liquidity are output: each in its unit's own scale.
  const base = baseUnits(ctx);
  const warn = (l: string): void => ctx.io.stderr(l);
  const amount = (name: string, unit: UnitRef, fallback?: bigint): bigint => {
    const text = stringOption(ctx, name);
    if (text === undefined) return fallback ?? scales.parse(str(ctx, name), [unit], `--${name}`, { base, warn });
    // the option's default is "0": zero is zero in any scale, and says nothing about one
    if (fallback !== undefined && text === '0') return fallback;
    return scales.parse(text, [unit], `--${name}`, { base, warn });
  };
  const offer: Offer = {
    id: str(ctx, 'id'),
    in: inUnit,
    out: outUnit,
    rateNum,
    rateDen,
    cutPpm: amountOption(ctx, 'cut-ppm', { max: 999_999n }) ?? 0n,
    fee: amount('fee', outUnit, 0n),
    min: amount('min', inUnit, 0n),
    max: amount('max', inUnit),
    liquidity: amount('liquidity', outUnit),
    expiration: now + expiresIn,
    status,
  };
  try {
    return validateOffer(offer, now);
  } catch (e) {
    if (!isOtP2pError(e, 'bad-offer') && !isOtP2pError(e, 'bad-rate')) throw e;
    throw new OtP2pError('usage', e.message, { context: e.context, cause: e });
  }
}

/** Who authors the events: the vault identity (`--sign`) or a bare `--pubkey` (unsigned output). */
interface Author {
  pubkey: string;
  finish: (t: EventTemplate) => Promise<NostrEvent | (EventTemplate & { pubkey: string })>;
  close: () => Promise<void>;
}

/**
 * Resolve the author. Publishing is one call on the signed events (the Peer facade's outbox),
 * kept out of this command so it stays usable offline.
 * @throws OtP2pError `usage`, or the vault's codes (`no-password`, `no-identity`, `bad-password`).
 */
async function author(ctx: CommandContext): Promise<Author> {
  if (boolOption(ctx, 'sign')) {
    // The vault's signer: a local key, or the remote signer for a bunker identity.
    const user = await openHomeSigner(ctx);
    return { pubkey: user.identity.pubkey, finish: (t) => user.signer.signEvent(t), close: () => user.close() };
  }
  const text = stringOption(ctx, 'pubkey');
  if (text === undefined) {
    throw new OtP2pError(
      'usage',
      'say who authors the offer: --publish (sign with the vault identity and publish to the relays), --sign (print a signed event) or --pubkey HEX (print an unsigned event)',
      { context: { option: 'publish' } },
    );
  }
  const pubkey = parsePubkeyText(text, '--pubkey');
  return { pubkey, finish: async (t) => ({ ...t, pubkey }), close: async () => {} };
}

function offerRow(o: SignedOffer): string[] {
  return [
    `${o.pubkey.slice(0, 12)}…`,
    o.id,
    formatUnitRef(o.in),
    formatUnitRef(o.out),
    `${o.rateNum}/${o.rateDen}`,
    o.cutPpm.toString(),
    o.fee.toString(),
    `${o.min}..${o.max}`,
    o.liquidity.toString(),
    o.status,
    new Date(o.expiration * 1000).toISOString(),
  ];
}

function offerJson(o: SignedOffer): Record<string, unknown> {
  return { ...offerToJson(o), expiration: o.expiration, event: o.eventId };
}

export default defineCommand({
  name: 'offer',
  description: 'Build, sign, list and withdraw conversion offers (kind 31562)',
  details:
    'otp2p offer add --id ID --in UNIT@NOTARY --out UNIT@NOTARY --rate NUM/DEN --max A --liquidity L\n' +
    '  [--cut-ppm C] [--fee F] [--min A] [--expires-in SECONDS] [--status open|paused] (--publish | --sign | --pubkey HEX)\n' +
    '    validates the offer, then publishes it (--publish) or prints the event (signed with --sign).\n' +
    'otp2p offer list [--all]: your own offers as the relays hold them (the configured relays and your\n' +
    '    NIP-65 write relays; withdrawn ones left out). A relay that did not answer: INCOMPLETE on stderr,\n' +
    '    incomplete in the JSON, exit 1 (the list may miss offers or withdrawals it holds).\n' +
    'otp2p offer list --events FILE [--all]: verify and parse offer events (a JSON array or JSON lines);\n' +
    '    the offers file for `otp2p route --offers` is printed with --json.\n' +
    'otp2p offer withdraw --id ID (--publish | --sign | --pubkey HEX): a NIP-09 deletion plus a closed\n' +
    '    replacement; --publish refuses an id this identity never published from this data folder.\n\n' +
    STDIN_SECRETS_HELP,
  positionals: [{ name: 'action', description: 'add | list | withdraw', required: true }],
  options: {
    id: { type: 'string', value: 'ID', description: 'offer id (the d tag)' },
    in: { type: 'string', value: 'UNIT@NOTARY', description: 'input unit' },
    out: { type: 'string', value: 'UNIT@NOTARY', description: 'output unit' },
    rate: { type: 'string', value: 'NUM/DEN', description: 'output units per input unit, exact' },
    'cut-ppm': { type: 'string', value: 'C', default: '0', description: 'cut in parts per million' },
    fee: { type: 'string', value: 'F', default: '0', description: "fixed fee, in the output unit's scale" },
    min: { type: 'string', value: 'A', default: '0', description: "least input, in the input unit's scale" },
    max: { type: 'string', value: 'A', description: "most input, in the input unit's scale" },
    liquidity: { type: 'string', value: 'L', description: "available output, in the output unit's scale" },
    'base-units': BASE_UNITS_OPTION,
    'expires-in': { type: 'string', value: 'SECONDS', default: '86400', description: 'NIP-40 expiration from now' },
    status: { type: 'string', value: 'STATUS', default: 'open', description: 'open or paused' },
    sign: { type: 'boolean', description: 'sign with the vault identity' },
    publish: {
      type: 'boolean',
      description: 'sign with the vault identity and publish through the outbox to the relays (add, withdraw)',
    },
    pubkey: { type: 'string', value: 'HEX', description: 'author of an unsigned event (without --sign)' },
    'password-stdin': PASSWORD_OPTION,
    events: {
      type: 'string',
      value: 'FILE',
      description: 'list: offer events from a file (JSON array or JSON lines) instead of your own from the relays',
    },
    all: { type: 'boolean', description: 'list: also show rejected events with their error code' },
  },
  run: async (ctx) => {
    const action = choiceArg(ctx, 'action', ['add', 'list', 'withdraw'] as const);
    const now = unixSeconds();
    const scales = action === 'add' ? await walletScales(ctx) : new Scales();
    if (action === 'add' && boolOption(ctx, 'publish')) {
      const offer = offerFromOptions(ctx, now, scales);
      return publishWithPeer(ctx, (peer) => peer.offers.publish(offer).then((e) => [e]));
    }
    if (action === 'withdraw' && boolOption(ctx, 'publish')) {
      const id = str(ctx, 'id');
      return publishWithPeer(ctx, async (peer) => {
        // Only an offer this identity published from this data folder: a typo must not put a
        // signed deletion on the relays (a wallet using the library can still close any id).
        await peer.offers.load(peerInternals(peer).events);
        if (!peer.offers.list().some((o) => o.id === id)) {
          throw new OtP2pError('not-found', `this identity never published an offer with --id ${describeValue(id)}`, {
            context: { option: 'id', id },
          });
        }
        return peer.offers.withdraw(id);
      });
    }
    if (action === 'add') {
      const template = buildOfferEvent(offerFromOptions(ctx, now, scales), now);
      const who = await author(ctx);
      const event = await who.finish(template).finally(() => who.close());
      if (ctx.json) printJson(ctx, event);
      else ctx.io.stdout(`${JSON.stringify(event, null, 2)}\n`);
      return;
    }
    if (action === 'withdraw') {
      const id = str(ctx, 'id');
      const who = await author(ctx);
      // The replacement keeps the address and says closed, for relays that ignore NIP-09.
      const closed = closedOfferPlaceholder(id, now);
      const events: Array<NostrEvent | (EventTemplate & { pubkey: string })> = [];
      try {
        // One after the other: a remote signer may ask its user to approve each.
        for (const t of [buildOfferDeletion(who.pubkey, id, now), buildOfferEvent(closed, now)])
          events.push(await who.finish(t));
      } finally {
        await who.close();
      }
      if (ctx.json) for (const e of events) printJson(ctx, e);
      else ctx.io.stdout(`${events.map((e) => JSON.stringify(e, null, 2)).join('\n')}\n`);
      return;
    }
    // list
    if (stringOption(ctx, 'events') === undefined) return listPublished(ctx);
    const file = str(ctx, 'events', 'FILE');
    const text = await readTextFileBounded(file, MAX_EVENTS_FILE_BYTES, 'events file', ctx.signal);
    const trimmed = text.trim();
    const values: unknown[] = trimmed.startsWith('[')
      ? (parseJson(trimmed, 'events file', MAX_EVENTS_FILE_BYTES) as unknown[])
      : trimmed
          .split('\n')
          .filter((l) => l.trim())
          .map((l, i) => parseJson(l, `events line ${i + 1}`));
    const verifier = new EventVerifier();
    const offers: SignedOffer[] = [];
    const rejected: { index: number; code: string; message: string }[] = [];
    values.forEach((v, index) => {
      const r = verifier.verify(v);
      if (!r.ok) {
        rejected.push({ index, code: r.code, message: r.message });
        return;
      }
      try {
        offers.push(parseOfferEvent(r.event, now));
      } catch (e) {
        if (!isOtP2pError(e)) throw e;
        rejected.push({ index, code: e.code, message: e.message });
      }
    });
    if (ctx.json) {
      printJson(ctx, { offers: offers.map(offerJson), ...(ctx.options.all ? { rejected } : {}) });
      return;
    }
    printTable(
      ctx,
      ['peer', 'id', 'in', 'out', 'rate', 'cut_ppm', 'fee', 'min..max', 'liquidity', 'status', 'expires'],
      offers.map(offerRow),
    );
    if (ctx.options.all) for (const r of rejected) ctx.io.stdout(`#${r.index}: ${r.code}: ${r.message}\n`);
    ctx.io.stderr(`${offers.length} offer(s), ${rejected.length} rejected\n`);
    return 0;
  },
});

/**
 * `offer list` without `--events`: our own offers read from the relays (`peer.offers.published`),
 * amounts in each unit's scale from the wallet's contracts and the web's catalogs. Exit 1 when a
 * relay did not answer: an empty or short list is then not the truth.
 * @throws OtP2pError what `openPeer` throws, `db-error`.
 */
async function listPublished(ctx: CommandContext): Promise<number> {
  const { peer, close } = await openPeer(ctx);
  try {
    const r = await peer.offers.published();
    const all = boolOption(ctx, 'all');
    if (r.incomplete.length > 0)
      ctx.io.stderr(
        `INCOMPLETE: no full answer from ${describeGaps(r.incomplete)}: offers or withdrawals held there are missing from this list\n`,
      );
    if (ctx.json) {
      printJson(ctx, {
        offers: r.offers.map(offerJson),
        relays: r.relays,
        incomplete: r.incomplete,
        ...(all ? { rejected: r.rejected } : {}),
      });
    } else {
      const scales = await peerScales(peer);
      const base = baseUnits(ctx);
      // An empty table reads like a glitch: say it, and whether the relays could all be asked.
      if (r.offers.length === 0)
        ctx.io.stdout(
          r.incomplete.length > 0 ? 'no offers found (some relays did not answer)\n' : 'no offers published\n',
        );
      const amount = (n: bigint, ref: UnitRef): string =>
        base ? n.toString() : (scales.decimal(n, ref) ?? `${n} base`);
      if (r.offers.length > 0)
        printTable(
          ctx,
          ['id', 'in', 'out', 'rate', 'cut_ppm', 'fee', 'min..max', 'liquidity', 'status', 'expires'],
          r.offers.map((o) => [
            o.id,
            scales.label(o.in),
            scales.label(o.out),
            `${o.rateNum}/${o.rateDen}`,
            o.cutPpm.toString(),
            amount(o.fee, o.out),
            `${amount(o.min, o.in)}..${amount(o.max, o.in)}`,
            amount(o.liquidity, o.out),
            o.status,
            new Date(o.expiration * 1000).toISOString(),
          ]),
        );
      if (all) for (const x of r.rejected) ctx.io.stdout(`${x.id}: ${x.code}: ${x.message}\n`);
      // The count says what the sentence above did not: only when there is something to count.
      if (r.offers.length > 0 || r.rejected.length > 0)
        ctx.io.stderr(
          `${r.offers.length} offer(s)${r.rejected.length > 0 ? `, ${r.rejected.length} expired or unreadable (--all shows them)` : ''}\n`,
        );
    }
    return r.incomplete.length > 0 ? 1 : 0;
  } finally {
    await close();
  }
}

/**
 * Unit scales from the configured OT wallet's contracts (otData or simulated notaries); none
 * when no wallet is configured (amounts are then base units, said so).
 * @throws OtP2pError from the OT backend, `bad-config`.
 */
async function walletScales(ctx: CommandContext): Promise<Scales> {
  const ot = attachOt(ctx);
  try {
    return new Scales().addUnits((await ot.otApi?.listUnits()) ?? []);
  } finally {
    ot.close?.();
  }
}
