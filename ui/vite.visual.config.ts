import { defineConfig } from "vite";

// The static visual tools' scripts (`lumos plot`'s interactive page): one IIFE file
// inlined into each self-contained HTML page, built inside the Python package next to
// the module that inlines it (src/lumos/visual/static, git-ignored like server/static).
export default defineConfig({
  build: {
    outDir: "../src/lumos/visual/static",
    emptyOutDir: true,
    target: "es2020",
    minify: true,
    reportCompressedSize: true,
    lib: {
      entry: "visual/plot.ts",
      name: "LumosPlot",
      formats: ["iife"],
      fileName: () => "plot.js",
    },
  },
});
