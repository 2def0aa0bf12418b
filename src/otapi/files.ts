/**
 * Parsers for the OT files otp2p reads: public mints, unit definitions (asset contracts), notary
 * contracts, account files and wallet.xml. Each takes raw file bytes or text, armored or not.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import type { AccountInfo, NotaryInfo, PublicMint, UnitDefinition, MintDenomination } from './api.ts';
import { dearmor, isArmored, unpackString } from './armor.ts';
import type { DearmorOptions } from './armor.ts';
import { isSignedContract, parseSignedContract } from './signed.ts';
import type { SignedContract } from './signed.ts';
import { attrOf, childNamed, childrenNamed, parseXml, textOf } from './xml.ts';
import type { XmlElement } from './xml.ts';

/** Cap on one OT file read from disk. */
export const MAX_OT_FILE_BYTES = 8 * 1024 * 1024;

/** Most denominations a mint may have (real mints have about 10; each one is inflated). */
export const MAX_DENOMINATIONS = 256;

/** An OT document after dearmoring: its text and, when signed, the signed parts. */
export interface OtDocument {
  /** Armor label (`MINT`, `WALLET`, ...) or undefined when the file was not armored. */
  armorLabel: string | undefined;
  protobufWrapped: boolean;
  text: string;
  signed: SignedContract | undefined;
  /** The XML (signed body, or the whole text when unsigned). */
  xml: string;
}

/**
 * Dearmor (when armored) and split a signed contract (when signed).
 * @throws OtP2pError from {@link dearmor} and {@link parseSignedContract}, `bad-ot-file` for
 *   non-UTF-8 plain files.
 */
export function readOtDocument(input: string | Uint8Array, options: DearmorOptions = {}): OtDocument {
  let text: string;
  if (typeof input === 'string') text = input;
  else {
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch (cause) {
      throw new OtP2pError('bad-ot-file', 'OT file is not UTF-8 text', { cause });
    }
  }
  let armorLabel: string | undefined;
  let protobufWrapped = false;
  if (isArmored(text)) {
    const d = dearmor(text, options);
    armorLabel = d.label;
    protobufWrapped = d.protobufWrapped;
    text = d.text;
  }
  const signed = isSignedContract(text) ? parseSignedContract(text) : undefined;
  return { armorLabel, protobufWrapped, text, signed, xml: signed ? signed.body : text };
}

const ID_RE = /^[A-Za-z0-9]{1,128}$/;
const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z|[+-]00:?00)?$/;

/**
 * An OT time: Unix seconds (classic) or ISO-8601 without zone, read as UTC (0.94).
 * @throws OtP2pError `code` naming `field` when neither.
 */
export function parseOtTime(
  value: string | undefined,
  field: string,
  code: 'bad-mint' | 'bad-ot-file' = 'bad-ot-file',
): number {
  if (value !== undefined) {
    const v = value.trim();
    if (/^\d{1,12}$/.test(v)) return Number(v);
    const m = ISO_RE.exec(v);
    if (m) {
      const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
      if (Number.isFinite(ms) && ms >= 0) return Math.floor(ms / 1000);
    }
  }
  throw new OtP2pError(code, `${field} must be Unix seconds or an ISO-8601 time, got ${describeValue(value)}`, {
    context: { field },
  });
}

function requireId(el: XmlElement, code: 'bad-mint' | 'bad-ot-file', field: string, ...names: string[]): string {
  const v = attrOf(el, ...names);
  if (v === undefined || !ID_RE.test(v)) {
    throw new OtP2pError(
      code,
      `<${el.name}> ${field} (${names.join('/')}) must be an alphanumeric ID, got ${describeValue(v)}`,
      { context: { field } },
    );
  }
  return v;
}

function normaliseKeyText(text: string): string {
  return text.replace(/\r\n?/g, '\n').trim();
}

/**
 * Parse a public mint file (armored or not).
 * @throws OtP2pError `bad-mint` for a document that is not a valid mint, and the codes of
 *   {@link readOtDocument} and `parseXml`.
 */
export function parseMintFile(input: string | Uint8Array, source?: string, options: DearmorOptions = {}): PublicMint {
  const doc = readOtDocument(input, options);
  if (!doc.signed)
    throw new OtP2pError('bad-mint', 'mint is not a signed contract (no -----BEGIN SIGNED MINT-----)', {
      context: { source },
    });
  if (doc.signed.label !== 'MINT')
    throw new OtP2pError('bad-mint', `expected a signed MINT, got signed ${describeValue(doc.signed.label)}`, {
      context: { source },
    });
  const root = parseXml(doc.signed.body);
  if (root.name !== 'mint')
    throw new OtP2pError('bad-mint', `mint root element must be <mint>, got <${root.name}>`, { context: { source } });
  const classic = !Object.hasOwn(root.attrs, 'notaryID') && Object.hasOwn(root.attrs, 'serverID');
  const notaryId = requireId(root, 'bad-mint', 'notary', 'notaryID', 'serverID');
  const unitId = requireId(root, 'bad-mint', 'unit', 'instrumentDefinitionID', 'assetTypeID');
  const signer = requireId(root, 'bad-mint', 'signer', 'serverNymID');
  const series = attrOf(root, 'series');
  if (series === undefined || !/^\d{1,10}$/.test(series))
    throw new OtP2pError('bad-mint', `mint series must be a decimal integer, got ${describeValue(series)}`);
  const validFrom = parseOtTime(attrOf(root, 'validFrom'), 'validFrom', 'bad-mint');
  const validTo = parseOtTime(attrOf(root, 'validTo'), 'validTo', 'bad-mint');
  const expiration = parseOtTime(attrOf(root, 'expiration'), 'expiration', 'bad-mint');
  const denominations: MintDenomination[] = [];
  const seen = new Set<string>();
  const infos = childrenNamed(root, 'mintPublicInfo');
  if (infos.length > MAX_DENOMINATIONS)
    throw new OtP2pError('bad-mint', `mint has ${infos.length} denominations, over the limit of ${MAX_DENOMINATIONS}`, {
      context: { source },
    });
  for (const info of infos) {
    const d = attrOf(info, 'denomination');
    if (d === undefined || !/^[1-9]\d{0,30}$/.test(d))
      throw new OtP2pError('bad-mint', `denomination must be a positive integer, got ${describeValue(d)}`);
    if (seen.has(d))
      throw new OtP2pError('bad-mint', `denomination ${d} appears twice`, { context: { denomination: d } });
    seen.add(d);
    const keyText = normaliseKeyText(unpackString(textOf(info), `mintPublicInfo ${d}`));
    denominations.push({ value: BigInt(d), keyText });
  }
  if (denominations.length === 0)
    throw new OtP2pError('bad-mint', 'mint has no <mintPublicInfo> denominations', { context: { source } });
  denominations.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
  const pk = childNamed(root, 'mintPublicKey');
  const mint: PublicMint = {
    notaryId,
    unitId,
    signer,
    series: String(Number(series)),
    validFrom,
    validTo,
    expiration,
    denominations,
    signedText: doc.text,
    attributeStyle: classic ? 'classic' : 'v2',
  };
  if (pk) mint.mintPublicKey = textOf(pk).replace(/\s+/g, '');
  if (source !== undefined) mint.source = source;
  return mint;
}

/**
 * Parse a unit definition (asset contract): `<instrumentDefinition>` (0.94), `<digitalAssetContract>`
 * or `<assetContract>` (classic).
 * @throws OtP2pError `bad-ot-file` when it has no `<currency>` or the factor is not an integer.
 */
export function parseUnitDefinition(input: string | Uint8Array, id: string): UnitDefinition {
  const root = parseXml(readOtDocument(input).xml);
  if (!['instrumentDefinition', 'digitalAssetContract', 'assetContract', 'unitDefinition'].includes(root.name)) {
    throw new OtP2pError('bad-ot-file', `not a unit definition: root <${root.name}>`, { context: { id } });
  }
  const unit: UnitDefinition = { id };
  const cur = childNamed(root, 'currency');
  if (cur) {
    const a = cur.attrs;
    if (a.name !== undefined) unit.name = a.name;
    if (a.tla !== undefined) unit.tla = a.tla;
    if (a.symbol !== undefined) unit.symbol = a.symbol;
    if (a.fraction !== undefined) unit.fraction = a.fraction;
    if (a.factor !== undefined) {
      if (!/^\d{1,30}$/.test(a.factor))
        throw new OtP2pError('bad-ot-file', `currency factor must be an integer, got ${describeValue(a.factor)}`, {
          context: { id },
        });
      unit.factor = BigInt(a.factor);
    }
    if (a.decimal_power !== undefined) {
      if (!/^\d{1,2}$/.test(a.decimal_power))
        throw new OtP2pError(
          'bad-ot-file',
          `decimal_power must be a small integer, got ${describeValue(a.decimal_power)}`,
          { context: { id } },
        );
      unit.decimalPower = Number(a.decimal_power);
    }
  } else {
    const entity = childNamed(root, 'entity');
    if (entity?.attrs.shortname !== undefined) unit.name = entity.attrs.shortname;
  }
  return unit;
}

/** What kind of contract a file holds. */
export function contractKind(input: string | Uint8Array): 'unit' | 'notary' | 'other' {
  const root = parseXml(readOtDocument(input).xml);
  if (['notaryProviderContract', 'serverContract', 'notaryContract'].includes(root.name)) return 'notary';
  if (['instrumentDefinition', 'digitalAssetContract', 'assetContract', 'unitDefinition'].includes(root.name))
    return 'unit';
  return 'other';
}

/**
 * Parse a notary contract (`<notaryProviderContract>` in 0.94, `<serverContract>` classic).
 * @throws OtP2pError `bad-ot-file` when the root is something else.
 */
export function parseNotaryContract(input: string | Uint8Array, id: string): NotaryInfo {
  const root = parseXml(readOtDocument(input).xml);
  if (!['notaryProviderContract', 'serverContract', 'notaryContract'].includes(root.name)) {
    throw new OtP2pError('bad-ot-file', `not a notary contract: root <${root.name}>`, { context: { id } });
  }
  const info: NotaryInfo = { id };
  const entity = childNamed(root, 'entity');
  if (entity?.attrs.shortname !== undefined) info.name = entity.attrs.shortname;
  const server = childNamed(root, 'notaryServer') ?? childNamed(root, 'transactionServer');
  if (server) {
    if (server.attrs.hostname !== undefined) info.hostname = server.attrs.hostname;
    const port = server.attrs.port;
    if (port !== undefined && /^\d{1,5}$/.test(port)) info.port = Number(port);
  }
  return info;
}

/**
 * Parse an account file (`<account>` in 0.94, `<assetAccount>` in classic files, with a `<balance>`).
 * @throws OtP2pError `bad-ot-file` when IDs or the balance are malformed.
 */
export function parseAccountFile(input: string | Uint8Array): AccountInfo {
  const root = parseXml(readOtDocument(input).xml);
  // 0.94 writes <account>, classic files <assetAccount>.
  if (root.name !== 'account' && root.name !== 'assetAccount')
    throw new OtP2pError('bad-ot-file', `not an account: root <${root.name}>`);
  const acct: AccountInfo = {
    id: requireId(root, 'bad-ot-file', 'account', 'accountID'),
    notaryId: requireId(root, 'bad-ot-file', 'notary', 'notaryID', 'serverID'),
    unitId: requireId(root, 'bad-ot-file', 'unit', 'instrumentDefinitionID', 'assetTypeID'),
  };
  const nym = attrOf(root, 'nymID', 'userID');
  if (nym !== undefined) acct.nymId = nym;
  if (root.attrs.type !== undefined) acct.type = root.attrs.type;
  const bal = childNamed(root, 'balance');
  if (bal) {
    const amount = bal.attrs.amount;
    if (amount === undefined || !/^-?\d{1,30}$/.test(amount))
      throw new OtP2pError('bad-ot-file', `account balance must be an integer, got ${describeValue(amount)}`);
    acct.balance = BigInt(amount);
    if (bal.attrs.date !== undefined) acct.balanceDate = parseOtTime(bal.attrs.date, 'balance date');
  }
  return acct;
}

/** What wallet.xml lists. Names are OT packed strings, unpacked here. */
export interface WalletInfo {
  notaries: NotaryInfo[];
  units: UnitDefinition[];
  accounts: AccountInfo[];
  /** Nym IDs (never published by otp2p; listed so callers can keep them local). */
  nymIds: string[];
}

function unpackName(packed: string | undefined): string | undefined {
  if (packed === undefined || packed === '') return undefined;
  let name: string;
  try {
    name = unpackString(packed, 'name', 64 * 1024);
  } catch {
    // Some wallets store names unpacked: keep the raw value.
    name = packed;
  }
  // A name is only ever displayed: control characters (terminal escapes) never reach a screen.
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
}

/**
 * Parse wallet.xml. The last known balance and the unit of each account are only in XML comments
 * in 0.94 wallets; they are read from there when present.
 * @throws OtP2pError `bad-ot-file` when the root is not `<wallet>`, and XML/armor codes.
 */
export function parseWallet(input: string | Uint8Array): WalletInfo {
  const doc = readOtDocument(input);
  const root = parseXml(doc.xml);
  if (root.name !== 'wallet') throw new OtP2pError('bad-ot-file', `not a wallet: root <${root.name}>`);
  const out: WalletInfo = { notaries: [], units: [], accounts: [], nymIds: [] };
  for (const el of root.children) {
    if (typeof el === 'string') continue;
    const name = unpackName(el.attrs.name);
    switch (el.name) {
      case 'notaryProvider':
      case 'serverContract':
      case 'notaryContract': {
        const id = requireId(el, 'bad-ot-file', 'notary', 'notaryID', 'serverID');
        out.notaries.push(name === undefined ? { id } : { id, name });
        break;
      }
      case 'assetType':
      case 'unitDefinition': {
        const id = requireId(el, 'bad-ot-file', 'unit', 'instrumentDefinitionID', 'assetTypeID');
        out.units.push(name === undefined ? { id } : { id, name });
        break;
      }
      case 'pseudonym':
        out.nymIds.push(requireId(el, 'bad-ot-file', 'nym', 'nymID'));
        break;
      case 'account':
      case 'assetAccount': {
        const acct: AccountInfo = {
          id: requireId(el, 'bad-ot-file', 'account', 'accountID'),
          notaryId: requireId(el, 'bad-ot-file', 'notary', 'notaryID', 'serverID'),
        };
        const nym = attrOf(el, 'nymID', 'userID');
        if (nym !== undefined) acct.nymId = nym;
        const unit = attrOf(el, 'instrumentDefinitionID', 'assetTypeID');
        if (unit !== undefined) acct.unitId = unit;
        if (name !== undefined) acct.name = name;
        out.accounts.push(acct);
        break;
      }
      default:
        break;
    }
  }
  // 0.94 and classic wallets write "<!-- Last retrieved balance: N on date: D -->", "<!-- Account
  // type: T -->" before each account and "<!-- instrumentDefinitionID: U -->" (classic:
  // assetTypeID) after it.
  const re =
    /<!--\s*Last retrieved balance:\s*(-?\d{1,30}) on date:\s*([^\s]+)\s*-->\s*<!--\s*Account type:\s*(\w+)\s*-->\s*<(?:account|assetAccount)\b[^>]*?accountID="([A-Za-z0-9]+)"[^>]*>\s*<!--\s*(?:instrumentDefinitionID|assetTypeID):\s*([A-Za-z0-9]+)\s*-->/g;
  for (const m of doc.xml.matchAll(re)) {
    const acct = out.accounts.find((a) => a.id === m[4]);
    if (!acct) continue;
    acct.balance = BigInt(m[1] as string);
    try {
      acct.balanceDate = parseOtTime(m[2], 'balance date');
    } catch {
      // a comment is informational: a bad date there is not a bad wallet
    }
    acct.type = m[3] as string;
    acct.unitId ??= m[5] as string;
  }
  return out;
}
