/**
 * `deno task layers`: checks that imports only run down the layers of `src/` and that no files
 * import each other in a cycle. The layers, top to bottom ({@linkcode LAYERS}):
 *
 * ```text
 * main.ts → cli → ledger, pipeline → sources, vault → config → report → common
 * ```
 *
 * A file may import its own folder and any folder below it, with one narrowing: `ledger` reaches
 * into `sources` only for the legacy error-log format (`sources/error_log/`), which it imports and
 * exports. Folders of the same rank may not import each other. Every import counts, type-only ones too: a type that runs up the layers is a design
 * dependency all the same. The graph is read with a regex over the relative `import`/`export … from`
 * specifiers and `import("…")` calls of every `.ts` file under `src/` and `main.ts`; package imports
 * (`npm:`, `node:`, bare names) are not part of the layering.
 *
 * Exits 1 and prints one line per problem when there is any; 0 otherwise.
 *
 * @module
 */
import { dirname, join, normalize, relative, resolve } from "node:path";

/** Rank of each top-level folder of `src/` (higher may import lower). `main.ts` is above them all. */
export const LAYERS: Readonly<Record<string, number>> = {
  cli: 6,
  ledger: 5,
  pipeline: 5,
  sources: 4,
  vault: 4,
  config: 3,
  report: 2,
  common: 1,
};

/** Downward imports narrowed to one part of the lower folder: `from` may import `to` only under `only`. */
export const NARROWED: readonly { from: string; to: string; only: string }[] = [
  { from: "ledger", to: "sources", only: "src/sources/error_log/" },
];

const MAIN_RANK = 7;

/** One import of the graph, as paths relative to the root (`src/cli/main.ts`). */
export interface ImportEdge {
  /** The importing file. */
  from: string;
  /** The imported file. */
  to: string;
}

/** Every `.ts` file under `root/src` plus `root/main.ts` (when present), relative to `root`. */
export async function sourceFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(join(root, dir))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && entry.name.endsWith(".ts")) files.push(path);
    }
  };
  await walk("src");
  try {
    if ((await Deno.stat(join(root, "main.ts"))).isFile) files.push("main.ts");
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return files.sort();
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\b[^;'"]*?\bfrom\s*["']([^"']+)["']|\bimport\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** The relative imports of `text` (the source of `file`), resolved to root-relative paths. */
export function importsOf(file: string, text: string): string[] {
  // comments may show imports in examples: they are not part of the graph
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out = new Set<string>();
  for (const m of code.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (!spec.startsWith("./") && !spec.startsWith("../")) continue;
    out.add(normalize(join(dirname(file), spec)).replaceAll("\\", "/"));
  }
  return [...out];
}

/** The rank of a root-relative path: `main.ts`, a layer folder of `src/`, or `undefined`. */
export function rankOf(path: string): number | undefined {
  if (path === "main.ts") return MAIN_RANK;
  const [top, folder] = path.split("/");
  return top === "src" ? LAYERS[folder] : undefined;
}

function folderOf(path: string): string {
  return path === "main.ts" ? "main.ts" : path.split("/")[1];
}

/** The problem with one import, if any: a layer the importer may not reach. */
export function layerProblem(edge: ImportEdge): string | undefined {
  const from = rankOf(edge.from);
  const to = rankOf(edge.to);
  if (from === undefined) return undefined;
  if (to === undefined) {
    return edge.to.startsWith("src/") || edge.to === "main.ts"
      ? `${edge.from} imports ${edge.to}, which is in no layer`
      : `${edge.from} imports ${edge.to}, outside src/`;
  }
  if (folderOf(edge.from) === folderOf(edge.to)) return undefined;
  if (to < from) {
    const narrowed = NARROWED.find((n) => n.from === folderOf(edge.from) && n.to === folderOf(edge.to));
    return narrowed && !edge.to.startsWith(narrowed.only)
      ? `${edge.from} imports ${edge.to}: ${narrowed.from} may import ${narrowed.to} only under ${narrowed.only}`
      : undefined;
  }
  if (to === from) {
    return `${edge.from} imports ${edge.to}: ${folderOf(edge.from)} and ${
      folderOf(edge.to)
    } are the same layer`;
  }
  return `${edge.from} imports ${edge.to}: ${folderOf(edge.to)} is above ${folderOf(edge.from)}`;
}

/** The import cycles of the graph (strongly connected components of two or more files, or self-imports). */
export function cycles(edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let counter = 0;
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (next.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of [...next.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

/** Every layering problem and cycle of the tree at `root`, one line each (empty = clean). */
export async function checkLayers(root: string): Promise<string[]> {
  const edges: ImportEdge[] = [];
  for (const file of await sourceFiles(root)) {
    const text = await Deno.readTextFile(join(root, file));
    for (const to of importsOf(file, text)) edges.push({ from: file, to });
  }
  const problems = edges.map(layerProblem).filter((p): p is string => p !== undefined);
  for (const cycle of cycles(edges)) problems.push(`import cycle: ${cycle.join(" ↔ ")}`);
  return problems;
}

if (import.meta.main) {
  const root = resolve(Deno.args[0] ?? join(dirname(new URL(import.meta.url).pathname), ".."));
  const problems = await checkLayers(root);
  const stderr = new TextEncoder();
  for (const p of problems) Deno.stderr.writeSync(stderr.encode(`error: ${p}\n`));
  if (problems.length > 0) Deno.exit(1);
  Deno.stderr.writeSync(stderr.encode(`layers: ok (${relative(Deno.cwd(), root) || "."})\n`));
}
