// Captures one real Continue CLI session into bench/reduction/sessions/<name>.jsonl.
//
//   node bench/reduction/capture/run-session.mjs bench/reduction/capture/scripts/<name>.json [--out DIR] [--keep]
//
// 1. copies the script's project into a temp dir (git init + one commit, like a real checkout);
// 2. starts capture-server.mjs on loopback with the script's assistant turns;
// 3. runs the real `cn -p "<prompt>" --config <config.yaml> --auto` there, HOME in a temp dir, telemetry off;
//    every further user turn of the script continues the same session with `cn -p "<prompt>" --resume`;
// 4. writes the recorded requests, paths sanitized (the project dir becomes /home/user/project).
// Bounded: each cn run is killed after CN_TIMEOUT_MS.
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCaptureServer, scriptTurns } from './capture-server.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..', '..');
const CN = path.join(REPO, 'tests', 'e2e', 'node_modules', '.bin', 'cn');
const CN_TIMEOUT_MS = 180_000;
const MODEL = 'claude-sonnet-4-5';

const args = process.argv.slice(2);
const scriptPath = args.find((a) => !a.startsWith('--'));
const outIndex = args.indexOf('--out');
const outDir = outIndex >= 0 ? path.resolve(args[outIndex + 1]) : path.join(REPO, 'bench', 'reduction', 'sessions');
const keep = args.includes('--keep');
if (!scriptPath) {
  console.error('usage: node run-session.mjs scripts/<name>.json [--out DIR] [--keep]');
  process.exit(2);
}
if (!existsSync(CN)) {
  console.error(`Continue CLI not found at ${CN}: run npm ci in tests/e2e`);
  process.exit(2);
}

const script = JSON.parse(readFileSync(scriptPath, 'utf8'));
const userTurns = script.user_turns ?? [{ prompt: script.prompt, turns: script.turns }];
const work = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'gw-capture-')));
const project = path.join(work, 'project');
const home = path.join(work, 'home');
mkdirSync(project, { recursive: true });
mkdirSync(home, { recursive: true });

// 1. The project: either a template under capture/projects, or files copied from this repository.
for (const item of script.project.copy) {
  const from = path.resolve(script.project.from === 'repo' ? REPO : HERE, item);
  const to = path.join(project, script.project.strip ? path.relative(script.project.strip, item) : item);
  cpSync(from, to, { recursive: true, filter: (src) => !/[\\/](bin|obj|node_modules)$/.test(src) });
}
const git = (...a) => execFileSync('git', a, { cwd: project, stdio: 'pipe' });
git('init', '-q', '-b', 'main');
git('-c', 'user.email=dev@example.com', '-c', 'user.name=Dev', 'add', '-A');
git('-c', 'user.email=dev@example.com', '-c', 'user.name=Dev', 'commit', '-q', '-m', 'Initial import');

// 2. The capturing endpoint.
mkdirSync(outDir, { recursive: true });
const out = path.join(outDir, `${script.name}.jsonl`);
const server = await startCaptureServer({
  script,
  out,
  model: MODEL,
  sanitize: [
    [project, '/home/user/project'],
    [home, '/home/user'],
    [work, '/home/user'],
  ],
  log: (m) => console.error(m),
});

const config = path.join(work, 'config.yaml');
writeFileSync(
  config,
  [
    'name: claude-gateway-capture',
    'version: 1.0.0',
    'schema: v1',
    'models:',
    '  - name: Claude via gateway',
    '    provider: openai',
    `    model: ${MODEL}`,
    `    apiBase: ${server.baseURL}`,
    '    apiKey: capture-dummy-key',
    '    capabilities: [tool_use, image_input]',
    '    roles: [chat, edit, apply]',
    '',
  ].join('\n'),
);
const env = {
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

function runCn(cnArgs) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(CN, cnArgs, { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); // cn's own process group only
      } catch {
        /* gone */
      }
    }, CN_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut, ms: Date.now() - started });
    });
  });
}

// 3. One cn run per user turn; later turns resume the same session.
let expected = 0;
let failed = false;
for (const [i, turn] of userTurns.entries()) {
  expected += turn.turns.length;
  const cnArgs = ['-p', turn.prompt, '--config', config, '--auto'];
  if (i > 0) cnArgs.push('--resume');
  console.error(`cn ${i === 0 ? '' : '--resume '}-p ${JSON.stringify(turn.prompt.slice(0, 60))}...`);
  const res = await runCn(cnArgs);
  writeFileSync(path.join(work, `cn-${i + 1}.log`), `exit=${res.code} timedOut=${res.timedOut} ms=${res.ms}\n--- stdout\n${res.stdout}\n--- stderr\n${res.stderr}\n`);
  console.error(`  exit ${res.code} in ${res.ms} ms${res.timedOut ? ' (TIMED OUT)' : ''}; served ${server.served()} of ${expected} scripted turns`);
  console.error(`  output: ${res.stdout.trim().slice(0, 300)}`);
  if (res.code !== 0 || res.timedOut || server.served() !== expected) failed = true;
}
await server.close();

// 4. Summary.
const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
const completions = lines.filter((l) => l.path.includes('chat/completions'));
console.error(`${out}: ${lines.length} requests (${completions.length} completions), messages ${completions.map((l) => l.body.messages.length).join(',')}`);
const leaked = lines.some((l) => JSON.stringify(l).includes(work));
if (leaked) {
  console.error(`WARNING: the temp dir ${work} still appears in the recording`);
  failed = true;
}
if (keep) console.error(`work dir kept: ${work}`);
else rmSync(work, { recursive: true, force: true });
if (failed) {
  console.error('capture FAILED: see messages above');
  process.exit(1);
}
void scriptTurns;
