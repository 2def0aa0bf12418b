/**
 * Canonical mint fingerprints. The fingerprint is computed from parsed fields, never from file
 * bytes, so the same mint re-armored (another zlib level, CRLF, other header lines, attribute
 * order, whitespace, classic Unix-second times vs ISO times) gives the same value, while any
 * change to a key, a denomination, the series, the signer or the validity window changes it.
 */
import { createHash } from 'node:crypto';
import type { PublicMint } from '../otapi/api.ts';

/** Version tag hashed into every fingerprint; bump it if the canonical form ever changes. */
export const FINGERPRINT_VERSION = 'otp2p-mint-fingerprint-v1';

/**
 * Canonical form of one denomination's key text: `key=value` lines become sorted pairs with
 * lower-case keys and upper-case hex values (Lucre writes hex in either case); other text is
 * kept with all whitespace removed.
 */
export function canonicalKeyMaterial(keyText: string): string[][] {
  const lines = keyText
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const pairs: string[][] = [];
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq <= 0) return [['raw', keyText.replace(/\s+/g, '')]];
    const k = line.slice(0, eq).trim().toLowerCase();
    let v = line.slice(eq + 1).trim();
    if (/^[0-9a-fA-F]+$/.test(v)) v = v.toUpperCase();
    pairs.push([k, v]);
  }
  return pairs.sort(
    (a, b) => (a[0] as string).localeCompare(b[0] as string) || (a[1] as string).localeCompare(b[1] as string),
  );
}

/** The canonical JSON string that is hashed (exported for tests and for explaining a fingerprint). */
export function canonicalMintForm(mint: PublicMint): string {
  const denoms = [...mint.denominations]
    .sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0))
    .map((d) => [d.value.toString(), canonicalKeyMaterial(d.keyText)]);
  return JSON.stringify([
    FINGERPRINT_VERSION,
    mint.notaryId,
    mint.unitId,
    mint.series,
    mint.validFrom,
    mint.validTo,
    mint.expiration,
    mint.signer,
    (mint.mintPublicKey ?? '').replace(/\s+/g, ''),
    denoms,
  ]);
}

/** The fingerprint: lowercase hex SHA-256 of {@link canonicalMintForm}. */
export function mintFingerprint(mint: PublicMint): string {
  return createHash('sha256').update(canonicalMintForm(mint), 'utf8').digest('hex');
}

/** The attestation `d` value for a mint: `<notaryID>:<unitID>:<series>`. */
export function mintKey(mint: Pick<PublicMint, 'notaryId' | 'unitId' | 'series'>): string {
  return `${mint.notaryId}:${mint.unitId}:${mint.series}`;
}
