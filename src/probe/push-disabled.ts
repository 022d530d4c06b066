/**
 * Step 5: a connection whose SETTINGS carry ENABLE_PUSH=0. A server that still sends
 * PUSH_PROMISE commits a connection error (RFC 9113 §6.5.2, §8.4); node:http2 ends the
 * connection with PROTOCOL_ERROR, but the tap has seen the frame first, and that is the evidence.
 */
import { SettingId } from '../codec/types.js';
import { h2ErrorName } from '../codec/names.js';
import type { PushDisabledFacts } from './facts.js';
import { firstSettings, settingValue } from './frame-facts.js';
import type { ProbeConnection } from './connection.js';
import { sendRequest, type RequestSpec } from './requests.js';
import type { Clock } from '../clock.js';

export async function checkPushDisabled(conn: ProbeConnection, spec: RequestSpec, clock: Clock, timeoutMs: number, signal?: AbortSignal): Promise<PushDisabledFacts> {
  const attempt = await sendRequest(conn, spec, clock, timeoutMs, signal);
  const events = conn.tap.events;
  const promises = events.filter((e) => e.dir === 'recv' && e.frame.type === 'PUSH_PROMISE');
  const paths = promises.map((e) => (e.frame.type === 'PUSH_PROMISE' ? e.frame.headers?.find((h) => h.name === ':path')?.value : undefined) ?? '?');
  const ourGoaway = events.find((e) => e.dir === 'send' && e.frame.type === 'GOAWAY');
  const error = ourGoaway && ourGoaway.frame.type === 'GOAWAY' && ourGoaway.frame.errorCode !== 0
    ? `the probe sent GOAWAY ${h2ErrorName(ourGoaway.frame.errorCode)}`
    : attempt.error;
  return {
    enablePushSent: settingValue(firstSettings(events, 'send'), SettingId.ENABLE_PUSH) ?? null,
    promises: promises.length,
    paths: [...new Set(paths)],
    error,
  };
}
