// The one adapter between the library and GitHub: the only package that imports @actions/*.
export { actionLog, annotationFor } from './log.js';
export {
  getString,
  getBoolean,
  getNumber,
  getPath,
  getMultiline,
  getKeyValues,
  getObject,
  getChoice,
  workspaceDir,
  type NumberOptions
} from './inputs.js';
export { setOutputs, outputText, MAX_OUTPUT_BYTES, type OutputValue } from './outputs.js';
export { runAction, failStep, reportFailure, StepFailed } from './run-action.js';
export { writeSummary, SUMMARY_MAX_BYTES, type SummaryOptions } from './summary.js';
export { truncateMarkdown, type TruncateLimit } from './truncate.js';
export {
  createOctokit,
  readRunContext,
  findPullRequest,
  isForkPullRequest,
  workflowFileFromRef,
  type Octokit,
  type RunContext,
  type PullRequestInfo
} from './context.js';
export {
  upsertStickyComment,
  stickyKey,
  stickyMarker,
  COMMENT_MAX_CHARS,
  COMMENT_MODES,
  type CommentMode,
  type StickyCommentRequest,
  type StickyCommentResult
} from './comment.js';
export { publishComment, commentFailed, type PublishCommentRequest, type PublishCommentResult } from './publish-comment.js';
export {
  uploadArtifact,
  downloadBaselineArtifact,
  type UploadedArtifact,
  type BaselineArtifact,
  type BaselineArtifactRequest
} from './artifacts.js';
export { permissionsBlock, httpStatus } from './permissions.js';
export { azureStepSkipsOnFork, isForkPullRequestRun, noticeForkSkip } from './fork.js';
