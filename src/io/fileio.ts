// File helpers shared by the io module: complete reads and writes (the fs calls may transfer fewer
// bytes than asked, and refuse more than 2 GiB at once), and atomic replacement of a file (write a
// temporary file in the same directory, fsync it, rename it over the target, fsync the directory),
// so a crash at any moment leaves either the old file or the complete new one, never a torn file.
import * as fs from 'fs';
import * as path from 'path';
import { randomBytes } from 'crypto';

/** Largest single read/write handed to the OS (Node refuses lengths of 2 GiB and more). */
const CHUNK = 1 << 30;

/** Writes all of `data` at `position` (or at the current file position when null). */
export function writeFully(fd: number, data: Uint8Array, position: number | null = null): void {
  let done = 0;
  while (done < data.length) {
    const n = fs.writeSync(fd, data, done, Math.min(CHUNK, data.length - done), position === null ? null : position + done);
    if (n <= 0) throw new Error(`write returned ${n} after ${done} of ${data.length} bytes`);
    done += n;
  }
}

/**
 * Fills `into` from the file at `position`. Throws (with `what` in the message) when the file ends
 * first, e.g. because it was truncated after its size was checked.
 */
export function readFully(fd: number, into: Uint8Array, position: number, what: string): void {
  let done = 0;
  while (done < into.length) {
    const n = fs.readSync(fd, into, done, Math.min(CHUNK, into.length - done), position + done);
    if (n === 0) throw new Error(`${what}: the file ended after ${position + done} bytes while reading ${into.length} bytes at offset ${position} (was it truncated while being read?)`);
    done += n;
  }
}

/** fsync of a directory, so a rename inside it is durable. Some platforms (Windows) cannot; ignored there. */
function fsyncDir(dir: string): void {
  let fd: number | null = null;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!['EISDIR', 'EPERM', 'EINVAL', 'EBADF', 'EACCES', 'ENOTSUP'].includes(code ?? '')) throw e;
  } finally {
    if (fd !== null) fs.closeSync(fd);
  }
}

/** The name used for the temporary file while `target` is being replaced (same directory, hidden). */
export function tempPathFor(target: string): string {
  const abs = path.resolve(target);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * Replaces `target` atomically with what `write(fd)` writes into a fresh temporary file next to it.
 * On any error the temporary file is removed and `target` is left as it was.
 */
export function writeFileAtomic(target: string, write: (fd: number) => void): void {
  const abs = path.resolve(target);
  const tmp = tempPathFor(abs);
  const fd = fs.openSync(tmp, 'wx', 0o644);
  let ok = false;
  try {
    write(fd);
    fs.fsyncSync(fd);
    ok = true;
  } finally {
    fs.closeSync(fd);
    if (!ok) fs.rmSync(tmp, { force: true });
  }
  try {
    fs.renameSync(tmp, abs);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fsyncDir(path.dirname(abs));
}
