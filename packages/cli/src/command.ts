import type { Log } from '@llmops/common';

export interface CommandIO {
  log: Log;
  stdout(text: string): void;
}

export interface Command {
  name: string;
  summary: string;
  help(): string;
  /** Returns the process exit code. */
  run(argv: string[], io: CommandIO): Promise<number>;
}
