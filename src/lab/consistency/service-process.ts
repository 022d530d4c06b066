import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { ConfigError } from '../../errors.js';
import type { ServiceConfig, ServiceMessage } from './service-entry.js';

/**
 * One lab service as a real process: started, SIGKILLed, started again on the same port. The
 * counters each incarnation reported are kept, so a crash loses at most the events of its
 * last event-loop turn.
 */
export interface ServiceProcess {
  port: number;
  /** The current incarnation's process id. */
  readonly pid: number;
  /** Counters summed over every incarnation. */
  totals(): Record<string, number>;
  /** SIGKILL: no cleanup, no flush, an open transaction dies with the process. */
  kill(): Promise<void>;
  /** Starts a new incarnation on the same port. */
  restart(): Promise<void>;
  /** A clean stop (SIGTERM). */
  stop(): Promise<void>;
}

/** The entry file beside this module (compiled .js, the bundle's copy, or .ts under tsx). */
function entry(): { file: string; execArgv: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  const file = new URL(ts ? './service-entry.ts' : './service-entry.js', import.meta.url).pathname;
  return { file, execArgv: ts ? ['--import', 'tsx'] : [] };
}

async function startOne(config: ServiceConfig, onStats: (s: Record<string, number>) => void): Promise<{ child: ChildProcess; port: number }> {
  const { file, execArgv } = entry();
  const child = fork(file, [JSON.stringify(config)], { execArgv, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ConfigError(`lab ${config.role} process did not start within 30 s${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
    }, 30_000);
    child.on('message', (m: ServiceMessage) => {
      if (m.type === 'stats') onStats(m.stats);
      else if (m.type === 'ready') {
        clearTimeout(timer);
        resolve({ child, port: m.port });
      } else if (m.type === 'failed') {
        clearTimeout(timer);
        reject(new ConfigError(`lab ${config.role} process failed: ${m.message}`));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new ConfigError(`lab ${config.role} process exited (${code}) before it was ready${stderr ? `: ${stderr.trim().split('\n').pop()}` : ''}`));
    });
  });
}

export async function startServiceProcess(config: ServiceConfig): Promise<ServiceProcess> {
  const done: Record<string, number> = {};
  let current: Record<string, number> = {};
  const first = await startOne(config, (s) => (current = { ...current, ...s }));
  let child = first.child;
  const port = first.port;
  const fold = () => {
    for (const [k, v] of Object.entries(current)) done[k] = (done[k] ?? 0) + v;
    current = {};
  };
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  return {
    port,
    get pid() {
      return child.pid ?? -1;
    },
    totals: () => {
      const t = { ...done };
      for (const [k, v] of Object.entries(current)) t[k] = (t[k] ?? 0) + v;
      return t;
    },
    kill: async () => {
      await kill();
      fold();
    },
    restart: async () => {
      fold();
      child = (await startOne({ ...config, port }, (s) => (current = { ...current, ...s }))).child;
    },
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(t);
    },
  };
}
