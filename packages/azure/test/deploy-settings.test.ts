import { describe, expect, it } from '@jest/globals';
import { UserError } from '@llmops/common';
import { chooseDeployment, validateEndpointName } from '../src/deploy/names.js';
import { checkReply } from '../src/deploy/smoke-test.js';
import { parseModelReference } from '../src/deploy/model-ref.js';
import { stageTraffic, sameTraffic, formatTraffic } from '../src/deploy/endpoint.js';
import { parseSmokeExpectation, parseTrafficStages, requestTimeoutIso } from '../src/deploy/settings.js';

const WS = { subscriptionId: 'sub-1', resourceGroup: 'rg', workspace: 'ws' };

describe('names', () => {
  it('accepts Azure endpoint names and explains the rule otherwise', () => {
    expect(validateEndpointName(' chat-prod ')).toBe('chat-prod');
    for (const bad of ['ab', 'a'.repeat(33), '1chat', 'chat-', 'chat_prod', 'chat.prod', '']) {
      expect(() => validateEndpointName(bad)).toThrow(UserError);
    }
    expect(() => validateEndpointName('chat_prod')).toThrow(/3 to 32 characters, starting with a letter/);
  });

  it('alternates blue and green against the live deployment', () => {
    expect(chooseDeployment({})).toEqual({ name: 'blue', previous: undefined, live: [] });
    expect(chooseDeployment({ blue: 100 })).toEqual({ name: 'green', previous: 'blue', live: ['blue'] });
    expect(chooseDeployment({ green: 100, blue: 0 })).toEqual({ name: 'blue', previous: 'green', live: ['green'] });
    expect(chooseDeployment({ main: 70, blue: 30 })).toEqual({ name: 'green', previous: 'main', live: ['main', 'blue'] });
    expect(() => chooseDeployment({ blue: 50, green: 50 })).toThrow(/Both blue and green serve traffic/);
  });

  it('never picks a live deployment, even when asked for it', () => {
    expect(chooseDeployment({ blue: 100 }, 'canary')).toMatchObject({ name: 'canary', previous: 'blue' });
    expect(() => chooseDeployment({ blue: 100 }, 'blue')).toThrow(expect.objectContaining({ field: 'deployment-name' }) as unknown as Error);
  });
});

describe('traffic', () => {
  it('parses stages that rise to 100', () => {
    expect(parseTrafficStages(undefined)).toEqual([100]);
    expect(parseTrafficStages('10, 50%,100')).toEqual([10, 50, 100]);
    expect(() => parseTrafficStages('50,10,100')).toThrow(/rise/);
    expect(() => parseTrafficStages('10,50')).toThrow(/end at 100/);
    expect(() => parseTrafficStages('0,100')).toThrow(/between 1 and 100/);
    expect(() => parseTrafficStages('ten')).toThrow(UserError);
  });

  it('gives the new deployment its share and splits the rest in the old proportions, summing to 100', () => {
    expect(stageTraffic({ blue: 100 }, 'green', 10)).toEqual({ blue: 90, green: 10 });
    expect(stageTraffic({ blue: 100 }, 'green', 100)).toEqual({ blue: 0, green: 100 });
    expect(stageTraffic({}, 'blue', 100)).toEqual({ blue: 100 });
    const split = stageTraffic({ a: 50, b: 30, c: 20 }, 'green', 33);
    expect(Object.values(split).reduce((x, y) => x + y, 0)).toBe(100);
    expect(split).toEqual({ a: 34, b: 20, c: 13, green: 33 });
  });

  it('compares and prints traffic maps ignoring zero weights', () => {
    expect(sameTraffic({ blue: 100, green: 0 }, { blue: 100 })).toBe(true);
    expect(sameTraffic({ blue: 90, green: 10 }, { blue: 100 })).toBe(false);
    expect(formatTraffic({ blue: 90, green: 10, red: 0 })).toBe('blue 90%, green 10%');
    expect(formatTraffic({})).toBe('no traffic');
  });
});

describe('request timeout', () => {
  it('becomes an ISO-8601 duration within Prompt flow\'s 300 s ceiling', () => {
    expect(requestTimeoutIso(90)).toBe('PT90S');
    expect(requestTimeoutIso(undefined)).toBeUndefined();
    expect(() => requestTimeoutIso(301)).toThrow(/between 1 and 300/);
  });
});

describe('model references', () => {
  it('reads azureml:name:version, name:version, name@latest and ARM ids of this workspace', () => {
    expect(parseModelReference('azureml:chat-model:3', WS)).toEqual({ name: 'chat-model', version: '3' });
    expect(parseModelReference('chat-model:3', WS)).toEqual({ name: 'chat-model', version: '3' });
    expect(parseModelReference('azureml:chat-model@latest', WS)).toEqual({ name: 'chat-model', version: 'latest' });
    expect(parseModelReference('/subscriptions/sub-1/resourceGroups/RG/providers/Microsoft.MachineLearningServices/workspaces/ws/models/chat-model/versions/7', WS)).toEqual({ name: 'chat-model', version: '7' });
  });

  it('refuses other workspaces, local folders and malformed text', () => {
    expect(() => parseModelReference('/subscriptions/sub-1/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/other/models/m/versions/1', WS)).toThrow(/belongs to workspace 'other'/);
    expect(() => parseModelReference('.llmops/registry/m/1', WS)).toThrow(/local path/);
    expect(() => parseModelReference('chat-model', WS)).toThrow(/not a model reference/);
    expect(() => parseModelReference('', WS)).toThrow(expect.objectContaining({ field: 'model' }) as unknown as Error);
  });
});

describe('smoke-test expectations', () => {
  it('parses the YAML/JSON form and its shorthands', () => {
    expect(parseSmokeExpectation('{status: 200, keys: [answer], values: {category: billing}}')).toEqual({ status: 200, keys: ['answer'], values: { category: 'billing' } });
    expect(parseSmokeExpectation('[answer, category]')).toEqual({ status: 200, keys: ['answer', 'category'], values: {} });
    expect(parseSmokeExpectation('201')).toEqual({ status: 201, keys: [], values: {} });
    expect(parseSmokeExpectation('')).toEqual({ status: 200, keys: [], values: {} });
    expect(() => parseSmokeExpectation('{status: ok}')).toThrow(/HTTP status code/);
    expect(() => parseSmokeExpectation('{keys: [a], value: {}}')).toThrow(/unknown key\(s\) value/);
  });

  it('checks status, keys and values of the reply', () => {
    const expect200 = { status: 200, keys: ['answer'], values: { category: 'billing', score: 1, tags: ['a'] } };
    expect(checkReply(200, JSON.stringify({ answer: 'x', category: 'billing', score: 1.0, tags: ['a'] }), expect200)).toEqual([]);
    expect(checkReply(200, JSON.stringify({ answer: 'x', category: 'shipping', score: 1, tags: ['a'] }), expect200)).toEqual([`'category' is "shipping", expected "billing"`]);
    expect(checkReply(200, JSON.stringify({ category: 'billing', score: 1, tags: ['a'] }), expect200)[0]).toMatch(/has no 'answer'/);
    expect(checkReply(424, '{"error":{}}', expect200)).toEqual(['expected HTTP 200, got 424 (the flow server in the container answered with an error)']);
    expect(checkReply(200, 'not json', expect200)[0]).toMatch(/not JSON/);
    // A string expectation matches a number's text (flow outputs are often stringly typed).
    expect(checkReply(200, '{"score": 3}', { status: 200, keys: [], values: { score: '3' } })).toEqual([]);
  });
});
