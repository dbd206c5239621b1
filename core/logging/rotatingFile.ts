import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

export interface RotatingFileOptions {
  file: string;
  maxBytes: number;
  /** Rotated files kept beside the current one: integrator.1.log (newest) ... integrator.N.log. */
  maxFiles: number;
}

/** A synchronous, size-rotated log file: nothing is lost on a crash between a line and its write. */
export class RotatingFile extends Writable {
  private fd: number;
  private size: number;

  constructor(private readonly options: RotatingFileOptions) {
    super({ decodeStrings: false });
    fs.mkdirSync(path.dirname(options.file), { recursive: true });
    this.fd = fs.openSync(options.file, 'a', 0o600);
    this.size = fs.fstatSync(this.fd).size;
  }

  static rotatedName(file: string, n: number): string {
    const ext = path.extname(file);
    return `${file.slice(0, file.length - ext.length)}.${n}${ext}`;
  }

  /** The current file and its rotated copies that exist, newest first. */
  static files(file: string, maxFiles = 100): string[] {
    const out = fs.existsSync(file) ? [file] : [];
    for (let n = 1; n <= maxFiles; n++) {
      const f = RotatingFile.rotatedName(file, n);
      if (!fs.existsSync(f)) break;
      out.push(f);
    }
    return out;
  }

  writeLine(chunk: string | Buffer): void {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    if (this.size + buf.length > this.options.maxBytes && this.size > 0) this.rotate();
    fs.writeSync(this.fd, buf);
    this.size += buf.length;
  }

  override _write(chunk: string | Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    try {
      this.writeLine(chunk);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  private rotate(): void {
    fs.closeSync(this.fd);
    const { file, maxFiles } = this.options;
    fs.rmSync(RotatingFile.rotatedName(file, maxFiles), { force: true });
    for (let n = maxFiles - 1; n >= 1; n--) {
      const from = RotatingFile.rotatedName(file, n);
      if (fs.existsSync(from)) fs.renameSync(from, RotatingFile.rotatedName(file, n + 1));
    }
    fs.renameSync(file, RotatingFile.rotatedName(file, 1));
    this.fd = fs.openSync(file, 'a', 0o600);
    this.size = 0;
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      fs.closeSync(this.fd);
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }
}
