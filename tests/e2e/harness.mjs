// Test harness for the Node end-to-end tests: starts the published Anthropic simulator and the published
// gateway (Production, keys required) on free loopback ports, waits until both answer their health
// endpoints and hands back what a client needs. Everything is bounded: a hang fails, it never blocks CI.
//
//   const env = await startStack({ simScript: 'agent' });
//   // env.baseURL = http://127.0.0.1:PORT/v1, env.apiKey, env.simUrl, env.gatewayUrl
//   await env.stop();
//
// Paths come from GATEWAY_DLL / SIMULATOR_DLL (set by tests/run.sh), falling back to /tmp/e2e-out/...
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = path.resolve(HERE, '..', '..');
export const RUN_DIR = path.join(REPO_ROOT, 'tests', '.run');

const FALLBACK_GATEWAY = '/tmp/e2e-out/gateway/Gateway.Host.dll';
const FALLBACK_SIMULATOR = '/tmp/e2e-out/simulator/Gateway.Simulator.dll';

export const SIM_KEY = 'sim-upstream-key-e2e';
export const GATEWAY_KEY = 'gw-client-key-e2e';

/** Resolves a published dll from an env var or the fallback; throws a message saying how to get one. */
function resolveDll(envName, fallback, project) {
  const fromEnv = process.env[envName];
  const candidate = fromEnv && fromEnv.length > 0 ? fromEnv : fallback;
  if (!existsSync(candidate)) {
    throw new Error(
      `${envName} not found (${candidate}). Run tests via tests/run.sh, or publish first: ` +
        `GW_ARTIFACTS=/tmp/art-e2e dotnet publish ${project} -c Release -o ${path.dirname(fallback)}`,
    );
  }
  return candidate;
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** fetch with a hard timeout. */
export async function fetchWithTimeout(url, init = {}, timeoutMs = 10_000) {
  return fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
}

/** Starts one dotnet process with stdout/stderr captured to tests/.run/<name>-<port>.log. */
function startProcess(name, dll, port, env) {
  mkdirSync(RUN_DIR, { recursive: true });
  const logFile = path.join(RUN_DIR, `e2e-${name}-${port}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn('dotnet', [dll, '--urls', `http://127.0.0.1:${port}`], {
    cwd: path.dirname(dll),
    env: { ...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_NOLOGO: '1', ...env },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd); // the child holds its own copy
  const proc = { name, child, logFile, exited: false, exitCode: null };
  child.on('exit', (code, signal) => {
    proc.exited = true;
    proc.exitCode = code ?? signal;
  });
  child.on('error', (err) => {
    proc.exited = true;
    proc.exitCode = `spawn error: ${err.message}`;
  });
  return proc;
}

/** Polls url until it answers 200, the process exits, or the deadline passes. */
async function waitHealthy(proc, url, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let lastError = 'no answer';
  while (Date.now() < deadline) {
    if (proc.exited) {
      throw new Error(`${proc.name} exited (${proc.exitCode}) before ${url} answered; see ${proc.logFile}`);
    }
    try {
      const res = await fetchWithTimeout(url, {}, 2_000);
      if (res.ok) {
        await res.arrayBuffer();
        return;
      }
      lastError = `HTTP ${res.status}`;
    } catch (err) {
      lastError = err.message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${proc.name} not healthy at ${url} within ${timeoutMs} ms (${lastError}); see ${proc.logFile}`);
}

/** Terminates a process: SIGTERM, then SIGKILL after a grace period. Never throws. */
async function killProcess(proc, graceMs = 2_000) {
  if (!proc || proc.exited) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  try {
    proc.child.kill('SIGTERM');
  } catch {
    /* already gone */
  }
  const timer = new Promise((resolve) => setTimeout(resolve, graceMs, 'timeout'));
  if ((await Promise.race([exited, timer])) === 'timeout' && !proc.exited) {
    try {
      proc.child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 1_000))]);
  }
}

// Processes still alive when node exits (a test crashed before stop()) are killed here, also when the
// test process itself is interrupted or terminated (e.g. node --test's timeout or a CI cancel): the
// standalone simulator does not exit on SIGTERM/SIGINT, so it must never be left behind.
const live = new Set();
function killAllLive() {
  for (const proc of live) {
    try {
      proc.child.kill('SIGKILL');
    } catch {
      /* ignore */
    }
  }
}
process.on('exit', killAllLive);
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
  process.once(signal, () => {
    killAllLive();
    process.exit(code);
  });
}

/**
 * Starts a process on a free port and waits until it is healthy. The port is free when picked but not reserved: another
 * process (a parallel test's listener, an outgoing connection) can take it before the child binds it, and the child then
 * exits at start. Such an exit is retried on a new port; a child that stays up but never gets healthy is not.
 */
async function startHealthy(name, dll, env, healthPath, timeoutMs) {
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = startProcess(name, dll, port, env(port));
    live.add(proc);
    const url = `http://127.0.0.1:${port}`;
    try {
      await waitHealthy(proc, `${url}${healthPath}`, timeoutMs);
      return { proc, url };
    } catch (err) {
      const exitedAtStart = proc.exited;
      await killProcess(proc);
      live.delete(proc);
      if (!exitedAtStart || attempt === attempts) throw err;
    }
  }
}

/**
 * Starts simulator + gateway.
 * @param {{ simScript?: string, gatewayEnv?: Record<string,string>, startTimeoutMs?: number }} [opts]
 * @returns {Promise<{ baseURL: string, gatewayUrl: string, apiKey: string, simUrl: string, simKey: string,
 *   logs: { gateway: string, simulator: string }, simRequests: () => Promise<any[]>,
 *   clearSimRequests: () => Promise<void>, stop: () => Promise<void> }>}
 */
export async function startStack(opts = {}) {
  const gatewayDll = resolveDll('GATEWAY_DLL', FALLBACK_GATEWAY, 'src/Gateway.Host');
  const simulatorDll = resolveDll('SIMULATOR_DLL', FALLBACK_SIMULATOR, 'src/Gateway.Simulator');
  // Generous: a cold .NET start-up on a loaded 2-core CI machine can take tens of seconds; a hang still fails.
  const startTimeoutMs = opts.startTimeoutMs ?? 90_000;

  let sim = null;
  let gw = null;

  const stop = async () => {
    await Promise.all([killProcess(gw), killProcess(sim)]);
    if (sim) live.delete(sim);
    if (gw) live.delete(gw);
  };

  try {
    const simEnv = { SIM_API_KEY: SIM_KEY, SIM_SCRIPT: opts.simScript ?? '' };
    const simulator = await startHealthy('simulator', simulatorDll, () => simEnv, '/_sim/health', startTimeoutMs);
    sim = simulator.proc;
    const simUrl = simulator.url;

    const gateway = await startHealthy('gateway', gatewayDll, () => ({
      ASPNETCORE_ENVIRONMENT: 'Production',
      ANTHROPIC_API_KEY: SIM_KEY,
      ANTHROPIC_BASE_URL: simUrl,
      GATEWAY_API_KEY: GATEWAY_KEY,
      UPSTREAM_TIMEOUT_SECONDS: '30',
      ...(opts.gatewayEnv ?? {}),
    }), '/healthz', startTimeoutMs);
    gw = gateway.proc;
    const gatewayUrl = gateway.url;

    const simRequests = async () => {
      const res = await fetchWithTimeout(`${simUrl}/_sim/requests`, {}, 15_000);
      if (!res.ok) throw new Error(`GET /_sim/requests: HTTP ${res.status}`);
      const body = await res.json();
      return Array.isArray(body) ? body : (body.requests ?? body.items ?? []);
    };
    const clearSimRequests = async () => {
      const res = await fetchWithTimeout(`${simUrl}/_sim/requests`, { method: 'DELETE' }, 15_000);
      await res.arrayBuffer();
    };

    return {
      baseURL: `${gatewayUrl}/v1`,
      gatewayUrl,
      apiKey: GATEWAY_KEY,
      simUrl,
      simKey: SIM_KEY,
      logs: { gateway: gw.logFile, simulator: sim.logFile },
      simRequests,
      clearSimRequests,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
