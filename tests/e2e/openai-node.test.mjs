// End-to-end: the official `openai` npm client against the published gateway, which talks to the
// published strict Anthropic simulator. The simulator is steered by [[sim:...]] directives in the last
// user message (see src/Gateway.Simulator/README.md).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { fetchWithTimeout, startStack } from './harness.mjs';

// Generous bounds everywhere: a loaded 2-core CI machine can be many times slower than a desk; a hang still fails.
const TEST_TIMEOUT = 60_000;
const MODEL = 'claude-sonnet-4-5';

/** @type {Awaited<ReturnType<typeof startStack>>} */
let env;
/** @type {OpenAI} */
let client;

const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: {
      type: 'object',
      properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['c', 'f'] } },
      required: ['city'],
    },
  },
};
const TIME_TOOL = {
  type: 'function',
  function: {
    name: 'get_time',
    description: 'Current time in a timezone',
    parameters: { type: 'object', properties: { tz: { type: 'string' } }, required: ['tz'] },
  },
};

function newClient(extra = {}) {
  return new OpenAI({ baseURL: env.baseURL, apiKey: env.apiKey, timeout: 45_000, maxRetries: 0, ...extra });
}

/** The Anthropic request bodies the simulator recorded since the last clear. */
async function simMessageBodies() {
  const reqs = await env.simRequests();
  return reqs.filter((r) => r.path === '/v1/messages').map((r) => ({ status: r.status, body: JSON.parse(r.body) }));
}

/** Iterates a stream but fails instead of hanging when it stalls. */
async function collect(stream, timeoutMs = 45_000) {
  const chunks = [];
  let timer;
  const guard = new Promise((_, reject) => {
    timer = setTimeout(() => {
      stream.controller?.abort();
      reject(new Error(`stream did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([
      (async () => {
        for await (const chunk of stream) chunks.push(chunk);
      })(),
      guard,
    ]);
  } finally {
    clearTimeout(timer);
  }
  return chunks;
}

// The suite's timeout covers start-up and every test in it: a suite over it cancels the tests left (run.sh counts them as failed).
describe('openai npm client against the gateway', { timeout: 600_000 }, () => {
  before(async () => {
    env = await startStack();
    client = newClient();
  });
  after(async () => {
    await env?.stop();
  });

  test('text completion', { timeout: TEST_TIMEOUT }, async () => {
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Say hello to the gateway' },
      ],
    });
    assert.equal(res.object, 'chat.completion');
    assert.ok(res.id, 'id present');
    assert.equal(res.choices.length, 1);
    assert.equal(res.choices[0].message.role, 'assistant');
    assert.equal(res.choices[0].message.content, 'Simulated answer to: Say hello to the gateway');
    assert.equal(res.choices[0].finish_reason, 'stop');
    assert.ok(res.usage.prompt_tokens > 0 && res.usage.completion_tokens > 0);
    assert.equal(res.usage.total_tokens, res.usage.prompt_tokens + res.usage.completion_tokens);
  });

  test('text completion with an OpenAI model alias and withResponse headers', { timeout: TEST_TIMEOUT }, async () => {
    const { data, response } = await client.chat.completions
      .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'alias please' }] })
      .withResponse();
    assert.match(data.model, /^claude-/);
    assert.equal(data.choices[0].message.content, 'Simulated answer to: alias please');
    assert.ok(response.headers.get('x-gateway'), 'X-Gateway header');
    assert.equal(response.headers.get('x-model-source'), 'alias');
  });

  test('streaming text concatenates to the full answer', { timeout: TEST_TIMEOUT }, async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'Stream a few words back to me please' }],
    });
    const chunks = await collect(stream);
    assert.ok(chunks.length > 2, `several chunks (got ${chunks.length})`);
    const ids = new Set(chunks.map((c) => c.id));
    assert.equal(ids.size, 1, 'one id for every chunk');
    for (const c of chunks) assert.equal(c.object, 'chat.completion.chunk');
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.equal(text, 'Simulated answer to: Stream a few words back to me please');
    const finishes = chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean);
    assert.deepEqual(finishes, ['stop']);
    assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  });

  test('tool call round trip', { timeout: TEST_TIMEOUT }, async () => {
    const messages = [{ role: 'user', content: 'Weather in Paris? [[sim:tool get_weather {"city":"Paris","unit":"c"}]]' }];
    const first = await client.chat.completions.create({ model: MODEL, messages, tools: [WEATHER_TOOL] });
    const choice = first.choices[0];
    assert.equal(choice.finish_reason, 'tool_calls');
    assert.equal(choice.message.tool_calls?.length, 1);
    const call = choice.message.tool_calls[0];
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris', unit: 'c' });
    assert.ok(call.id);

    messages.push(choice.message);
    messages.push({ role: 'tool', tool_call_id: call.id, content: '{"temp": 21, "sky": "clear"}' });
    await env.clearSimRequests();
    const second = await client.chat.completions.create({ model: MODEL, messages, tools: [WEATHER_TOOL] });
    assert.equal(second.choices[0].finish_reason, 'stop');
    assert.match(second.choices[0].message.content, /^Tool results received: /);
    assert.ok(second.choices[0].message.content.includes(call.id), 'the simulator saw the tool result for our call id');

    // What crossed to Anthropic: assistant tool_use, then a user tool_result with the same id.
    const [sent] = await simMessageBodies();
    const assistant = sent.body.messages.find((m) => m.role === 'assistant');
    const toolUse = assistant.content.find((b) => b.type === 'tool_use');
    assert.equal(toolUse.id, call.id);
    assert.deepEqual(toolUse.input, { city: 'Paris', unit: 'c' });
    const last = sent.body.messages.at(-1);
    assert.equal(last.role, 'user');
    const result = last.content.find((b) => b.type === 'tool_result');
    assert.equal(result.tool_use_id, call.id);
  });

  test('parallel tool calls streamed: distinct indexes, arguments are JSON', { timeout: TEST_TIMEOUT }, async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [
        {
          role: 'user',
          content:
            'Both please [[sim:text "Checking both."]] [[sim:tool get_weather {"city":"Oslo, Norway","unit":"f"}]] ' +
            '[[sim:tool get_time {"tz":"Europe/Oslo"}]]',
        },
      ],
    });
    const chunks = await collect(stream);
    const calls = new Map();
    let text = '';
    for (const c of chunks) {
      const delta = c.choices[0]?.delta;
      if (!delta) continue;
      text += delta.content ?? '';
      for (const tc of delta.tool_calls ?? []) {
        assert.equal(typeof tc.index, 'number');
        const entry = calls.get(tc.index) ?? { id: undefined, name: '', args: '' };
        if (tc.id) {
          assert.equal(entry.id, undefined, `id sent once for index ${tc.index}`);
          entry.id = tc.id;
        }
        if (tc.function?.name) entry.name += tc.function.name;
        entry.args += tc.function?.arguments ?? '';
        calls.set(tc.index, entry);
      }
    }
    assert.equal(text, 'Checking both.');
    assert.deepEqual([...calls.keys()].sort(), [0, 1], 'tool call indexes 0 and 1');
    const [a, b] = [calls.get(0), calls.get(1)];
    assert.ok(a.id && b.id && a.id !== b.id, 'distinct ids');
    assert.equal(a.name, 'get_weather');
    assert.equal(b.name, 'get_time');
    assert.deepEqual(JSON.parse(a.args), { city: 'Oslo, Norway', unit: 'f' });
    assert.deepEqual(JSON.parse(b.args), { tz: 'Europe/Oslo' });
    const finishes = chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean);
    assert.deepEqual(finishes, ['tool_calls']);
  });

  test('SDK stream helper: chat.completions.stream() + finalChatCompletion() with parallel tools', { timeout: TEST_TIMEOUT }, async () => {
    assert.equal(typeof client.chat.completions.stream, 'function', 'this openai version has the stream helper');
    const runner = client.chat.completions.stream({
      model: MODEL,
      tools: [WEATHER_TOOL, TIME_TOOL],
      messages: [
        {
          role: 'user',
          content: '[[sim:tool get_weather {"city":"Rome"}]] [[sim:tool get_time {"tz":"Europe/Rome"}]]',
        },
      ],
    });
    const doneArgs = [];
    runner.on('tool_calls.function.arguments.done', (e) => doneArgs.push(e));
    let timer;
    const final = await Promise.race([
      runner.finalChatCompletion(),
      new Promise((_, reject) => {
        timer = setTimeout(() => {
          runner.abort();
          reject(new Error('finalChatCompletion() did not settle'));
        }, 45_000);
      }),
    ]).finally(() => clearTimeout(timer));
    const msg = final.choices[0].message;
    assert.equal(final.choices[0].finish_reason, 'tool_calls');
    assert.equal(msg.tool_calls.length, 2);
    assert.deepEqual(msg.tool_calls.map((t) => t.function.name), ['get_weather', 'get_time']);
    assert.deepEqual(JSON.parse(msg.tool_calls[0].function.arguments), { city: 'Rome' });
    assert.deepEqual(JSON.parse(msg.tool_calls[1].function.arguments), { tz: 'Europe/Rome' });
    assert.equal(doneArgs.length, 2, 'arguments.done fired per tool call');
  });

  test('SDK stream helper: text content and finalContent()', { timeout: TEST_TIMEOUT }, async () => {
    const runner = client.chat.completions.stream({
      model: MODEL,
      messages: [{ role: 'user', content: 'helper text please' }],
    });
    const deltas = [];
    runner.on('content', (delta) => deltas.push(delta));
    const content = await runner.finalContent();
    assert.equal(content, 'Simulated answer to: helper text please');
    assert.equal(deltas.join(''), content);
  });

  test('stream_options.include_usage gives a final usage chunk', { timeout: TEST_TIMEOUT }, async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'count my tokens' }],
    });
    const chunks = await collect(stream);
    const last = chunks.at(-1);
    assert.ok(last.usage, 'last chunk carries usage');
    assert.deepEqual(last.choices, [], 'usage chunk has empty choices');
    assert.ok(last.usage.prompt_tokens > 0);
    assert.ok(last.usage.completion_tokens > 0);
    assert.equal(last.usage.total_tokens, last.usage.prompt_tokens + last.usage.completion_tokens);
    for (const c of chunks.slice(0, -1)) assert.ok(c.usage == null, 'only the final chunk has usage');
  });

  test('upstream 529 overloaded -> APIError 503', { timeout: TEST_TIMEOUT }, async () => {
    await env.clearSimRequests();
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x [[sim:error 529 overloaded_error]]' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.APIError, `APIError, got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 503);
        assert.ok(err.error && typeof err.error.message === 'string', 'OpenAI error body');
        return true;
      },
    );
    const sent = await simMessageBodies();
    assert.equal(sent.length, 1, 'the gateway did not hide retries (maxRetries: 0 on the client)');
    assert.equal(sent[0].status, 529);
  });

  test('upstream 529 while streaming -> APIError 503 before any chunk', { timeout: TEST_TIMEOUT }, async () => {
    await assert.rejects(
      (async () => {
        const stream = await client.chat.completions.create({
          model: MODEL,
          stream: true,
          messages: [{ role: 'user', content: 'x [[sim:error 529 overloaded_error]]' }],
        });
        await collect(stream);
      })(),
      (err) => {
        assert.ok(err instanceof OpenAI.APIError, `APIError, got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 503);
        return true;
      },
    );
  });

  test('n: 2 -> 400 BadRequestError', { timeout: TEST_TIMEOUT }, async () => {
    await env.clearSimRequests();
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, n: 2, messages: [{ role: 'user', content: 'two please' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.BadRequestError, `BadRequestError, got ${err?.constructor?.name}: ${err?.message}`);
        assert.equal(err.status, 400);
        return true;
      },
    );
    assert.equal((await simMessageBodies()).length, 0, 'rejected before reaching upstream');
  });

  test('mid-stream upstream error -> SDK iteration throws, no hang', { timeout: TEST_TIMEOUT }, async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'start then fail [[sim:stream-error overloaded_error]]' }],
    });
    const seen = [];
    const started = Date.now();
    await assert.rejects(
      (async () => {
        let timer;
        await Promise.race([
          (async () => {
            for await (const c of stream) seen.push(c);
          })(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error('HANG: stream neither ended nor failed')), 45_000);
          }),
        ]).finally(() => clearTimeout(timer));
      })(),
      (err) => {
        assert.doesNotMatch(String(err?.message), /HANG/);
        // The gateway forwards the upstream error as an OpenAI-shaped `data: {"error": ...}` event,
        // which the SDK raises as an APIError carrying that body.
        assert.ok(err instanceof OpenAI.APIError, `APIError, got ${err?.constructor?.name}: ${err?.message}`);
        assert.match(String(err.message), /overloaded/i);
        return true;
      },
    );
    assert.ok(Date.now() - started < 45_000);
    const text = seen.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    assert.ok(text.length > 0, 'some content arrived before the error');
    assert.ok(!seen.some((c) => c.choices[0]?.finish_reason === 'stop'), 'no clean stop was reported');
  });

  test('upstream 429 -> RateLimitError with Retry-After passed through', { timeout: TEST_TIMEOUT }, async () => {
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'x [[sim:error 429 rate_limit_error 3]]' }] }),
      (err) => {
        assert.ok(err instanceof OpenAI.RateLimitError, `RateLimitError, got ${err?.constructor?.name}`);
        assert.equal(err.status, 429);
        assert.equal(err.headers?.get?.('retry-after') ?? err.headers?.['retry-after'], '3');
        return true;
      },
    );
  });

  test('max_tokens cut -> finish_reason length; stop sequence -> stop', { timeout: TEST_TIMEOUT }, async () => {
    const cut = await client.chat.completions.create({
      model: MODEL,
      max_tokens: 3,
      messages: [{ role: 'user', content: 'a question whose simulated answer is longer than three tokens' }],
    });
    assert.equal(cut.choices[0].finish_reason, 'length');
    await env.clearSimRequests();
    const stopped = await client.chat.completions.create({
      model: MODEL,
      stop: ['SEQ'],
      messages: [{ role: 'user', content: 'x [[sim:stop SEQ]]' }],
    });
    assert.equal(stopped.choices[0].finish_reason, 'stop');
    const [sent] = await simMessageBodies();
    assert.deepEqual(sent.body.stop_sequences, ['SEQ']);
  });

  test('tool_choice required + parallel_tool_calls false -> any, no parallel use', { timeout: TEST_TIMEOUT }, async () => {
    await env.clearSimRequests();
    const res = await client.chat.completions.create({
      model: MODEL,
      tools: [WEATHER_TOOL],
      tool_choice: 'required',
      parallel_tool_calls: false,
      messages: [{ role: 'user', content: 'x [[sim:tool get_weather {"city":"Lima"}]]' }],
    });
    assert.equal(res.choices[0].finish_reason, 'tool_calls');
    const [sent] = await simMessageBodies();
    assert.deepEqual(sent.body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
  });

  test('legacy functions -> function_call answer', { timeout: TEST_TIMEOUT }, async () => {
    const res = await client.chat.completions.create({
      model: MODEL,
      functions: [WEATHER_TOOL.function],
      function_call: 'auto',
      messages: [{ role: 'user', content: 'x [[sim:tool get_weather {"city":"Quito"}]]' }],
    });
    assert.equal(res.choices[0].finish_reason, 'function_call');
    assert.equal(res.choices[0].message.function_call.name, 'get_weather');
    assert.deepEqual(JSON.parse(res.choices[0].message.function_call.arguments), { city: 'Quito' });
  });

  test('image_url data URL -> Anthropic base64 image block', { timeout: TEST_TIMEOUT }, async () => {
    const png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==';
    await env.clearSimRequests();
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'what is in the picture' },
            { type: 'image_url', image_url: { url: `data:image/png;base64,${png}` } },
          ],
        },
      ],
    });
    assert.equal(res.choices[0].message.content, 'Simulated answer to: what is in the picture');
    const [sent] = await simMessageBodies();
    const image = sent.body.messages[0].content.find((b) => b.type === 'image');
    assert.deepEqual(image.source, { type: 'base64', media_type: 'image/png', data: png });
  });

  test('temperature + top_p on a model taking only one: adapted and announced in X-Gateway-Adjustments', { timeout: TEST_TIMEOUT }, async () => {
    await env.clearSimRequests();
    const { data, response } = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5-20250929', temperature: 0.5, top_p: 0.9, messages: [{ role: 'user', content: 'hi' }] })
      .withResponse();
    assert.equal(data.choices[0].finish_reason, 'stop');
    assert.match(response.headers.get('x-gateway-adjustments') ?? '', /top_p/);
    const [sent] = await simMessageBodies();
    assert.equal(sent.status, 200);
    assert.equal(sent.body.temperature, 0.5);
    assert.equal(sent.body.top_p, undefined);
  });

  test('reasoning_effort on the dated Sonnet 4.5 id enables thinking', { timeout: TEST_TIMEOUT }, async () => {
    await env.clearSimRequests();
    await client.chat.completions.create({
      model: 'claude-sonnet-4-5-20250929',
      reasoning_effort: 'high',
      messages: [{ role: 'user', content: 'think about it' }],
    });
    const [sent] = await simMessageBodies();
    assert.equal(sent.body.thinking?.type, 'enabled');
  });

  // The undated Anthropic alias `claude-sonnet-4-5` (the id the README tells Cursor/Continue users to configure)
  // must get the rules of its catalogue entry claude-sonnet-4-5-20250929 (api_aliases in models.yaml).
  test('reasoning_effort on the undated alias claude-sonnet-4-5 enables thinking', { timeout: TEST_TIMEOUT }, async () => {
    await env.clearSimRequests();
    const { response } = await client.chat.completions
      .create({ model: 'claude-sonnet-4-5', reasoning_effort: 'high', messages: [{ role: 'user', content: 'think about it' }] })
      .withResponse();
    const [sent] = await simMessageBodies();
    assert.equal(sent.body.thinking?.type, 'enabled', `adjustments: ${response.headers.get('x-gateway-adjustments')}`);
  });

  test('wrong key -> AuthenticationError 401', { timeout: TEST_TIMEOUT }, async () => {
    const bad = newClient({ apiKey: 'not-the-key' });
    await assert.rejects(bad.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }), (err) => {
      assert.ok(err instanceof OpenAI.AuthenticationError, `AuthenticationError, got ${err?.constructor?.name}`);
      assert.equal(err.status, 401);
      return true;
    });
    await assert.rejects(bad.models.list(), (err) => err instanceof OpenAI.AuthenticationError);
  });

  test('X-API-Key header without bearer works', { timeout: TEST_TIMEOUT }, async () => {
    // apiKey must be a non-empty string for the SDK; send no Authorization at all (null removes the header).
    const c = newClient({ apiKey: 'unused', defaultHeaders: { 'X-API-Key': env.apiKey, Authorization: null } });
    const res = await c.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'via x-api-key' }] });
    assert.equal(res.choices[0].message.content, 'Simulated answer to: via x-api-key');
  });

  test('api-key header (Azure style) works', { timeout: TEST_TIMEOUT }, async () => {
    const c = newClient({ apiKey: 'unused', defaultHeaders: { 'api-key': env.apiKey, Authorization: null } });
    const res = await c.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'via api-key' }] });
    assert.equal(res.choices[0].message.content, 'Simulated answer to: via api-key');
  });

  test('no credentials at all -> 401', { timeout: TEST_TIMEOUT }, async () => {
    const res = await fetchWithTimeout(`${env.baseURL}/models`, {}, 30_000);
    assert.equal(res.status, 401);
    const body = await res.json();
    assert.ok(body.error?.message, 'OpenAI error shape');
  });

  test('models.list() includes a claude model and gpt-4o', { timeout: TEST_TIMEOUT }, async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.ok(ids.some((id) => id.startsWith('claude-')), `a claude model in ${ids.join(',')}`);
    assert.ok(ids.includes('gpt-4o'), 'gpt-4o alias listed');
  });
});

// A second gateway with a 1 s upstream timeout: a slow upstream becomes 504, never a hang; a client that
// walks away mid-stream leaves the gateway healthy.
describe('openai npm client: upstream timeout and client abort', { timeout: 300_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let env2;
  /** @type {OpenAI} */
  let c2;
  before(async () => {
    env2 = await startStack({ gatewayEnv: { UPSTREAM_TIMEOUT_SECONDS: '1' } });
    c2 = new OpenAI({ baseURL: env2.baseURL, apiKey: env2.apiKey, timeout: 45_000, maxRetries: 0 });
  });
  after(async () => {
    await env2?.stop();
  });

  test('upstream slower than UPSTREAM_TIMEOUT_SECONDS -> 504 (non-stream and stream)', { timeout: TEST_TIMEOUT }, async () => {
    for (const stream of [false, true]) {
      const started = Date.now();
      await assert.rejects(
        (async () => {
          const res = await c2.chat.completions.create({
            model: MODEL,
            stream,
            // The upstream would answer after 30 s, the gateway gives up after 1 s: the bound below sits far from both, so
            // a loaded machine's slow first request cannot fail it, and waiting for the upstream still would.
            messages: [{ role: 'user', content: 'x [[sim:delay 30000]]' }],
          });
          if (stream) await collect(res, 25_000);
        })(),
        (err) => {
          assert.ok(err instanceof OpenAI.APIError, `APIError, got ${err?.constructor?.name}: ${err?.message}`);
          assert.equal(err.status, 504, `stream=${stream}`);
          return true;
        },
      );
      assert.ok(Date.now() - started < 15_000, `answered at the 1 s timeout, not the upstream's 30 s (stream=${stream}), took ${Date.now() - started} ms`);
    }
  });

  test('client aborts a slow stream: gateway stays healthy and serves the next request', { timeout: TEST_TIMEOUT }, async () => {
    const stream = await c2.chat.completions.create({
      model: MODEL,
      stream: true,
      messages: [{ role: 'user', content: 'one two three four five six seven eight nine ten [[sim:slow 300]]' }],
    });
    let n = 0;
    for await (const _chunk of stream) {
      if (++n === 2) {
        stream.controller.abort();
        break;
      }
    }
    const health = await fetchWithTimeout(`${env2.gatewayUrl}/healthz`, {}, 30_000);
    assert.equal(health.status, 200);
    const res = await c2.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'still there?' }] });
    assert.equal(res.choices[0].message.content, 'Simulated answer to: still there?');
  });
});
