/**
 * Catalogs over the wire: the public kind 11560 event on relays, and the private catalog a peer
 * offers us in a DM (`catalog.request` / `catalog.response`).
 */
import type { Clock } from '../core/clock.ts';
import { systemClock, unixSeconds } from '../core/clock.ts';
import { OtP2pError } from '../core/errors.ts';
import type { Catalog } from '../events/catalog.ts';
import { buildCatalogEvent, parseCatalogEvent } from '../events/catalog.ts';
import { Kind } from '../events/kinds.ts';
import type { Signer } from '../events/signer.ts';
import type { NostrEvent } from '../events/types.ts';
import type { Messenger } from '../messaging/messenger.ts';
import { makeMessage } from '../messaging/protocol.ts';
import { assertComplete } from '../relays/query.ts';
import type { PublishResult, RelayGap, Transport } from '../relays/transport.ts';

/**
 * Sign (through `signer`) and publish the public part of `catalog` as kind 11560.
 * @throws OtP2pError `bad-catalog`, `relay-error` when no relay accepted it, the signer's codes
 *   (`signer-refused`, `signer-timeout`, `signer-mismatch`).
 */
export async function publishCatalog(
  transport: Transport,
  signer: Signer,
  catalog: Catalog,
  options: { clock?: Clock; relays?: string[] } = {},
): Promise<{ event: NostrEvent; results: PublishResult[] }> {
  const event = await signer.signEvent(buildCatalogEvent(catalog, unixSeconds(options.clock ?? systemClock)));
  const results = options.relays ? await transport.publish(event, options.relays) : await transport.publish(event);
  if (!results.some((r) => r.ok)) {
    throw new OtP2pError('relay-error', 'no relay accepted the catalog', {
      context: { results: results.map((r) => `${r.relay}: ${r.code} ${r.message}`) },
    });
  }
  return { event, results };
}

/**
 * The newest public catalog of `pubkey`, or undefined when every relay answered and none has one.
 * `incomplete` names relays that did not answer: a newer catalog may be held there.
 * @throws OtP2pError `bad-catalog` / `unsupported-version` when the newest one is malformed,
 *   `relay-incomplete` when none was found and some relay did not answer.
 */
export async function fetchCatalog(
  transport: Transport,
  pubkey: string,
  options: { relays?: string[]; timeoutMs?: number } = {},
): Promise<{ catalog: Catalog; event: NostrEvent; incomplete: RelayGap[] } | undefined> {
  let newest: NostrEvent | undefined;
  let gaps: readonly RelayGap[] = [];
  await new Promise<void>((resolve) => {
    transport.subscribe(
      [{ kinds: [Kind.Catalog], authors: [pubkey], limit: 3 }],
      {
        onevent: (e) => {
          if (
            e.kind === Kind.Catalog &&
            e.pubkey === pubkey &&
            (newest === undefined ||
              e.created_at > newest.created_at ||
              (e.created_at === newest.created_at && e.id < newest.id))
          )
            newest = e;
        },
        oneose: (incomplete) => {
          gaps = incomplete ?? [];
          resolve();
        },
        onclose: (reasons) => {
          if (gaps.length === 0)
            gaps = Object.entries(reasons).map(([relay, message]): RelayGap => ({ relay, reason: 'closed', message }));
          resolve();
        },
      },
      {
        closeOnEose: true,
        eoseTimeoutMs: options.timeoutMs ?? 5000,
        ...(options.relays ? { relays: options.relays } : {}),
      },
    );
  });
  // Nothing found where some relay did not answer is not "no catalog": say which relay.
  if (newest === undefined) assertComplete({ incomplete: [...gaps] }, `catalog of ${pubkey}`);
  return newest === undefined
    ? undefined
    : { catalog: parseCatalogEvent(newest), event: newest, incomplete: [...gaps] };
}

/**
 * Answer `catalog.request` messages with the catalog `catalogFor(peer)` returns (which may hold
 * private entries meant for that peer only).
 */
export function serveCatalog(messenger: Messenger, catalogFor: (peer: string) => Catalog | Promise<Catalog>): void {
  messenger.on('catalog.request', async (incoming) =>
    makeMessage('catalog.response', { catalog: await catalogFor(incoming.from) }),
  );
}

/**
 * Ask `peer` for the catalog it offers us, over DM.
 * @throws OtP2pError `timeout`, `relay-error`, or the peer's error code.
 */
export async function requestCatalog(
  messenger: Messenger,
  peer: string,
  options: { timeoutMs?: number } = {},
): Promise<Catalog> {
  const reply = await messenger.request(peer, messenger.message('catalog.request', {}), options);
  if (reply.message.type !== 'catalog.response') {
    throw new OtP2pError('bad-message', `expected catalog.response from ${peer}, got ${reply.message.type}`);
  }
  return reply.message.body.catalog;
}
