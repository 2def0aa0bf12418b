/**
 * NIP-46 remote signing ("Nostr Connect"): the user's secret key stays in a remote signer (a
 * bunker: nsecBunker, Amber, nsec.app, NDK's backend, ...); otp2p holds only a session key of its
 * own (kept in the vault) and asks the signer over kind 24133 events, NIP-44 encrypted between the
 * session key and the signer.
 *
 * Why our own client and not nostr-tools' `BunkerSigner` (which we read and measured): it has no
 * request timeout (a signer that never answers hangs the caller forever), a malformed response
 * throws inside an async event handler (an unhandled rejection ends a Node process), its
 * `connect` never sends the permissions it asks for, and it runs its own `SimplePool`, which
 * loses a REQ sent in the first milliseconds of a connection on nostream (NOTES.md) and does not
 * share our relay policy. This client runs over our {@link Transport}, bounds every wait, checks
 * every answer, and is tested against NDK's `NDKNip46Backend`, an implementation nobody here wrote.
 *
 * Every answer is distrusted: a signed event must be the template we sent, signed by the user's
 * key with a valid id and signature; a public key must be the one recorded when pairing.
 */
import type { Clock } from '../core/clock.ts';
import { systemClock, unixSeconds } from '../core/clock.ts';
import { bytesToHex, isHex } from '../core/bytes.ts';
import { OtP2pError, describeValue, isOtP2pError } from '../core/errors.ts';
import { isRecord, parseJson } from '../core/json.ts';
import type { Random } from '../core/random.ts';
import { cryptoRandom } from '../core/random.ts';
import { Kind } from '../events/kinds.ts';
import { isRelayUrl } from '../core/relay-url.ts';
import type { IdentityKind, Signer } from '../events/signer.ts';
import type { EventTemplate, NostrEvent } from '../events/types.ts';
import { EventVerifier } from '../events/verify.ts';
import type { Subscription, Transport } from '../relays/transport.ts';
import { LocalSigner } from './local.ts';

/** Where a remote signer listens: its pubkey, its relays, and the one-time secret of a bunker URI. */
export interface BunkerPointer {
  /** The remote signer's pubkey (not necessarily the user's). */
  pubkey: string;
  relays: string[];
  secret: string | null;
}

/** The kinds otp2p signs as the user: the `sign_event` permissions it asks for, and no others. */
export const SIGNED_KINDS: readonly number[] = [
  Kind.Follows,
  Kind.Deletion,
  Kind.Seal,
  Kind.RelayList,
  Kind.DmRelays,
  Kind.Catalog,
  Kind.ClientAuth,
  Kind.MintAttestation,
  Kind.Offer,
  Kind.HelloProof,
];

/** The minimum permissions otp2p asks a remote signer for (NIP-46 `perms`). */
export const NIP46_PERMISSIONS: readonly string[] = [
  ...SIGNED_KINDS.map((k) => `sign_event:${k}`),
  'nip44_encrypt',
  'nip44_decrypt',
];

/** Most relays taken from a bunker URI: more is a misconfiguration or an attempt to fan out. */
const MAX_BUNKER_RELAYS = 8;
/** Longest secret accepted from a URI. */
const MAX_SECRET = 256;
/** Largest response we decrypt and parse (a signed event of ours is under 60 KiB). */
const MAX_RESPONSE_CHARS = 256 * 1024;
/** Default wait for an answer: a human may have to approve on a phone. */
export const DEFAULT_SIGNER_TIMEOUT_MS = 30_000;

function badUri(message: string, value: unknown): never {
  throw new OtP2pError('bad-bunker-uri', `${message}, got ${describeValue(value, 24)}`, {
    context: { field: 'bunker' },
  });
}

/**
 * Parse a `bunker://<signer-pubkey>?relay=wss://…&secret=…` URI.
 * @throws OtP2pError `bad-bunker-uri` naming the part that is wrong (the secret is never echoed).
 */
export function parseBunkerUri(uri: unknown): BunkerPointer {
  if (typeof uri !== 'string' || uri.length > 4096)
    badUri('bunker URI must be a string of at most 4096 characters', uri);
  if (!uri.startsWith('bunker://')) badUri('bunker URI must start with bunker://', uri.slice(0, 12));
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    badUri('bunker URI is not a URL', uri.slice(0, 12));
  }
  const pubkey = u.hostname.toLowerCase();
  if (!isHex(pubkey, 32)) badUri('bunker URI must name the signer by a 64-hex pubkey', pubkey);
  const relays = [...new Set(u.searchParams.getAll('relay'))];
  if (relays.length === 0) badUri('bunker URI names no relay (relay=wss://…)', uri.slice(0, 12));
  if (relays.length > MAX_BUNKER_RELAYS)
    badUri(`bunker URI names more than ${MAX_BUNKER_RELAYS} relays`, relays.length);
  for (const r of relays) if (!isRelayUrl(r)) badUri('bunker URI relay must be a ws:// or wss:// URL', r);
  const secret = u.searchParams.get('secret');
  if (secret !== null && (secret.length === 0 || secret.length > MAX_SECRET)) {
    throw new OtP2pError('bad-bunker-uri', `bunker URI secret must be 1..${MAX_SECRET} characters`, {
      context: { field: 'bunker' },
    });
  }
  return { pubkey, relays, secret };
}

/** Parameters of a `nostrconnect://` URI the user scans with their signer app. */
export interface NostrConnectParams {
  clientPubkey: string;
  relays: string[];
  secret: string;
  perms?: readonly string[];
  name?: string;
}

/** Build the `nostrconnect://` URI for pairing (printed, and shown as a QR code by the CLI). */
export function createNostrConnectUri(p: NostrConnectParams): string {
  const q = new URLSearchParams();
  for (const r of p.relays) q.append('relay', r);
  q.set('secret', p.secret);
  q.set('perms', (p.perms ?? NIP46_PERMISSIONS).join(','));
  q.set('name', p.name ?? 'otp2p');
  return `nostrconnect://${p.clientPubkey}?${q.toString()}`;
}

/** Options for {@link Nip46Signer}. */
export interface Nip46Options {
  /** Reaches the signer's relays (a pool over `bunker.relays`). Not closed by the signer. */
  transport: Transport;
  /** The session key otp2p talks to the signer with (kept in the vault, not the user's key). */
  clientSecretKey: Uint8Array;
  bunker: BunkerPointer;
  /** The user's pubkey recorded when pairing: an answer for another key is `signer-mismatch`. */
  userPubkey?: string;
  /** Per-request wait, default {@link DEFAULT_SIGNER_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Called when the signer asks the user to approve in a browser (`auth_url`). */
  onAuthUrl?: (url: string) => void;
  clock?: Clock;
  random?: Random;
}

interface Pending {
  method: string;
  resolve: (result: string) => void;
  reject: (err: OtP2pError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** A {@link Signer} that asks a NIP-46 remote signer for every signature and decryption. */
export class Nip46Signer implements Signer {
  readonly identityKind: IdentityKind = 'bunker';
  readonly bunker: BunkerPointer;
  readonly #transport: Transport;
  readonly #client: LocalSigner;
  readonly #timeoutMs: number;
  readonly #onAuthUrl: ((url: string) => void) | undefined;
  readonly #clock: Clock;
  readonly #random: Random;
  readonly #verifier = new EventVerifier();
  readonly #pending = new Map<string, Pending>();
  #userPubkey: string | undefined;
  #sub: Subscription | undefined;
  #ready: Promise<void> | undefined;
  #closed = false;

  constructor(options: Nip46Options) {
    this.bunker = { ...options.bunker, relays: [...options.bunker.relays] };
    this.#transport = options.transport;
    this.#client = new LocalSigner(options.clientSecretKey, 'nsec');
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_SIGNER_TIMEOUT_MS;
    this.#onAuthUrl = options.onAuthUrl;
    this.#clock = options.clock ?? systemClock;
    this.#random = options.random ?? cryptoRandom;
    this.#userPubkey = options.userPubkey;
  }

  /** The session key's pubkey (what the signer sees as its client). */
  get clientPubkey(): string {
    return this.#client.pubkey;
  }

  /**
   * Introduce ourselves with the URI's secret and the minimum permissions, then learn (or check)
   * the user's pubkey.
   * @throws OtP2pError `signer-refused`, `signer-timeout`, `signer-mismatch`.
   */
  async connect(perms: readonly string[] = NIP46_PERMISSIONS): Promise<string> {
    const result = await this.request('connect', [this.bunker.pubkey, this.bunker.secret ?? '', perms.join(',')]);
    // NIP-46: "ack", or the secret echoed back. Anything else is a signer we do not understand.
    if (result !== 'ack' && result !== this.bunker.secret) {
      throw new OtP2pError(
        'signer-refused',
        `the remote signer answered connect with ${describeValue(result, 24)}, not ack`,
        {
          context: { method: 'connect' },
        },
      );
    }
    return this.getPublicKey();
  }

  async getPublicKey(): Promise<string> {
    const pk = await this.request('get_public_key', []);
    if (!isHex(pk, 32)) {
      throw new OtP2pError(
        'signer-mismatch',
        `the remote signer's public key is not 64 hex characters: ${describeValue(pk, 24)}`,
        {
          context: { method: 'get_public_key' },
        },
      );
    }
    if (this.#userPubkey !== undefined && pk !== this.#userPubkey) {
      throw new OtP2pError(
        'signer-mismatch',
        `the remote signer now speaks for ${pk.slice(0, 12)}…, not for ${this.#userPubkey.slice(0, 12)}… recorded at pairing`,
        {
          context: { expected: this.#userPubkey, got: pk },
        },
      );
    }
    this.#userPubkey = pk;
    return pk;
  }

  async signEvent(template: EventTemplate): Promise<NostrEvent> {
    const user = this.#userPubkey ?? (await this.getPublicKey());
    const unsigned = {
      kind: template.kind,
      created_at: template.created_at,
      tags: template.tags,
      content: template.content,
      pubkey: user,
    };
    const raw = await this.request('sign_event', [JSON.stringify(unsigned)]);
    let value: unknown;
    try {
      value = parseJson(raw, 'signed event', MAX_RESPONSE_CHARS);
    } catch {
      throw mismatch('the remote signer returned a signed event that is not JSON');
    }
    const checked = this.#verifier.verify(value);
    if (!checked.ok)
      throw mismatch(`the remote signer returned an event that does not verify (${checked.code}: ${checked.message})`);
    const e = checked.event;
    if (e.pubkey !== user)
      throw mismatch(`the remote signer signed as ${e.pubkey.slice(0, 12)}…, not as ${user.slice(0, 12)}…`);
    // A signer that changes what it signs (a tag, the content, the time) must not be trusted with
    // anything: compare the signed fields with what we asked for.
    if (
      e.kind !== template.kind ||
      e.created_at !== template.created_at ||
      e.content !== template.content ||
      JSON.stringify(e.tags) !== JSON.stringify(template.tags)
    ) {
      throw mismatch('the remote signer signed a different event than the one requested');
    }
    return e;
  }

  async nip44Encrypt(pubkey: string, plaintext: string): Promise<string> {
    const out = await this.request('nip44_encrypt', [pubkey, plaintext]);
    if (out.length === 0) throw mismatch('the remote signer returned an empty NIP-44 payload');
    return out;
  }

  async nip44Decrypt(pubkey: string, payload: string): Promise<string> {
    return this.request('nip44_decrypt', [pubkey, payload]);
  }

  /** Stop listening and fail every pending request with `aborted`. */
  close(): void {
    this.#closed = true;
    this.#sub?.close();
    this.#sub = undefined;
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      p.reject(
        new OtP2pError('aborted', `the ${p.method} request to the remote signer was abandoned`, {
          context: { method: p.method },
        }),
      );
      this.#pending.delete(id);
    }
  }

  /**
   * Send one JSON-RPC request and wait for its answer.
   * @throws OtP2pError `signer-timeout` (no answer in time, or no relay took the request),
   * `signer-refused` (the signer answered with an error), `aborted` (closed).
   */
  async request(method: string, params: string[]): Promise<string> {
    if (this.#closed)
      throw new OtP2pError('aborted', 'the remote signer connection is closed', { context: { method } });
    await this.#listen();
    const id = bytesToHex(this.#random.bytes(8));
    const answer = new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new OtP2pError(
            'signer-timeout',
            `the remote signer did not answer ${method} within ${Math.round(this.#timeoutMs / 1000)} s: is it online, and does it listen on ${this.bunker.relays.join(', ')}?`,
            {
              context: { method, relays: this.bunker.relays },
            },
          ),
        );
      }, this.#timeoutMs);
      this.#pending.set(id, { method, resolve, reject, timer });
    });
    // Registered before sending: kind 24133 is ephemeral, an answer is never stored for later.
    const content = await this.#client.nip44Encrypt(this.bunker.pubkey, JSON.stringify({ id, method, params }));
    const event = this.#client.signEventSync({
      kind: Kind.NostrConnect,
      created_at: unixSeconds(this.#clock),
      tags: [['p', this.bunker.pubkey]],
      content,
    });
    const results = await this.#transport.publish(event, this.bunker.relays);
    if (!results.some((r) => r.ok)) {
      const p = this.#pending.get(id);
      if (p !== undefined) {
        clearTimeout(p.timer);
        this.#pending.delete(id);
      }
      throw new OtP2pError(
        'signer-timeout',
        `no relay of the remote signer took the ${method} request (${results.map((r) => `${r.relay}: ${r.code}`).join('; ')})`,
        {
          context: { method, relays: this.bunker.relays },
        },
      );
    }
    return answer;
  }

  /** Subscribe to the signer's answers once, and wait until every relay confirmed the REQ. */
  #listen(): Promise<void> {
    this.#ready ??= new Promise<void>((resolve) => {
      this.#sub = this.#transport.subscribe(
        [
          {
            kinds: [Kind.NostrConnect],
            authors: [this.bunker.pubkey],
            '#p': [this.#client.pubkey],
            since: unixSeconds(this.#clock) - 60,
          },
        ],
        {
          onevent: (event) => {
            void this.#onResponse(event);
          },
          oneose: () => resolve(),
        },
        { relays: this.bunker.relays },
      );
    });
    return this.#ready;
  }

  async #onResponse(event: NostrEvent): Promise<void> {
    // Anything malformed is dropped here: a hostile or broken signer must not end the process.
    let o: Record<string, unknown>;
    try {
      if (event.content.length > MAX_RESPONSE_CHARS) return;
      const text = await this.#client.nip44Decrypt(this.bunker.pubkey, event.content);
      const value = parseJson(text, 'NIP-46 response', MAX_RESPONSE_CHARS);
      if (!isRecord(value)) return;
      o = value;
    } catch (err) {
      if (isOtP2pError(err)) return;
      throw err;
    }
    if (typeof o.id !== 'string') return;
    const p = this.#pending.get(o.id);
    if (p === undefined) return;
    if (o.result === 'auth_url') {
      // The signer wants the user to approve in a browser; the request stays pending.
      if (typeof o.error === 'string' && /^https:\/\//.test(o.error)) this.#onAuthUrl?.(o.error);
      return;
    }
    clearTimeout(p.timer);
    this.#pending.delete(o.id);
    if (typeof o.error === 'string' && o.error.length > 0) {
      p.reject(
        new OtP2pError('signer-refused', `the remote signer refused ${p.method}: ${describeValue(o.error, 120)}`, {
          context: { method: p.method },
        }),
      );
    } else if (typeof o.result === 'string') {
      p.resolve(o.result);
    } else {
      p.reject(mismatch(`the remote signer answered ${p.method} without a result`));
    }
  }
}

function mismatch(message: string): OtP2pError {
  return new OtP2pError('signer-mismatch', message);
}

/** Options for {@link pairNostrConnect}. */
export interface PairOptions {
  transport: Transport;
  clientSecretKey: Uint8Array;
  relays: string[];
  /** Called once with the URI to show the user (printed and as a QR code by the CLI). */
  onUri: (uri: string) => void;
  /** How long to wait for the user to scan (default 5 minutes). */
  timeoutMs?: number;
  perms?: readonly string[];
  signal?: AbortSignal;
  clock?: Clock;
  random?: Random;
}

/**
 * Pair with a signer app through a `nostrconnect://` URI: show it, wait for the signer's
 * connect answer carrying our secret, and return a connected signer.
 * @throws OtP2pError `signer-timeout` when nobody paired in time, `aborted` on the signal.
 */
export async function pairNostrConnect(options: PairOptions): Promise<Nip46Signer> {
  const random = options.random ?? cryptoRandom;
  const clock = options.clock ?? systemClock;
  const client = new LocalSigner(options.clientSecretKey, 'nsec');
  const secret = bytesToHex(random.bytes(16));
  const timeoutMs = options.timeoutMs ?? 300_000;
  const signerPubkey = await new Promise<string>((resolve, reject) => {
    let settled = false;
    const finish = (err: OtP2pError | null, pk?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      sub.close();
      options.signal?.removeEventListener('abort', onAbort);
      if (err !== null) reject(err);
      else resolve(pk as string);
    };
    const onAbort = (): void => finish(new OtP2pError('aborted', 'pairing was cancelled'));
    const timer = setTimeout(
      () =>
        finish(
          new OtP2pError('signer-timeout', `no signer paired within ${Math.round(timeoutMs / 1000)} s`, {
            context: { relays: options.relays },
          }),
        ),
      timeoutMs,
    );
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const sub = options.transport.subscribe(
      [{ kinds: [Kind.NostrConnect], '#p': [client.pubkey], since: unixSeconds(clock) - 60 }],
      {
        onevent: (event) => {
          void client
            .nip44Decrypt(event.pubkey, event.content)
            .then((text) => {
              const o = parseJson(text, 'NIP-46 response', MAX_RESPONSE_CHARS);
              if (isRecord(o) && o.result === secret) finish(null, event.pubkey);
            })
            .catch(() => {
              // Not for us, or not from a signer: keep waiting.
            });
        },
        oneose: (incomplete) => {
          // No pairing relay answered: a signer app could not reach us there either, so say so
          // now instead of showing a code nobody can answer and waiting out the timeout.
          if (new Set(incomplete.map((g) => g.relay)).size >= new Set(options.relays).size) {
            // A microtask: a transport may call oneose before subscribe() has returned `sub`.
            const err = new OtP2pError(
              'relay-error',
              `no pairing relay answered (${incomplete.map((g) => `${g.relay}: ${g.message}`).join('; ')}): give one your signer app can reach with --relay`,
              { context: { relays: options.relays } },
            );
            queueMicrotask(() => finish(err));
            return;
          }
          options.onUri(
            createNostrConnectUri({
              clientPubkey: client.pubkey,
              relays: options.relays,
              secret,
              ...(options.perms ? { perms: options.perms } : {}),
            }),
          );
        },
      },
      { relays: options.relays },
    );
  });
  const signer = new Nip46Signer({
    transport: options.transport,
    clientSecretKey: options.clientSecretKey,
    bunker: { pubkey: signerPubkey, relays: options.relays, secret },
    clock,
    random,
  });
  await signer.getPublicKey();
  return signer;
}
