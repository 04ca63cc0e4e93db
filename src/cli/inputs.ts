/**
 * Inputs -> the list of files to process. A folder gives all its (non-hidden) files: a file that is
 * not an image is reported as such rather than skipped silently. A glob gives what it matches.
 * (Node 20 has no fs.glob; tinyglobby does the matching.)
 */
import fs from 'node:fs';
import path from 'node:path';
import { glob, isDynamicPattern } from 'tinyglobby';

export interface InputFailure {
  file: string;
  reason: string;
}

export interface ExpandedInputs {
  /** paths as the user would write them (relative ones stay relative), in input order, without duplicates */
  files: string[];
  /** inputs that gave nothing: missing paths, patterns with no match, empty or unreadable folders */
  failures: InputFailure[];
}

const collator = new Intl.Collator(undefined, { numeric: true });
const byName = (a: string, b: string) => collator.compare(a, b);

function listFolder(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(dir, { withFileTypes: true }).filter((e) => !e.name.startsWith('.'));
  entries.sort((a, b) => byName(a.name, b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    let isDir = e.isDirectory();
    let isFile = e.isFile();
    if (e.isSymbolicLink()) {
      try {
        const st = fs.statSync(p);
        isDir = st.isDirectory();
        isFile = st.isFile();
      } catch {
        isFile = true; // a dangling link: let the reader report it
      }
    }
    if (isFile) out.push(p);
    else if (isDir && recursive) out.push(...listFolder(p, recursive));
  }
  return out;
}

function errorReason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'no such file or folder';
    case 'EACCES':
    case 'EPERM': return 'permission denied';
    default: return err.message;
  }
}

export async function expandInputs(inputs: string[], recursive: boolean): Promise<ExpandedInputs> {
  const files: string[] = [];
  const failures: InputFailure[] = [];
  const seen = new Set<string>();
  const add = (f: string) => {
    const key = path.resolve(f);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(f);
  };
  for (const input of inputs) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(input);
    } catch (e) {
      if (!isDynamicPattern(input)) {
        // a missing file is reported where it would have been processed, like any other bad file
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') add(input);
        else failures.push({ file: input, reason: errorReason(e) });
        continue;
      }
    }
    if (st?.isDirectory()) {
      let list: string[];
      try {
        list = listFolder(input, recursive);
      } catch (e) {
        failures.push({ file: input, reason: errorReason(e) });
        continue;
      }
      if (list.length === 0) failures.push({ file: input, reason: recursive ? 'folder has no files' : 'folder has no files (subfolders need --recursive)' });
      list.forEach(add);
    } else if (st) {
      add(input);
    } else {
      // tinyglobby gives paths relative to cwd unless asked for absolute ones: keep the pattern's kind
      const matches = await glob(input, { onlyFiles: true, dot: false, expandDirectories: false, absolute: path.isAbsolute(input) });
      if (matches.length === 0) failures.push({ file: input, reason: 'no file matches this pattern' });
      matches.sort(byName).forEach(add);
    }
  }
  return { files, failures };
}
