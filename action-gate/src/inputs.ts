import { type Log, UserError } from '@llmops/common';
import { parseMaxRegression, parseThresholds, type RegressionRule, type Threshold } from '@llmops/evaluate';
import { COMMENT_MODES, type CommentMode, getBoolean, getChoice, getPath, getString, workspaceDir } from '@llmops/github';

export interface GateInputs {
  /** JSON, a metrics file or a run directory, as given. */
  metrics: string;
  thresholds: Threshold[];
  baseline?: string;
  baselineArtifact?: string;
  maxRegression: RegressionRule[];
  fail: boolean;
  comment: CommentMode;
  commentKey?: string;
  githubToken?: string;
  /** Absolute. */
  reportFile: string;
  workspace: string;
}

/** Reads and checks every input before anything runs, so a typo fails fast with its input named. */
export function getInputs(log: Log): GateInputs {
  const githubToken = getString('github-token');
  if (githubToken) log.setSecret(githubToken);
  const inputs: GateInputs = {
    metrics: getString('metrics', { required: true }),
    thresholds: parseThresholds(getString('thresholds', { default: '' }), 'thresholds'),
    baseline: getString('baseline'),
    baselineArtifact: getString('baseline-artifact'),
    maxRegression: parseMaxRegression(getString('max-regression', { default: '' }), 'max-regression'),
    fail: getBoolean('fail', { default: true }),
    comment: getChoice('comment', COMMENT_MODES, { default: 'auto' }),
    commentKey: getString('comment-key'),
    githubToken,
    reportFile: getPath('report-file', { default: '.llmops/gate/report.md' }),
    workspace: workspaceDir()
  };
  if (inputs.thresholds.length === 0 && inputs.maxRegression.length === 0) {
    throw new UserError("Nothing to gate on: give 'thresholds' (e.g. 'accuracy >= 0.9') and/or 'max-regression' with a baseline", {
      field: 'thresholds',
      code: 'InvalidInput'
    });
  }
  if (inputs.baseline && inputs.baselineArtifact) {
    throw new UserError("Give either 'baseline' or 'baseline-artifact', not both", { field: 'baseline-artifact', code: 'InvalidInput' });
  }
  if (inputs.maxRegression.length > 0 && !inputs.baseline && !inputs.baselineArtifact) {
    throw new UserError("'max-regression' compares with a baseline: also give 'baseline' or 'baseline-artifact'", {
      field: 'max-regression',
      code: 'InvalidInput'
    });
  }
  return inputs;
}
