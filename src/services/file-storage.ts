/**
 * Where the content of an uploaded file goes: into the database row (`files.data`, the default: one thing to back
 * up) or onto disk under DATA_DIR (`files.path`, for large volumes), as the configuration says (FILE_STORAGE).
 *
 * On disk the path is the content's address, `files/<workspace>/<first two hex digits of the SHA-256>/<SHA-256>`,
 * never anything derived from the user's file name: a name cannot reach outside the folder or overwrite another
 * file, and the same content uploaded twice in a workspace shares one file. A file is written to a temporary name
 * in `files/.tmp` (same file system), flushed, then renamed into place — a rename is atomic, so a failed or
 * interrupted request leaves no half-written file at a content address, and a concurrent upload of the same
 * content renames identical bytes over it. Files are never deleted here: attachments are append-only evidence, and
 * a removed attachment keeps its file. (A database transaction that fails after the write leaves a complete,
 * content-addressed file that no row names yet; the next upload of the same bytes uses it.)
 *
 * Reading back checks that the content has the size the row recorded (and, on disk, lies inside DATA_DIR/files):
 * the response announces that length, and a file that changed behind the application's back is not served.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { FileStorageMode } from '../config.ts';

export type { FileStorageMode } from '../config.ts';

export interface FileStorageOptions {
  readonly mode: FileStorageMode;
  /** DATA_DIR: files go under its `files/` folder. */
  readonly dataDir: string;
  /** The largest file accepted, in bytes. */
  readonly maxBytes: number;
}

/** Where a file's content was put: exactly one of the two (the `files` row's CHECK). */
export interface StoredContent {
  /** Relative to DATA_DIR, with `/` separators. */
  readonly path: string | null;
  readonly data: Buffer | null;
}

/** A stored file as the `files` row describes it. */
export interface StoredFile {
  readonly id: string;
  readonly size: number;
  readonly sha256: string;
  readonly path: string | null;
  readonly data: Buffer | null;
}

export interface FileStorage {
  readonly mode: FileStorageMode;
  readonly maxBytes: number;
  /** Puts the content where the mode says; `sha256` is its hex digest (the caller computed it). */
  save(workspaceId: string, sha256: string, bytes: Uint8Array): Promise<StoredContent>;
  /** The content of a stored file: the bytes from its row, or a stream of the file on disk. */
  read(file: StoredFile): Promise<Buffer | Readable>;
}

/** Stored content that is not where or what its row says: the server's fault (500), never the client's. */
export class StoredFileError extends Error {
  override readonly name = 'StoredFileError';
}

// Workspace ids are made in code (`ws_…`); this only guards the path against a value that is not one.
const SAFE_SEGMENT = /^[A-Za-z0-9_-]{1,100}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The content address of a file, relative to DATA_DIR. */
export function contentPath(workspaceId: string, sha256: string): string {
  if (!SAFE_SEGMENT.test(workspaceId)) throw new StoredFileError(`unsafe workspace id for a path: ${workspaceId}`);
  if (!SHA256_HEX.test(sha256)) throw new StoredFileError('not a SHA-256 hex digest');
  return `files/${workspaceId}/${sha256.slice(0, 2)}/${sha256}`;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    const stats = await stat(path);
    return stats.isFile() ? stats.size : null;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

export function createFileStorage(options: FileStorageOptions): FileStorage {
  const root = resolve(options.dataDir);
  const filesRoot = join(root, 'files');

  /** The absolute path of a stored relative path, refused if it would lead outside DATA_DIR/files. */
  function absolutePath(path: string): string {
    const absolute = resolve(root, ...path.split('/'));
    const inside = relative(filesRoot, absolute);
    if (inside === '' || inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
      throw new StoredFileError(`stored path outside the files folder: ${path}`);
    }
    return absolute;
  }

  async function saveToDisk(workspaceId: string, sha256: string, bytes: Uint8Array): Promise<StoredContent> {
    const path = contentPath(workspaceId, sha256);
    const target = absolutePath(path);
    // The same content is there already (a complete file: only renames put files at content addresses).
    if ((await sizeOf(target)) === bytes.byteLength) return { path, data: null };
    const temporaryFolder = join(filesRoot, '.tmp');
    await mkdir(temporaryFolder, { recursive: true });
    await mkdir(dirname(target), { recursive: true });
    const temporary = join(temporaryFolder, `${sha256}.${randomUUID()}.part`);
    try {
      const handle = await open(temporary, 'wx', 0o640);
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, target);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
    return { path, data: null };
  }

  return {
    mode: options.mode,
    maxBytes: options.maxBytes,
    async save(workspaceId, sha256, bytes) {
      if (options.mode === 'db') {
        return { path: null, data: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
      }
      return saveToDisk(workspaceId, sha256, bytes);
    },
    async read(file) {
      if (file.data !== null) {
        if (file.data.byteLength !== file.size) {
          throw new StoredFileError(`file ${file.id} holds ${file.data.byteLength} bytes, expected ${file.size}`);
        }
        return file.data;
      }
      if (file.path === null) throw new StoredFileError(`file ${file.id} has neither data nor a path`);
      const absolute = absolutePath(file.path);
      const size = await sizeOf(absolute);
      if (size !== file.size) {
        throw new StoredFileError(`file ${file.id} on disk is ${size ?? 'missing'}, expected ${file.size} bytes`);
      }
      return createReadStream(absolute);
    },
  };
}
