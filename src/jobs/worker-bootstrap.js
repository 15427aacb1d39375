// Worker-thread entry of the pool. Worker threads do not inherit the parent's TypeScript loader (tsx
// registered in bin/patchsmith.js, or vitest's transformer), so this plain-JS file loads each task module
// through tsx itself, once per worker, and forwards tasks to the module's default export.
import { tsImport } from "tsx/esm/api";

const handlers = new Map();

export default async function runTask({ module, input }) {
  let handler = handlers.get(module);
  if (!handler) {
    handler = (async () => {
      const mod = module.endsWith(".ts") ? await tsImport(module, import.meta.url) : await import(module);
      const fn = mod.default;
      if (typeof fn !== "function") throw new Error(`task module ${module} has no default export function`);
      return fn;
    })();
    handlers.set(module, handler);
  }
  return (await handler)(input);
}
