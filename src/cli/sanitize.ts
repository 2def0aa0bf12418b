/**
 * Text from the network (DM text, names, catalog and unit names, offer ids, relay messages and
 * NOTICEs, error messages quoting them) must never be interpreted by the user's terminal: an ESC
 * sequence can clear the screen, move the cursor over the "from" column or retitle the window, so
 * a stranger's message could pass for a friend's. Every control character is shown as a visible
 * stand-in instead:
 * - C0 controls and DEL as their Unicode control pictures (`ESC` -> `␛`, `BEL` -> `␇`, CR -> `␍`);
 * - C1 controls (U+0080..U+009F, which some terminals treat as 8-bit CSI/OSC), bidirectional
 *   overrides and isolates, and the line/paragraph separators as `\u{..}` escapes.
 *
 * The CLI applies {@link sanitizeStream} to everything it writes to stdout and stderr (see
 * `runMain`), and printers of one-line fields (table cells) apply {@link sanitizeLine}, which
 * also shows newlines and tabs, so a multi-line message cannot forge extra rows. JSON output is
 * escaped by {@link escapeJsonText}, which keeps it exact JSON.
 */

/** Controls a terminal may act on, other than newline and tab (which move the cursor harmlessly). */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/g;
/** The same, plus newline and tab: for text that must stay on one line. */
const UNSAFE_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/g;
/** What JSON.stringify leaves raw but a terminal may still act on. */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/g;

function visible(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c < 0x20) return String.fromCharCode(0x2400 + c);
  if (c === 0x7f) return '\u2421';
  return `\\u{${c.toString(16)}}`;
}

/** `text` with every control character but newline and tab shown visibly. For whole output chunks. */
export function sanitizeStream(text: string): string {
  return text.replace(UNSAFE, visible);
}

/** `text` with every control character shown visibly, newlines and tabs included: for one-line fields. */
export function sanitizeLine(text: string): string {
  return text.replace(UNSAFE_IN_LINE, visible);
}

/**
 * Serialized JSON with the characters JSON leaves raw but terminals act on (DEL, C1, bidi
 * controls, U+2028/2029) written as `\u` escapes of four hex digits: still exact JSON, parsing to the same value.
 */
export function escapeJsonText(json: string): string {
  return json.replace(UNSAFE_IN_JSON, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
