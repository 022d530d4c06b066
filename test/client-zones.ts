// Zones as child processes for the client tests (see client-zone-process.mjs): start them,
// freeze, thaw, kill. `stopAll` in `after` resumes and kills every child still alive, even
// when a test failed half-way, so nothing is left frozen.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';

export interface Zone {
  url: string;
  pid: number;
  freeze(): void;
  thaw(): void;
  kill(): Promise<void>;
}

const children = new Set<ChildProcess>();

export async function startZone(flags: Record<string, string | number> = {}): Promise<Zone> {
  const argv = [new URL('./client-zone-process.mjs', import.meta.url).pathname];
  for (const [k, v] of Object.entries(flags)) argv.push(`--${k}`, String(v));
  const child = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve(Number(line));
    });
    child.once('exit', (code) => reject(new Error(`zone process exited with ${code} before listening`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    kill: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Resumes and kills every zone process still running. */
export async function stopAll(): Promise<void> {
  const waits: Promise<unknown>[] = [];
  for (const child of children) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    waits.push(once(child, 'exit'));
    child.kill('SIGCONT');
    child.kill('SIGKILL');
  }
  await Promise.all(waits);
}
