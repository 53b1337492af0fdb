/**
 * Loads Prisma's schema engine compiled to WebAssembly (@prisma/schema-engine-wasm).
 *
 * The package's main entry imports the .wasm file as an ES module, which Node cannot do; its
 * `schema_engine_bg` module is plain wasm-bindgen glue that we wire by hand: instantiate the
 * .wasm with the glue as its imports, hand the exports back to the glue, call `__wbindgen_start`.
 * The glue keeps the instance in a module variable, so it is instantiated once per process.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import * as glue from '@prisma/schema-engine-wasm/schema_engine_bg';
import { MigrationError } from './migration-error';

export type SchemaEngineClass = typeof glue.SchemaEngine;

let loaded: Promise<SchemaEngineClass> | undefined;

export function loadSchemaEngine(): Promise<SchemaEngineClass> {
  loaded ??= instantiate().catch((error: unknown) => {
    loaded = undefined;
    throw new MigrationError(`Could not load @prisma/schema-engine-wasm: ${String(error)}`, { cause: error });
  });
  return loaded;
}

async function instantiate(): Promise<SchemaEngineClass> {
  installPanicRegistry();
  const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const bytes = await readFile(gluePath.replace(/\.js$/, '.wasm'));
  const { instance } = await wasmApi().instantiate(bytes, { './schema_engine_bg.js': withUnrefTimers(glue) });
  glue.__wbg_set_wasm(instance.exports);
  (instance.exports.__wbindgen_start as () => void)();
  return glue.SchemaEngine;
}

/**
 * The engine arms timers it never cancels (e.g. a 10 s timeout around taking the migration
 * advisory lock), which kept the process alive ~10 s after the work was done. Hand it timers
 * that do not hold the event loop open; while it works, its database connections do.
 */
function withUnrefTimers(imports: typeof glue): Record<string, unknown> {
  const patched: Record<string, unknown> = { ...imports };
  for (const name of Object.keys(patched).filter((key) => key.startsWith('__wbg_setTimeout_'))) {
    patched[name] = (callback: () => void, ms: number) => setTimeout(callback, ms >>> 0).unref();
  }
  return patched;
}

/** The WebAssembly global, typed for what we use (this project's lib settings do not declare it). */
function wasmApi() {
  type Instance = { exports: Record<string, unknown> };
  type Api = { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: Instance }> };
  return (globalThis as unknown as { WebAssembly: Api }).WebAssembly;
}

/**
 * The engine reports Rust panics through `global.PRISMA_WASM_PANIC_REGISTRY.set_message` (the
 * name is compiled into the wasm). Without it a panic surfaces as "Cannot read properties of
 * undefined"; with it we keep the message and report it with the error. Prisma Client installs
 * a registry of its own: if one is there, it stays.
 */
let panicMessage: string | undefined;

function installPanicRegistry(): void {
  const registry = globalThis as { PRISMA_WASM_PANIC_REGISTRY?: { set_message(message: string): void } };
  registry.PRISMA_WASM_PANIC_REGISTRY ??= {
    set_message(message: string) {
      panicMessage = message;
    },
  };
}

/** The message of the last engine panic, once. */
export function takePanicMessage(): string | undefined {
  const message = panicMessage;
  panicMessage = undefined;
  return message;
}
