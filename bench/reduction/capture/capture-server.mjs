// A capturing OpenAI-compatible endpoint for recording real IDE-agent sessions (issue #5, "the measure").
//
// It records every HTTP request a client (the Continue CLI) sends, one JSON line per request in the
// format of ../shared/samples/continue-session-1.jsonl:
//   {seq, captured_at, method, path, headers (lower-cased, minus authorization), body}
// and answers /v1/chat/completions from a SCRIPT of assistant turns, streamed as the OpenAI API streams
// (chat.completion.chunk SSE, tool_calls deltas, a usage chunk when stream_options.include_usage, [DONE]).
// The assistant turns are scripted; everything else in the recording (system prompt, tool definitions,
// tool results from really running the tools) is what the client really sent.
//
// No dependencies. Used by run-session.mjs; standalone:
//   node capture-server.mjs --script scripts/x.json --out /tmp/x.jsonl [--port 0] [--sanitize FROM=TO ...]
import http from 'node:http';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** OpenAI-style ids: call_ + 24 alphanumerics, chatcmpl- + 29. */
function randomId(prefix, n) {
  const bytes = randomBytes(n);
  let s = prefix;
  for (let i = 0; i < n; i++) s += ALNUM[bytes[i] % ALNUM.length];
  return s;
}

/** Cuts a string into pieces of a few characters, like a model's token stream. */
function pieces(text, size) {
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}

/** Rough prompt-size estimate for the usage chunk (chars / 4); the recording never depends on it. */
function estimateTokens(body) {
  return Math.max(1, Math.ceil(JSON.stringify(body.messages ?? []).length / 4 + JSON.stringify(body.tools ?? []).length / 4));
}

/**
 * Flattens a script: { turns: [...] } or { user_turns: [{ prompt, turns: [...] }, ...] } into the list of
 * assistant turns in the order they are served. Each turn: { text?, tool_calls?: [{ name, arguments }] }.
 */
export function scriptTurns(script) {
  if (Array.isArray(script.user_turns)) return script.user_turns.flatMap((u) => u.turns);
  return script.turns ?? [];
}

/**
 * Starts the endpoint on 127.0.0.1. Returns { port, baseURL, requests, served, close }.
 * `sanitize`: [[from, to], ...] replaced in every recorded line (machine paths -> /home/user/project).
 */
export function startCaptureServer({ script, out, port = 0, sanitize = [], model = 'claude-sonnet-4-5', log = () => {} }) {
  const turns = scriptTurns(script);
  const state = { seq: 0, turn: 0, requests: [] };
  if (out) writeFileSync(out, '');

  const record = (req, bodyText) => {
    let body;
    try {
      body = JSON.parse(bodyText);
    } catch {
      body = bodyText;
    }
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) if (k.toLowerCase() !== 'authorization') headers[k.toLowerCase()] = v;
    const entry = { seq: ++state.seq, captured_at: new Date().toISOString(), method: req.method, path: req.url, headers, body };
    let line = JSON.stringify(entry);
    for (const [from, to] of sanitize) line = line.split(from).join(to);
    state.requests.push(JSON.parse(line));
    if (out) appendFileSync(out, line + '\n');
    return body;
  };

  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const bodyText = Buffer.concat(chunks).toString('utf8');
      try {
        handle(req, res, bodyText);
      } catch (err) {
        log(`capture: ${err.stack ?? err}`);
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: String(err), type: 'server_error', param: null, code: null } }));
      }
    });
  });

  function handle(req, res, bodyText) {
    const path = (req.url ?? '').split('?')[0];
    if (req.method === 'GET' && (path === '/v1/models' || path === '/models')) {
      record(req, bodyText);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ object: 'list', data: [{ id: model, object: 'model', created: 1700000000, owned_by: 'capture' }] }));
      return;
    }
    if (req.method !== 'POST' || !(path === '/v1/chat/completions' || path === '/chat/completions')) {
      record(req, bodyText);
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `Unknown endpoint ${req.method} ${path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } }));
      return;
    }
    const body = record(req, bodyText);
    const turn = turns[state.turn] ?? { text: 'Done.' };
    if (state.turn >= turns.length) log(`capture: script exhausted at request ${state.seq}; answering "Done."`);
    state.turn++;
    log(`capture: request ${state.seq} (${body?.messages?.length ?? '?'} messages) -> turn ${state.turn}: ${describe(turn)}`);
    const calls = (turn.tool_calls ?? []).map((c) => ({
      id: randomId('call_', 24),
      name: c.name,
      arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}),
    }));
    const text = turn.text ?? '';
    const id = randomId('chatcmpl-', 29);
    const created = Math.floor(Date.now() / 1000);
    const promptTokens = estimateTokens(body ?? {});
    const completionTokens = Math.max(1, Math.ceil((text.length + calls.reduce((n, c) => n + c.arguments.length + c.name.length, 0)) / 4));
    const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
    const finish = calls.length ? 'tool_calls' : 'stop';
    const responseModel = body?.model ?? model;

    if (!body?.stream) {
      const message = { role: 'assistant', content: text || null, refusal: null };
      if (calls.length) message.tool_calls = calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: c.arguments } }));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ id, object: 'chat.completion', created, model: responseModel, choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage }));
      return;
    }

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const chunk = (delta, finishReason = null, extra = {}) =>
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: responseModel, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra })}\n\n`);
    // As the OpenAI API streams: role first (with empty content), then content pieces, then per tool call a
    // first delta with index, id, type, name and empty arguments, then argument pieces carrying only the index.
    chunk({ role: 'assistant', content: '', refusal: null });
    for (const p of pieces(text, 12)) chunk({ content: p });
    calls.forEach((c, index) => {
      chunk({ tool_calls: [{ index, id: c.id, type: 'function', function: { name: c.name, arguments: '' } }] });
      for (const p of pieces(c.arguments, 24)) chunk({ tool_calls: [{ index, function: { arguments: p } }] });
    });
    chunk({}, finish);
    if (body.stream_options?.include_usage) {
      res.write(`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: responseModel, choices: [], usage })}\n\n`);
    }
    res.write('data: [DONE]\n\n');
    res.end();
  }

  return new Promise((resolve, reject) => {
    server.on('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const actual = server.address().port;
      resolve({
        port: actual,
        baseURL: `http://127.0.0.1:${actual}/v1`,
        requests: state.requests,
        served: () => state.turn,
        turns: turns.length,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

function describe(turn) {
  const calls = (turn.tool_calls ?? []).map((c) => c.name).join(', ');
  return calls ? `tool_calls ${calls}` : `text ${JSON.stringify((turn.text ?? '').slice(0, 40))}`;
}

// Standalone use.
if (import.meta.url === `file://${process.argv[1]}`) {
  const args = process.argv.slice(2);
  const opt = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const sanitize = [];
  args.forEach((a, i) => {
    if (a === '--sanitize') {
      const [from, to] = args[i + 1].split('=');
      sanitize.push([from, to]);
    }
  });
  const scriptPath = opt('--script');
  if (!scriptPath) {
    console.error('usage: node capture-server.mjs --script scripts/x.json --out x.jsonl [--port 0] [--sanitize FROM=TO]');
    process.exit(2);
  }
  const s = await startCaptureServer({
    script: JSON.parse(readFileSync(scriptPath, 'utf8')),
    out: opt('--out'),
    port: Number(opt('--port') ?? 0),
    sanitize,
    log: (m) => console.error(m),
  });
  console.log(`capture endpoint on ${s.baseURL}`);
}
