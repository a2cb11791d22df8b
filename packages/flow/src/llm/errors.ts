/**
 * The LLM tools' user errors, named and worded as Prompt flow's
 * `promptflow/tools/exception.py` so a failed line reads the same. Each is a
 * UserError: it fails that line, never the run.
 */
import { UserError } from '@llmops/common';

export type LlmErrorCode =
  | 'ChatAPIInvalidRole'
  | 'ChatAPIFunctionRoleInvalidFormat'
  | 'ChatAPIToolRoleInvalidFormat'
  | 'ChatAPIInvalidFunctions'
  | 'ChatAPIInvalidTools'
  | 'FunctionCallNotSupportedInStreamMode'
  | 'JinjaTemplateError'
  | 'InvalidConnectionType'
  | 'WrappedOpenAIError'
  | 'ExceedMaxRetryTimes'
  | 'LLMError'
  | 'LlmCacheMiss';

export class LlmToolError extends UserError {
  declare readonly code: LlmErrorCode;

  constructor(code: LlmErrorCode, message: string, options: { file?: string; field?: string; cause?: unknown } = {}) {
    super(message, { ...options, code });
    this.name = code;
  }
}

export const OPENAI_ERROR_REFERENCE = 'Error reference: https://platform.openai.com/docs/guides/error-codes/api-errors';
