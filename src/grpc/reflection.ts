/**
 * gRPC server reflection, only ListServices (grpc/grpc doc/server-reflection.md; the same
 * messages in grpc.reflection.v1 and v1alpha). ServerReflectionRequest `{ string host = 1;
 * oneof { … string list_services = 7; } }`; ServerReflectionResponse `{ … oneof {
 * ListServiceResponse list_services_response = 6; ErrorResponse error_response = 7; } }`,
 * ListServiceResponse `{ repeated ServiceResponse service = 1; }`, ServiceResponse
 * `{ string name = 1; }`, ErrorResponse `{ int32 error_code = 1; string error_message = 2; }`.
 */
import { fieldMessage, fieldString, fieldVarint, ProtobufWriter, readFields } from './protobuf-wire.js';

export const REFLECTION_V1_METHOD = '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo';
export const REFLECTION_V1ALPHA_METHOD = '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo';

/** A ListServices request. The field's content is ignored by servers; '*' is what grpcurl sends. */
export function encodeListServicesRequest(host = ''): Uint8Array {
  const w = new ProtobufWriter();
  if (host) w.stringField(1, host);
  return w.stringField(7, '*').finish();
}

export type ListServicesResult =
  | { kind: 'services'; services: string[] }
  | { kind: 'error'; code: number; message: string }
  /** Neither oneof member we asked for: the server answered another question. */
  | { kind: 'other' };

export function decodeListServicesResponse(bytes: Uint8Array): ListServicesResult {
  let result: ListServicesResult = { kind: 'other' };
  for (const f of readFields(bytes)) {
    if (f.field === 6) {
      const services: string[] = [];
      for (const s of readFields(fieldMessage(f))) {
        if (s.field !== 1) continue;
        for (const n of readFields(fieldMessage(s))) if (n.field === 1) services.push(fieldString(n));
      }
      result = { kind: 'services', services };
    } else if (f.field === 7) {
      let code = 0;
      let message = '';
      for (const e of readFields(fieldMessage(f))) {
        if (e.field === 1) code = fieldVarint(e);
        else if (e.field === 2) message = fieldString(e);
      }
      result = { kind: 'error', code, message };
    }
  }
  return result;
}

/** Encodes a ListServices answer (for tests and for h2doctor's own servers). */
export function encodeListServicesResponse(services: readonly string[]): Uint8Array {
  const list = new ProtobufWriter();
  for (const name of services) list.bytesField(1, new ProtobufWriter().stringField(1, name).finish());
  return new ProtobufWriter().bytesField(6, list.finish()).finish();
}
