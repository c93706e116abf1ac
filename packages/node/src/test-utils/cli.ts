/** Runs the CLI's main() in-process with captured streams. */
import { main } from '../cli/main.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(
  argv: readonly string[],
  {
    env = {},
    signal = new AbortController().signal,
    tty = false,
    onStderr,
  }: { env?: Record<string, string>; signal?: AbortSignal; tty?: boolean; onStderr?: (text: string) => void } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: {
      write: (s: string) => {
        stderr += s;
        onStderr?.(s);
      },
      isTTY: tty,
    },
    env,
    signal,
  });
  return { code, stdout, stderr };
}
