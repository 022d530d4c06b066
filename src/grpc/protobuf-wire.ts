/**
 * The protobuf wire format (protobuf.dev/programming-guides/encoding), only as far as the
 * probe's messages need: varints, length-delimited fields, and skipping the rest.
 *
 * Why hand-written and not @bufbuild/protobuf or protobufjs: the probe needs four tiny
 * messages (health Check request/response, reflection ListServices request/response), each one
 * or two fields. A library would add its import cost to every CLI start (protobufjs's runtime
 * is larger than this whole folder) and generated code or a .proto loader, for about a hundred
 * lines of a format that is fully specified. Hand-written code also throws our own typed
 * errors, so the fuzz test can hold it to "messages or ProtobufDecodeError, nothing else".
 * Arbitrary user messages (bench --proto) are a different job and should use a library.
 */
import { ProtobufDecodeError } from '../errors.js';

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Appends fields to a growing byte list. Field numbers and values are checked by the callers. */
export class ProtobufWriter {
  private readonly bytes: number[] = [];

  varint(value: number): this {
    // Non-negative safe integers only (the probe's fields are enums, lengths and tags).
    let v = value;
    while (v >= 0x80) {
      this.bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.bytes.push(v);
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  bytesField(field: number, data: Uint8Array): this {
    this.tag(field, WireType.LEN).varint(data.length);
    for (const b of data) this.bytes.push(b);
    return this;
  }

  stringField(field: number, text: string): this {
    return this.bytesField(field, utf8Encoder.encode(text));
  }

  varintField(field: number, value: number): this {
    return this.tag(field, WireType.VARINT).varint(value);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }
}

/** One field as read: for LEN fields `data` holds the bytes, for the others `value` the number. */
export interface ProtobufField {
  field: number;
  wireType: number;
  value: number;
  data: Uint8Array | null;
}

/** Reads a varint at `pos`; returns value and next position. At most 10 bytes (64 bits). */
export function readVarint(buf: Uint8Array, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= buf.length) throw new ProtobufDecodeError(`protobuf varint truncated at byte ${pos + i}`);
    const b = buf[pos + i]!;
    value += (b & 0x7f) * scale;
    scale *= 0x80;
    if ((b & 0x80) === 0) return [value, pos + i + 1];
  }
  throw new ProtobufDecodeError(`protobuf varint at byte ${pos} is longer than 10 bytes`);
}

/** Every field of a message, in order. Groups (wire types 3, 4) are refused: proto3 has none. */
export function readFields(buf: Uint8Array): ProtobufField[] {
  const fields: ProtobufField[] = [];
  let pos = 0;
  while (pos < buf.length) {
    const [key, afterKey] = readVarint(buf, pos);
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (field < 1 || field > 0x1fffffff) throw new ProtobufDecodeError(`protobuf field number ${field} at byte ${pos} is out of range`);
    pos = afterKey;
    switch (wireType) {
      case WireType.VARINT: {
        const [value, next] = readVarint(buf, pos);
        fields.push({ field, wireType, value, data: null });
        pos = next;
        break;
      }
      case WireType.I64:
      case WireType.I32: {
        const size = wireType === WireType.I64 ? 8 : 4;
        if (pos + size > buf.length) throw new ProtobufDecodeError(`protobuf field ${field}: ${size}-byte value truncated`);
        fields.push({ field, wireType, value: 0, data: buf.subarray(pos, pos + size) });
        pos += size;
        break;
      }
      case WireType.LEN: {
        const [length, start] = readVarint(buf, pos);
        if (length > buf.length - start) throw new ProtobufDecodeError(`protobuf field ${field}: length ${length} runs past the end of the message`);
        fields.push({ field, wireType, value: length, data: buf.subarray(start, start + length) });
        pos = start + length;
        break;
      }
      default:
        throw new ProtobufDecodeError(`protobuf field ${field}: wire type ${wireType} is not supported`);
    }
  }
  return fields;
}

/** The field's bytes as UTF-8 text; the field must be length-delimited and valid UTF-8. */
export function fieldString(f: ProtobufField): string {
  if (f.data === null || f.wireType !== WireType.LEN) throw new ProtobufDecodeError(`protobuf field ${f.field} should be a string, got wire type ${f.wireType}`);
  try {
    return utf8Decoder.decode(f.data);
  } catch (err) {
    throw new ProtobufDecodeError(`protobuf field ${f.field} is not valid UTF-8`, { cause: err });
  }
}

/** The field's value as a varint; the field must have wire type 0. */
export function fieldVarint(f: ProtobufField): number {
  if (f.wireType !== WireType.VARINT) throw new ProtobufDecodeError(`protobuf field ${f.field} should be a varint, got wire type ${f.wireType}`);
  return f.value;
}

/** The field's bytes as an embedded message. */
export function fieldMessage(f: ProtobufField): Uint8Array {
  if (f.data === null || f.wireType !== WireType.LEN) throw new ProtobufDecodeError(`protobuf field ${f.field} should be a message, got wire type ${f.wireType}`);
  return f.data;
}
