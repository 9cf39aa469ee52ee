/**
 * The one guarded reader for every uploaded zip container: .docx now, .xlsx and other Office packages later. It
 * lists a container's entries and inflates the parts a reader asks for, or checks a whole container before it is
 * handed to another library (exceljs unzips with JSZip, which trusts what the container declares).
 *
 * A zip's central directory and local headers are written by whoever sent the file, so nothing they declare about
 * sizes is believed: a part is inflated as a stream, and the bytes it actually produces are counted against hard
 * caps per part, per container and on the compression ratio. A decompression bomb (a small file that inflates to
 * gigabytes, its declared sizes small) is refused after inflating at most a few megabytes past the cap, never
 * all of it. The directory itself is bounded too: the number of entries and the length of their names.
 * (等保 2.0 level 3, 入侵防范 and 资源控制: input that would exhaust memory or CPU is refused early.)
 */
import { Inflate } from 'fflate';
import { ImportError } from '../errors.ts';

/** The limits a container is read within; a reader may narrow or widen them for its format. */
export interface ZipLimits {
  /** Entries in the central directory. */
  readonly maxEntries: number;
  /** Bytes in one entry's name. */
  readonly maxNameBytes: number;
  /** Inflated bytes of one part. A read may ask for less ({@link ZipReadOptions.maxBytes}). */
  readonly maxPartBytes: number;
  /** Inflated bytes of all the parts read from one container together (each read or check counts). */
  readonly maxTotalBytes: number;
  /** Inflated bytes per compressed byte, checked once a part has inflated past `ratioGraceBytes`. */
  readonly maxRatio: number;
  /** A part may inflate this much before its ratio is checked: small parts of any ratio are harmless. */
  readonly ratioGraceBytes: number;
}

const MIB = 1024 * 1024;

/**
 * Limits fit for an uploaded Office document. A real plan's document.xml is a few megabytes and compresses 5–20
 * fold (repetitive markup rarely beyond 50); a deflate bomb is about 1000-fold, the most deflate can do. The ratio
 * of 100 is Apache POI's (ZipSecureFile), long used against bombs in uploaded Office files.
 */
export const DEFAULT_ZIP_LIMITS: ZipLimits = Object.freeze({
  maxEntries: 10_000,
  maxNameBytes: 1024,
  maxPartBytes: 128 * MIB,
  maxTotalBytes: 256 * MIB,
  maxRatio: 100,
  ratioGraceBytes: 1 * MIB,
});

/** How a container's refusals are worded: its format's name, and the error for a damaged file. */
export interface ZipFormat {
  /** The format as the messages name it, Chinese and English: { zh: 'Word 文档', en: '.docx' }. */
  readonly name: { readonly zh: string; readonly en: string };
  /** The error for a container that is damaged or not a zip (each format has its own code and words). */
  readonly corrupt: () => ImportError;
}

export interface ZipEntry {
  readonly name: string;
  /** 0 stored, 8 deflated: the only methods Office writes (others are refused as damage). */
  readonly method: 0 | 8;
  readonly compressedSize: number;
  /** The size the central directory declares: compared after inflation, never used to bound it. */
  readonly declaredSize: number;
}

export interface ZipReadOptions {
  /** A tighter cap than the container's `maxPartBytes` for this part (a relationships part is kilobytes). */
  readonly maxBytes?: number;
}

/** An opened container: its entries listed and checked, its parts inflated on demand within the limits. */
export interface ZipContainer {
  /** The entries in central-directory order. Names are unique (a duplicate is refused as damage). */
  readonly entries: readonly ZipEntry[];
  has(name: string): boolean;
  /**
   * Inflates one part within the limits.
   * @throws {ImportError} `resource-limit` past a limit; the format's corrupt error for a missing or damaged part.
   */
  read(name: string, options?: ZipReadOptions): Uint8Array;
  /**
   * Inflates every part (discarding the bytes) within the limits, and checks each against its declared size, so
   * that a library that trusts the declarations can be given the container afterwards.
   */
  validate(): void;
  /** Bytes inflated from this container so far: never more than `maxTotalBytes` plus one step of inflation. */
  readonly inflatedBytes: number;
}

/**
 * Compressed bytes fed to the inflater at a time. Deflate expands at most about 1032-fold, so one step produces at
 * most ~8 MB: the overshoot past a cap, and the memory a bomb gets before it is refused.
 */
const INFLATE_STEP = 8 * 1024;

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_EOCD_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_HEADER_SIGNATURE = 0x02014b50;
const LOCAL_HEADER_SIGNATURE = 0x04034b50;
const ZIP64_EXTRA_ID = 0x0001;
const UINT32_MAX = 0xffffffff;

interface LocatedEntry extends ZipEntry {
  readonly nameBytes: Uint8Array;
  readonly localHeaderOffset: number;
  /** Where the compressed data starts and ends, from the local header's own field lengths. */
  dataStart: number;
  dataEnd: number;
}

/**
 * Opens a zip container: finds and reads its central directory, checks the number of entries, their names and
 * where their data lies, and inflates nothing yet.
 *
 * @example
 * const zip = openZipContainer(bytes, DOCX_FORMAT);
 * zip.has('word/document.xml'); // true
 * const xml = zip.read('word/document.xml'); // the inflated part, at most 128 MB
 * @throws {ImportError} `resource-limit` for too many entries or too long a name; `format.corrupt()` for damage.
 */
export function openZipContainer(bytes: Uint8Array, format: ZipFormat, limits: Partial<ZipLimits> = {}): ZipContainer {
  const fullLimits: ZipLimits = { ...DEFAULT_ZIP_LIMITS, ...limits };
  const entries = readCentralDirectory(bytes, format, fullLimits);
  return new GuardedZip(bytes, entries, format, fullLimits);
}

class GuardedZip implements ZipContainer {
  readonly entries: readonly ZipEntry[];
  private readonly byName: ReadonlyMap<string, LocatedEntry>;
  private inflated = 0;

  constructor(
    private readonly bytes: Uint8Array,
    entries: readonly LocatedEntry[],
    private readonly format: ZipFormat,
    private readonly limits: ZipLimits,
  ) {
    this.entries = entries.map(({ name, method, compressedSize, declaredSize }) => ({
      name,
      method,
      compressedSize,
      declaredSize,
    }));
    this.byName = new Map(entries.map((entry) => [entry.name, entry]));
  }

  get inflatedBytes(): number {
    return this.inflated;
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  read(name: string, options: ZipReadOptions = {}): Uint8Array {
    const entry = this.byName.get(name);
    if (entry === undefined) throw this.format.corrupt();
    const chunks: Uint8Array[] = [];
    const size = this.inflate(entry, options.maxBytes, (chunk) => chunks.push(chunk));
    if (chunks.length === 1 && chunks[0]?.length === size) return chunks[0];
    const part = new Uint8Array(size);
    let at = 0;
    for (const chunk of chunks) {
      part.set(chunk, at);
      at += chunk.length;
    }
    return part;
  }

  validate(): void {
    for (const entry of this.byName.values()) this.inflate(entry, undefined, () => undefined);
  }

  /** Inflates one entry as a stream, handing each piece to `sink`; returns the inflated size. */
  private inflate(entry: LocatedEntry, maxBytes: number | undefined, sink: (chunk: Uint8Array) => void): number {
    const partCap = Math.min(maxBytes ?? Infinity, this.limits.maxPartBytes);
    const data = this.bytes.subarray(entry.dataStart, entry.dataEnd);
    let size = 0;
    let consumed = 0;
    const take = (chunk: Uint8Array) => {
      size += chunk.length;
      this.inflated += chunk.length;
      // Checked on the bytes really produced, after every step: declared sizes play no part in it.
      if (size > partCap) throw this.overLimit('part', partCap);
      if (this.inflated > this.limits.maxTotalBytes) throw this.overLimit('total', this.limits.maxTotalBytes);
      if (size > this.limits.ratioGraceBytes && size > consumed * this.limits.maxRatio) {
        throw this.overLimit('ratio', this.limits.maxRatio);
      }
      if (chunk.length > 0) sink(chunk);
    };

    if (entry.method === 0) {
      for (let at = 0; at < data.length; at += INFLATE_STEP) {
        const piece = data.subarray(at, Math.min(at + INFLATE_STEP, data.length));
        consumed += piece.length;
        take(piece);
      }
    } else {
      const inflater = new Inflate((chunk) => take(chunk));
      try {
        if (data.length === 0) inflater.push(data, true);
        for (let at = 0; at < data.length; at += INFLATE_STEP) {
          const end = Math.min(at + INFLATE_STEP, data.length);
          consumed = end;
          inflater.push(data.subarray(at, end), end === data.length);
        }
      } catch (error) {
        if (error instanceof ImportError) throw error;
        throw this.format.corrupt(); // invalid deflate data, or a stream that ends before its last block
      }
    }
    // A part that inflates to other than it declares was altered or damaged; a library given the container later
    // would trust the declaration.
    if (size !== entry.declaredSize) throw this.format.corrupt();
    return size;
  }

  private overLimit(kind: 'part' | 'total' | 'ratio', limit: number): ImportError {
    const { zh, en } = this.format.name;
    const mb = Math.round(limit / MIB);
    const [chinese, english] =
      kind === 'part'
        ? [`${zh}中有部件解压后超过 ${mb} MB 的上限`, `a part of the ${en} inflates to more than ${mb} MB`]
        : kind === 'total'
          ? [`${zh}解压后合计超过 ${mb} MB 的上限`, `the ${en} inflates to more than ${mb} MB in all`]
          : [`${zh}中有部件的压缩比超过 ${limit} 倍`, `a part of the ${en} inflates more than ${limit}-fold`];
    return new ImportError(
      'resource-limit',
      `${chinese}，疑为压缩炸弹，已拒绝（${english}: a decompression bomb? refused）`,
    );
  }
}

/** Reads and checks the central directory: the entries, their names, and where each one's data lies. */
function readCentralDirectory(bytes: Uint8Array, format: ZipFormat, limits: ZipLimits): LocatedEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const corrupt = format.corrupt;
  const u16 = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at, true) : fail());
  const u32 = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at, true) : fail());
  const u64 = (at: number) => {
    const value = u32(at) + u32(at + 4) * 2 ** 32;
    return Number.isSafeInteger(value) ? value : fail();
  };
  function fail(): never {
    throw corrupt();
  }

  // The end-of-central-directory record: the last one, within the 64 KB a zip comment may take after it (JSZip
  // and fflate pick the same one, so a container checked here is the one they read).
  let eocd = -1;
  for (let at = bytes.length - 22; at >= 0 && at >= bytes.length - 22 - 0xffff; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail();
  let count = u16(eocd + 10);
  let directorySize = u32(eocd + 12);
  let directoryOffset = u32(eocd + 16);
  if (count === 0xffff || directorySize === UINT32_MAX || directoryOffset === UINT32_MAX) {
    // ZIP64: the real values are in the zip64 end record, which a locator just before this record points to.
    const locator = eocd - 20;
    if (locator < 0 || u32(locator) !== ZIP64_EOCD_LOCATOR_SIGNATURE) fail();
    const record = u64(locator + 8);
    if (u32(record) !== ZIP64_EOCD_SIGNATURE) fail();
    count = u64(record + 32);
    directorySize = u64(record + 40);
    directoryOffset = u64(record + 48);
  }
  if (count > limits.maxEntries) {
    const { zh, en } = format.name;
    throw new ImportError(
      'resource-limit',
      `${zh}包含超过 ${limits.maxEntries} 个部件，已拒绝（the ${en} holds more than ${limits.maxEntries} entries: refused）`,
    );
  }
  if (directoryOffset + directorySize > eocd) fail();

  const entries: LocatedEntry[] = [];
  const names = new Set<string>();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > directoryOffset + directorySize || u32(at) !== CENTRAL_HEADER_SIGNATURE) fail();
    const flags = u16(at + 8);
    const method = u16(at + 10);
    let compressedSize = u32(at + 20);
    let declaredSize = u32(at + 24);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    let localHeaderOffset = u32(at + 42);
    if (nameLength > limits.maxNameBytes) {
      const { zh, en } = format.name;
      throw new ImportError(
        'resource-limit',
        `${zh}中有部件名称超过 ${limits.maxNameBytes} 字节，已拒绝（an entry name in the ${en} is longer than ${limits.maxNameBytes} bytes: refused）`,
      );
    }
    const next = at + 46 + nameLength + extraLength + commentLength;
    if (next > directoryOffset + directorySize) fail();
    // Encrypted entries (bit 0) and methods other than stored and deflated do not occur in Office files.
    if ((flags & 1) !== 0 || (method !== 0 && method !== 8)) fail();

    const nameBytes = bytes.subarray(at + 46, at + 46 + nameLength);
    if (compressedSize === UINT32_MAX || declaredSize === UINT32_MAX || localHeaderOffset === UINT32_MAX) {
      // The zip64 extended information: the 8-byte values present, in this order, for the fields set to 0xFFFFFFFF.
      const zip64 = findExtraField(bytes.subarray(at + 46 + nameLength, at + 46 + nameLength + extraLength));
      if (zip64 === undefined) fail();
      const extraView = new DataView(zip64.buffer, zip64.byteOffset, zip64.byteLength);
      let field = 0;
      const read64 = () => {
        if (field + 8 > zip64.length) fail();
        const value = extraView.getUint32(field, true) + extraView.getUint32(field + 4, true) * 2 ** 32;
        field += 8;
        return Number.isSafeInteger(value) ? value : fail();
      };
      if (declaredSize === UINT32_MAX) declaredSize = read64();
      if (compressedSize === UINT32_MAX) compressedSize = read64();
      if (localHeaderOffset === UINT32_MAX) localHeaderOffset = read64();
    }
    // Bit 11: the name is UTF-8; otherwise it is in the old DOS code page, of which Office writes only ASCII.
    const name = new TextDecoder((flags & 0x800) !== 0 ? 'utf-8' : 'latin1').decode(nameBytes);
    // Two entries of one name are read differently by different libraries (the first or the last wins).
    if (names.has(name)) fail();
    names.add(name);
    entries.push({
      name,
      nameBytes,
      method: method === 0 ? 0 : 8,
      compressedSize,
      declaredSize,
      localHeaderOffset,
      dataStart: 0,
      dataEnd: 0,
    });
    at = next;
  }

  // Each entry's data starts after its local header, whose name must be the directory's. Entries must not overlap:
  // overlapping entries let a bomb inflate the same compressed bytes once per entry.
  const byOffset = [...entries].sort((a, b) => a.localHeaderOffset - b.localHeaderOffset);
  let previousEnd = 0;
  for (const entry of byOffset) {
    const header = entry.localHeaderOffset;
    if (header < previousEnd || header + 30 > directoryOffset || u32(header) !== LOCAL_HEADER_SIGNATURE) fail();
    const nameLength = u16(header + 26);
    const extraLength = u16(header + 28);
    const localName = bytes.subarray(header + 30, header + 30 + nameLength);
    if (!sameBytes(localName, entry.nameBytes)) fail();
    entry.dataStart = header + 30 + nameLength + extraLength;
    entry.dataEnd = entry.dataStart + entry.compressedSize;
    if (entry.dataEnd > directoryOffset) fail();
    previousEnd = entry.dataEnd;
  }
  return entries;
}

/** The zip64 extended-information field of an extra-field block, or undefined. */
function findExtraField(extra: Uint8Array): Uint8Array | undefined {
  const view = new DataView(extra.buffer, extra.byteOffset, extra.byteLength);
  for (let at = 0; at + 4 <= extra.length;) {
    const id = view.getUint16(at, true);
    const size = view.getUint16(at + 2, true);
    if (at + 4 + size > extra.length) return undefined;
    if (id === ZIP64_EXTRA_ID) return extra.subarray(at + 4, at + 4 + size);
    at += 4 + size;
  }
  return undefined;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
