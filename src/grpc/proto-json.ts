/**
 * A request message from JSON and a .proto file (`bench --grpc --proto FILE --data JSON`):
 * protobufjs parses the .proto at run time (no protoc step) and encodes the message. Its own
 * `fromObject` is lenient (unknown fields are dropped, `"abc"` in an int32 field becomes 0),
 * so the JSON is first checked against the method's request type here, field by field, in the
 * spirit of the proto3 JSON mapping: field names as in the .proto or lowerCamelCase, 64-bit
 * integers as numbers or decimal strings, enums by name or number, bytes as base64, null for
 * "not set", at most one member of a oneof. Every mismatch is a ConfigError naming the field.
 * Well-known types (Timestamp, Duration …) are written as their fields, not as their special
 * JSON strings.
 *
 * protobufjs is loaded with require() when this runs, not when the CLI starts: a plain bench
 * never pays for it (start-up CPU counts in bench's CPU per request).
 */
import { createRequire } from 'node:module';
import type * as Protobuf from 'protobufjs';
import { ConfigError } from '../errors.js';
import { parseGrpcMethod } from './method.js';

type Field = Protobuf.Field;
type Type = Protobuf.Type;

/** Serializes `json` as the request message of `methodPath` (`/pkg.Svc/Method`) defined in `protoFile`. */
export function encodeRequestFromJson(protoFile: string, methodPath: string, json: string): Uint8Array {
  const protobuf = createRequire(import.meta.url)('protobufjs') as typeof Protobuf;
  const { service, method } = parseGrpcMethod(methodPath);
  const root = new protobuf.Root();
  try {
    root.loadSync(protoFile, { keepCase: true });
    root.resolveAll();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(e.code ? `cannot read '${e.path ?? protoFile}' (${e.code})` : `'${protoFile}': ${e.message}`, { cause: err });
  }
  const svc = root.lookup(service);
  if (!(svc instanceof protobuf.Service)) throw new ConfigError(`'${protoFile}' defines no service ${service}${svc ? ` (it is a ${svc.constructor.name.toLowerCase()})` : ''}`);
  const m = svc.methods[method];
  if (!m) throw new ConfigError(`service ${service} has no method ${method} (it has ${Object.keys(svc.methods).join(', ') || 'none'})`);
  if (m.requestStream || m.responseStream) throw new ConfigError(`${methodPath} is a streaming method: bench --grpc makes unary calls`);
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new ConfigError(`the request is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const type = m.resolvedRequestType!;
  return type.encode(type.fromObject(checkMessage(protobuf, type, value, ''))).finish();
}

function lowerCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** The object keyed by .proto field names, every value checked; throws ConfigError at the first mismatch. */
function checkMessage(pb: typeof Protobuf, type: Type, value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${path || 'the request'}: expected a JSON object (${type.fullName.slice(1)})`);
  const out: Record<string, unknown> = {};
  const oneofs = new Map<string, string>();
  for (const [key, v] of Object.entries(value)) {
    const field = type.fields[key] ?? type.fieldsArray.find((f) => lowerCamel(f.name) === key || f.getOption('json_name') === key);
    const at = path ? `${path}.${key}` : key;
    if (!field) throw new ConfigError(`${at}: ${type.name} has no such field (fields: ${type.fieldsArray.map((f) => f.name).join(', ') || 'none'})`);
    if (v === null) continue;
    if (field.partOf) {
      const other = oneofs.get(field.partOf.name);
      if (other !== undefined) throw new ConfigError(`${at}: oneof ${field.partOf.name} already has ${other}`);
      oneofs.set(field.partOf.name, field.name);
    }
    if (field instanceof pb.MapField) {
      if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(`${at}: expected a JSON object (map)`);
      out[field.name] = Object.fromEntries(Object.entries(v as object).map(([k, x]) => [k, checkValue(pb, field, x, `${at}.${k}`)]));
    } else if (field.repeated) {
      if (!Array.isArray(v)) throw new ConfigError(`${at}: expected a JSON array (repeated ${field.type})`);
      out[field.name] = v.map((x, i) => checkValue(pb, field, x, `${at}[${i}]`));
    } else out[field.name] = checkValue(pb, field, v, at);
  }
  return out;
}

const int32Range: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1], sint32: [-(2 ** 31), 2 ** 31 - 1], sfixed32: [-(2 ** 31), 2 ** 31 - 1],
  uint32: [0, 2 ** 32 - 1], fixed32: [0, 2 ** 32 - 1],
};

/** One scalar, enum or message value of `field`. */
function checkValue(pb: typeof Protobuf, field: Field, v: unknown, at: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof pb.Type) return checkMessage(pb, resolved, v, at);
  if (resolved instanceof pb.Enum) {
    if (typeof v === 'string' && v in resolved.values) return v;
    if (Number.isInteger(v)) return v;
    throw new ConfigError(`${at}: expected one of ${Object.keys(resolved.values).join(', ')} (enum ${resolved.name})`);
  }
  const bad = (what: string) => new ConfigError(`${at}: expected ${what} (${field.type}), got ${JSON.stringify(v)}`);
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string') throw bad('a string');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad('true or false');
      return v;
    case 'bytes':
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/\-_]*={0,2}$/.test(v)) throw bad('base64');
      return v.replace(/-/g, '+').replace(/_/g, '/');
    case 'double':
    case 'float':
      if (typeof v === 'number') return v;
      if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
      throw bad('a number');
    default: {
      // Integers: JSON numbers, or decimal strings (proto3 JSON writes 64-bit ones as strings).
      const text = typeof v === 'number' ? String(v) : v;
      if (typeof text !== 'string' || !/^-?\d+$/.test(text) || (typeof v === 'number' && !Number.isSafeInteger(v))) throw bad('an integer');
      const range = int32Range[field.type];
      if (range && (Number(text) < range[0] || Number(text) > range[1])) throw bad(`an integer in ${range[0]}..${range[1]}`);
      if (field.type.startsWith('u') || field.type.startsWith('fixed')) if (text.startsWith('-')) throw bad('an integer ≥ 0');
      return range ? Number(text) : text;
    }
  }
}
