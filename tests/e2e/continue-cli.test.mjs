// End-to-end: a real, headless Continue CLI (`cn`, @continuedev/cli) agent session against the published
// gateway. The simulator runs in agent mode (SIM_SCRIPT=agent): it calls the client's List tool, then its
// Read tool, then answers "The first line of <file> is: <line>". cn executes those tools for real on a
// small sample project, so the whole tool loop crosses the gateway both ways, streamed.
//
// Recipe (README "Using it from Continue"): cn -p "<task>" --config config.yaml --auto, HOME in a temp
// dir, telemetry off (CONTINUE_METRICS_ENABLED=0 CONTINUE_CLI_ENABLE_TELEMETRY=0 NO_UPDATE_NOTIFIER=1),
// `capabilities: [tool_use, image_input]` so Continue offers tools to a model name it does not know.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RUN_DIR, startStack } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const CN = path.join(HERE, 'node_modules', '.bin', 'cn');
// Generous: cn is a large node CLI, and its start-up alone takes seconds on a loaded 2-core CI machine; a hang still fails.
const CN_TIMEOUT_MS = 150_000;
const MODEL = 'claude-sonnet-4-5';

/** Runs cn with a hard time bound; resolves { code, signal, stdout, stderr, timedOut, ms }. */
function runCn(args, { cwd, env, timeoutMs = CN_TIMEOUT_MS }) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(CN, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const killGroup = (sig) => {
      try {
        process.kill(-child.pid, sig); // cn's own process group (detached), nothing else
      } catch {
        /* gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup('SIGTERM');
      setTimeout(() => killGroup('SIGKILL'), 2_000).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

/** Text of a tool_result block's content (string or text blocks). */
function toolResultText(block) {
  if (typeof block.content === 'string') return block.content;
  return (block.content ?? []).filter((b) => b.type === 'text').map((b) => b.text).join('\n');
}

/** A small sample project whose README starts with a unique marker. */
function makeProject(root, marker) {
  const project = path.join(root, 'project');
  mkdirSync(path.join(project, 'src'), { recursive: true });
  writeFileSync(path.join(project, 'README.md'), `${marker} sample project\n\nA tiny app used by the gateway e2e tests.\n`);
  writeFileSync(path.join(project, 'src', 'app.js'), 'export const greet = (name) => `hello ${name}`;\n');
  writeFileSync(path.join(project, 'package.json'), '{ "name": "sample", "version": "1.0.0", "type": "module" }\n');
  return project;
}

/** Continue config.yaml (schema v1) pointing at the gateway. */
function writeConfig(root, env) {
  const config = path.join(root, 'config.yaml');
  writeFileSync(
    config,
    [
      'name: claude-gateway-e2e',
      'version: 1.0.0',
      'schema: v1',
      'models:',
      '  - name: Claude via gateway',
      '    provider: openai',
      `    model: ${MODEL}`,
      `    apiBase: ${env.baseURL}`,
      `    apiKey: ${env.apiKey}`,
      '    capabilities: [tool_use, image_input]',
      '    roles: [chat, edit, apply]',
      '',
    ].join('\n'),
  );
  return config;
}

/** A clean environment for cn: temp HOME, telemetry and update checks off. */
function cnEnvironment(home) {
  mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH,
    HOME: home,
    USERPROFILE: home,
    TERM: 'dumb',
    NO_COLOR: '1',
    CI: '1',
    CONTINUE_METRICS_ENABLED: '0',
    CONTINUE_CLI_ENABLE_TELEMETRY: '0',
    NO_UPDATE_NOTIFIER: '1',
  };
}

/** Saves cn's output (and its own log) under tests/.run for debugging; returns the file. */
function saveCnLog(name, home, res) {
  mkdirSync(RUN_DIR, { recursive: true });
  const logFile = path.join(RUN_DIR, `e2e-continue-cli-${name}.log`);
  const cnLog = path.join(home, '.continue', 'logs', 'cn.log');
  writeFileSync(
    logFile,
    `exit=${res.code} signal=${res.signal} timedOut=${res.timedOut} ms=${res.ms}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}\n` +
      `--- cn.log\n${existsSync(cnLog) ? readFileSync(cnLog, 'utf8') : '(none)'}\n`,
  );
  return logFile;
}

describe('Continue CLI agent session through the gateway', { timeout: 400_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let env;
  let work;

  before(async () => {
    assert.ok(existsSync(CN), `Continue CLI not installed at ${CN}: run npm ci in tests/e2e`);
    env = await startStack({ simScript: 'agent' });
    work = mkdtempSync(path.join(os.tmpdir(), 'gw-e2e-cn-'));
  });

  after(async () => {
    await env?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('cn -p --auto: List, Read and a final answer quoting the README', { timeout: 200_000 }, async (t) => {
    const marker = `GW-E2E-MARKER-${process.pid}-${Date.now().toString(36)}`;
    const project = makeProject(work, marker);
    const config = writeConfig(work, env);
    const home = path.join(work, 'home');
    await env.clearSimRequests();
    const task = 'What is the first line of the README of this project?';
    const res = await runCn(['-p', task, '--config', config, '--auto'], { cwd: project, env: cnEnvironment(home) });
    const logFile = saveCnLog('agent', home, res);
    t.diagnostic(`cn finished in ${res.ms} ms; output: ${res.stdout.trim().slice(0, 200)}`);

    assert.equal(res.timedOut, false, `cn did not finish within ${CN_TIMEOUT_MS} ms; see ${logFile}`);
    assert.equal(res.code, 0, `cn exit code; stderr: ${res.stderr.slice(0, 1000)}`);

    // What crossed the gateway to the (simulated) Anthropic API.
    const recorded = (await env.simRequests()).filter((r) => r.path === '/v1/messages');
    assert.ok(recorded.length >= 3, `at least 3 model turns (List, Read, answer), got ${recorded.length}`);
    for (const r of recorded) assert.equal(r.status, 200, `simulator answered 200: ${r.body.slice(0, 300)}`);
    const bodies = recorded.map((r) => JSON.parse(r.body));
    for (const b of bodies) {
      assert.equal(b.stream, true, 'cn streams every turn, and the gateway streams upstream');
      // The catalogue resolves the undated alias to its snapshot id (same model, canonical name).
      assert.ok(b.model === MODEL || b.model.startsWith(`${MODEL}-`), `model ${b.model} is ${MODEL} or its snapshot`);
      const names = (b.tools ?? []).map((tool) => tool.name);
      assert.ok(names.includes('List') && names.includes('Read'), `cn offered List and Read: ${names.join(',')}`);
    }

    // The last request holds the full loop: tool_use List -> tool_result, tool_use Read -> tool_result.
    const messages = bodies.at(-1).messages;
    const toolUses = messages
      .filter((m) => m.role === 'assistant' && Array.isArray(m.content))
      .flatMap((m) => m.content.filter((b) => b.type === 'tool_use'));
    const toolResults = messages
      .filter((m) => m.role === 'user' && Array.isArray(m.content))
      .flatMap((m) => m.content.filter((b) => b.type === 'tool_result'));
    const list = toolUses.find((u) => u.name === 'List');
    const read = toolUses.find((u) => u.name === 'Read');
    assert.ok(list, 'a List tool_use went back upstream');
    assert.ok(read, 'a Read tool_use went back upstream');
    const listResult = toolResults.find((r) => r.tool_use_id === list.id);
    const readResult = toolResults.find((r) => r.tool_use_id === read.id);
    assert.ok(listResult, `a tool_result for the List call ${list.id}`);
    assert.ok(readResult, `a tool_result for the Read call ${read.id}`);
    assert.notEqual(listResult.is_error, true, 'List succeeded');
    assert.notEqual(readResult.is_error, true, 'Read succeeded');
    assert.match(toolResultText(listResult), /README\.md/, 'the listing (run by cn on the sample project) names README.md');
    const readText = toolResultText(readResult);
    assert.ok(readText.includes(marker), `cn read the real README (marker in the Read result): ${readText.slice(0, 200)}`);

    // cn printed the simulator's final answer, which quotes the file it read.
    const answer = res.stdout.match(/The first line of (\S+) is: (.*)/);
    assert.ok(answer, `the final answer in cn's output: ${res.stdout.slice(0, 500)}`);
    assert.match(answer[1], /README\.md$/);
    // The agent script quotes the first non-empty line of the Read result. Continue's Read tool prefixes
    // the file with a "Content of README.md:" header, so with Continue that header is the line quoted;
    // a script that skips such headers quotes the marker line. Either way it must be the real content.
    const firstResultLine = readText.split('\n').map((l) => l.trim()).find((l) => l.length > 0);
    const quoted = answer[2].trim();
    assert.ok(
      quoted.includes(marker) || quoted === firstResultLine,
      `quoted line "${quoted}" is the marker line or the first line of the Read result ("${firstResultLine}")`,
    );
    if (!quoted.includes(marker)) {
      t.diagnostic(`simulator quoted "${quoted}" (Continue's Read header) rather than the marker line`);
    }
  });
});

// Without SIM_SCRIPT: the simulator follows directives written into cn's task.
describe('Continue CLI with directives in the task', { timeout: 600_000 }, () => {
  /** @type {Awaited<ReturnType<typeof startStack>>} */
  let env;
  let work;
  let project;
  let config;

  before(async () => {
    assert.ok(existsSync(CN), `Continue CLI not installed at ${CN}: run npm ci in tests/e2e`);
    env = await startStack();
    work = mkdtempSync(path.join(os.tmpdir(), 'gw-e2e-cn2-'));
    project = makeProject(work, `GW-E2E-MARKER2-${process.pid}`);
    config = writeConfig(work, env);
  });

  after(async () => {
    await env?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  test('[[sim:agent]] in the task drives the same List/Read loop', { timeout: 200_000 }, async () => {
    await env.clearSimRequests();
    const home = path.join(work, 'home-agent');
    const res = await runCn(['-p', '[[sim:agent]] What does the README say first?', '--config', config, '--auto'], {
      cwd: project,
      env: cnEnvironment(home),
    });
    const logFile = saveCnLog('directive-agent', home, res);
    assert.equal(res.timedOut, false, `cn did not finish within ${CN_TIMEOUT_MS} ms; see ${logFile}`);
    assert.equal(res.code, 0, `cn exit code; see ${logFile}`);
    assert.match(res.stdout, /The first line of README\.md is: /);
    const recorded = (await env.simRequests()).filter((r) => r.path === '/v1/messages');
    assert.equal(recorded.length, 3, 'List, Read, answer');
    const last = JSON.parse(recorded.at(-1).body);
    const results = last.messages.flatMap((m) => (Array.isArray(m.content) ? m.content : [])).filter((b) => b.type === 'tool_result');
    assert.equal(results.length, 2, 'tool results for List and Read');
  });

  test('an upstream 400 makes cn fail fast with the gateway\'s error message', { timeout: 200_000 }, async () => {
    await env.clearSimRequests();
    const home = path.join(work, 'home-error');
    const res = await runCn(['-p', 'Hi [[sim:error 400 invalid_request_error]]', '--config', config, '--auto'], {
      cwd: project,
      env: cnEnvironment(home),
      timeoutMs: 90_000, // cn's own start-up on a loaded machine included; retries with back-off would still show below
    });
    const logFile = saveCnLog('upstream-400', home, res);
    assert.equal(res.timedOut, false, `cn did not give up within 90 s; see ${logFile}`);
    assert.notEqual(res.code, 0, 'cn reports failure');
    assert.match(res.stdout + res.stderr, /invalid_request_error/, 'the upstream error reached the user');
    const recorded = (await env.simRequests()).filter((r) => r.path === '/v1/messages');
    assert.deepEqual(recorded.map((r) => r.status), [400], 'one upstream call, not retried');
  });
});
