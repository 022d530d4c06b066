import { spawn } from 'node:child_process';
import { once } from 'node:events';
import type { LabPki } from './certs.js';

/**
 * The zone-failover scenario's inventory zones as child processes, so zone a can be frozen
 * with SIGSTOP: its connections stay open and nothing answers, which is how a zone outage, a
 * partition or a stuck host looks from a client (a killed zone resets its sockets, which is
 * the easy case). `close` resumes and kills the process whatever state it is in.
 */
export interface ZoneProcess {
  zone: string;
  /** https://127.0.0.1:PORT */
  url: string;
  freeze(): void;
  close(): Promise<void>;
}

/** The entry beside this module: zone-entry.ts under tsx, zone-entry.js when compiled or bundled. */
function entry(): { args: string[] } {
  const ts = import.meta.url.endsWith('.ts');
  const file = new URL(ts ? './zone-entry.ts' : './zone-entry.js', import.meta.url).pathname;
  return { args: ts ? ['--import', 'tsx', file] : [file] };
}

export async function startZoneProcess(zone: string, pki: LabPki): Promise<ZoneProcess> {
  const child = spawn(process.execPath, entry().args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = once(child, 'exit');
  // A frozen child cannot notice its parent is gone: if the lab dies without running its
  // closers, kill the zone on the way out (SIGKILL reaches a stopped process).
  const onExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', onExit);
  void exited.then(() => process.off('exit', onExit));
  child.stdin!.write(`${JSON.stringify({ zone, pki })}\n`);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('\n')) resolve(Number(out.split('\n')[0]));
    });
    child.once('exit', (code, sig) => reject(new Error(`inventory zone ${zone} exited (${sig ?? code}) before listening`)));
  });
  return {
    zone,
    url: `https://127.0.0.1:${port}`,
    freeze: () => {
      child.kill('SIGSTOP');
    },
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill('SIGKILL');
      await exited;
    },
  };
}
