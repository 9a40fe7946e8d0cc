import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The build goes inside the Python package, which serves it (src/lumos/server/static).
export default defineConfig({
  plugins: [svelte()],
  base: "./",
  build: {
    outDir: "../src/lumos/server/static",
    emptyOutDir: true,
    target: "es2022",
    reportCompressedSize: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:5432" },
  },
});
