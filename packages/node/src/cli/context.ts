/** What a command may touch of the outside world; tests pass their own. */
export interface TextSink {
  write(text: string): unknown;
  /** When true, progress is redrawn in place; otherwise only start and finish lines are printed. */
  isTTY?: boolean;
}

export interface CliContext {
  stdout: TextSink;
  stderr: TextSink;
  env: Readonly<Record<string, string | undefined>>;
  /** Aborted on SIGINT; commands pass it to every long step. */
  signal: AbortSignal;
}
