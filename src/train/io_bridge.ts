// The slice of the io module (safetensors files, checkpoints, TensorBoard) that the training
// callbacks use. train does not import io directly, so it builds with or without it: the io module
// registers itself with setIo() (src/index.ts does it once io is part of the build), or a program can
// pass its own implementation. Without one, the callbacks that need it throw a clear error.
import type { Tensor } from '../tensor';

/** What ModelCheckpoint and TensorBoardCallback need from nr.io. */
export interface TrainIo {
  save(path: string, stateDict: Record<string, Tensor>): void;
  saveCheckpoint?(path: string, state: Record<string, unknown>): void;
  SummaryWriter?: new (logDir?: string, opts?: any) => {
    addScalar(tag: string, value: number, step?: number): void;
    flush(): void;
    close(): void;
  };
}

let current: TrainIo | null = null;

/** Registers the io implementation the callbacks use (nr.io once merged); null unregisters it. */
export function setIo(io: TrainIo | null): void {
  if (io !== null && (typeof io !== 'object' || typeof (io as any).save !== 'function')) {
    throw new TypeError('train.setIo: expected an object with a save(path, stateDict) function (e.g. nr.io)');
  }
  current = io;
}

/** The registered io implementation, or a "not implemented" error naming what needs it. */
export function requireIo(what: string, member: keyof TrainIo = 'save'): TrainIo {
  if (!current || !(current as any)[member]) {
    throw new Error(`${what}: not implemented in this build: it needs io.${String(member)} (safetensors/TensorBoard io module); ` +
      'register one with nr.train.setIo(nr.io) or pass your own implementation');
  }
  return current;
}
