// The op-tracing hook: while a recorder is active (ONNX export), ops report their calls to it. Tensor
// methods are wrapped by the recorder itself for the duration of a trace; functional ops with no
// method form (linear, conv2d, layerNorm, ...) start with `if (tracing.active) return traceOp(...)`,
// so with no recorder the cost is one null check.

/** Receives one op call: runs fn (with tracing paused, so nested ops stay invisible) and records it. */
export interface OpRecorder {
  run(op: string, fn: (...args: any[]) => any, self: unknown, args: unknown[]): any;
}

/** The active recorder, or null (the usual case). */
export const tracing: { active: OpRecorder | null } = { active: null };

/** Reports a functional op call to the active recorder (call only when tracing.active is set). */
export function traceOp(op: string, fn: (...args: any[]) => any, args: unknown[]): any {
  return tracing.active!.run(op, fn, undefined, args);
}
