/**
 * PostgreSQL for tests: the server CI started (H2DOCTOR_TEST_PG_URL), or one this helper
 * starts the same way (scripts/pg-server.sh: initdb in a temporary folder, a free port,
 * stopped in `after`). Never a silent skip: without PostgreSQL installed, the test fails and
 * says how to install it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createRequire } from 'node:module';
import type Pg from 'pg';

const run = promisify(execFile);
const script = new URL('../../scripts/pg-server.sh', import.meta.url).pathname;

export interface TestPostgres {
  /** Server URL (the `postgres` database). */
  url: string;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const given = process.env['H2DOCTOR_TEST_PG_URL'];
  if (given) return { url: given, stop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'h2doctor-pg-'));
  try {
    const { stdout } = await run('bash', [script, 'start', dir], { timeout: 90_000 });
    return { url: stdout.trim(), stop: async () => void (await run('bash', [script, 'stop', dir])) };
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new Error(`cannot start a PostgreSQL server for this test: ${stderr || (err as Error).message}`);
  }
}

let seq = 0;
/** A new empty database on the server; its URL. */
export async function createTestDatabase(serverUrl: string, label: string): Promise<string> {
  const pg = createRequire(import.meta.url)('pg') as typeof Pg;
  const name = `h2d_${label.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${process.pid}_${++seq}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}
