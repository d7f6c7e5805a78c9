/**
 * The import graph of the source tree and the checks test/architecture.test.ts runs on it. Kept
 * apart from the test so that the same functions are also run on small synthetic graphs: a
 * check that cannot fail proves nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

/** File (repository-relative, `/`-separated) -> the files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

const SOURCE = /\.tsx?$/;
// Static imports and re-exports (type-only ones too: they tie files together just as much),
// side-effect imports and dynamic imports of relative paths.
const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

export function sourceFiles(root: string, folders: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const folder of folders) walk(folder);
  return out.sort();
}

/** Parses the relative imports of `files`; an import of `x.js` names the source `x.ts(x)`. */
export function importGraph(root: string, files: readonly string[]): ImportGraph {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    const targets = new Set<string>();
    for (const match of text.matchAll(IMPORT)) {
      const spec = relative(root, resolve(root, dirname(file), match[1]!))
        .split('\\')
        .join('/');
      const target = [spec, spec.replace(/\.js$/, '.ts'), spec.replace(/\.js$/, '.tsx')].find(
        (candidate) => known.has(candidate),
      );
      if (target !== undefined) targets.add(target);
    }
    graph.set(file, [...targets].sort());
  }
  return graph;
}

/** File names (without folder) that more than one file has. */
export function duplicateNames(files: readonly string[]): string[] {
  const seen = new Map<string, number>();
  for (const file of files) seen.set(basename(file), (seen.get(basename(file)) ?? 0) + 1);
  return [...seen].filter(([, count]) => count > 1).map(([name]) => name);
}

/** Every import cycle, each as the files along it (first file repeated at the end). */
export function importCycles(graph: ImportGraph): string[][] {
  // Tarjan's strongly connected components; a component of more than one file, or a file that
  // imports itself, holds a cycle. One cycle per component is reported.
  let index = 0;
  const indexOf = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (file: string): void => {
    indexOf.set(file, index);
    low.set(file, index);
    index += 1;
    stack.push(file);
    onStack.add(file);
    for (const next of graph.get(file) ?? []) {
      if (!indexOf.has(next)) {
        visit(next);
        low.set(file, Math.min(low.get(file)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(file, Math.min(low.get(file)!, indexOf.get(next)!));
      }
    }
    if (low.get(file) !== indexOf.get(file)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== file);
    if (component.length > 1 || (graph.get(file) ?? []).includes(file)) {
      cycles.push(cyclePath(graph, new Set(component), file));
    }
  };
  for (const file of graph.keys()) if (!indexOf.has(file)) visit(file);
  return cycles;
}

/** A path from `start` back to itself inside one strongly connected component. */
function cyclePath(graph: ImportGraph, component: ReadonlySet<string>, start: string): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const next of graph.get(file) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const path = [start];
        for (let at = file; at !== start; at = previous.get(at)!) path.splice(1, 0, at);
        return [...path, start];
      }
      if (!previous.has(next)) {
        previous.set(next, file);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

/**
 * The folder a file belongs to for the import rules: `projections` for the pure projections,
 * `src/<folder>` inside src/, and `src/<name>` for a file directly in src/ (config, service).
 */
export function areaOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] !== 'src') return parts[0]!;
  return parts.length > 2 ? `src/${parts[1]}` : `src/${parts[1]!.replace(SOURCE, '')}`;
}

/** Which areas each area may import (its own always); `*` = any. */
export type ImportRules = Readonly<Record<string, readonly string[] | '*'>>;

/** Imports across areas that the rules do not allow, and files in an area without rules. */
export function ruleViolations(graph: ImportGraph, rules: ImportRules): string[] {
  const problems: string[] = [];
  for (const [file, targets] of graph) {
    const from = areaOf(file);
    const allowed = rules[from];
    if (allowed === undefined) {
      problems.push(`${file}: folder ${from} has no import rules (add it to the table)`);
      continue;
    }
    for (const target of targets) {
      const to = areaOf(target);
      if (to !== from && allowed !== '*' && !allowed.includes(to)) {
        problems.push(`${file} imports ${target}: ${from} may not import ${to}`);
      }
    }
  }
  return problems;
}
