/**
 * The `grpc_code` label value of a status, as go-grpc-prometheus writes it: grpc-go's
 * `codes.Code.String()` (`OK`, `Canceled`, `NotFound`, `Unavailable`…), not the
 * upper-snake names of gRPC's doc/statuscodes.md. Dashboards and alert rules written for
 * go-grpc-prometheus match on these strings (`grpc_code="Unavailable"`), so h2doctor's client
 * and server metrics use them too.
 */
const labels = [
  'OK', 'Canceled', 'Unknown', 'InvalidArgument', 'DeadlineExceeded', 'NotFound', 'AlreadyExists',
  'PermissionDenied', 'ResourceExhausted', 'FailedPrecondition', 'Aborted', 'OutOfRange',
  'Unimplemented', 'Internal', 'Unavailable', 'DataLoss', 'Unauthenticated',
] as const;

export type GrpcCodeLabel = (typeof labels)[number];

/** Codes outside 0–16 are `Unknown`, as gRPC clients read them. */
export function grpcCodeLabel(code: number): GrpcCodeLabel {
  return labels[code] ?? 'Unknown';
}

/** Number of status codes gRPC defines (0–16). */
export const GRPC_CODE_COUNT = labels.length;
