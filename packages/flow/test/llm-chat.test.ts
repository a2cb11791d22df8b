/** parse_chat cases from Prompt flow's own tests (promptflow-tools tests/test_common.py). */
import { describe, expect, test } from '@jest/globals';
import { parseChat, tryParseToolCalls } from '../src/llm/chat.js';
import { LlmToolError } from '../src/llm/errors.js';
import { parsePythonLiteral } from '../src/llm/pyliteral.js';
import { PyFloat } from '../src/py/pyvalue.js';

describe('parseChat (test_success_parse_role_prompt)', () => {
  test.each([
    ['system:\nthis is my function:\ndef hello', [{ role: 'system', content: 'this is my function:\ndef hello' }]],
    ['#system:\nthis is my ##function:\ndef hello', [{ role: 'system', content: 'this is my ##function:\ndef hello' }]],
    [' \n system:\nthis is my function:\ndef hello', [{ role: 'system', content: 'this is my function:\ndef hello' }]],
    [' \n # system:\nthis is my function:\ndef hello', [{ role: 'system', content: 'this is my function:\ndef hello' }]],
    [
      'user:\nhi\nassistant:\nanswer\nfunction:\nname:\nn\ncontent:\nc',
      [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'answer' }, { role: 'function', name: 'n', content: 'c' }]
    ],
    [
      '#user :\nhi\n #assistant:\nanswer\n# function:\n##name:\nn\n##content:\nc',
      [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'answer' }, { role: 'function', name: 'n', content: 'c' }]
    ],
    ['\nsystem:\nfirst\n\nsystem:\nsecond', [{ role: 'system', content: 'first' }, { role: 'system', content: 'second' }]],
    ['\n#system:\nfirst\n\n#system:\nsecond', [{ role: 'system', content: 'first' }, { role: 'system', content: 'second' }]],
    [
      '\n#system:\nfirst\n#assistant:\n#user:\nsecond',
      [{ role: 'system', content: 'first' }, { role: 'assistant', content: '' }, { role: 'user', content: 'second' }]
    ]
  ])('%j', (text, expected) => {
    expect(parseChat(text)).toEqual(expected);
  });
});

describe('parseChat names, tool ids (test_parse_chat_with_name_in_role_prompt, test_parse_tool_call_id_and_content)', () => {
  test.each([
    ['\n#system:\n##name:\nAI \n content:\nfirst\n\n#user:\nsecond', [{ role: 'system', name: 'AI', content: 'first' }, { role: 'user', content: 'second' }]],
    ['\nuser:\nname:\n\nperson\n content:\n', [{ role: 'user', name: 'person', content: '' }]],
    ['\nsystem:\nname:\n\n content:\nfirst', [{ role: 'system', content: 'name:\n\n content:\nfirst' }]],
    ['\nsystem:\nname:\n\n', [{ role: 'system', content: 'name:' }]],
    ['function:\r\nname:\r\n AI\ncontent :\r\nfirst', [{ role: 'function', name: 'AI', content: 'first' }]],
    ['\n#tool:\n## tool_call_id:\nid \n content:\nfirst\n\n#user:\nsecond', [{ role: 'tool', tool_call_id: 'id', content: 'first' }, { role: 'user', content: 'second' }]],
    ['\ntool:\ntool_call_id :\r\nid\n content:\r\n', [{ role: 'tool', tool_call_id: 'id', content: '' }]]
  ])('%j', (text, expected) => {
    expect(parseChat(text)).toEqual(expected);
  });

  test('keeps PF key order (role, name, content) for the request body', () => {
    expect(Object.keys(parseChat('function:\nname:\nf\ncontent:\nx')[0]!)).toEqual(['role', 'name', 'content']);
  });
});

describe('parseChat errors', () => {
  test('text before the first role line is an invalid role, with PF message', () => {
    let error: unknown;
    try {
      parseChat('Hello there\nuser:\nhi');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LlmToolError);
    expect((error as LlmToolError).code).toBe('ChatAPIInvalidRole');
    expect((error as Error).message).toContain(
      "lines as role delimiters: 'system:\\n','user:\\n','assistant:\\n','function:\\n','tool:\\n'. Current parsed role 'hello there' does not meet the requirement."
    );
  });

  test('a role line must be alone on its line', () => {
    expect(() => parseChat('user: hi')).toThrow(/Current parsed role 'user: hi'/);
  });

  test('function role without a name', () => {
    expect(() => parseChat('function:\njust text')).toThrow(/Failed to parse function role prompt/);
  });

  test('tool role without tool_call_id (test_try_parse_chat_with_tools_with_error)', () => {
    expect(() => parseChat('\n            # tool:\n            ## tool_call_id:\n        ')).toThrow(/Failed to parse tool role prompt\./);
  });

  test('restricted valid roles', () => {
    expect(() => parseChat('tool:\ntool_call_id:\nx\ncontent:\ny', ['system', 'user'])).toThrow(
      /delimiters: 'system:\\n','user:\\n'\. Current parsed role 'tool:\ntool_call_id:\nx\ncontent:\ny'/
    );
  });

  test('\\r before a role word is not a line start (Python ^ only follows \\n)', () => {
    expect(() => parseChat('user:\nhi\rsystem:\nx')).not.toThrow();
    expect(parseChat('user:\nhi\rsystem:\nx')).toEqual([{ role: 'user', content: 'hi\rsystem:\nx' }]);
  });
});

describe('assistant tool_calls', () => {
  const template = `# system:
Don't make assumptions about what values to plug into functions.

# user:
What's the weather like in San Francisco, Tokyo, and Paris?

# assistant:
## tool_calls:
[{'id': 'call_001', 'function': {'arguments': '{"location": {"city": "San Francisco", "country": "USA"}, "unit": "metric"}', 'name': 'get_current_weather_py'}, 'type': 'function'}, {'id': 'call_002', 'function': {'arguments': '{"location": {"city": "Tokyo", "country": "Japan"}, "unit": "metric"}', 'name': 'get_current_weather_py'}, 'type': 'function'}]

# tool:
## tool_call_id:
call_001
## content:
{"location": "San Francisco, CA", "temperature": "72", "unit": null}
# tool:
## tool_call_id:
call_002
## content:
{"location": "Tokyo", "temperature": "72", "unit": null}
`;

  test('prompt_with_tool.jinja2 (test_try_parse_chat_with_tools)', () => {
    const call = (id: string, city: string, country: string) => ({
      id,
      function: { arguments: `{"location": {"city": "${city}", "country": "${country}"}, "unit": "metric"}`, name: 'get_current_weather_py' },
      type: 'function'
    });
    expect(parseChat(template)).toEqual([
      { role: 'system', content: "Don't make assumptions about what values to plug into functions." },
      { role: 'user', content: "What's the weather like in San Francisco, Tokyo, and Paris?" },
      { role: 'assistant', tool_calls: [call('call_001', 'San Francisco', 'USA'), call('call_002', 'Tokyo', 'Japan')] },
      { role: 'tool', tool_call_id: 'call_001', content: '{"location": "San Francisco, CA", "temperature": "72", "unit": null}' },
      { role: 'tool', tool_call_id: 'call_002', content: '{"location": "Tokyo", "temperature": "72", "unit": null}' }
    ]);
  });

  test.each([
    ['## tool_calls:\n[]', []],
    ['## tool_calls:\r\n[]', []],
    ['## tool_calls: \n[]', []],
    ['## tool_calls  :\r\n[]', []],
    ['tool_calls:\r\n[]', []],
    ['some text', undefined],
    ['tool_calls:\r\n[', undefined],
    [
      "tool_calls:\n[{'id': 'tool_call_id', 'type': 'function', 'function': {'name': 'func1', 'arguments': ''}}]",
      [{ id: 'tool_call_id', type: 'function', function: { name: 'func1', arguments: '' } }]
    ]
  ])('tryParseToolCalls(%j) (test_try_parse_tool_calls)', (text, expected) => {
    expect(tryParseToolCalls(text)).toEqual(expected);
  });

  test('never evaluates expressions (test_try_parse_tool_call_reject_python_expressions)', () => {
    const malicious =
      '## tool_calls:\n[{"id": "abc123", "type": "function", "function": {"name": "write_file", "arguments": str(open("../file.txt", "w").write("I\'m evil!"))}}]';
    expect(tryParseToolCalls(malicious)).toBeUndefined();
  });
});

describe('parsePythonLiteral', () => {
  test('values', () => {
    expect(parsePythonLiteral("[1, -2, 0x1f, 1_000, 'a' \"b\", r'\\n', '\\n\\x41\\u00e9', True, False, None, (1,), (2), {'k': [1]}, {3, 4}]")).toEqual([
      1, -2, 31, 1000, 'ab', '\\n', '\nAé', true, false, null, [1], 2, { k: [1] }, [3, 4]
    ]);
    const f = parsePythonLiteral('[1.0, -2.5, 1e3]') as unknown[];
    expect(f[0]).toBeInstanceOf(PyFloat);
    expect(f[1]).toBe(-2.5);
    expect((f[2] as PyFloat).value).toBe(1000);
    expect(parsePythonLiteral("'''a\nb'''")).toBe('a\nb');
    expect(parsePythonLiteral('12345678901234567890')).toBe(12345678901234567890n);
  });

  test.each(['foo', 'open("x")', '1j', "'unterminated", '[1 2]', '{1: 2', "'a'.upper()"])('rejects %j', (text) => {
    expect(() => parsePythonLiteral(text)).toThrow();
  });
});
