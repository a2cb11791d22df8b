/**
 * `llmops`: the same operations as the actions, from a terminal, with the feel
 * of Prompt flow's `pf run create` / `pf run show-metrics` / `pf run show-details`.
 */
import { consoleLog, describeError, isUserError } from '@llmops/common';
import type { Command } from './command.js';
import { commands } from './commands/index.js';

function usage(all: Command[]): string {
  const width = Math.max(...all.map((c) => c.name.length));
  return [
    'usage: llmops <command> [options]',
    '',
    'commands:',
    ...all.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    "Run 'llmops <command> --help' for a command's options."
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const all = commands();
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage(all)}\n`);
    return name ? 0 : 1;
  }
  const command = all.find((c) => c.name === name);
  const verbose = rest.includes('--verbose');
  const log = consoleLog({ verbose });
  if (!command) {
    log.error(`Unknown command '${name}'.\n${usage(all)}`);
    return 1;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${command.help()}\n`);
    return 0;
  }
  try {
    return await command.run(rest.filter((a) => a !== '--verbose'), { log, stdout: (text) => process.stdout.write(text) });
  } catch (error) {
    if (isUserError(error)) {
      log.error(describeError(error));
      return 1;
    }
    log.error(error instanceof Error && error.stack ? error.stack : String(error));
    return 2;
  }
}
