/**
 * Key custody, checked: the user's Nostr secret key is touched only by `src/keys/` and the
 * `Signer` implementations in `src/signers/`. Everything else signs and decrypts through a
 * `Signer` (DESIGN.md, "Identity through a Signer"), so a NIP-46 remote signer can stand in.
 *
 * The check looks at what a module can do, not at variable names alone: a module that imports a
 * primitive that takes a secret key (`signEvent` / `getPublicKey` of `events/sign.ts`,
 * `getConversationKey` of `messaging/nip44.ts`, any of `events/sign.ts` by namespace, raw
 * `signSchnorr`, nostr-tools' `finalizeEvent`) or names a `secretKey` can hold one. The few
 * modules that must, for keys that are not the user's, are listed below with the reason.
 *
 * `src/cli/` is checked too: the CLI signs through the vault's `Signer` (`openHomeSigner`).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './helpers/shared.ts';

const SRC = join(PROJECT_ROOT, 'src');

/** Folders that may hold the user's key: the keys themselves and the signer implementations. */
const KEY_HOLDERS = ['src/keys/', 'src/signers/'];

/** What a file is allowed to use, and why. Every entry names keys that are not the user's. */
const EXCEPTIONS: Record<string, { uses: readonly Use[]; why: string }> = {
  'src/events/sign.ts': {
    uses: ['secretKey', 'signSchnorr'],
    why: 'the signing primitive itself; only signers and the one-time-key uses below import it',
  },
  'src/messaging/nip44.ts': {
    uses: ['secretKey'],
    why: 'the NIP-44 primitive (getConversationKey); only signers and the gift wrap one-time key use it',
  },
  'src/events/index.ts': {
    uses: ['sign.ts'],
    why: 're-exports the primitives as `otp2p/events` for wallets that hold their own keys; uses none',
  },
  'src/messaging/nip59.ts': {
    uses: ['sign.ts', 'getConversationKey'],
    why: "the gift wrap's one-time key: born, used and wiped inside createHeldWrap; never the user's",
  },
  'src/mint/sim.ts': {
    uses: ['sign.ts'],
    why: 'the mint simulation signs as the simulated peers and sybils it generates, never as the user',
  },
  'src/otapi/notary.ts': {
    uses: ['signSchnorr'],
    why: "the simulated notary signs its mints with its own keys (an OT notary's, not a Nostr user's)",
  },
  'src/cli/commands/mint.ts': {
    uses: ['sign.ts'],
    why: '`mint evidence` signs (and AUTHs) with a throwaway key so the report is not linked to the user; wiped after the publish',
  },
  'src/peer/types.ts': {
    uses: ['secretKey'],
    why: '`PeerIdentity`, the type of the `identity` option of createPeer',
  },
  'src/peer.ts': {
    uses: ['secretKey'],
    why: 'createPeer hands `identity.secretKey` straight to a LocalSigner, and keeps only the signer',
  },
};

type Use = 'sign.ts' | 'getConversationKey' | 'signSchnorr' | 'finalizeEvent' | 'secretKey';

const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?([^'";]*?)\s*from\s*'([^']+)'/g;

/** Strip comments, so a sentence about a secret key is not mistaken for code that holds one. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

/** The key-touching uses in one source file (path relative to the project, text of the file). */
function usesIn(rel: string, text: string): Use[] {
  const found = new Set<Use>();
  const body = code(text);
  for (const m of body.matchAll(IMPORT_RE)) {
    const clause = m[1] ?? '';
    const spec = m[2] ?? '';
    if (spec.startsWith('.')) {
      const target = relative(PROJECT_ROOT, resolve(dirname(join(PROJECT_ROOT, rel)), spec))
        .split('\\')
        .join('/');
      // Every value export of events/sign.ts takes a secret key; only a type import is harmless.
      if (target === 'src/events/sign.ts' && !/^type\b/.test(m[0].trim().replace(/^(import|export)\s+/, '')))
        found.add('sign.ts');
      if (target === 'src/messaging/nip44.ts' && /\bgetConversationKey\b/.test(clause)) found.add('getConversationKey');
    }
    if (spec.startsWith('nostr-tools') && /\bfinalizeEvent\b|\*/.test(clause)) found.add('finalizeEvent');
  }
  if (/\bsignSchnorr\b/.test(body)) found.add('signSchnorr');
  if (/\bfinalizeEvent\b/.test(body)) found.add('finalizeEvent');
  if (/\bsecretKey\b/.test(body)) found.add('secretKey');
  return [...found];
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.ts')) out.push(p);
  }
  return out;
}

function violations(): string[] {
  const found: string[] = [];
  for (const file of walk(SRC)) {
    const rel = relative(PROJECT_ROOT, file).split('\\').join('/');
    if (KEY_HOLDERS.some((dir) => rel.startsWith(dir))) continue;
    const allowed = EXCEPTIONS[rel]?.uses ?? [];
    for (const use of usesIn(rel, readFileSync(file, 'utf8')))
      if (!allowed.includes(use)) found.push(`${rel} uses ${use}: sign and decrypt through a Signer instead`);
  }
  return found;
}

describe('key custody', () => {
  it('no module outside keys/ and signers/ touches a secret key, but the listed one-time-key uses', () => {
    expect(violations()).toEqual([]);
  });

  it('every exception still needs what it is allowed (a stale exception would hide a new use)', () => {
    const stale: string[] = [];
    for (const [rel, { uses }] of Object.entries(EXCEPTIONS)) {
      const actual = usesIn(rel, readFileSync(join(PROJECT_ROOT, rel), 'utf8'));
      for (const u of uses) if (!actual.includes(u)) stale.push(`${rel}: ${u}`);
    }
    expect(stale).toEqual([]);
  });

  it('detects the ways a module could hold the user key (the check can fail)', () => {
    const rel = 'src/payments/x.ts';
    expect(usesIn(rel, "import { signEvent } from '../events/sign.ts';")).toEqual(['sign.ts']);
    expect(usesIn(rel, "import * as s from '../events/sign.ts';")).toEqual(['sign.ts']);
    expect(usesIn(rel, "import { getPublicKey } from '../events/sign.ts';")).toEqual(['sign.ts']);
    expect(usesIn(rel, "import { decrypt, getConversationKey } from '../messaging/nip44.ts';")).toEqual([
      'getConversationKey',
    ]);
    expect(usesIn(rel, "import { finalizeEvent } from 'nostr-tools/pure';")).toEqual(['finalizeEvent']);
    expect(usesIn(rel, 'const sig = secp.signSchnorr(id, k, aux);')).toEqual(['signSchnorr']);
    expect(usesIn(rel, 'export function pay(o: { secretKey: Uint8Array }) {}')).toEqual(['secretKey']);
    // What is harmless passes: a type import, NIP-44 without a key, a comment about a secret key.
    expect(usesIn(rel, "import type { Signer } from '../events/signer.ts';")).toEqual([]);
    expect(usesIn(rel, "import { decrypt } from '../messaging/nip44.ts';")).toEqual([]);
    expect(usesIn(rel, '// the secretKey never reaches this module\nconst a = 1;')).toEqual([]);
    expect(EXCEPTIONS['src/payments/x.ts']).toBeUndefined();
  });
});
