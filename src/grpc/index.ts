/**
 * `h2doctor/grpc`: gRPC over HTTP/2 (grpc/grpc doc/PROTOCOL-HTTP2.md) as pure functions, beside
 * `h2doctor/codec`: length-prefixed messages, request headers and grpc-timeout, response
 * status from headers and trailers, status names and mappings, and the protobuf messages of
 * health checking and server reflection.
 */
export { DEFAULT_MAX_MESSAGE_BYTES, MESSAGE_PREFIX_BYTES, GrpcMessageDecoder, frameMessage } from './message-frame.js';
export type { GrpcMessage, GrpcMessageDecoderOptions } from './message-frame.js';
export { GRPC_CONTENT_TYPE, grpcRequestHeaders, isGrpcContentType } from './request-headers.js';
export type { GrpcRequestHeaderOptions } from './request-headers.js';
export { encodeGrpcTimeout, parseGrpcTimeout } from './timeout.js';
export { percentDecodeGrpcMessage, percentEncodeGrpcMessage } from './percent.js';
export { parseGrpcMethod } from './method.js';
export type { GrpcMethod } from './method.js';
export { GrpcStatus, grpcStatusFromHttpStatus, grpcStatusFromRstCode, grpcStatusName } from './status.js';
export type { GrpcStatusName } from './status.js';
export { assertGrpcOk, grpcCallStatus, headerValue } from './response-status.js';
export type { GrpcCallStatus, GrpcHeaders } from './response-status.js';
export { ProtobufWriter, WireType, fieldMessage, fieldString, fieldVarint, readFields, readVarint } from './protobuf-wire.js';
export type { ProtobufField } from './protobuf-wire.js';
export {
  HEALTH_CHECK_METHOD,
  HEALTH_WATCH_METHOD,
  ServingStatus,
  decodeHealthCheckRequest,
  decodeHealthCheckResponse,
  encodeHealthCheckRequest,
  encodeHealthCheckResponse,
  servingStatusName,
} from './health.js';
export type { ServingStatusName } from './health.js';
export {
  REFLECTION_V1ALPHA_METHOD,
  REFLECTION_V1_METHOD,
  decodeListServicesResponse,
  encodeListServicesRequest,
  encodeListServicesResponse,
} from './reflection.js';
export type { ListServicesResult } from './reflection.js';
export { GrpcFramingError, GrpcMessageTooLargeError, GrpcStatusError, NotGrpcError, ProtobufDecodeError } from '../errors.js';
