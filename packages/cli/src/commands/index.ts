import type { Command } from '../command.js';
import { deployCommand } from './deploy.js';
import { evaluateCommand } from './evaluate.js';
import { gateCommand } from './gate.js';
import { registerCommand } from './register.js';
import { runCommand } from './run.js';
import { showDetailsCommand, showMetricsCommand } from './show.js';

/** Every `llmops` command, in the order `llmops --help` lists them. */
export function commands(): Command[] {
  return [runCommand, showMetricsCommand, showDetailsCommand, evaluateCommand, gateCommand, registerCommand, deployCommand];
}
