import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { threadId } from 'node:worker_threads';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ConfigError, MemraceError } from '../errors.js';
import { type Scenario, defineScenario } from '../lab/scenario.js';

/**
 * A user's scenario from a file: an `.mjs`/`.js` module, or a `.ts`/`.mts` one compiled by
 * esbuild on first use (no build step for the user), whose default export is a scenario. The main thread and every worker
 * load the same file; a scenario is then known by its absolute path, which is what an
 * actor's task carries instead of a registry name.
 */
export interface ScenarioSource {
  /** Absolute path of the module. */
  file: string;
  /** sha256 of its bytes when it was loaded: a saved schedule records it. */
  sha256: string;
}

const MODULE = /\.(mjs|cjs|js|ts|mts|cts)$/;
const TS = /\.[mc]?ts$/;

/** A scenario argument that names a file rather than a built-in scenario. */
export function isScenarioPath(s: string): boolean {
  return MODULE.test(s) || s.startsWith('file:') || s.includes('/') || s.includes(sep);
}

const toPath = (s: string) => resolve(s.startsWith('file:') ? fileURLToPath(s) : s);

const loaded = new Map<string, Scenario>();
const sources = new WeakMap<Scenario, ScenarioSource>();

/** A file scenario loaded before, by the path it was given as or its absolute path. */
export function loadedScenario(given: string): Scenario | undefined {
  return loaded.get(given) ?? (isScenarioPath(given) ? loaded.get(toPath(given)) : undefined);
}

/** The file a scenario came from; undefined for a built-in one. */
export function scenarioSource(s: Scenario): ScenarioSource | undefined {
  return sources.get(s);
}

/** How engines and workers name a scenario: its registry name, or its file's absolute path. */
export function scenarioKey(s: Scenario): string {
  return sources.get(s)?.file ?? s.name;
}

/** How a command line names it: the name, or the file relative to the working directory. */
export function scenarioArg(s: Scenario): string {
  const src = sources.get(s);
  if (!src) return s.name;
  const rel = relative(process.cwd(), src.file);
  return rel.startsWith('..') || rel.startsWith(sep) ? src.file : `.${sep}${rel}`;
}

/** The sha256 of a file's bytes, hex. */
export function fileSha256(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

const ALLOWED = 'a scenario name (memrace list), or a path to a .mjs, .js or .ts module whose default export is a scenario';

/**
 * Where a .ts scenario's compiled module goes: the nearest node_modules/.cache above it, so
 * the packages it imports resolve from there as from the file; beside the file when none.
 */
function compiledPath(file: string, sha256: string): string {
  const name = `${basename(file).replace(TS, '')}-${sha256.slice(0, 16)}.mjs`;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules'))) return join(dir, 'node_modules', '.cache', 'memrace', name);
    if (dirname(dir) === dir) return join(dirname(file), `.${name}`);
  }
}

/**
 * A .ts scenario, compiled once by esbuild into one ES module (its own relative imports
 * bundled, packages left to resolve), named by the source's hash: the main thread and the
 * workers load the same compiled file, and an edit compiles a new one.
 */
async function compileTs(file: string, sha256: string): Promise<string> {
  const out = compiledPath(file, sha256);
  if (existsSync(out)) return out;
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: [file], bundle: true, packages: 'external', format: 'esm', platform: 'node', target: 'node20',
    write: false, sourcemap: 'inline', logLevel: 'silent',
  });
  mkdirSync(dirname(out), { recursive: true });
  // Written aside, then renamed: a worker that compiles at the same moment never reads half a file.
  const tmp = `${out}.${process.pid}.${threadId}.tmp`;
  writeFileSync(tmp, r.outputFiles[0].text);
  renameSync(tmp, out);
  return out;
}

async function importModule(file: string, sha256: string): Promise<unknown> {
  return import(pathToFileURL(TS.test(file) ? await compileTs(file, sha256) : file).href);
}

/** Check the shape a scenario must have before anything calls into it. */
function checkShape(x: unknown, given: string): asserts x is Scenario {
  const bad = (why: string) => new ConfigError('<scenario>', `${given}: ${why}`, ALLOWED);
  if (!x || typeof x !== 'object') throw bad('the module has no default export (export default defineScenario({ ... }))');
  const s = x as Record<string, unknown>;
  if (typeof s.name !== 'string' || s.name === '') throw bad("the scenario has no 'name'");
  for (const f of ['actors', 'setup'] as const) if (typeof s[f] !== 'function') throw bad(`the scenario has no '${f}' function`);
  if (!s.roles || typeof s.roles !== 'object') throw bad("the scenario has no 'roles' (an object of role functions)");
  for (const f of ['imageBytes', 'check'] as const) if (s[f] !== undefined && typeof s[f] !== 'function') throw bad(`'${f}' is not a function`);
}

/** Load (once per thread) the scenario a file exports. */
export async function loadScenarioFile(given: string): Promise<Scenario> {
  const file = toPath(given);
  const hit = loaded.get(file);
  if (hit) {
    loaded.set(given, hit);
    return hit;
  }
  if (!existsSync(file) || !statSync(file).isFile()) throw new ConfigError('<scenario>', `no such file ${given}`, ALLOWED);
  if (!MODULE.test(file)) throw new ConfigError('<scenario>', `${given} is not a .mjs, .js or .ts module`, ALLOWED);
  const sha256 = fileSha256(file);
  let mod: unknown;
  try {
    mod = await importModule(file, sha256);
  } catch (e) {
    throw new MemraceError('E_CONFIG', `${given}: the scenario module does not load: ${(e as Error).message}`);
  }
  const raw = (mod as { default?: unknown }).default;
  checkShape(raw, given);
  const scenario = defineScenario(raw);
  sources.set(scenario, { file, sha256 });
  loaded.set(file, scenario);
  loaded.set(given, scenario);
  return scenario;
}
