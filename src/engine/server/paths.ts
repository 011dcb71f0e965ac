/**
 * Resolution of client-supplied paths inside the served root. A path is relative to the root,
 * uses '/' separators, has no '..' segment (also after URL-decoding), is not absolute, and its real
 * path (symlinks resolved) stays inside the root's real path. Anything else is FORBIDDEN.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { EngineError } from '../errors.js';

export interface ResolveOptions {
  /** The file must exist (default true). When false, its parent directory must exist. */
  mustExist?: boolean;
}

function forbidden(rel: string, why: string): EngineError {
  return new EngineError('FORBIDDEN', `path '${rel}' is not allowed: ${why}`);
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Checks the shape of a relative path without touching the disk; returns it normalized. */
export function checkRelativePath(rel: unknown): string {
  if (typeof rel !== 'string' || rel.length === 0) {
    throw new EngineError('BAD_INPUT', `path: got ${rel === '' ? 'an empty string' : typeof rel}, expected a path relative to the served root`);
  }
  if (rel.includes('\0')) throw forbidden(rel, 'contains a NUL byte');
  if (rel.includes('\\')) throw forbidden(rel, "contains a backslash; use '/' separators");
  // Decode repeatedly so that %2e%2e%2f, %252e%252e%252f, ... are seen as what they may become.
  let decoded = rel;
  for (let i = 0; i < 3; i++) {
    const next = safeDecode(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  for (const form of [rel, decoded]) {
    if (form.startsWith('/') || form.startsWith('\\') || path.isAbsolute(form) || /^[a-zA-Z]:/.test(form) || form.startsWith('~')) {
      throw forbidden(rel, 'absolute paths are refused; give a path relative to the served root');
    }
    if (form.split(/[\\/]/).includes('..')) {
      throw forbidden(rel, "'..' is refused; give a path inside the served root");
    }
  }
  return path.posix.normalize(rel);
}

function inside(root: string, p: string): boolean {
  return p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);
}

/** A root directory with its real path, to resolve client paths against. */
export class RootDir {
  private constructor(readonly dir: string) {}

  static async open(dir: string): Promise<RootDir> {
    let real: string;
    try {
      real = await fs.realpath(dir);
    } catch {
      throw new EngineError('NOT_FOUND', `root directory '${dir}' does not exist`);
    }
    const st = await fs.stat(real);
    if (!st.isDirectory()) throw new EngineError('BAD_INPUT', `root '${dir}' is not a directory`);
    return new RootDir(real);
  }

  /**
   * `joined`'s directory resolved to its real path (it must exist, inside the root) + its own name,
   * which must not be a symbolic link (`linkWhy` says so).
   */
  private async inRealParent(norm: string, joined: string, linkWhy: string): Promise<string> {
    let parent: string;
    try {
      parent = await fs.realpath(path.dirname(joined));
    } catch {
      throw new EngineError('NOT_FOUND', `directory '${path.posix.dirname(norm)}' does not exist in the served root`);
    }
    if (!inside(this.dir, parent)) throw forbidden(norm, 'its directory is a link that leads outside the served root');
    const abs = path.join(parent, path.basename(joined));
    const lst = await fs.lstat(abs).catch(() => null);
    if (lst?.isSymbolicLink()) throw forbidden(norm, linkWhy);
    return abs;
  }

  /** Absolute, real path of `rel` inside the root; FORBIDDEN / NOT_FOUND otherwise. */
  async resolve(rel: unknown, options: ResolveOptions = {}): Promise<string> {
    const mustExist = options.mustExist ?? true;
    const norm = checkRelativePath(rel);
    const joined = path.join(this.dir, norm);
    if (!inside(this.dir, joined)) throw forbidden(norm, 'outside the served root');
    let real: string;
    try {
      real = await fs.realpath(joined);
    } catch {
      if (mustExist) throw new EngineError('NOT_FOUND', `'${norm}' does not exist in the served root`);
      // A file to be created. A dangling symlink at the target would be followed by nothing (rename
      // replaces the link), but it is refused anyway: it can only be a trick.
      return this.inRealParent(norm, joined, 'it is a symbolic link');
    }
    if (!inside(this.dir, real)) throw forbidden(norm, 'it is a link that leads outside the served root');
    return real;
  }

  /**
   * Absolute path to WRITE `rel` to: its directory's real path (inside the root) + its own name. The
   * name itself is never followed: a symbolic link there is FORBIDDEN (util/output-path then checks
   * the rest: not a directory/device/FIFO, the extension of the real target, not an input).
   */
  async resolveOutput(rel: unknown): Promise<string> {
    const norm = checkRelativePath(rel);
    const joined = path.join(this.dir, norm);
    if (!inside(this.dir, joined) || joined === this.dir) throw forbidden(norm, 'outside the served root');
    return this.inRealParent(norm, joined, 'it is a symbolic link: an export never writes through a link');
  }

  /** `message` with every absolute path under the root shown relative to it (errors never reveal the root). */
  redact(message: string): string {
    return message.split(this.dir + path.sep).join('').split(this.dir).join('.');
  }

  /** The path of an absolute path inside the root, relative to it with '/' separators. */
  relative(abs: string): string {
    return path.relative(this.dir, abs).split(path.sep).join('/');
  }
}
