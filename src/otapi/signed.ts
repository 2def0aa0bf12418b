/**
 * OT signed contracts: `-----BEGIN SIGNED <LABEL>-----`, `Hash: ...` header, the XML body, then one
 * or more `-----BEGIN <LABEL> SIGNATURE-----` blocks (headers, blank line, base64). OT escapes
 * nested armor lines inside a body with a leading `- ` (as PGP does); that escape is undone.
 */
import { OtP2pError, describeValue } from '../core/errors.ts';
import { findBeginLine, splitLines } from './armor.ts';

/** One signature block of a signed contract. */
export interface OtSignature {
  label: string;
  headers: Array<[string, string]>;
  /** The base64 text of the signature, whitespace removed. */
  base64: string;
}

/** A parsed signed contract. */
export interface SignedContract {
  /** The label after `BEGIN SIGNED`, e.g. `MINT`, `CONTRACT`, `ACCOUNT`. */
  label: string;
  /** The `Hash:` header (`HASH256` in 0.94, `SAMY` in classic files), if present. */
  hash: string | undefined;
  /** The signed XML body, LF line endings. */
  body: string;
  /**
   * The exact text OT hashes and signs (its `m_xmlUnsigned`): every line after the `Hash:` line
   * and the line that follows it, up to the first signature line, each ended by LF, escaped
   * `- -` lines kept as they are (OT signs them escaped).
   */
  signedText: string;
  signatures: OtSignature[];
}

const BEGIN_RE = /^-----BEGIN SIGNED ([A-Z0-9 _]{1,40})-----$/;
const SIG_BEGIN_RE = /^-----BEGIN ([A-Z0-9 _]{1,40}) SIGNATURE-----$/;
const SIG_END_RE = /^-----END ([A-Z0-9 _]{1,40}) SIGNATURE-----$/;
const HEADER_RE = /^([A-Za-z][A-Za-z0-9-]{0,40}):[ \t]*(.*)$/;

/** Whether `text` is a signed OT contract (it has a BEGIN SIGNED line). */
export function isSignedContract(text: string): boolean {
  return /^-----BEGIN SIGNED /m.test(text);
}

/**
 * Split a signed contract into body and signatures.
 * @throws OtP2pError `bad-ot-file` when the BEGIN line, the body or a signature block is missing
 *   or truncated.
 */
export function parseSignedContract(text: string): SignedContract {
  const lines = splitLines(text);
  const begin = findBeginLine(lines, BEGIN_RE);
  if (!begin) throw new OtP2pError('bad-ot-file', 'no -----BEGIN SIGNED ...----- line');
  const label = begin.label;
  let i = begin.index + 1;
  let hash: string | undefined;
  for (; i < lines.length; i++) {
    const h = HEADER_RE.exec((lines[i] as string).trim());
    if (!h) break;
    if (h[1] === 'Hash') hash = (h[2] as string).trim();
  }
  const body: string[] = [];
  const signatures: OtSignature[] = [];
  for (; i < lines.length; i++) {
    const raw = lines[i] as string;
    const trimmed = raw.trim();
    const s = SIG_BEGIN_RE.exec(trimmed);
    if (s) {
      const sigLabel = s[1] as string;
      const headers: Array<[string, string]> = [];
      const b64: string[] = [];
      let closed = false;
      for (i++; i < lines.length; i++) {
        const line = (lines[i] as string).trim();
        const e = SIG_END_RE.exec(line);
        if (e) {
          if (e[1] !== sigLabel)
            throw new OtP2pError(
              'bad-ot-file',
              `signature block ${describeValue(sigLabel)} ends as ${describeValue(e[1])}`,
            );
          closed = true;
          break;
        }
        const h = b64.length === 0 ? HEADER_RE.exec(line) : null;
        if (h) headers.push([h[1] as string, (h[2] as string).trim()]);
        else if (line !== '') b64.push(line);
      }
      if (!closed)
        throw new OtP2pError('bad-ot-file', `signature block ${describeValue(sigLabel)} is truncated`, {
          context: { label },
        });
      signatures.push({ label: sigLabel, headers, base64: b64.join('') });
      continue;
    }
    if (signatures.length > 0) {
      if (trimmed === '') continue;
      throw new OtP2pError('bad-ot-file', `unexpected text after the signatures of signed ${label}`, {
        context: { label },
      });
    }
    body.push(raw.startsWith('- -') ? raw.slice(2) : raw);
  }
  if (signatures.length === 0)
    throw new OtP2pError('bad-ot-file', `signed ${label} has no signature block (truncated?)`, { context: { label } });
  const joined = body.join('\n').trim();
  if (joined === '') throw new OtP2pError('bad-ot-file', `signed ${label} has an empty body`, { context: { label } });
  return { label, hash, body: joined, signedText: otSignedPortion(text), signatures };
}

/**
 * The portion of a signed contract OT signs, as OT's contract parser collects it: the text is
 * trimmed, the `Hash:` header line and the one after it are skipped, and every following line up
 * to the first `-----...SIGNATURE` line is kept verbatim (CR of a CRLF dropped) with an LF after it.
 */
export function otSignedPortion(text: string): string {
  // CRLF is read as LF: OT wrote LF, and a copy whose line ends were converted on the way (a
  // Windows editor, a mail client) holds the same signed content.
  const lines = text.trim().split(/\r?\n/);
  const out: string[] = [];
  let inContent = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (!inContent) {
      if (line.startsWith('----') && line.includes('BEGIN')) inContent = true;
      continue;
    }
    if (line.startsWith('----') && line.includes('SIGNATURE')) break;
    if (out.length === 0 && line.startsWith('Hash: ')) {
      i++;
      continue;
    }
    out.push(`${line}\n`);
  }
  return out.join('');
}
