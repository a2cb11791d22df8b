/** `llmops --help`, a command's --help and an unknown command, through main(argv). */
import { describe, expect, test } from '@jest/globals';
import { main } from '../src/main.js';
import { captureProcessOutput } from './support/capture.js';

const captured = captureProcessOutput();

const COMMANDS = ['run', 'show-metrics', 'show-details', 'evaluate', 'gate', 'register', 'deploy'];
/** The command names of the usage's `commands:` list, in order. */
const listed = (usage: string) =>
  usage
    .split('\n')
    .slice(usage.split('\n').indexOf('commands:') + 1)
    .map((l) => /^ {2}(\S+) {2,}\S/.exec(l)?.[1])
    .filter(Boolean);

describe('llmops help', () => {
  test('--help lists every command with its summary and exits 0', async () => {
    expect(await main(['--help'])).toBe(0);
    expect(captured.stdout).toMatch(/^usage: llmops <command> \[options\]\n/);
    expect(listed(captured.stdout)).toEqual(COMMANDS);
    expect(captured.stdout).toMatch(/^ {2}run +Bulk-run a flow over a dataset/m);
    expect(captured.stderr).toBe('');
  });

  test('no command prints the usage and exits 1', async () => {
    expect(await main([])).toBe(1);
    expect(listed(captured.stdout)).toEqual(COMMANDS);
  });

  test("a command's --help lists its options and runs nothing", async () => {
    expect(await main(['run', '--help'])).toBe(0);
    for (const flag of ['--flow', '--data', '--file', '--column-mapping', '--connections', '--stream', '--resume', '--allowed-failure-rate']) {
      expect(captured.stdout).toContain(`  ${flag}`);
    }
    expect(captured.stdout).toMatch(/^usage: llmops run /);
  });

  test('an unknown command is an error naming it, exit 1', async () => {
    expect(await main(['rnu'])).toBe(1);
    expect(captured.stdout).toBe('');
    expect(captured.stderr).toMatch(/^error: Unknown command 'rnu'\./);
  });
});
