/** Request bodies and outputs of the LLM tools, per PF 1.18's aoai.py / openai.py. */
import { describe, expect, test } from '@jest/globals';
import { llmToolInputTypes, llmToolParams } from '../src/llm/params.js';
import {
  buildChatBody,
  buildCompletionBody,
  chatOutput,
  joinStream,
  processFunctionCall,
  processToolChoice,
  validateFunctions,
  validateTools
} from '../src/llm/request.js';
import type { LlmProvider, LlmApi } from '../src/llm/params.js';
import { pyFloat } from '../src/py/pyvalue.js';

const msgs = [{ role: 'user', content: 'hi' }];
function args(provider: LlmProvider, api: LlmApi, given: Record<string, unknown>): Record<string, unknown> {
  const out = Object.fromEntries(llmToolParams(provider, api).filter((p) => p.hasDefault).map((p) => [p.name, p.default]));
  return { ...out, ...given };
}

const fn = { name: 'f', parameters: { type: 'object', properties: {} } };
const tool = { type: 'function', function: fn };

describe('chat body', () => {
  test.each<[string, LlmProvider, Record<string, unknown>, Record<string, unknown>]>([
    ['AOAI defaults', 'AzureOpenAI', { deployment_name: 'dep' }, { model: 'dep', messages: msgs, temperature: 1, top_p: 1, n: 1, stream: false }],
    ['OpenAI defaults: no n', 'OpenAI', { model: 'gpt-4o' }, { model: 'gpt-4o', messages: msgs, temperature: 1, top_p: 1, stream: false }],
    [
      'only-if-set fields',
      'AzureOpenAI',
      { deployment_name: 'd', stop: ['\n'], max_tokens: 50, logit_bias: { '50256': -100 }, response_format: { type: 'json_object' }, seed: 0, presence_penalty: pyFloat(0), frequency_penalty: 0.5, user: 'me' },
      { model: 'd', messages: msgs, temperature: 1, top_p: 1, n: 1, stream: false, stop: ['\n'], max_tokens: 50, logit_bias: { '50256': -100 }, response_format: { type: 'json_object' }, seed: 0, presence_penalty: 0, frequency_penalty: 0.5, user: 'me' }
    ],
    ['empty/falsy values are left out', 'AzureOpenAI', { deployment_name: 'd', stop: [], logit_bias: {}, user: '', response_format: {}, max_tokens: 'inf' }, { model: 'd', messages: msgs, temperature: 1, top_p: 1, n: 1, stream: false }],
    ['max_tokens as text is int()-ed; stream as text is to_bool-ed', 'AzureOpenAI', { deployment_name: 'd', max_tokens: '42', stream: 'False' }, { model: 'd', messages: msgs, temperature: 1, top_p: 1, n: 1, stream: false, max_tokens: 42 }],
    ['AOAI tools: tool_choice defaults to auto; functions ignored', 'AzureOpenAI', { deployment_name: 'd', tools: [tool], functions: [fn] }, { model: 'd', messages: msgs, temperature: 1, top_p: 1, n: 1, stream: false, tools: [tool], tool_choice: 'auto' }],
    ['OpenAI tools: tool_choice passed through (None → null)', 'OpenAI', { model: 'm', tools: [tool] }, { model: 'm', messages: msgs, temperature: 1, top_p: 1, stream: false, tools: [tool], tool_choice: null }],
    ['functions: function_call defaults to auto', 'OpenAI', { model: 'm', functions: [fn], function_call: { name: 'f' } }, { model: 'm', messages: msgs, temperature: 1, top_p: 1, stream: false, functions: [fn], function_call: { name: 'f' } }],
    ['temperature from a flow input keeps its value as given', 'AzureOpenAI', { deployment_name: 'd', temperature: '0.2' }, { model: 'd', messages: msgs, temperature: '0.2', top_p: 1, n: 1, stream: false }]
  ])('%s', (_name, provider, given, expected) => {
    expect(buildChatBody(provider, args(provider, 'chat', given), msgs)).toEqual(expected);
  });
});

describe('completion body', () => {
  test('AOAI: always-sent fields with Python conversions; penalties only when set', () => {
    expect(buildCompletionBody('AzureOpenAI', args('AzureOpenAI', 'completion', { deployment_name: 'd' }), 'P')).toEqual({
      prompt: 'P', model: 'd', suffix: null, max_tokens: 16, temperature: 1, top_p: 1, n: 1, stream: false, logprobs: null, echo: false, stop: null, best_of: 1, logit_bias: {}, user: ''
    });
    expect(buildCompletionBody('AzureOpenAI', args('AzureOpenAI', 'completion', { deployment_name: 'd', temperature: '0.5', logprobs: 2, echo: 'true', presence_penalty: 1 }), 'P')).toMatchObject({
      temperature: 0.5, logprobs: 2, echo: true, presence_penalty: 1
    });
  });

  test('OpenAI: default engine, penalties always present (null when unset)', () => {
    expect(buildCompletionBody('OpenAI', args('OpenAI', 'completion', {}), 'P')).toEqual({
      prompt: 'P', model: 'text-davinci-003', suffix: null, max_tokens: 16, temperature: 1, top_p: 1, n: 1, stream: false, logprobs: null, echo: false, stop: null, presence_penalty: null, frequency_penalty: null, best_of: 1, logit_bias: {}, user: ''
    });
  });

  test('int() of a bad value fails like Python', () => {
    expect(() => buildCompletionBody('OpenAI', args('OpenAI', 'completion', { max_tokens: 'many' }), 'P')).toThrow(
      "OpenAI API hits exception: ValueError: invalid literal for int() with base 10: 'many'"
    );
  });
});

describe('declared input types (for literal coercion)', () => {
  test('AzureOpenAI.chat', () => {
    expect(llmToolInputTypes('AzureOpenAI', 'chat')).toEqual({
      deployment_name: 'string', temperature: 'double', top_p: 'double', n: 'int', stream: 'bool', stop: 'list', max_tokens: 'int',
      presence_penalty: 'double', frequency_penalty: 'double', logit_bias: 'object', user: 'string', function_call: 'object',
      functions: 'list', tool_choice: 'object', tools: 'list', response_format: 'object', seed: 'int'
    });
  });
  test('OpenAI.completion and the unified llm tool', () => {
    expect(Object.keys(llmToolInputTypes('OpenAI', 'completion'))).toEqual([
      'model', 'suffix', 'max_tokens', 'temperature', 'top_p', 'n', 'stream', 'logprobs', 'echo', 'stop', 'presence_penalty', 'frequency_penalty', 'best_of', 'logit_bias', 'user'
    ]);
    expect(llmToolInputTypes('AzureOpenAI', 'chat', true)).toMatchObject({ api: 'string', deployment_name: 'string', model: 'string', echo: 'bool' });
    expect(llmToolParams('AzureOpenAI', 'chat').find((p) => p.name === 'deployment_name')!.hasDefault).toBe(false);
  });
});

describe('validation (test_chat_api_invalid_functions, test_chat_api_validate_tools, …)', () => {
  test.each([
    [[], 'functions cannot be an empty list'],
    [['str'], 'is not a dict. Here is a valid function example'],
    [[{ name: 'func1' }], "does not have 'parameters' property"],
    [[{ name: 'func1', parameters: 'param1' }], 'should be described as a JSON Schema object'],
    [[{ name: 'func1', parameters: { type: 'int', properties: {} } }], "parameters 'type' should be 'object'"],
    [[{ name: 'func1', parameters: { type: 'object', properties: [] } }], 'should be described as a JSON Schema object']
  ])('functions %j', (functions, message) => {
    expect(() => validateFunctions(functions)).toThrow(message);
  });

  test.each([
    [[], 'tools cannot be an empty list'],
    [['str'], 'is not a dict. Here is a valid tool example'],
    [[{ type1: 'function', function: 'str' }], "does not have 'type' property"],
    [[{ type: 'function', function: 'str' }], 'is not a dict. Here is a valid tool example'],
    [[{ type: 'function', function: { name: 'func1' } }], "does not have 'parameters' property"]
  ])('tools %j', (tools, message) => {
    expect(() => validateTools(tools)).toThrow(message);
  });

  test('function_call and tool_choice', () => {
    expect(() => processFunctionCall('123')).toThrow("function_call parameter '123' must be a dict");
    expect(() => processFunctionCall({ name1: 'get_current_weather' })).toThrow('function_call parameter {"name1": "get_current_weather"} must contain "name" field');
    expect(processToolChoice({ type: 'function', function: { name: 'my_function' } })).toEqual({ type: 'function', function: { name: 'my_function' } });
    expect(() => processToolChoice({ type1: 'function', function: '123' })).toThrow('tool_choice parameter {"type1": "function", "function": "123"} must contain "type" field');
    expect(() => processToolChoice({ type: 'function', function: '123' })).toThrow('function parameter "123" in tool_choice must be a dict');
    expect(() => processToolChoice({ type: 'function', function: { name1: 'get_current_weather' } })).toThrow(
      'function parameter "{"name1": "get_current_weather"}" in tool_choice must contain "name" field'
    );
  });
});

describe('outputs', () => {
  const json = {
    choices: [{ index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' }]
  };
  test('content, or the whole message (model_dump field order) when functions/tools were given', () => {
    expect(chatOutput({ choices: [{ message: { role: 'assistant', content: 'yo' } }] }, false)).toBe('yo');
    expect(chatOutput(json, false)).toBeNull();
    const message = chatOutput(json, true) as Record<string, unknown>;
    expect(Object.keys(message)).toEqual(['content', 'refusal', 'role', 'annotations', 'audio', 'function_call', 'tool_calls']);
    expect(message.tool_calls).toEqual([{ id: 'c1', function: { arguments: '{}', name: 'f' }, type: 'function' }]);
  });
  test('streams are joined', () => {
    expect(joinStream([{ choices: [{ delta: { role: 'assistant' } }] }, { choices: [{ delta: { content: 'a ' } }] }, { choices: [] }, { choices: [{ delta: { content: 'b' } }] }], 'chat')).toBe('a b');
    expect(joinStream([{ choices: [{ text: 'x' }] }, { choices: [{ text: null }] }], 'completion')).toBe('x');
  });
});
