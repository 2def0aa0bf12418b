/**
 * Questions asked on the controlling terminal (`/dev/tty`), for confirmations that must come
 * from a person at the keyboard: stdin may be a pipe carrying the password or data, and a
 * script's stdin must not be able to answer "yes" to printing a secret in clear.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** Longest answer kept (a confirmation word, not a document). */
const MAX_ANSWER = 256;

/**
 * Ask `question` on the terminal and return the line typed (trimmed), or undefined when the
 * process has no controlling terminal.
 */
export async function askTerminal(question: string): Promise<string | undefined> {
  const input = createReadStream('/dev/tty');
  const output = createWriteStream('/dev/tty');
  try {
    await Promise.all([
      new Promise((resolve, reject) => input.once('open', resolve).once('error', reject)),
      new Promise((resolve, reject) => output.once('open', resolve).once('error', reject)),
    ]);
  } catch {
    input.destroy();
    output.destroy();
    return undefined;
  }
  const rl = createInterface({ input, output, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) => rl.question(question, resolve));
    return answer.slice(0, MAX_ANSWER).trim();
  } finally {
    rl.close();
    input.destroy();
    output.end();
  }
}
