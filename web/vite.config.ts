import { svelte } from "@sveltejs/vite-plugin-svelte";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const webDir = path.dirname(fileURLToPath(import.meta.url));

// The browser app. Everything is bundled (no CDN); the AudioWorklet is a separate ES-module chunk built from
// web/src/worklet/synth-processor.ts, which imports the engines' instrument classes from ../src/synths.
export default defineConfig({
  root: webDir,
  base: "./",
  plugins: [svelte()],
  build: {
    outDir: path.join(webDir, "dist"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 4096,
  },
  worker: { format: "es" },
  server: {
    fs: { allow: [path.resolve(webDir, "..")] },
    proxy: { "/api": "http://127.0.0.1:5174" },
  },
});
