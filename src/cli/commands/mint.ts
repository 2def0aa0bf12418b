/**
 * `otp2p mint`: mint transparency. `scan` and `fingerprint` are offline; `check` pulls the web of
 * trust's attestations and prints verdicts (publishing nothing); `attest` publishes the user's
 * attestations under the herd policy (or all with `--force`); `evidence` publishes proof of
 * equivocation, by default from a fresh throwaway key.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OtP2pError } from '../../core/errors.ts';
import { parseJson, isRecord } from '../../core/json.ts';
import { systemClock, unixSeconds } from '../../core/clock.ts';
import { getPublicKey, signEvent } from '../../events/sign.ts';
import { EventVerifier } from '../../events/verify.ts';
import { RelayPool } from '../../relays/pool.ts';
import { describeGaps } from '../../relays/query.ts';
import type { RelayGap } from '../../relays/transport.ts';
import type { EventSigner } from '../../relays/nip42.ts';
import { OtDataFolder, findContractNear, readTrustedContract } from '../../otapi/datafolder.ts';
import { MAX_OT_FILE_BYTES, parseMintFile } from '../../otapi/files.ts';
import type { PublicMint } from '../../otapi/api.ts';
import { verifyOtSignature } from '../../otapi/otcrypto.ts';
import type { OtSignatureCheck, TrustedContract } from '../../otapi/otcrypto.ts';
import { parseSignedContract } from '../../otapi/signed.ts';
import { compareMintFiles } from '../../mint/compare.ts';
import type { MintFileInput } from '../../mint/compare.ts';
import { mintFingerprint, mintKey } from '../../mint/fingerprint.ts';
import { evidenceFromMints } from '../../mint/evidence.ts';
import { MintWatcher, ownMint } from '../../mint/watcher.ts';
import { DEFAULT_DEPTH, DEFAULT_GRACE_SECONDS, DEFAULT_K } from '../../mint/verdict.ts';
import type { MintVerdict } from '../../mint/verdict.ts';
import { openStore } from '../../store/db.ts';
import { CursorStore } from '../../store/cursors.ts';
import { WebStore } from '../../web/store.ts';
import { relayGapsOf } from '../../web/report.ts';
import { DEFAULT_WEB_BUDGET_BYTES, syncWeb } from '../../web/sync.ts';
import { transportQueryPort } from '../../web/port.ts';
import { defineCommand } from '../command.ts';
import type { CommandContext, CommandDef, OptionDef } from '../command.ts';
import { printJson, printTable } from '../io.ts';
import { readFileBounded } from '../input.ts';
import { intOptionOr, parsePubkeyText, stringOption } from '../options.ts';
import { PASSWORD_OPTION } from '../secrets.ts';
import type { HomeSigner } from '../signer.ts';
import { openHomeSigner } from '../signer.ts';
import { attachOt } from '../peer.ts';
import type { OtAttachment } from '../peer.ts';

const iso = (s: number): string => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

/** The `--ot-data` folder if given, else the configured `otData`, else undefined. */
function otDataDir(ctx: CommandContext): string | undefined {
  return stringOption(ctx, 'ot-data') ?? ctx.home.config().otData ?? undefined;
}

/**
 * The OT client data folder: `--ot-data DIR`, else `otData` from the configuration (what the
 * daemon reads, so both look at the same wallet).
 * @throws OtP2pError `usage` when neither is set, `bad-config` for a corrupt config.json.
 */
function otData(ctx: CommandContext): OtDataFolder {
  const dir = otDataDir(ctx);
  if (dir === undefined) {
    // Simulated notaries have no OT files to read: mint check reads their mints directly.
    const simulated = ctx.home.config().simulatedNotaries.length > 0;
    throw new OtP2pError(
      'usage',
      `give the OT client data folder with --ot-data DIR (or otp2p config set otData DIR)${simulated ? '; this data folder uses simulatedNotaries, which have no OT files: otp2p mint check reads their mints as they are' : ''}`,
      { context: { option: 'ot-data' } },
    );
  }
  return new OtDataFolder(dir);
}

/**
 * A mint file named on the command line, read with a size cap (checked before reading).
 * @throws OtP2pError `not-found`, `io-error` (a directory, unreadable), `too-large`, `aborted`, the parser's codes.
 */
async function readMintArg(
  ctx: CommandContext,
  path: string,
): Promise<{ mint: PublicMint; text: string; bytes: Buffer }> {
  const bytes = await readFileBounded(path, MAX_OT_FILE_BYTES, 'mint file', ctx.signal);
  const text = bytes.toString('utf8');
  return { mint: parseMintFile(text, path), text, bytes };
}

/** The public part of a signature check, as `--json` prints it. */
function signatureJson(sig: OtSignatureCheck): { ok: boolean; signer: string; reason?: string } {
  return sig.reason === undefined
    ? { ok: sig.ok, signer: sig.signer }
    : { ok: sig.ok, signer: sig.signer, reason: sig.reason };
}

/**
 * The notary contract for a mint file: `--contract FILE`, else the OT data folder the file sits in.
 * @throws OtP2pError `bad-signature` when `--contract` does not hash to the mint's notary ID.
 */
function contractFor(ctx: CommandContext, mintPath: string, notaryId: string): TrustedContract | undefined {
  const given = ctx.options.contract;
  const files = Array.isArray(given) ? (given as string[]) : typeof given === 'string' ? [given] : [];
  for (const f of files) {
    if (!existsSync(f)) throw new OtP2pError('not-found', `no file ${f}`);
    try {
      return readTrustedContract(f, notaryId);
    } catch (err) {
      if (files.length === 1) throw err;
    }
  }
  return findContractNear(mintPath, notaryId);
}

function checkMint(contract: TrustedContract | undefined, mint: PublicMint): OtSignatureCheck {
  if (!contract) return { ok: false, signer: mint.signer, reason: 'no-key' };
  return verifyOtSignature(parseSignedContract(mint.signedText), contract.keys, mint.signer);
}

const CONTRACT_OPTION: OptionDef = {
  type: 'string',
  multiple: true,
  value: 'FILE',
  description: "the notary's contract (default: found in the OT data folder the mint file is in)",
};

/** When the user first held each mint (starts the grace period): `mint-seen.json` in the data folder. */
function firstSeen(ctx: CommandContext, mints: PublicMint[]): Map<string, number> {
  const path = join(ctx.home.ensure(), 'mint-seen.json');
  let seen: Record<string, unknown> = {};
  if (existsSync(path)) {
    const parsed = parseJson(readFileSync(path, 'utf8'), 'mint-seen.json');
    if (isRecord(parsed)) seen = parsed;
  }
  const now = unixSeconds();
  const out = new Map<string, number>();
  let changed = false;
  for (const m of mints) {
    const key = `${mintKey(m)}|${mintFingerprint(m)}`;
    const v = seen[key];
    if (typeof v === 'number' && Number.isSafeInteger(v)) out.set(key, v);
    else {
      out.set(key, now);
      seen[key] = now;
      changed = true;
    }
  }
  if (changed) {
    writeFileSync(path, `${JSON.stringify(seen, null, 2)}\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
  return out;
}

/**
 * The mints this wallet holds, through the same `OtApi.listMints()` the daemon checks: `--ot-data
 * DIR`, else the configured wallet (simulated notaries, else `otData`).
 * @throws OtP2pError `usage` when no OT wallet is configured, `not-found` when it holds no mint,
 *   what the OT backend throws.
 */
async function ownMints(ctx: CommandContext): Promise<Array<ReturnType<typeof ownMint>>> {
  const given = stringOption(ctx, 'ot-data');
  const ot: OtAttachment = given !== undefined ? { otApi: new OtDataFolder(given) } : attachOt(ctx);
  try {
    if (!ot.otApi)
      throw new OtP2pError(
        'usage',
        'give the OT client data folder with --ot-data DIR (or otp2p config set otData DIR, or simulatedNotaries and otUser)',
      );
    const mints = await ot.otApi.listMints();
    if (mints.length === 0)
      throw new OtP2pError('not-found', `the OT wallet holds no mint${given !== undefined ? ` in ${given}` : ''}`);
    const seen = firstSeen(ctx, mints);
    return mints.map((m) => ownMint(m, seen.get(`${mintKey(m)}|${mintFingerprint(m)}`) ?? unixSeconds()));
  } finally {
    ot.close?.();
  }
}

/**
 * The web-of-trust options, parsed before any work starts.
 * @throws OtP2pError `usage`.
 */
function watcherOptions(ctx: CommandContext): { k: number; depth: number; graceSeconds: number } {
  return {
    k: intOptionOr(ctx, 'k', DEFAULT_K, { min: 1, max: 1000 }),
    depth: intOptionOr(ctx, 'depth', DEFAULT_DEPTH, { min: 1, max: 10 }),
    graceSeconds: intOptionOr(ctx, 'grace-hours', DEFAULT_GRACE_SECONDS / 3600, { min: 0, max: 100_000 }) * 3600,
  };
}

async function withWatcher<T>(
  ctx: CommandContext,
  needSigner: boolean,
  fn: (w: MintWatcher) => Promise<T>,
): Promise<T> {
  const web = watcherOptions(ctx);
  let self: string;
  let signer: EventSigner | undefined;
  let user: HomeSigner | undefined;
  const pk = ctx.options.pubkey;
  const relays = ctx.relays ?? ctx.home.config().relays;
  if (relays.length === 0) throw new OtP2pError('no-relays', 'no relays configured: use --relay URL');
  if (!needSigner && pk !== undefined) {
    self = parsePubkeyText(pk, '--pubkey');
  } else {
    // The vault's signer: a local key, or the remote signer for a bunker identity.
    const opened = await openHomeSigner(ctx);
    user = opened;
    self = opened.identity.pubkey;
    signer = (t) => opened.signer.signEvent(t);
  }
  const dir = otDataDir(ctx);
  const folder = dir === undefined ? undefined : new OtDataFolder(dir);
  // A pool that can publish has the signer: relays requiring AUTH before a publish get one.
  const pool = new RelayPool({
    relays,
    verifier: new EventVerifier(),
    trustedAuthRelays: ctx.home.config().trustedAuthRelays,
    ...(signer ? { signer } : {}),
  });
  const store = await openStore(ctx.home.dbPath);
  const webStore = new WebStore(store);
  try {
    return await fn(
      new MintWatcher({
        transport: pool,
        self,
        ...(signer ? { signer } : {}),
        // evidence that omits the notary's contract is checked against the wallet's own copy
        ...(folder ? { contractFor: (id: string) => folder.trustedContract(id) } : {}),
        // The persisted web (shared with `otp2p sync`), fetching only what changed since.
        webOfTrust: async () => {
          const r = await syncWeb({
            query: transportQueryPort(pool),
            store: webStore,
            cursors: new CursorStore(store),
            clock: systemClock,
            self,
            relays,
            radius: web.depth,
            forwardDepth: web.depth,
            // A verdict needs the web to trustDepth only, not the offer publishers routing needs
            // (~15 MB of their follow lists at 10^5 keys).
            discover: false,
            budget: { bytes: DEFAULT_WEB_BUDGET_BYTES },
          });
          return { keys: new Set(webStore.distances(self, web.depth).keys()), incomplete: relayGapsOf(r.gaps) };
        },
        ...web,
      }),
    );
  } finally {
    await pool.close();
    await store.close();
    await user?.close();
  }
}

function printVerdicts(
  ctx: CommandContext,
  verdicts: MintVerdict[],
  webSize: number,
  incomplete: readonly RelayGap[] = [],
): void {
  if (incomplete.length > 0)
    ctx.io.stderr(`INCOMPLETE: no full answer from ${describeGaps(incomplete)}; these verdicts rest on partial data\n`);
  if (ctx.json) {
    printJson(ctx, { web: webSize, verdicts, ...(incomplete.length > 0 ? { incomplete } : {}) });
    return;
  }
  printTable(
    ctx,
    ['verdict', 'notary', 'unit', 'series', 'attesters', 'conflicts', 'fingerprint'],
    verdicts.map((v) => [
      v.verdict,
      v.notaryId,
      v.unitId,
      v.series,
      String(v.attesters.length),
      String(v.conflicts.length),
      v.fingerprint.slice(0, 16),
    ]),
  );
  for (const v of verdicts) {
    if (v.verdict === 'equivocation')
      ctx.io.stderr(
        `ALARM ${v.d}: the notary served other mints (${v.conflicts.map((c) => c.fingerprint.slice(0, 16)).join(', ')}); see otp2p mint evidence\n`,
      );
    if (v.verdict === 'rare')
      ctx.io.stderr(`WARNING ${v.d}: fewer than k attesters in your web of trust saw your mint\n`);
    if (v.verdict === 'reissued')
      ctx.io.stderr(
        `WARNING ${v.d}: the notary re-issued this series with other keys for a validity window that does not overlap yours (a reset, not a split view)\n`,
      );
    if (v.unverifiedEvidence.length > 0)
      ctx.io.stderr(
        `note ${v.d}: ${v.unverifiedEvidence.length} evidence event(s) whose notary signatures could not be verified (ignored)\n`,
      );
  }
}

const WEB_OPTIONS: Record<string, OptionDef> = {
  'ot-data': {
    type: 'string',
    value: 'DIR',
    description: 'OT client data folder (holds client_data/); default: otData from the config',
  },
  k: {
    type: 'string',
    value: 'N',
    default: String(DEFAULT_K),
    description: 'independent attesters needed for consistent',
  },
  depth: {
    type: 'string',
    value: 'N',
    default: String(DEFAULT_DEPTH),
    description: 'web-of-trust depth (follows of follows...)',
  },
  'grace-hours': {
    type: 'string',
    value: 'H',
    default: String(DEFAULT_GRACE_SECONDS / 3600),
    description: 'hours before a mint seen by fewer than k is rare',
  },
  'password-stdin': PASSWORD_OPTION,
};

const scan: CommandDef = defineCommand({
  name: 'scan',
  description: 'List every public mint in an OT data folder with its fingerprint (offline, read-only)',
  options: { 'ot-data': WEB_OPTIONS['ot-data'] as OptionDef },
  run: async (ctx) => {
    const s = otData(ctx).scan();
    const tla = new Map(s.units.map((u) => [u.id, u.tla]));
    const rows = s.mints.map(({ mint: m, origin, path, signature }) => ({
      notary: m.notaryId,
      unit: m.unitId,
      tla: tla.get(m.unitId) ?? null,
      series: m.series,
      valid_from: m.validFrom,
      valid_to: m.validTo,
      expiration: m.expiration,
      denominations: m.denominations.map((d) => d.value.toString()),
      origin,
      path,
      fingerprint: mintFingerprint(m),
      signature: signatureJson(signature),
    }));
    const bad = rows.filter((r) => r.signature.reason === 'bad-signature');
    const summary = {
      read: rows.length,
      unreadable: s.errors.length,
      verified: rows.filter((r) => r.signature.ok).length,
      bad_signatures: bad.length,
      unchecked: rows.filter((r) => !r.signature.ok && r.signature.reason !== 'bad-signature').length,
    };
    const contracts = s.contracts.map((c) => ({
      id: c.id,
      kind: c.kind,
      path: c.path,
      signature: signatureJson(c.signature),
    }));
    // Reading nothing is a failure, said on stdout too: a script must never take an empty scan
    // for a wallet without mints (that is how an empty catalog once replaced a real one).
    const why =
      rows.length === 0
        ? `no mint read in ${s.root}${s.errors.length > 0 ? `: ${s.errors.length} file(s) could not be read (first: ${s.errors[0]?.path}: ${s.errors[0]?.code})` : ': no mint files found'}`
        : undefined;
    if (ctx.json)
      printJson(ctx, {
        layout: s.layout,
        root: s.root,
        ...summary,
        mints: rows,
        contracts,
        errors: s.errors,
        ...(why ? { error: why } : {}),
      });
    else {
      printTable(
        ctx,
        ['notary', 'unit', 'series', 'valid from', 'valid to', 'origin', 'signature', 'fingerprint'],
        rows.map((r) => [
          r.notary,
          r.tla ?? r.unit,
          r.series,
          iso(r.valid_from),
          iso(r.valid_to),
          r.origin,
          r.signature.ok ? 'ok' : (r.signature.reason ?? 'bad'),
          r.fingerprint,
        ]),
      );
      ctx.io.stdout(
        `${summary.read} mint(s) read, ${summary.verified} signature(s) verified, ${summary.bad_signatures} bad, ${summary.unchecked} unchecked (no notary contract); ${summary.unreadable} file(s) unreadable\n`,
      );
      if (why) ctx.io.stdout(`${why}\n`);
    }
    for (const e of s.errors) ctx.io.stderr(`skipped ${e.path}: ${e.code}: ${e.message}\n`);
    for (const r of bad) ctx.io.stderr(`BAD SIGNATURE ${r.path}: not signed by notary ${r.notary}'s key\n`);
    if (bad.length > 0) return 3;
    if (why) {
      ctx.io.stderr(`${why}\n`);
      return s.errors.length > 0 ? 2 : 1;
    }
    return 0;
  },
});

const fingerprint: CommandDef = defineCommand({
  name: 'fingerprint',
  description: 'Print the canonical fingerprint of one mint file (offline)',
  positionals: [{ name: 'file', description: 'an armored or plain OT mint file', required: true }],
  options: { contract: CONTRACT_OPTION },
  run: async (ctx) => {
    const path = ctx.args.file as string;
    const { mint: m } = await readMintArg(ctx, path);
    const signature = signatureJson(checkMint(contractFor(ctx, path, m.notaryId), m));
    const out = {
      notary: m.notaryId,
      unit: m.unitId,
      series: m.series,
      signer: m.signer,
      valid_from: m.validFrom,
      valid_to: m.validTo,
      expiration: m.expiration,
      denominations: m.denominations.map((d) => d.value.toString()),
      fingerprint: mintFingerprint(m),
      signature,
    };
    if (ctx.json) printJson(ctx, out);
    else ctx.io.stdout(`${out.fingerprint}  ${mintKey(m)}  signature ${signature.ok ? 'ok' : signature.reason}\n`);
    if (signature.reason === 'bad-signature') {
      ctx.io.stderr(`BAD SIGNATURE ${path}: not signed by notary ${m.notaryId}'s key\n`);
      return 3;
    }
    return 0;
  },
});

const compare: CommandDef = defineCommand({
  name: 'compare',
  description:
    'Compare two mint files offline: identical, same-mint, equivocation, reissued or different series/unit/notary',
  details:
    'equivocation: same notary, unit and series, different keys, overlapping validity windows (proof of cheating when both signatures verify);\n' +
    'reissued: the same but with disjoint windows (the notary re-keyed the series: worth a look, not an alarm).\n' +
    'Exit 3 when a signature does not verify or the mints equivocate with both signatures verified; 0 otherwise.',
  positionals: [
    { name: 'a', description: 'a mint file', required: true },
    { name: 'b', description: 'another mint file', required: true },
  ],
  options: { contract: CONTRACT_OPTION },
  run: async (ctx) => {
    const read = async (path: string): Promise<MintFileInput> => {
      const r = await readMintArg(ctx, path);
      return {
        path,
        bytes: r.bytes,
        mint: r.mint,
        signature: checkMint(contractFor(ctx, path, r.mint.notaryId), r.mint),
      };
    };
    const c = compareMintFiles(await read(ctx.args.a as string), await read(ctx.args.b as string));
    const out = {
      ...c,
      signatures: c.signatures.map(signatureJson),
      mints: c.mints.map((m) => ({ ...m, signature: signatureJson(m.signature) })),
    };
    if (ctx.json) printJson(ctx, out);
    else {
      ctx.io.stdout(
        `${c.relation}${c.relation === 'equivocation' ? (c.proven ? ' (proven: both notary signatures verify)' : ' (unproven: a signature is missing or bad)') : ''}\n`,
      );
      for (const m of out.mints)
        ctx.io.stdout(
          `  ${m.fingerprint}  ${m.notary}:${m.unit}:${m.series}  ${iso(m.valid_from)}..${iso(m.valid_to)}  signature ${m.signature.ok ? 'ok' : m.signature.reason}  ${m.path ?? ''}\n`,
        );
    }
    if (c.signatures.some((sig) => sig.reason === 'bad-signature')) return 3;
    return c.relation === 'equivocation' && c.proven ? 3 : 0;
  },
});

const check: CommandDef = defineCommand({
  name: 'check',
  description: "Compare your mints with your web of trust's attestations (pull only: publishes nothing)",
  details:
    'Verdicts: consistent (>= k attesters saw your mint), equivocation (someone saw another mint for the same series and an overlapping validity window: the notary cheated), ' +
    'reissued (another mint for the same series but a disjoint window: a reset, a warning), rare (< k after the grace period), unknown.',
  options: {
    ...WEB_OPTIONS,
    pubkey: { type: 'string', value: 'HEX', description: 'check as this pubkey without unlocking the vault' },
  },
  run: async (ctx) => {
    watcherOptions(ctx);
    const own = await ownMints(ctx);
    const r = await withWatcher(ctx, false, (w) => w.check(own));
    printVerdicts(ctx, r.verdicts, r.webSize, r.incomplete);
    const { k } = watcherOptions(ctx);
    // An empty or tiny web makes every verdict `unknown`/`rare`: say why and what to do.
    if (r.incomplete.length === 0 && r.webSize < k)
      ctx.io.stderr(
        r.webSize === 0
          ? 'hint: you follow nobody yet, so nobody can confirm your mints: follow friends with `otp2p follow add <npub>`\n'
          : `hint: your web of trust holds ${r.webSize} peer(s), fewer than k = ${k}: no mint can be confirmed until you follow more people (otp2p follow add <npub>)\n`,
      );
    if (r.verdicts.some((v) => v.verdict === 'equivocation')) return 3;
    // A relay that did not answer is not "nobody attested": never a clean exit on partial data.
    return r.incomplete.length > 0 ? 1 : 0;
  },
});

const attest: CommandDef = defineCommand({
  name: 'attest',
  description: 'Publish your mint attestations (kind 31560) where at least k others already did, or all with --force',
  details:
    'Publishing a fingerprint nobody else holds tells the notary which user looked; by default only herd fingerprints are published.',
  options: {
    ...WEB_OPTIONS,
    force: { type: 'boolean', description: 'publish even where fewer than k others attested' },
  },
  run: async (ctx) => {
    watcherOptions(ctx);
    const own = await ownMints(ctx);
    const out = await withWatcher(ctx, true, async (w) => {
      const { verdicts } = await w.check(own);
      return w.attest(own, verdicts, ctx.options.force === true);
    });
    const rows = out.published.map((p) => ({
      id: p.event.id,
      d: p.event.tags.find((t) => t[0] === 'd')?.[1],
      relays: p.results,
    }));
    if (ctx.json) printJson(ctx, { published: rows, held: out.held });
    else {
      for (const r of rows)
        ctx.io.stdout(`published ${r.d} ${r.id} (${r.relays.filter((x) => x.ok).length}/${r.relays.length} relays)\n`);
      for (const d of out.held)
        ctx.io.stderr(`held back ${d}: fewer than k others attested it (use --force to publish anyway)\n`);
    }
    return out.published.some((p) => !p.results.some((r) => r.ok)) ? 1 : 0;
  },
});

const evidence: CommandDef = defineCommand({
  name: 'evidence',
  description: 'Publish equivocation evidence (kind 1560): your signed mint and the other one (or its fingerprint)',
  details:
    'By default it is signed with a fresh throwaway key: publishing it from your npub would link you to the mint you were served.',
  options: {
    mint: { type: 'string', value: 'FILE', description: 'your mint file' },
    other: { type: 'string', value: 'FILE', description: 'the conflicting mint file, when you have it' },
    fingerprint: {
      type: 'string',
      value: 'HEX',
      description: 'the conflicting fingerprint, when you only saw it attested',
    },
    throwaway: { type: 'boolean', description: 'sign with a fresh throwaway key (the default)' },
    'from-identity': { type: 'boolean', description: 'sign with your vault identity instead (links you to your mint)' },
    'dry-run': { type: 'boolean', description: 'print the signed event, publish nothing' },
    contract: CONTRACT_OPTION,
    'password-stdin': PASSWORD_OPTION,
  },
  run: async (ctx) => {
    const mintPath = ctx.options.mint;
    if (typeof mintPath !== 'string') throw new OtP2pError('usage', 'give your mint with --mint FILE');
    const own = (await readMintArg(ctx, mintPath)).text;
    const otherPath = ctx.options.other;
    const fp = ctx.options.fingerprint;
    let other: string | { fingerprint: string };
    if (typeof otherPath === 'string') other = (await readMintArg(ctx, otherPath)).text;
    else if (typeof fp === 'string' && /^[0-9a-f]{64}$/.test(fp)) other = { fingerprint: fp };
    else
      throw new OtP2pError(
        'usage',
        'give the conflicting mint with --other FILE or --fingerprint HEX (64 lowercase hex)',
      );
    const ownMint = parseMintFile(own, mintPath);
    const contract = contractFor(ctx, mintPath, ownMint.notaryId);
    // The notary's contract goes along (its text, which hashes to the notary ID): with it anyone can
    // check both signatures without holding the contract.
    const template = evidenceFromMints(own, other, contract ? { notaryContract: contract.text } : {}, unixSeconds());
    let event;
    let throwaway: Uint8Array | undefined;
    let authAs: EventSigner | undefined;
    let user: HomeSigner | undefined;
    if (ctx.options['from-identity'] === true) {
      const opened = await openHomeSigner(ctx);
      user = opened;
      try {
        event = await opened.signer.signEvent(template);
      } catch (err) {
        await opened.close();
        throw err;
      }
      authAs = (t) => opened.signer.signEvent(t);
    } else {
      // The throwaway key also signs the NIP-42 AUTH where a relay requires the author to
      // authenticate; it is wiped once the publish is done.
      throwaway = new Uint8Array(randomBytes(32));
      event = signEvent(template, throwaway, getPublicKey(throwaway));
    }
    if (ctx.options['dry-run'] === true) {
      throwaway?.fill(0);
      await user?.close();
      printJson(ctx, event);
      return 0;
    }
    const relays = ctx.relays ?? ctx.home.config().relays;
    const pool = new RelayPool({ relays });
    const sk = throwaway;
    const pk = event.pubkey;
    if (sk) authAs = (t) => signEvent(t, sk, pk);
    try {
      const results = await pool.publish(event, undefined, authAs ? { authSigner: authAs } : {});
      if (ctx.json) printJson(ctx, { id: event.id, pubkey: event.pubkey, results });
      else
        ctx.io.stdout(
          `published evidence ${event.id} from ${event.pubkey} (${results.filter((r) => r.ok).length}/${results.length} relays)\n`,
        );
      return results.some((r) => r.ok) ? 0 : 1;
    } finally {
      throwaway?.fill(0);
      await pool.close();
      await user?.close();
    }
  },
});

const subs = { scan, fingerprint, compare, check, attest, evidence };

export default defineCommand({
  name: 'mint',
  description: 'Mint transparency: fingerprints of OT public mints, attestations, verdicts and evidence',
  subcommands: Object.fromEntries(
    Object.entries(subs).map(([name, def]) => [name, { summary: def.description, load: async () => def }]),
  ),
});
