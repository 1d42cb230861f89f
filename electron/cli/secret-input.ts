import { createInterface } from 'node:readline';

/** A secret from stdin (its first line, when piped) or typed at a prompt without echo; never an argument. */
export async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    let data = '';
    for await (const chunk of process.stdin) data += String(chunk);
    return data.split(/\r?\n/)[0] ?? '';
  }
  // Prompt without echo: the secret never appears on screen or in scrollback.
  process.stderr.write(prompt);
  const rl = createInterface({ input: process.stdin, terminal: true });
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = () => undefined;
  const answer = await new Promise<string>((resolve) => rl.question('', resolve));
  rl.close();
  process.stderr.write('\n');
  return answer;
}
