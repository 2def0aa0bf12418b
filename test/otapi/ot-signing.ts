/**
 * A test notary that signs the way classic OT did (SAMY digest, RSA-PSS with SHA-256 and the
 * longest salt), with a fresh RSA key: the real notary's private key is not available, so
 * "re-signed" and "equivocating" mints are built with this key and a notary contract of its own,
 * whose ID is the hash of its text as OT computes it. Test-only, named so.
 */
import { createHash, generateKeyPairSync, privateEncrypt, constants, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { armor, dearmor, packString, wrapProtobufString } from '../../src/otapi/armor.ts';
import { base62 } from '../../src/otapi/ids.ts';
import { otSignedPortion } from '../../src/otapi/signed.ts';
import { samyDigest } from '../../src/otapi/otcrypto.ts';

function mgf1(seed: Uint8Array, length: number): Buffer {
  const parts: Buffer[] = [];
  for (let c = 0; parts.length * 32 < length; c++) {
    const n = Buffer.alloc(4);
    n.writeUInt32BE(c);
    parts.push(createHash('sha256').update(seed).update(n).digest());
  }
  return Buffer.concat(parts).subarray(0, length);
}

/** EMSA-PSS encode a digest (RFC 8017 9.1.1, SHA-256, longest salt) and apply the private key. */
function pssSign(key: KeyObject, digest: Uint8Array): Buffer {
  const modBits = key.asymmetricKeyDetails?.modulusLength ?? 1024;
  const emLen = Math.ceil((modBits - 1) / 8);
  const salt = randomBytes(emLen - 32 - 2);
  const h = createHash('sha256').update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLen - salt.length - 32 - 2), Buffer.from([1]), salt]);
  const mask = mgf1(h, db.length);
  for (let i = 0; i < db.length; i++) db[i] = (db[i] as number) ^ (mask[i] as number);
  db[0] = (db[0] as number) & (0xff >> (8 * emLen - (modBits - 1)));
  const em = Buffer.concat([db, h, Buffer.from([0xbc])]);
  const padded = Buffer.concat([Buffer.alloc(Math.ceil(modBits / 8) - em.length), em]);
  return privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, padded);
}

/** Sign an unsigned body (`<?xml…` up to the root's end) as a classic signed contract. */
export function signClassic(key: KeyObject, label: string, body: string): string {
  const head = `-----BEGIN SIGNED ${label}-----\nHash: SAMY\n\n`;
  const unsigned = `${head}${body.trim()}\n-----BEGIN ${label} SIGNATURE-----\n`;
  const sig = pssSign(key, samyDigest(Buffer.from(otSignedPortion(unsigned), 'utf8')));
  const b64 = Buffer.from(wrapProtobufString(sig))
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .trim();
  return `${head}${body.trim()}\n-----BEGIN ${label} SIGNATURE-----\nVersion: test\nMeta:    Stst\n\n${b64}\n-----END ${label} SIGNATURE-----\n`;
}

/** A test notary: an RSA key, a nym, and a notary contract naming the key, with its OT ID. */
export interface TestNotary {
  key: KeyObject;
  nymId: string;
  contractText: string;
  contractArmored: string;
  id: string;
}

/** Create a test notary whose contract embeds its signing key the way OT credentials do. */
export function testNotary(name = 'Test notary'): TestNotary {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
  const nymId = base62(randomBytes(32)).padStart(43, '0');
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const wrapped = Buffer.from(wrapProtobufString(Buffer.from(pem, 'utf8'))).toString('base64');
  const keyArmor = `-----BEGIN PUBLIC KEY-----\n${wrapped.replace(/(.{64})/g, '$1\n').trim()}\n-----END PUBLIC KEY-----\n`;
  const credential = `<keyCredential nymID="${nymId}">\n<publicContents count="1">\n<publicInfo key="S">\n${packString(keyArmor)}\n</publicInfo>\n</publicContents>\n</keyCredential>\n`;
  const body = [
    '<?xml version="1.0"?>',
    '<notaryProviderContract version="1.0">',
    `<entity shortname="${name}" longname="${name}" email="n@example.invalid"/>`,
    '<notaryServer hostname="127.0.0.1" port="7085" URL="tcp://127.0.0.1:7085"/>',
    `<signer hasCredentials="true" nymID="${nymId}" altLocation="">`,
    '<credentials>',
    `<credential ID="testcred">\n${packString(credential)}\n</credential>`,
    '</credentials>',
    '</signer>',
    '</notaryProviderContract>',
  ].join('\n');
  const contractText = signClassic(privateKey, 'CONTRACT', body);
  const id = base62(samyDigest(Buffer.from(contractText, 'utf8')));
  return {
    key: privateKey,
    nymId,
    contractText,
    contractArmored: armor(contractText, 'CONTRACT', { protobufWrap: true }),
    id,
  };
}

/**
 * A real classic mint file re-issued by a test notary: its notary, signer, series and window
 * replaced, optionally one denomination's key swapped for another's (other keys), re-signed.
 */
export function reissueMint(
  realArmored: string,
  notary: TestNotary,
  opts: { series?: string; validFrom: number; validTo: number; swapKeys?: boolean },
): string {
  const text = dearmor(realArmored).text;
  const start = text.indexOf('<?xml');
  const end = text.indexOf('</mint>') + '</mint>'.length;
  let body = text.slice(start, end);
  body = body
    .replace(/serverID="[^"]*"/, `serverID="${notary.id}"`)
    .replace(/serverNymID="[^"]*"/, `serverNymID="${notary.nymId}"`)
    .replace(/validFrom="\d+"/, `validFrom="${opts.validFrom}"`)
    .replace(/validTo="\d+"/, `validTo="${opts.validTo}"`)
    .replace(/expiration="\d+"/, `expiration="${opts.validTo - 1000}"`);
  if (opts.series !== undefined) body = body.replace(/series="\d+"/, `series="${opts.series}"`);
  if (opts.swapKeys) {
    const infos = [...body.matchAll(/(<mintPublicInfo denomination="\d+">)([\s\S]*?)(<\/mintPublicInfo>)/g)];
    const a = infos[0]?.[2];
    const b = infos[1]?.[2];
    if (a === undefined || b === undefined) throw new Error('mint has fewer than two denominations');
    body = body.replace(a, '\u0000').replace(b, a).replace('\u0000', b);
  }
  return armor(signClassic(notary.key, 'MINT', body), 'MINT', { protobufWrap: true });
}

/** Move the notary directory of a mint path: `<…>/mints/<notary>/<unit>`. */
export function mintPathFor(root: string, notaryId: string, unitId: string): string {
  return `${root}/client_data/mints/${notaryId}/${unitId}`;
}
