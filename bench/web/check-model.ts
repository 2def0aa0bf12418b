/** Placeholder until the real-socket check lands (see main.ts). */
export async function checkModel(_keys: number, _seed: number, log: (s: string) => void): Promise<unknown> {
  log('check-model: not implemented yet');
  return null;
}
